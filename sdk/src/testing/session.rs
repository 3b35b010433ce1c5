//! A test's session with its slot's driver: one WebSocket (`/session` of
//! `testing.mjs`) that every RPC call of the test's stubs goes through. The
//! driver makes the calls inside the session's request, so what they return
//! lives as long as the test: capabilities (kept by the driver under a handle
//! number), the functions it made for the test's callbacks, pipelined calls.
//! Closing the socket (when the test ends) disposes all of it.
//!
//! Each request carries a sequence number; a reader thread hands each answer
//! to the thread waiting for it, and the object's calls of the test's
//! callbacks to the test's own thread ([`Inbox`]), where the closures live.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::Thread;

use serde_json::{json, Value};

use super::socket::{self, Message, TestSocket};
use super::target::Lease;
use crate::rpc::RpcError;

/// A call of one of the test's callbacks, to run on the test's thread.
pub(crate) struct Invocation {
    pub callback: u64,
    pub call: u64,
    pub args: Vec<Value>,
    pub session: Arc<Session>,
}

impl Invocation {
    /// Answers that the test is over.
    fn refuse(self) {
        let message = "the object called a test's callback after the test returned";
        let _ = self.session.post(&json!({ "op": "reply", "call": self.call, "err": message }));
    }
}

/// What the reader thread hands to the test's thread, and how it wakes it.
pub(crate) struct Inbox {
    jobs: Mutex<VecDeque<Invocation>>,
    thread: Thread,
    /// The test has returned: nothing runs the callbacks any more.
    closed: std::sync::atomic::AtomicBool,
}

impl Inbox {
    /// An inbox whose jobs the current thread (the test's) runs.
    pub(crate) fn for_current_thread() -> Self {
        Self { jobs: Mutex::new(VecDeque::new()), thread: std::thread::current(), closed: Default::default() }
    }

    /// No callback runs from now on: later calls fail at once.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for job in self.take() {
            job.refuse();
        }
    }

    fn push(&self, job: Invocation) {
        if self.closed.load(Ordering::SeqCst) {
            return job.refuse();
        }
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).push_back(job);
        self.thread.unpark();
    }

    /// The jobs that came since the last take.
    pub(crate) fn take(&self) -> Vec<Invocation> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).drain(..).collect()
    }
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox").finish_non_exhaustive()
    }
}

type Answer = Result<Value, RpcError>;

#[derive(Default)]
struct Waiting {
    answers: HashMap<u64, mpsc::Sender<Answer>>,
    /// Why the session ended, once it has.
    ended: Option<String>,
}

/// The open session of one test.
pub(crate) struct Session {
    sender: Mutex<TestSocket>,
    waiting: Mutex<Waiting>,
    next: AtomicU64,
    timeout: std::time::Duration,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    /// Opens the session of `lease`'s test; the object's calls of the test's
    /// callbacks go to `inbox`.
    pub(crate) fn open(lease: &Lease, inbox: Arc<Inbox>) -> Result<Arc<Self>, String> {
        let socket = socket::connect_driver(lease, "/session").map_err(|e| format!("opening the test's session with the driver: {e}"))?;
        let (mut reader, sender) = socket.split().map_err(|e| e.to_string())?;
        let session = Arc::new(Self {
            sender: Mutex::new(sender),
            waiting: Mutex::new(Waiting::default()),
            next: AtomicU64::new(1),
            timeout: lease.runtime.timeout,
        });
        let theirs = Arc::downgrade(&session);
        std::thread::Builder::new()
            .name("durable-test-session".into())
            .spawn(move || {
                let why = loop {
                    let message = reader.recv();
                    let Some(session) = theirs.upgrade() else { return };
                    match message {
                        Ok(Message::Text(text)) => session.dispatch(&text, &inbox),
                        Ok(Message::Binary(_)) => {}
                        Ok(Message::Close(code, reason)) => break format!("the test's session with the driver closed ({code} {reason})"),
                        Err(e) => break format!("the test's session with the driver failed: {e}"),
                    }
                };
                if let Some(session) = theirs.upgrade() {
                    session.end(why);
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(session)
    }

    fn dispatch(self: &Arc<Self>, text: &str, inbox: &Inbox) {
        let Ok(message) = serde_json::from_str::<Value>(text) else { return };
        if message.get("op").and_then(Value::as_str) == Some("invoke") {
            let number = |key: &str| message.get(key).and_then(Value::as_u64).unwrap_or(0);
            let args = match message.get("args") {
                Some(Value::Array(args)) => args.clone(),
                _ => Vec::new(),
            };
            inbox.push(Invocation { callback: number("callback"), call: number("call"), args, session: self.clone() });
            return;
        }
        if message.get("op").and_then(Value::as_str) == Some("sink") {
            return super::values::sink_ended(&message);
        }
        let Some(seq) = message.get("seq").and_then(Value::as_u64) else { return };
        let answer = match message.get("err") {
            Some(err) => {
                let text = err.get("message").and_then(Value::as_str).unwrap_or("unknown error").to_owned();
                if err.get("remote").and_then(Value::as_bool).unwrap_or(false) {
                    Err(RpcError::Remote(text))
                } else {
                    Err(RpcError::Transport(text))
                }
            }
            None => Ok(message.get("ok").cloned().unwrap_or(Value::Null)),
        };
        let sender = self.waiting.lock().unwrap_or_else(|e| e.into_inner()).answers.remove(&seq);
        if let Some(sender) = sender {
            let _ = sender.send(answer);
        }
    }

    /// Fails every request still waiting, and every later one, with `why`.
    fn end(&self, why: String) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if waiting.ended.is_none() {
            waiting.ended = Some(why.clone());
        }
        for (_, sender) in waiting.answers.drain() {
            let _ = sender.send(Err(RpcError::Transport(why.clone())));
        }
    }

    /// Whether the socket has closed.
    pub(crate) fn is_ended(&self) -> bool {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).ended.is_some()
    }

    /// Closes the socket: the driver disposes everything the session holds.
    pub(crate) fn close(&self) {
        let _ = self.sender.lock().unwrap_or_else(|e| e.into_inner()).close(1000, "the test ended");
        self.end("the test has ended".into());
    }

    /// Sends `message` without waiting for an answer.
    pub(crate) fn post(&self, message: &Value) -> Result<(), RpcError> {
        let text = serde_json::to_string(message).map_err(|e| RpcError::Conversion(e.to_string()))?;
        self.sender.lock().unwrap_or_else(|e| e.into_inner()).send_text(&text).map_err(|e| RpcError::Transport(e.to_string()))
    }

    /// Sends `message` (an object; its `seq` is set here) and waits for its answer.
    pub(crate) fn request(&self, mut message: Value) -> Result<Value, RpcError> {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(why) = &waiting.ended {
                return Err(RpcError::Transport(why.clone()));
            }
            waiting.answers.insert(seq, tx);
        }
        message["seq"] = json!(seq);
        if let Err(e) = self.post(&message) {
            self.waiting.lock().unwrap_or_else(|e| e.into_inner()).answers.remove(&seq);
            return Err(e);
        }
        match rx.recv_timeout(self.timeout) {
            Ok(answer) => answer,
            Err(_) => {
                self.waiting.lock().unwrap_or_else(|e| e.into_inner()).answers.remove(&seq);
                Err(RpcError::Transport(format!("no answer within DURABLE_TEST_TIMEOUT ({}s)", self.timeout.as_secs())))
            }
        }
    }
}
