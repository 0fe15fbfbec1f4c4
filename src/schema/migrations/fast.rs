//! A cheap, exact reader of the usual migration file: what `makemigrations`
//! writes (imports, maybe helper functions, and `class Migration` whose body
//! assigns `dependencies`, `replaces` and `operations` literal values) is read
//! with a small hand-written scanner instead of a tree-sitter parse — a
//! large application has hundreds of these files and parsing them was most of
//! a cold run.
//!
//! It reads only a subset of Python whose values it can build exactly as
//! `value::parse` would from a tree-sitter tree: literals without
//! backslashes, containers, dotted names, and calls; the calls
//! `value::parse` evaluates (translation wrappers, `Q`, `timedelta`,
//! `set()`/`tuple()`…) it hands to `value::parse`, from a tree-sitter tree
//! of that call alone. Anything else — any other expression,
//! a backslash or CR anywhere, an odd statement where a value is read — is
//! [`Unsure`]: the caller parses the file with tree-sitter instead. A test
//! compares both readers on every migration file of the fixtures (and of
//! the real applications when they are installed).
//!
//! It reads the text it is given and nothing else, and knows no operation:
//! what a call in `operations` means is `operations.rs`'s.

use std::ops::Range;

use crate::python::value::Value;

/// The fast reader cannot promise the tree-sitter reader's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsure;

/// An expression the fast reader understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: Kind,
    /// Byte range as tree-sitter gives it (parentheses around a non-tuple
    /// are not part of it, as `syntax::unparen` strips them).
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A literal or dotted name, its value final.
    Leaf(Value),
    /// A call of a dotted name with positional and keyword arguments.
    Call {
        func: String,
        args: Vec<(Option<String>, Expr)>,
    },
    /// A list or tuple literal (`set` for `{a, b}`).
    Seq {
        items: Vec<Expr>,
        set: bool,
    },
    Dict(Vec<(Expr, Expr)>),
}

impl Expr {
    /// The value `value::parse` gives this expression (with no look-up).
    pub fn value(&self) -> Value {
        match &self.kind {
            Kind::Leaf(v) => v.clone(),
            Kind::Call { func, args } => {
                let mut positional = Vec::new();
                let mut kwargs = Vec::new();
                for (name, e) in args {
                    match name {
                        Some(n) => kwargs.push((n.clone(), e.value())),
                        None => positional.push(e.value()),
                    }
                }
                Value::Call {
                    func: func.clone(),
                    args: positional,
                    kwargs,
                }
            }
            Kind::Seq { items, set } => {
                let items = items.iter().map(Expr::value).collect();
                if *set {
                    Value::Set(items)
                } else {
                    Value::List(items)
                }
            }
            Kind::Dict(pairs) => Value::Dict(pairs.iter().map(|(k, v)| (k.value(), v.value())).collect()),
        }
    }
}

