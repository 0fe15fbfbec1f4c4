//! The values of Python string literals, decoded as Python decodes them:
//! prefixes (`r`, `u`, `f`, any case), triple quotes, implicit
//! concatenation, escapes and f-string braces. The one decoder of the
//! project: the checker, the settings evaluator and the schema readers all
//! read literals here.
//!
//! Pure text work over tree-sitter nodes; it never guesses: a literal whose
//! value is not a plain `str` (bytes, t-strings), uses an escape not
//! decoded here (`\N{…}`) or is not valid Python has no value (`None`).

use tree_sitter::Node;

use crate::syntax::{named_children, text, unparen};

/// The value of a string literal (`"a"`, `r'\d'`, `"a" "b"`, an f-string
/// without replacement fields), parentheses stripped; `None` for anything
/// else, for bytes, and for an f-string with a replacement field.
pub fn string_value(node: Node<'_>, src: &str) -> Option<String> {
    string_value_with(node, src, &mut |_| None)
}

/// [`string_value`], with f-strings' replacement fields (`interpolation`
/// nodes) rendered by `interpolation`: its `None` makes the whole literal
/// unknown.
pub fn string_value_with(
    node: Node<'_>,
    src: &str,
    interpolation: &mut dyn FnMut(Node<'_>) -> Option<String>,
) -> Option<String> {
    let mut out = String::new();
    push_literal(unparen(node), src, interpolation, &mut out)?;
    Some(out)
}

fn push_literal(
    node: Node<'_>,
    src: &str,
    interpolation: &mut dyn FnMut(Node<'_>) -> Option<String>,
    out: &mut String,
) -> Option<()> {
    match node.kind() {
        "concatenated_string" => {
            for part in named_children(node) {
                match part.kind() {
                    "comment" => {}
                    "string" => push_literal(part, src, interpolation, out)?,
                    _ => return None,
                }
            }
            Some(())
        }
        "string" => {
            let mut kind = None;
            for child in named_children(node) {
                match child.kind() {
                    "string_start" => kind = Some(Prefix::of(text(child, src))?),
                    "string_content" | "escape_sequence" => push_content(text(child, src), kind?, out)?,
                    "interpolation" if kind?.formatted => out.push_str(&interpolation(child)?),
                    "string_end" => {}
                    _ => return None,
                }
            }
            kind.map(|_| ())
        }
        _ => None,
    }
}

/// What a literal's prefix says about its content.
#[derive(Clone, Copy)]
struct Prefix {
    raw: bool,
    formatted: bool,
}

impl Prefix {
    /// From the literal's opening (`rb'`, `F"""`); `None` for literals whose
    /// value is no `str` (bytes, Python 3.14's template strings) or a
    /// prefix Python does not know.
    fn of(start: &str) -> Option<Prefix> {
        let letters = start.trim_end_matches(['"', '\'']).to_ascii_lowercase();
        if !letters.chars().all(|c| matches!(c, 'r' | 'u' | 'f')) {
            return None;
        }
        Some(Prefix {
            raw: letters.contains('r'),
            formatted: letters.contains('f'),
        })
    }
}

/// Appends a piece of a literal's content (between replacement fields).
fn push_content(piece: &str, prefix: Prefix, out: &mut String) -> Option<()> {
    let decoded = piece.contains(['\\', '\r']) || (prefix.formatted && piece.contains(['{', '}']));
    if !decoded {
        out.push_str(piece);
        return Some(());
    }
    let mut chars = piece.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Python reads source lines with universal newlines.
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '{' | '}' if prefix.formatted => {
                // `{{` and `}}`; a lone brace would be a replacement field.
                chars.next_if_eq(&c)?;
                out.push(c);
            }
            // (In a raw literal a backslash is kept, and so is what follows.)
            '\\' if !prefix.raw => push_escape(&mut chars, out)?,
            other => out.push(other),
        }
    }
    Some(())
}

/// Decodes the escape after a backslash; `None` where Python raises a
/// `SyntaxError` or for `\N{…}` (not decoded here).
fn push_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) -> Option<()> {
    let c = chars.next()?;
    let simple = match c {
        '\n' => return Some(()),
        '\r' => {
            chars.next_if_eq(&'\n');
            return Some(());
        }
        '\\' => '\\',
        '\'' => '\'',
        '"' => '"',
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        '0'..='7' => {
            let mut value = c.to_digit(8)?;
            for _ in 0..2 {
                match chars.next_if(|d| d.is_digit(8)) {
                    Some(d) => value = value * 8 + d.to_digit(8)?,
                    None => break,
                }
            }
            char::from_u32(value)?
        }
        'x' => hex_char(chars, 2)?,
        'u' => hex_char(chars, 4)?,
        'U' => hex_char(chars, 8)?,
        'N' => return None,
        other => {
            // Python keeps an unknown escape as written.
            out.push('\\');
            other
        }
    };
    out.push(simple);
    Some(())
}

