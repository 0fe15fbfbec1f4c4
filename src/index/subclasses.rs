//! Workspace subclasses of a workspace class, and the methods they define
//! in its place (what a call on a receiver typed with the base may run).
//!
//! The reverse of the classes' bases is built lazily, once per index: a
//! byte scan of every file's `class Name(Base, …)` headers gives the files
//! that may subclass a class of a given name; only those are parsed, and
//! a class is a subclass when one of its bases resolves to the class.

use std::sync::{Arc, OnceLock, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};

use super::{ClassRef, FileId, FuncRef, Symbol, WorkspaceIndex};

/// The reverse map of workspace class bases (see the module comment).
#[derive(Default)]
pub(crate) struct SubclassMap {
    /// Last segment of a base expression (`models.Base` → `Base`) → files
    /// with a class header naming it.
    files_by_base_name: OnceLock<FxHashMap<Box<str>, Vec<FileId>>>,
    /// The names after `def` anywhere in the workspace (a byte scan): a
    /// name in none of them is no method of any subclass.
    defined_names: OnceLock<FxHashSet<Box<str>>>,
    /// Direct workspace subclasses, computed per class on first use
    /// (`None`: a file that may define one could not be read).
    direct: RwLock<FxHashMap<ClassRef, Option<Arc<[ClassRef]>>>>,
}

impl std::fmt::Debug for SubclassMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubclassMap")
    }
}

/// How far a class header's base list is read (a header is user input).
const MAX_HEADER_BYTES: usize = 4096;

/// The most files whose class headers name a class that are parsed to find
/// its subclasses: past it (a base of every test case, of every field) the
/// subclasses count as unknown, and nothing is parsed.
const MAX_CANDIDATE_FILES: usize = 64;

/// The identifiers after each `def ` in `text`.
fn defined_names(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    memchr::memmem::find_iter(text, b"def ").filter_map(move |at| {
        if at > 0 && is_ident(text[at - 1]) {
            return None;
        }
        let rest = &text[at + 4..];
        let rest = &rest[rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count()..];
        let len = rest.iter().take_while(|b| is_ident(**b)).count();
        (len > 0).then(|| &rest[..len])
    })
}

