//! LSP base-protocol framing around the server. The client's stream is
//! untrusted: tower-lsp-server stops reading for good after the first frame
//! its decoder rejects, and allocates a frame's announced length at once, so
//! it only ever sees frames checked here, re-framed. Everything else is
//! answered as JSON-RPC 2.0 says, and reading goes on:
//!
//! - header garbage (no, a negative, an overflowing or a non-numeric
//!   `Content-Length`, bytes that are not ASCII text, a header line too long)
//!   gets one -32700 Parse error; reading resumes at the next
//!   `Content-Length:` (anywhere, not only at a line start: a header follows
//!   the previous body without a line break);
//! - a body over the size limit gets a -32600 Invalid Request (its `id` is
//!   unknown: `null`) and is skipped unread, without being held in memory;
//! - a body that is not UTF-8 JSON gets -32700; JSON that is not a Request
//!   object (`{}`, no `"jsonrpc": "2.0"`, a `method` that is not a string, an
//!   `id` that is not a string, an integer or null) gets -32600 with its
//!   `id` if that is a valid one, else `null`;
//! - a batch: LSP has none, so none of it runs; as the JSON-RPC batch rules
//!   say, each request in it is answered (-32600 with its `id`, invalid
//!   elements with `null`), notifications and responses in it are not, and
//!   nothing is sent if nothing is to be answered; an empty batch `[]` gets
//!   one -32600;
//! - a response from the client that its decoder would reject is dropped
//!   (a response is never answered).
//!
//! A well-formed notification whose parameters are wrong goes through: the
//! server ignores it (and answers a well-formed request with -32602).

use std::io;

use memchr::memmem;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The longest header line kept: real ones are a few dozen bytes.
const MAX_HEADER_LINE: usize = 1024;
/// At most this many lines in one header block.
const MAX_HEADERS: usize = 16;
/// Where a frame starts, for resynchronising after garbage.
const CONTENT_LENGTH: &[u8] = b"Content-Length:";
/// Input is read in pieces of this size; a body grows as it arrives.
const CHUNK: usize = 64 * 1024;

/// One item of the client's stream.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A body within the size limit (not checked yet: see [`judge`]).
    Body(Vec<u8>),
    /// Bytes that are no header block, skipped up to the next
    /// `Content-Length:` (or the end of input); why they are garbage.
    Garbage(&'static str),
    /// A body announced with this length, over the limit: being skipped.
    TooLarge(u64),
}

/// Reads frames from a stream that may contain anything, holding no more
/// than a header line and a chunk besides the body being read.
pub struct FrameReader<R> {
    input: R,
    /// Bytes read; `buf[pos..]` are not consumed yet.
    buf: Vec<u8>,
    pos: usize,
    max_body: u64,
    /// What is left to skip of an oversized body.
    skip: u64,
    /// Garbage was found: skip to the next `Content-Length:`.
    resync: bool,
}

/// A header line: where it starts in the buffer and its bytes without
/// the line ending (LF or CRLF).
enum Line {
    Complete(usize, Vec<u8>),
    /// Longer than [`MAX_HEADER_LINE`]: left unconsumed.
    TooLong(usize),
    End,
}

