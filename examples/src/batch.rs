//! The batch processor from the alarms documentation: requests queue work, and
//! an alarm ten seconds after the first one processes the whole batch.
//!
//! | route | does |
//! |---|---|
//! | `/batch/?name=A&job=x` | queues job `x`, answers `Queued` |
//! | `/batch/status?name=A` | `{"queued": [..], "processed": [..], "alarm": ms or null}` |
//! | `/batch/echo?name=A` (any method) | what reached the object: `{"method", "path", "query", "header", "body"}` (`header` is `x-echo`) |
//! | `/batch/init?name=A` | the same, for a `PUT` the worker builds from a URL and a `RequestInit` |
//!
//! The worker forwards each request to the object with its method, headers and
//! body (`stub.forward`); `/batch/init` uses the URL and init form (`stub.fetch_url`).
//!
//! `delay_ms=` on a queueing request shortens the ten seconds (the tests use it).

use std::time::{Duration, UNIX_EPOCH};

use durable::prelude::*;
use serde::Serialize;
use worker::Url;

/// Queues jobs and processes them in batches.
#[durable_object(binding = "BATCH")]
pub struct BatchProcessor {
    state: State,
}

#[derive(Serialize)]
struct Status {
    queued: Vec<String>,
    processed: Vec<String>,
    alarm: Option<u64>,
}

#[durable_object]
impl BatchProcessor {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub async fn fetch(&self, mut req: Request) -> Result<Response> {
        let url = req.url()?;
        let param = |k: &str| url.query_pairs().find(|(key, _)| key == k).map(|(_, v)| v.into_owned());
        let storage = self.state.storage();
        match req.path().as_str() {
            "/" => {
                let job = param("job").ok_or("missing `job`")?;
                // On the first request of a batch, schedule the alarm.
                if storage.get_alarm().await?.is_none() {
                    let delay = param("delay_ms").and_then(|d| d.parse().ok()).unwrap_or(10_000);
                    storage.set_alarm_after(Duration::from_millis(delay)).await?;
                }
                let mut queued: Vec<String> = storage.get("queued").await?.unwrap_or_default();
                queued.push(job);
                storage.put("queued", &queued).await?;
                Ok(Response::ok("Queued")?)
            }
            "/echo" => {
                let method = req.method().to_string();
                let header = req.headers().get("x-echo")?;
                Ok(Response::from_json(&serde_json::json!({
                    "method": method,
                    "path": req.path(),
                    "query": url.query(),
                    "header": header,
                    "body": req.text().await?,
                }))?)
            }
            "/status" => {
                let alarm = storage.get_alarm().await?.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_millis() as u64);
                Ok(Response::from_json(&Status {
                    queued: storage.get("queued").await?.unwrap_or_default(),
                    processed: storage.get("processed").await?.unwrap_or_default(),
                    alarm,
                })?)
            }
            _ => Ok(Response::error("Not found", 404)?),
        }
    }

    /// Processes the queued jobs.
    pub async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        let storage = self.state.storage();
        let queued: Vec<String> = storage.get("queued").await?.unwrap_or_default();
        let mut processed: Vec<String> = storage.get("processed").await?.unwrap_or_default();
        processed.extend(queued.into_iter().map(|job| format!("{job} done")));
        storage.put("processed", &processed).await?;
        storage.put("queued", &Vec::<String>::new()).await?;
        Ok(())
    }
}

pub(crate) async fn handle(req: worker::Request, env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let name = crate::name_param(url).unwrap_or_else(|| "A".to_owned());
    // The binding the class declares (`BATCH`, in the attribute above).
    let batch = Namespace::<BatchProcessor>::from_env_default(env)?.get_by_name(&name)?;
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    let mut answer = if rest == "/init" {
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::Put).with_body(Some("built by the worker".into()));
        init.headers.set("x-echo", "fetch_url")?;
        batch.fetch_url(&format!("https://batch/echo{query}"), &init).await?
    } else {
        batch.forward(req, &format!("https://batch{rest}{query}")).await?
    };
    let status = answer.status_code();
    let text = answer.text().await?;
    Ok(Response::ok(text)?.with_status(status))
}
