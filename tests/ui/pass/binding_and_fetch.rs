// The binding a class declares (or the derived default) is `Class::BINDING`,
// and `Namespace::from_env_default` uses it; a class with a `fetch` handler
// has `fetch`, `fetch_url` and `forward` on its stub; `From` impls let `?`
// convert common errors.
use durable::prelude::*;
use durable::rpc::Class;

#[durable_object]
pub struct ChatRoom {
    state: State,
}

#[durable_object]
impl ChatRoom {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub async fn fetch(&self, req: Request) -> Result<Response> {
        let body: serde_json::Value = serde_json::from_str("{}")?;
        let n: u32 = req.path().trim_start_matches('/').parse()?;
        Ok(Response::ok(format!("{body} {n}"))?)
    }
}

#[durable_object(binding = "LOBBIES", name = "Hall")]
pub struct Lobby {
    state: State,
}

#[durable_object]
impl Lobby {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

#[durable_object]
pub trait JsWsRoom {
    async fn members(&self) -> u32;
}

const _: () = assert!(ChatRoom::BINDING.len() == "CHAT_ROOM".len());

async fn caller(env: &Env, req: Request) -> Result<Response> {
    let room = Namespace::<ChatRoom>::from_env_default(env)?.get_by_name("A")?;
    let _ = room.fetch_url("https://room/1", &durable::worker::RequestInit::new()).await?;
    room.forward(req, "https://room/2").await
}

fn main() {
    assert_eq!(ChatRoom::BINDING, "CHAT_ROOM");
    assert_eq!(Lobby::BINDING, "LOBBIES");
    assert_eq!(JsWsRoom::BINDING, "JS_WS_ROOM");
    let _ = caller;
}
