//! The JSON route of the conversion, Rust -> JavaScript: a value whose
//! JavaScript form is exactly what `JSON.parse` gives for its JSON text
//! crosses the Wasm boundary as one string, instead of one call per field.
//! The field-by-field route in [`super`] stays the definition of the
//! conversion; this one is taken only where it gives the same JavaScript
//! value, and is checked before it is taken: [`encodes_exactly`] walks the
//! value (no output, no boundary crossing) and refuses anything whose JSON
//! would differ from what the field-by-field serializer builds: `None`
//! (`undefined`), bytes (`Uint8Array`), non-finite floats, `f32` (widened,
//! not reprinted), integers beyond ±2^53 and 128-bit ones (refused or BigInt
//! there), map keys that are not strings (refused there), and `JsValue`s
//! passed through.
//!
//! (JavaScript -> Rust, values cross as one message of the wire format
//! instead: [`super::binary`]. A JavaScript reader of that format was
//! measured against `JSON.parse` for this direction and lost: the runtime
//! serializes the objects `JSON.parse` makes faster than ones built property
//! by property.)

use serde::ser::{self, Serialize};

/// The prefix of the names serde_json gives its own magic types.
const SERDE_JSON_PRIVATE: &str = "$serde_json::private::";

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: u64 = (1 << 53) - 1;

/// Whether `value` is a composite (sequence, map, struct, enum with data)
/// whose JSON text `JSON.parse`s into exactly the value the field-by-field
/// serializer builds. Scalars answer `false`: they cross faster one by one.
pub(super) fn encodes_exactly<T: Serialize + ?Sized>(value: &T) -> bool {
    matches!(value.serialize(Check), Ok(Shape::Composite))
}

/// What the check found: a composite value that JSON encodes exactly, or a
/// scalar (at the top: not worth the route).
#[derive(PartialEq)]
enum Shape {
    Scalar,
    Composite,
}

/// JSON would not give the same JavaScript value.
#[derive(Debug)]
struct Inexact;

impl std::fmt::Display for Inexact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not exactly representable as JSON")
    }
}

impl std::error::Error for Inexact {}

impl ser::Error for Inexact {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Inexact
    }
}

type Out = Result<Shape, Inexact>;

/// The checking serializer: walks the value, builds nothing.
#[derive(Clone, Copy)]
struct Check;

impl Check {
    fn scalar(self) -> Out {
        Ok(Shape::Scalar)
    }

    fn composite(self) -> Result<Self, Inexact> {
        Ok(Check)
    }
}

/// A map key: only strings (and unit variants, which are strings) stay
/// strings in both routes.
struct Key;

