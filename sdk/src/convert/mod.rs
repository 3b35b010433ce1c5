//! How Rust values become JavaScript values and back: one conversion for RPC
//! arguments and results and for storage (the table in [`crate::rpc`]).

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::conversion_message;
use crate::{Error, Result};

pub(crate) mod binary;
mod de;
mod json;
mod strict;

pub(crate) use de::ROUNDED;
pub(crate) use ser::PRESERVED;
pub(crate) use strict::Strict;

thread_local! {
    /// This instance's `WebAssembly.Memory` (the object never changes; its
    /// buffer does, and JavaScript reads the buffer at each use).
    static MEMORY: std::cell::OnceCell<JsValue> = const { std::cell::OnceCell::new() };
}

/// Runs `f` with this instance's memory object, for JavaScript helpers that
/// read or write Wasm memory directly (no new handle per call).
pub(crate) fn with_memory<R>(f: impl FnOnce(&JsValue) -> R) -> R {
    MEMORY.with(|memory| f(memory.get_or_init(wasm_bindgen::memory)))
}

/// Converts a Rust value into the JavaScript value sent over RPC, as the
/// [table in `durable::rpc`](crate::rpc) says (`None` is `undefined`, `()` is `null`).
///
/// ```no_run
/// // In a Durable Object (it needs the Wasm runtime):
/// let js = durable::rpc::to_js(&vec![Some(1), None]).unwrap(); // [1, undefined]
/// let js = durable::rpc::to_js(&((), "two", 3_u64)).unwrap(); // [null, "two", 3]
/// ```
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue> {
    encode(value).map_err(|e| Error::Conversion(conversion_message(e)))
}

/// [`to_js`] with serde-wasm-bindgen's error, for callers that word their own
/// message. A composite value that JSON represents exactly crosses as one
/// string (`JSON.parse`d on the JavaScript side); anything else is built
/// field by field. Both routes give the same JavaScript value.
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T) -> std::result::Result<JsValue, serde_wasm_bindgen::Error> {
    if json::encodes_exactly(value) {
        if let Some(js) = serde_json::to_string(value).ok().and_then(|text| js_sys::JSON::parse(&text).ok()) {
            return Ok(js);
        }
    }
    value.serialize(ser::Serializer)
}

/// Converts a JavaScript value into `T`, with serde-wasm-bindgen's error. An
/// object or array that [`crate::rpc`]'s wire format holds exactly crosses
/// as one message (written by JavaScript, see [`binary`]) and is read in
/// Wasm, by the same definition as the field route ([`de`]); anything else,
/// and anything that route declines, is read field by field (which also
/// words the error).
pub(crate) fn decode<T: DeserializeOwned>(value: JsValue) -> std::result::Result<T, serde_wasm_bindgen::Error> {
    match binary::decode(&value, binary::WORTH_IT) {
        Some(decoded) => Ok(decoded),
        None => decode_fields(value, false),
    }
}

/// One value of [`crate::rpc`]'s wire format (well-formed: checked by its
/// reader) read as `T`, by the same definition as the JavaScript value it
/// stands for: the bulk route's reader over the bytes; where that declines,
/// the field route over the JavaScript value rebuilt from them, which
/// accepts or words the error.
pub(crate) fn decode_wire<T: DeserializeOwned>(value: &[u8]) -> std::result::Result<T, serde_wasm_bindgen::Error> {
    if let Ok(decoded) = crate::rpc::wire::read_strict(value) {
        return Ok(decoded);
    }
    decode_fields(wire_to_js(value)?, false)
}

/// The JavaScript value one value of [`crate::rpc`]'s wire format
/// (well-formed: checked by its reader) stands for.
pub(crate) fn wire_to_js(value: &[u8]) -> std::result::Result<JsValue, serde_wasm_bindgen::Error> {
    crate::rpc::wire::AsData(value).serialize(ser::Serializer)
}