enum Header {
    Length(u64),
    Malformed(&'static str),
    End,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(input: R, max_body: u64) -> Self {
        FrameReader {
            input,
            buf: Vec::new(),
            pos: 0,
            max_body,
            skip: 0,
            resync: false,
        }
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more input after what is pending; `false` at the end of input.
    async fn fill(&mut self) -> io::Result<bool> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.reserve(CHUNK);
        loop {
            match self.input.read_buf(&mut self.buf).await {
                Ok(n) => return Ok(n > 0),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The next frame; `None` at the end of input. Garbage and oversized
    /// bodies are reported before they are skipped (the skipping waits for
    /// more input: the client gets its answer first).
    pub async fn next(&mut self) -> io::Result<Option<Frame>> {
        if self.resync {
            self.skip_to_header().await?;
            self.resync = false;
        }
        while self.skip > 0 {
            if self.pending().is_empty() && !self.fill().await? {
                return Ok(None);
            }
            let n = self
                .pending()
                .len()
                .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
            self.pos += n;
            self.skip -= n as u64;
        }
        match self.header_block().await? {
            Header::End => Ok(None),
            Header::Length(length) if length > self.max_body => {
                self.skip = length;
                Ok(Some(Frame::TooLarge(length)))
            }
            Header::Length(length) => self.body(length).await,
            Header::Malformed(why) => {
                self.resync = true;
                Ok(Some(Frame::Garbage(why)))
            }
        }
    }

    /// Reads a header block up to its empty line. On a malformed line, the
    /// input is left just after that line's first byte, so that a
    /// `Content-Length:` later in it is found again.
    async fn header_block(&mut self) -> io::Result<Header> {
        let mut length: Option<u64> = None;
        let mut lines = 0;
        loop {
            let (start, line) = match self.line().await? {
                Line::Complete(start, line) => (start, line),
                Line::TooLong(start) => {
                    self.pos = start + 1;
                    return Ok(Header::Malformed("a header line is too long"));
                }
                Line::End => return Ok(Header::End),
            };
            if line.is_empty() {
                match length {
                    Some(length) => return Ok(Header::Length(length)),
                    None if lines == 0 => continue, // a stray line break between frames
                    None => return Ok(Header::Malformed("a header block without Content-Length")),
                }
            }
            lines += 1;
            let problem = match parse_header(&line) {
                _ if lines > MAX_HEADERS => Err("too many header lines"),
                Ok(Some(value)) if length.is_some_and(|l| l != value) => Err("two different Content-Length headers"),
                Ok(Some(value)) => {
                    length = Some(value);
                    Ok(())
                }
                Ok(None) => Ok(()),
                Err(why) => Err(why),
            };
            if let Err(why) = problem {
                self.pos = start + 1;
                return Ok(Header::Malformed(why));
            }
        }
    }

    /// The next line, consumed.
    async fn line(&mut self) -> io::Result<Line> {
        loop {
            // (Reading more moves what is pending: positions are taken after.)
            let (start, pending) = (self.pos, self.pending());
            if let Some(end) = memchr::memchr(b'\n', pending) {
                if end > MAX_HEADER_LINE {
                    return Ok(Line::TooLong(start));
                }
                let line = pending[..end].strip_suffix(b"\r").unwrap_or(&pending[..end]).to_vec();
                self.pos += end + 1;
                return Ok(Line::Complete(start, line));
            }
            if pending.len() > MAX_HEADER_LINE {
                return Ok(Line::TooLong(start));
            }
            if !self.fill().await? {
                return Ok(Line::End);
            }
        }
    }

    /// Skips input up to the next `Content-Length:` (or its end).
    async fn skip_to_header(&mut self) -> io::Result<()> {
        loop {
            let pending = self.pending();
            if let Some(at) = memmem::find(pending, CONTENT_LENGTH) {
                self.pos += at;
                return Ok(());
            }
            // Keep a tail that may be the start of a `Content-Length:` cut
            // by the end of what has arrived.
            self.pos += pending.len().saturating_sub(CONTENT_LENGTH.len() - 1);
            if !self.fill().await? {
                self.pos = self.buf.len();
                return Ok(());
            }
        }
    }

    /// A body of `length` bytes (at most the limit), read as it arrives.
    async fn body(&mut self, length: u64) -> io::Result<Option<Frame>> {
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        let mut body = Vec::new();
        while body.len() < length {
            if self.pending().is_empty() && !self.fill().await? {
                return Ok(None);
            }
            let take = self.pending().len().min(length - body.len());
            body.extend_from_slice(&self.pending()[..take]);
            self.pos += take;
        }
        Ok(Some(Frame::Body(body)))
    }
}

/// One header line: `Ok(Some(n))` for `Content-Length: n`, `Ok(None)` for
/// another header (such as `Content-Type`: bodies are UTF-8 JSON whatever it says).
fn parse_header(line: &[u8]) -> Result<Option<u64>, &'static str> {
    if !line.iter().all(|&b| b == b'\t' || (b' '..=b'~').contains(&b)) {
        return Err("a header is not ASCII text");
    }
    let Some(colon) = memchr::memchr(b':', line) else {
        return Err("a header line without a colon");
    };
    let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
    let is_token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    if name.is_empty() || !name.iter().all(is_token) {
        return Err("a header name that is not a token");
    }
    if !name.eq_ignore_ascii_case(b"content-length") {
        return Ok(None);
    }
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err("a Content-Length that is not a number");
    }
    // Digits only: the one possible failure is an overflow.
    let value = std::str::from_utf8(value).unwrap_or_default();
    value
        .parse()
        .map(Some)
        .map_err(|_| "a Content-Length too large to be a length")
}

/// What to do with a body.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Pass it to the server: its decoder takes it.
    Forward,
    /// Answer the client with this and do not pass it on.
    Reply(Value),
    /// Neither (a malformed response from the client).
    Ignore,
}

/// tower-lsp-server's message type (`jsonrpc::Message`, private to it),
/// spelled as it spells it: what its decoder accepts. Its decoder parses a
/// body with `serde_json::from_str` into it, and stops reading at a failure.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ServerMessage {
    #[allow(dead_code, reason = "only parsed")]
    Response(Response),
    #[allow(dead_code, reason = "only parsed")]
    Request(Request),
}

