//! The definition of how a JavaScript value is read as a Rust value: the
//! field-by-field deserializer ([`JsDe`]) and, shared by both routes, what a
//! scalar (`null`/`undefined`, a boolean, a number, a string) gives for each
//! kind of Rust type ([`ScalarDe`]). The bulk route ([`super::strict`])
//! reads JSON text with the same scalar rules and refuses, rather than
//! guesses, wherever a composite would be read differently.
//!
//! | serde asks for | accepted | refused (the error says what came) |
//! |---|---|---|
//! | `bool` | a boolean | anything else |
//! | an integer up to 64 bits | a number that is an integer within ±2^53, a `BigInt` in range | other numbers, strings, ... |
//! | `i128`, `u128` | a `BigInt` in range | numbers too (as `durable::rpc` says) |
//! | `f32`, `f64` | any number | anything else |
//! | `char` | a string of one character | |
//! | a string | a string | numbers, arrays, ... |
//! | bytes | a `Uint8Array`, an `ArrayBuffer`, an array of numbers | strings |
//! | `()`, a unit struct | `null` or `undefined` | |
//! | an `Option<T>` | `undefined` for `None`; `null` for `Some` of what `T` reads from `null` if it reads it (`Value::Null`, `()`, an inner `None`), else for `None`; anything else for `Some` | |
//! | a sequence, tuple | an array or another iterable (extra elements of a tuple are ignored) | plain objects, strings |
//! | a map | a plain object (its own enumerable string keys), a `Map`, an iterable of `[key, value]` pairs | anything else; a pair of fewer than two elements |
//! | a struct | any object: each field is its own enumerable property of that name; others are not looked at | arrays as tuples |
//! | an enum | `"Variant"`, or an object with exactly one own key `{ Variant: payload }` | |
//! | anything (`serde_json::Value`, untagged enums) | `null`/`undefined` as unit, booleans, numbers (integers within ±2^53 as integers, `-0` and the rest as `f64`), strings, arrays, `Uint8Array`s as bytes, plain objects and `Map`s as maps | other iterables, functions |
//!
//! A map key of a plain object is a string and is read with the scalar
//! rules: `{"1": ..}` is not a `HashMap<u32, _>` (a JavaScript `Map` with
//! number keys is). Errors inside a composite name where they happened:
//! ``at `items[2].name`: invalid type: ...``.
//!
//! In SQL rows (`rows`), a number beyond ±2^53 may be an INTEGER the runtime
//! rounded: it is refused where an integer or any type is asked for, and
//! read where a float is (a REAL).

use std::borrow::Cow;
use std::marker::PhantomData;

use js_sys::{Array, Object};
use serde::de::{self, Deserializer as _, Error as _, IntoDeserializer, Unexpected, Visitor};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type Error = serde_wasm_bindgen::Error;
type Out<T> = Result<T, Error>;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// The message of a number in an SQL row that may be a rounded INTEGER.
pub(crate) const ROUNDED: &str = "an integer beyond ±2^53, which the runtime cannot return exactly";

#[wasm_bindgen(inline_js = r#"
const ENUMERABLE = Object.prototype.propertyIsEnumerable;
export function kind(v) {
  switch (typeof v) {
    case "undefined": return 0;
    case "boolean": return v ? 2 : 1;
    case "number": return 3;
    case "string": return 4;
    case "bigint": return 5;
    case "object":
      if (v === null) return 0;
      if (Array.isArray(v)) return 6;
      if (v instanceof Uint8Array || v instanceof ArrayBuffer) return 7;
      if (v instanceof Map) return 8;
      if (typeof v[Symbol.iterator] === "function") return 9;
      return 10;
    default:
      return 11;
  }
}
export function own_field(o, k) {
  return ENUMERABLE.call(o, k) ? o[k] : undefined;
}
export function has_own_field(o, k) {
  return ENUMERABLE.call(o, k);
}
export function bytes_of(v) {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : v;
}
export function type_name(v) {
  return v === null ? "null" : typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}
"#)]
extern "C" {
    /// What `v` is, by the numbers of [`Node`].
    fn kind(v: &JsValue) -> u32;
    /// `o[k]` if `k` is an own enumerable property of `o`, else `undefined`.
    fn own_field(o: &JsValue, k: &JsValue) -> JsValue;
    /// Whether `k` is an own enumerable property of `o`.
    fn has_own_field(o: &JsValue, k: &JsValue) -> bool;
    /// A `Uint8Array` of a `Uint8Array` or an `ArrayBuffer`.
    fn bytes_of(v: &JsValue) -> js_sys::Uint8Array;
    /// A name for `v`'s type, for errors.
    fn type_name(v: &JsValue) -> String;
}

