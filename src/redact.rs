//! Keeping passwords out of everything the user sees: messages, findings,
//! logs, source snippets, LSP messages, configuration errors.
//!
//! One module decides what looks like a credential, and every path a
//! database URL or a configuration value can take to the user goes through
//! it. It works on text, not on parsed URLs, because what must be hidden is
//! most often in what does *not* parse: a URL with one slash, no scheme, a
//! misspelled scheme, a raw `@` or `/` in the password.
//!
//! What is hidden:
//! - the password of a userinfo in anything URL-ish: from the first `:` of
//!   the userinfo to the **last** `@` of the token (`scheme://u:***@host`,
//!   `scheme:/u:***@host`, `u:***@host`). Taking the last `@` hides a
//!   password holding a raw `@`, `/`, `?` or `#` whole (and what followed
//!   it, when the URL was that ambiguous: hiding too much is the safe side);
//! - the value of a password-like key (`password`, `passwd`, `pass`, `pwd`,
//!   and keys ending in `password`, `_pass`, `_pwd`, such as `DB_PASSWORD`)
//!   written `key=value`, `key: value`, `"key": "value"` or `key = "value"`,
//!   the key percent-decoded first (`pass%77ord=`);
//! - known secrets (a URL's decoded password, `PGPASSWORD`) inside a driver's
//!   message, matched as whole tokens only. A secret shorter than
//!   [`MIN_KNOWN_SECRET_LEN`] is not searched for at all: replacing a
//!   one-letter password wherever it occurs garbles the message and so
//!   reveals it; the structured parts above still hide it where it is
//!   written as a password.

use std::borrow::Cow;
use std::ops::Range;

/// What replaces a hidden value in messages.
pub const MASK: &str = "***";

/// What replaces a quoted password in a source snippet (the quotes stay).
pub const SNIPPET_MASK: &str = "********";

/// Known secrets shorter than this are not replaced inside messages (see
/// the module documentation).
pub const MIN_KNOWN_SECRET_LEN: usize = 4;

/// A database URL (or what was meant to be one, parsed or not) for display:
/// the userinfo's password and password-like query parameters replaced by
/// `***`. The whole string is one token, whatever it holds.
pub fn redact_url(url: &str) -> String {
    let mut edits = Vec::new();
    userinfo_edit(url, 0, &mut edits);
    key_value_edits(url, false, &mut edits);
    apply(url, edits)
}

/// A value that was meant to be a database URL, for a message saying it is
/// not a usable one: [`redact_url`] when it has the shape of a URL
/// (`scheme:/…`), else `***` (it may be a password put in the wrong place,
/// or a URL whose structure is too broken to tell its parts apart).
pub fn redact_unusable_url(url: &str) -> String {
    let url = url.trim();
    let looks_like_url = url
        .find(':')
        .is_some_and(|c| is_scheme(&url[..c]) && url[c + 1..].starts_with('/'));
    if looks_like_url {
        redact_url(url)
    } else {
        MASK.to_owned()
    }
}

/// Free text (an error message, a log line) with every credential-looking
/// part hidden: each whitespace-separated token is read as a possible URL,
/// and password-like keys anywhere have their values hidden.
pub fn redact_text(text: &str) -> String {
    let mut edits = Vec::new();
    for (start, token) in tokens(text) {
        userinfo_edit(token, start, &mut edits);
    }
    key_value_edits(text, false, &mut edits);
    apply(text, edits)
}

/// [`redact_text`], then every whole-token occurrence of the known
/// `secrets` (at least [`MIN_KNOWN_SECRET_LEN`] long) replaced by `***`.
pub fn redact_message(text: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets
        .iter()
        .copied()
        .filter(|s| s.chars().count() >= MIN_KNOWN_SECRET_LEN)
        .collect();
    // Longest first, so that a secret containing another is replaced whole.
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    secrets.dedup();
    let mut out = redact_text(text);
    for secret in secrets {
        out = replace_whole(&out, secret);
    }
    out
}