/// The last segments of the dotted names in each `class Name(…)` header's
/// parentheses (keywords such as `metaclass=` are included: the result
/// only selects files to look at).
fn base_names(text: &[u8]) -> Vec<&[u8]> {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(text, b"class ") {
        let line_start = text[..at]
            .iter()
            .rposition(|b| *b == b'\n' || *b == b'\r')
            .map_or(0, |i| i + 1);
        if !text[line_start..at].iter().all(|b| *b == b' ' || *b == b'\t') {
            continue;
        }
        let rest = &text[at + 6..];
        let name_len = rest.iter().take_while(|b| is_ident(**b)).count();
        let after = &rest[name_len..];
        let ws = after.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        if name_len == 0 || after.get(ws) != Some(&b'(') {
            continue;
        }
        let mut depth = 0usize;
        let header = &after[ws..after.len().min(ws + MAX_HEADER_BYTES)];
        let end = header
            .iter()
            .position(|b| {
                match b {
                    b'(' | b'[' => depth += 1,
                    b')' | b']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                depth == 0
            })
            .unwrap_or(header.len());
        for token in header[..end].split(|b| !(is_ident(*b) || *b == b'.')) {
            if let Some(last) = token.rsplit(|b| *b == b'.').next().filter(|t| !t.is_empty()) {
                out.push(last);
            }
        }
    }
    out
}

impl WorkspaceIndex {
    fn files_by_base_name(&self) -> &FxHashMap<Box<str>, Vec<FileId>> {
        self.subclass_map.files_by_base_name.get_or_init(|| {
            let mut map: FxHashMap<Box<str>, Vec<FileId>> = FxHashMap::default();
            for (id, file) in self.files.iter().enumerate() {
                if file.in_migrations {
                    continue;
                }
                for name in base_names(file.text.as_bytes()) {
                    let Ok(name) = std::str::from_utf8(name) else { continue };
                    let files = map.entry(Box::from(name)).or_default();
                    if files.last() != Some(&id) {
                        files.push(id);
                    }
                }
            }
            map
        })
    }

    /// Whether some workspace file has a `def name` (else no class of the
    /// workspace defines a method or property `name`).
    pub fn may_define_function(&self, name: &str) -> bool {
        self.subclass_map
            .defined_names
            .get_or_init(|| {
                let mut names = FxHashSet::default();
                for file in self.files.iter().filter(|f| !f.in_migrations) {
                    for name in defined_names(file.text.as_bytes()) {
                        if let Ok(name) = std::str::from_utf8(name) {
                            if !names.contains(name) {
                                names.insert(Box::from(name));
                            }
                        }
                    }
                }
                names
            })
            .contains(name)
    }

    /// The workspace classes with `class` among their bases; `None` when a
    /// file whose class headers name it has no summary (unreadable, or a
    /// file the index does not parse): a subclass there would be missed; or
    /// when more than [`MAX_CANDIDATE_FILES`] files name it.
    pub fn direct_subclasses(&self, class: ClassRef) -> Option<Arc<[ClassRef]>> {
        if let Some(known) = self
            .subclass_map
            .direct
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&class)
        {
            return known.clone();
        }
        let name = self.class(class).name.as_str();
        let candidates = self.files_by_base_name().get(name).map_or(&[][..], Vec::as_slice);
        let mut found = (candidates.len() <= MAX_CANDIDATE_FILES).then(Vec::new);
        for &file in candidates {
            if found.is_none() {
                break;
            }
            let Some(parsed) = self.files[file].parsed() else {
                found = None;
                break;
            };
            for (index, cls) in parsed.summary.classes.iter().enumerate() {
                let sub = ClassRef { file, index };
                if sub != class
                    && cls
                        .bases
                        .iter()
                        .any(|b| self.resolve_dotted(file, b, None) == Symbol::Class(class))
                {
                    if let Some(found) = found.as_mut() {
                        found.push(sub);
                    }
                }
            }
        }
        let found: Option<Arc<[ClassRef]>> = found.map(Into::into);
        self.subclass_map
            .direct
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(class)
            .or_insert(found)
            .clone()
    }

    /// Every workspace subclass of `class`, at any depth, nearest first;
    /// `None` when there are more than `limit` (a hierarchy too wide to say
    /// what a call on the base runs) or when some could not be read.
    pub fn subclasses(&self, class: ClassRef, limit: usize) -> Option<Vec<ClassRef>> {
        let mut seen = FxHashSet::default();
        seen.insert(class);
        let mut out = Vec::new();
        let mut next = 0;
        let mut frontier = vec![class];
        while next < frontier.len() {
            let c = frontier[next];
            next += 1;
            for &sub in self.direct_subclasses(c)?.iter() {
                if seen.insert(sub) {
                    if out.len() == limit {
                        return None;
                    }
                    out.push(sub);
                    frontier.push(sub);
                }
            }
        }
        Some(out)
    }

    /// The methods named `name` that calls on workspace subclasses of
    /// `class` resolve to (each once, nearest subclass first: an override
    /// the subclass defines or inherits from another base), keeping those
    /// `keep` accepts (e.g. not abstract); `None` past `limit` methods or
    /// `4 * limit` subclasses, or when a subclass assigns `name` in its body.
    pub fn overrides(
        &self,
        class: ClassRef,
        name: &str,
        limit: usize,
        mut keep: impl FnMut(FuncRef) -> bool,
    ) -> Option<Vec<FuncRef>> {
        let mut out = Vec::new();
        for sub in self.subclasses(class, limit.saturating_mul(4))? {
            // `name = value` in a subclass's body: not a method we can follow.
            if self.class(sub).attr(name).is_some() {
                return None;
            }
            let Some(f) = self.find_method(sub, name) else { continue };
            if out.contains(&f) || !keep(f) {
                continue;
            }
            if out.len() == limit {
                return None;
            }
            out.push(f);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{base_names, defined_names};

    #[test]
    fn names_after_def() {
        let text = b"def a():\n    pass\nclass C:\n    async def  b(self): ...\nundef c\nx = 'def d'\n";
        let names: Vec<&str> = defined_names(text).map(|n| std::str::from_utf8(n).unwrap()).collect();
        assert_eq!(names, ["a", "b", "d"]);
    }

    #[test]
    fn base_names_of_class_headers() {
        let text = b"class A(models.Model, Mixin[int], metaclass=M):\n    class Meta:\n        pass\nx = 'class B(C)'\nclass D(\n    pkg.E,\n):\n    pass\n";
        let names: Vec<&str> = base_names(text)
            .iter()
            .map(|n| std::str::from_utf8(n).unwrap())
            .collect();
        assert_eq!(names, ["Model", "Mixin", "int", "metaclass", "M", "E"]);
    }
}
