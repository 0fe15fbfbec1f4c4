//! LSP positions ↔ byte offsets, in the negotiated encoding (UTF-16 unless
//! the client offers UTF-8). Lines end at LF, CRLF or a lone CR, as in LSP.

use tower_lsp_server::ls_types::{Position, Range};

use crate::source::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// A document's analysed text and how the client counts positions in it.
/// The checker reads text without its byte order mark (`source::decode`
/// drops it), while a client that sent U+FEFF as the first character counts
/// it on line 0: there, columns are shifted by its width.
pub struct Coordinates<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    enc: Encoding,
    /// The client's text starts with a U+FEFF the analysed text lacks.
    bom: bool,
}

impl<'a> Coordinates<'a> {
    pub fn new(text: &'a str, lines: &'a LineIndex, enc: Encoding, bom: bool) -> Self {
        Coordinates { text, lines, enc, bom }
    }

    /// The BOM's width on line 0 of the client's text, in `enc` units.
    fn bom_width(&self) -> u32 {
        match (self.bom, self.enc) {
            (false, _) => 0,
            (true, Encoding::Utf8) => '\u{feff}'.len_utf8() as u32,
            (true, Encoding::Utf16) => '\u{feff}'.len_utf16() as u32,
        }
    }

    /// The client's position of a byte offset of the analysed text.
    pub fn position(&self, offset: usize) -> Position {
        let mut pos = position(self.text, self.lines, offset, self.enc);
        if pos.line == 0 {
            pos.character = pos.character.saturating_add(self.bom_width());
        }
        pos
    }

    pub fn range(&self, r: &std::ops::Range<usize>) -> Range {
        Range::new(self.position(r.start), self.position(r.end))
    }

    /// The byte offset in the analysed text of a client's position (one on
    /// the BOM itself is the text's start).
    pub fn offset(&self, mut pos: Position) -> usize {
        if pos.line == 0 {
            pos.character = pos.character.saturating_sub(self.bom_width());
        }
        offset(self.text, self.lines, pos, self.enc)
    }
}

/// The position of a byte offset; past the end it is the end's, inside a
/// character that character's.
fn position(text: &str, lines: &LineIndex, offset: usize, enc: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = lines.line_of(offset);
    let start = lines.line_start(line);
    let prefix = text.get(start..offset).unwrap_or("");
    let character = match enc {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.encode_utf16().count(),
    };
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Position::new(clamp(line), clamp(character))
}

/// The byte offset of a position; past the end of a line or of the text it
/// clamps (LSP says so), inside a surrogate pair (or, in UTF-8, inside a
/// character) it rounds down.
fn offset(text: &str, lines: &LineIndex, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= lines.line_count() {
        return text.len();
    }
    let range = lines.line_range(text, line);
    let start = range.start;
    start + column(text.get(range).unwrap_or("").chars(), pos.character, enc).1
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

    /// No byte offset and no position panics, whatever the text; positions
    /// round-trip for every character boundary outside line endings.
    #[test]
    fn any_offset_and_any_position_is_safe() {
        for text in [
            "",
            "x = 1  # noqa文",
            "a = 'é😀'\r\n\rb文\n",
            "\u{feff}x\n😀",
            "\n\n",
            "😀",
        ] {
            let lines = LineIndex::new(text);
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                for bom in [false, true] {
                    let coordinates = Coordinates::new(text, &lines, enc, bom);
                    for at in 0..=text.len() + 2 {
                        let pos = coordinates.position(at);
                        let back = coordinates.offset(pos);
                        assert!(text.is_char_boundary(back), "{text:?} {at} {enc:?}");
                        let line = lines.line_range(text, lines.line_of(at.min(text.len())));
                        if text.is_char_boundary(at) && at <= line.end {
                            assert_eq!(back, at, "{text:?} {at} {enc:?} {bom}");
                        }
                    }
                    let count = lines.line_count() as u32;
                    for line in (0..count + 2).chain([u32::MAX - 1, u32::MAX]) {
                        for character in (0..24).chain([u32::MAX - 1, u32::MAX]) {
                            let at = coordinates.offset(Position::new(line, character));
                            assert!(
                                at <= text.len() && text.is_char_boundary(at),
                                "{text:?} {line}:{character}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// Inside a character (UTF-8) or a surrogate pair (UTF-16), a position
    /// rounds down to the character's start.
    #[test]
    fn positions_inside_a_character_round_down() {
        let text = "a😀b";
        let lines = LineIndex::new(text);
        let utf16 = Coordinates::new(text, &lines, Encoding::Utf16, false);
        assert_eq!(utf16.offset(Position::new(0, 2)), 1);
        assert_eq!(utf16.offset(Position::new(0, 3)), 5);
        let utf8 = Coordinates::new(text, &lines, Encoding::Utf8, false);
        for character in 1..5 {
            assert_eq!(utf8.offset(Position::new(0, character)), 1);
        }
        // A byte offset inside the emoji is the emoji's position.
        assert_eq!(utf16.position(3), Position::new(0, 1));
    }

    /// The client's text starts with U+FEFF, the analysed one (decoded by
    /// `source::decode`) does not: line 0 is shifted by its width.
    #[test]
    fn a_byte_order_mark_counts_on_line_zero_only() {
        let client = "\u{feff}x = 1\ny = 2\n";
        let text = crate::source::decode(client.as_bytes()).unwrap();
        assert_eq!(text, "x = 1\ny = 2\n");
        let lines = LineIndex::new(&text);
        let one = text.find('1').unwrap();
        let two = text.find('2').unwrap();
        for (enc, width) in [(Encoding::Utf16, 1), (Encoding::Utf8, 3)] {
            let c = Coordinates::new(&text, &lines, enc, true);
            assert_eq!(c.position(one), Position::new(0, 4 + width), "{enc:?}");
            assert_eq!(c.position(two), Position::new(1, 4), "{enc:?}");
            assert_eq!(c.offset(Position::new(0, 4 + width)), one);
            assert_eq!(c.offset(Position::new(1, 4)), two);
            // On the mark itself: the text's start.
            assert_eq!(c.offset(Position::new(0, 0)), 0);
            assert_eq!(
                c.range(&(0..1)),
                Range::new(Position::new(0, width), Position::new(0, width + 1))
            );
        }
    }
}