/// A source snippet (a few lines of a file) with the values of
/// password-like settings masked as `"********"` (`"PASSWORD": "…"`,
/// `PASSWORD="…"`, `password = "…"`, the string literals of
/// `PASSWORD=env("…", default="…")`) and URL passwords in it hidden; `span`
/// (a byte range of `text`) is mapped onto the result.
pub fn mask_snippet(text: &str, span: Range<usize>) -> (String, Range<usize>) {
    let mut edits = Vec::new();
    for (start, token) in tokens(text) {
        userinfo_edit(token, start, &mut edits);
    }
    key_value_edits(text, true, &mut edits);
    let edits = merge(edits);
    let map = |offset: usize, is_end: bool| -> usize {
        let mut shift: isize = 0;
        for e in &edits {
            if e.range.end <= offset {
                shift += e.with.len() as isize - e.range.len() as isize;
            } else if e.range.start < offset {
                // Inside a hidden value: its start, or its end for an end.
                let new_start = (e.range.start as isize + shift) as usize;
                return if is_end { new_start + e.with.len() } else { new_start };
            } else {
                break;
            }
        }
        (offset as isize + shift) as usize
    };
    let out = splice(text, &edits);
    let start = map(span.start, false).min(out.len());
    let end = map(span.end, true).clamp(start, out.len());
    (out, start..end)
}

/// A configuration key or URL query parameter that carries a password
/// (percent-decoded, any case; `DB_PASSWORD`, `database.password`,
/// `sslpassword` too).
pub fn is_secret_key(key: &str) -> bool {
    let mut key: Cow<str> = Cow::Borrowed(key);
    // `pass%2577ord` is `pass%77ord` is `password`.
    for _ in 0..3 {
        match percent_decode(&key) {
            Some(d) if d != *key => key = Cow::Owned(d),
            _ => break,
        }
    }
    let key = key.to_ascii_lowercase().replace('-', "_");
    let key = key.trim_matches(|c| matches!(c, '_' | '.'));
    let last = key.rsplit('.').next().unwrap_or(key);
    matches!(last, "pass" | "passwd" | "password" | "pwd")
        || last.ends_with("password")
        || last.ends_with("passwd")
        || last.ends_with("_pass")
        || last.ends_with("_pwd")
}

/// `%XX` escapes decoded; `None` for a bad escape or invalid UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `s` with every byte but the unreserved ones as `%XX` (how a password is
/// written in a URL, hence how a driver may repeat it).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------

/// A replacement of a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    range: Range<usize>,
    with: String,
}

/// The places a URL may be in free text or code: each whitespace-separated
/// token, and each quoted string on one line as a whole (a URL in a
/// literal may hold a raw space in its password).
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // `split` yields subslices of `text`: their offsets are exact.
    let words = text
        .split(char::is_whitespace)
        .filter(|t| !t.is_empty())
        .map(move |t| (t.as_ptr() as usize - text.as_ptr() as usize, t));
    let mut literals = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'"' | b'\'' | b'`') {
            let line_end = text[i..].find(['\n', '\r']).map_or(text.len(), |e| i + e);
            if let Some(close) = text[i + 1..line_end].find(b[i] as char) {
                let content = &text[i + 1..i + 1 + close];
                if content.contains(char::is_whitespace) && content.contains('@') {
                    literals.push((i + 1, content));
                }
                i += close + 2;
                continue;
            }
        }
        i += 1;
    }
    words.chain(literals)
}

/// A URL scheme: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A character a user name may hold in a URL written without a scheme
/// (RFC 3986 unreserved, sub-delims and `%`), so that code such as
/// `f"{a}:{b}@{c}"` is not taken for credentials.
fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~%!$&*+,;=".contains(c)
}

