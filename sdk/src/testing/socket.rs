//! WebSockets from a test to an object: the client side of RFC 6455 over the
//! harness's plain TCP connection (frames from the client are masked).

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{SystemTime, UNIX_EPOCH};

use super::http;
use super::target::{Lease, Target};
use crate::{Error, Result};

/// A message from the object.
///
/// ```no_run
/// # fn demo(socket: &mut durable::testing::TestSocket) -> durable::Result<()> {
/// use durable::testing::Message;
/// match socket.recv()? {
///     Message::Text(text) => println!("said {text}"),
///     Message::Binary(bytes) => println!("{} bytes", bytes.len()),
///     Message::Close(code, reason) => println!("closed: {code} {reason}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// The socket closed: the object's code and reason (1005 when it sent no
    /// code), or 1006 when the connection ended without a close frame (the
    /// object was evicted, or the runtime stopped).
    Close(u16, String),
}

/// A WebSocket connected to an object's `fetch` handler.
///
/// ```no_run
/// # async fn demo(env: durable::testing::TestEnv, stub: durable::rpc::Stub) -> durable::Result<()> {
/// use durable::testing::Message;
/// let mut socket = env.websocket(&stub, "/ws").await?;
/// socket.send_text("hello")?;
/// assert_eq!(socket.recv()?, Message::Text("echo: hello".into()));
/// socket.close(1000, "done")?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestSocket {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    /// The object's close frame has come (or the connection ended).
    closed: bool,
    /// This side's close frame has gone out.
    close_sent: bool,
}

/// The longest close reason: a close frame's payload is at most 125 bytes,
/// two of them the code (RFC 6455, section 5.5).
const MAX_CLOSE_REASON: usize = 123;

pub(crate) fn connect(target: &Target, path: &str) -> Result<TestSocket> {
    if !path.starts_with('/') {
        return Err(Error::Message(format!("a WebSocket path starts with `/`: {path:?}")));
    }
    open(&target.lease, path, target.route_headers())
}

/// A WebSocket to the slot's test driver itself (its session, see `session.rs`).
pub(crate) fn connect_driver(lease: &Lease, path: &str) -> Result<TestSocket> {
    open(lease, path, vec![("x-durable-test-slot".to_owned(), lease.slot.to_string())])
}

fn open(lease: &Lease, path: &str, route: Vec<(String, String)>) -> Result<TestSocket> {
    let _call = lease.enter().map_err(Error::Js)?;
    let runtime = &lease.runtime;
    let addr = runtime.addr().map_err(Error::Js)?;
    let stream = http::open(addr, runtime.timeout).map_err(Error::Js)?;
    let mut writer = stream.try_clone().map_err(|e| Error::Js(e.to_string()))?;
    let mut head = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {}\r\n",
        base64(&nonce())
    );
    for (name, value) in route {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes()).map_err(|e| Error::Js(format!("opening a WebSocket: {e}")))?;
    let mut reader = BufReader::new(stream);
    let (status, headers) = http::read_head(&mut reader, runtime.timeout).map_err(Error::Js)?;
    if status != 101 {
        let length = http::header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0).min(64 * 1024);
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        return Err(Error::Js(format!("the object refused the WebSocket on {path}: {status} {}", String::from_utf8_lossy(&body))));
    }
    Ok(TestSocket { reader, writer, closed: false, close_sent: false })
}

impl TestSocket {
    /// Two views of this socket, one to read from (with no read timeout:
    /// it waits as long as the socket is open) and one to send on, for two
    /// threads.
    pub(crate) fn split(self) -> Result<(TestSocket, TestSocket)> {
        let io = |e: std::io::Error| Error::Js(format!("splitting the WebSocket: {e}"));
        self.writer.set_read_timeout(None).map_err(io)?;
        let sender = TestSocket {
            reader: BufReader::new(self.writer.try_clone().map_err(io)?),
            writer: self.writer.try_clone().map_err(io)?,
            closed: false,
            close_sent: false,
        };
        Ok((self, sender))
    }

    /// Sends a text message.
    pub fn send_text(&mut self, text: &str) -> Result<()> {
        self.send(0x1, text.as_bytes())
    }

    /// Sends a binary message.
    pub fn send_binary(&mut self, bytes: &[u8]) -> Result<()> {
        self.send(0x2, bytes)
    }

