//! HTTP values over RPC: a `Request`, a `Response` or `Headers` as an
//! argument or a result, passed by reference (a body streams; it is never
//! read into memory by the crossing).
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::rpc::{HttpRequest, HttpResponse};
//!
//! #[durable_object]
//! pub struct Mirror { state: State }
//!
//! #[durable_object]
//! impl Mirror {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     /// Answers the request's own body, streamed back.
//!     pub fn reflect(&self, request: HttpRequest) -> Result<HttpResponse> {
//!         let body = request.as_raw().body();
//!         let response = web_sys::Response::new_with_opt_readable_stream(body.as_ref())?;
//!         Ok(HttpResponse::from_raw(response))
//!     }
//! }
//! ```
//!
//! JavaScript passes and receives the runtime's own `Request`, `Response`
//! and `Headers`.

use std::fmt;

#[cfg(target_arch = "wasm32")]
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wasm_bindgen::{JsCast, JsValue};

macro_rules! http_value {
    ($(#[$doc:meta])* $name:ident, $raw:ty, $js:literal) => {
        $(#[$doc])*
        pub struct $name {
            raw: $raw,
            /// Outside Wasm (under `durable::testing`), the value itself (see `http_host.rs`).
            #[cfg(not(target_arch = "wasm32"))]
            pub(crate) host: Option<super::http_host::HostHttp>,
        }

        impl $name {
            #[doc = concat!("Wraps a JavaScript `", $js, "`.")]
            pub fn from_raw(raw: $raw) -> Self {
                Self {
                    raw,
                    #[cfg(not(target_arch = "wasm32"))]
                    host: None,
                }
            }

            #[doc = concat!("The JavaScript `", $js, "`.")]
            pub fn as_raw(&self) -> &$raw {
                &self.raw
            }

            #[doc = concat!("The JavaScript `", $js, "`, given up.")]
            pub fn into_raw(self) -> $raw {
                self.raw
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        #[doc = concat!("Crosses as the `", $js, "` itself.")]
        #[cfg(target_arch = "wasm32")]
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde_wasm_bindgen::preserve::serialize(&self.raw, serializer)
            }
        }

        #[doc = concat!("Takes a `", $js, "`.")]
        #[cfg(target_arch = "wasm32")]
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
                match value.dyn_into::<$raw>() {
                    Ok(raw) => Ok(Self::from_raw(raw)),
                    Err(other) => Err(serde::de::Error::custom(format!(
                        concat!("expected a ", $js, ", got {}"),
                        describe(&other)
                    ))),
                }
            }
        }
    };
}

http_value!(
    /// An HTTP request that crosses RPC by reference: its body is a stream,
    /// read only by whoever reads it. Converts to and from
    /// [`worker::Request`] without touching the body.
    ///
    /// ```no_run
    /// # fn demo(request: worker::Request) {
    /// let request = durable::rpc::HttpRequest::from(request);
    /// let back: worker::Request = request.into();
    /// # }
    /// ```
    HttpRequest, web_sys::Request, "Request"
);

http_value!(
    /// An HTTP response that crosses RPC by reference: its body streams.
    /// Converts to and from [`worker::Response`].
    ///
    /// ```no_run
    /// let response = durable::rpc::HttpResponse::from(worker::Response::ok("hello").unwrap());
    /// let back: worker::Response = response.into();
    /// ```
    HttpResponse, web_sys::Response, "Response"
);

http_value!(
    /// HTTP headers that cross RPC. Converts to and from [`worker::Headers`].
    ///
    /// ```no_run
    /// let headers = durable::rpc::HttpHeaders::from(worker::Headers::new());
    /// ```
    HttpHeaders, web_sys::Headers, "Headers"
);

impl HttpResponse {
    /// A response with `status`, `headers` and `body` (streamed as its reader
    /// pulls it: nothing is buffered here).
    ///
    /// ```no_run
    /// # fn demo() -> durable::Result<()> {
    /// use durable::rpc::{ByteStream, HttpResponse};
    /// let headers = worker::Headers::new();
    /// headers.set("content-type", "text/plain")?;
    /// let body = ByteStream::from_chunks([Ok::<_, String>(b"hello".to_vec())]);
    /// let response = HttpResponse::streaming(200, &headers, body)?;
    /// # Ok(()) }
    /// ```
    ///
    /// Outside Wasm (in a test) this is an `Err`: a test makes an
    /// `HttpResponse` from a [`TestResponse`](crate::testing::TestResponse).
    pub fn streaming(status: u16, headers: &worker::Headers, body: crate::rpc::ByteStream) -> crate::Result<Self> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = (status, headers, body);
            Err(crate::Error::message(
                "HttpResponse::streaming runs in the Wasm object only: in a test, make an HttpResponse from a durable::testing::TestResponse",
            ))
        }
        #[cfg(target_arch = "wasm32")]
        {
        let init = web_sys::ResponseInit::new();
        init.set_status(status);
        init.set_headers(headers.0.as_ref());
        let raw = web_sys::Response::new_with_opt_readable_stream_and_init(Some(&body.into_raw()), &init)?;
        Ok(Self::from_raw(raw))
        }
    }
}

