//! The bulk route's reader: a self-describing message (the wire format,
//! [`crate::rpc::wire::read_strict`]; JSON text in the unit tests) read with
//! the definition in [`super::de`], never with the format's own leniencies.
//! Every value is read as "any" from the message and then given to what the
//! Rust type asked for: scalars through [`ScalarDe`] (the same code as the
//! field route), arrays and objects only where the field route reads them
//! the same way. Anything else is refused, and a refusal here only means
//! "read it field by field" (which then accepts or words the error): this
//! route never accepts what the other refuses, and never reads a value
//! differently.
//!
//! Refused here, though the field route may accept them: an array where a
//! struct or map is asked for, an object where a sequence is, a tuple with
//! extra elements is read (they are skipped), `serde_wasm_bindgen::preserve`d
//! values (a message must never name a JavaScript handle).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Error as _, IgnoredAny, Visitor};

use super::de::{Scalar, ScalarDe};

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: u64 = (1 << 53) - 1;

/// Reads `T` from a JSON text (the unit tests' self-describing format; the
/// SDK reads this way from the wire format, [`crate::rpc::wire::read_strict`]).
#[cfg(test)]
pub(crate) fn from_slice<T: de::DeserializeOwned>(text: &[u8]) -> Result<T, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_slice(text);
    let value = T::deserialize(Strict::<_, false>(&mut json))?;
    json.end()?;
    Ok(value)
}

/// A deserializer of JSON (any self-describing one, for tests) that reads
/// with the field route's definition.
///
/// `UNDEFINED`: whether `D` tells `undefined` from `null` where an option is
/// asked for (the binary form of [`crate::rpc`]'s wire format does): then its
/// `visit_none` is `undefined` (always `None`) and its `visit_unit` is `null`
/// (read as [`super::de::null_option`] says). JSON has no `undefined`:
/// serde_json says `null` with `visit_none`, and both are `null`.
pub(crate) struct Strict<D, const UNDEFINED: bool = false>(pub(crate) D);