/// The password of `token`'s userinfo, if it has one, as an edit (offsets
/// shifted by `at`). The userinfo ends at the token's last `@`.
fn userinfo_edit(token: &str, at: usize, edits: &mut Vec<Edit>) {
    let Some(last_at) = token.rfind('@') else { return };
    let head = &token[..last_at];
    let Some(first_colon) = head.find(':') else { return };
    // The scheme: the run of scheme characters just before the first colon.
    let scheme_start = run_start(&head[..first_colon], |c| {
        c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
    });
    let has_scheme = is_scheme(&head[scheme_start..first_colon]);
    let after_colon = &head[first_colon + 1..];
    let password_colon = if has_scheme && after_colon.starts_with('/') {
        let slashes = after_colon.len() - after_colon.trim_start_matches('/').len();
        let authority_start = first_colon + 1 + slashes;
        match head[authority_start..].find(':') {
            Some(c) => Some(authority_start + c),
            // `scheme://user@host`: no password. With one slash the URL is
            // malformed and `scheme:/secret@host` may be a scheme-less
            // `user:/secret@host`: hide all of it.
            None if slashes >= 2 => None,
            None => Some(first_colon),
        }
    } else {
        // No scheme: `user:password@host` or `//user:password@host`, the
        // user a plain name (or none, right after a quote or the start).
        let user_start = run_start(&head[..first_colon], is_user_char);
        let before_user = head[..user_start].chars().next_back();
        let plausible = user_start < first_colon || before_user.is_none_or(|c| matches!(c, '"' | '\'' | '`' | '/'));
        plausible.then_some(first_colon)
    };
    if let Some(colon) = password_colon {
        if colon + 1 < last_at {
            edits.push(Edit {
                range: at + colon + 1..at + last_at,
                with: MASK.to_owned(),
            });
        }
    }
}

/// Where the run of characters matching `pred` that ends `s` starts.
fn run_start(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|&(_, c)| !pred(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'%' | b'-' | b'.')
}

/// Values of password-like keys in `text`: a quoted value's content is
/// masked (the quotes stay; `********` in `code`, else `***`), a bare value
/// becomes `***`; a call or subscript (`env("PW", default="x")`) has its
/// string literals on that line masked. In `code`, a bare name
/// (`password=raw_password`) is a variable, not a password, and stays,
/// unless the key is a URL query parameter (`?password=x` in a literal).
fn key_value_edits(text: &str, code: bool, edits: &mut Vec<Edit>) {
    let quoted_mask = if code { SNIPPET_MASK } else { MASK };
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !is_key_byte(b[i]) || (i > 0 && is_key_byte(b[i - 1])) {
            i += 1;
            continue;
        }
        let key_start = i;
        let mut j = i;
        while j < b.len() && is_key_byte(b[j]) {
            j += 1;
        }
        let next = j;
        if !is_secret_key(&text[key_start..j]) {
            i = next;
            continue;
        }
        // `"PASSWORD": …`: the quote closing the key.
        if key_start > 0 && matches!(b[key_start - 1], b'"' | b'\'') && b.get(j) == Some(&b[key_start - 1]) {
            j += 1;
        }
        let skip_blanks = |mut k: usize| {
            while k < b.len() && matches!(b[k], b' ' | b'\t') {
                k += 1;
            }
            k
        };
        j = skip_blanks(j);
        let separator = match (b.get(j), b.get(j + 1)) {
            (Some(b'='), Some(b'=')) => None, // a comparison
            (Some(b':'), Some(b'=')) => Some(2),
            (Some(b':'), Some(b':')) => None,
            (Some(b'=' | b':'), _) => Some(1),
            _ => None,
        };
        let Some(len) = separator else {
            i = next;
            continue;
        };
        let mut is_colon = b[j] == b':';
        let mut value_start = skip_blanks(j + len);
        // `password: str = "…"`: the annotation is no value.
        if is_colon && len == 1 {
            let annotation = b[value_start..]
                .iter()
                .take_while(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'[' | b']' | b',' | b' ' | b'|')
                })
                .count();
            let eq = value_start + annotation;
            if annotation > 0 && b.get(eq) == Some(&b'=') && b.get(eq + 1) != Some(&b'=') {
                is_colon = false;
                value_start = skip_blanks(eq + 1);
            }
        }
        let in_query = key_start > 0 && matches!(b[key_start - 1], b'?' | b'&' | b';');
        let value = Value {
            start: value_start,
            after_colon: is_colon,
            keep_names: code && !in_query,
        };
        let end = mask_value(text, value, quoted_mask, edits);
        i = end.max(next);
    }
}

/// Masks the value starting at `start`; returns where it ends.
struct Value {
    start: usize,
    /// Written `key: value` (not `key=value`).
    after_colon: bool,
    /// A bare name is a variable (source code), not a password.
    keep_names: bool,
}

