//! LSP base-protocol framing around the server: invalid frames from the
//! client are answered with a JSON-RPC parse error here (the server never
//! sees them), and every frame to the client goes through one writer.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Reads one frame (`Content-Length` header block, then the body).
/// `Ok(None)` at the end of input.
async fn read_frame<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<Option<Vec<u8>>> {
    let mut length: Option<usize> = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if length.is_some() {
                break;
            }
            continue; // stray blank line between frames
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let mut body = vec![0; length.unwrap_or(0)];
    reader.read_exact(&mut body).await?;
    Ok(Some(body))
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Client → server: valid JSON frames pass, others get a parse error reply.
pub async fn guard_input<R, W>(input: R, mut to_server: W, to_client: UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(input);
    while let Ok(Some(body)) = read_frame(&mut reader).await {
        if serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.is_object() || v.is_array()) {
            if to_server.write_all(&framed(&body)).await.is_err() {
                break;
            }
        } else {
            let error = br#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}"#;
            let _ = to_client.send(framed(error));
        }
    }
    let _ = to_server.shutdown().await;
}

/// Server → client: whole frames onto the writer's queue.
pub async fn collect_output<R: AsyncRead + Unpin>(from_server: R, to_client: UnboundedSender<Vec<u8>>) {
    let mut reader = BufReader::new(from_server);
    while let Ok(Some(body)) = read_frame(&mut reader).await {
        if to_client.send(framed(&body)).is_err() {
            break;
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