/// A scalar: what both routes read the same way.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    /// `null` or `undefined`.
    Null,
    Bool(bool),
    Number(f64),
    Str(Cow<'a, str>),
}

/// `v` as an integer if it is one within ±2^53 (`-0` is `0`).
fn safe_integer(v: f64) -> Option<i64> {
    (v.fract() == 0.0 && v.abs() <= MAX_SAFE).then_some(v as i64)
}

/// `null` where an `Option<T>` is asked for, on both routes: `Some` of what
/// `T` reads from `null` if `T` reads it (`serde_json::Value::Null`, `()`, a
/// unit struct, the `None` of an inner `Option`), else `None`. So
/// `Some(Value::Null)` and `Some(None)`, which cross as `null`, read back as
/// they were sent, while `null` stays `None` for every `Option` whose `T`
/// has no `null` of its own (`Option<u32>`, `Option<String>`, a struct...).
/// `undefined` (and an absent field) is always `None`.
pub(crate) fn null_option<'de, V: Visitor<'de>, E: de::Error>(visitor: V) -> Result<V::Value, E> {
    // serde's visitor for `Option<T>` (the one whose `expecting` is "option")
    // reads `T` and keeps `None` if that fails, through the hook serde's own
    // `#[serde(flatten)]` uses for options (hidden from serde's docs; a unit
    // test pins it). Any other visitor that asks for an option (chrono's
    // `ts_seconds_option`, say) is given `None`, as `null` always gave.
    let expecting = (&visitor as &dyn de::Expected).to_string();
    if expecting != "option" {
        return visitor.visit_none();
    }
    visitor
        .__private_visit_untagged_option(ScalarDe::<E>::new(Scalar::Null, false))
        .map_err(|()| E::invalid_type(Unexpected::Unit, &expecting.as_str()))
}

/// A scalar read as a Rust value: the one definition of the table's rows for
/// scalars, used by both routes (`E` is the route's error type).
pub(crate) struct ScalarDe<'a, E> {
    value: Scalar<'a>,
    rows: bool,
    error: PhantomData<E>,
}

impl<'a, E: de::Error> ScalarDe<'a, E> {
    pub(crate) fn new(value: Scalar<'a>, rows: bool) -> Self {
        Self { value, rows, error: PhantomData }
    }

    fn unexpected(&self) -> Unexpected<'_> {
        match &self.value {
            Scalar::Null => Unexpected::Unit,
            Scalar::Bool(b) => Unexpected::Bool(*b),
            Scalar::Number(v) => Unexpected::Float(*v),
            Scalar::Str(s) => Unexpected::Str(s),
        }
    }

    fn invalid<T>(&self, visitor: &dyn de::Expected) -> Result<T, E> {
        Err(E::invalid_type(self.unexpected(), visitor))
    }

    /// The refusal of a number that is not a safe integer where an integer is
    /// asked for.
    fn not_integer<'de, V: Visitor<'de>>(&self, v: f64, visitor: V) -> Result<V::Value, E> {
        if self.rows && v.is_finite() && v.fract() == 0.0 {
            return Err(E::custom(ROUNDED));
        }
        self.invalid(&visitor)
    }

    fn signed<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Number(v) => match safe_integer(v) {
                Some(i) => visitor.visit_i64(i),
                None => self.not_integer(v, visitor),
            },
            _ => self.invalid(&visitor),
        }
    }

    fn unsigned<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Number(v) => match safe_integer(v) {
                Some(i) if i >= 0 => visitor.visit_u64(i as u64),
                // "invalid value: integer `-1`, expected u32"
                Some(i) => visitor.visit_i64(i),
                None => self.not_integer(v, visitor),
            },
            _ => self.invalid(&visitor),
        }
    }
}

macro_rules! scalar_forward {
    ($($method:ident => $to:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            self.$to(visitor)
        }
    )*};
}

