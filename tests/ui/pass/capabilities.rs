use std::rc::Rc;

use durable::prelude::*;
use durable::rpc::{ByteStream, Bytes, Callback, Capability};

pub struct Session {
    user: String,
}

#[durable::rpc_target]
impl Session {
    /// Whose session.
    pub fn user(&self) -> String {
        self.user.clone()
    }

    pub async fn upload(&self, body: ByteStream, progress: Callback<(u64,), ()>) -> Result<u64> {
        let mut chunks = body.into_chunks()?;
        let mut size = 0;
        while let Some(chunk) = chunks.next_chunk().await {
            size += chunk?.len() as u64;
            progress.call((size,)).await?;
        }
        Ok(size)
    }

    pub fn download(&self) -> ByteStream {
        ByteStream::from_chunks([Ok::<_, String>(Bytes::from(b"hi".to_vec()))])
    }

    /// A capability may hand out another.
    pub fn again(&self) -> Capability<Session> {
        Capability::new(Session { user: self.user.clone() })
    }

    #[durable(name = "whoAmI")]
    pub fn who(&self) -> std::result::Result<String, String> {
        Ok(self.user.clone())
    }
}

#[durable_object]
pub struct Desk {
    state: State,
    kept: Rc<Session>,
}

#[durable_object]
impl Desk {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, kept: Rc::new(Session { user: "kept".into() }) }
    }

    pub fn open(&self, user: String) -> std::result::Result<Capability<Session>, String> {
        Ok(Capability::new(Session { user }))
    }

    pub fn shared(&self) -> Capability<Session> {
        Capability::from_rc(Rc::clone(&self.kept))
    }
}

async fn caller(desk: DeskStub) -> std::result::Result<(), RpcError> {
    let session: SessionStub = desk.open("ada".into()).await?;
    let _user: String = session.user().await?;
    let _who: String = session.who().await?;
    let second: SessionStub = session.again().await?;
    let copy: SessionStub = second.dup()?;
    drop(second);
    let upload = ByteStream::from_chunks([Ok::<_, String>(vec![1u8, 2, 3])]);
    let _size: u64 = copy.upload(upload, Callback::new(|(_bytes,): (u64,)| async { Ok::<(), String>(()) })).await?;
    let _stream: ByteStream = copy.download().await?;
    let pipelined: SessionStub = desk.open_pipelined("grace".into())?;
    let _user: String = pipelined.user().await?;
    Ok(())
}

fn main() {
    let _ = caller;
    let _ = js_caller;
}

/// A capability written in JavaScript.
#[durable::rpc_target]
pub trait JsSession {
    async fn user(&self) -> String;
    async fn report(&self, progress: Callback<(u32,), ()>) -> u32;
}

/// A Durable Object written in JavaScript that hands one out.
#[durable_object]
pub trait JsDesk {
    async fn open(&self, user: String) -> Capability<JsSession>;
}

async fn js_caller(desk: JsDeskStub) -> std::result::Result<String, RpcError> {
    let session: JsSessionStub = desk.open("ada".into()).await?;
    let _: u32 = session.report(Callback::new(|(_n,): (u32,)| async { Ok::<(), String>(()) })).await?;
    desk.open_pipelined("grace".into())?.user().await
}
