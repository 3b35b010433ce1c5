//! [`HttpRequest`], [`HttpResponse`] and [`HttpHeaders`] outside Wasm (under
//! `durable::testing`): the values themselves, made from and read as the
//! harness's [`TestRequest`] and [`TestResponse`]. They cross to the
//! driver (`testing.mjs`), which makes the runtime's own `Request`,
//! `Response` and `Headers` of them, and reads those the object answers
//! (bodies to their end).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use super::http::{HttpHeaders, HttpRequest, HttpResponse};
use super::stream_host::{chunks_of, HostChunks};
use crate::testing::{base64, describe, unbase64, TestRequest, TestResponse};
use crate::{Error, Result};

/// An HTTP value outside Wasm.
#[derive(Debug, Clone)]
pub(crate) enum HostHttp {
    Request { method: String, url: String, headers: Vec<(String, String)>, body: Option<Vec<u8>> },
    Response { status: u16, headers: Vec<(String, String)>, body: Option<HostChunks> },
    Headers(Vec<(String, String)>),
}

fn placeholder<T: wasm_bindgen::JsCast>() -> T {
    wasm_bindgen::JsCast::unchecked_into(wasm_bindgen::JsValue::UNDEFINED)
}

/// In a test: the request `https://object` + the request's path, with its
/// method, headers and body.
///
/// ```no_run
/// use durable::rpc::HttpRequest;
/// use durable::testing::TestRequest;
/// let request = HttpRequest::from(TestRequest::new("POST", "/echo").header("x-token", "t-1").body("hello"));
/// ```
impl From<TestRequest> for HttpRequest {
    fn from(request: TestRequest) -> Self {
        let mut out = HttpRequest::from_raw(placeholder());
        let body = (!matches!(request.method.to_ascii_uppercase().as_str(), "GET" | "HEAD")).then_some(request.body);
        out.host = Some(HostHttp::Request { method: request.method, url: format!("https://object{}", request.path), headers: request.headers, body });
        out
    }
}

/// In a test: a response with the test response's status, headers and body.
///
/// ```no_run
/// use durable::rpc::HttpResponse;
/// use durable::testing::TestResponse;
/// let response = HttpResponse::from(TestResponse { status: 201, headers: vec![], body: b"made".to_vec() });
/// ```
impl From<TestResponse> for HttpResponse {
    fn from(response: TestResponse) -> Self {
        let mut out = HttpResponse::from_raw(placeholder());
        let body = HostChunks { chunks: [crate::rpc::Bytes::from(response.body)].into_iter().collect(), error: None };
        out.host = Some(HostHttp::Response { status: response.status, headers: response.headers, body: Some(body) });
        out
    }
}

/// In a test: reads a response the object answered (its body was read to
/// its end by the test runtime). An `Err` if its body failed midway.
///
/// ```no_run
/// # fn demo(answered: durable::rpc::HttpResponse) -> durable::Result<()> {
/// let response = durable::testing::TestResponse::try_from(answered)?;
/// assert_eq!(response.status, 200);
/// println!("{}", response.text());
/// # Ok(()) }
/// ```
impl TryFrom<HttpResponse> for TestResponse {
    type Error = Error;

    fn try_from(response: HttpResponse) -> Result<Self> {
        match response.host {
            Some(HostHttp::Response { status, headers, body }) => {
                let mut bytes = Vec::new();
                if let Some(mut body) = body {
                    while let Some(chunk) = body.next() {
                        bytes.extend_from_slice(&chunk?);
                    }
                }
                let headers = headers.into_iter().map(|(name, value)| (name.to_ascii_lowercase(), value)).collect();
                Ok(TestResponse { status, headers, body: bytes })
            }
            _ => Err(Error::message("this HttpResponse was not answered through the test runtime")),
        }
    }
}