impl ser::Serializer for Check {
    type Ok = Shape;
    type Error = Inexact;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, _: bool) -> Out {
        self.scalar()
    }
    fn serialize_i8(self, _: i8) -> Out {
        self.scalar()
    }
    fn serialize_i16(self, _: i16) -> Out {
        self.scalar()
    }
    fn serialize_i32(self, _: i32) -> Out {
        self.scalar()
    }
    fn serialize_i64(self, v: i64) -> Out {
        if v.unsigned_abs() <= MAX_SAFE { self.scalar() } else { Err(Inexact) }
    }
    fn serialize_u8(self, _: u8) -> Out {
        self.scalar()
    }
    fn serialize_u16(self, _: u16) -> Out {
        self.scalar()
    }
    fn serialize_u32(self, _: u32) -> Out {
        self.scalar()
    }
    fn serialize_u64(self, v: u64) -> Out {
        if v <= MAX_SAFE { self.scalar() } else { Err(Inexact) }
    }
    fn serialize_i128(self, _: i128) -> Out {
        Err(Inexact)
    }
    fn serialize_u128(self, _: u128) -> Out {
        Err(Inexact)
    }
    fn serialize_f32(self, _: f32) -> Out {
        // serde_json prints the shortest f32; the other route widens to f64.
        Err(Inexact)
    }
    fn serialize_f64(self, v: f64) -> Out {
        // serde_json writes NaN and the infinities as `null`; -0.0 as `-0.0`,
        // which JSON.parse reads back as -0.
        if v.is_finite() { self.scalar() } else { Err(Inexact) }
    }
    fn serialize_char(self, _: char) -> Out {
        self.scalar()
    }
    fn serialize_str(self, _: &str) -> Out {
        self.scalar()
    }
    fn serialize_bytes(self, _: &[u8]) -> Out {
        Err(Inexact)
    }
    fn serialize_none(self) -> Out {
        Err(Inexact)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Out {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out {
        self.scalar()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Out {
        self.scalar()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Out {
        self.scalar()
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, name: &'static str, value: &T) -> Out {
        if name == super::ser::PRESERVED || name.starts_with(SERDE_JSON_PRIVATE) {
            return Err(Inexact);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(self, _: &'static str, _: u32, _: &'static str, value: &T) -> Out {
        value.serialize(Check)?;
        Ok(Shape::Composite)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Inexact> {
        self.composite()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Inexact> {
        self.composite()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Inexact> {
        self.composite()
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self, Inexact> {
        self.composite()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Inexact> {
        self.composite()
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self, Inexact> {
        // serde_json's `RawValue` and `arbitrary_precision` numbers print
        // themselves as JSON; the field route builds them as structs.
        if name.starts_with(SERDE_JSON_PRIVATE) {
            return Err(Inexact);
        }
        self.composite()
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self, Inexact> {
        self.composite()
    }
}

macro_rules! composite_parts {
    ($($trait:ident { $($method:ident),* })*) => {$(
        impl ser::$trait for Check {
            type Ok = Shape;
            type Error = Inexact;
            $(
                fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Inexact> {
                    value.serialize(Check).map(drop)
                }
            )*
            fn end(self) -> Out {
                Ok(Shape::Composite)
            }
        }
    )*};
}

composite_parts! {
    SerializeSeq { serialize_element }
    SerializeTuple { serialize_element }
    SerializeTupleStruct { serialize_field }
    SerializeTupleVariant { serialize_field }
}

impl ser::SerializeMap for Check {
    type Ok = Shape;
    type Error = Inexact;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Inexact> {
        key.serialize(Key)
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Inexact> {
        value.serialize(Check).map(drop)
    }

    fn end(self) -> Out {
        Ok(Shape::Composite)
    }
}

macro_rules! composite_fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Check {
            type Ok = Shape;
            type Error = Inexact;

            fn serialize_field<T: ?Sized + Serialize>(&mut self, _: &'static str, value: &T) -> Result<(), Inexact> {
                value.serialize(Check).map(drop)
            }

            fn end(self) -> Out {
                Ok(Shape::Composite)
            }
        }
    )*};
}

composite_fields!(SerializeStruct, SerializeStructVariant);

/// Methods of the key serializer that refuse their value.
macro_rules! refuse {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method(self, _: $ty) -> Result<(), Inexact> {
            Err(Inexact)
        }
    )*};
}

/// Map keys: a string or a unit variant passes; anything else is refused,
/// and the field-by-field route gives its error (or, for a newtype around a
/// string, its value).
impl ser::Serializer for Key {
    type Ok = ();
    type Error = Inexact;
    type SerializeSeq = ser::Impossible<(), Inexact>;
    type SerializeTuple = ser::Impossible<(), Inexact>;
    type SerializeTupleStruct = ser::Impossible<(), Inexact>;
    type SerializeTupleVariant = ser::Impossible<(), Inexact>;
    type SerializeMap = ser::Impossible<(), Inexact>;
    type SerializeStruct = ser::Impossible<(), Inexact>;
    type SerializeStructVariant = ser::Impossible<(), Inexact>;

    fn serialize_str(self, _: &str) -> Result<(), Inexact> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Inexact> {
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, name: &'static str, value: &T) -> Result<(), Inexact> {
        if name == super::ser::PRESERVED {
            return Err(Inexact);
        }
        value.serialize(self)
    }
    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64)
    );
    fn serialize_char(self, _: char) -> Result<(), Inexact> {
        // The other route makes a one-character string too, but keep the
        // rule simple: strings only.
        Err(Inexact)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Inexact> {
        Err(Inexact)
    }
    fn serialize_none(self) -> Result<(), Inexact> {
        Err(Inexact)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Inexact> {
        Err(Inexact)
    }
    fn serialize_unit(self) -> Result<(), Inexact> {
        Err(Inexact)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Inexact> {
        Err(Inexact)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<(), Inexact> {
        Err(Inexact)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Inexact> {
        Err(Inexact)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Inexact> {
        Err(Inexact)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Inexact> {
        Err(Inexact)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Inexact> {
        Err(Inexact)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Inexact> {
        Err(Inexact)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Inexact> {
        Err(Inexact)
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant, Inexact> {
        Err(Inexact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    struct Item {
        id: u32,
        name: String,
        tags: Vec<String>,
        score: f64,
    }

    #[derive(serde::Serialize)]
    enum Shape2 {
        Circle { r: f64 },
        Square(f64),
        Empty,
    }

    #[test]
    fn composites_of_json_values_take_the_bulk_route() {
        assert!(encodes_exactly(&Item { id: 1, name: "a".into(), tags: vec!["x".into()], score: -0.0 }));
        assert!(encodes_exactly(&vec![1_u64 << 52, 3]));
        assert!(encodes_exactly(&BTreeMap::from([("k".to_owned(), ())])));
        assert!(encodes_exactly(&(Shape2::Circle { r: 1.0 }, Shape2::Square(2.0), Shape2::Empty)));
        assert!(encodes_exactly(&Shape2::Square(2.0)));
        assert!(encodes_exactly(&serde_json::json!({"a": [1, null, "x", {"b": true}]})));
    }

    #[test]
    fn scalars_cross_one_by_one() {
        assert!(!encodes_exactly(&1_u32));
        assert!(!encodes_exactly("text"));
        assert!(!encodes_exactly(&()));
        assert!(!encodes_exactly(&Shape2::Empty));
    }

    #[test]
    fn what_json_would_change_is_refused() {
        assert!(!encodes_exactly(&vec![Some(1), None]));
        assert!(!encodes_exactly(&vec![f64::NAN]));
        assert!(!encodes_exactly(&vec![f64::INFINITY]));
        assert!(!encodes_exactly(&vec![0.1_f32]));
        assert!(!encodes_exactly(&vec![1_u64 << 53]));
        assert!(!encodes_exactly(&vec![-(1_i64 << 53)]));
        assert!(!encodes_exactly(&vec![1_u128]));
        assert!(!encodes_exactly(&serde_bytes::ByteBuf::from(vec![1, 2])));
        assert!(!encodes_exactly(&vec![serde_bytes::ByteBuf::from(vec![1, 2])]));
        assert!(!encodes_exactly(&BTreeMap::from([(1_u32, "one")])));
        assert!(!encodes_exactly(&BTreeMap::from([('c', "one")])));
    }
}
