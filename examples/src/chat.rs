//! A chat room that runs in a browser: the worker serves the page at `/chat/`,
//! each room is a `ChatRoom` Durable Object holding its sockets with the
//! hibernation API (each socket's name is its attachment, so it survives
//! eviction), the recent backlog lives in the room's storage, and a
//! `RateLimiter` object per sender, called over typed RPC, throttles messages.
//!
//! Protocol: the client sends `{"message": "..."}`; the room sends
//! `{"name", "message", "timestamp"}`, `{"joined": name}`, `{"left": name}` or
//! `{"error": "..."}` frames. Malformed or oversized frames get an error frame;
//! the room keeps serving.

use std::cell::Cell;

use durable::prelude::*;
use durable::ws::Message;
use durable::{WebSocket, WebSocketPair};
use serde::{Deserialize, Serialize};
use worker::Url;

const PAGE: &str = include_str!("../assets/chat.html");
const BACKLOG: usize = 100;
const MAX_MESSAGE: usize = 1000;

/// A chat message as stored and sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatMessage {
    pub name: String,
    pub message: String,
    pub timestamp: f64,
}

#[derive(Deserialize)]
struct Incoming {
    message: String,
}

/// Who a socket belongs to: its attachment.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    name: String,
    limiter: String,
}

/// One chat room.
#[durable_object]
pub struct ChatRoom {
    state: State,
    env: Env,
}

fn send_json<T: Serialize>(ws: &WebSocket, value: &T) {
    // A socket that is closing cannot take frames: nothing to do about it.
    let _ = ws.send(value);
}

#[durable_object]
impl ChatRoom {
    pub fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    pub async fn fetch(&self, req: Request) -> Result<Response> {
        if req.headers().get("Upgrade")?.as_deref() != Some("websocket") {
            return Ok(Response::error("expected a WebSocket upgrade", 426)?);
        }
        let url = req.url()?;
        let name: String = url.query_pairs().find(|(k, _)| k == "name").map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
        if name.is_empty() || name.chars().count() > 32 {
            return Ok(Response::error("a name of 1 to 32 characters is required", 400)?);
        }
        // One bucket per sender: address and name.
        let address = req.headers().get("CF-Connecting-IP")?.unwrap_or_default();
        let limiter = format!("{address}/{name}");
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server, &[])?;
        pair.server.serialize_attachment(&Session { name: name.clone(), limiter })?;
        let backlog: Vec<ChatMessage> = self.state.storage().get("backlog").await?.unwrap_or_default();
        for message in &backlog {
            send_json(&pair.server, message);
        }
        self.broadcast(&serde_json::json!({ "joined": name }))?;
        Ok(Response::from_websocket(pair.client)?)
    }

    pub async fn web_socket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        let Some(session) = ws.deserialize_attachment::<Session>()? else {
            ws.close(Some(1011), Some("no session"))?;
            return Ok(());
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                send_json(&ws, &serde_json::json!({ "error": "binary frames are not accepted" }));
                return Ok(());
            }
        };
        let incoming: Incoming = match serde_json::from_str(&text) {
            Ok(incoming) => incoming,
            Err(e) => {
                send_json(&ws, &serde_json::json!({ "error": format!("malformed frame: {e}") }));
                return Ok(());
            }
        };
        if incoming.message.chars().count() > MAX_MESSAGE {
            send_json(&ws, &serde_json::json!({ "error": format!("message too long (over {MAX_MESSAGE} characters)") }));
            return Ok(());
        }
        let limiter = Namespace::<RateLimiter>::from_env_default(&self.env)?.get_by_name(&session.limiter)?;
        let wait = limiter.acquire().await?;
        if wait > 0.0 {
            send_json(&ws, &serde_json::json!({ "error": format!("slow down: try again in {wait:.1} s") }));
            return Ok(());
        }
        let message = ChatMessage { name: session.name, message: incoming.message, timestamp: js_sys::Date::now() };
        let storage = self.state.storage();
        let mut backlog: Vec<ChatMessage> = storage.get("backlog").await?.unwrap_or_default();
        backlog.push(message.clone());
        if backlog.len() > BACKLOG {
            backlog.drain(..backlog.len() - BACKLOG);
        }
        storage.put("backlog", &backlog).await?;
        self.broadcast(&message)?;
        Ok(())
    }

    pub async fn web_socket_close(&self, ws: WebSocket, code: u16, _reason: String, _clean: bool) -> Result<()> {
        let name = ws.deserialize_attachment::<Session>().ok().flatten().map(|session| session.name);
        if let Some(name) = &name {
            self.broadcast(&serde_json::json!({ "left": name }))?;
        }
        // Complete the closing handshake with a code a server may send: the
        // client's own when it is one, else 1000. After an abnormal closure
        // (1006: the connection dropped) this only releases the socket.
        let reply = reply_code(code);
        ws.close(Some(reply), Some("bye")).map_err(|e| {
            let who = name.as_deref().unwrap_or("a socket without a session");
            Error::message(format!("closing the socket of {who} (closed by the client with {code}, answered with {reply}): {e}"))
        })?;
        Ok(())
    }

    fn broadcast<T: Serialize>(&self, value: &T) -> Result<()> {
        for peer in self.state.get_web_sockets(None)? {
            send_json(&peer, value);
        }
        Ok(())
    }
}