/// In a test: headers with these names and values.
///
/// ```no_run
/// let headers = durable::rpc::HttpHeaders::from(vec![("x-token".to_owned(), "t-1".to_owned())]);
/// ```
impl From<Vec<(String, String)>> for HttpHeaders {
    fn from(entries: Vec<(String, String)>) -> Self {
        let mut out = HttpHeaders::from_raw(placeholder());
        out.host = Some(HostHttp::Headers(entries));
        out
    }
}

/// In a test: the names (lower case) and values of headers the object answered.
impl TryFrom<HttpHeaders> for Vec<(String, String)> {
    type Error = Error;

    fn try_from(headers: HttpHeaders) -> Result<Self> {
        match headers.host {
            Some(HostHttp::Headers(entries)) => Ok(entries),
            _ => Err(Error::message("these HttpHeaders were not made in the test nor answered through the test runtime")),
        }
    }
}

fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((pair.get(0)?.as_str()?.to_owned(), pair.get(1)?.as_str()?.to_owned())))
        .collect()
}

fn to_value(host: Option<&HostHttp>, kind: &str) -> std::result::Result<Value, String> {
    Ok(match host {
        Some(HostHttp::Request { method, url, headers, body }) => {
            json!({ "$durable": "request", "method": method, "url": url, "headers": headers, "body": body.as_ref().map(|b| vec![base64(b)]) })
        }
        Some(HostHttp::Response { status, headers, body }) => {
            let chunks = body.as_ref().map(|b| b.chunks.iter().map(|c| base64(c)).collect::<Vec<_>>());
            json!({ "$durable": "response", "status": status, "headers": headers, "body": chunks })
        }
        Some(HostHttp::Headers(entries)) => json!({ "$durable": "headers", "entries": entries }),
        None => return Err(format!("this {kind} has no value outside Wasm: in a test, make one from a durable::testing::TestRequest / TestResponse")),
    })
}

fn from_value(value: &Value, kind: &str) -> std::result::Result<HostHttp, String> {
    let mark = value.get("$durable").and_then(Value::as_str);
    let body = |key: &str| -> std::result::Result<Option<HostChunks>, String> {
        match value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(chunks) => chunks_of(&json!({ "$durable": "stream", "chunks": chunks, "error": value.get("error") })).map(Some),
        }
    };
    match (mark, kind) {
        (Some("request"), "Request") => {
            let mut bytes = Vec::new();
            for chunk in value.get("body").and_then(Value::as_array).into_iter().flatten() {
                bytes.extend(unbase64(chunk.as_str().unwrap_or_default())?);
            }
            Ok(HostHttp::Request {
                method: value.get("method").and_then(Value::as_str).unwrap_or("GET").to_owned(),
                url: value.get("url").and_then(Value::as_str).unwrap_or_default().to_owned(),
                headers: pairs(value.get("headers")),
                body: value.get("body").filter(|b| !b.is_null()).map(|_| bytes),
            })
        }
        (Some("response"), "Response") => Ok(HostHttp::Response {
            status: value.get("status").and_then(Value::as_u64).unwrap_or(200) as u16,
            headers: pairs(value.get("headers")),
            body: body("body")?,
        }),
        (Some("headers"), "Headers") => Ok(HostHttp::Headers(pairs(value.get("entries")))),
        _ => Err(format!("expected a {kind}, got {}", describe(value))),
    }
}

macro_rules! host_serde {
    ($name:ident, $js:literal) => {
        /// Outside Wasm: crosses to the test runtime's driver as its parts.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                to_value(self.host.as_ref(), $js).map_err(serde::ser::Error::custom)?.serialize(serializer)
            }
        }

        /// Outside Wasm: takes one the driver read for the test.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                let mut out = $name::from_raw(placeholder());
                out.host = Some(from_value(&value, $js).map_err(D::Error::custom)?);
                Ok(out)
            }
        }
    };
}

host_serde!(HttpRequest, "Request");
host_serde!(HttpResponse, "Response");
host_serde!(HttpHeaders, "Headers");
