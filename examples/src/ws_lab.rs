//! WebSockets in both modes, under `/ws/`:
//!
//! - `?mode=hibernate&tag=T&user=U` accepts with the hibernation API: tags, a
//!   typed attachment that survives eviction, an automatic `ping` -> `pong`
//!   answered without waking the object, and the `web_socket_*` handlers.
//! - `?mode=standard` accepts the socket in the object itself and reads its
//!   events; the object stays in memory while it is open.
//!
//! Text commands (both modes where they apply): `whoami`, `tags`, `count:TAG`,
//! `broadcast:TEXT`, `autots`, `buffered` (the socket's `bufferedAmount`), `close`, `panic` (the object panics: the
//! runtime closes its standard sockets with 1011, and its hibernatable ones
//! stay open and reach the rebuilt object); anything else is echoed as `echo:TEXT`.
//! Binary frames are echoed reversed. Frames over 64 KiB are refused with close
//! code 1009.
//!
//! `on_hibernate` (run only under the `experimental` compatibility flag)
//! records each hibernation's reason, read back with `hibernations`.

use std::time::UNIX_EPOCH;

use durable::prelude::*;
use durable::ws::Message;
use durable::{WebSocket, WebSocketPair};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use worker::{Url, WebsocketEvent};

const MAX_FRAME: usize = 64 * 1024;

/// Who is on the other end: kept as the socket's attachment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Who {
    pub user: String,
    pub constructed: u32,
}

/// A WebSocket playground.
#[durable_object]
pub struct WsLab {
    state: State,
    /// How many times this object has been constructed (stored, so a rebuild
    /// after hibernation is visible).
    constructed: std::rc::Rc<std::cell::Cell<u32>>,
    /// When this instance was constructed (ms since the epoch).
    constructed_at: f64,
}

#[durable_object]
impl WsLab {
    pub fn new(state: State, _env: Env) -> Self {
        let constructed = std::rc::Rc::new(std::cell::Cell::new(0));
        let (storage, slot) = (state.storage(), constructed.clone());
        let _ = state.block_concurrency_while(async move {
            let n: u32 = storage.get("constructed").await?.unwrap_or(0) + 1;
            storage.put("constructed", &n).await?;
            slot.set(n);
            Ok(())
        });
        Self { state, constructed, constructed_at: js_sys::Date::now() }
    }