fn mask_value(text: &str, value: Value, quoted_mask: &str, edits: &mut Vec<Edit>) -> usize {
    let Value {
        start,
        after_colon,
        keep_names,
    } = value;
    let b = text.as_bytes();
    let line_end = text[start..].find(['\n', '\r']).map_or(text.len(), |i| start + i);
    // A string literal, with a Python prefix (`r"…"`, `b'…'`).
    let prefix = b[start..line_end]
        .iter()
        .take_while(|c| matches!(c, b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F'))
        .count();
    if prefix <= 2 && matches!(b.get(start + prefix), Some(b'"' | b'\'')) {
        return match string_literal(text, start + prefix, line_end) {
            Some(content) => {
                if !content.is_empty() {
                    edits.push(Edit {
                        range: content.clone(),
                        with: quoted_mask.to_owned(),
                    });
                }
                content.end + 1
            }
            None => {
                edits.push(Edit {
                    range: start + prefix + 1..line_end,
                    with: quoted_mask.to_owned(),
                });
                line_end
            }
        };
    }
    // An expression (`env("PW", default="…")`, `os.environ["PW"]`): its
    // string literals, to the end of the line.
    let name_len = b[start..line_end]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
        .count();
    if name_len > 0 && matches!(b.get(start + name_len), Some(b'(' | b'[')) {
        let mut k = start + name_len;
        while k < line_end {
            if matches!(b[k], b'"' | b'\'') {
                match string_literal(text, k, line_end) {
                    Some(content) => {
                        if !content.is_empty() {
                            edits.push(Edit {
                                range: content.clone(),
                                with: quoted_mask.to_owned(),
                            });
                        }
                        k = content.end + 1;
                    }
                    None => {
                        edits.push(Edit {
                            range: k + 1..line_end,
                            with: quoted_mask.to_owned(),
                        });
                        break;
                    }
                }
            } else {
                k += 1;
            }
        }
        return line_end;
    }
    // A bare value: to the next delimiter.
    let len = text[start..line_end]
        .find(|c: char| c.is_whitespace() || "&;,\"'`)]}>".contains(c))
        .unwrap_or(line_end - start);
    let value = &text[start..start + len];
    // MySQL's "(using password: YES)" says whether one was sent, not which.
    let says_whether = after_colon && (value == "YES" || value == "NO");
    let is_name = value.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && value.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    let kept = value.is_empty() || says_whether || (keep_names && is_name);
    if !kept {
        edits.push(Edit {
            range: start..start + len,
            with: MASK.to_owned(),
        });
    }
    start + len
}

/// The content range of the string literal whose opening quote (or the
/// first of three) is at `open`, ending before `limit`; `None` if it is not
/// closed there.
fn string_literal(text: &str, open: usize, limit: usize) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let q = b[open];
    let triple = b.get(open..open + 3) == Some(&[q, q, q][..]);
    let content_start = if triple { open + 3 } else { open + 1 };
    let mut k = content_start;
    while k < limit {
        if b[k] == b'\\' {
            k += 2;
            continue;
        }
        if b[k] == q && (!triple || b.get(k..k + 3) == Some(&[q, q, q][..])) {
            return Some(content_start..k);
        }
        k += 1;
    }
    None
}

/// Sorted, overlapping edits joined (the union is hidden by the first's
/// replacement).
fn merge(mut edits: Vec<Edit>) -> Vec<Edit> {
    edits.sort_by_key(|e| (e.range.start, std::cmp::Reverse(e.range.end)));
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        match out.last_mut() {
            Some(last) if e.range.start < last.range.end => {
                last.range.end = last.range.end.max(e.range.end);
            }
            _ => out.push(e),
        }
    }
    out
}

fn splice(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.with);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    out
}

