//! Runs a test's async body to completion on the test's own thread, with a
//! park/unpark waker; and [`offload`], which runs the harness's blocking I/O
//! on a thread of its own, so that calls a test joins really are in flight
//! together.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use super::session::{Inbox, Invocation};
use crate::rpc::callback_host::invoke;

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` until it is ready, parking the thread in between.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}

/// [`block_on`], also running the calls of the test's callbacks that come
/// into `inbox` (on this thread, where their closures live) while `future`
/// waits. A callback that panics fails the object's call of it; once
/// `future` is done, the panic resumes, failing the test with its message.
pub(crate) fn block_on_serving<F: Future>(inbox: &Inbox, future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let panicked: Rc<RefCell<Option<Box<dyn Any + Send>>>> = Rc::default();
    let mut tasks: Vec<Pin<Box<dyn Future<Output = ()>>>> = Vec::new();
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            if let Some(panic) = panicked.borrow_mut().take() {
                std::panic::resume_unwind(panic);
            }
            return value;
        }
        for job in inbox.take() {
            tasks.push(Box::pin(serve(job, panicked.clone())));
        }
        tasks.retain_mut(|task| task.as_mut().poll(&mut cx).is_pending());
        std::thread::park();
    }
}

/// Runs one call of a test's callback and answers the driver.
async fn serve(job: Invocation, panicked: Rc<RefCell<Option<Box<dyn Any + Send>>>>) {
    let record = |panic: Box<dyn Any + Send>| {
        let message = format!("the test's callback panicked: {}", panic_message(&*panic));
        panicked.borrow_mut().get_or_insert(panic);
        Err(message)
    };
    let answer = match catch_unwind(AssertUnwindSafe(|| invoke(job.callback, job.args))) {
        Err(panic) => record(panic),
        Ok(Err(message)) => Err(message),
        Ok(Ok(work)) => match (CatchUnwind { inner: work }).await {
            Ok(answer) => answer,
            Err(panic) => record(panic),
        },
    };
    let reply = match answer {
        Ok(value) => serde_json::json!({ "op": "reply", "call": job.call, "ok": value }),
        Err(message) => serde_json::json!({ "op": "reply", "call": job.call, "err": message }),
    };
    let _ = job.session.post(&reply);
}

/// The text of a panic's payload.
pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// A future whose panics are caught.
struct CatchUnwind<F: ?Sized> {
    inner: Pin<Box<F>>,
}

impl<F: Future + ?Sized> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// What a thread started by [`offload`] shares with its future.
struct Shared<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// A future for work done on another thread.
pub(crate) struct Offloaded<T> {
    shared: Arc<Mutex<Shared<T>>>,
}

impl<T> Future for Offloaded<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        match shared.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                shared.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs `work` on a new thread; the future resolves to its result. A panic
/// in `work` resurfaces where the future is awaited.
pub(crate) fn offload<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Offloaded<std::thread::Result<T>> {
    let shared = Arc::new(Mutex::new(Shared { value: None, waker: None }));
    let theirs = shared.clone();
    std::thread::spawn(move || {
        let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let mut shared = theirs.lock().unwrap_or_else(|e| e.into_inner());
        shared.value = Some(value);
        if let Some(waker) = shared.waker.take() {
            waker.wake();
        }
    });
    Offloaded { shared }
}

#[cfg(test)]
mod tests {
    use super::{block_on, offload};

    #[test]
    fn offloaded_work_runs_together() {
        let started = std::time::Instant::now();
        let nap = || std::thread::sleep(std::time::Duration::from_millis(200));
        block_on(async {
            let (a, b) = (offload(nap), offload(nap));
            a.await.unwrap();
            b.await.unwrap();
        });
        assert!(started.elapsed() < std::time::Duration::from_millis(390), "{:?}", started.elapsed());
    }

    #[test]
    fn runs_nested_awaits() {
        async fn double(x: u32) -> u32 {
            x * 2
        }
        assert_eq!(block_on(async { double(double(3).await).await }), 12);
    }
}