fn server_accepts(text: &str) -> bool {
    serde_json::from_str::<ServerMessage>(text).is_ok()
}

/// An error response; `id` is `null` when the request's is unknown.
fn error(id: Value, code: i64, message: String) -> Value {
    json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id})
}

pub fn parse_error(why: &str) -> Value {
    error(Value::Null, -32700, format!("Parse error: {why}"))
}

pub fn invalid_request(id: Value, why: &str) -> Value {
    error(id, -32600, format!("Invalid Request: {why}"))
}

/// A JSON-RPC id the server can answer to (its ids are strings, `i64`
/// numbers or null: a fraction or a larger number is none).
fn valid_id(id: &Value) -> bool {
    id.is_string() || id.is_i64() || id.is_null()
}

/// The `id` to answer a message with: its own if valid, else `null`.
fn answer_id(message: &serde_json::Map<String, Value>) -> Value {
    message
        .get("id")
        .filter(|id| valid_id(id))
        .cloned()
        .unwrap_or(Value::Null)
}

/// What is wrong with a message as a JSON-RPC 2.0 Request object (a
/// notification if it has no `id`), if anything.
fn request_problem(message: &serde_json::Map<String, Value>) -> Option<&'static str> {
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        Some("`jsonrpc` must be \"2.0\"")
    } else if !message.get("method").is_some_and(Value::is_string) {
        Some("`method` must be a string")
    } else if message.get("id").is_some_and(|id| !valid_id(id)) {
        Some("`id` must be a string, an integer or null")
    } else {
        None
    }
}

/// A response from the client (to a request of the server's).
fn is_response(message: &serde_json::Map<String, Value>) -> bool {
    !message.contains_key("method") && (message.contains_key("result") || message.contains_key("error"))
}

/// Checks a body against JSON-RPC 2.0 and against what the server's decoder
/// takes (see the module's documentation).
pub fn judge(body: &[u8]) -> Verdict {
    let Ok(text) = std::str::from_utf8(body) else {
        return Verdict::Reply(parse_error("the message is not UTF-8"));
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(_) => return Verdict::Reply(parse_error("the message is not JSON")),
    };
    match &value {
        Value::Object(message) if is_response(message) => {
            if server_accepts(text) {
                Verdict::Forward
            } else {
                Verdict::Ignore
            }
        }
        Value::Object(message) => match request_problem(message) {
            None if server_accepts(text) => Verdict::Forward,
            // Valid JSON-RPC its decoder still rejects (a duplicate key).
            None => Verdict::Reply(invalid_request(answer_id(message), "not a valid Request object")),
            Some(why) => Verdict::Reply(invalid_request(answer_id(message), why)),
        },
        Value::Array(batch) if batch.is_empty() => Verdict::Reply(invalid_request(Value::Null, "an empty batch")),
        Value::Array(batch) => {
            let answers: Vec<Value> = batch.iter().filter_map(batch_answer).collect();
            if answers.is_empty() {
                Verdict::Ignore
            } else {
                Verdict::Reply(Value::Array(answers))
            }
        }
        _ => Verdict::Reply(invalid_request(Value::Null, "not a Request object")),
    }
}