/// What the fast reader found in a file.
#[derive(Debug)]
pub struct MigrationClass {
    /// The range of the name `Migration` in `class Migration`.
    pub name: Range<usize>,
    /// The class body's plain assignments of `dependencies`, `replaces`
    /// and `operations`, in order.
    pub assignments: Vec<(&'static str, Expr)>,
}

/// Reads a migration file: `Ok(None)` when it has no top-level `class
/// Migration` (a helper module).
pub fn read(src: &str) -> Result<Option<MigrationClass>, Unsure> {
    // Escapes, line continuations and lone CRs are where the two readers
    // could differ in detail; they are rare in migrations. An aliased
    // `timedelta` import changes how calls of the alias read.
    if src.contains(['\\', '\r']) || src.contains("timedelta as") {
        return Err(Unsure);
    }
    let mut s = Scanner {
        src: src.as_bytes(),
        pos: 0,
        nesting: 0,
    };
    loop {
        if s.pos >= s.src.len() {
            return Ok(None);
        }
        // At the start of a line, outside any bracket or string.
        if let Some(name) = s.class_migration_header()? {
            return s.class_body(name).map(Some);
        }
        s.skip_logical_line()?;
    }
}

/// Where `class Migration` names its class (`Ok(None)`: it has none),
/// without reading its body.
pub fn class_name(src: &str) -> Result<Option<Range<usize>>, Unsure> {
    if src.contains(['\\', '\r']) {
        return Err(Unsure);
    }
    let mut s = Scanner {
        src: src.as_bytes(),
        pos: 0,
        nesting: 0,
    };
    while s.pos < s.src.len() {
        if let Some(name) = s.class_migration_header()? {
            return Ok(Some(name));
        }
        s.skip_logical_line()?;
    }
    Ok(None)
}

const TARGETS: [&str; 3] = ["dependencies", "replaces", "operations"];

/// Calls `value::parse` evaluates or rewrites: the fast reader has it read
/// them.
const EVALUATED_CALLS: &[&str] = &[
    "_",
    "gettext",
    "gettext_lazy",
    "ugettext_lazy",
    "ugettext",
    "gettext_noop",
    "pgettext",
    "pgettext_lazy",
    "pgettext_noop",
    "set",
    "frozenset",
    "list",
    "tuple",
    "Q",
    "timedelta",
];

const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
    "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
    "return", "try", "while", "with", "yield",
];

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    /// How many expressions are being read around the current one: past
    /// [`MAX_NESTING`] the reader is [`Unsure`] (and the tree-sitter
    /// reader, which bounds its values the same way, takes over).
    nesting: u32,
}