/// What the Rust type asked for.
#[derive(Clone, Copy)]
enum Hint {
    Any,
    Bool,
    I8,
    I16,
    I32,
    I64,
    I128,
    U8,
    U16,
    U32,
    U64,
    U128,
    F32,
    F64,
    Char,
    Str,
    String,
    Identifier,
    Bytes,
    ByteBuf,
    Unit,
    UnitStruct(&'static str),
    Seq,
    Tuple(usize),
    TupleStruct(&'static str, usize),
    Map,
    Struct(&'static str, &'static [&'static str]),
    Enum(&'static str, &'static [&'static str]),
}

fn refused<E: de::Error>(what: &str) -> E {
    E::custom(format_args!("the bulk route does not read {what}"))
}

/// The visitor given to the JSON deserializer: whatever came, it is read as
/// `hint` asks, by the shared rules.
struct As<V, const U: bool> {
    hint: Hint,
    visitor: V,
}

impl<V, const U: bool> As<V, U> {
    fn scalar<'de, E: de::Error>(self, value: Scalar<'_>) -> Result<V::Value, E>
    where
        V: Visitor<'de>,
    {
        let de = ScalarDe::<E>::new(value, false);
        use de::Deserializer as _;
        let v = self.visitor;
        match self.hint {
            Hint::Any => de.deserialize_any(v),
            Hint::Bool => de.deserialize_bool(v),
            Hint::I8 => de.deserialize_i8(v),
            Hint::I16 => de.deserialize_i16(v),
            Hint::I32 => de.deserialize_i32(v),
            Hint::I64 => de.deserialize_i64(v),
            Hint::I128 => de.deserialize_i128(v),
            Hint::U8 => de.deserialize_u8(v),
            Hint::U16 => de.deserialize_u16(v),
            Hint::U32 => de.deserialize_u32(v),
            Hint::U64 => de.deserialize_u64(v),
            Hint::U128 => de.deserialize_u128(v),
            Hint::F32 => de.deserialize_f32(v),
            Hint::F64 => de.deserialize_f64(v),
            Hint::Char => de.deserialize_char(v),
            Hint::Str => de.deserialize_str(v),
            Hint::String => de.deserialize_string(v),
            Hint::Identifier => de.deserialize_identifier(v),
            Hint::Bytes => de.deserialize_bytes(v),
            Hint::ByteBuf => de.deserialize_byte_buf(v),
            Hint::Unit => de.deserialize_unit(v),
            Hint::UnitStruct(name) => de.deserialize_unit_struct(name, v),
            Hint::Seq => de.deserialize_seq(v),
            Hint::Tuple(len) => de.deserialize_tuple(len, v),
            Hint::TupleStruct(name, len) => de.deserialize_tuple_struct(name, len, v),
            Hint::Map => de.deserialize_map(v),
            Hint::Struct(name, fields) => de.deserialize_struct(name, fields, v),
            Hint::Enum(name, variants) => de.deserialize_enum(name, variants, v),
        }
    }
}

impl<'de, V: Visitor<'de>, const U: bool> Visitor<'de> for As<V, U> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.scalar(Scalar::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.scalar(Scalar::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        if v > MAX_SAFE {
            return Err(refused("integers beyond 2^53"));
        }
        self.scalar(Scalar::Number(v as f64))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        if v.unsigned_abs() > MAX_SAFE {
            return Err(refused("integers beyond 2^53"));
        }
        self.scalar(Scalar::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.scalar(Scalar::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.scalar(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.scalar(Scalar::Str(Cow::Owned(v)))
    }

    /// Bytes (a `Uint8Array`: never in JSON, only in the binary form of
    /// [`crate::rpc`]'s wire format), read as the field route reads a
    /// `Uint8Array` where bytes or anything are asked for; elsewhere (a
    /// `Vec<u8>`, which the field route reads element by element) refused.
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        match self.hint {
            Hint::Any | Hint::Bytes | Hint::ByteBuf => self.visitor.visit_byte_buf(v.to_vec()),
            _ => Err(refused("bytes as anything but bytes")),
        }
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<V::Value, A::Error> {
        match self.hint {
            Hint::Any | Hint::Seq | Hint::Tuple(_) | Hint::TupleStruct(..) | Hint::Bytes | Hint::ByteBuf => {
                let value = self.visitor.visit_seq(Elements::<_, U>(&mut seq))?;
                // Elements the visitor did not read are ignored, as an
                // array's are on the field route.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(value)
            }
            _ => Err(refused("an array as a struct, map or enum")),
        }
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        match self.hint {
            Hint::Any | Hint::Map => self.visitor.visit_map(Entries::<_, U>(&mut map)),
            Hint::Struct(_, fields) => self.visitor.visit_map(Fields::<_, U> { map: &mut map, fields, skip: false }),
            Hint::Enum(..) => {
                let Some(tag) = map.next_key_seed(Text)? else {
                    return Err(A::Error::invalid_length(0, &"an object with exactly one key, the variant"));
                };
                let value = self.visitor.visit_enum(Tagged::<_, U> { tag, map: &mut map })?;
                if map.next_key::<IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(2, &"an object with exactly one key, the variant"));
                }
                Ok(value)
            }
            _ => Err(refused("an object as a sequence or scalar")),
        }
    }
}

macro_rules! hinted {
    ($($method:ident => $hint:expr),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.deserialize_any(As::<V, U> { hint: $hint, visitor })
        }
    )*};
}

impl<'de, D: de::Deserializer<'de>, const U: bool> de::Deserializer<'de> for Strict<D, U> {
    type Error = D::Error;

