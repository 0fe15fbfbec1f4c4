//! The order `migrate` applies migrations in: the dependency graph, with
//! squashed migrations standing in for the ones they replace. Orders only:
//! never reads a file, never looks at an operation.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::{Migration, MigrationKey};

/// The migrations in the order `migrate` would apply them, with squashed
/// migrations standing in for the ones they replace (as `makemigrations`
/// sees the graph). Dependencies on apps outside `migrations` are ignored.
///
/// Of the migrations whose dependencies are all applied, the first by
/// (app, name) comes next (a stable order); a cycle applies the rest in
/// that order. Linear in the graph's size, up to the ordered sets: a large
/// application has well over a thousand migrations.
pub fn plan<'m>(migrations: &'m [Migration]) -> Vec<&'m Migration> {
    type Key<'m> = (&'m str, &'m str);
    fn key_of(m: &Migration) -> Key<'_> {
        (m.app.as_str(), m.name.as_str())
    }
    let present: HashSet<Key<'_>> = migrations.iter().map(key_of).collect();
    // A squash replaces its originals when it is present (the last one
    // naming a migration wins).
    let mut replaced_by: HashMap<Key<'_>, Key<'_>> = HashMap::new();
    for m in migrations {
        for (app, name) in &m.replaces {
            replaced_by.insert((app.as_str(), name.as_str()), key_of(m));
        }
    }
    let nodes: Vec<&Migration> = migrations
        .iter()
        .filter(|m| !replaced_by.contains_key(&key_of(m)))
        .collect();
    // An app's `__first__`: its first migration without a dependency in the app.
    let mut first_of: HashMap<&str, Key<'_>> = HashMap::new();
    for m in &nodes {
        if !m.dependencies.iter().any(|d| d.0 == m.app) {
            first_of.entry(m.app.as_str()).or_insert(key_of(m));
        }
    }
    let resolve = |(app, name): &'m MigrationKey| -> Option<Key<'m>> {
        let dep = match name.as_str() {
            "__first__" => *first_of.get(app.as_str())?,
            "__latest__" => return None,
            _ => (app.as_str(), name.as_str()),
        };
        let dep = replaced_by.get(&dep).copied().unwrap_or(dep);
        present.contains(&dep).then_some(dep)
    };
    // Kahn's algorithm over the nodes numbered in (app, name) order, so
    // the smallest ready number is the next migration.
    let by_key: BTreeMap<Key<'_>, &Migration> = nodes.iter().map(|m| (key_of(m), *m)).collect();
    let number: HashMap<Key<'_>, usize> = by_key.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let ordered: Vec<&Migration> = by_key.values().copied().collect();
    let mut waiting_on = vec![0usize; ordered.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); ordered.len()];
    for (i, m) in ordered.iter().enumerate() {
        let deps: BTreeSet<usize> = m
            .dependencies
            .iter()
            .filter_map(&resolve)
            .filter_map(|d| number.get(&d).copied())
            .filter(|&d| d != i)
            .collect();
        waiting_on[i] = deps.len();
        for d in deps {
            dependents[d].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..ordered.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut done = vec![false; ordered.len()];
    let mut out = Vec::with_capacity(ordered.len());
    while let Some(next) = ready.pop_first() {
        done[next] = true;
        out.push(ordered[next]);
        for &d in &dependents[next] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.insert(d);
            }
        }
    }
    // A cycle: apply the rest in name order rather than give up.
    out.extend(ordered.iter().zip(&done).filter(|(_, &d)| !d).map(|(m, _)| *m));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::state::Origin;
    use std::path::PathBuf;

    fn migration(app: &str, name: &str, dependencies: &[(&str, &str)], replaces: &[(&str, &str)]) -> Migration {
        let keys = |pairs: &[(&str, &str)]| -> Vec<MigrationKey> {
            pairs.iter().map(|(a, n)| ((*a).to_owned(), (*n).to_owned())).collect()
        };
        let path = PathBuf::from(format!("{app}/migrations/{name}.py"));
        Migration {
            app: app.to_owned(),
            name: name.to_owned(),
            origin: Origin {
                path: path.clone(),
                range: 0..0,
            },
            path,
            dependencies: keys(dependencies),
            dependencies_unread: false,
            replaces: keys(replaces),
            operations: Vec::new(),
            readable: true,
        }
    }

    #[test]
    fn the_first_ready_migration_by_app_and_name_comes_next() {
        let migrations = [
            migration("c", "0001", &[("c", "0002")], &[]),
            migration("c", "0002", &[("c", "0001")], &[]),
            migration("c", "0003", &[("c", "0001")], &[]),
            migration("b", "0003", &[("b", "0002"), ("a", "__latest__")], &[]),
            migration("a", "0003", &[("a", "0002"), ("b", "0002")], &[]),
            migration("a", "0002", &[("a", "0001"), ("auth", "0001_initial")], &[]),
            migration("a", "0001", &[("b", "__first__")], &[]),
            migration("b", "0002", &[("b", "0001")], &[]),
            migration("b", "0001", &[], &[]),
            migration("b", "0001_squashed_0002", &[], &[("b", "0001"), ("b", "0002")]),
        ];
        let order: Vec<String> = plan(&migrations)
            .iter()
            .map(|m| format!("{}.{}", m.app, m.name))
            .collect();
        // The squash stands in for what it replaces (also as `__first__`
        // and as a dependency); a dependency outside the migrations or on
        // `__latest__` is none; the cycle of `c` comes last, in name order.
        assert_eq!(
            order,
            [
                "b.0001_squashed_0002",
                "a.0001",
                "a.0002",
                "a.0003",
                "b.0003",
                "c.0001",
                "c.0002",
                "c.0003",
            ]
        );
    }
}