/// An SQL row, field by field with the rule for numbers beyond ±2^53 in
/// rows (see [`de`]). (The rows that come in one message are read by the
/// wire reader before; a row comes here only to be read value by value.)
pub(crate) fn decode_row<T: DeserializeOwned>(value: JsValue) -> std::result::Result<T, serde_wasm_bindgen::Error> {
    decode_fields(value, true)
}

/// `value` read field by field: the definition ([`de`]). `rows`: an SQL row,
/// where a number beyond ±2^53 may be a rounded INTEGER.
pub(crate) fn decode_fields<T: DeserializeOwned>(value: JsValue, rows: bool) -> std::result::Result<T, serde_wasm_bindgen::Error> {
    T::deserialize(de::JsDe::new(value, rows))
}

/// Converts a JavaScript value received over RPC into a Rust value.
///
/// ```no_run
/// // In a Durable Object (it needs the Wasm runtime):
/// let n: u32 = durable::rpc::from_js(wasm_bindgen::JsValue::from(7)).unwrap();
/// let none: Option<u32> = durable::rpc::from_js(wasm_bindgen::JsValue::NULL).unwrap();
/// ```
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    decode(value).map_err(|e| Error::Conversion(conversion_message(e)))
}

/// Reads a JSON text (a request body, say) as `T` by the same conversion as
/// an RPC argument ([`from_js`] of `JSON.parse(text)`): a value of the wrong
/// shape is refused with an error naming where, what was expected and what
/// came (``at `tags`: invalid type: string "abc", expected a sequence``).
/// workers-rs's `Request::json` says "Reflect.get called on non-object" for
/// the same body.
///
/// ```no_run
/// // In a Durable Object or worker (it needs the Wasm runtime):
/// # async fn handle(mut req: durable::Request) -> durable::Result<()> {
/// #[derive(serde::Deserialize)]
/// struct NewNote { title: String, tags: Vec<String> }
/// let note: NewNote = durable::rpc::from_json(&req.text().await?)?;
/// # Ok(()) }
/// ```
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    let value = js_sys::JSON::parse(text).map_err(|e| Error::Conversion(format!("not JSON: {}", crate::error::js_message(&e))))?;
    from_js(value)
}

/// The serde serializer behind [`to_js`] and storage: serde-wasm-bindgen
/// converts the scalars (with its refusal of 64-bit integers beyond ±2^53),
/// and this one builds arrays, objects and enum wrappers itself, so that its
/// two rules hold at every depth: `()`, unit structs and
/// `serde_json::Value::Null` are `null` (data), and `None` is `undefined`
/// (no value). serde-wasm-bindgen alone has one switch for both.
mod ser {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use js_sys::{Array, Object};
    use serde::ser::{self, Error as _, Serialize};
    use wasm_bindgen::prelude::*;

    type Error = serde_wasm_bindgen::Error;
    type Out = Result<JsValue, Error>;

    /// serde-wasm-bindgen's serializer, for scalars only.
    const SCALARS: &serde_wasm_bindgen::Serializer = &serde_wasm_bindgen::Serializer::new();

    /// The newtype name of `serde_wasm_bindgen::preserve` (a `JsValue` passed
    /// through unchanged): left to serde-wasm-bindgen.
    pub(crate) const PRESERVED: &str = "1fc430ca-5b7f-4295-92de-33cf2b145d38";

    #[wasm_bindgen(inline_js = r#"
export function put(object, key, value) {
  // `object["__proto__"] = v` would set the prototype (or do nothing):
  // a key is data, so it becomes an own property like any other, as
  // JSON.parse makes it.
  if (key === "__proto__") Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}
"#)]
    extern "C" {
        /// A plain object being filled.
        #[wasm_bindgen(extends = Object)]
        type Record;

        /// `object[key] = value`, as an own property even for `__proto__`.
        fn put(object: &Record, key: &JsValue, value: &JsValue);
    }

    impl Record {
        fn set(&self, key: &JsValue, value: &JsValue) {
            put(self, key, value);
        }
    }

