//! The executor of one Wasm instance: runs the futures of the object's calls
//! with as few trips through JavaScript as their work allows.
//!
//! wasm-bindgen-futures polls every future in a microtask of its own: a
//! call's first poll waits for one, and so does every poll after a promise
//! settles (its callback wakes the task, which queues a microtask). Here:
//! - a call from the JavaScript runtime is polled at once, inside the call
//!   ([`spawn_call`]); one that finishes without waiting returns its value
//!   directly, and one that waits is settled later through the runtime's
//!   `settle` hook: no promise is made in Wasm for it;
//! - a promise awaited through [`wait`] (what the SDK's storage and RPC
//!   calls use) is followed by the runtime, which calls back into Wasm when
//!   it settles, and the waiting task is polled in that same callback;
//! - any other waker (a `JsFuture` in user code, a channel...) queues the
//!   task and, if no Rust code of the instance is running, one microtask
//!   that runs the queue, as wasm-bindgen-futures does.
//!
//! Soundness: a task is polled only from an *entry* ([`Entry::Drains`]) that
//! the JavaScript runtime calls with no Rust frame of this instance below
//! it (a call from the runtime, a settled promise, the queue's microtask),
//! or from the queue that such an entry drains before it returns. So no poll
//! can start while user code holds a `RefCell` borrow further down the
//! stack. Anything woken while Rust code runs (`ACTIVE > 0`) only queues.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The work of one task: resolves to the value the call answers with, or the
/// error it throws.
type Work = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Where a task's outcome goes.
enum Outcome {
    /// Kept for [`spawn_call`], which returns it if the task finished within
    /// the call that started it.
    Immediate(Option<Result<JsValue, JsValue>>),
    /// To the runtime's call `call` (`hooks.settle`).
    Call(u32),
    /// To a promise handed out when the task was spawned.
    Promise { resolve: Function, reject: Function },
}

struct Task {
    work: RefCell<Option<Work>>,
    waker: Waker,
    outcome: RefCell<Outcome>,
    queued: Cell<bool>,
}

/// A task's waker: its id (a `Send + Sync` value, as `Waker` requires; the
/// task itself lives in this instance's thread-local table).
struct TaskWaker(u64);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        wake(self.0);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        wake(self.0);
    }
}

/// A promise being followed by the runtime on behalf of [`Wait`].
#[derive(Default)]
struct Slot {
    result: Option<Result<JsValue, JsValue>>,
    waker: Option<Waker>,
}

thread_local! {
    static TASKS: RefCell<HashMap<u64, Rc<Task>>> = RefCell::default();
    static NEXT_TASK: Cell<u64> = const { Cell::new(1) };
    static QUEUE: RefCell<VecDeque<u64>> = RefCell::default();
    /// Rust entries of this instance on the stack.
    static ACTIVE: Cell<u32> = const { Cell::new(0) };
    /// A microtask that drains the queue is pending.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    static TICK: OnceCell<Closure<dyn FnMut()>> = const { OnceCell::new() };
    static SLOTS: RefCell<HashMap<u32, Slot>> = RefCell::default();
    static NEXT_SLOT: Cell<u32> = const { Cell::new(1) };
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &Function);
}

/// How an entry from JavaScript ends.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Entry {
    /// Polls what was queued meanwhile before returning (the entry was
    /// called with no Rust frame of this instance below it).
    Drains,
    /// Leaves what was queued meanwhile to a microtask: the constructor and
    /// synchronous methods, whose tasks (a `blockConcurrencyWhile` load, say)
    /// have always started after the call returned, not inside it.
    Defers,
}