/// As `python::value::MAX_NESTING`: deeper expressions are not read.
const MAX_NESTING: u32 = crate::python::value::MAX_NESTING;

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.src.get(self.pos + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.src[self.pos..].starts_with(s.as_bytes())
    }

    /// Skips blanks and comments; inside brackets also line breaks.
    fn skip_blanks(&mut self, in_brackets: bool) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\n' if in_brackets => self.pos += 1,
                b'#' => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// At a line start: `class Migration` (then bases and `:`), at column 0:
    /// the name's range, with the scanner after the header's line break.
    /// `Ok(None)` (the scanner unmoved) for any other line; a `class
    /// Migration` of another shape is unsure.
    fn class_migration_header(&mut self) -> Result<Option<Range<usize>>, Unsure> {
        let start = self.pos;
        if !self.starts_with("class") || !matches!(self.peek_at(5), Some(b' ' | b'\t')) {
            return Ok(None);
        }
        self.pos += 5;
        self.skip_blanks(false);
        let name_start = self.pos;
        if self.identifier() != Some("Migration") {
            self.pos = start;
            return Ok(None);
        }
        let name = name_start..self.pos;
        self.skip_blanks(false);
        if self.peek() == Some(b'(') {
            self.skip_bracketed()?;
        }
        self.skip_blanks(false);
        if self.peek() != Some(b':') {
            return Err(Unsure);
        }
        self.pos += 1;
        self.skip_blanks(false);
        // The body must start on the next line.
        if self.peek() != Some(b'\n') {
            return Err(Unsure);
        }
        self.pos += 1;
        Ok(Some(name))
    }

    fn class_body(&mut self, name: Range<usize>) -> Result<MigrationClass, Unsure> {
        let mut out = MigrationClass {
            name,
            assignments: Vec::new(),
        };
        let mut body_indent: Option<usize> = None;
        loop {
            if self.pos >= self.src.len() {
                break;
            }
            let line_start = self.pos;
            let mut indent = 0;
            while let Some(c) = self.peek() {
                match c {
                    b' ' => indent += 1,
                    b'\t' | b'\x0c' => return Err(Unsure),
                    _ => break,
                }
                self.pos += 1;
            }
            match self.peek() {
                // Blank and comment-only lines belong to no block.
                None => break,
                Some(b'\n') => {
                    self.pos += 1;
                    continue;
                }
                Some(b'#') => {
                    self.skip_blanks(false);
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    continue;
                }
                _ => {}
            }
            let body = *body_indent.get_or_insert(indent);
            if body == 0 {
                return Err(Unsure);
            }
            if indent < body {
                // The class ended.
                self.pos = line_start;
                break;
            }
            if indent > body {
                // Inside a compound statement of the body (a method).
                self.skip_logical_line()?;
                continue;
            }
            let stmt = self.pos;
            let target = self
                .identifier()
                .and_then(|n| TARGETS.iter().find(|t| **t == n).copied());
            let Some(target) = target else {
                // Another statement; `x = 1; operations = []` would hide one.
                self.pos = stmt;
                if self.skip_logical_line()? {
                    return Err(Unsure);
                }
                continue;
            };
            self.skip_blanks(false);
            if self.peek() != Some(b'=') || self.peek_at(1) == Some(b'=') {
                return Err(Unsure);
            }
            self.pos += 1;
            let value = self.expression(false)?;
            self.skip_blanks(false);
            match self.peek() {
                None => {}
                Some(b'\n') => self.pos += 1,
                Some(_) => return Err(Unsure),
            }
            out.assignments.push((target, value));
        }
        Ok(out)
    }

    /// Skips to the start of the next logical line (brackets and strings
    /// may span lines); tells whether a `;` separated statements on it.
    fn skip_logical_line(&mut self) -> Result<bool, Unsure> {
        let mut depth = 0usize;
        let mut semicolon = false;
        while let Some(c) = self.peek() {
            match c {
                b'\n' if depth == 0 => {
                    self.pos += 1;
                    return Ok(semicolon);
                }
                b';' if depth == 0 => {
                    semicolon = true;
                    self.pos += 1;
                }
                _ => self.lexical_step(&mut depth)?,
            }
        }
        if depth == 0 {
            Ok(semicolon)
        } else {
            Err(Unsure)
        }
    }

    /// Skips a bracketed group (lexically).
    fn skip_bracketed(&mut self) -> Result<(), Unsure> {
        let mut depth = 0usize;
        while self.peek().is_some() {
            let closes = matches!(self.peek(), Some(b')' | b']' | b'}'));
            self.lexical_step(&mut depth)?;
            if closes && depth == 0 {
                return Ok(());
            }
        }
        Err(Unsure)
    }

    /// Moves past one lexical item (a comment, a string, a bracket, any
    /// other byte), counting the bracket depth.
    fn lexical_step(&mut self, depth: &mut usize) -> Result<(), Unsure> {
        match self.peek() {
            Some(b'#') => self.skip_blanks(false),
            Some(b'\'' | b'"') => {
                self.string_body()?;
            }
            Some(b'(' | b'[' | b'{') => {
                *depth += 1;
                self.pos += 1;
            }
            Some(b')' | b']' | b'}') => {
                *depth = depth.checked_sub(1).ok_or(Unsure)?;
                self.pos += 1;
            }
            Some(_) => self.pos += 1,
            None => {}
        }
        Ok(())
    }

    fn identifier(&mut self) -> Option<&str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.pos += 1,
            _ => return None,
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        // Not part of a longer non-ASCII identifier.
        if self.peek().is_some_and(|c| c >= 0x80) {
            self.pos = start;
            return None;
        }
        std::str::from_utf8(&self.src[start..self.pos]).ok()
    }

    /// A quoted string at the quote (no prefix): its content. Leaves the
    /// scanner after the closing quote.
    fn string_body(&mut self) -> Result<&str, Unsure> {
        let quote = self.peek().ok_or(Unsure)?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        let open = if triple { 3 } else { 1 };
        self.pos += open;
        let start = self.pos;
        loop {
            let c = self.peek().ok_or(Unsure)?;
            if c == quote && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote))) {
                let content = &self.src[start..self.pos];
                self.pos += open;
                return std::str::from_utf8(content).map_err(|_| Unsure);
            }
            if c == b'\n' && !triple {
                return Err(Unsure);
            }
            self.pos += 1;
        }
    }

    /// One expression; `in_brackets` lets line breaks be blanks.
    fn expression(&mut self, in_brackets: bool) -> Result<Expr, Unsure> {
        if self.nesting >= MAX_NESTING {
            return Err(Unsure);
        }
        self.nesting += 1;
        let read = self.expression_here(in_brackets);
        self.nesting -= 1;
        read
    }

    fn expression_here(&mut self, in_brackets: bool) -> Result<Expr, Unsure> {
        self.skip_blanks(in_brackets);
        let start = self.pos;
        let c = self.peek().ok_or(Unsure)?;
        match c {
            b'-' | b'+' => {
                self.pos += 1;
                let operand = self.expression(in_brackets)?;
                let value = match (c, operand.kind) {
                    (b'-', Kind::Leaf(Value::Int(i))) => Value::Int(i.checked_neg().ok_or(Unsure)?),
                    (b'-', Kind::Leaf(Value::Number(n))) => Value::Number(format!("-{n}")),
                    (b'+', Kind::Leaf(v @ (Value::Int(_) | Value::Number(_)))) => v,
                    _ => return Err(Unsure),
                };
                Ok(Expr {
                    kind: Kind::Leaf(value),
                    range: start..operand.range.end,
                })
            }
            b'\'' | b'"' => self.strings(in_brackets),
            b'0'..=b'9' | b'.' => self.number(),
            b'(' => {
                self.pos += 1;
                self.skip_blanks(true);
                if self.peek() == Some(b')') {
                    self.pos += 1;
                    return Ok(Expr {
                        kind: Kind::Seq {
                            items: Vec::new(),
                            set: false,
                        },
                        range: start..self.pos,
                    });
                }
                let first = self.expression(true)?;
                self.skip_blanks(true);
                match self.peek() {
                    // Parentheses change nothing in a value, but tree-sitter
                    // does not take a parenthesized call for a call.
                    Some(b')') if matches!(first.kind, Kind::Call { .. }) => Err(Unsure),
                    Some(b')') => {
                        self.pos += 1;
                        Ok(first)
                    }
                    Some(b',') => {
                        self.pos += 1;
                        let mut items = vec![first];
                        items.extend(self.items(b')')?);
                        Ok(Expr {
                            kind: Kind::Seq { items, set: false },
                            range: start..self.pos,
                        })
                    }
                    _ => Err(Unsure),
                }
            }
            b'[' => {
                self.pos += 1;
                let items = self.items(b']')?;
                Ok(Expr {
                    kind: Kind::Seq { items, set: false },
                    range: start..self.pos,
                })
            }
            b'{' => {
                self.pos += 1;
                self.skip_blanks(true);
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Expr {
                        kind: Kind::Dict(Vec::new()),
                        range: start..self.pos,
                    });
                }
                let first = self.expression(true)?;
                self.skip_blanks(true);
                if self.peek() != Some(b':') {
                    // A set display.
                    let mut items = vec![first];
                    match self.peek() {
                        Some(b'}') => self.pos += 1,
                        Some(b',') => {
                            self.pos += 1;
                            items.extend(self.items(b'}')?);
                        }
                        _ => return Err(Unsure),
                    }
                    return Ok(Expr {
                        kind: Kind::Seq { items, set: true },
                        range: start..self.pos,
                    });
                }
                self.pos += 1;
                let mut pairs = vec![(first, self.expression(true)?)];
                loop {
                    self.skip_blanks(true);
                    match self.peek() {
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        _ => return Err(Unsure),
                    }
                    self.skip_blanks(true);
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        break;
                    }
                    let key = self.expression(true)?;
                    self.skip_blanks(true);
                    if self.peek() != Some(b':') {
                        return Err(Unsure);
                    }
                    self.pos += 1;
                    pairs.push((key, self.expression(true)?));
                }
                Ok(Expr {
                    kind: Kind::Dict(pairs),
                    range: start..self.pos,
                })
            }
            _ => self.name_or_call(in_brackets),
        }
    }

    /// Comma-separated expressions up to `close` (after an opening bracket
    /// or a first item and its comma); a trailing comma is allowed.
    fn items(&mut self, close: u8) -> Result<Vec<Expr>, Unsure> {
        let mut items = Vec::new();
        loop {
            self.skip_blanks(true);
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.expression(true)?);
            self.skip_blanks(true);
            match self.peek() {
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(items);
                }
                Some(b',') => self.pos += 1,
                _ => return Err(Unsure),
            }
        }
    }

    /// Adjacent string literals (concatenated).
    fn strings(&mut self, in_brackets: bool) -> Result<Expr, Unsure> {
        let start = self.pos;
        let mut out = String::new();
        let mut end;
        loop {
            out.push_str(self.string_body()?);
            end = self.pos;
            self.skip_blanks(in_brackets);
            // A next literal, possibly with a prefix `value::parse` reads
            // the same way (`u`, `r`: no backslash is left to differ).
            let save = self.pos;
            while self.peek().is_some_and(|c| matches!(c, b'u' | b'U' | b'r' | b'R')) {
                self.pos += 1;
            }
            if matches!(self.peek(), Some(b'\'' | b'"')) && self.pos - save <= 2 {
                continue;
            }
            self.pos = save;
            break;
        }
        self.pos = end;
        Ok(Expr {
            kind: Kind::Leaf(Value::Str(out)),
            range: start..end,
        })
    }

    fn number(&mut self) -> Result<Expr, Unsure> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            // An exponent's sign.
            if matches!(self.peek(), Some(b'e' | b'E'))
                && matches!(self.peek_at(1), Some(b'+' | b'-'))
                && !self.src[start..self.pos].starts_with(b"0x")
                && !self.src[start..self.pos].starts_with(b"0X")
            {
                self.pos += 1;
            }
            self.pos += 1;
        }
        let raw = std::str::from_utf8(&self.src[start..self.pos]).map_err(|_| Unsure)?;
        let lower = raw.to_ascii_lowercase();
        let radix = lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b");
        let well_formed = !raw.is_empty()
            && !lower.contains('j')
            && !lower.contains('l')
            && !raw.ends_with('_')
            && !raw.contains("__")
            && (radix
                || (raw.bytes().filter(|c| *c == b'.').count() <= 1
                    && lower
                        .bytes()
                        .all(|c| c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'e' | b'+' | b'-'))));
        if !well_formed || raw == "." {
            return Err(Unsure);
        }
        let float = !radix && (lower.contains('.') || lower.contains('e'));
        let value = if float {
            Value::Number(raw.replace('_', ""))
        } else {
            int_literal(raw).ok_or(Unsure)?
        };
        Ok(Expr {
            kind: Kind::Leaf(value),
            range: start..self.pos,
        })
    }

    fn name_or_call(&mut self, in_brackets: bool) -> Result<Expr, Unsure> {
        let start = self.pos;
        let first = self.identifier().ok_or(Unsure)?.to_owned();
        match first.as_str() {
            "None" | "True" | "False" => {
                let value = match first.as_str() {
                    "None" => Value::None,
                    "True" => Value::Bool(true),
                    _ => Value::Bool(false),
                };
                return Ok(Expr {
                    kind: Kind::Leaf(value),
                    range: start..self.pos,
                });
            }
            // A string prefix: only the ones read the same way.
            "u" | "U" | "r" | "R" | "ur" | "Ur" | "uR" | "UR" | "ru" | "rU" | "Ru" | "RU"
                if matches!(self.peek(), Some(b'\'' | b'"')) =>
            {
                self.pos = start;
                return self.prefixed_strings(in_brackets);
            }
            n if KEYWORDS.contains(&n) => return Err(Unsure),
            _ if matches!(self.peek(), Some(b'\'' | b'"')) => return Err(Unsure),
            _ => {}
        }
        let mut name = first;
        let mut end = self.pos;
        loop {
            self.skip_blanks(in_brackets);
            if self.peek() != Some(b'.') {
                break;
            }
            self.pos += 1;
            self.skip_blanks(in_brackets);
            let part = self.identifier().ok_or(Unsure)?;
            if KEYWORDS.contains(&part) {
                return Err(Unsure);
            }
            name.push('.');
            name.push_str(part);
            end = self.pos;
        }
        self.pos = end;
        self.skip_blanks(in_brackets);
        if self.peek() != Some(b'(') {
            self.pos = end;
            return Ok(Expr {
                kind: Kind::Leaf(Value::Name(name)),
                range: start..end,
            });
        }
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_blanks(true);
            if self.peek() == Some(b')') {
                self.pos += 1;
                break;
            }
            if self.peek() == Some(b'*') {
                return Err(Unsure);
            }
            let arg_start = self.pos;
            let keyword = match self.identifier() {
                Some(k) => {
                    let k = k.to_owned();
                    self.skip_blanks(true);
                    if self.peek() == Some(b'=') && self.peek_at(1) != Some(b'=') {
                        self.pos += 1;
                        Some(k)
                    } else {
                        None
                    }
                }
                None => None,
            };
            if keyword.is_none() {
                self.pos = arg_start;
            }
            args.push((keyword, self.expression(true)?));
            self.skip_blanks(true);
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => self.pos += 1,
                _ => return Err(Unsure),
            }
        }
        let end = self.pos;
        // A call used as an object (`f().x`, `f()()`, `f()[0]`) is not read.
        self.skip_blanks(in_brackets);
        if matches!(self.peek(), Some(b'.' | b'(' | b'[')) {
            return Err(Unsure);
        }
        self.pos = end;
        let last = name.rsplit('.').next().unwrap_or(&name);
        if EVALUATED_CALLS.contains(&last) {
            // `value::parse` rewrites these: it reads them, from a tree of
            // the call alone (all it looks at, the file's imports aside).
            let text = std::str::from_utf8(&self.src[start..end]).map_err(|_| Unsure)?;
            return Ok(Expr {
                kind: Kind::Leaf(evaluated(text)?),
                range: start..end,
            });
        }
        Ok(Expr {
            kind: Kind::Call { func: name, args },
            range: start..end,
        })
    }

    /// `u'…'`, `r"…"`: without backslashes, the same text as unprefixed.
    fn prefixed_strings(&mut self, in_brackets: bool) -> Result<Expr, Unsure> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        let mut e = self.strings(in_brackets)?;
        e.range.start = start;
        Ok(e)
    }
}

