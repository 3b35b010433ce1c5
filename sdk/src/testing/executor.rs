//! Runs a test's async body to completion on the test's own thread, with a
//! park/unpark waker; and [`offload`], which runs the harness's blocking I/O
//! on a thread of its own, so that calls a test joins really are in flight
//! together.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

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