    /// Closes the socket with `code` and `reason`; the object's close handler
    /// runs. Further messages from the object are still read by [`recv`](Self::recv),
    /// up to the object's own close frame.
    ///
    /// As a browser's `WebSocket.close`, it refuses a `code` other than 1000
    /// or 3000-4999 and a `reason` over 123 bytes of UTF-8 (all a close frame
    /// holds), and a second close.
    ///
    /// ```no_run
    /// # fn demo(socket: &mut durable::testing::TestSocket) -> durable::Result<()> {
    /// socket.close(1000, "done")?;
    /// assert!(socket.close(1000, &"x".repeat(124)).is_err()); // too long, and closed already
    /// # Ok(()) }
    /// ```
    pub fn close(&mut self, code: u16, reason: &str) -> Result<()> {
        if code != 1000 && !(3000..=4999).contains(&code) {
            return Err(Error::Message(format!("a WebSocket close code is 1000 or 3000-4999, not {code}")));
        }
        if reason.len() > MAX_CLOSE_REASON {
            return Err(Error::Message(format!(
                "a WebSocket close reason is at most {MAX_CLOSE_REASON} bytes of UTF-8; this one is {} bytes: {:?}...",
                reason.len(),
                prefix(reason, 40)
            )));
        }
        if self.close_sent {
            return Err(Error::Message("this WebSocket's close frame was sent already".into()));
        }
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice(reason.as_bytes());
        self.close_sent = true;
        self.send(0x8, &payload)
    }

    /// The next message (pings are answered on the way). Waits at most
    /// `DURABLE_TEST_TIMEOUT` seconds.
    pub fn recv(&mut self) -> Result<Message> {
        if self.closed {
            return Err(Error::Js("the WebSocket is closed".into()));
        }
        let mut message = Vec::new();
        let mut kind = 0u8;
        loop {
            let Some((fin, opcode, payload)) = self.frame()? else {
                // As a browser reports it: an abnormal closure.
                self.closed = true;
                return Ok(Message::Close(1006, String::new()));
            };
            match opcode {
                0x9 => self.send(0xA, &payload)?,
                0xA => {}
                0x8 => {
                    self.closed = true;
                    // The closing handshake: the object waits for its close frame back.
                    if !self.close_sent {
                        self.close_sent = true;
                        self.send(0x8, payload.get(..2).unwrap_or(&[]))?;
                    }
                    let code = if payload.len() >= 2 { u16::from_be_bytes([payload[0], payload[1]]) } else { 1005 };
                    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or(&[])).into_owned();
                    return Ok(Message::Close(code, reason));
                }
                0x0..=0x2 => {
                    if opcode != 0 {
                        kind = opcode;
                    }
                    message.extend_from_slice(&payload);
                    if fin {
                        return Ok(if kind == 0x1 {
                            Message::Text(String::from_utf8(message).map_err(|_| Error::Js("a text message that is not UTF-8".into()))?)
                        } else {
                            Message::Binary(message)
                        });
                    }
                }
                other => return Err(Error::Js(format!("unknown WebSocket opcode {other}"))),
            }
        }
    }

    /// The next frame; `None` when the connection ended before one began.
    fn frame(&mut self) -> Result<Option<(bool, u8, Vec<u8>)>> {
        let io = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Error::Js("no WebSocket message came within DURABLE_TEST_TIMEOUT".into()),
            std::io::ErrorKind::UnexpectedEof => Error::Js("the WebSocket connection ended without a close frame".into()),
            _ => Error::Js(format!("reading the WebSocket: {e}")),
        };
        let mut head = [0u8; 2];
        match self.reader.read_exact(&mut head) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other.map_err(io)?,
        }
        let fin = head[0] & 0x80 != 0;
        let opcode = head[0] & 0x0f;
        let masked = head[1] & 0x80 != 0;
        let mut length = u64::from(head[1] & 0x7f);
        if length == 126 {
            let mut b = [0u8; 2];
            self.reader.read_exact(&mut b).map_err(io)?;
            length = u64::from(u16::from_be_bytes(b));
        } else if length == 127 {
            let mut b = [0u8; 8];
            self.reader.read_exact(&mut b).map_err(io)?;
            length = u64::from_be_bytes(b);
        }
        let mut mask = [0u8; 4];
        if masked {
            self.reader.read_exact(&mut mask).map_err(io)?;
        }
        let length = usize::try_from(length).map_err(|_| Error::Js("a WebSocket frame too large".into()))?;
        let mut payload = vec![0; length];
        self.reader.read_exact(&mut payload).map_err(io)?;
        if masked {
            payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
        }
        Ok(Some((fin, opcode, payload)))
    }

    fn send(&mut self, opcode: u8, payload: &[u8]) -> Result<()> {
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask: [u8; 4] = nonce()[..4].try_into().unwrap_or([1, 2, 3, 4]);
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.writer.write_all(&frame).map_err(|e| Error::Js(format!("sending on the WebSocket: {e}")))
    }
}

/// The longest start of `text` of at most `bytes` bytes that ends on a character boundary.
fn prefix(text: &str, bytes: usize) -> &str {
    let end = (0..=bytes.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    &text[..end]
}

/// 16 bytes that differ from call to call (keys and masks need not be secret here).
fn nonce() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 16];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{base64, prefix};

    #[test]
    fn prefixes_end_on_a_character_boundary() {
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("héllo", 3), "hé");
        assert_eq!(prefix("hi", 40), "hi");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"hi"), "aGk=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
