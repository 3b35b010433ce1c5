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
        self.broadcast(&serde_json::json!({ "joined": name }));
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
        let limiter = Namespace::<RateLimiter>::from_env(&self.env, "RATE_LIMITER")?.get_by_name(&session.limiter)?;
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
        self.broadcast(&message);
        Ok(())
    }

    pub async fn web_socket_close(&self, ws: WebSocket, code: u16, _reason: String, _clean: bool) -> Result<()> {
        if let Ok(Some(session)) = ws.deserialize_attachment::<Session>() {
            self.broadcast(&serde_json::json!({ "left": session.name }));
        }
        let _ = ws.close(Some(if code == 1005 { 1000 } else { code }), Some("bye"));
        Ok(())
    }

    fn broadcast<T: Serialize>(&self, value: &T) {
        for peer in self.state.get_web_sockets(None) {
            send_json(&peer, value);
        }
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
            let room = Namespace::<ChatRoom>::from_env(env, "CHAT_ROOM")?.get_by_name(room)?;
            room.fetch(req).await.map_err(Into::into)
        }
        _ => Response::error("Not found", 404),
    }
}