    hinted!(
        deserialize_any => Hint::Any, deserialize_bool => Hint::Bool,
        deserialize_i8 => Hint::I8, deserialize_i16 => Hint::I16, deserialize_i32 => Hint::I32, deserialize_i64 => Hint::I64,
        deserialize_i128 => Hint::I128, deserialize_u8 => Hint::U8, deserialize_u16 => Hint::U16, deserialize_u32 => Hint::U32,
        deserialize_u64 => Hint::U64, deserialize_u128 => Hint::U128, deserialize_f32 => Hint::F32, deserialize_f64 => Hint::F64,
        deserialize_char => Hint::Char, deserialize_str => Hint::Str, deserialize_string => Hint::String,
        deserialize_identifier => Hint::Identifier, deserialize_bytes => Hint::Bytes, deserialize_byte_buf => Hint::ByteBuf,
        deserialize_unit => Hint::Unit, deserialize_seq => Hint::Seq, deserialize_map => Hint::Map,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(As::<V, U> { hint: Hint::UnitStruct(name), visitor })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(As::<V, U> { hint: Hint::Tuple(len), visitor })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, name: &'static str, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        if name == super::ser::PRESERVED {
            return Err(refused("JavaScript values passed through"));
        }
        self.0.deserialize_any(As::<V, U> { hint: Hint::TupleStruct(name, len), visitor })
    }

    fn deserialize_struct<V: Visitor<'de>>(self, name: &'static str, fields: &'static [&'static str], visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(As::<V, U> { hint: Hint::Struct(name, fields), visitor })
    }

    fn deserialize_enum<V: Visitor<'de>>(self, name: &'static str, variants: &'static [&'static str], visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(As::<V, U> { hint: Hint::Enum(name, variants), visitor })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(Optional::<V, U>(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_ignored_any(IgnoredAny)?;
        visitor.visit_unit()
    }
}

/// `null` as the field route reads it ([`super::de::null_option`]);
/// anything else is `Some`, read strictly.
struct Optional<V, const U: bool>(V);

impl<'de, V: Visitor<'de>, const U: bool> Visitor<'de> for Optional<V, U> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        if U {
            // `undefined`: `None`, as on the field route.
            return self.0.visit_none();
        }
        super::de::null_option(self.0)
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        super::de::null_option(self.0)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Strict::<_, U>(d))
    }
}

/// A seed read strictly.
struct Seed<S, const U: bool>(S);

impl<'de, S: DeserializeSeed<'de>, const U: bool> DeserializeSeed<'de> for Seed<S, U> {
    type Value = S::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict::<_, U>(d))
    }
}

struct Elements<'a, A, const U: bool>(&'a mut A);

impl<'de, A: de::SeqAccess<'de>, const U: bool> de::SeqAccess<'de> for Elements<'_, A, U> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.0.next_element_seed(Seed::<_, U>(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// An object key, as text.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A key read as a string scalar, whatever the Rust type asks for (as the
/// field route reads the keys of `Object.entries`).
struct Key<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Key<S> {
    type Value = S::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        let text = Text.deserialize(d)?;
        self.0.deserialize(ScalarDe::<D::Error>::new(Scalar::Str(text), false))
    }
}

struct Entries<'a, A, const U: bool>(&'a mut A);

