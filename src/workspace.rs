//! File discovery and loading for `check`: which files to report on, which
//! files to index (the whole workspace, so models defined outside the checked
//! files resolve), and reading them in parallel into a [`WorkspaceIndex`].

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::WalkBuilder;
use rayon::prelude::*;

use crate::index::{module_names, FileEntry, FileId, WorkspaceIndex};

/// Files or folders whose presence marks a project root.
pub const ROOT_MARKERS: &[&str] = &["pyproject.toml", "rxconfig.py", "manage.py", "setup.cfg", ".git"];

/// Lexically normalized absolute path (`.` and `..` resolved, no symlinks
/// followed, so paths print the way the user wrote them).
pub fn absolutize(cwd: &Path, path: &Path) -> PathBuf {
    // `join` keeps an absolute `path` as it is.
    crate::paths::normalize(&cwd.join(path))
}

/// The nearest directory at or above `dir` that holds a root marker.
pub fn find_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| has_root_marker(d)).map(Path::to_path_buf)
}

fn has_root_marker(dir: &Path) -> bool {
    ROOT_MARKERS.iter().any(|m| dir.join(m).exists())
}

/// Decides whether a walked path (file or folder) is excluded.
pub trait ExcludeFilter: Send + Sync {
    fn is_excluded(&self, path: &Path) -> bool;
}

impl<F: Fn(&Path) -> bool + Send + Sync> ExcludeFilter for F {
    fn is_excluded(&self, path: &Path) -> bool {
        self(path)
    }
}

fn is_python_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
}

/// The result of walking one folder.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<PathBuf>,
    /// Folders or entries that could not be read, as one-line messages.
    pub errors: Vec<String>,
}

/// All `*.py` files under `dir`, honouring `.gitignore` / `.ignore`, skipping
/// hidden entries and whatever `exclude` says. `dir` itself is never excluded.
/// Symlinks named `*.py` are included unless they point to a folder (a
/// broken one is reported by the reader as unreadable).
pub fn walk(dir: &Path, exclude: Arc<dyn ExcludeFilter>) -> Walked {
    let filter = exclude.clone();
    let found = std::sync::Mutex::new(Walked::default());
    // The parallel walker: the order is made deterministic by sorting below.
    WalkBuilder::new(dir)
        .standard_filters(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| entry.depth() == 0 || !filter.is_excluded(entry.path()))
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                match entry {
                    Ok(entry) => {
                        let path = entry.path();
                        let wanted = entry.file_type().is_some_and(|ft| {
                            is_python_name(path) && (ft.is_file() || (ft.is_symlink() && !path.is_dir()))
                        });
                        if wanted {
                            found
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .files
                                .push(path.to_path_buf());
                        }
                    }
                    Err(err) => found
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .errors
                        .push(err.to_string().replace('\n', " ")),
                }
                ignore::WalkState::Continue
            })
        });
    let mut out = found.into_inner().unwrap_or_else(|e| e.into_inner());
    out.files.sort_by(|a, b| path_order(a, b));
    out.errors.sort();
    out
}

/// A total order of paths by their bytes: deterministic like `Path`'s own
/// (component by component) but several times cheaper on thousands of paths.
pub fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes())
}

/// One file to analyse: where it is, and its bytes when they do not come
/// from disk (stdin).
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub contents: Option<Vec<u8>>,
}

/// The indexed workspace, and what could not be read.
pub struct Loaded {
    pub index: WorkspaceIndex,
    /// Files whose bytes could not be read, with the reason.
    pub unreadable: HashMap<PathBuf, io::Error>,
}

impl Loaded {
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.index.file_by_path(path)
    }
}

/// Reads (in parallel) and indexes `sources`. Later duplicates of a path are
/// dropped; a source with `contents` wins over the same path on disk.
pub fn load(sources: Vec<Source>) -> Loaded {
    let mut sources = sources;
    sources.sort_by(|a, b| path_order(&a.path, &b.path)); // stable: duplicates keep their order
    let mut unique: Vec<Source> = Vec::with_capacity(sources.len());
    for s in sources {
        match unique.last_mut() {
            Some(prev) if prev.path == s.path => {
                if prev.contents.is_none() {
                    *prev = s;
                }
            }
            _ => unique.push(s),
        }
    }
    let sources = unique;

    // The project root of each folder, for module names.
    let mut dirs: Vec<PathBuf> = sources
        .iter()
        .filter_map(|s| s.path.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort_by(|a, b| path_order(a, b));
    dirs.dedup();
    // Each folder (and each folder above one) is asked once, in parallel:
    // a tree of 600 folders costs a few thousand `stat`s.
    let mut candidates: HashSet<&Path> = HashSet::new();
    for d in &dirs {
        for a in d.ancestors() {
            if !candidates.insert(a) {
                break;
            }
        }
    }
    let marked: HashSet<&Path> = candidates.into_par_iter().filter(|d| has_root_marker(d)).collect();
    let roots: HashMap<PathBuf, PathBuf> = dirs
        .iter()
        .map(|d| {
            let root = d.ancestors().find(|a| marked.contains(a)).unwrap_or(d);
            (d.clone(), root.to_path_buf())
        })
        .collect();

    // Which folders are packages (hold an `__init__.py`): from the file list
    // for walked folders, one `stat` each for folders above them.
    let walked: HashSet<&Path> = sources.iter().map(|s| s.path.as_path()).collect();
    let mut has_init: HashMap<PathBuf, bool> = HashMap::new();
    for s in &sources {
        for d in s.path.ancestors().skip(1) {
            if has_init.contains_key(d) {
                break;
            }
            let init = d.join("__init__.py");
            let is_package = if roots.contains_key(d) {
                walked.contains(init.as_path())
            } else {
                init.is_file()
            };
            has_init.insert(d.to_path_buf(), is_package);
        }
    }

    let results: Vec<Result<FileEntry, (PathBuf, io::Error)>> = sources
        .into_par_iter()
        .map(|source| {
            let bytes = match source.contents {
                Some(b) => b,
                None => match read_file(&source.path) {
                    Ok(b) => b,
                    Err(e) => return Err((source.path, e)),
                },
            };
            let dir = source.path.parent().unwrap_or(Path::new("/"));
            let root = roots.get(dir).map(PathBuf::as_path).unwrap_or(dir);
            let modules = module_names(&source.path, root, |d| has_init.get(d).copied().unwrap_or(false));
            Ok(FileEntry::from_bytes(source.path, modules, bytes))
        })
        .collect();

    let mut entries = Vec::with_capacity(results.len());
    let mut unreadable = HashMap::new();
    for r in results {
        match r {
            Ok(e) => entries.push(e),
            Err((path, e)) => {
                unreadable.insert(path, e);
            }
        }
    }
    Loaded {
        index: WorkspaceIndex::new(entries),
        unreadable,
    }
}

/// Reads a file; a folder is an error (`Is a directory`), not a panic.
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    // No `stat` first: reading a folder fails by itself (EISDIR).
    std::fs::read(path).map_err(|e| {
        if path.is_dir() {
            io::Error::other("Is a directory")
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolutize_is_lexical() {
        let cwd = Path::new("/a/b");
        assert_eq!(absolutize(cwd, Path::new("./c/../d.py")), PathBuf::from("/a/b/d.py"));
        assert_eq!(absolutize(cwd, Path::new("..")), PathBuf::from("/a"));
        assert_eq!(absolutize(cwd, Path::new("/x/./y")), PathBuf::from("/x/y"));
    }
}