impl<'de, E: de::Error> de::Deserializer<'de> for ScalarDe<'_, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Null => visitor.visit_unit(),
            Scalar::Bool(b) => visitor.visit_bool(b),
            Scalar::Number(v) => match safe_integer(v) {
                Some(_) if v == 0.0 && v.is_sign_negative() => visitor.visit_f64(v),
                Some(i) if i >= 0 => visitor.visit_u64(i as u64),
                Some(i) => visitor.visit_i64(i),
                None if self.rows && v.is_finite() && v.fract() == 0.0 => Err(E::custom(ROUNDED)),
                None => visitor.visit_f64(v),
            },
            Scalar::Str(Cow::Borrowed(s)) => visitor.visit_str(s),
            Scalar::Str(Cow::Owned(s)) => visitor.visit_string(s),
        }
    }

    scalar_forward!(
        deserialize_i8 => signed, deserialize_i16 => signed, deserialize_i32 => signed, deserialize_i64 => signed,
        deserialize_u8 => unsigned, deserialize_u16 => unsigned, deserialize_u32 => unsigned, deserialize_u64 => unsigned,
        deserialize_f32 => deserialize_f64, deserialize_str => deserialize_string, deserialize_identifier => deserialize_string,
        deserialize_bytes => deserialize_byte_buf, deserialize_seq => refuse, deserialize_map => refuse,
    );

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        // Only a BigInt is an i128 (see `durable::rpc`); scalars are not.
        self.invalid(&visitor)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.invalid(&visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Bool(b) => visitor.visit_bool(b),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Number(v) => visitor.visit_f64(v),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        if let Scalar::Str(s) = &self.value {
            let mut chars = s.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                return visitor.visit_char(c);
            }
        }
        self.invalid(&visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Str(Cow::Borrowed(s)) => visitor.visit_str(s),
            Scalar::Str(Cow::Owned(s)) => visitor.visit_string(s),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        // A string is not bytes (it would be its UTF-8 on one route only).
        self.invalid(&visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Null => null_option(visitor),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Null => visitor.visit_unit(),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, E> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, E> {
        self.invalid(&visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, visitor: V) -> Result<V::Value, E> {
        self.invalid(&visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, E> {
        self.invalid(&visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Str(_) => visitor.visit_enum(UnitVariant(self)),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }
}

impl<E: de::Error> ScalarDe<'_, E> {
    fn refuse<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.invalid(&visitor)
    }
}

/// `"Variant"`: the tag, and `undefined` as the payload.
struct UnitVariant<'a, E>(ScalarDe<'a, E>);

impl<'de, 'a, E: de::Error> de::EnumAccess<'de> for UnitVariant<'a, E> {
    type Error = E;
    type Variant = ScalarDe<'static, E>;

    fn variant_seed<S: de::DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant), E> {
        let rows = self.0.rows;
        Ok((seed.deserialize(self.0)?, ScalarDe::new(Scalar::Null, rows)))
    }
}

/// The payload of a variant, read as any other value (`de::Deserialize` of
/// `()` for a unit variant).
macro_rules! variant_access {
    ($ty:ty, $err:ty, $($gen:tt)*) => {
        impl<'de, $($gen)*> de::VariantAccess<'de> for $ty {
            type Error = $err;

            fn unit_variant(self) -> Result<(), $err> {
                de::Deserialize::deserialize(self)
            }

            fn newtype_variant_seed<S: de::DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, $err> {
                seed.deserialize(self)
            }

            fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, $err> {
                de::Deserializer::deserialize_tuple(self, len, visitor)
            }

            fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, $err> {
                de::Deserializer::deserialize_struct(self, "", fields, visitor)
            }
        }
    };
}

variant_access!(ScalarDe<'a, E>, E, 'a, E: de::Error);
variant_access!(JsDe, Error, );

/// What a JavaScript value is, for the field route (the numbers of `kind`).
enum Node {
    Scalar(Scalar<'static>),
    BigInt,
    Array,
    Bytes,
    Map,
    Iterable,
    Object,
    Other,
}

/// The field-by-field route: a JavaScript value read as a Rust value, one
/// call across the boundary per part.
pub(crate) struct JsDe {
    value: JsValue,
    /// In an SQL row (see the module's documentation).
    rows: bool,
}

impl JsDe {
    pub(crate) fn new(value: JsValue, rows: bool) -> Self {
        Self { value, rows }
    }

    fn child(&self, value: JsValue) -> Self {
        Self { value, rows: self.rows }
    }

    fn node(&self) -> Node {
        match kind(&self.value) {
            0 => Node::Scalar(Scalar::Null),
            1 => Node::Scalar(Scalar::Bool(false)),
            2 => Node::Scalar(Scalar::Bool(true)),
            3 => Node::Scalar(Scalar::Number(self.value.as_f64().unwrap_or(f64::NAN))),
            4 => Node::Scalar(Scalar::Str(Cow::Owned(self.value.as_string().unwrap_or_default()))),
            5 => Node::BigInt,
            6 => Node::Array,
            7 => Node::Bytes,
            8 => Node::Map,
            9 => Node::Iterable,
            10 => Node::Object,
            _ => Node::Other,
        }
    }

    fn scalar(&self, value: Scalar<'static>) -> ScalarDe<'static, Error> {
        ScalarDe::new(value, self.rows)
    }

    #[cold]
    fn invalid<T>(&self, node: &Node, visitor: &dyn de::Expected) -> Out<T> {
        let name;
        let unexpected = match node {
            Node::Array => Unexpected::Seq,
            Node::Map | Node::Object => Unexpected::Map,
            Node::Bytes => Unexpected::Other("a Uint8Array"),
            Node::BigInt => Unexpected::Other("a BigInt"),
            _ => {
                name = type_name(&self.value);
                Unexpected::Other(&name)
            }
        };
        Err(Error::invalid_type(unexpected, visitor))
    }

    fn elements<'de, V: Visitor<'de>>(&self, visitor: V) -> Out<V::Value> {
        let array: &Array = self.value.unchecked_ref();
        visitor.visit_seq(Elements { de: self, array, index: 0, length: array.length() })
    }

    fn iterate<'de, V: Visitor<'de>>(&self, node: &Node, visitor: V) -> Out<V::Value> {
        match js_sys::try_iter(&self.value)? {
            Some(iter) => visitor.visit_seq(Iterated { de: self, iter, index: 0 }),
            None => self.invalid(node, &visitor),
        }
    }

    fn sequence<'de, V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        match self.node() {
            Node::Array => self.elements(visitor),
            node @ (Node::Bytes | Node::Map | Node::Iterable) => self.iterate(&node, visitor),
            Node::Scalar(s) => self.scalar(s).refuse(visitor),
            node => self.invalid(&node, &visitor),
        }
    }

    fn entries<'de, V: Visitor<'de>>(&self, visitor: V) -> Out<V::Value> {
        let entries = Object::entries(self.value.unchecked_ref());
        let length = entries.length();
        visitor.visit_map(Entries { de: self, entries, index: 0, length, value: None, key: String::new() })
    }

    fn pairs<'de, V: Visitor<'de>>(&self, node: &Node, visitor: V) -> Out<V::Value> {
        match js_sys::try_iter(&self.value)? {
            Some(iter) => visitor.visit_map(Pairs { de: self, iter, value: None, index: 0, key: None }),
            None => self.invalid(node, &visitor),
        }
    }

    fn bigint<'de, V: Visitor<'de>>(self, visitor: V, wide: bool) -> Out<V::Value> {
        let value = self.value;
        let value = match i64::try_from(value) {
            Ok(v) => return visitor.visit_i64(v),
            Err(value) => value,
        };
        let value = match u64::try_from(value) {
            Ok(v) => return visitor.visit_u64(v),
            Err(value) => value,
        };
        if wide {
            let value = match i128::try_from(value) {
                Ok(v) => return visitor.visit_i128(v),
                Err(value) => value,
            };
            if let Ok(v) = u128::try_from(value) {
                return visitor.visit_u128(v);
            }
        }
        Err(Error::custom(format_args!(
            "a BigInt beyond the range of {}",
            if wide { "i128 and u128" } else { "i64 and u64" }
        )))
    }

    fn integer<'de, V: Visitor<'de>>(self, visitor: V, signed: bool, wide: bool) -> Out<V::Value> {
        match self.node() {
            Node::Scalar(s) if wide => self.scalar(s).deserialize_i128(visitor),
            Node::Scalar(s) if signed => self.scalar(s).signed(visitor),
            Node::Scalar(s) => self.scalar(s).unsigned(visitor),
            Node::BigInt => self.bigint(visitor, wide),
            node => self.invalid(&node, &visitor),
        }
    }
}

/// Wraps an error from inside a composite with where it happened:
/// ``at `items[2].name`: ...`` (segments from the inside out).
#[cold]
pub(crate) fn at(error: Error, segment: &dyn std::fmt::Display) -> Error {
    let message = crate::error::js_message(&error.into());
    let (path, rest) = match message.strip_prefix("at `").and_then(|m| m.split_once("`: ")) {
        Some((path, rest)) => (path.to_owned(), rest.to_owned()),
        None => (String::new(), message),
    };
    // `items` + `[0].name`, `[0]` + `[1]`: no dot; `[0]` + `name`: a dot.
    let joined = if path.is_empty() || path.starts_with('[') {
        format!("{segment}{path}")
    } else {
        format!("{segment}.{path}")
    };
    Error::custom(format_args!("at `{joined}`: {rest}"))
}

/// A key quoted in a path: at most 40 characters.
fn key_segment(key: &str) -> String {
    match key.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &key[..cut]),
        None => key.to_owned(),
    }
}