/// The answer to one element of a batch (none of which runs), if any.
fn batch_answer(element: &Value) -> Option<Value> {
    let Value::Object(message) = element else {
        return Some(invalid_request(Value::Null, "not a Request object"));
    };
    if is_response(message) {
        return None;
    }
    match request_problem(message) {
        None if !message.contains_key("id") => None, // a notification
        None => Some(invalid_request(
            answer_id(message),
            "the Language Server Protocol has no batches",
        )),
        Some(why) => Some(invalid_request(answer_id(message), why)),
    }
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn framed_json(value: &Value) -> Vec<u8> {
    framed(value.to_string().as_bytes())
}

/// Client → server: checked frames pass, the rest is answered here.
pub async fn guard_input<R, W>(input: R, mut to_server: W, to_client: UnboundedSender<Vec<u8>>, max_message_size: u64)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = FrameReader::new(input, max_message_size);
    while let Ok(Some(frame)) = reader.next().await {
        let reply = match frame {
            Frame::Body(body) => match judge(&body) {
                Verdict::Forward => {
                    if to_server.write_all(&framed(&body)).await.is_err() {
                        break;
                    }
                    continue;
                }
                Verdict::Reply(reply) => reply,
                Verdict::Ignore => continue,
            },
            Frame::Garbage(why) => parse_error(why),
            Frame::TooLarge(length) => invalid_request(
                Value::Null,
                &format!(
                    "a message of {length} bytes, over the limit of {max_message_size} (`server --max-message-size`)"
                ),
            ),
        };
        let _ = to_client.send(framed_json(&reply));
    }
    let _ = to_server.shutdown().await;
}

/// Server → client: whole frames onto the writer's queue.
pub async fn collect_output<R: AsyncRead + Unpin>(from_server: R, to_client: UnboundedSender<Vec<u8>>) {
    let mut reader = FrameReader::new(from_server, u64::MAX);
    while let Ok(Some(frame)) = reader.next().await {
        if let Frame::Body(body) = frame {
            if to_client.send(framed(&body)).is_err() {
                break;
            }
        }
    }
}