impl HttpRequest {
    /// Starts building a request for `method` and `url` (absolute: a Durable
    /// Object's `fetch` ignores the host, `https://object/path` will do).
    ///
    /// ```no_run
    /// # fn demo() -> durable::Result<()> {
    /// use durable::rpc::HttpRequest;
    /// use worker::Method;
    /// let request = HttpRequest::builder(Method::Post, "https://archive/notes")
    ///     .header("content-type", "text/plain")
    ///     .body("hello")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder(method: worker::Method, url: impl Into<String>) -> HttpRequestBuilder {
        HttpRequestBuilder { method, url: url.into(), headers: Vec::new(), body: None }
    }

    /// Starts building a request from an incoming one: its method, URL and
    /// headers (not its body, which stays the incoming request's to read).
    /// Re-target it with [`method`](HttpRequestBuilder::method),
    /// [`url`](HttpRequestBuilder::url) and
    /// [`body`](HttpRequestBuilder::body): a `GET` made a `POST` with a body.
    ///
    /// ```no_run
    /// # async fn demo(mut incoming: worker::Request) -> durable::Result<()> {
    /// use durable::rpc::HttpRequest;
    /// let post = HttpRequest::builder_from(&incoming)?
    ///     .method(worker::Method::Post)
    ///     .body("from a GET, re-targeted")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder_from(request: &worker::Request) -> crate::Result<HttpRequestBuilder> {
        let headers = request.headers().entries().collect();
        Ok(HttpRequestBuilder { method: request.method(), url: request.url()?.to_string(), headers, body: None })
    }
}

/// Builds an [`HttpRequest`]: method, URL, headers and body. Made by
/// [`HttpRequest::builder`] or [`HttpRequest::builder_from`]; nothing is
/// checked until [`build`](Self::build), which says what is wrong.
///
/// ```no_run
/// # fn demo() -> durable::Result<()> {
/// use durable::rpc::{ByteStream, HttpRequest};
/// let body = ByteStream::from_chunks([Ok::<_, String>(b"piece".to_vec())]);
/// let upload = HttpRequest::builder(worker::Method::Put, "https://archive/files/a.bin")
///     .body_stream(body)
///     .build()?;
/// # Ok(()) }
/// ```
pub struct HttpRequestBuilder {
    method: worker::Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<RequestBody>,
}

enum RequestBody {
    Bytes(Vec<u8>),
    Stream(#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] crate::rpc::ByteStream),
}

impl fmt::Debug for HttpRequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequestBuilder")
            .field("method", &self.method.as_ref())
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &self.body.as_ref().map(|b| match b {
                RequestBody::Bytes(bytes) => format!("{} bytes", bytes.len()),
                RequestBody::Stream(_) => "a stream".to_owned(),
            }))
            .finish()
    }
}

impl HttpRequestBuilder {
    /// Sets the method.
    pub fn method(mut self, method: worker::Method) -> Self {
        self.method = method;
        self
    }

    /// Sets the URL (absolute).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Adds a header (a name given twice has both values, as
    /// `Headers.append` does).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Removes the headers called `name` (any case) set so far, say the
    /// `content-length` of an incoming request whose body is replaced.
    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// Sets the body to `bytes`.
    pub fn body(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some(RequestBody::Bytes(bytes.into()));
        self
    }

    /// Sets the body to `stream`, read as the request's reader pulls it.
    pub fn body_stream(mut self, stream: crate::rpc::ByteStream) -> Self {
        self.body = Some(RequestBody::Stream(stream));
        self
    }

    /// What is wrong with the request before the runtime sees it: a body on
    /// a `GET` or `HEAD` (the Fetch standard forbids one), a URL that is not
    /// absolute.
    fn problem(&self) -> Option<String> {
        let method = self.method.as_ref();
        if self.body.is_some() && matches!(self.method, worker::Method::Get | worker::Method::Head) {
            return Some(format!(
                "an HttpRequest for {method} {} cannot have a body (the Fetch standard forbids one on GET and HEAD): \
                 set another method, `.method(worker::Method::Post)` (or Put, Patch), or leave the body out",
                self.url
            ));
        }
        if let Err(e) = worker::Url::parse(&self.url) {
            return Some(format!(
                "an HttpRequest needs an absolute URL, not `{}` ({e}): a Durable Object's fetch ignores the host, so `https://object/path` will do",
                self.url
            ));
        }
        None
    }