struct Elements<'a> {
    de: &'a JsDe,
    array: &'a Array,
    index: u32,
    length: u32,
}

impl<'de> de::SeqAccess<'de> for Elements<'_> {
    type Error = Error;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<Option<S::Value>> {
        if self.index >= self.length {
            return Ok(None);
        }
        let index = self.index;
        self.index += 1;
        seed.deserialize(self.de.child(self.array.get(index)))
            .map(Some)
            .map_err(|e| at(e, &format_args!("[{index}]")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.length - self.index) as usize)
    }
}

struct Iterated<'a> {
    de: &'a JsDe,
    iter: js_sys::IntoIter,
    index: u32,
}

impl<'de> de::SeqAccess<'de> for Iterated<'_> {
    type Error = Error;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<Option<S::Value>> {
        let index = self.index;
        self.index += 1;
        match self.iter.next().transpose()? {
            Some(value) => seed.deserialize(self.de.child(value)).map(Some).map_err(|e| at(e, &format_args!("[{index}]"))),
            None => Ok(None),
        }
    }
}

/// A plain object's own enumerable string keys and values (`Object.entries`).
struct Entries<'a> {
    de: &'a JsDe,
    entries: Array,
    index: u32,
    length: u32,
    value: Option<JsValue>,
    key: String,
}