    pub async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.url()?;
        let param = |k: &str| url.query_pairs().find(|(key, _)| key == k).map(|(_, v)| v.into_owned());
        if req.headers().get("Upgrade")?.as_deref() != Some("websocket") {
            return Ok(Response::error("expected a WebSocket upgrade", 426)?);
        }
        let pair = WebSocketPair::new()?;
        if param("mode").as_deref() == Some("standard") {
            pair.server.accept()?;
            let server = pair.server;
            wasm_bindgen_futures::spawn_local(async move {
                let _ = serve_standard(server).await;
            });
        } else {
            let tag = param("tag").unwrap_or_else(|| "all".into());
            self.state.accept_web_socket(&pair.server, &[tag.as_str()])?;
            let who = Who { user: param("user").unwrap_or_else(|| "anonymous".into()), constructed: self.constructed.get() };
            pair.server.serialize_attachment(&who)?;
            self.state.set_web_socket_auto_response("ping", "pong")?;
        }
        Ok(Response::from_websocket(pair.client)?)
    }

    pub async fn web_socket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        let text = match message {
            Message::Binary(bytes) if bytes.len() > MAX_FRAME => {
                ws.close(Some(1009), Some("message too big"))?;
                return Ok(());
            }
            Message::Binary(mut bytes) => {
                bytes.reverse();
                ws.send_with_bytes(bytes)?;
                return Ok(());
            }
            Message::Text(text) if text.len() > MAX_FRAME => {
                ws.close(Some(1009), Some("message too big"))?;
                return Ok(());
            }
            Message::Text(text) => text,
        };
        let reply = if text == "whoami" {
            let who: Option<Who> = ws.deserialize_attachment()?;
            let who = who.ok_or_else(|| Error::message("no attachment"))?;
            format!(
                "{} joined in construction {}, now construction {} (constructed at {})",
                who.user,
                who.constructed,
                self.constructed.get(),
                self.constructed_at as u64
            )
        } else if text == "tags" {
            self.state.get_tags(&ws)?.join(",")
        } else if let Some(tag) = text.strip_prefix("count:") {
            self.state.get_web_sockets(Some(tag))?.len().to_string()
        } else if let Some(rest) = text.strip_prefix("broadcast:") {
            for peer in self.state.get_web_sockets(None)? {
                let _ = peer.send_with_str(format!("broadcast:{rest}"));
            }
            return Ok(());
        } else if text == "autots" {
            match self.state.get_web_socket_auto_response_timestamp(&ws)? {
                Some(t) => format!("autots:{}", t.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)),
                None => "autots:none".into(),
            }
        } else if text == "buffered" {
            buffered(&ws)
        } else if text == "close" {
            ws.close(Some(4000), Some("bye"))?;
            return Ok(());
        } else if text == "panic" {
            // The runtime keeps hibernatable sockets: the next message reaches
            // the object rebuilt in a fresh instance.
            panic!("a hibernatable socket asked for a panic");
        } else {
            format!("echo:{text}")
        };
        ws.send_with_str(reply)?;
        Ok(())
    }

    pub async fn web_socket_close(&self, ws: WebSocket, code: u16, reason: String, was_clean: bool) -> Result<()> {
        let storage = self.state.storage();
        let mut closes: Vec<String> = storage.get("closes").await?.unwrap_or_default();
        closes.push(format!("{code}:{reason}:{was_clean}"));
        storage.put("closes", &closes).await?;
        // Complete the closing handshake.
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    pub async fn web_socket_error(&self, _ws: WebSocket, error: Error) -> Result<()> {
        self.state.storage().put("last-error", &error.to_string()).await
    }

    /// Runs before the runtime hibernates the object (only under the
    /// `experimental` compatibility flag): records the reason, and how many
    /// constructions the object had, for `hibernations`.
    pub async fn on_hibernate(&self, info: durable::HibernateInfo) -> Result<()> {
        let storage = self.state.storage();
        let mut seen: Vec<String> = storage.get("hibernations").await?.unwrap_or_default();
        seen.push(format!("{}:{}", info.reason, self.constructed.get()));
        storage.put("hibernations", &seen).await
    }

    /// What `on_hibernate` recorded: `reason:construction`, oldest first.
    pub async fn hibernations(&self) -> Result<Vec<String>> {
        Ok(self.state.storage().get("hibernations").await?.unwrap_or_default())
    }

    /// The close codes and reasons seen by `web_socket_close`.
    pub async fn closes(&self) -> Result<Vec<String>> {
        Ok(self.state.storage().get("closes").await?.unwrap_or_default())
    }
}

/// `buffered:N` with the socket's `bufferedAmount`, or `buffered-error:` and
/// the error where the runtime has none.
fn buffered(ws: &WebSocket) -> String {
    match durable::ws::buffered_amount(ws) {
        Ok(n) => format!("buffered:{n}"),
        Err(e) => format!("buffered-error:{e}"),
    }
}

/// The standard (non-hibernating) mode: the object reads the socket's events.
async fn serve_standard(server: WebSocket) -> Result<()> {
    let mut events = server.events()?;
    while let Some(event) = events.next().await {
        match event? {
            WebsocketEvent::Message(message) => {
                if let Some(text) = message.text() {
                    if text.len() > MAX_FRAME {
                        server.close(Some(1009), Some("message too big"))?;
                    } else if text == "buffered" {
                        server.send_with_str(buffered(&server))?;
                    } else if text == "close" {
                        server.close(Some(4000), Some("bye"))?;
                    } else if text == "panic" {
                        // Outside any call: this loop runs on its own task.
                        panic!("a standard socket asked for a panic");
                    } else {
                        server.send_with_str(format!("echo:{text}"))?;
                    }
                } else if let Some(mut bytes) = message.bytes() {
                    bytes.reverse();
                    server.send_with_bytes(bytes)?;
                }
            }
            WebsocketEvent::Close(close) => {
                let _ = server.close(Some(1000), Some(format!("you said {}", close.code())));
                break;
            }
        }
    }
    Ok(())
}

pub(crate) async fn handle(req: worker::Request, env: &Env, url: &Url) -> worker::Result<Response> {
    let name = crate::name_param(url).unwrap_or_else(|| "A".to_owned());
    let lab = Namespace::<WsLab>::from_env(env, "WS_LAB")?.get_by_name(&name)?;
    lab.fetch(req).await.map_err(Into::into)
}
