//! A leased slot of the test runtime, the object a host-side stub addresses,
//! and the calls to the slot's driver (`testing.mjs`) that everything else
//! goes through.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::http;
use super::session::{Inbox, Session};
use super::workerd::Workerd;
use crate::rpc::{RpcError, Stub};

/// One test's slot of a runtime. Every request of the test's stubs goes
/// through [`enter`](Lease::enter): when the test ends, the calls it left
/// running are waited for, and later ones refused, before the slot is wiped
/// for the next test.
#[derive(Debug)]
pub(crate) struct Lease {
    pub runtime: Arc<Workerd>,
    pub slot: usize,
    calls: Mutex<Calls>,
    /// Signalled when the last call in flight ends.
    idle: Condvar,
    /// Where the object's calls of the test's callbacks go (the test's thread).
    inbox: Arc<Inbox>,
    /// The test's session with the driver, once a call opened it.
    session: Mutex<Option<Arc<Session>>>,
}

#[derive(Debug, Default)]
struct Calls {
    in_flight: usize,
    ended: bool,
}

/// A request of the test in flight; ends on drop.
pub(crate) struct InFlight<'a>(&'a Lease);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut calls = self.0.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.in_flight -= 1;
        if calls.in_flight == 0 {
            self.0.idle.notify_all();
        }
    }
}

/// What a stub used after its test ended answers.
pub(crate) const ENDED: &str = "this stub's test has ended: a call made after the test returned would land in the \
     slot of the next test; keep stubs (and threads that use them) inside their test";

/// How a stub names its object: by name (`getByName`) or by id (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum At {
    Name(String),
    Id(String),
}

/// The object behind a host-side [`Stub`].
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) lease: Arc<Lease>,
    pub(crate) class: String,
    pub(crate) at: At,
}

impl crate::rpc::transport::HostTarget for Target {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("class", &self.class).field("at", &self.at).field("slot", &self.lease.slot).finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reply<R> {
    Ok(R),
    Err(Failure),
}

#[derive(Deserialize)]
struct Failure {
    message: String,
    #[serde(default)]
    remote: bool,
}

impl Lease {
    /// The lease of `slot`, for a test running on the current thread.
    pub(crate) fn new(runtime: Arc<Workerd>, slot: usize) -> Self {
        Self {
            runtime,
            slot,
            calls: Mutex::new(Calls::default()),
            idle: Condvar::new(),
            inbox: Arc::new(Inbox::for_current_thread()),
            session: Mutex::new(None),
        }
    }

    /// Where the object's calls of the test's callbacks wait for the test's thread.
    pub(crate) fn inbox(&self) -> &Inbox {
        &self.inbox
    }

    /// The test's session, opened by the first call that needs it.
    pub(crate) fn session(&self) -> Result<Arc<Session>, RpcError> {
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        // A session that ended (the runtime restarted) gives way to a new
        // one; what it held is gone, as after a real restart.
        if let Some(open) = session.as_ref().filter(|s| !s.is_ended()) {
            return Ok(open.clone());
        }
        let open = Session::open(self, self.inbox.clone()).map_err(|e| self.transport(e))?;
        *session = Some(open.clone());
        Ok(open)
    }

    /// The test's session if one is open.
    pub(crate) fn open_session(&self) -> Option<Arc<Session>> {
        self.session.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Starts a request of the test; refused once the test has ended.
    pub(crate) fn enter(&self) -> Result<InFlight<'_>, String> {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if calls.ended {
            return Err(ENDED.to_owned());
        }
        calls.in_flight += 1;
        Ok(InFlight(self))
    }

    /// Ends the test: refuses its further requests and waits for those in
    /// flight (each ends within the runtime's timeout). Whether all ended.
    pub(crate) fn end(&self) -> bool {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.ended = true;
        let limit = self.runtime.timeout + Duration::from_secs(10);
        let (calls, _) = self.idle.wait_timeout_while(calls, limit, |c| c.in_flight > 0).unwrap_or_else(|e| e.into_inner());
        let settled = calls.in_flight == 0;
        drop(calls);
        // The driver disposes what the session holds (capabilities) as it closes.
        self.inbox.close();
        if let Some(session) = self.session.lock().unwrap_or_else(|e| e.into_inner()).take() {
            session.close();
        }
        settled
    }

    /// POSTs `body` to the driver's `path` and decodes `{ ok }` / `{ err }`.
    pub(crate) fn driver<R: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<R, RpcError> {
        let _call = self.enter().map_err(RpcError::Transport)?;
        self.driver_unchecked(path, body)
    }