impl<'de> de::MapAccess<'de> for Entries<'_> {
    type Error = Error;

    fn next_key_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<Option<S::Value>> {
        if self.index >= self.length {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.index).unchecked_into();
        self.index += 1;
        self.key = pair.get(0).as_string().unwrap_or_default();
        self.value = Some(pair.get(1));
        let key = ScalarDe::<Error>::new(Scalar::Str(Cow::Borrowed(&self.key)), false);
        seed.deserialize(key).map(Some).map_err(|e| at(e, &key_segment(&self.key)))
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<S::Value> {
        let value = self.value.take().ok_or_else(|| Error::custom("a map value was read before its key"))?;
        seed.deserialize(self.de.child(value)).map_err(|e| at(e, &key_segment(&self.key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.length - self.index) as usize)
    }
}

/// `[key, value]` pairs of an iterable (a `Map`, an array of pairs).
struct Pairs<'a> {
    de: &'a JsDe,
    iter: js_sys::IntoIter,
    value: Option<JsValue>,
    /// The pair being read (its index), and its key if that is a string.
    index: u32,
    key: Option<String>,
}

impl<'de> de::MapAccess<'de> for Pairs<'_> {
    type Error = Error;

    fn next_key_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<Option<S::Value>> {
        let Some(pair) = self.iter.next().transpose()? else {
            return Ok(None);
        };
        self.index += 1;
        let index = self.index - 1;
        if !Array::is_array(&pair) {
            let what = type_name(&pair);
            let error = Error::custom(format_args!("expected a [key, value] pair, got {what}"));
            return Err(at(error, &format_args!("[{index}]")));
        }
        let pair: Array = pair.unchecked_into();
        if pair.length() < 2 {
            let error = Error::custom(format_args!("expected a [key, value] pair, got an array of {}", pair.length()));
            return Err(at(error, &format_args!("[{index}]")));
        }
        self.key = pair.get(0).as_string();
        self.value = Some(pair.get(1));
        seed.deserialize(self.de.child(pair.get(0))).map(Some).map_err(|e| at(e, &format_args!("[{index}][0]")))
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<S::Value> {
        let value = self.value.take().ok_or_else(|| Error::custom("a map value was read before its key"))?;
        seed.deserialize(self.de.child(value)).map_err(|e| match &self.key {
            Some(key) => at(e, &key_segment(key)),
            None => at(e, &format_args!("[{}][1]", self.index - 1)),
        })
    }
}

