//! What a root's names hold before its body is walked: its parameters'
//! types from annotations and from the framework calling it (Django hands a
//! view or a middleware the `HttpRequest`), and whether the project's
//! middlewares replace `request.user`.
//!
//! Binds names only; never walks a body and never reports a finding.

use tree_sitter::Node;

use super::roots::is_django_middleware;
use super::types::{Loaded, Ty};
use super::walker::Walker;
use super::Exec;
use crate::index::{ClassKind, FileId, WorkspaceIndex};
use crate::syntax::{self, field, named_children};

pub(super) fn bind_parameters<'a>(w: &mut Walker<'a>, def: Node<'a>) {
    let Some(params) = field(def, "parameters") else { return };
    let is_method = w.class.is_some()
        && def
            .parent()
            .and_then(|b| b.parent())
            .is_some_and(|c| c.kind() == "class_definition" || c.kind() == "decorated_definition");
    for (i, p) in named_children(params).into_iter().enumerate() {
        let (name, ann) = match p.kind() {
            "identifier" => (Some(p), None),
            "typed_parameter" => (p.named_child(0).filter(|n| n.kind() == "identifier"), field(p, "type")),
            "default_parameter" => (field(p, "name"), None),
            "typed_default_parameter" => (field(p, "name"), field(p, "type")),
            _ => (None, None),
        };
        let Some(name) = name else { continue };
        let name_text = syntax::text(name, w.src).to_owned();
        let ty = if i == 0 && is_method && name_text == "self" {
            match w.class.map(|c| w.index.class_kind(c)) {
                Some(ClassKind::State { .. }) => Ty::StateSelf(w.class.unwrap()),
                Some(ClassKind::Model(m)) => Ty::Instance {
                    model: m,
                    loaded: Loaded::unknown(),
                },
                Some(ClassKind::Other) => Ty::Object(w.class.unwrap(), Vec::new()),
                // A custom manager's or QuerySet's method: `self` is one, of
                // whichever model uses the class.
                Some(ClassKind::Manager) => Ty::Manager {
                    model: w.index.any_model,
                    related: false,
                    back: None,
                },
                Some(ClassKind::QuerySet) => Ty::QuerySet {
                    model: w.index.any_model,
                    values: false,
                    loaded: Loaded::unknown(),
                },
                _ => Ty::Unknown,
            }
        } else if let Some(ann) = ann {
            // No caller seen yet: what the caller loaded is unknown (a call
            // site's argument replaces it, see `apply_arguments`).
            unseen(annotation_ty(w, ann))
        } else if name_text == "request"
            && matches!(w.exec, Exec::Async | Exec::SyncAwaitedMiddleware)
            && (!is_method || w.class.is_some_and(|c| is_django_middleware(w.index, c)))
            && imports_django(w.index, w.file)
        {
            Ty::Request
        } else {
            Ty::Unknown
        };
        // The request Django's handler passes to a view went through the
        // project's `MIDDLEWARE`: if one of its middlewares puts a value of
        // its own in `request.user`, that value is not Django's lazy user.
        // A middleware's own request has been through only the middlewares
        // before it, in an order not read here: it stays Django's lazy user.
        let in_middleware = is_method && w.class.is_some_and(|c| is_django_middleware(w.index, c));
        if ty == Ty::Request && w.exec == Exec::Async && !in_middleware && user_replaced_by_middleware(w) {
            w.user_assigned = true;
        }
        w.env.insert(name_text, ty);
    }
}

/// An annotation's model data: what was loaded is not seen here.
pub(super) fn unseen(ty: Ty) -> Ty {
    match ty {
        Ty::Instance { model, .. } => Ty::Instance {
            model,
            loaded: Loaded::unseen(),
        },
        Ty::QuerySet { model, values, .. } => Ty::QuerySet {
            model,
            values,
            loaded: Loaded::unseen(),
        },
        ty => ty,
    }
}

/// Whether a middleware listed in a `MIDDLEWARE` setting of the checked
/// file's project is a workspace class (or factory function) that assigns
/// `request.user` a value that is not a lazy object (Weblate's
/// `AuthenticationMiddleware`: `request.user = user = get_user(request)`).
/// Django's own `AuthenticationMiddleware` sets a `SimpleLazyObject`, which
/// queries on first use; another middleware's value may be loaded already
/// (precision first: then `request.user` is not reported). A project is the
/// folder above the settings' package, as for django-constance's setting.
pub(super) fn user_replaced_by_middleware(w: &Walker<'_>) -> bool {
    *w.shared.user_replaced_by_middleware.get_or_init(|| {
        let found = w
            .index
            .user_replacing_middlewares
            .get_or_init(|| find_user_replacing_middlewares(w.index));
        let checked = &w.index.file(w.file).path;
        let in_project = |file: FileId| {
            let path = &w.index.file(file).path;
            let project = path.parent().and_then(|package| package.parent());
            project.is_none_or(|p| checked.starts_with(p))
        };
        found
            .iter()
            .any(|(settings, middleware)| in_project(*settings) && in_project(*middleware))
    })
}

