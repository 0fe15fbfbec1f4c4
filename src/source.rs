//! Source text: decoding bytes into text and mapping byte offsets to rows and columns.
//!
//! Valid input is UTF-8 with or without a BOM and with LF, CRLF or CR-only line
//! endings (SPEC §4, RDJ000). Anything else is an [`DecodeError`], which the
//! checker turns into one RDJ000 finding instead of failing.

use std::fmt;

/// Why a file's bytes are not Python source we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Utf16 { big_endian: bool },
    InvalidUtf8 { offset: usize },
    NulByte { offset: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Utf16 { big_endian } => write!(
                f,
                "file is UTF-16 ({}); Python source must be UTF-8",
                if *big_endian { "big-endian" } else { "little-endian" }
            ),
            DecodeError::InvalidUtf8 { offset } => {
                write!(f, "invalid UTF-8 at byte {offset}")
            }
            DecodeError::NulByte { offset } => write!(f, "NUL byte at byte {offset}; not a text file"),
        }
    }
}

/// Decodes a file's bytes. A UTF-8 BOM is removed (offsets then count from
/// after it, which is what editors show as column 1).
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(DecodeError::Utf16 { big_endian: false });
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DecodeError::Utf16 { big_endian: true });
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Some(offset) = memchr::memchr(0, body) {
        // UTF-16 without BOM: every other byte is NUL for ASCII text.
        let looks_utf16 = body.len() >= 4
            && body
                .chunks(2)
                .take(64)
                .all(|c| c.len() == 2 && (c[0] == 0) != (c[1] == 0));
        if looks_utf16 {
            return Err(DecodeError::Utf16 {
                big_endian: body[0] == 0,
            });
        }
        return Err(DecodeError::NulByte { offset });
    }
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(DecodeError::InvalidUtf8 {
            offset: e.valid_up_to(),
        }),
    }
}

/// Like [`decode`], reusing the buffer (no copy for valid UTF-8).
pub fn decode_owned(mut bytes: Vec<u8>) -> Result<String, DecodeError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || memchr::memchr(0, &bytes).is_some() {
        return decode(&bytes);
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| DecodeError::InvalidUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// 1-based row and column; the column counts Unicode scalar values (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Position {
    pub row: usize,
    pub column: usize,
}

/// Line starts of a text, for LF, CRLF and lone CR line endings alike.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(off) = memchr::memchr2(b'\n', b'\r', &bytes[i..]) {
            let at = i + off;
            let next = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            starts.push(next);
            i = next;
            if i >= bytes.len() {
                break;
            }
        }
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)]
    }

    /// The byte range of a 0-based line, without its line ending.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.line_start(line);
        let mut end = if line + 1 < self.starts.len() {
            self.starts[line + 1]
        } else {
            text.len()
        };
        let b = text.as_bytes();
        while end > start && (b[end - 1] == b'\n' || b[end - 1] == b'\r') {
            end -= 1;
        }
        start..end
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        Position {
            row: line + 1,
            column: column + 1,
        }
    }

    /// Byte offset of a 1-based position; clamps to the line's end.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let line = pos.row.saturating_sub(1).min(self.starts.len() - 1);
        let range = self.line_range(text, line);
        let line_text = &text[range.clone()];
        let col = pos.column.saturating_sub(1);
        range.start + line_text.char_indices().nth(col).map_or(line_text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bom_and_rejects_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1\n").unwrap(), "x = 1\n");
        assert_eq!(
            decode(b"\xFF\xFEx\0").unwrap_err(),
            DecodeError::Utf16 { big_endian: false }
        );
        assert_eq!(
            decode(&[b'x', 0, b' ', 0, b'=', 0, b' ', 0, b'1', 0]).unwrap_err(),
            DecodeError::Utf16 { big_endian: false }
        );
        assert!(matches!(
            decode(b"x = '\xFF'"),
            Err(DecodeError::InvalidUtf8 { offset: 5 })
        ));
    }

    #[test]
    fn line_endings_of_every_kind() {
        let text = "a\r\nb\rc\nd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(
            idx.position(text, text.find('c').unwrap()),
            Position { row: 3, column: 1 }
        );
        assert_eq!(
            idx.position(text, text.find('d').unwrap()),
            Position { row: 4, column: 1 }
        );
        assert_eq!(&text[idx.line_range(text, 0)], "a");
        assert_eq!(&text[idx.line_range(text, 1)], "b");
    }

    #[test]
    fn columns_count_characters() {
        let text = "é = ü.get()\n";
        let idx = LineIndex::new(text);
        let off = text.find("get").unwrap();
        assert_eq!(idx.position(text, off), Position { row: 1, column: 7 });
        assert_eq!(idx.offset(text, Position { row: 1, column: 7 }), off);
    }
}