    thread_local! {
        /// JavaScript strings for field and variant names, made once each.
        static NAMES: RefCell<HashMap<(usize, usize), JsValue>> = RefCell::default();
    }

    pub(super) fn name(name: &'static str) -> JsValue {
        NAMES.with(|names| {
            names.borrow_mut().entry((name.as_ptr() as usize, name.len())).or_insert_with(|| JsValue::from_str(name)).clone()
        })
    }

    fn record() -> Record {
        Object::new().unchecked_into()
    }

    /// `{ variant: payload }`: serde's external tagging.
    fn tagged(variant: &'static str, payload: &JsValue) -> JsValue {
        let object = record();
        object.set(&name(variant), payload);
        object.into()
    }

    #[derive(Clone, Copy)]
    pub(super) struct Serializer;

    pub(super) struct Elements(Array);

    pub(super) struct Fields(Record);

    pub(super) struct Entries {
        object: Record,
        key: Option<JsValue>,
    }

    pub(super) struct Tagged<T> {
        variant: &'static str,
        inner: T,
    }

    macro_rules! into_js {
        ($($method:ident($ty:ty)),*) => {$(
            fn $method(self, v: $ty) -> Out {
                Ok(JsValue::from(v))
            }
        )*};
    }

    macro_rules! to_scalars {
        ($($method:ident($ty:ty)),*) => {$(
            fn $method(self, v: $ty) -> Out {
                ser::Serializer::$method(SCALARS, v)
            }
        )*};
    }

    impl ser::Serializer for Serializer {
        type Ok = JsValue;
        type Error = Error;
        type SerializeSeq = Elements;
        type SerializeTuple = Elements;
        type SerializeTupleStruct = Elements;
        type SerializeTupleVariant = Tagged<Elements>;
        type SerializeMap = Entries;
        type SerializeStruct = Fields;
        type SerializeStructVariant = Tagged<Fields>;

        into_js!(serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_u8(u8));
        into_js!(serialize_u16(u16), serialize_u32(u32), serialize_f32(f32), serialize_f64(f64), serialize_str(&str));
        to_scalars!(serialize_i64(i64), serialize_u64(u64), serialize_i128(i128), serialize_u128(u128));
        to_scalars!(serialize_char(char), serialize_bytes(&[u8]));

        fn serialize_none(self) -> Out {
            Ok(JsValue::UNDEFINED)
        }

        fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Out {
            // `Some(None)` is `null`, so that it reads back as `Some(None)`
            // (see `de::null_option`), not as `None` (`undefined`).
            let js = value.serialize(self)?;
            Ok(if js.is_undefined() { JsValue::NULL } else { js })
        }

        fn serialize_unit(self) -> Out {
            Ok(JsValue::NULL)
        }

        fn serialize_unit_struct(self, _name: &'static str) -> Out {
            Ok(JsValue::NULL)
        }

        fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Out {
            Ok(name(variant))
        }

        fn serialize_newtype_struct<T: ?Sized + Serialize>(self, newtype: &'static str, value: &T) -> Out {
            if newtype == PRESERVED {
                return ser::Serializer::serialize_newtype_struct(SCALARS, newtype, value);
            }
            value.serialize(self)
        }

        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            value: &T,
        ) -> Out {
            Ok(tagged(variant, &value.serialize(self)?))
        }

        fn serialize_seq(self, _len: Option<usize>) -> Result<Elements, Error> {
            Ok(Elements(Array::new()))
        }

        fn serialize_tuple(self, len: usize) -> Result<Elements, Error> {
            self.serialize_seq(Some(len))
        }

        fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Elements, Error> {
            self.serialize_seq(Some(len))
        }