fn apply(text: &str, edits: Vec<Edit>) -> String {
    if edits.is_empty() {
        return text.to_owned();
    }
    splice(text, &merge(edits))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with each occurrence of `secret` that is a whole token (not
/// glued to letters or digits on a side where the secret itself starts or
/// ends with one) replaced by `***`.
fn replace_whole(text: &str, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        return text.to_owned();
    }
    let first_is_word = secret.chars().next().is_some_and(is_word_char);
    let last_is_word = secret.chars().next_back().is_some_and(is_word_char);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find(secret) {
        let start = search + found;
        let end = start + secret.len();
        let before_ok = !first_is_word || !text[..start].chars().next_back().is_some_and(is_word_char);
        let after_ok = !last_is_word || !text[end..].chars().next().is_some_and(is_word_char);
        if before_ok && after_ok {
            out.push_str(&text[at..start]);
            out.push_str(MASK);
            at = end;
            search = end;
        } else {
            search = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_every_shape_lose_their_password() {
        let cases = [
            ("postgres://u:hunter22@h:5432/db", "postgres://u:***@h:5432/db"),
            ("postgres:/u:hunter22@host/db", "postgres:/u:***@host/db"),
            ("u:hunter22@host/db", "u:***@host/db"),
            ("//u:hunter22@host/db", "//u:***@host/db"),
            (":hunter22@host/db", ":***@host/db"),
            ("postgress://u:hunter22@h/db", "postgress://u:***@h/db"),
            ("postgres://h/db?pass%77ord=hunter22", "postgres://h/db?pass%77ord=***"),
            (
                "postgres://h/db?sslmode=require&PASSWORD=hunter22",
                "postgres://h/db?sslmode=require&PASSWORD=***",
            ),
            ("postgres://u:p@ss/evil.invalid@h/db", "postgres://u:***@h/db"),
            ("mysql://u:p@ss@h/db", "mysql://u:***@h/db"),
            (
                "postgres://u:p?a#s@h:5432/db?sslmode=require",
                "postgres://u:***@h:5432/db?sslmode=require",
            ),
            ("postgres://:hunter22@h/db", "postgres://:***@h/db"),
            ("postgres:/alice@h/db", "postgres:***@h/db"),
            ("postgres://u:pw with space@h/db", "postgres://u:***@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("sqlite:///x.db", "sqlite:///x.db"),
            ("postgres://h/db?user=a@b", "postgres://h/db?user=a@b"),
        ];
        for (url, want) in cases {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn an_unusable_url_is_shown_only_with_the_shape_of_a_url() {
        assert_eq!(redact_unusable_url("hunter22"), "***");
        assert_eq!(redact_unusable_url("hunter:22"), "***");
        assert_eq!(redact_unusable_url("u:hunter22@h/db"), "***");
        assert_eq!(redact_unusable_url("postgres:/u:hunter22@h/db"), "postgres:/u:***@h/db");
        assert_eq!(redact_unusable_url("oracle://u:hunter22@h/db"), "oracle://u:***@h/db");
    }

    #[test]
    fn free_text_hides_credentials_and_keeps_the_rest() {
        assert_eq!(
            redact_text("The database `postgres:/u:hunter22@host/db` could not be read"),
            "The database `postgres:/u:***@host/db` could not be read"
        );
        assert_eq!(
            redact_text("unknown rule code \"u:hunter22@h/db\" in \"select\""),
            "unknown rule code \"u:***@h/db\" in \"select\""
        );
        assert_eq!(
            redact_text("conninfo host=h password=hunter22 dbname=x"),
            "conninfo host=h password=*** dbname=x"
        );
        assert_eq!(
            redact_text("url=postgres://u:hunter22@h/db"),
            "url=postgres://u:***@h/db"
        );
        // Nothing credential-like: unchanged.
        for plain in [
            "Access denied for user 'root'@'172.17.0.1' (using password: YES)",
            "password authentication failed for user \"shop\"",
            "mail alice@example.com at 10:30",
            "connecting to 127.0.0.1:5432: connection refused",
            "@decorator(x=\"a:b\")",
        ] {
            assert_eq!(redact_text(plain), plain);
        }
    }

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "PASSWORD",
            "pass",
            "pwd",
            "passwd",
            "pass%77ord",
            "pass%2577ord",
            "DB_PASSWORD",
            "sslpassword",
            "database.password",
            "--password",
            "db-pass",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "user",
            "passage",
            "compass",
            "password_validators",
            "bypass_cache",
            "pwd_dir",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn known_secrets_are_replaced_as_whole_tokens_only() {
        let msg = "password authentication failed: got 'hunter22' (hunter22x is not it)";
        assert_eq!(
            redact_message(msg, &["hunter22"]),
            "password authentication failed: got '***' (hunter22x is not it)"
        );
        // A one-letter password is not replaced inside words, nor at all.
        let msg = "failed to lookup address information: p";
        assert_eq!(redact_message(msg, &["p"]), msg);
        // A password with non-word edges is found wherever it is.
        assert_eq!(redact_message("x p@ss/w0rd! y", &["p@ss/w0rd!"]), "x *** y");
    }

    #[test]
    fn settings_snippets_mask_password_values() {
        let text = "    'NAME': 'shop',\n    \"PASSWORD\": \"s3cret!\",\n    'HOST': 'db',";
        let (out, _) = mask_snippet(text, 0..0);
        assert_eq!(
            out,
            "    'NAME': 'shop',\n    \"PASSWORD\": \"********\",\n    'HOST': 'db',"
        );
        for (line, want) in [
            (
                "DATABASES = dict(PASSWORD='s3cret')",
                "DATABASES = dict(PASSWORD='********')",
            ),
            ("password = \"s3cret\"", "password = \"********\""),
            ("DB_PASSWORD = r'''s3cret'''", "DB_PASSWORD = r'''********'''"),
            (
                "'PASSWORD': env('DB_PW', default='s3cret'),",
                "'PASSWORD': env('********', default='********'),",
            ),
            (
                "'PASSWORD': os.environ.get(\"DB_PW\", \"s3cret\"),",
                "'PASSWORD': os.environ.get(\"********\", \"********\"),",
            ),
            ("URL = \"postgres://u:s3cret@h/db\"", "URL = \"postgres://u:***@h/db\""),
            (
                "config(default='postgres://u:s3 cret@h/db')",
                "config(default='postgres://u:***@h/db')",
            ),
            ("'PASSWORD': '',", "'PASSWORD': '',"),
            ("if password == other:", "if password == other:"),
            (
                "user = await aauthenticate(request, username=u, password=raw_password)",
                "user = await aauthenticate(request, username=u, password=raw_password)",
            ),
            ("'PASSWORD': DB_PASS,", "'PASSWORD': DB_PASS,"),
            ("PASSWORD = 1234", "PASSWORD = ***"),
            (
                "URL = 'postgres://h/db?password=secret'",
                "URL = 'postgres://h/db?password=***'",
            ),
            ("    password: str = \"s3cret\"", "    password: str = \"********\""),
            ("x = f\"{a}:{b}@{c}\"", "x = f\"{a}:{b}@{c}\""),
        ] {
            assert_eq!(mask_snippet(line, 0..0).0, want, "{line}");
        }
    }

    #[test]
    fn no_input_makes_it_panic() {
        // Random text over the characters that matter, with multi-byte ones
        // next to every delimiter.
        let alphabet: Vec<char> = "pasword=:@/?&;#%\"'`() \n\\éa€1u_.-[{".chars().collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = redact_text(&text);
            let _ = redact_url(&text);
            let _ = redact_unusable_url(&text);
            let _ = redact_message(&text, &["é€a1", "p@ss"]);
            let cut = |o: usize| {
                (0..=o.min(text.len()))
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0)
            };
            let a = cut((next() % (text.len() as u64 + 1)) as usize);
            let b = cut((next() % (text.len() as u64 + 1)) as usize);
            let (out, span) = mask_snippet(&text, a.min(b)..a.max(b));
            assert!(
                out.is_char_boundary(span.start) && out.is_char_boundary(span.end),
                "{text:?}"
            );
            assert!(span.start <= span.end && span.end <= out.len());
        }
    }

    #[test]
    fn the_snippet_span_follows_the_masking() {
        let text = "a = 1\n'PASSWORD': 'longer-than-the-mask-123',\nDATABASES_ROW = 2";
        let at = text.find("DATABASES_ROW").unwrap();
        let (out, span) = mask_snippet(text, at..at + "DATABASES_ROW".len());
        assert_eq!(&out[span], "DATABASES_ROW");
        // A span starting inside a masked value starts at the mask.
        let inside = text.find("than").unwrap();
        let (out, span) = mask_snippet(text, inside..text.len());
        assert!(out[span.clone()].starts_with("********'"), "{:?}", &out[span]);
        let (out, span) = mask_snippet(text, 0..5);
        assert_eq!(&out[span], "a = 1");
    }
}
