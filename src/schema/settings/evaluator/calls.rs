//! The calls the evaluator knows: `pathlib.Path` and its methods,
//! `os.path`, `os.environ` / `os.getenv`, the builtins `str`, `int`, `bool`,
//! `list`, `tuple`, `set`, `dict`, django-environ (`Env` with its scheme,
//! `env("K")`, `env.str/int/bool`, `env.db()`, `Path`, `read_env`),
//! python-decouple's `config`, python-dotenv's `load_dotenv` and
//! dj-database-url's `config` / `parse`, each as the library computes its
//! result. Any other call is unknown.
//!
//! Reads the environment only through the evaluator (its `env` closure and
//! the writes the code made), and files only through `exists`: a `.env`
//! file is never read.

use std::path::{Path, PathBuf};

use super::value::{path_string, Args, Val};
use super::{Evaluator, Lookup, ModuleFile};
use crate::paths::normalize;

impl Evaluator<'_> {
    /// Calls a known function.
    pub(super) fn apply(&mut self, cx: &ModuleFile, func: Val, args: Args) -> Val {
        match func {
            Val::Ext(q) => self.apply_external(cx, &q, args),
            Val::EnvReader(defaults) => self.env_call(&defaults, "__call__", &args),
            // django-environ's `root("db.sqlite3")` (a pathlib.Path is not callable).
            Val::Path(p) if args.kw.is_empty() => {
                let mut out = p;
                for a in &args.pos {
                    match a.as_path() {
                        Some(x) => out.push(x),
                        None => return Val::Unknown,
                    }
                }
                Val::Str(path_string(&normalize(&out)))
            }
            Val::Bound(recv, method) => match (*recv, method.as_str()) {
                (Val::EnvReader(_), "read_env") => {
                    self.dotenv(cx, args.at(0, "env_file"), DotenvStyle::SameDir);
                    Val::None
                }
                (Val::EnvReader(_), "db" | "db_url" | "database_url") => self.env_db(&args),
                (Val::EnvReader(defaults), m) => self.env_call(&defaults, m, &args),
                (Val::Path(p), "resolve" | "absolute") if p.is_absolute() => Val::Path(normalize(&p)),
                (Val::Path(p), "joinpath") => {
                    let mut out = p;
                    for a in &args.pos {
                        match a.as_path() {
                            Some(x) => out.push(x),
                            None => return Val::Unknown,
                        }
                    }
                    Val::Path(out)
                }
                (d @ Val::Dict(_), "get") => match args.pos.first() {
                    Some(Val::Str(k)) => d
                        .get(k)
                        .cloned()
                        .unwrap_or_else(|| args.pos.get(1).cloned().unwrap_or(Val::None)),
                    _ => Val::Unknown,
                },
                (d @ Val::Dict(_), "copy") => d,
                (l @ Val::List(_), "copy") => l,
                _ => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    fn apply_external(&mut self, cx: &ModuleFile, q: &str, args: Args) -> Val {
        let q = q
            .strip_prefix("builtins.")
            .map(|b| format!("builtins.{b}"))
            .unwrap_or_else(|| q.to_owned());
        match q.as_str() {
            "pathlib.Path" | "pathlib.PurePath" | "pathlib.PosixPath" | "pathlib.PurePosixPath" => {
                if args.pos.is_empty() || !args.kw.is_empty() {
                    return Val::Unknown;
                }
                let mut out = PathBuf::new();
                for a in &args.pos {
                    match a.as_path() {
                        Some(p) => out.push(p),
                        None => return Val::Unknown,
                    }
                }
                Val::Path(out)
            }
            "os.path.join" => {
                let mut out = PathBuf::new();
                for a in &args.pos {
                    match a.as_path() {
                        Some(p) => out.push(p),
                        None => return Val::Unknown,
                    }
                }
                Val::Str(path_string(&out))
            }
            "os.path.dirname" => match args.pos.first().and_then(Val::as_path) {
                Some(p) => Val::Str(p.parent().map(path_string).unwrap_or_default()),
                None => Val::Unknown,
            },
            "os.path.basename" => match args.pos.first().and_then(Val::as_path) {
                Some(p) => Val::Str(
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                None => Val::Unknown,
            },
            "os.path.abspath" | "os.path.realpath" | "os.path.normpath" => {
                match args.pos.first().and_then(Val::as_path) {
                    Some(p) if p.is_absolute() || q == "os.path.normpath" => Val::Str(path_string(&normalize(&p))),
                    _ => Val::Unknown,
                }
            }
            "os.environ.get" | "os.getenv" => {
                let Some(Val::Str(k)) = args.at(0, "key") else {
                    return Val::Unknown;
                };
                let default = args.at(1, "default").cloned().unwrap_or(Val::None);
                match self.getenv(k) {
                    Lookup::Set(v) => Val::Str(v),
                    Lookup::Unset => default,
                    Lookup::Unknown => Val::Unknown,
                }
            }
            "os.environ.setdefault" => {
                let (Some(Val::Str(k)), Some(Val::Str(v))) = (args.pos.first(), args.pos.get(1)) else {
                    self.env_opaque = true;
                    return Val::Unknown;
                };
                match self.getenv(k) {
                    Lookup::Set(cur) => Val::Str(cur),
                    Lookup::Unset => {
                        self.overlay.insert(k.clone(), Some(v.clone()));
                        Val::Str(v.clone())
                    }
                    Lookup::Unknown => Val::Unknown,
                }
            }
            "builtins.str" => match args.pos.as_slice() {
                [Val::Str(s)] => Val::Str(s.clone()),
                [Val::Path(p)] => Val::Str(path_string(p)),
                [Val::Int(i)] => Val::Str(i.to_string()),
                [Val::Bool(b)] => Val::Str(if *b { "True" } else { "False" }.to_owned()),
                [Val::None] => Val::Str("None".to_owned()),
                _ => Val::Unknown,
            },
            "builtins.int" => match args.pos.as_slice() {
                [Val::Int(i)] => Val::Int(*i),
                [Val::Bool(b)] => Val::Int(*b as i64),
                [Val::Str(s)] => s.trim().parse().map(Val::Int).unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            },
            "builtins.bool" => match args.pos.as_slice() {
                [v] => v.truthy().map(Val::Bool).unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            },
            "builtins.list" | "builtins.tuple" | "builtins.set" => match args.pos.as_slice() {
                [] => Val::List(Vec::new()),
                [l @ Val::List(_)] => l.clone(),
                _ => Val::Unknown,
            },
            "builtins.dict" => match args.pos.as_slice() {
                [] => Val::Dict(args.kw.clone()),
                [d @ Val::Dict(_)] if args.kw.is_empty() => d.clone(),
                _ => Val::Unknown,
            },
            "environ.Env" | "environ.environ.Env" => {
                // The scheme: `Env(DEBUG=(bool, False), PORT=int)`.
                Val::EnvReader(args.kw.clone())
            }
            "environ.Path" | "environ.environ.Path" => {
                // django-environ's Path(start, *paths, is_file=False).
                let mut out = PathBuf::new();
                for a in &args.pos {
                    match a.as_path() {
                        Some(p) => out.push(p),
                        None => return Val::Unknown,
                    }
                }
                if !out.is_absolute() {
                    return Val::Unknown;
                }
                match args.kw.as_slice() {
                    [] => {}
                    [(k, Val::Bool(true))] if k == "is_file" => {
                        out.pop();
                    }
                    [(k, Val::Bool(false))] if k == "is_file" => {}
                    _ => return Val::Unknown,
                }
                Val::Path(normalize(&out))
            }
            "environ.Env.read_env" | "environ.environ.Env.read_env" => {
                self.dotenv(cx, args.at(0, "env_file"), DotenvStyle::SameDir);
                Val::None
            }
            "dotenv.load_dotenv" | "dotenv.main.load_dotenv" => {
                self.dotenv(cx, args.at(0, "dotenv_path"), DotenvStyle::Upwards);
                Val::Bool(true)
            }
            "decouple.config" => {
                // python-decouple reads `settings.ini` / `.env` found from
                // the caller's folder upwards; the environment wins. The
                // default goes through `cast` too.
                self.dotenv(cx, None, DotenvStyle::Decouple);
                let Some(Val::Str(k)) = args.at(0, "option") else {
                    return Val::Unknown;
                };
                let value = match self.getenv(k) {
                    Lookup::Set(v) => Val::Str(v),
                    Lookup::Unset => match args.at(1, "default") {
                        Some(d) => d.clone(),
                        None => return Val::Unknown,
                    },
                    Lookup::Unknown => return Val::Unknown,
                };
                match args.at(2, "cast") {
                    None => value,
                    Some(Val::Ext(c)) => py_cast(c.trim_start_matches("builtins."), value, BoolStyle::Decouple),
                    Some(_) => Val::Unknown,
                }
            }
            "dj_database_url.config" => {
                // config(env="DATABASE_URL", default=None, engine=None, …):
                // `os.environ.get(env, default)`, `{}` when empty.
                self.database_url_variable(&args, "env", false)
            }
            "dj_database_url.parse" => match args.at(0, "url") {
                Some(Val::Str(u)) if !u.is_empty() => Val::DbUrl(u.clone()),
                _ => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    /// django-environ's `Env.get_value`: `env("K", cast, default)`,
    /// `env.str/int/bool("K", default)`, with the scheme's casts and
    /// defaults, smart casting by the default's type, and `$OTHER` proxies
    /// (unknown).
    fn env_call(&mut self, scheme: &[(String, Val)], method: &str, args: &Args) -> Val {
        let Some(Val::Str(var)) = args.at(0, "var") else {
            return Val::Unknown;
        };
        let (mut cast, mut default): (Option<String>, Option<Val>) = match method {
            "__call__" => {
                let cast = match args.at(1, "cast") {
                    None | Some(Val::None) => None,
                    Some(Val::Ext(c)) => Some(c.trim_start_matches("builtins.").to_owned()),
                    Some(_) => return Val::Unknown,
                };
                (cast, args.at(2, "default").cloned())
            }
            "str" | "int" | "bool" => (Some(method.to_owned()), args.at(1, "default").cloned()),
            _ => return Val::Unknown,
        };
        if args.kw.iter().any(|(k, _)| k == "parse_default" || k == "multiline") {
            return Val::Unknown;
        }
        if let Some((_, info)) = scheme.iter().find(|(k, _)| k == var) {
            let (scheme_cast, scheme_default) = match info {
                Val::List(pair) if pair.len() == 2 => (Some(&pair[0]), Some(&pair[1])),
                other => (Some(other), None),
            };
            if cast.is_none() {
                match scheme_cast {
                    Some(Val::Ext(c)) => cast = Some(c.trim_start_matches("builtins.").to_owned()),
                    _ => return Val::Unknown,
                }
            }
            if default.is_none() {
                default = scheme_default.cloned();
            }
        }
        let value = match self.getenv(var) {
            Lookup::Set(v) => Val::Str(v),
            Lookup::Unset => match &default {
                Some(d) => d.clone(),
                None => return Val::Unknown, // ImproperlyConfigured
            },
            Lookup::Unknown => return Val::Unknown,
        };
        if value.as_str().is_some_and(|v| v.starts_with('$')) {
            return Val::Unknown;
        }
        if cast.is_none() {
            cast = match &default {
                Some(Val::Int(_)) => Some("int".to_owned()),
                Some(Val::Bool(_)) => Some("bool".to_owned()),
                Some(Val::Str(_)) => Some("str".to_owned()),
                Some(Val::None) | None => None,
                Some(_) => return Val::Unknown,
            };
        }
        if default == Some(Val::None) && value == Val::Str(String::new()) {
            return Val::None;
        }
        if Some(&value) == default.as_ref() {
            return value;
        }
        match cast {
            None => value,
            Some(c) => py_cast(&c, value, BoolStyle::Environ),
        }
    }

    /// `env.db("DATABASE_URL", default=…)` (a `$VAR` value is a
    /// django-environ proxy we do not follow).
    fn env_db(&mut self, args: &Args) -> Val {
        self.database_url_variable(args, "var", true)
    }

    /// A database URL read from an environment variable (named by argument
    /// 0 or `var_keyword`, default `DATABASE_URL`), else the `default`
    /// argument; unknown with an `engine` override or an empty value.
    fn database_url_variable(&mut self, args: &Args, var_keyword: &str, proxies: bool) -> Val {
        let var = match args.at(0, var_keyword) {
            Some(Val::Str(v)) => v.clone(),
            Some(_) => return Val::Unknown,
            None => "DATABASE_URL".to_owned(),
        };
        if args.at(2, "engine").is_some_and(|e| *e != Val::None) {
            return Val::Unknown;
        }
        let value = match self.getenv(&var) {
            Lookup::Set(v) => v,
            Lookup::Unset => match args.at(1, "default") {
                Some(Val::Str(d)) => d.clone(),
                _ => return Val::Unknown,
            },
            Lookup::Unknown => return Val::Unknown,
        };
        if value.is_empty() || (proxies && value.starts_with('$')) {
            Val::Unknown
        } else {
            Val::DbUrl(value)
        }
    }

    /// A call that loads a `.env` file: if the file may exist, variables the
    /// environment lacks become unknown.
    fn dotenv(&mut self, cx: &ModuleFile, path: Option<&Val>, style: DotenvStyle) {
        if self.env_opaque {
            return;
        }
        let dir = cx.path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let found = match path {
            Some(Val::None) | None => match style {
                DotenvStyle::SameDir => (self.inputs.exists)(&dir.join(".env")),
                DotenvStyle::Upwards => dir.ancestors().any(|d| (self.inputs.exists)(&d.join(".env"))),
                DotenvStyle::Decouple => dir
                    .ancestors()
                    .any(|d| (self.inputs.exists)(&d.join("settings.ini")) || (self.inputs.exists)(&d.join(".env"))),
            },
            Some(v) => match v.as_path() {
                Some(p) => (self.inputs.exists)(&p),
                None => true,
            },
        };
        if found {
            self.env_opaque = true;
        }
    }
}

#[derive(Clone, Copy)]
enum DotenvStyle {
    SameDir,
    Upwards,
    Decouple,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BoolStyle {
    /// django-environ: an integer's truth, else one of its true strings.
    Environ,
    /// python-decouple: `1/yes/true/on` or `0/no/false/off`, else an error.
    Decouple,
}

/// `int(v)`, `str(v)`, `bool`-like casts of the env libraries.
fn py_cast(cast: &str, v: Val, style: BoolStyle) -> Val {
    match (cast, v) {
        ("str", Val::Str(s)) => Val::Str(s),
        ("str", Val::Int(i)) => Val::Str(i.to_string()),
        ("int", Val::Int(i)) => Val::Int(i),
        ("int", Val::Str(s)) => s.trim().parse().map(Val::Int).unwrap_or(Val::Unknown),
        ("bool", Val::Bool(b)) => Val::Bool(b),
        ("bool", Val::Str(s)) => {
            let l = s.trim().to_ascii_lowercase();
            match style {
                BoolStyle::Environ => match l.parse::<i64>() {
                    Ok(i) => Val::Bool(i != 0),
                    Err(_) => Val::Bool(matches!(l.as_str(), "true" | "on" | "ok" | "y" | "yes" | "1")),
                },
                BoolStyle::Decouple => match l.as_str() {
                    "1" | "yes" | "true" | "on" => Val::Bool(true),
                    "0" | "no" | "false" | "off" => Val::Bool(false),
                    _ => Val::Unknown,
                },
            }
        }
        _ => Val::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::settings::test_support::*;
    use crate::schema::settings::DatabaseSource;

    #[test]
    fn dj_database_url() {
        let s = "import dj_database_url\nDATABASES = {'default': dj_database_url.config(default='postgres://u:p@db:5432/app', conn_max_age=600)}\n";
        assert_eq!(url_of(s).as_deref(), Some("postgres://u:p@db:5432/app"));
        // `env=` names the variable read first.
        let s2 = "import dj_database_url\nDATABASES = {'default': dj_database_url.config(env='PRIMARY', default='sqlite:///db.sqlite3')}\n";
        assert_eq!(url_of(s2).as_deref(), Some("sqlite:////w/db.sqlite3"));
        let db = db_of(s2, &[("PRIMARY", "mysql://r@h/x")], &[]).unwrap();
        assert_eq!(
            (db.url.as_str(), &db.source),
            ("mysql://r@h/x", &DatabaseSource::Settings)
        );
        let s3 = "import dj_database_url\nDATABASES = {}\nDATABASES['default'] = dj_database_url.parse('postgres://x@y/z')\n";
        assert_eq!(url_of(s3).as_deref(), Some("postgres://x@y/z"));
        let s4 = "from dj_database_url import config\nDATABASES = {'default': {**config(default='postgres://x@y/z'), 'CONN_MAX_AGE': 60}}\n";
        assert_eq!(url_of(s4).as_deref(), Some("postgres://x@y/z"));
        // No default and no variable: nothing.
        let s5 = "import dj_database_url\nDATABASES = {'default': dj_database_url.config()}\n";
        assert_eq!(url_of(s5), None);
    }

    #[test]
    fn django_environ() {
        let s = r#"
import environ
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env(DEBUG=(bool, False), DB_HOST=(str, "db"))
environ.Env.read_env(BASE_DIR / ".env")
DEBUG = env("DEBUG")
if DEBUG:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'debug.db'}")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.str("DB_NAME", "shop"),
            "USER": env("DB_USER", default="app"),
            "HOST": env("DB_HOST"),
            "PORT": env.int("DB_PORT", default=5432),
        }
    }
"#;
        assert_eq!(url_of(s).as_deref(), Some("postgres://app@db:5432/shop"));
        assert_eq!(db_of(s, &[("DEBUG", "yes")], &[]).unwrap().url, "sqlite:////w/debug.db");
        assert_eq!(
            db_of(s, &[("DB_PORT", "6543"), ("DB_HOST", "pg")], &[]).unwrap().url,
            "postgres://app@pg:6543/shop"
        );
        // The .env file exists: unset variables could come from it.
        assert_eq!(db_of(s, &[], &["/w/.env"]), None);
        let db = db_of(s, &[], &["/w/.env", "/w/db.sqlite3"]).unwrap();
        assert_eq!(db.source, DatabaseSource::DefaultFile);
        // load_dotenv() without a file anywhere changes nothing.
        let d = "from dotenv import load_dotenv\nimport os\nload_dotenv()\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.getenv('DB', '/x.db')}}\n";
        assert_eq!(url_of(d).as_deref(), Some("sqlite:////x.db"));
        assert_eq!(db_of(d, &[], &["/.env"]), None);
        // python-decouple
        let c = "from decouple import config\nDATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': config('DB_NAME', default='m'), 'PORT': config('DB_PORT', default=3306, cast=int)}}\n";
        assert_eq!(url_of(c).as_deref(), Some("mysql://:3306/m"));
        assert_eq!(db_of(c, &[("DB_PORT", "3307")], &[]).unwrap().url, "mysql://:3307/m");
        assert_eq!(db_of(c, &[], &["/w/settings.ini"]), None);
    }

    #[test]
    fn environ_casts_paths_and_changed_url_dicts() {
        // environ.Path arithmetic and calls.
        let s = "import environ\nroot = environ.Path(__file__) - 2\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': root('var', 'db.sqlite3')}}\n";
        assert_eq!(url_of(s).as_deref(), Some("sqlite:////w/var/db.sqlite3"));
        // Smart casting by the default's type; a `$` proxy is unknown.
        let s = "import environ\nenv = environ.Env()\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'n', 'PORT': env('PORT', default=5432), 'PASSWORD': env('PW', default='')}}\n";
        assert_eq!(url_of(s).as_deref(), Some("postgres://:5432/n"));
        assert_eq!(db_of(s, &[("PORT", "15432")], &[]).unwrap().url, "postgres://:15432/n");
        assert_eq!(db_of(s, &[("PORT", "x")], &[]), None, "int('x') raises");
        assert_eq!(db_of(s, &[("PW", "$OTHER")], &[]), None);
        // A dj-database-url dict changed afterwards keeps its URL unless a
        // connection setting is replaced.
        let base =
            "import dj_database_url\nDATABASES = {'default': dj_database_url.config(default='postgres://u@h/d')}\n";
        let kept = format!("{base}DATABASES['default']['CONN_MAX_AGE'] = 60\nDATABASES['default'].update({{'ATOMIC_REQUESTS': True}})\n");
        assert_eq!(url_of(&kept).as_deref(), Some("postgres://u@h/d"));
        let replaced = format!("{base}DATABASES['default']['NAME'] = 'other'\n");
        assert_eq!(url_of(&replaced), None);
        // An empty variable gives dj-database-url an empty dict: nothing.
        let s = "import dj_database_url\nDATABASES = {'default': dj_database_url.config('MY_DB', default='postgres://u@h/d')}\n";
        assert_eq!(db_of(s, &[("MY_DB", "")], &[]), None);
        assert_eq!(
            db_of(s, &[("MY_DB", "mysql://m@h/x")], &[]).unwrap().url,
            "mysql://m@h/x"
        );
    }
}
