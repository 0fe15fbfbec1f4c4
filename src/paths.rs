//! Lexical path arithmetic shared by the command line, the server and the
//! settings evaluator: `.` and `..` resolved on the text of a path.
//!
//! A leaf: names no other module of the crate, never touches the file
//! system (no symlink is followed, so paths print the way the user wrote
//! them).

use std::path::{Component, Path, PathBuf};

/// A lexically normalized path (`a/./b/../c` → `a/c`). A `..` that has
/// nothing to remove is kept (`../a` stays, `/..` stays).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::{Path, PathBuf};

    #[test]
    fn dots_are_resolved_on_the_text() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
        assert_eq!(normalize(Path::new("/x/./y/..")), PathBuf::from("/x"));
        assert_eq!(normalize(Path::new("/..")), PathBuf::from("/.."));
    }
}
