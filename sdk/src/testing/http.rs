//! The little HTTP/1.1 the harness speaks to its local workerd: one request
//! per connection (`Connection: close`), over a plain `TcpStream`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An answer: status, headers (names lower-cased), body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Sends one request and reads the whole answer. `headers` must not contain
/// `Host`, `Content-Length` or `Connection`.
pub(crate) fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<Answer, String> {
    let mut stream = open(addr, timeout)?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| format!("sending to the test runtime at {addr}: {e}"))?;
    let mut reader = BufReader::new(stream);
    let (status, headers) = read_head(&mut reader, timeout)?;
    let chunked = header(&headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let length = header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok());
    let body = if bodiless(method, status) {
        // Its `Content-Length` (if any) is the length a GET would have had.
        Vec::new()
    } else if chunked {
        read_chunked(&mut reader)?
    } else if let Some(length) = length {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).map_err(|e| read_error(e, timeout))?;
        body
    } else {
        let mut body = Vec::new();
        reader.read_to_end(&mut body).map_err(|e| read_error(e, timeout))?;
        body
    };
    Ok(Answer { status, headers, body })
}

/// Whether an answer to `method` with `status` has no body, whatever its
/// headers say (RFC 9112, section 6.3): answers to `HEAD`, informational
/// answers, 204 and 304.
fn bodiless(method: &str, status: u16) -> bool {
    method.eq_ignore_ascii_case("HEAD") || (100..200).contains(&status) || status == 204 || status == 304
}

/// A connection to the runtime, with `timeout` on every read.
pub(crate) fn open(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, String> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connecting to the test runtime at {addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Reads a status line and headers.
pub(crate) fn read_head(reader: &mut impl BufRead, timeout: Duration) -> Result<(u16, Vec<(String, String)>), String> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| read_error(e, timeout))?;
    if line.is_empty() {
        return Err("the test runtime closed the connection without answering (did workerd exit? its log is above)".into());
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("the test runtime answered a malformed status line: {line:?}"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| read_error(e, timeout))?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    Ok((status, headers))
}

/// The first value of the header `name` (lower case).
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|_| format!("malformed chunk size {line:?} from the test runtime"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).map_err(|e| e.to_string())?;
        line.clear();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
    }
}

fn read_error(e: std::io::Error, timeout: Duration) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
            "the test runtime did not answer within {}s (DURABLE_TEST_TIMEOUT sets the limit, in seconds)",
            timeout.as_secs()
        ),
        _ => format!("reading the test runtime's answer: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Instant;

    /// A server that answers one request with `head` (no body) and keeps
    /// the connection open, as a server that honours `Content-Length` for
    /// a bodiless answer does.
    fn answers(head: &'static str) -> (SocketAddr, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            stream.write_all(head.as_bytes()).unwrap();
            // Open until the client has gone.
            let _ = stream.read(&mut request);
        });
        (addr, server)
    }

    #[test]
    fn bodiless_answers_with_a_content_length_do_not_wait_for_a_body() {
        for (method, head) in [
            ("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
            ("GET", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
            ("GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n"),
        ] {
            let (addr, server) = answers(head);
            let started = Instant::now();
            let answer = send(addr, method, "/", &[], &[], Duration::from_secs(3)).unwrap_or_else(|e| panic!("{method} {head:?}: {e}"));
            assert!(started.elapsed() < Duration::from_secs(1), "{method} {head:?} waited {:?}", started.elapsed());
            assert!(answer.body.is_empty());
            assert!(header(&answer.headers, "content-length").is_some());
            server.join().unwrap();
        }
    }
}