/// Every (settings file, middleware file) pair of the workspace where the
/// settings file names, quoted, a middleware of the other file that
/// replaces `request.user` (see [`user_replaced_by_middleware`]). Computed
/// once per index: the per-file question then only compares paths.
pub(crate) fn find_user_replacing_middlewares(index: &WorkspaceIndex) -> Vec<(FileId, FileId)> {
    let settings: Vec<FileId> = (0..index.files.len())
        .filter(|&id| {
            let e = index.file(id);
            !e.in_migrations && memchr::memmem::find(e.text.as_bytes(), b"MIDDLEWARE").is_some()
        })
        .collect();
    if settings.is_empty() {
        return Vec::new();
    }
    let mut pairs = Vec::new();
    for id in 0..index.files.len() {
        let entry = index.file(id);
        let module = entry.modules.first().map(String::as_str).unwrap_or_default();
        // Only a module a settings file names, that assigns `request.user`,
        // is parsed.
        let named = format!("{module}.");
        if !assigns_request_user(&entry.text) {
            continue;
        }
        let naming: Vec<FileId> = settings
            .iter()
            .copied()
            .filter(|&s| memchr::memmem::find(index.file(s).text.as_bytes(), named.as_bytes()).is_some())
            .collect();
        if naming.is_empty() {
            continue;
        }
        let Some(tree) = entry.tree() else { continue };
        for name in middlewares_replacing_user(tree.root_node(), &entry.text) {
            let dotted = format!("{module}.{name}");
            let quoted = [format!("\"{dotted}\""), format!("'{dotted}'")];
            for &s in &naming {
                let text = index.file(s).text.as_bytes();
                if quoted
                    .iter()
                    .any(|q| memchr::memmem::find(text, q.as_bytes()).is_some())
                {
                    pairs.push((s, id));
                }
            }
        }
    }
    pairs
}

/// Whether the text has `request.user = …` (not `==`).
fn assigns_request_user(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"request.user").any(|at| {
        let rest = text[at + "request.user".len()..].trim_start_matches([' ', '\t']);
        rest.starts_with('=') && !rest.starts_with("==")
    })
}

/// The top-level classes and functions of a module whose code assigns
/// `request.user = <value>` with a value that is not a lazy object.
fn middlewares_replacing_user<'s>(module: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    for def in named_children(module) {
        let def = if def.kind() == "decorated_definition" {
            field(def, "definition").unwrap_or(def)
        } else {
            def
        };
        if !matches!(def.kind(), "class_definition" | "function_definition") {
            continue;
        }
        let Some(name) = field(def, "name") else { continue };
        let mut stack = vec![def];
        let mut replaces = false;
        while let Some(node) = stack.pop() {
            if node.kind() == "assignment" {
                let left = field(node, "left").map(|l| syntax::text(l, src));
                let right = field(node, "right").map(|r| syntax::text(r, src)).unwrap_or_default();
                if left == Some("request.user") && !right.contains("LazyObject") {
                    replaces = true;
                    break;
                }
            }
            stack.extend(named_children(node));
        }
        if replaces {
            names.push(syntax::text(name, src));
        }
    }
    names
}

pub(crate) fn imports_django(index: &WorkspaceIndex, file: FileId) -> bool {
    index.file(file).summary().imports.iter().any(|b| match &b.target {
        crate::index::summary::ImportTarget::Module(m) => m.starts_with("django"),
        crate::index::summary::ImportTarget::Member { module, .. } => module.starts_with("django"),
        _ => false,
    })
}

/// The type a parameter annotation promises: a model instance (unknown
/// loading), a QuerySet, or a Django request.
pub fn annotation_ty<'a>(w: &mut Walker<'a>, ann: Node<'a>) -> Ty {
    let node = if ann.kind() == "type" {
        ann.named_child(0).unwrap_or(ann)
    } else {
        ann
    };
    match node.kind() {
        "identifier" | "attribute" => match w.eval_quiet(node) {
            Ty::ModelClass(m) => Ty::Instance {
                model: m,
                loaded: Loaded::unknown(),
            },
            // An instance of a workspace class (or of a subclass: see `dispatch`).
            Ty::Class(c) => Ty::Object(c, Vec::new()),
            Ty::External(q) if q == "django.db.models.QuerySet" || q == "django.db.models.query.QuerySet" => {
                match Some(w.index.any_model) {
                    Some(m) => Ty::QuerySet {
                        model: m,
                        values: false,
                        loaded: Loaded::unknown(),
                    },
                    None => Ty::Unknown,
                }
            }
            Ty::External(q)
                if matches!(
                    q.as_str(),
                    "django.http.HttpRequest"
                        | "django.http.request.HttpRequest"
                        | "django.core.handlers.asgi.ASGIRequest"
                ) =>
            {
                Ty::Request
            }
            // `info: strawberry.Info`: its `context.request` may be Django's
            // request (see `frameworks::strawberry_context_request_is_django`).
            Ty::External(q) if crate::knowledge::third_party::is_strawberry_info(&q) => {
                Ty::External(crate::knowledge::third_party::STRAWBERRY_INFO.into())
            }
            _ => Ty::Unknown,
        },
        "generic_type" | "subscript" => {
            let base = node.named_child(0).map(|b| syntax::text(b, w.src)).unwrap_or("");
            let last = base.rsplit('.').next().unwrap_or(base);
            if last == "QuerySet" || last == "Manager" {
                let arg = named_children(node).into_iter().nth(1).and_then(|t| {
                    let t = if t.kind() == "type_parameter" {
                        t.named_child(0)
                    } else {
                        Some(t)
                    }?;
                    let t = if t.kind() == "type" { t.named_child(0)? } else { t };
                    Some(t)
                });
                if let Some(arg) = arg {
                    if let Ty::ModelClass(m) = w.eval_quiet(arg) {
                        return Ty::QuerySet {
                            model: m,
                            values: false,
                            loaded: Loaded::unknown(),
                        };
                    }
                }
            }
            Ty::Unknown
        }
        _ => Ty::Unknown,
    }
}

