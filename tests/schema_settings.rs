//! Real Django is the oracle for reading settings statically: for every
//! scenario (a small project written to a temporary folder) and every fixture
//! project with a `manage.py`, Django 5.2 imports the settings
//! (`django.setup()`, with django-environ, dj-database-url, python-decouple
//! and python-dotenv installed) and reports its app registry and
//! `DATABASES["default"]`; `schema::settings::discover_projects` must agree:
//! the same apps (label, module, folder, `default_auto_field`) in the same
//! order, the same contrib labels, `AUTH_USER_MODEL`, `DEFAULT_AUTO_FIELD`,
//! and a database URL whose parts are Django's connection settings. Where a
//! scenario is documented as unreadable statically, we must yield nothing
//! rather than a guess.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use reflex_django_lsp::schema::settings::{discover_projects, DatabaseSource, Project};
use reflex_django_lsp::workspace;
use serde_json::Value;

/// Imports the settings with real Django and prints what it configured.
const DRIVER: &str = r#"
import json, os, sys
root = os.path.realpath(sys.argv[1])
os.chdir(root)
sys.path.insert(0, root)
try:
    import pymysql  # Django's MySQL backend through PyMySQL (as tests/schema/django_db.py)
    pymysql.install_as_MySQLdb()
except ImportError:
    pass
try:
    import reflex_django  # noqa: F401
except ImportError:
    # reflex-django 4 needs Django 6: the shim tests/schema/django_db.py uses.
    import atexit, shutil, tempfile
    sys.path.insert(0, sys.argv[2])
    from django_db import SHIM_INIT, SHIM_MODEL
    shim = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, shim, True)
    os.makedirs(os.path.join(shim, "reflex_django", "django"))
    with open(os.path.join(shim, "reflex_django", "__init__.py"), "w") as f:
        f.write(SHIM_INIT)
    open(os.path.join(shim, "reflex_django", "django", "__init__.py"), "w").close()
    with open(os.path.join(shim, "reflex_django", "django", "model.py"), "w") as f:
        f.write(SHIM_MODEL)
    sys.path.append(shim)
import django
from django.conf import settings
django.setup()
from django.apps import apps
out = {
    "installed_apps": list(settings.INSTALLED_APPS),
    "auth_user_model": settings.AUTH_USER_MODEL,
    "default_auto_field": settings.DEFAULT_AUTO_FIELD if settings.is_overridden("DEFAULT_AUTO_FIELD") else None,
    "apps": [],
    "contrib": [],
}
for c in apps.get_app_configs():
    path = os.path.realpath(c.path)
    if c.name.startswith("django.contrib."):
        out["contrib"].append(c.label)
    elif path.startswith(root + os.sep):
        out["apps"].append({
            "label": c.label,
            "name": c.name,
            "path": path,
            "default_auto_field": c.default_auto_field if c._is_default_auto_field_overridden else None,
        })
