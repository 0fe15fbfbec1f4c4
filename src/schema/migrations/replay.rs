//! Operations applied to a [`ProjectState`], in a plan's order, as Django's
//! `state_forwards` does (a renamed model's relations follow it; an
//! [`Operation::Unknown`] leaves its models uncertain). Never reads a file
//! and never decides the order (`plan.rs`).

use std::collections::BTreeMap;

use super::{Migration, Operation, ALTER_OPTION_KEYS};
use crate::python::value::Value;
use crate::schema::state::{ModelKey, ModelState, ProjectState};

/// The state after applying `plan` in order.
pub fn replay(plan: &[&Migration]) -> ProjectState {
    let mut state = ProjectState::default();
    for m in plan {
        for op in &m.operations {
            apply(&mut state, &m.app, op);
        }
    }
    state
}

fn apply(state: &mut ProjectState, app: &str, op: &Operation) {
    let key = |name: &str| ModelKey::new(app, name);
    match op {
        Operation::CreateModel {
            name,
            fields,
            options,
            bases,
            origin,
        } => {
            let bases = bases
                .iter()
                .filter_map(|b| b.as_str().and_then(ModelKey::parse))
                .collect();
            state.models.insert(
                key(name),
                ModelState {
                    app_label: app.to_owned(),
                    name: name.clone(),
                    fields: fields.clone(),
                    options: options.clone(),
                    bases,
                    origin: Some(origin.clone()),
                },
            );
        }
        Operation::DeleteModel { name } => {
            state.models.remove(&key(name));
        }
        Operation::RenameModel { old, new } => {
            if state.uncertain.contains(&key(old)) {
                state.uncertain.insert(key(new));
            }
            if let Some(mut m) = state.models.remove(&key(old)) {
                m.name = new.clone();
                state.models.insert(key(new), m);
                let (from, to) = (key(old).to_string(), key(new).to_string());
                for model in state.models.values_mut() {
                    for f in &mut model.fields {
                        for k in ["to", "through"] {
                            if f.kwargs.get(k).and_then(Value::as_str) == Some(from.as_str()) {
                                f.kwargs.insert(k.to_owned(), Value::Str(to.clone()));
                            }
                        }
                    }
                }
            }
        }
        Operation::AlterModelTable { name, table } => {
            if let Some(m) = state.models.get_mut(&key(name)) {
                set_option(&mut m.options, "db_table", table.clone());
            }
        }
        Operation::AlterModelOptions { name, options } => {
            if let Some(m) = state.models.get_mut(&key(name)) {
                for k in ALTER_OPTION_KEYS {
                    if !options.contains_key(*k) {
                        m.options.remove(*k);
                    }
                }
                m.options.extend(options.clone());
            }
        }
        Operation::SetOption {
            name,
            key: option,
            value,
        } => {
            if let Some(m) = state.models.get_mut(&key(name)) {
                set_option(&mut m.options, option, value.clone());
            }
        }
        Operation::AddField { model, field } | Operation::AlterField { model, field } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                match m.fields.iter_mut().find(|f| f.name == field.name) {
                    Some(f) => *f = field.clone(),
                    None => m.fields.push(field.clone()),
                }
            }
        }
        Operation::RemoveField { model, name } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                m.fields.retain(|f| &f.name != name);
            }
        }
        Operation::RenameField { model, old, new } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                for f in &mut m.fields {
                    if &f.name == old {
                        f.name = new.clone();
                    }
                }
                for opt in ["unique_together", "index_together"] {
                    if let Some(v) = m.options.get_mut(opt) {
                        rename_in(v, old, new);
                    }
                }
            }
        }
        Operation::AddItem {
            model,
            key: option,
            item,
        } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                let list = m
                    .options
                    .entry((*option).to_owned())
                    .or_insert_with(|| Value::List(Vec::new()));
                if let Value::List(items) = list {
                    items.push(item.clone());
                }
            }
        }
        Operation::RemoveItem {
            model,
            key: option,
            name,
        } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                if let Some(Value::List(items)) = m.options.get_mut(*option) {
                    items.retain(|i| i.call_kwarg("name").and_then(Value::as_str) != Some(name.as_str()));
                }
            }
        }
        Operation::RenameIndex {
            model,
            new,
            old_name,
            old_fields,
        } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                let list = m
                    .options
                    .entry("indexes".to_owned())
                    .or_insert_with(|| Value::List(Vec::new()));
                let Value::List(items) = list else { return };
                match (old_name, old_fields) {
                    (Some(old), _) => {
                        for i in items.iter_mut() {
                            if i.call_kwarg("name").and_then(Value::as_str) == Some(old.as_str()) {
                                if let Value::Call { kwargs, .. } = i {
                                    for (k, v) in kwargs.iter_mut() {
                                        if k == "name" {
                                            *v = Value::Str(new.clone());
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (None, Some(fields)) => {
                        items.push(Value::Call {
                            func: "models.Index".to_owned(),
                            args: Vec::new(),
                            kwargs: vec![
                                ("fields".to_owned(), fields.clone()),
                                ("name".to_owned(), Value::Str(new.clone())),
                            ],
                        });
                        if let Some(v) = m.options.get_mut("index_together") {
                            if let Some(list) = v.as_list() {
                                let kept: Vec<Value> = list.iter().filter(|x| !x.same(fields)).cloned().collect();
                                *v = Value::Set(kept);
                            }
                        }
                    }
                    (None, None) => {}
                }
            }
        }
        Operation::Nothing => {}
        Operation::Unknown { models } => {
            for m in models {
                state.uncertain.insert(key(m));
            }
        }
    }
}

fn set_option(options: &mut BTreeMap<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::None => true,
        Value::List(v) | Value::Set(v) => v.is_empty(),
        _ => false,
    };
    if empty {
        options.remove(key);
    } else {
        options.insert(key.to_owned(), value);
    }
}

fn rename_in(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::Str(s) if s == old => *s = new.to_owned(),
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(|i| rename_in(i, old, new)),
        _ => {}
    }
}
