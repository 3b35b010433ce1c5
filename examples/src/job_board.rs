//! The job board shape (callbacks and capabilities together): workers
//! `claim` jobs. A claim is a capability (`JobClaim`) the worker holds while it
//! works; the board keeps the worker's callback and tells it what happens
//! to the claim. Dropping a claim unfinished puts its job back. Finished
//! jobs are counted in a tally, a `Counter` whose stub the caller hands the
//! board (a stub passed as a value). Called from `durable::testing` tests
//! (`examples/tests/capabilities.rs`); no route.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use durable::prelude::*;
use durable::rpc::{Callback, Capability};

use crate::counter::CounterStub;

/// A job board.
#[durable_object]
pub struct JobBoard {
    /// What the board shares with the claims it handed out.
    shared: Rc<Shared>,
}

/// The jobs waiting, the claims held, and the tally of finished jobs.
#[derive(Default)]
struct Shared {
    waiting: RefCell<VecDeque<String>>,
    claimed: Cell<u32>,
    tally: RefCell<Option<CounterStub>>,
}

#[durable_object]
impl JobBoard {
    pub fn new(_state: State, _env: Env) -> Self {
        Self { shared: Rc::default() }
    }

    /// Posts `job`; resolves to how many jobs wait.
    pub fn post(&self, job: String) -> u32 {
        self.shared.waiting.borrow_mut().push_back(job);
        self.shared.waiting.borrow().len() as u32
    }

    /// Claims the next job for `worker`, or fails when none waits. The board
    /// keeps `notify` (the caller keeps a clone while it holds the claim) and
    /// calls it now ("ada claimed build") and when the claim ends.
    pub async fn claim(&self, worker: String, notify: Callback<(String,), ()>) -> std::result::Result<Capability<JobClaim>, String> {
        let job = self.shared.waiting.borrow_mut().pop_front().ok_or("no job to claim")?;
        if let Err(e) = notify.call((format!("{worker} claimed {job}"),)).await {
            self.shared.waiting.borrow_mut().push_front(job);
            return Err(format!("the worker's callback failed: {e}"));
        }
        self.shared.claimed.set(self.shared.claimed.get() + 1);
        Ok(Capability::new(JobClaim { job, worker, notify, finished: Cell::new(false), board: Rc::clone(&self.shared) }))
    }

    /// How many claims workers hold.
    pub fn claimed(&self) -> u32 {
        self.shared.claimed.get()
    }

    /// How many jobs wait.
    pub fn waiting(&self) -> u32 {
        self.shared.waiting.borrow().len() as u32
    }

    /// Counts each finished job in `tally` from now on (a stub of another
    /// object, passed as an argument).
    pub fn set_tally(&self, tally: CounterStub) {
        *self.shared.tally.borrow_mut() = Some(tally);
    }

    /// The tally set by [`set_tally`](Self::set_tally) (a stub as a result).
    pub fn tally(&self) -> std::result::Result<CounterStub, String> {
        self.shared.tally.borrow().clone().ok_or_else(|| "no tally set".to_owned())
    }
}

/// A job claimed by a worker, handed out by [`JobBoard::claim`].
pub struct JobClaim {
    job: String,
    worker: String,
    notify: Callback<(String,), ()>,
    finished: Cell<bool>,
    board: Rc<Shared>,
}

/// An unfinished claim let go of puts its job back.
impl Drop for JobClaim {
    fn drop(&mut self) {
        self.board.claimed.set(self.board.claimed.get() - 1);
        if !self.finished.get() {
            self.board.waiting.borrow_mut().push_front(self.job.clone());
        }
    }
}

#[durable::rpc_target]
impl JobClaim {
    /// The job claimed.
    pub fn job(&self) -> String {
        self.job.clone()
    }

    /// Finishes the job with `result`: tells the worker's callback, counts
    /// it in the tally (if set), and resolves to what the callback was told.
    pub async fn finish(&self, result: String) -> Result<String> {
        if self.finished.replace(true) {
            return Err(Error::message(format!("{} is finished already", self.job)));
        }
        let said = format!("{} finished {}: {result}", self.worker, self.job);
        self.notify.call((said.clone(),)).await?;
        let tally = self.board.tally.borrow().clone();
        if let Some(tally) = tally {
            tally.increment(1).await?;
        }
        Ok(said)
    }
}