d = settings.DATABASES.get("default", {})
out["database"] = {k: (None if d.get(k) in (None, "") else str(d.get(k))) for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")}
print(json.dumps(out))
"#;

struct Scenario {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    env: Vec<(&'static str, &'static str)>,
    /// `DJANGO_SETTINGS_MODULE` as the project's files name it.
    settings: &'static str,
    /// Whether `DATABASES["default"]` can be read statically.
    database_readable: bool,
}

const MANAGE: &str = "import os\nimport sys\n\ndef main():\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"<settings>\")\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n\nif __name__ == \"__main__\":\n    main()\n";

fn manage(settings: &str) -> String {
    MANAGE.replace("<settings>", settings)
}

fn app_files(dir: &'static str, apps_py: Option<&str>) -> Vec<(&'static str, String)> {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut files = vec![
        (leak(format!("{dir}/__init__.py")), String::new()),
        (
            leak(format!("{dir}/models.py")),
            "from django.db import models\n".to_owned(),
        ),
        (leak(format!("{dir}/migrations/__init__.py")), String::new()),
    ];
    if let Some(a) = apps_py {
        files.push((leak(format!("{dir}/apps.py")), a.to_owned()));
    }
    files
}

fn scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();

    // Split settings: a package whose module star-imports a base, `+=`,
    // `.append`, a local override that is missing (ImportError handled),
    // an AppConfig with a label, a models package.
    let mut files = vec![
        ("manage.py", manage("proj.settings.dev")),
        ("proj/__init__.py", String::new()),
        ("proj/settings/__init__.py", String::new()),
        (
            "proj/settings/base.py",
            r#"from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = "x"
DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
LOCAL_APPS = ["shop.apps.ShopConfig", "blog"]
INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "var" / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"#
            .to_owned(),
        ),
        (
            "proj/settings/dev.py",
            r#"from .base import *  # noqa
INSTALLED_APPS += ["django.contrib.sessions"]
INSTALLED_APPS.append("django.contrib.admin")
INSTALLED_APPS.insert(0, "django.contrib.messages")
AUTH_USER_MODEL = "store.Customer"
try:
    from .local import *  # noqa
except ImportError:
    pass
"#
            .to_owned(),
        ),
    ];
    files.extend(app_files(
        "shop",
        Some("from django.apps import AppConfig\n\nclass ShopConfig(AppConfig):\n    name = \"shop\"\n    label = \"store\"\n    default_auto_field = \"django.db.models.AutoField\"\n"),
    ));
    files.retain(|(p, _)| *p != "shop/models.py");
    files.push((
        "shop/models/__init__.py",
        "from django.contrib.auth.models import AbstractUser\n\nclass Customer(AbstractUser):\n    pass\n".to_owned(),
    ));
    files.push(("shop/models/extra.py", String::new()));
    files.extend(app_files("blog", None));
    out.push(Scenario {
        name: "split settings",
        files,
        env: vec![],
        settings: "proj.settings.dev",
        database_readable: true,
    });

    // A settings package's __init__ star-importing, os.path BASE_DIR,
    // MySQL with a password that needs percent-encoding.
    let mut files = vec![
        ("manage.py", manage("conf.settings")),
        ("conf/__init__.py", String::new()),
        ("conf/settings/__init__.py", "from .common import *\nfrom .db import DATABASES\n".to_owned()),
        (
            "conf/settings/common.py",
            "import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\nSECRET_KEY = 'x'\nINSTALLED_APPS = ('django.contrib.contenttypes', 'django.contrib.auth', 'apps.catalog')\n".to_owned(),
        ),
        (
            "conf/settings/db.py",
            r#"import os
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("DB_NAME", "shop db"),
        "USER": "app@corp",
        "PASSWORD": "p@ss:w/rd%1",
        "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("DB_PORT", "3306")),
    }
}
"#
            .to_owned(),
        ),
        ("apps/__init__.py", String::new()),
    ];
    files.extend(app_files(
        "apps/catalog",
        Some("from django.apps import AppConfig\n\nclass A(AppConfig):\n    name = 'apps.catalog'\n\nclass B(AppConfig):\n    name = 'apps.catalog'\n    label = 'products'\n    default = True\n"),
    ));
    out.push(Scenario {
        name: "package settings, mysql",
        files,
        env: vec![("DB_HOST", "db.internal"), ("DB_PORT", "3307")],
        settings: "conf.settings",
        database_readable: true,
    });

    // django-environ: scheme casts, read_env of a file that is not there,
    // a branch decided by a cast variable, a PostgreSQL dict.
    let mut files = vec![
        ("manage.py", manage("proj.settings")),
        ("proj/__init__.py", String::new()),
        (
            "proj/settings.py",
            r#"import environ
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env(DEBUG=(bool, False), DB_PORT=(int, 5432))
environ.Env.read_env(BASE_DIR / ".env")
SECRET_KEY = env("SECRET_KEY", default="x")
DEBUG = env("DEBUG")
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "inventory"]
if DEBUG:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'debug.sqlite3'}")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.str("DB_NAME", "inventory"),
            "USER": env("DB_USER", default="app"),
            "PASSWORD": env("DB_PASSWORD", default="s3cr:t@"),
            "HOST": env("DB_HOST", default="localhost"),
            "PORT": env("DB_PORT"),
        }
    }