    /// [`driver`](Self::driver), also after the test ended (for the wipe).
    fn driver_unchecked<R: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<R, RpcError> {
        let body = serde_json::to_vec(body).map_err(|e| RpcError::Conversion(e.to_string()))?;
        let addr = self.runtime.addr().map_err(RpcError::Transport)?;
        let headers = [("x-durable-test-slot".to_owned(), self.slot.to_string()), ("content-type".to_owned(), "application/json".to_owned())];
        let answer = http::send(addr, "POST", path, &headers, &body, self.runtime.timeout).map_err(|e| self.transport(e))?;
        if answer.status != 200 {
            return Err(self.transport(format!("the test driver answered {}: {}", answer.status, String::from_utf8_lossy(&answer.body))));
        }
        match serde_json::from_slice::<Reply<R>>(&answer.body) {
            Ok(Reply::Ok(value)) => Ok(value),
            Ok(Reply::Err(failure)) if failure.remote => Err(RpcError::Remote(failure.message)),
            Ok(Reply::Err(failure)) => Err(RpcError::Transport(failure.message)),
            Err(e) => Err(RpcError::Conversion(format!("the answer does not fit the declared type: {e}"))),
        }
    }

    /// A transport error, with workerd's last words when it has exited.
    pub(crate) fn transport(&self, message: String) -> RpcError {
        let log = self.runtime.log_tail();
        if log.is_empty() {
            RpcError::Transport(message)
        } else {
            RpcError::Transport(format!("{message}\nthe runtime's log ends with:\n{log}"))
        }
    }

    /// Wipes everything the test built in the slot.
    pub(crate) fn wipe(&self) -> Result<(), RpcError> {
        self.driver_unchecked::<serde_json::Value>("/wipe", &serde_json::json!({})).map(drop)
    }
}

#[derive(Serialize)]
pub(crate) struct WireTarget<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
}

impl Target {
    pub(crate) fn wire(&self) -> WireTarget<'_> {
        match &self.at {
            At::Name(name) => WireTarget { name: Some(name), id: None },
            At::Id(id) => WireTarget { name: None, id: Some(id) },
        }
    }

    /// Runs one of the object's test hooks (see `testing.mjs`).
    pub(crate) fn hook<R: DeserializeOwned>(&self, op: &str, args: Vec<serde_json::Value>) -> Result<R, RpcError> {
        let body = serde_json::json!({ "class": self.class, "target": self.wire(), "op": op, "args": args });
        self.lease.driver("/hook", &body)
    }

    /// The headers that route a forwarded request to the object.
    pub(crate) fn route_headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![("x-durable-test-slot".to_owned(), self.lease.slot.to_string()), ("x-durable-test-class".to_owned(), self.class.clone())];
        match &self.at {
            At::Name(name) => headers.push(("x-durable-test-name".to_owned(), percent_encode(name))),
            At::Id(id) => headers.push(("x-durable-test-id".to_owned(), id.clone())),
        }
        headers
    }
}

/// Encodes everything but unreserved characters, as `decodeURIComponent` reads it back.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The target of a stub, or why it has none.
pub(crate) fn target_of(stub: &Stub) -> Result<&Target, RpcError> {
    stub.host_target().and_then(|t| t.as_any().downcast_ref::<Target>()).ok_or_else(|| {
        RpcError::Transport(if stub.host_target().is_some_and(|t| t.as_any().is::<Held>()) {
            "this stub was answered by an object: call its methods; the test hooks (alarm, evict, storage, fetch) take a stub from `TestEnv::namespace`".into()
        } else {
            "this stub does not lead to a test runtime: outside Wasm, stubs come from `durable::testing::TestEnv::namespace`".into()
        })
    })
}

/// Converts one argument of a host-side stub call (used by generated stubs).
#[doc(hidden)]
pub fn arg_to_json<T: Serialize + ?Sized>(method: &str, position: u32, name: &str, value: &T) -> Result<serde_json::Value, RpcError> {
    serde_json::to_value(value).map_err(|e| RpcError::Conversion(format!("{method}: argument {position} (`{name}`): {e}")))
}

/// What a host-side typed stub's `raw` leads to: an object (a
/// [`Stub`]) or a capability the test's session holds (a
/// [`RemoteCapability`](crate::rpc::RemoteCapability)). Used by generated stubs.
#[doc(hidden)]
pub trait HostCallee {
    /// Where calls go.
    fn host_callee(&self) -> Result<Callee, RpcError>;
}

/// Where a host-side call goes: the test's lease, and how the driver finds
/// the callee (`{ op: "call", class, target }` or `{ op: "capcall", handle }`).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Callee {
    lease: Arc<Lease>,
    address: serde_json::Value,
}

impl HostCallee for Stub {
    fn host_callee(&self) -> Result<Callee, RpcError> {
        // A stub the object answered: the session holds it.
        if let Some(held) = self.host_target().and_then(|t| t.as_any().downcast_ref::<Held>()) {
            return Ok(Callee { lease: held.lease.clone(), address: serde_json::json!({ "op": "capcall", "handle": held.handle }) });
        }
        let target = target_of(self)?;
        let address = serde_json::json!({ "op": "call", "class": target.class, "target": target.wire() });
        Ok(Callee { lease: target.lease.clone(), address })
    }
}

