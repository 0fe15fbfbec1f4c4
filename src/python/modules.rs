//! Python's module names as paths and back: where a dotted module name's
//! file lies below a `sys.path` entry, and the absolute name of a relative
//! import.
//!
//! Pure name and path arithmetic: it looks at no file system and no
//! workspace (which of the candidate files exist is the caller's
//! question, `index::resolve` for the workspace's files), and does no I/O.

use std::path::{Path, PathBuf};

/// The path of module `name` below `dir`, without its extension:
/// `dir/a/b` for `a.b` (a package's folder, or its module file less `.py`).
pub fn module_path(dir: &Path, name: &str) -> PathBuf {
    let mut path = dir.to_path_buf();
    for part in name.split('.') {
        path.push(part);
    }
    path
}

/// The files that can hold module `name` below the `sys.path` entry `dir`,
/// in the order they are tried here: the module file `dir/a/b.py`, then the
/// package `dir/a/b/__init__.py`. (Python tries the package first; a folder
/// with both is rare enough that the order has not mattered.)
pub fn module_files(dir: &Path, name: &str) -> [PathBuf; 2] {
    let base = module_path(dir, name);
    [base.with_extension("py"), base.join("__init__.py")]
}

/// The absolute module of a `from` import's module as written (`.models`,
/// `..core.utils`, `shop.models`), relative ones resolved against
/// `package`, the dotted package of the importing module. A level above
/// the top package gives what is left (as far as it can be told).
pub fn absolute_module(spec: &str, package: &str) -> String {
    let level = spec.chars().take_while(|c| *c == '.').count();
    if level == 0 {
        return spec.to_owned();
    }
    let rest = &spec[level..];
    let mut parts: Vec<&str> = if package.is_empty() {
        Vec::new()
    } else {
        package.split('.').collect()
    };
    for _ in 1..level {
        parts.pop();
    }
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_name_is_a_file_or_a_package_below_a_path_entry() {
        let root = Path::new("/srv/site");
        assert_eq!(module_path(root, "shop.models"), Path::new("/srv/site/shop/models"));
        assert_eq!(
            module_files(root, "shop.models"),
            [
                PathBuf::from("/srv/site/shop/models.py"),
                PathBuf::from("/srv/site/shop/models/__init__.py")
            ]
        );
        assert_eq!(
            module_files(root, "settings"),
            [
                PathBuf::from("/srv/site/settings.py"),
                PathBuf::from("/srv/site/settings/__init__.py")
            ]
        );
    }

    #[test]
    fn relative_imports_resolve_against_the_package() {
        assert_eq!(absolute_module("shop.models", "blog"), "shop.models");
        assert_eq!(absolute_module(".models", "shop"), "shop.models");
        assert_eq!(absolute_module(".", "shop.views"), "shop.views");
        assert_eq!(absolute_module("..core.utils", "shop.views"), "shop.core.utils");
        assert_eq!(absolute_module("..", "shop.views"), "shop");
        assert_eq!(absolute_module(".models", ""), "models");
        // Above the top package: what is left.
        assert_eq!(absolute_module("...x", "shop"), "x");
    }
}