"#
            .to_owned(),
        ),
    ];
    files.extend(app_files("inventory", None));
    let environ_files = files.clone();
    out.push(Scenario {
        name: "django-environ, postgres",
        files,
        env: vec![("DB_HOST", "pg.internal"), ("DB_PORT", "6543")],
        settings: "proj.settings",
        database_readable: true,
    });
    out.push(Scenario {
        name: "django-environ, debug branch",
        files: environ_files.clone(),
        env: vec![("DEBUG", "on")],
        settings: "proj.settings",
        database_readable: true,
    });
    // The .env file exists: its variables are not read statically.
    let mut with_dotenv = environ_files;
    with_dotenv.push((".env", "DEBUG=1\n".to_owned()));
    out.push(Scenario {
        name: "django-environ with a .env file",
        files: with_dotenv,
        env: vec![],
        settings: "proj.settings",
        database_readable: false,
    });

    // dj-database-url: config with a named variable and options, then the
    // dict changed; python-decouple with casts.
    let mut files = vec![
        ("manage.py", manage("site_conf.settings")),
        ("site_conf/__init__.py", String::new()),
        (
            "site_conf/settings.py",
            r#"import dj_database_url
from decouple import config
SECRET_KEY = config("SECRET_KEY", default="x")
DEBUG = config("DEBUG", default=False, cast=bool)
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "orders"]
DATABASES = {"default": dj_database_url.config("PRIMARY_DB", default="postgres://u:p%40ss@db:5432/orders", conn_max_age=600)}
DATABASES["default"]["CONN_MAX_AGE"] = config("CONN_MAX_AGE", default=60, cast=int)
"#
            .to_owned(),
        ),
    ];
    files.extend(app_files(
        "orders",
        Some("from django.apps import AppConfig\n\nclass OrdersConfig(AppConfig):\n    default_auto_field = 'django.db.models.BigAutoField'\n    name = 'orders'\n"),
    ));
    let dj_files = files.clone();
    out.push(Scenario {
        name: "dj-database-url default",
        files,
        env: vec![],
        settings: "site_conf.settings",
        database_readable: true,
    });
    out.push(Scenario {
        name: "dj-database-url from its variable",
        files: dj_files,
        env: vec![("PRIMARY_DB", "mysql://root:r%3At@maria:3306/orders")],
        settings: "site_conf.settings",
        database_readable: true,
    });

    // A URL assembled with an f-string and parsed; a condition on an
    // environment variable; PostgreSQL over a socket folder.
    let mut files = vec![
        ("manage.py", manage("proj.settings")),
        ("proj/__init__.py", String::new()),
        (
            "proj/settings.py",
            r#"import os
import dj_database_url
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "places.apps.PlacesConfig"]
USER = os.getenv("PGUSER", "geo")
if os.environ.get("USE_SOCKET"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "geo", "USER": USER, "HOST": "/var/run/postgresql"}}
else:
    DATABASES = {"default": dj_database_url.parse(f"postgres://{USER}@localhost:5432/geo")}