impl<'de, A: de::MapAccess<'de>, const U: bool> de::MapAccess<'de> for Entries<'_, A, U> {
    type Error = A::Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.0.next_key_seed(Key(seed))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(Seed::<_, U>(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A struct: only its declared fields are seen, as on the field route
/// (which looks each one up and never sees the others).
struct Fields<'a, A, const U: bool> {
    map: &'a mut A,
    fields: &'static [&'static str],
    skip: bool,
}

impl<'de, A: de::MapAccess<'de>, const U: bool> de::MapAccess<'de> for Fields<'_, A, U> {
    type Error = A::Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        loop {
            let Some(key) = self.map.next_key_seed(Text)? else {
                return Ok(None);
            };
            if let Some(field) = self.fields.iter().find(|field| **field == key) {
                self.skip = false;
                return seed.deserialize(de::IntoDeserializer::<A::Error>::into_deserializer(*field)).map(Some);
            }
            self.skip = true;
            self.map.next_value::<IgnoredAny>()?;
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        debug_assert!(!self.skip);
        self.map.next_value_seed(Seed::<_, U>(seed))
    }
}

/// `{ Variant: payload }`, its one key already read.
struct Tagged<'a, 'de, A, const U: bool> {
    tag: Cow<'de, str>,
    map: &'a mut A,
}

impl<'a, 'de, A: de::MapAccess<'de>, const U: bool> de::EnumAccess<'de> for Tagged<'a, 'de, A, U> {
    type Error = A::Error;
    type Variant = Payload<'a, A, U>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Payload<'a, A, U>), A::Error> {
        let tag = seed.deserialize(ScalarDe::<A::Error>::new(Scalar::Str(self.tag), false))?;
        Ok((tag, Payload(self.map)))
    }
}

struct Payload<'a, A, const U: bool>(&'a mut A);

struct TupleSeed<V, const U: bool> {
    len: usize,
    visitor: V,
}

impl<'de, V: Visitor<'de>, const U: bool> DeserializeSeed<'de> for TupleSeed<V, U> {
    type Value = V::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        de::Deserializer::deserialize_tuple(Strict::<_, U>(d), self.len, self.visitor)
    }
}

struct StructSeed<V, const U: bool> {
    fields: &'static [&'static str],
    visitor: V,
}

impl<'de, V: Visitor<'de>, const U: bool> DeserializeSeed<'de> for StructSeed<V, U> {
    type Value = V::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        de::Deserializer::deserialize_struct(Strict::<_, U>(d), "", self.fields, self.visitor)
    }
}