/// The code the room answers a client's close with: the client's own when a
/// server may send it (1000-1003, 1007-1014, 3000-4999), else 1000. The
/// others are never sent: 1005 (no code), 1006 (abnormal closure) and 1015
/// (TLS failure) only report what happened, and the rest are not defined
/// (the runtime refuses 1004 and anything outside 1000-4999; clients refuse
/// 1016-2999).
///
/// ```
/// # use durable_examples::chat::reply_code;
/// assert_eq!(reply_code(4001), 4001);
/// assert_eq!(reply_code(1006), 1000);
/// ```
pub fn reply_code(code: u16) -> u16 {
    match code {
        1000..=1003 | 1007..=1014 | 3000..=4999 => code,
        _ => 1000,
    }
}

/// A token bucket per sender: `acquire` answers 0 when a message may go now,
/// otherwise the seconds to wait.
#[durable_object]
pub struct RateLimiter {
    tokens: Cell<f64>,
    updated: Cell<f64>,
}

/// Burst size and refill rate of [`RateLimiter`].
const BURST: f64 = 5.0;
const PER_SECOND: f64 = 1.0;

#[durable_object]
impl RateLimiter {
    pub fn new(_state: State, _env: Env) -> Self {
        Self { tokens: Cell::new(BURST), updated: Cell::new(js_sys::Date::now()) }
    }

    /// Takes one token if there is one; else the seconds until there is.
    pub fn acquire(&self) -> f64 {
        let now = js_sys::Date::now();
        let tokens = (self.tokens.get() + (now - self.updated.get()) / 1000.0 * PER_SECOND).min(BURST);
        self.updated.set(now);
        if tokens >= 1.0 {
            self.tokens.set(tokens - 1.0);
            0.0
        } else {
            self.tokens.set(tokens);
            (1.0 - tokens) / PER_SECOND
        }
    }
}

pub(crate) async fn handle(req: worker::Request, env: &Env, _url: &Url, rest: &str) -> worker::Result<Response> {
    if rest == "/" {
        let mut response = Response::ok(PAGE)?;
        response.headers_mut().set("content-type", "text/html;charset=UTF-8")?;
        return Ok(response);
    }
    // /room/<name>/websocket
    let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["room", room, "websocket"] if !room.is_empty() && room.len() <= 64 => {
            let room = Namespace::<ChatRoom>::from_env_default(env)?.get_by_name(room)?;
            room.fetch(req).await.map_err(Into::into)
        }
        _ => Response::error("Not found", 404),
    }
}

#[cfg(test)]
mod tests {
    use super::reply_code;

    #[test]
    fn close_codes_a_server_may_send_are_echoed_the_others_become_1000() {
        for code in [1000, 1001, 1002, 1003, 1007, 1008, 1011, 1012, 1014, 3000, 4000, 4999] {
            assert_eq!(reply_code(code), code);
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, u16::MAX] {
            assert_eq!(reply_code(code), 1000, "{code}");
        }
    }
}