    /// Makes the request, or says why it cannot: a body on `GET` or `HEAD`,
    /// a URL that is not absolute, a header the runtime refuses (named).
    pub fn build(self) -> crate::Result<HttpRequest> {
        if let Some(problem) = self.problem() {
            return Err(crate::Error::message(problem));
        }
        // Outside Wasm (under `durable::testing`) the request is the value
        // itself; the test runtime makes the runtime's `Request` of it.
        #[cfg(not(target_arch = "wasm32"))]
        {
            let body = match self.body {
                Some(RequestBody::Bytes(bytes)) => Some(bytes),
                Some(RequestBody::Stream(_)) => {
                    return Err(crate::Error::message(
                        "a request with a streamed body cannot be built outside Wasm: in a test, give the body as bytes (`.body(..)`)",
                    ))
                }
                None => None,
            };
            let mut out = HttpRequest::from_raw(wasm_bindgen::JsCast::unchecked_into(JsValue::UNDEFINED));
            out.host = Some(super::http_host::HostHttp::Request {
                method: self.method.as_ref().to_owned(),
                url: self.url,
                headers: self.headers,
                body,
            });
            Ok(out)
        }
        #[cfg(target_arch = "wasm32")]
        {
        let headers = web_sys::Headers::new()?;
        for (name, value) in &self.headers {
            headers.append(name, value).map_err(|e| {
                crate::Error::message(format!("the header {name}: {value} cannot be sent: {}", crate::error::js_message(&e)))
            })?;
        }
        let init = web_sys::RequestInit::new();
        init.set_method(self.method.as_ref());
        init.set_headers(headers.as_ref());
        match self.body {
            Some(RequestBody::Bytes(bytes)) => init.set_body(&js_sys::Uint8Array::from(bytes.as_slice())),
            Some(RequestBody::Stream(stream)) => init.set_body(stream.into_raw().as_ref()),
            None => {}
        }
        let raw = web_sys::Request::new_with_str_and_init(&self.url, &init).map_err(|e| {
            crate::Error::message(format!("the runtime refused the request {} {}: {}", self.method.as_ref(), self.url, crate::error::js_message(&e)))
        })?;
        Ok(HttpRequest::from_raw(raw))
        }
    }
}

impl From<worker::Request> for HttpRequest {
    fn from(request: worker::Request) -> Self {
        // The same JavaScript object (`Request.clone()` would tee its body).
        let raw: &JsValue = request.inner().as_ref();
        Self::from_raw(raw.clone().unchecked_into())
    }
}

impl From<worker::Response> for HttpResponse {
    fn from(response: worker::Response) -> Self {
        Self::from_raw(response.into())
    }
}

impl From<worker::Headers> for HttpHeaders {
    fn from(headers: worker::Headers) -> Self {
        Self::from_raw(headers.0)
    }
}

impl From<HttpRequest> for worker::Request {
    fn from(request: HttpRequest) -> Self {
        request.raw.into()
    }
}

impl From<HttpResponse> for worker::Response {
    fn from(response: HttpResponse) -> Self {
        response.raw.into()
    }
}

impl From<HttpHeaders> for worker::Headers {
    fn from(headers: HttpHeaders) -> Self {
        worker::Headers(headers.raw)
    }
}

#[cfg(target_arch = "wasm32")]
fn describe(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    value.js_typeof().as_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use worker::Method;

    #[test]
    fn a_body_on_get_or_head_is_refused_with_the_fix() {
        for method in [Method::Get, Method::Head] {
            let problem = HttpRequest::builder(method.clone(), "https://shelf/watch").body("x").problem().unwrap();
            assert!(problem.starts_with(&format!("an HttpRequest for {} https://shelf/watch cannot have a body", method.as_ref())), "{problem}");
            assert!(problem.contains(".method(worker::Method::Post)"), "{problem}");
        }
        assert_eq!(HttpRequest::builder(Method::Post, "https://shelf/watch").body("x").problem(), None);
        assert_eq!(HttpRequest::builder(Method::Get, "https://shelf/watch").header("a", "b").problem(), None);
        let retargeted = HttpRequest::builder(Method::Get, "https://shelf/").method(Method::Put).body(vec![1, 2]);
        assert_eq!(retargeted.problem(), None);
    }

    #[test]
    fn a_relative_url_is_refused_by_name() {
        let problem = HttpRequest::builder(Method::Get, "/notes").problem().unwrap();
        assert!(problem.contains("absolute URL, not `/notes`") && problem.contains("https://object/path"), "{problem}");
    }

    #[test]
    fn headers_can_be_dropped_by_name() {
        let builder = HttpRequest::builder(Method::Get, "https://a/").header("Content-Length", "3").header("x", "1").without_header("content-length");
        assert_eq!(builder.headers, vec![("x".to_owned(), "1".to_owned())]);
    }
}