/// The one writer of the client's stream.
pub async fn write_frames<W: AsyncWrite + Unpin>(mut frames: UnboundedReceiver<Vec<u8>>, mut out: W) {
    while let Some(frame) = frames.recv().await {
        if out.write_all(&frame).await.is_err() || out.flush().await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[u8] = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;

    fn valid_frame() -> Vec<u8> {
        framed(VALID)
    }

    async fn read_all(input: &[u8], max_body: u64) -> Vec<Frame> {
        let mut reader = FrameReader::new(input, max_body);
        let mut frames = Vec::new();
        while let Some(frame) = reader.next().await.unwrap() {
            frames.push(frame);
        }
        frames
    }

    /// Garbage between two valid frames: reported once, and neither valid
    /// frame is lost.
    #[tokio::test]
    async fn garbage_headers_are_skipped_to_the_next_frame() {
        let long_line = vec![b'x'; 3 * MAX_HEADER_LINE];
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("negative", b"Content-Length: -5\r\n\r\n{}".to_vec()),
            (
                "overflowing",
                b"Content-Length: 99999999999999999999999\r\n\r\n{\"a\":1}".to_vec(),
            ),
            ("not a number", b"Content-Length: twelve\r\n\r\n{}".to_vec()),
            ("empty", b"Content-Length:\r\n\r\n{}".to_vec()),
            (
                "missing",
                b"Content-Type: application/vscode-jsonrpc\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_vec(),
            ),
            ("invalid UTF-8", b"Content-Length: 2\xff\xfe\r\n\r\n{}".to_vec()),
            ("NUL bytes", b"Content-\0Length: 2\r\n\r\n{}".to_vec()),
            (
                "random bytes",
                vec![0x93, 0x00, 0xc3, 0x28, 0x0a, 0xff, 0x7f, 0x0d, 0x0a, 0x0d, 0x0a],
            ),
            ("random ASCII", b"lorem ipsum: dolor\nsit amet".to_vec()),
            ("a line too long", long_line),
            (
                "two lengths",
                b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}".to_vec(),
            ),
            (
                "a body with no line break before the next",
                b"Content-Type: x\r\n\r\n{}{}".to_vec(),
            ),
        ];
        for (name, garbage) in cases {
            let mut input = valid_frame();
            input.extend_from_slice(&garbage);
            input.extend_from_slice(&valid_frame());
            let frames = read_all(&input, 1 << 20).await;
            assert_eq!(frames.len(), 3, "{name}: {frames:?}");
            assert_eq!(frames[0], Frame::Body(VALID.to_vec()), "{name}");
            assert!(matches!(frames[1], Frame::Garbage(_)), "{name}: {frames:?}");
            assert_eq!(frames[2], Frame::Body(VALID.to_vec()), "{name}");
        }
    }

    #[tokio::test]
    async fn headers_as_clients_write_them() {
        let mut input =
            b"\r\n\r\ncontent-length: 2\nContent-Type: application/vscode-jsonrpc; charset=utf-8\n\n{}".to_vec();
        input.extend_from_slice(b"Content-Length:007\r\n\r\n1234567\r\n");
        input.extend_from_slice(&valid_frame());
        let frames = read_all(&input, 1 << 20).await;
        assert_eq!(
            frames,
            [
                Frame::Body(b"{}".to_vec()),
                Frame::Body(b"1234567".to_vec()),
                Frame::Body(VALID.to_vec())
            ]
        );
    }

    #[tokio::test]
    async fn an_oversized_body_is_skipped_unread() {
        let mut input = b"Content-Length: 100\r\n\r\n".to_vec();
        input.extend_from_slice(&[b'a'; 100]);
        input.extend_from_slice(&valid_frame());
        let frames = read_all(&input, 99).await;
        assert_eq!(frames, [Frame::TooLarge(100), Frame::Body(VALID.to_vec())]);
        // At the limit, it is a body.
        let frames = read_all(&input, 100).await;
        assert_eq!(frames[0], Frame::Body(vec![b'a'; 100]));

        // An absurd length is reported before anything is read, and the
        // input ends while skipping it.
        for length in [1u64 << 40, u64::MAX] {
            let input = format!("Content-Length: {length}\r\n\r\n{{}}");
            let frames = read_all(input.as_bytes(), 64 << 20).await;
            assert_eq!(frames, [Frame::TooLarge(length)]);
        }
    }

    /// Input arriving in pieces of any size: a `Content-Length:` or a
    /// header line cut anywhere is still found, a body is read whole.
    #[tokio::test]
    async fn input_in_pieces() {
        let mut input = valid_frame();
        input.extend_from_slice(b"garbage Content-Leng\r\nmore garbage");
        input.extend_from_slice(&valid_frame());
        input.extend_from_slice(b"Content-Length: -1\r\n\r\n");
        input.extend_from_slice(&valid_frame());
        for piece in [1, 2, 3, 5, 7, 13, 64] {
            let (mut writer, reader) = tokio::io::duplex(piece);
            let feed = {
                let input = input.clone();
                tokio::spawn(async move { writer.write_all(&input).await })
            };
            let mut reader = FrameReader::new(reader, 1 << 20);
            let mut frames = Vec::new();
            while let Some(frame) = reader.next().await.unwrap() {
                frames.push(frame);
            }
            feed.await.unwrap().unwrap();
            let body = || Frame::Body(VALID.to_vec());
            assert_eq!(frames.len(), 5, "{piece}: {frames:?}");
            assert_eq!(
                (&frames[0], &frames[2], &frames[4]),
                (&body(), &body(), &body()),
                "{piece}"
            );
            assert!(
                matches!((&frames[1], &frames[3]), (Frame::Garbage(_), Frame::Garbage(_))),
                "{piece}"
            );
        }
    }

    fn code(v: &Value) -> i64 {
        v["error"]["code"].as_i64().unwrap()
    }

    #[test]
    fn bodies_are_judged_as_json_rpc_says() {
        // (Nesting deeper than serde_json's limit is an error, not a stack overflow.)
        let deep = b"[".repeat(100_000);
        let parse_error = [
            &deep[..],
            b"{not json",
            b"",
            b"\xff\xfe",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\"",
            b"\0",
        ];
        for body in parse_error {
            match judge(body) {
                Verdict::Reply(v) => {
                    assert_eq!(
                        (code(&v), &v["id"]),
                        (-32700, &Value::Null),
                        "{:?}",
                        &body[..body.len().min(40)]
                    );
                }
                other => panic!("{:?}: {other:?}", &body[..body.len().min(40)]),
            }
        }
        // Not a Request object: -32600, with the id when it is a valid one.
        let invalid = [
            (r#"{}"#, Value::Null),
            (r#"1"#, Value::Null),
            (r#""shutdown""#, Value::Null),
            (r#"null"#, Value::Null),
            (r#"{"id":1,"method":"shutdown"}"#, json!(1)),
            (r#"{"jsonrpc":"1.0","id":"a","method":"shutdown"}"#, json!("a")),
            (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"shutdown"}"#, Value::Null),
            (r#"{"jsonrpc":"2.0","id":[1],"method":"shutdown"}"#, Value::Null),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#, Value::Null),
            (r#"{"jsonrpc":"2.0","id":1e30,"method":"shutdown"}"#, Value::Null),
            (
                r#"{"jsonrpc":"2.0","id":1000000000000000000000000000000,"method":"shutdown"}"#,
                Value::Null,
            ),
            (
                r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"shutdown"}"#,
                Value::Null,
            ),
            (r#"{"jsonrpc":"2.0","id":true,"method":"shutdown"}"#, Value::Null),
            (r#"{"jsonrpc":"2.0","id":7}"#, json!(7)),
            (r#"{"jsonrpc":"2.0","id":7,"method":1}"#, json!(7)),
            (r#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#, Value::Null),
            (r#"{"jsonrpc":2.0,"method":"initialized"}"#, Value::Null),
            // JSON-RPC-valid, but tower-lsp-server's decoder rejects it.
            (r#"{"jsonrpc":"2.0","id":3,"method":"a","method":"b"}"#, json!(3)),
        ];
        for (body, id) in invalid {
            match judge(body.as_bytes()) {
                Verdict::Reply(v) => assert_eq!((code(&v), &v["id"]), (-32600, &id), "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        let forward = [
            r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#,
            r#"{"jsonrpc":"2.0","id":-9223372036854775808,"method":"shutdown"}"#,
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"shutdown"}"#,
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            // Wrong parameters are the server's to answer (or ignore).
            r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":"bar"}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":[1,2]}"#,
            // Responses to the server's requests.
            r#"{"jsonrpc":"2.0","id":1,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}}"#,
        ];
        for body in forward {
            assert_eq!(judge(body.as_bytes()), Verdict::Forward, "{body}");
        }
        // A malformed response is never answered.
        for body in [r#"{"id":1,"result":null}"#, r#"{"jsonrpc":"2.0","id":{},"result":1}"#] {
            assert_eq!(judge(body.as_bytes()), Verdict::Ignore, "{body}");
        }
    }

    #[test]
    fn batches_are_answered_and_never_run() {
        let Verdict::Reply(empty) = judge(b"[]") else { panic!() };
        assert_eq!((code(&empty), &empty["id"]), (-32600, &Value::Null));

        let batch = r#"[1, {"jsonrpc":"2.0","id":4,"method":"shutdown"}, {"jsonrpc":"2.0","method":"initialized"},
                        {"foo":"boo"}, {"jsonrpc":"2.0","id":5,"result":1}, {"jsonrpc":"2.0","id":1.5,"method":"x"}]"#;
        let Verdict::Reply(Value::Array(answers)) = judge(batch.as_bytes()) else {
            panic!()
        };
        let summary: Vec<(i64, Value)> = answers.iter().map(|a| (code(a), a["id"].clone())).collect();
        assert_eq!(
            summary,
            [
                (-32600, Value::Null),
                (-32600, json!(4)),
                (-32600, Value::Null),
                (-32600, Value::Null)
            ]
        );
        // Only notifications (and responses): nothing to answer.
        let quiet = r#"[{"jsonrpc":"2.0","method":"initialized"},{"jsonrpc":"2.0","id":5,"result":1}]"#;
        assert_eq!(judge(quiet.as_bytes()), Verdict::Ignore);
    }

    /// What is forwarded is what tower-lsp-server's decoder takes.
    #[test]
    fn the_server_takes_what_is_forwarded() {
        assert!(server_accepts(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#));
        assert!(!server_accepts(r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#));
        assert!(!server_accepts(r#"{"id":1,"method":"shutdown"}"#));
        assert!(!server_accepts(r#"[]"#));
    }
}
