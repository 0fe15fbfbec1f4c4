//! LSP positions ↔ byte offsets, in the negotiated encoding (UTF-16 unless
//! the client offers UTF-8). Lines end at LF, CRLF or a lone CR, as in LSP.

use tower_lsp_server::ls_types::{Position, Range};

use crate::source::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

pub fn position(text: &str, lines: &LineIndex, offset: usize, enc: Encoding) -> Position {
    let offset = offset.min(text.len());
    let line = lines.line_of(offset);
    let start = lines.line_start(line);
    let prefix = text.get(start..offset).unwrap_or("");
    let character = match enc {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.encode_utf16().count(),
    };
    Position::new(line as u32, character as u32)
}

pub fn range(text: &str, lines: &LineIndex, r: &std::ops::Range<usize>, enc: Encoding) -> Range {
    Range::new(position(text, lines, r.start, enc), position(text, lines, r.end, enc))
}

/// The byte offset of a position; past the end of a line or of the text it
/// clamps (LSP says so), inside a surrogate pair it rounds down.
pub fn offset(text: &str, lines: &LineIndex, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= lines.line_count() {
        return text.len();
    }
    let range = lines.line_range(text, line);
    range.start + column(text[range].chars(), pos.character, enc).1
}

/// The char index of a position in a rope (ropey's lines end at LF, CRLF or
/// CR, as LSP's do), clamping as [`offset`] does.
pub fn rope_char(rope: &ropey::Rope, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    rope.line_to_char(line) + column(rope.line(line).chars(), pos.character, enc).0
}

/// Where `character` (in `enc` code units) falls in a line's characters: how
/// many chars precede it, and their length in bytes. It stops at the line's
/// end (a line ending or the last char) and rounds down inside a character.
fn column(line: impl Iterator<Item = char>, character: u32, enc: Encoding) -> (usize, usize) {
    let character = character as usize;
    let (mut chars, mut bytes, mut units) = (0, 0, 0);
    for ch in line {
        if ch == '\n' || ch == '\r' {
            break;
        }
        units += match enc {
            Encoding::Utf8 => ch.len_utf8(),
            Encoding::Utf16 => ch.len_utf16(),
        };
        if units > character {
            break;
        }
        chars += 1;
        bytes += ch.len_utf8();
    }
    (chars, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns() {
        let text = "a = '😀'; x.get()\r\nb\rc";
        let lines = LineIndex::new(text);
        let at = text.find("get").unwrap();
        assert_eq!(position(text, &lines, at, Encoding::Utf16), Position::new(0, 12));
        assert_eq!(position(text, &lines, at, Encoding::Utf8), Position::new(0, 14));
        assert_eq!(offset(text, &lines, Position::new(0, 12), Encoding::Utf16), at);
        assert_eq!(offset(text, &lines, Position::new(0, 14), Encoding::Utf8), at);
        assert_eq!(
            offset(text, &lines, Position::new(2, 0), Encoding::Utf16),
            text.len() - 1
        );
        assert_eq!(offset(text, &lines, Position::new(9, 9), Encoding::Utf16), text.len());
        assert_eq!(
            offset(text, &lines, Position::new(0, 999), Encoding::Utf16),
            text.find('\r').unwrap()
        );
        // The rope agrees with the text, line endings and clamping included.
        let rope = ropey::Rope::from_str(text);
        for (line, character) in [
            (0, 0),
            (0, 5),
            (0, 6),
            (0, 12),
            (0, 999),
            (1, 0),
            (1, 9),
            (2, 1),
            (9, 9),
        ] {
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                let pos = Position::new(line, character);
                assert_eq!(
                    rope.char_to_byte(rope_char(&rope, pos, enc)),
                    offset(text, &lines, pos, enc),
                    "{pos:?} {enc:?}"
                );
            }
        }
    }
}