"#
            .to_owned(),
        ),
    ];
    files.extend(app_files(
        "places",
        Some("from django.apps import AppConfig\n\nclass BaseConfig(AppConfig):\n    name = 'places'\n    default = False\n    default_auto_field = 'django.db.models.AutoField'\n\nclass PlacesConfig(BaseConfig):\n    label = 'geo_places'\n"),
    ));
    let geo_files = files.clone();
    out.push(Scenario {
        name: "f-string URL",
        files,
        env: vec![],
        settings: "proj.settings",
        database_readable: true,
    });
    out.push(Scenario {
        name: "postgres socket folder",
        files: geo_files,
        env: vec![("USE_SOCKET", "1"), ("PGUSER", "gis")],
        settings: "proj.settings",
        database_readable: true,
    });

    // A configuration made by a function we do not know: nothing.
    let mut files = vec![
        ("manage.py", manage("proj.settings")),
        ("proj/__init__.py", String::new()),
        (
            "proj/settings.py",
            "from proj.dbconf import make\nSECRET_KEY = 'x'\nINSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', 'notes']\nDATABASES = make()\n".to_owned(),
        ),
        (
            "proj/dbconf.py",
            "def make():\n    return {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': '/tmp/x.db'}}\n".to_owned(),
        ),
    ];
    files.extend(app_files("notes", None));
    out.push(Scenario {
        name: "unknown function",
        files,
        env: vec![],
        settings: "proj.settings",
        database_readable: false,
    });
    out
}

