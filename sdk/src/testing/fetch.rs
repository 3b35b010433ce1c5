//! HTTP requests from a test to an object's `fetch` handler.

use super::http;
use super::target::{Lease, Target};
use crate::{Error, Result};

/// A request for an object's `fetch` handler (the object sees the URL
/// `https://object` + `path`), or for the worker's own
/// ([`TestEnv::fetch_worker`](super::TestEnv::fetch_worker)).
///
/// ```no_run
/// # use durable::testing::TestRequest;
/// let get = TestRequest::get("/counter?name=a");
/// let post = TestRequest::new("POST", "/notes").header("content-type", "application/json").body(r#"{"text":"hi"}"#);
/// ```
#[derive(Debug, Clone)]
pub struct TestRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl TestRequest {
    /// A request with `method` for `path` (which starts with `/`; it may have a query).
    pub fn new(method: &str, path: &str) -> Self {
        Self { method: method.to_owned(), path: path.to_owned(), headers: Vec::new(), body: Vec::new() }
    }

    /// A `GET` of `path`.
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

/// The object's answer.
///
/// ```no_run
/// # async fn demo(env: durable::testing::TestEnv, stub: durable::rpc::Stub) -> durable::Result<()> {
/// let response = env.fetch(&stub, durable::testing::TestRequest::get("/")).await?;
/// assert_eq!(response.status, 200);
/// println!("{}", response.text());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body read as JSON into `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Conversion(format!("the response body is not the JSON expected: {e}")))
    }

    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        http::header(&self.headers, &name.to_ascii_lowercase())
    }
}

/// Sends `request` to the object `target`.
pub(crate) fn send(target: &Target, request: TestRequest) -> Result<TestResponse> {
    exchange(&target.lease, target.route_headers(), request)
}

/// Sends `request` to the worker's own `fetch` handler (`#[event(fetch)]`) in the test's slot.
pub(crate) fn send_to_worker(lease: &Lease, request: TestRequest) -> Result<TestResponse> {
    let route = vec![("x-durable-test-slot".to_owned(), lease.slot.to_string()), ("x-durable-test-worker".to_owned(), "1".to_owned())];
    exchange(lease, route, request)
}

fn exchange(lease: &Lease, route: Vec<(String, String)>, request: TestRequest) -> Result<TestResponse> {
    if !request.path.starts_with('/') {
        return Err(Error::Message(format!("a test request's path starts with `/`: {:?}", request.path)));
    }
    let mut headers = route;
    for (name, value) in request.headers {
        if ["host", "content-length", "connection"].contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        headers.push((name, value));
    }
    let _call = lease.enter().map_err(Error::Js)?;
    let runtime = &lease.runtime;
    let addr = runtime.addr().map_err(Error::Js)?;
    let answer = http::send(addr, &request.method, &request.path, &headers, &request.body, runtime.timeout).map_err(Error::Js)?;
    if answer.status == 599 {
        return Err(Error::Js(format!("the test driver could not reach the object: {}", String::from_utf8_lossy(&answer.body))));
    }
    Ok(TestResponse { status: answer.status, headers: answer.headers, body: answer.body })
}