#[cfg(test)]
mod auth_tests {
    use crate::checker::{check_file, AnalysisOptions};
    use crate::diagnostic::Finding;
    use crate::index::{FileEntry, WorkspaceIndex};
    use crate::rules::Rule;

    const MODELS: &str = "from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\nclass Team(models.Model):\n    name = models.CharField(max_length=10)\n\nclass User(AbstractUser):\n    team = models.ForeignKey(Team, null=True, on_delete=models.CASCADE)\n";
    const VIEWS: &str = "from django.http import HttpRequest\n\nasync def home(request: HttpRequest):\n    user = await request.auser()\n    return user.team\n";

    /// The findings on `accounts/views.py` of a project whose settings end with `settings`.
    fn view_findings(settings: &str, views: &str) -> Vec<Finding> {
        let settings = format!("AUTH_USER_MODEL = \"accounts.User\"\n{settings}");
        let index = WorkspaceIndex::new(vec![
            FileEntry::new("manage.py".into(), vec!["manage".into()], b""),
            FileEntry::new("accounts/__init__.py".into(), vec!["accounts".into()], b""),
            FileEntry::new(
                "accounts/models.py".into(),
                vec!["accounts.models".into()],
                MODELS.as_bytes(),
            ),
            FileEntry::new(
                "accounts/views.py".into(),
                vec!["accounts.views".into()],
                views.as_bytes(),
            ),
            FileEntry::new(
                "proj/settings.py".into(),
                vec!["proj.settings".into()],
                settings.as_bytes(),
            ),
        ]);
        check_file(&index, 3, &AnalysisOptions::default())
    }

    fn lines_with(findings: &[Finding], rule: Rule) -> usize {
        findings.iter().filter(|f| f.rule == rule).count()
    }

    #[test]
    fn under_the_default_backend_the_auser_row_has_nothing_loaded() {
        assert_eq!(lines_with(&view_findings("", VIEWS), Rule::RDJ104), 1);
    }

    #[test]
    fn model_backends_named_in_settings_fetch_a_plain_row() {
        let settings = "AUTHENTICATION_BACKENDS = [\n    \"django.contrib.auth.backends.ModelBackend\",\n    \"django.contrib.auth.backends.AllowAllUsersModelBackend\",\n]\n";
        assert_eq!(lines_with(&view_findings(settings, VIEWS), Rule::RDJ104), 1);
    }

    #[test]
    fn another_backend_may_return_a_loaded_user() {
        let settings = "AUTHENTICATION_BACKENDS = [\"accounts.backends.TeamBackend\"]\n";
        assert!(view_findings(settings, VIEWS).is_empty());
    }

    #[test]
    fn backends_not_written_out_are_unknown() {
        for settings in [
            "AUTHENTICATION_BACKENDS = [\"django.contrib.auth.backends.ModelBackend\"]\nAUTHENTICATION_BACKENDS += [\"accounts.backends.TeamBackend\"]\n",
            "import os\nAUTHENTICATION_BACKENDS = os.environ[\"BACKENDS\"].split(\",\")\n",
            "class Base:\n    AUTHENTICATION_BACKENDS = [\"accounts.backends.TeamBackend\"]\n",
        ] {
            assert!(view_findings(settings, VIEWS).is_empty(), "{settings}");
        }
    }

    #[test]
    fn a_read_of_the_setting_leaves_the_default() {
        let views = format!("from django.conf import settings\n{VIEWS}\nBACKENDS = settings.AUTHENTICATION_BACKENDS\n");
        assert_eq!(lines_with(&view_findings("", &views), Rule::RDJ104), 1);
    }

    #[test]
    fn own_fields_of_the_auser_row_run_no_query() {
        let views = VIEWS.replace("user.team", "user.username");
        assert!(view_findings("", &views).is_empty());
    }
}