fn run_django(python: &Path, root: &Path, settings: &str, env: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new(python);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("DJANGO_SETTINGS_MODULE", settings)
        .arg("-c")
        .arg(DRIVER)
        .arg(root)
        .arg(common::repo().join("tests/schema"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run python");
    assert!(
        out.status.success(),
        "Django could not load {}: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the driver's JSON")
}

fn project_of(root: &Path, env: &HashMap<String, String>) -> (workspace::Loaded, Project) {
    let loaded = common::load_tree(root);
    let mut projects = discover_projects(&loaded.index, &|k| env.get(k).cloned(), &|p| p.exists());
    assert_eq!(projects.len(), 1, "{projects:#?}");
    let project = projects.remove(0);
    (loaded, project)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A URL's parts as Django's settings name them: (family, NAME, USER,
/// PASSWORD, HOST, PORT).
type Parts = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn url_parts(url: &str) -> Parts {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let family = match scheme {
        "sqlite" | "spatialite" => "sqlite",
        "postgres" | "postgresql" | "pgsql" | "postgis" => "postgres",
        "mysql" | "mysql2" | "mysqlgis" => "mysql",
        other => panic!("scheme {other}"),
    };
    if family == "sqlite" {
        let path = rest.strip_prefix('/').expect("sqlite:///path");
        return (family.into(), Some(path.to_owned()), None, None, None, None);
    }
    let (authority, name) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
            None => (Some(percent_decode(u)), None),
        },
        None => (None, None),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (h, Some(p.to_owned())),
        _ => (hostport, None),
    };
    let host = (!host.is_empty()).then(|| percent_decode(host));
    let some = |s: Option<String>| s.filter(|s| !s.is_empty());
    (
        family.into(),
        some(Some(percent_decode(name))),
        some(user),
        some(password),
        host,
        some(port),
    )
}

fn django_parts(db: &Value, root: &Path) -> Parts {
    let s = |k: &str| db[k].as_str().map(str::to_owned);
    let engine = s("ENGINE").unwrap_or_default();
    let family = if engine.ends_with("sqlite3") || engine.ends_with("spatialite") {
        "sqlite"
    } else if engine.contains("postgresql") || engine.ends_with("postgis") {
        "postgres"
    } else if engine.ends_with("mysql") {
        "mysql"
    } else {
        panic!("engine {engine}")
    };
    let mut name = s("NAME");
    if family == "sqlite" {
        // Django opens a relative NAME from the working folder (the root).
        name = name.map(|n| root.join(n).to_string_lossy().into_owned());
    }
    (family.into(), name, s("USER"), s("PASSWORD"), s("HOST"), s("PORT"))
}

fn compare(
    label: &str,
    root: &Path,
    django: &Value,
    project: &Project,
    index: &reflex_django_lsp::index::WorkspaceIndex,
    database_readable: bool,
) {
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!project.apps_fallback, "{label}: INSTALLED_APPS unread");
    assert_eq!(
        project.installed_apps,
        strs(&django["installed_apps"]),
        "{label}: INSTALLED_APPS"
    );
    assert_eq!(project.contrib_apps, strs(&django["contrib"]), "{label}: contrib apps");
    assert_eq!(
        project.auth_user_model,
        django["auth_user_model"].as_str().unwrap(),
        "{label}: AUTH_USER_MODEL"
    );
    assert_eq!(
        project.default_auto_field.as_deref(),
        django["default_auto_field"].as_str(),
        "{label}: DEFAULT_AUTO_FIELD"
    );
    let ours: Vec<(String, String, PathBuf, Option<String>)> = project
        .apps
        .iter()
        .map(|a| {
            (
                a.label.clone(),
                a.module.clone(),
                a.dir.clone(),
                a.default_auto_field.clone(),
            )
        })
        .collect();
    let theirs: Vec<(String, String, PathBuf, Option<String>)> = django["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["label"].as_str().unwrap().to_owned(),
                a["name"].as_str().unwrap().to_owned(),
                PathBuf::from(a["path"].as_str().unwrap()),
                a["default_auto_field"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(ours, theirs, "{label}: apps");
    for app in &project.apps {
        assert!(!app.models.is_empty(), "{label}: {} has models", app.label);
        for m in &app.models {
            assert!(index.file(*m).path.starts_with(&app.dir));
        }
    }
    let from_settings = project
        .database
        .as_ref()
        .filter(|d| d.source == DatabaseSource::Settings);
    if database_readable {
        let db = from_settings.unwrap_or_else(|| panic!("{label}: DATABASES not read ({:?})", project.database));
        assert_eq!(
            url_parts(&db.url),
            django_parts(&django["database"], root),
            "{label}: {db:?}"
        );
    } else {
        assert!(from_settings.is_none(), "{label}: guessed {from_settings:?}");
    }
}

#[test]
fn settings_agree_with_django() {
    let python = match common::django_python() {
        Ok(p) => p,
        Err(why) => return common::skip_or_fail(&why),
    };
    let libs = Command::new(&python)
        .args(["-c", "import environ, dj_database_url, decouple, dotenv"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !libs {
        return common::skip_or_fail(
            "django-environ, dj-database-url, python-decouple or python-dotenv missing (tests/requirements.txt)",
        );
    }
    let mut checked = 0;
    for scenario in scenarios() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for (rel, text) in &scenario.files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        let django = run_django(&python, &root, scenario.settings, &scenario.env);
        let env: HashMap<String, String> = scenario
            .env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (loaded, project) = project_of(&root, &env);
        assert_eq!(project.root, root, "{}", scenario.name);
        assert_eq!(
            project.settings_module.as_deref(),
            Some(scenario.settings),
            "{}",
            scenario.name
        );
        compare(
            scenario.name,
            &root,
            &django,
            &project,
            &loaded.index,
            scenario.database_readable,
        );
        checked += 1;
    }
    // Every fixture project.
    let fixtures = common::repo().join("fixtures");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let root = entry.unwrap().path().canonicalize().unwrap();
        // A project run by its `manage.py`; `fixtures/oracle`'s is only a
        // marker of its own project root (the oracle harness configures
        // Django itself, from tests/oracle/oracle_settings.py).
        let runs_django =
            std::fs::read_to_string(root.join("manage.py")).is_ok_and(|text| text.contains("DJANGO_SETTINGS_MODULE"));
        if !runs_django {
            continue;
        }
        let (loaded, project) = project_of(&root, &HashMap::new());
        let settings = project.settings_module.clone().expect("a settings module");
        let django = run_django(&python, &root, &settings, &[]);
        compare(
            &root.display().to_string(),
            &root,
            &django,
            &project,
            &loaded.index,
            true,
        );
        checked += 1;
    }
    assert!(checked >= 12, "{checked} projects compared");
}
