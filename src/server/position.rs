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
    let line_text = &text[range.clone()];
    let mut units = 0usize;
    for (i, ch) in line_text.char_indices() {
        if units >= pos.character as usize {
            return range.start + i;
        }
        units += match enc {
            Encoding::Utf8 => ch.len_utf8(),
            Encoding::Utf16 => ch.len_utf16(),
        };
        if units > pos.character as usize {
            return range.start + i; // inside a character: its start
        }
    }
    range.end
}

/// The char index of a position in a rope (ropey's lines end at LF, CRLF or
/// CR, as LSP's do): clamps past the end of a line or of the text.
pub fn rope_char(rope: &ropey::Rope, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let start = rope.line_to_char(line);
    let mut units = 0usize;
    for (i, ch) in rope.line(line).chars().enumerate() {
        if ch == '\n' || ch == '\r' || units >= pos.character as usize {
            return start + i;
        }
        units += match enc {
            Encoding::Utf8 => ch.len_utf8(),
            Encoding::Utf16 => ch.len_utf16(),
        };
        if units > pos.character as usize {
            return start + i; // inside a character: its start
        }
    }
    start + rope.line(line).len_chars()
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
    }
}