/// Runs `f` as an entry into this instance's Rust code.
///
/// The depth (`ACTIVE`) is restored by a guard, so an unwinding that runs
/// destructors (a panic in a build that unwinds) leaves it right. On
/// `wasm32-unknown-unknown` a panic aborts, and a JavaScript exception that
/// unwinds through Rust frames (an import without `catch` that throws) runs
/// no destructor: the depth stays raised, which is how the JavaScript
/// runtime recognises it ([`depth`], read before and after a call) and kills
/// the instance: its Rust state may be inconsistent, and with `ACTIVE > 0`
/// its tasks would only queue.
pub(crate) fn enter<R>(entry: Entry, f: impl FnOnce() -> R) -> R {
    let guard = Depth::enter();
    let result = f();
    if guard.outermost && entry == Entry::Drains {
        while let Some(id) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
            run(id);
        }
    }
    let outermost = guard.outermost;
    drop(guard);
    if outermost && entry == Entry::Defers && QUEUE.with(|q| !q.borrow().is_empty()) {
        schedule();
    }
    result
}

/// One entry's share of `ACTIVE`, given back when it is dropped.
struct Depth {
    outermost: bool,
}

impl Depth {
    fn enter() -> Self {
        let depth = ACTIVE.with(|a| a.replace(a.get() + 1));
        Self { outermost: depth == 0 }
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(a.get().saturating_sub(1)));
    }
}

/// How many entries of this instance's Rust code are on the stack: 0 when
/// none runs. Read by the JavaScript runtime (`__durable_depth`) to tell a
/// thrown `Err` (Rust returned: the depth is back) from an exception that
/// unwound through Rust frames (it is not).
pub(crate) fn depth() -> u32 {
    ACTIVE.with(Cell::get)
}

fn schedule() {
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    TICK.with(|tick| {
        let tick = tick.get_or_init(|| {
            Closure::new(|| {
                SCHEDULED.with(|s| s.set(false));
                enter(Entry::Drains, || {});
            })
        });
        queue_microtask(tick.as_ref().unchecked_ref());
    });
}

fn wake(id: u64) {
    let Some(task) = TASKS.with(|t| t.borrow().get(&id).cloned()) else { return };
    if task.queued.replace(true) {
        return;
    }
    QUEUE.with(|q| q.borrow_mut().push_back(id));
    if ACTIVE.with(Cell::get) == 0 {
        schedule();
    }
}

/// Polls task `id` once; settles its outcome if it finished.
fn run(id: u64) {
    let Some(task) = TASKS.with(|t| t.borrow().get(&id).cloned()) else { return };
    task.queued.set(false);
    let polled = {
        let mut work = task.work.borrow_mut();
        let Some(future) = work.as_mut() else { return };
        future.as_mut().poll(&mut Context::from_waker(&task.waker))
    };
    if let Poll::Ready(result) = polled {
        TASKS.with(|t| t.borrow_mut().remove(&id));
        // Dropped outside the borrow: its destructors may wake other tasks.
        let finished = task.work.borrow_mut().take();
        drop(finished);
        let mut outcome = task.outcome.borrow_mut();
        match &mut *outcome {
            Outcome::Immediate(slot) => *slot = Some(result),
            Outcome::Call(call) => {
                let call = *call;
                drop(outcome);
                crate::hooks::settle(call, result);
            }
            Outcome::Promise { resolve, reject } => {
                let (resolve, reject) = (resolve.clone(), reject.clone());
                drop(outcome);
                let _ = match result {
                    Ok(value) => resolve.call1(&JsValue::UNDEFINED, &value),
                    Err(error) => reject.call1(&JsValue::UNDEFINED, &error),
                };
            }
        }
    }
}

fn insert(work: Work, outcome: Outcome) -> (u64, Rc<Task>) {
    let id = NEXT_TASK.with(|n| n.replace(n.get() + 1));
    let task = Rc::new(Task {
        work: RefCell::new(Some(work)),
        waker: Waker::from(Arc::new(TaskWaker(id))),
        outcome: RefCell::new(outcome),
        queued: Cell::new(false),
    });
    TASKS.with(|t| t.borrow_mut().insert(id, Rc::clone(&task)));
    (id, task)
}

