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
