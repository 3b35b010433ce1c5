//! Capabilities as values: a job board whose jobs are capabilities handed
//! out inside structs, enums, `Option`s and `Vec`s, and taken back as
//! arguments. A `Job` is a `#[durable::rpc_target]`; where it crosses RPC
//! by value it is named by its typed stub, `JobStub` (made from a
//! `Capability<Job>` with `.into()`).
//!
//! `GET /board/relay?name=A&peer=B` runs the Rust caller's side: board `A`
//! passes jobs of its own to board `B` (arguments), gets `B`'s listing
//! (nested results), and answers what it saw. The JavaScript worker in
//! `examples/js-caller` calls the same object (`/js/board`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use durable::prelude::*;
use durable::rpc::Capability;
use serde::{Deserialize, Serialize};
use worker::Url;

/// A job on a board: a live object its holders call.
pub struct Job {
    title: String,
    /// The board's count of live jobs (shared with each job).
    live: Rc<Cell<u32>>,
}

impl Job {
    fn new(title: impl Into<String>, live: &Rc<Cell<u32>>) -> Capability<Job> {
        live.set(live.get() + 1);
        Capability::new(Job { title: title.into(), live: Rc::clone(live) })
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
    }
}

#[durable::rpc_target]
impl Job {
    /// What the job is.
    pub fn title(&self) -> String {
        self.title.clone()
    }
}

/// A board's open jobs: capabilities in a `Vec` and an `Option`, beside
/// plain fields.
#[derive(Serialize, Deserialize, durable::TypeScript)]
pub struct Listing {
    pub board: String,
    pub jobs: Vec<JobStub>,
    pub featured: Option<JobStub>,
    pub notes: Vec<String>,
}

/// The answer to a claim: a capability in an enum's variant.
#[derive(Serialize, Deserialize, durable::TypeScript)]
pub enum Claim {
    Taken { job: JobStub, position: u32 },
    Closed(String),
}

/// A job board.
#[durable_object]
pub struct Board {
    _state: State,
    env: Env,
    /// Jobs of this instance still alive (held by a caller or by the board).
    live: Rc<Cell<u32>>,
    /// Jobs of others this board keeps (taken by `keep`).
    kept: RefCell<Vec<JobStub>>,
}

#[durable_object]
impl Board {
    pub fn new(state: State, env: Env) -> Self {
        Self { _state: state, env, live: Rc::new(Cell::new(0)), kept: RefCell::new(Vec::new()) }
    }

    /// `count` new jobs, the first also featured.
    pub fn listing(&self, count: u32) -> Listing {
        let jobs = (1..=count).map(|i| Job::new(format!("job {i}"), &self.live).into()).collect();
        let featured = (count > 0).then(|| Job::new("featured", &self.live).into_stub());
        let notes = (0..10).map(|i| format!("note {i}")).collect();
        Listing { board: "open".into(), jobs, featured, notes }
    }

    /// Claims a job: `Taken` with it, or `Closed` for an empty title.
    pub fn claim(&self, title: String) -> Claim {
        if title.is_empty() {
            return Claim::Closed("no such job".into());
        }
        Claim::Taken { job: Job::new(title, &self.live).into(), position: 1 }
    }

    /// The titles of `jobs` and of `extra`, called during the call; the
    /// board keeps none of them.
    pub async fn titles(&self, jobs: Vec<JobStub>, extra: Option<JobStub>) -> Result<Vec<String>> {
        let mut titles = Vec::new();
        for job in jobs.iter().chain(extra.iter()) {
            titles.push(job.title().await?);
        }
        Ok(titles)
    }

    /// Keeps `job` beyond the call; answers how many it keeps.
    pub fn keep(&self, job: JobStub) -> u32 {
        self.kept.borrow_mut().push(job);
        self.kept.borrow().len() as u32
    }

    /// The titles of the jobs it keeps, called now.
    pub async fn kept_titles(&self) -> Result<Vec<String>> {
        let kept: Vec<JobStub> = self.kept.borrow().iter().map(|job| job.dup()).collect::<std::result::Result<_, _>>()?;
        let mut titles = Vec::new();
        for job in &kept {
            titles.push(job.title().await?);
        }
        Ok(titles)
    }