/// A struct's declared fields, each read as an own enumerable property.
struct Fields<'a> {
    de: &'a JsDe,
    fields: std::slice::Iter<'static, &'static str>,
    field: &'static str,
    value: Option<JsValue>,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<Option<S::Value>> {
        for field in &mut self.fields {
            let key = super::ser::name(field);
            let value = own_field(&self.de.value, &key);
            if !value.is_undefined() || has_own_field(&self.de.value, &key) {
                self.field = field;
                self.value = Some(value);
                return seed.deserialize(field.into_deserializer()).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Out<S::Value> {
        let value = self.value.take().ok_or_else(|| Error::custom("a field was read before its name"))?;
        seed.deserialize(self.de.child(value)).map_err(|e| at(e, &key_segment(self.field)))
    }
}

/// `{ Variant: payload }`.
struct Tagged {
    tag: JsDe,
    payload: JsDe,
}

impl<'de> de::EnumAccess<'de> for Tagged {
    type Error = Error;
    type Variant = JsDe;

    fn variant_seed<S: de::DeserializeSeed<'de>>(self, seed: S) -> Out<(S::Value, JsDe)> {
        Ok((seed.deserialize(self.tag)?, self.payload))
    }
}

macro_rules! integers {
    ($($method:ident($signed:expr, $wide:expr)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
            self.integer(visitor, $signed, $wide)
        }
    )*};
}

macro_rules! scalars_only {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
            match self.node() {
                Node::Scalar(s) => self.scalar(s).$method(visitor),
                node => self.invalid(&node, &visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for JsDe {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        match self.node() {
            Node::Scalar(s) => self.scalar(s).deserialize_any(visitor),
            Node::BigInt => self.bigint(visitor, false),
            Node::Array => self.elements(visitor),
            Node::Bytes => visitor.visit_byte_buf(bytes_of(&self.value).to_vec()),
            node @ Node::Map => self.pairs(&node, visitor),
            Node::Object => self.entries(visitor),
            node => self.invalid(&node, &visitor),
        }
    }

    integers!(
        deserialize_i8(true, false), deserialize_i16(true, false), deserialize_i32(true, false), deserialize_i64(true, false),
        deserialize_u8(false, false), deserialize_u16(false, false), deserialize_u32(false, false), deserialize_u64(false, false),
        deserialize_i128(true, true), deserialize_u128(false, true),
    );

    scalars_only!(
        deserialize_bool, deserialize_f32, deserialize_f64, deserialize_char, deserialize_str, deserialize_string,
        deserialize_identifier, deserialize_unit,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Out<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        match self.node() {
            Node::Bytes => visitor.visit_byte_buf(bytes_of(&self.value).to_vec()),
            Node::Array => self.elements(visitor),
            Node::Scalar(s) => self.scalar(s).deserialize_byte_buf(visitor),
            node => self.invalid(&node, &visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        if self.value.is_undefined() {
            visitor.visit_none()
        } else if self.value.is_null() {
            null_option(visitor)
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Out<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        self.sequence(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Out<V::Value> {
        self.sequence(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, name: &'static str, len: usize, visitor: V) -> Out<V::Value> {
        if name == super::ser::PRESERVED {
            // A `JsValue` passed through (`serde_wasm_bindgen::preserve`).
            return serde_wasm_bindgen::Deserializer::from(self.value).deserialize_tuple_struct(name, len, visitor);
        }
        self.sequence(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        match self.node() {
            Node::Object => self.entries(visitor),
            node @ (Node::Map | Node::Iterable | Node::Array | Node::Bytes) => self.pairs(&node, visitor),
            Node::Scalar(s) => self.scalar(s).refuse(visitor),
            node => self.invalid(&node, &visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], visitor: V) -> Out<V::Value> {
        match self.node() {
            Node::Scalar(s) => self.scalar(s).deserialize_struct("", fields, visitor),
            node @ (Node::BigInt | Node::Other) => self.invalid(&node, &visitor),
            _ => visitor.visit_map(Fields { de: &self, fields: fields.iter(), field: "", value: None }),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(self, name: &'static str, variants: &'static [&'static str], visitor: V) -> Out<V::Value> {
        match self.node() {
            Node::Scalar(s) => self.scalar(s).deserialize_enum(name, variants, visitor),
            node @ (Node::BigInt | Node::Other) => self.invalid(&node, &visitor),
            _ => {
                let entries = Object::entries(self.value.unchecked_ref());
                if entries.length() != 1 {
                    return Err(Error::invalid_length(entries.length() as usize, &"an object with exactly one key, the variant"));
                }
                let pair: Array = entries.get(0).unchecked_into();
                visitor.visit_enum(Tagged { tag: self.child(pair.get(0)), payload: self.child(pair.get(1)) })
            }
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Out<V::Value> {
        visitor.visit_unit()
    }
}