impl HostCallee for crate::rpc::RemoteCapability {
    fn host_callee(&self) -> Result<Callee, RpcError> {
        let held = self.host_target().and_then(|t| t.as_any().downcast_ref::<Held>()).ok_or_else(|| {
            RpcError::Transport(format!(
                "this {} stub does not lead to a test runtime: outside Wasm, capabilities come from calls of stubs `durable::testing::TestEnv` hands out",
                self.name()
            ))
        })?;
        Ok(Callee { lease: held.lease.clone(), address: serde_json::json!({ "op": "capcall", "handle": held.handle }) })
    }
}

impl Callee {
    /// Calls `method` with `args` in the test's session; `want` is what the
    /// driver answers: "value", "capability" (a handle) or "pipeline" (a
    /// handle of the call's promise, at once).
    fn request(&self, method: &str, args: Vec<serde_json::Value>, want: &str) -> Result<serde_json::Value, RpcError> {
        let _call = self.lease.enter().map_err(RpcError::Transport)?;
        let session = self.lease.session()?;
        let mut message = self.address.clone();
        message["method"] = method.into();
        message["args"] = args.into();
        message["want"] = want.into();
        session.request(message).map_err(|e| match e {
            RpcError::Transport(m) => self.lease.transport(m),
            other => other,
        })
    }

    /// The capability (of type `name`) a "capability" or "pipeline" answer names.
    fn capability(&self, method: &str, name: &'static str, answer: serde_json::Value) -> Result<crate::rpc::RemoteCapability, RpcError> {
        let handle = answer
            .get("handle")
            .and_then(serde_json::Value::as_u64)
            .filter(|_| answer.get("$durable").and_then(serde_json::Value::as_str) == Some("capability"))
            .ok_or_else(|| RpcError::Conversion(format!("{method}: expected the capability {name}, got {answer}")))?;
        Ok(crate::rpc::RemoteCapability::for_host(Arc::new(Held { lease: self.lease.clone(), handle }), name))
    }
}

/// A capability the test's session holds, under its handle number.
#[derive(Debug)]
pub(crate) struct Held {
    pub(crate) lease: Arc<Lease>,
    pub(crate) handle: u64,
}

impl crate::rpc::transport::HostTarget for Held {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    /// Disposes it (unless the test has ended: closing the session did).
    fn release(&self) {
        let Ok(_call) = self.lease.enter() else { return };
        if let Some(session) = self.lease.open_session() {
            let _ = session.post(&serde_json::json!({ "op": "dispose", "handle": self.handle, "seq": 0 }));
        }
    }

    fn dup(&self) -> Result<crate::rpc::transport::SharedTarget, RpcError> {
        let _call = self.lease.enter().map_err(RpcError::Transport)?;
        let answer = self.lease.session()?.request(serde_json::json!({ "op": "dup", "handle": self.handle }))?;
        let handle = answer.get("handle").and_then(serde_json::Value::as_u64).ok_or_else(|| RpcError::Conversion(format!("dup answered {answer}")))?;
        Ok(Arc::new(Held { lease: self.lease.clone(), handle }))
    }
}

/// Runs `work` on a thread of its own: calls the test joins are in flight
/// together, and the test's thread stays free to run its callbacks.
async fn offloaded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match super::executor::offload(work).await {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Calls `method` through the test runtime (used by generated stubs outside Wasm).
#[doc(hidden)]
pub async fn call_stub<R: DeserializeOwned + Send + 'static>(
    callee: &impl HostCallee,
    method: &str,
    args: Vec<serde_json::Value>,
) -> Result<R, RpcError> {
    let callee = callee.host_callee()?;
    let method = method.to_owned();
    offloaded(move || {
        let answer = callee.request(&method, args, "value")?;
        super::values::decode(&callee.lease, answer).map_err(|e| RpcError::Conversion(format!("{method}: the answer does not fit the declared type: {e}")))
    })
    .await
}

/// Calls `method`, which returns a capability of type `T`, through the test
/// runtime: the capability's typed stub (used by generated stubs outside Wasm).
#[doc(hidden)]
pub async fn call_capability<T: crate::rpc::Target>(
    callee: &impl HostCallee,
    method: &str,
    args: Vec<serde_json::Value>,
) -> Result<T::Stub, RpcError> {
    let callee = callee.host_callee()?;
    let method = method.to_owned();
    let name = T::NAME;
    let capability = offloaded(move || {
        let answer = callee.request(&method, args, "capability")?;
        callee.capability(&method, name, answer)
    })
    .await?;
    Ok(capability.into())
}

/// `<method>_pipelined` through the test runtime: the driver makes the call
/// and keeps its promise, whose stub the test's calls then go to (used by
/// generated stubs outside Wasm).
#[doc(hidden)]
pub fn call_pipelined<T: crate::rpc::Target>(callee: &impl HostCallee, method: &str, args: Vec<serde_json::Value>) -> Result<T::Stub, RpcError> {
    let callee = callee.host_callee()?;
    // The driver answers at once, without waiting for the call.
    let answer = callee.request(method, args, "pipeline")?;
    Ok(callee.capability(method, T::NAME, answer)?.into())
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn names_are_percent_encoded() {
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(percent_encode("plain-name_1"), "plain-name_1");
    }
}