/// Expressions parsed alone by tree-sitter so far (for the benchmarks'
/// statistics: they are not file parses).
static SNIPPET_PARSES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn snippet_parses() -> usize {
    SNIPPET_PARSES.load(std::sync::atomic::Ordering::Relaxed)
}

/// The value `value::parse` gives one expression, from a tree of it alone.
fn evaluated(text: &str) -> Result<Value, Unsure> {
    let snippet = format!("(\n{text}\n)\n");
    SNIPPET_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tree = crate::syntax::parse(&snippet).ok_or(Unsure)?;
    let root = tree.root_node();
    if root.has_error() || root.named_child_count() != 1 {
        return Err(Unsure);
    }
    let stmt = root.named_child(0).ok_or(Unsure)?;
    if stmt.kind() != "expression_statement" || stmt.named_child_count() != 1 {
        return Err(Unsure);
    }
    let expr = stmt.named_child(0).ok_or(Unsure)?;
    Ok(crate::schema::value::parse(expr, &snippet, &|_| None))
}

/// An integer literal as `value::parse` reads it (`None` when it would
/// not be a plain integer value either way: a number too large for i64 is
/// kept as written by `value::parse`, rare enough to leave to it).
fn int_literal(raw: &str) -> Option<Value> {
    crate::python::value::int_value(raw).map(Value::Int)
}