        fn serialize_tuple_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            len: usize,
        ) -> Result<Tagged<Elements>, Error> {
            Ok(Tagged { variant, inner: self.serialize_seq(Some(len))? })
        }

        fn serialize_map(self, _len: Option<usize>) -> Result<Entries, Error> {
            Ok(Entries { object: record(), key: None })
        }

        fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fields, Error> {
            Ok(Fields(record()))
        }

        fn serialize_struct_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            _len: usize,
        ) -> Result<Tagged<Fields>, Error> {
            Ok(Tagged { variant, inner: Fields(record()) })
        }
    }

    impl ser::SerializeSeq for Elements {
        type Ok = JsValue;
        type Error = Error;

        fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            self.0.push(&value.serialize(Serializer)?);
            Ok(())
        }

        fn end(self) -> Out {
            Ok(self.0.into())
        }
    }

    impl ser::SerializeTuple for Elements {
        type Ok = JsValue;
        type Error = Error;

        fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            ser::SerializeSeq::serialize_element(self, value)
        }

        fn end(self) -> Out {
            Ok(self.0.into())
        }
    }

    impl ser::SerializeTupleStruct for Elements {
        type Ok = JsValue;
        type Error = Error;

        fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            ser::SerializeSeq::serialize_element(self, value)
        }

        fn end(self) -> Out {
            Ok(self.0.into())
        }
    }

    impl ser::SerializeTupleVariant for Tagged<Elements> {
        type Ok = JsValue;
        type Error = Error;

        fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            ser::SerializeSeq::serialize_element(&mut self.inner, value)
        }

        fn end(self) -> Out {
            Ok(tagged(self.variant, &self.inner.0))
        }
    }

    impl ser::SerializeStruct for Fields {
        type Ok = JsValue;
        type Error = Error;

        fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
            self.0.set(&name(key), &value.serialize(Serializer)?);
            Ok(())
        }

        fn end(self) -> Out {
            Ok(self.0.into())
        }
    }

    impl ser::SerializeStructVariant for Tagged<Fields> {
        type Ok = JsValue;
        type Error = Error;

        fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
            ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
        }

        fn end(self) -> Out {
            Ok(tagged(self.variant, &self.inner.0))
        }
    }

    impl ser::SerializeMap for Entries {
        type Ok = JsValue;
        type Error = Error;

        fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
            let key = key.serialize(Serializer)?;
            if !key.is_string() {
                return Err(Error::custom(format!(
                    "a map key must be a string to become a property of a JavaScript object, not {}",
                    key.js_typeof().as_string().unwrap_or_default()
                )));
            }
            self.key = Some(key);
            Ok(())
        }

        fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            let key = self.key.take().ok_or_else(|| Error::custom("a map value came without its key"))?;
            self.object.set(&key, &value.serialize(Serializer)?);
            Ok(())
        }

        fn end(self) -> Out {
            Ok(self.object.into())
        }
    }
}

/// Test hooks: each route of the conversion forced, so that a test can check
/// they agree (`examples/src/routes.rs`, `tests/e2e/convert.test.mjs`). Not
/// part of the API.
#[doc(hidden)]
pub mod routes {
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use wasm_bindgen::JsValue;

    use crate::error::conversion_message;

    /// The binary bulk route's reading of `value` (written in the wire
    /// format by JavaScript, read by the wire reader): `None` if it does not
    /// take `value`, else what it read, or its refusal (after which the
    /// field route decides).
    pub fn decode_binary<T: DeserializeOwned>(value: &JsValue) -> Option<Result<T, String>> {
        super::binary::read(value, 0, |message| Some(crate::rpc::wire::read_strict(message).map_err(|e| e.to_string())))
    }

    /// The field route's reading of `value` (the definition).
    pub fn decode_field<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
        super::decode_fields(value, false).map_err(conversion_message)
    }

    /// The bulk route's JavaScript value of `value`: `None` if it does not
    /// take `value`.
    pub fn encode_bulk<T: Serialize + ?Sized>(value: &T) -> Option<JsValue> {
        if !super::json::encodes_exactly(value) {
            return None;
        }
        js_sys::JSON::parse(&serde_json::to_string(value).ok()?).ok()
    }

    /// The field route's JavaScript value of `value` (the definition).
    pub fn encode_field<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, String> {
        value.serialize(super::ser::Serializer).map_err(conversion_message)
    }
}
