//! Outside Wasm, where a [`Stub`](super::Stub)'s calls go.
//!
//! In Wasm a stub wraps the runtime's JavaScript stub. On the host (under
//! `cargo test`) there is no JavaScript: a stub made by the test harness
//! carries a [`HostTarget`] instead, the object it leads to in the test
//! runtime. This module defines what a host target is; `durable::testing`
//! implements it. The harness depends on the RPC layer, never the other way
//! round.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// The object a host-side stub leads to. Only the test harness makes one,
/// and only it looks inside (through [`HostTarget::as_any`]).
pub(crate) trait HostTarget: fmt::Debug + Send + Sync + std::panic::RefUnwindSafe + std::panic::UnwindSafe + 'static {
    /// The harness's own type, to downcast to.
    fn as_any(&self) -> &dyn Any;

    /// Lets go of what this target holds (a capability: disposes it). Called
    /// once, when the [`RemoteCapability`](super::RemoteCapability) holding
    /// it is dropped.
    fn release(&self) {}

    /// A second owner of what this target leads to (a capability's `dup()`).
    fn dup(&self) -> Result<SharedTarget, super::RpcError> {
        Err(super::RpcError::Transport("this stub cannot be duplicated".into()))
    }
}

/// A stub's host-side target: shared by its clones.
pub(crate) type SharedTarget = Arc<dyn HostTarget>;

// Outside Wasm a stub holds no JavaScript value (wasm-bindgen's `JsValue`
// cannot be cloned or printed there): it is its host target.
impl Clone for super::Stub {
    fn clone(&self) -> Self {
        super::Stub { raw: wasm_bindgen::JsValue::UNDEFINED, test: self.test.clone() }
    }
}

impl fmt::Debug for super::Stub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stub").field("test", &self.test).finish()
    }
}

impl super::Stub {
    /// A stub that leads to `target` (made by the test harness).
    pub(crate) fn for_host(target: SharedTarget) -> Self {
        super::Stub { raw: wasm_bindgen::JsValue::UNDEFINED, test: Some(target) }
    }

    /// The host target of this stub, if it has one.
    pub(crate) fn host_target(&self) -> Option<&dyn HostTarget> {
        self.test.as_deref()
    }
}

impl super::RemoteCapability {
    /// A capability held by the test runtime's driver (made by the harness).
    pub(crate) fn for_host(target: SharedTarget, name: &'static str) -> Self {
        let mut capability = super::RemoteCapability::from_raw(wasm_bindgen::JsValue::UNDEFINED, name);
        capability.host = Some(target);
        capability
    }

    /// The host target of this capability, if it has one.
    pub(crate) fn host_target(&self) -> Option<&dyn HostTarget> {
        self.host.as_deref()
    }
}
