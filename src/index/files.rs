//! One Python file of the workspace: its decoded text, its syntax tree and
//! summary (parsed on first use), its byte facts (kept on the entry,
//! computed by `bytes`); the module names a path can be imported as.
//!
//! Knows nothing of other files' contents (name resolution is in
//! `resolve`); never does I/O: callers hand in the bytes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

use rustc_hash::FxHashMap;
use tree_sitter::Tree;

use super::bytes::{byte_facts, file_may_matter, ByteFacts};
use super::summary::{self, ModuleSummary};
use super::FileId;
use crate::source::{DecodeError, LineIndex};

/// A file's syntax tree and summary, made on first use.
pub struct Parsed {
    pub tree: Tree,
    pub summary: ModuleSummary,
}

/// One Python file: decoded eagerly (cheap), parsed only when the checker or
/// name resolution needs it.
pub struct FileEntry {
    pub path: PathBuf,
    /// Dotted module names the file can be imported as (package-based first).
    pub modules: Vec<String>,
    pub package: String,
    pub text: Arc<str>,
    pub decode_error: Option<DecodeError>,
    /// In a `migrations` folder (never defines models; skipped by look-ups).
    pub in_migrations: bool,
    lines: OnceLock<LineIndex>,
    parsed: OnceLock<Option<Parsed>>,
    /// Why the text was not parsed, when tree-sitter could not take it.
    unparsable: OnceLock<crate::syntax::Unparsable>,
    facts: OnceLock<ByteFacts>,
    /// Answers of [`FileEntry::mentions`], by [`ByteTest`].
    byte_tests: [OnceLock<bool>; ByteTest::COUNT],
}

/// A byte-level test that a workspace-wide scan asks of every file on every
/// analysis (the language server builds an index per change): its answer
/// is kept on the file, so an edit re-tests only the edited document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteTest {
    /// `register_lifespan_task` (see [`WorkspaceIndex::is_lifespan_task`]).
    LifespanRegistration,
    /// What `checker::frameworks` looks for first: a GraphQL library and
    /// the names of its asynchronous execution.
    GraphqlAsyncServing,
    /// Then: a GraphQL library and resolver registration or sync execution.
    GraphqlRegistration,
}

impl ByteTest {
    const COUNT: usize = 3;
}

/// Files by module name and by path: the part of an index that depends only
/// on which files are where, not on their contents.
#[derive(Debug, Default)]
pub struct FileMaps {
    pub(super) by_module: FxHashMap<String, Vec<FileId>>,
    pub(super) by_path: FxHashMap<PathBuf, FileId>,
}

impl FileMaps {
    pub fn build(files: &[Arc<FileEntry>]) -> FileMaps {
        let mut maps = FileMaps::default();
        for (id, f) in files.iter().enumerate() {
            for m in &f.modules {
                maps.by_module.entry(m.clone()).or_default().push(id);
            }
            maps.by_path.insert(f.path.clone(), id);
        }
        maps
    }
}

static EMPTY_SUMMARY: LazyLock<ModuleSummary> = LazyLock::new(ModuleSummary::default);

impl FileEntry {
    /// Decodes a file. `modules` are the names it can be imported as (see [`module_names`]).
    pub fn new(path: PathBuf, modules: Vec<String>, bytes: &[u8]) -> FileEntry {
        FileEntry::from_bytes(path, modules, bytes.to_vec())
    }

