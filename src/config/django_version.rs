//! The Django version a project uses, read from its dependency files, so
//! fixes only use async APIs that version has (SPEC §2 `--django-version`).
//!
//! Lock files (`uv.lock`, `poetry.lock`) give the exact version; otherwise a
//! pin or the lower bound of a requirement in `requirements*.txt` or
//! `pyproject.toml`. The nearest folder (walking up) with any of them wins.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

type Version = (u32, u32);

/// The detected version for files in `dir`, cached per folder.
pub fn detect(dir: &Path) -> Option<Version> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Option<Version>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(dir) {
        return *hit;
    }
    // One listing per folder tells which dependency files and markers it has.
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    let found = match in_dir(dir, &names) {
        Some(v) => Some(v),
        None if has_project_marker(&names) => None,
        None => dir.parent().and_then(detect),
    };
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(dir.to_path_buf(), found);
    found
}

fn has_project_marker(names: &[String]) -> bool {
    names
        .iter()
        .any(|n| matches!(n.as_str(), "pyproject.toml" | "setup.cfg" | ".git"))
}

/// The version the dependency files among `names` (the folder's entries) give.
fn in_dir(dir: &Path, names: &[String]) -> Option<Version> {
    let has = |name: &str| names.iter().any(|n| n == name);
    for lock in ["uv.lock", "poetry.lock"] {
        if has(lock) {
            if let Some(v) = std::fs::read_to_string(dir.join(lock)).ok().and_then(|t| from_lock(&t)) {
                return Some(v);
            }
        }
    }
    let mut requirements: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("requirements") && n.ends_with(".txt"))
        .collect();
    requirements.sort();
    for r in requirements {
        if let Some(v) = std::fs::read_to_string(dir.join(r))
            .ok()
            .and_then(|t| from_requirements(&t))
        {
            return Some(v);
        }
    }
    if !has("pyproject.toml") {
        return None;
    }
    std::fs::read_to_string(dir.join("pyproject.toml"))
        .ok()
        .and_then(|t| from_pyproject(&t))
}

/// `[[package]] name = "django" version = "5.2.1"` (uv and poetry alike).
pub fn from_lock(text: &str) -> Option<Version> {
    let value: toml::Value = toml::from_str(text).ok()?;
    value.get("package")?.as_array()?.iter().find_map(|p| {
        let name = p.get("name")?.as_str()?;
        if !name.eq_ignore_ascii_case("django") {
            return None;
        }
        parse_version(p.get("version")?.as_str()?)
    })
}

/// `django==4.2.7`, `Django>=5.0,<5.1`, `django~=4.2` → the pinned or lowest version.
pub fn from_requirements(text: &str) -> Option<Version> {
    text.lines()
        .find_map(|line| from_requirement(line.split('#').next().unwrap_or("")))
}

fn from_requirement(spec: &str) -> Option<Version> {
    let spec = spec.trim();
    let name_end = spec
        .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(spec.len());
    if !spec[..name_end].eq_ignore_ascii_case("django") {
        return None;
    }
    let rest = spec[name_end..].trim_start();
    let rest = rest
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map_or(rest, |(_, after)| after);
    rest.split(',').find_map(|clause| {
        let clause = clause.trim();
        ["==", "~=", ">=", "^", "~"]
            .iter()
            .find_map(|op| clause.strip_prefix(op))
            .and_then(|v| parse_version(v.trim()))
    })
}

/// PEP 621 `[project] dependencies` or Poetry's `[tool.poetry.dependencies]`.
pub fn from_pyproject(text: &str) -> Option<Version> {
    let value: toml::Value = toml::from_str(text).ok()?;
    let pep621 = value
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .and_then(|deps| deps.iter().filter_map(|d| d.as_str()).find_map(from_requirement));
    pep621.or_else(|| {
        let deps = value.get("tool")?.get("poetry")?.get("dependencies")?.as_table()?;
        let (_, spec) = deps.iter().find(|(k, _)| k.eq_ignore_ascii_case("django"))?;
        let spec = spec.as_str().or_else(|| spec.get("version")?.as_str())?;
        from_requirement(&format!(
            "django{}",
            if spec.starts_with(|c: char| c.is_ascii_digit()) {
                format!("=={spec}")
            } else {
                spec.to_owned()
            }
        ))
    })
}

fn parse_version(v: &str) -> Option<Version> {
    let mut parts = v.trim_end_matches(".*").split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.trim_end_matches('*').parse().ok())?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind_of_file() {
        assert_eq!(from_lock("[[package]]\nname = \"asgiref\"\nversion = \"3.8\"\n\n[[package]]\nname = \"django\"\nversion = \"4.2.16\"\n"), Some((4, 2)));
        assert_eq!(
            from_requirements("# deps\nrequests==2\nDjango>=5.0,<5.1  # web\n"),
            Some((5, 0))
        );
        assert_eq!(from_requirements("django[argon2]~=4.2\n"), Some((4, 2)));
        assert_eq!(from_requirements("djangorestframework==3.15\n"), None);
        assert_eq!(
            from_pyproject("[project]\ndependencies = [\"reflex-django\", \"django>=5.2\"]\n"),
            Some((5, 2))
        );
        assert_eq!(
            from_pyproject("[tool.poetry.dependencies]\npython = \"^3.12\"\nDjango = \"^4.2\"\n"),
            Some((4, 2))
        );
        assert_eq!(from_requirements("django==5.2.*\n"), Some((5, 2)));
    }
}