/// Runs the work of the runtime's call `call`. Polled at once when nothing
/// of this instance runs below (the usual case: the runtime called in):
/// `Ok`/`Err` if it finished, else `pending` and the outcome goes to
/// `hooks.settle(call, ..)` later.
pub(crate) fn spawn_call<F>(call: u32, pending: &JsValue, work: F) -> Result<JsValue, JsValue>
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let work: Work = Box::pin(work);
    if ACTIVE.with(Cell::get) > 0 {
        // Called from JavaScript that Rust code of this instance called:
        // queued, and polled when that code's entry drains the queue.
        let (id, _) = insert(work, Outcome::Call(call));
        wake(id);
        return Ok(pending.clone());
    }
    let (id, task) = insert(work, Outcome::Immediate(None));
    // Polls it, then whatever it woke meanwhile (which may finish it too).
    enter(Entry::Drains, || run(id));
    // From now on, a finish is reported to the runtime.
    match task.outcome.replace(Outcome::Call(call)) {
        Outcome::Immediate(Some(result)) => result,
        _ => Ok(pending.clone()),
    }
}

/// Runs `work` as a task of its own, deferred to the queue (as the callback
/// of `blockConcurrencyWhile` or a transaction must not run inside the call
/// that started it), and returns a promise of its outcome.
pub(crate) fn spawn_promise<F>(work: F) -> Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let mut work = Some(Box::pin(work) as Work);
    Promise::new(&mut |resolve, reject| {
        if let Some(work) = work.take() {
            let (id, _) = insert(work, Outcome::Promise { resolve, reject });
            wake(id);
        }
    })
}

/// Resumes the task waiting on slot `slot`: called by the runtime when the
/// promise it follows for [`wait`] settles, from a microtask (no Rust frame
/// of this instance below).
pub(crate) fn resume(slot: u32, result: Result<JsValue, JsValue>) {
    enter(Entry::Drains, || {
        let waker = SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            let slot = slots.get_mut(&slot)?;
            slot.result = Some(result);
            slot.waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    });
}

/// Awaits a JavaScript promise. With the runtime's hooks, the runtime
/// follows the promise and resumes the waiting task in its callback (no
/// wasm-bindgen closures, no extra microtask); without them (outside the
/// durable runtime) it is a `JsFuture`.
pub(crate) fn wait(promise: Promise) -> Wait {
    let slot = NEXT_SLOT.with(|next| {
        SLOTS.with(|slots| {
            let slots = slots.borrow();
            let mut slot = next.get();
            while slot == 0 || slots.contains_key(&slot) {
                slot = slot.wrapping_add(1);
            }
            next.set(slot.wrapping_add(1));
            slot
        })
    });
    if crate::hooks::follow(&promise, slot) {
        SLOTS.with(|s| s.borrow_mut().insert(slot, Slot::default()));
        Wait::Followed(slot)
    } else {
        Wait::Foreign(wasm_bindgen_futures::JsFuture::from(promise))
    }
}

/// The future of [`wait`].
pub(crate) enum Wait {
    Followed(u32),
    Foreign(wasm_bindgen_futures::JsFuture),
}

impl Future for Wait {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Wait::Foreign(future) => Pin::new(future).poll(cx),
            Wait::Followed(slot) => SLOTS.with(|slots| {
                let mut slots = slots.borrow_mut();
                let Some(entry) = slots.get_mut(slot) else {
                    return Poll::Ready(Err(JsValue::from_str("awaited a promise twice")));
                };
                match entry.result.take() {
                    Some(result) => {
                        slots.remove(slot);
                        Poll::Ready(result)
                    }
                    None => {
                        entry.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            }),
        }
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let Wait::Followed(slot) = self {
            // A settlement that comes later finds no slot and is dropped.
            let _ = SLOTS.try_with(|s| s.borrow_mut().remove(slot));
        }
    }
}