    /// Like [`FileEntry::new`], taking ownership of the bytes (no copy).
    pub fn from_bytes(path: PathBuf, modules: Vec<String>, bytes: Vec<u8>) -> FileEntry {
        let is_init = path.file_stem().is_some_and(|s| s == "__init__");
        let primary = modules.first().cloned().unwrap_or_default();
        let package = if is_init {
            primary.clone()
        } else {
            primary.rsplit_once('.').map(|(p, _)| p.to_owned()).unwrap_or_default()
        };
        let (text, decode_error) = match crate::source::decode_owned(bytes) {
            Ok(t) => (t, None),
            Err(e) => (String::new(), Some(e)),
        };
        let in_migrations = path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == "migrations");
        FileEntry {
            in_migrations,
            path,
            modules,
            package,
            text: Arc::from(text),
            decode_error,
            lines: OnceLock::new(),
            parsed: OnceLock::new(),
            unparsable: OnceLock::new(),
            facts: OnceLock::new(),
            byte_tests: Default::default(),
        }
    }

    /// A new version of `previous` (an edited document): parsed now, reusing
    /// the previous tree where the texts agree (see [`crate::syntax::reparse`]).
    pub fn reparsed(path: PathBuf, modules: Vec<String>, bytes: Vec<u8>, previous: &FileEntry) -> FileEntry {
        let entry = FileEntry::from_bytes(path, modules, bytes);
        if let Some(old) = previous.parsed.get().and_then(Option::as_ref) {
            if entry.decode_error.is_none() && file_may_matter(&entry.path, entry.text.as_bytes()) {
                if let Some(tree) = crate::syntax::reparse(&previous.text, &old.tree, &entry.text) {
                    let summary = summary::summarize(&tree, &entry.text, &entry.package);
                    let _ = entry.parsed.set(Some(Parsed { tree, summary }));
                }
            }
        }
        entry
    }

    /// `test(text)`, computed on the first call for this `which` (a
    /// `which` must always be asked with the same `test`).
    pub fn mentions(&self, which: ByteTest, test: impl FnOnce(&[u8]) -> bool) -> bool {
        *self.byte_tests[which as usize].get_or_init(|| test(self.text.as_bytes()))
    }

    /// The file's [`ByteFacts`], computed on first use.
    pub fn facts(&self) -> &ByteFacts {
        self.facts.get_or_init(|| byte_facts(self.text.as_bytes()))
    }

    /// Line starts, computed on first use (only files with findings need them).
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The tree and summary, parsing on first use (thread-safe).
    pub fn parsed(&self) -> Option<&Parsed> {
        self.parsed
            .get_or_init(|| {
                if self.decode_error.is_some() || !file_may_matter(&self.path, self.text.as_bytes()) {
                    return None;
                }
                let tree = match crate::syntax::parse_checked(&self.text) {
                    Ok(tree) => tree,
                    Err(why) => {
                        let _ = self.unparsable.set(why);
                        return None;
                    }
                };
                let summary = summary::summarize(&tree, &self.text, &self.package);
                Some(Parsed { tree, summary })
            })
            .as_ref()
    }

    /// Why the file has no tree although it was worth parsing (see
    /// [`crate::syntax::parse_checked`]); asks for the parse first.
    pub fn unparsable(&self) -> Option<&crate::syntax::Unparsable> {
        self.parsed();
        self.unparsable.get()
    }

    pub fn tree(&self) -> Option<&Tree> {
        self.parsed().map(|p| &p.tree)
    }

    pub fn summary(&self) -> &ModuleSummary {
        self.parsed().map(|p| &p.summary).unwrap_or(&EMPTY_SUMMARY)
    }

    /// Whether it was parsed (for statistics and tests of laziness).
    pub fn is_parsed(&self) -> bool {
        self.parsed.get().is_some_and(Option::is_some)
    }

    pub fn module(&self) -> &str {
        self.modules.first().map(String::as_str).unwrap_or("")
    }

    pub fn is_rxconfig(&self) -> bool {
        self.path.file_name().is_some_and(|n| n == "rxconfig.py")
    }
}

/// The dotted names a file can be imported as: by its package chain
/// (directories with `__init__.py`), and relative to the workspace root.
pub fn module_names(path: &Path, root: &Path, has_init: impl Fn(&Path) -> bool) -> Vec<String> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut names = Vec::new();
    let mut parts = if stem == "__init__" {
        Vec::new()
    } else {
        vec![stem.to_owned()]
    };
    let mut dir = path.parent();
    while let Some(d) = dir {
        if !has_init(d) {
            break;
        }
        match d.file_name().and_then(|n| n.to_str()) {
            Some(n) => parts.push(n.to_owned()),
            None => break,
        }
        dir = d.parent();
    }
    parts.reverse();
    if !parts.is_empty() {
        names.push(parts.join("."));
    }
    // The root-relative name is wrong when the root lies inside a package
    // (checking `pkg/sub/`): it would make `pkg/sub/django/` the module `django`.
    let root_inside_package = dir.is_some_and(|top| root != top && root.starts_with(top));
    if root_inside_package {
        return names;
    }
    if let Ok(rel) = path.strip_prefix(root) {
        let mut comps: Vec<String> = rel
            .components()
            .filter_map(|c| c.as_os_str().to_str().map(str::to_owned))
            .collect();
        if let Some(last) = comps.pop() {
            let last = last.trim_end_matches(".py").to_owned();
            if last != "__init__" {
                comps.push(last);
            }
            let name = comps.join(".");
            if !name.is_empty() && !names.contains(&name) && comps.iter().all(|c| is_identifier(c)) {
                names.push(name);
            }
        }
    }
    names
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// What a workspace class is, from its bases (transitively).
#[cfg(test)]
mod tests {
    use super::module_names;
    use std::path::Path;

    #[test]
    fn module_names_by_package_and_root() {
        let inits = ["/p/shop", "/p/shop/states", "/p/lib/pkg", "/p/lib/pkg/django"];
        let has_init = |d: &Path| inits.iter().any(|i| Path::new(i) == d);
        let names = |f: &str, root: &str| module_names(Path::new(f), Path::new(root), has_init);
        assert_eq!(names("/p/shop/states/cart.py", "/p"), vec!["shop.states.cart"]);
        assert_eq!(names("/p/shop/__init__.py", "/p"), vec!["shop"]);
        // A namespace app (no __init__.py) is importable from the root.
        assert_eq!(names("/p/catalog/models.py", "/p"), vec!["models", "catalog.models"]);
        // Checking inside a package must not invent a top-level `django` module.
        assert_eq!(
            names("/p/lib/pkg/django/model.py", "/p/lib/pkg"),
            vec!["pkg.django.model"]
        );
    }
}
