//! Which configuration applies to a directory: `--config FILE`, or the
//! nearest config file at or above it, read and parsed once per file.
//!
//! The only part of `config` that reads files; knows nothing of the
//! command-line or editor layers (`settings`, `editor`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::parse::{parse_config, ConfigError};
use super::types::{Config, CONFIG_FILE_NAMES};

/// Reads a config file given by path. `Ok(None)` when it is a
/// `pyproject.toml` without a `[tool.reflex-django-lsp]` section.
pub fn load_config_file(path: &Path, explicit: bool) -> Result<Option<Config>, ConfigError> {
    let display = crate::output::display_path(path);
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return Err(ConfigError::new(format!("{display}: not valid UTF-8"))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::new(format!("{display}: No such file or directory")));
        }
        Err(e) => {
            return Err(ConfigError::new(format!(
                "{display}: {}",
                crate::output::io_error_message(&e)
            )))
        }
    };
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let config = parse_config(&text, &display, is_pyproject, explicit)?;
    Ok(config.map(|mut c| {
        c.path = path.to_path_buf();
        c.root = root;
        c
    }))
}

type DirCache = HashMap<PathBuf, Option<Arc<Config>>>;

/// Finds the configuration that applies to a directory: `--config FILE` when
/// given, else the nearest config file at or above the directory. Caches
/// per directory and remembers the first error (the walker cannot return it).
pub struct ConfigResolver {
    fixed: Option<Option<Arc<Config>>>,
    dirs: Mutex<DirCache>,
    files: Mutex<HashMap<PathBuf, Option<Arc<Config>>>>,
    error: Mutex<Option<ConfigError>>,
}

impl ConfigResolver {
    /// Discovery: nearest config file wins.
    pub fn discover() -> ConfigResolver {
        ConfigResolver {
            fixed: None,
            dirs: Mutex::new(HashMap::new()),
            files: Mutex::new(HashMap::new()),
            error: Mutex::new(None),
        }
    }

    /// One explicit file for everything (`--config FILE`).
    pub fn fixed(path: &Path) -> Result<ConfigResolver, ConfigError> {
        let config = match load_config_file(path, true)? {
            Some(c) => c,
            // A pyproject.toml without our section: the defaults, rooted there.
            None => Config {
                path: path.to_path_buf(),
                root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                ..Config::default()
            },
        };
        Ok(ConfigResolver {
            fixed: Some(Some(Arc::new(config))),
            dirs: Mutex::new(HashMap::new()),
            files: Mutex::new(HashMap::new()),
            error: Mutex::new(None),
        })
    }

    /// The first error met during discovery, if any.
    pub fn take_error(&self) -> Option<ConfigError> {
        self.error.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    pub fn record_error(&self, e: ConfigError) {
        let mut slot = self.error.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
    }

    /// The config for files in `dir` (absolute), `None` for the defaults.
    /// Errors are recorded (see [`Self::take_error`]) and read as "no config".
    pub fn for_dir(&self, dir: &Path) -> Option<Arc<Config>> {
        match self.try_for_dir(dir) {
            Ok(c) => c,
            Err(e) => {
                self.record_error(e);
                None
            }
        }
    }

    pub fn try_for_dir(&self, dir: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        if let Some(hit) = self.dirs.lock().unwrap_or_else(|e| e.into_inner()).get(dir) {
            return Ok(hit.clone());
        }
        let found = match self.in_dir(dir)? {
            Some(c) => Some(c),
            None => match dir.parent() {
                Some(parent) if parent != dir => self.try_for_dir(parent)?,
                _ => None,
            },
        };
        self.dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir.to_path_buf(), found.clone());
        Ok(found)
    }

    /// The config file defined directly in `dir`, if any.
    fn in_dir(&self, dir: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        for name in CONFIG_FILE_NAMES {
            let path = dir.join(name);
            if !path.is_file() {
                continue;
            }
            if let Some(hit) = self.files.lock().unwrap_or_else(|e| e.into_inner()).get(&path) {
                if hit.is_some() {
                    return Ok(hit.clone());
                }
                continue;
            }
            let loaded = load_config_file(&path, false)?.map(Arc::new);
            self.files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path, loaded.clone());
            if loaded.is_some() {
                return Ok(loaded);
            }
        }
        Ok(None)
    }

    /// The config for a file (absolute path).
    pub fn for_file(&self, file: &Path) -> Option<Arc<Config>> {
        match file.parent() {
            Some(dir) => self.for_dir(dir),
            None => self.for_dir(Path::new("/")),
        }
    }
}