impl<'de, A: de::MapAccess<'de>, const U: bool> de::VariantAccess<'de> for Payload<'_, A, U> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.next_value_seed(Seed::<_, U>(std::marker::PhantomData::<()>))
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(Seed::<_, U>(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(TupleSeed::<_, U> { len, visitor })
    }

    fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(StructSeed::<_, U> { fields, visitor })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Deserialize;

    use super::from_slice;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Point {
        x: f64,
        y: f64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strictly {
        a: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Shape {
        Unit,
        Circle { r: f64 },
        Square(f64),
        Pair(u8, u8),
    }

    fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        from_slice(text.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn what_the_field_route_refuses_is_refused() {
        // serde_json alone accepts each of these; the field route does not.
        assert!(read::<Point>("[1, 2]").is_err());
        assert!(read::<HashMap<u32, String>>(r#"{"1": "one"}"#).is_err());
        assert!(read::<serde_bytes::ByteBuf>(r#""abc""#).is_err());
        assert!(read::<Vec<i128>>("[1, 2]").is_err());
        assert!(read::<HashMap<bool, u8>>(r#"{"true": 1}"#).is_err());
        assert!(read::<BTreeMap<String, u8>>("[]").is_err());
        assert!(read::<Vec<u8>>("{}").is_err());
        assert!(read::<Vec<u64>>("[9007199254740993]").is_err());
        // A JSON text never names a JavaScript handle.
        assert!(read::<(String, u32)>(r#"["1fc430ca-5b7f-4295-92de-33cf2b145d38", 3]"#).is_ok());
        assert!(read::<Vec<durable_value::Preserved>>(r#"[["1fc430ca-5b7f-4295-92de-33cf2b145d38", 3]]"#).is_err());
    }

    #[test]
    fn what_both_routes_accept_reads_the_same() {
        assert_eq!(read::<Point>(r#"{"y": 2, "x": 1.5, "z": "ignored"}"#), Ok(Point { x: 1.5, y: 2.0 }));
        // The field route looks up declared fields only: unknown ones are never seen.
        assert_eq!(read::<Strictly>(r#"{"a": 1, "b": 2}"#), Ok(Strictly { a: 1 }));
        let map = read::<BTreeMap<String, serde_json::Value>>(r#"{"__proto__": {"a": 1}, "k": null}"#).unwrap();
        assert_eq!(map["__proto__"], serde_json::json!({"a": 1}));
        assert_eq!(map["k"], serde_json::Value::Null);
        assert_eq!(read::<Vec<Shape>>(r#"["Unit", {"Circle": {"r": 1}}, {"Square": 2}, {"Pair": [1, 2]}]"#).unwrap().len(), 4);
        assert!(read::<Shape>(r#"{"Square": 2, "Unit": null}"#).is_err());
        assert!(read::<Shape>("{}").is_err());
        // Extra elements of a tuple are ignored, as an array's are on the field route.
        assert_eq!(read::<(u8, u8)>("[1, 2, 3]"), Ok((1, 2)));
        assert_eq!(read::<Vec<Option<u8>>>("[null, 1]"), Ok(vec![None, Some(1)]));
        assert_eq!(read::<HashMap<char, u8>>(r#"{"é": 1}"#), Ok(HashMap::from([('é', 1)])));
        assert_eq!(read::<Vec<f64>>("[1, -2, 0.5]"), Ok(vec![1.0, -2.0, 0.5]));
        assert!(read::<Vec<u8>>("[256]").is_err());
        assert!(read::<Vec<u32>>("[1.5]").is_err());
        assert_eq!(read::<serde_json::Value>(r#"[1, -1, 1.5, "s", true, null]"#), Ok(serde_json::json!([1, -1, 1.5, "s", true, null])));
    }

    #[test]
    fn null_is_some_where_the_option_holds_a_null_of_its_own() {
        use serde_json::Value;
        // `Some(Value::Null)`, `Some(())` and `Some(None)` cross as `null`, and read back as sent.
        assert_eq!(read::<Option<Value>>("null"), Ok(Some(Value::Null)));
        assert_eq!(read::<Vec<Option<Value>>>("[null, 1]"), Ok(vec![Some(Value::Null), Some(serde_json::json!(1))]));
        assert_eq!(read::<Option<()>>("null"), Ok(Some(())));
        assert_eq!(read::<Option<Option<u8>>>("null"), Ok(Some(None)));
        // Every other `Option` reads `null` as `None`.
        assert_eq!(read::<Option<u8>>("null"), Ok(None));
        assert_eq!(read::<Option<String>>("null"), Ok(None));
        assert_eq!(read::<Option<Point>>("null"), Ok(None));
        assert_eq!(read::<Option<Vec<u8>>>("null"), Ok(None));
        assert_eq!(read::<Option<BTreeMap<String, u8>>>("null"), Ok(None));
        // A visitor of its own (not serde's `Option`) gets `visit_none`, as before.
        struct Flag(bool);
        impl<'de> serde::Deserialize<'de> for Flag {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = Flag;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a flag or nothing")
                    }
                    fn visit_none<E>(self) -> Result<Flag, E> {
                        Ok(Flag(false))
                    }
                    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Flag, D::Error> {
                        bool::deserialize(d).map(Flag)
                    }
                }
                d.deserialize_option(V)
            }
        }
        assert!(matches!(read::<Flag>("null"), Ok(Flag(false))));
        assert!(matches!(read::<Flag>("true"), Ok(Flag(true))));
    }

    /// A type read through `serde_wasm_bindgen::preserve`'s magic name.
    mod durable_value {
        use serde::de::{Deserializer, SeqAccess, Visitor};

        #[derive(Debug)]
        pub struct Preserved;

        impl<'de> serde::Deserialize<'de> for Preserved {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Preserved;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a preserved value")
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Preserved, A::Error> {
                        let _: Option<String> = seq.next_element()?;
                        let _: Option<u32> = seq.next_element()?;
                        Ok(Preserved)
                    }
                }
                d.deserialize_tuple_struct(crate::convert::ser::PRESERVED, 2, V)
            }
        }
    }
}