/// Exactly `digits` hexadecimal digits, as a character (`None` for fewer
/// digits, a surrogate or a value past Unicode).
fn hex_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, digits: usize) -> Option<char> {
    let mut value: u32 = 0;
    for _ in 0..digits {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    char::from_u32(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the expression `expr`, with replacement fields rendered
    /// as `<name>`.
    fn decoded(expr: &str) -> Option<String> {
        let src = format!("x = {expr}\n");
        let tree = crate::syntax::parse(&src).unwrap();
        let assign = tree.root_node().named_child(0).unwrap().named_child(0).unwrap();
        let value = crate::syntax::field(assign, "right").unwrap();
        string_value_with(value, &src, &mut |field| {
            let name = field.named_child(0)?;
            (field.named_child_count() == 1).then(|| format!("<{}>", text(name, &src)))
        })
    }

    fn plain(expr: &str) -> Option<String> {
        let src = format!("x = {expr}\n");
        let tree = crate::syntax::parse(&src).unwrap();
        let assign = tree.root_node().named_child(0).unwrap().named_child(0).unwrap();
        string_value(crate::syntax::field(assign, "right").unwrap(), &src)
    }

    fn is(expr: &str, value: &str) {
        assert_eq!(decoded(expr).as_deref(), Some(value), "{expr}");
    }

    fn unknown(expr: &str) {
        assert_eq!(decoded(expr), None, "{expr}");
    }

    #[test]
    fn quotes_and_prefixes() {
        is("'a'", "a");
        is("\"a\"", "a");
        is("'''a\n'b'\n'''", "a\n'b'\n");
        is("\"\"\"a\"\"\"", "a");
        is("''", "");
        is("u'é'", "é");
        is("U'a'", "a");
        is("(('a'))", "a");
        unknown("b'a'");
        unknown("Rb'a'");
        unknown("bR'a'");
        unknown("t'a'");
        unknown("x");
        unknown("1");
    }

    #[test]
    fn simple_escapes() {
        is(r"'a\nb'", "a\nb");
        is(r"'\t\r\\'", "\t\r\\");
        is(r#"'\'\"'"#, "'\"");
        is(r#""\'\"""#, "'\"");
        is(r"'\a\b\f\v'", "\x07\x08\x0c\x0b");
        // Unknown escapes stay as written (Python warns but keeps them).
        is(r"'\d+\.'", r"\d+\.");
        // A backslash at a line's end continues the line.
        is("'a\\\nb'", "ab");
        is("'''a\\\r\nb'''", "ab");
    }

    #[test]
    fn numeric_escapes() {
        is(r"'\x41\x7e'", "A~");
        is(r"'\u00e9\U0001F600'", "é😀");
        is(r"'\0'", "\0");
        is(r"'\012'", "\n");
        is(r"'\101\1012'", "AA2");
        is(r"'\7'", "\x07");
        is(r"'\08'", "\x008");
        is(r"'\400'", "\u{100}");
        // Too few digits: a SyntaxError in Python.
        unknown(r"'\x4'");
        unknown(r"'\u00e'");
        unknown(r"'\U0001F60'");
        // Not a character.
        unknown(r"'\ud800'");
        unknown(r"'\U00110000'");
        // Named characters are not decoded here.
        unknown(r"'\N{EM DASH}'");
    }

    #[test]
    fn raw_strings_keep_backslashes() {
        is(r"r'a\d\n'", r"a\d\n");
        is(r"R'\x41'", r"\x41");
        is(r"r'a\'b'", r"a\'b");
        is("r'a\\\nb'", "a\\\nb");
    }

    #[test]
    fn newlines_are_read_as_python_reads_them() {
        is("'''a\r\nb\rc'''", "a\nb\nc");
        is("r'''a\\\r\nb'''", "a\\\nb");
    }

    #[test]
    fn f_strings() {
        is("f'a'", "a");
        is("f'{{a}}'", "{a}");
        is("F'x{y}z'", "x<y>z");
        is(r"f'\t{y}\n'", "\t<y>\n");
        is(r"rf'\d{y}'", r"\d<y>");
        is(r"fr'{{\d}}'", r"{\d}");
        is(r"rf'\{{y}}'", r"\{y}");
        // A field the renderer cannot render: unknown.
        unknown("f'{y:>3}'");
        unknown("f'{y!r}'");
        // `string_value` renders none.
        assert_eq!(plain("f'{y}'"), None);
        assert_eq!(plain("f'y'").as_deref(), Some("y"));
    }

    #[test]
    fn implicit_concatenation() {
        is("'a' \"b\"", "ab");
        is("('a'  # one\n 'b')", "ab");
        is("'a' r'\\d' f'{c}'", "a\\d<c>");
        unknown("'a' b'b'");
        unknown(r"'a' '\N{DASH}'");
    }
}