    /// Drops the jobs it keeps (disposing them); answers how many.
    pub fn release(&self) -> u32 {
        let kept = std::mem::take(&mut *self.kept.borrow_mut());
        kept.len() as u32
    }

    /// Gives back `job` inside a `Claim` (a received stub, handed on).
    pub fn hand_back(&self, job: JobStub) -> Claim {
        Claim::Taken { job, position: 2 }
    }

    /// Jobs of this instance still alive.
    pub fn live(&self) -> u32 {
        self.live.get()
    }

    /// A local job's title, called through its own stub (no RPC hop), and
    /// the jobs alive once that stub is dropped.
    pub async fn local_title(&self) -> Result<(String, u32)> {
        let job: JobStub = Job::new("local", &self.live).into();
        let title = job.title().await?;
        drop(job);
        Ok((title, self.live.get()))
    }

    /// The Rust caller's side, from one board to another (`peer`): passes
    /// jobs of its own as arguments, takes the peer's listing and claim
    /// (stubs in results), and reports what it saw.
    pub async fn relay(&self, peer: String) -> Result<serde_json::Value> {
        let peer = Namespace::<Board>::from_env_default(&self.env)?.get_by_name(&peer)?;
        // Arguments: jobs of this board, in a `Vec` and an `Option`.
        let mine: Vec<JobStub> = vec![Job::new("mine 1", &self.live).into(), Job::new("mine 2", &self.live).into()];
        let titles = peer.titles(mine, Some(Job::new("mine 3", &self.live).into())).await?;
        let live_after_titles = self.live.get();
        // One the peer keeps: it calls it later, then lets it go.
        let kept = peer.keep(Job::new("kept", &self.live).into()).await?;
        let live_while_kept = self.live.get();
        let kept_titles = peer.kept_titles().await?;
        let released = peer.release().await?;
        let live_after_release = self.live.get();
        // Results: the peer's jobs, in a struct and an enum.
        let listing = peer.listing(2).await?;
        let mut listed = Vec::new();
        for job in listing.jobs.iter().chain(listing.featured.iter()) {
            listed.push(job.title().await?);
        }
        let peer_live_held = peer.live().await?;
        drop(listing);
        let peer_live_dropped = peer.live().await?;
        let claimed = match peer.claim("paint".into()).await? {
            Claim::Taken { job, position } => format!("{} at {position}", job.title().await?),
            Claim::Closed(why) => why,
        };
        let closed = match peer.claim(String::new()).await? {
            Claim::Taken { .. } => "taken".to_owned(),
            Claim::Closed(why) => why,
        };
        // A stub of this board's job, given to the peer and handed back.
        let back = match peer.hand_back(Job::new("round trip", &self.live).into()).await? {
            Claim::Taken { job, position } => format!("{} at {position}", job.title().await?),
            Claim::Closed(why) => why,
        };
        // The stub handed back is dropped: the job is released (the peer let go of it).
        let live_at_end = self.settled(0).await;
        Ok(serde_json::json!({
            "titles": titles, "liveAfterTitles": live_after_titles, "kept": kept, "liveWhileKept": live_while_kept,
            "keptTitles": kept_titles, "released": released, "liveAfterRelease": live_after_release,
            "listed": listed, "peerLiveHeld": peer_live_held, "peerLiveDropped": peer_live_dropped,
            "claimed": claimed, "closed": closed, "back": back, "liveAtEnd": live_at_end,
        }))
    }
}

impl Board {
    /// The live jobs once they reach `want` (a disposal reaches this
    /// instance as a later event), or the last count.
    async fn settled(&self, want: u32) -> u32 {
        for _ in 0..50 {
            if self.live.get() == want {
                break;
            }
            worker::Delay::from(std::time::Duration::from_millis(20)).await;
        }
        self.live.get()
    }
}

pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::error(crate::NAME_HINT, 400);
    };
    let board = Namespace::<Board>::from_env_default(env)?.get_by_name(&name)?;
    match rest {
        "/relay" => {
            let peer = url.query_pairs().find(|(k, _)| k == "peer").map(|(_, v)| v.into_owned()).unwrap_or_else(|| format!("{name}-peer"));
            Response::from_json(&board.relay(peer).await?)
        }
        "/live" => Response::from_json(&board.live().await?),
        "/local" => Response::from_json(&board.local_title().await?),
        _ => Response::error("Not found", 404),
    }
}
