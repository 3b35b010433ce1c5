//! The wire format: how a call between two objects of this SDK carries its
//! arguments and result as one `Uint8Array` instead of a JavaScript object
//! graph (the runtime copies a `Uint8Array` where it structured-clones every
//! object of a graph).
//!
//! # What it carries
//! Exactly the JavaScript value the structured form would carry (the table
//! in [`crate::rpc`]), written in binary: the same `undefined` and `null`,
//! the same enum tagging, struct fields by name. The callee reads it with
//! the same definition ([`crate::convert`]'s bulk-route reader over it;
//! where that declines, the field route over the JavaScript value rebuilt
//! from the bytes, which accepts or words the error). So a caller and a
//! callee of different versions (an extra field, a missing `Option`, a
//! renamed variant) read each other exactly as in the structured form, with
//! the same error messages.
//!
//! A value the format does not hold (a JavaScript handle passed through
//! `serde_wasm_bindgen::preserve`: stubs, callbacks, streams, capabilities;
//! a `BigInt`, a 64-bit integer beyond ±2^53, a map key that is not a string,
//! nesting deeper than [`MAX_DEPTH`]) makes the whole call, or the whole
//! result, cross in the structured form instead.
//!
//! # The bytes
//! ```text
//! message   = version value            version: one byte, VERSION (1)
//! arguments = version array            (an array of the arguments, in order)
//! value     = 0x00                     undefined
//!           | 0x01                     null
//!           | 0x02 | 0x03              false | true
//!           | 0x04 varint              a number that is an integer within ±(2^53 - 1),
//!                                      zigzag-encoded (0, -1, 1, -2, ... as 0, 1, 2, 3, ...)
//!           | 0x05 f64                 any other number: 8 bytes, IEEE 754, little-endian
//!           | 0x06 varint utf8         a string: its UTF-8 length, then its UTF-8
//!           | 0x07 varint bytes        a Uint8Array: its length, then its bytes
//!           | 0x08 u32 value*          an array: its length (4 bytes, little-endian), its elements
//!           | 0x09 u32 (string value)* a plain object: its number of properties, then each
//!                                      property's name (a 0x06 string) and value
//! varint    = LEB128, unsigned, at most 10 bytes
//! ```
//! Nesting (arrays and objects inside each other) is at most [`MAX_DEPTH`]
//! deep. A reader refuses anything else (another version, an unknown tag,
//! a truncated value, bytes after the value, a string that is not UTF-8, an
//! integer out of range) with an error, never a guess.
//!
//! # The call
//! The typed stub calls the hidden method `__durable_wire_<method>(bytes)`
//! (not in the `.d.ts`) with the arguments' message; it is marked retryable
//! exactly when `<method>` is. Only a method whose arguments or result are
//! more than scalars (numbers, `bool`, `char`, strings, `()`, an `Option` of
//! one, as written in its signature) has the hidden twin: scalars cross the
//! structured call for less than one `Uint8Array` costs the runtime. The result is the result's message (a
//! `Uint8Array`), `undefined` for a method that returns nothing, or, for a
//! result the format does not hold, a one-element array holding the
//! structured result. Errors (the method's `Err`, a panic, an argument that
//! does not fit) are thrown exactly as by the structured call. A callee
//! without the hidden method (an older deployment, a JavaScript class), or
//! one that refuses the version ([`REFUSED`]), gets the structured call
//! instead.

use std::fmt;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::ser::{self, Serialize};

/// The format's version, the first byte of every message.
pub(crate) const VERSION: u8 = 1;

/// The deepest nesting of arrays and objects a message holds.
pub(crate) const MAX_DEPTH: usize = 128;

/// The start of the error a callee throws for a message it cannot read at
/// all (another version): the caller then makes the structured call.
pub(crate) const REFUSED: &str = "durable wire format refused:";

const UNDEFINED: u8 = 0x00;
const NULL: u8 = 0x01;
const FALSE: u8 = 0x02;
const TRUE: u8 = 0x03;
const INT: u8 = 0x04;
const FLOAT: u8 = 0x05;
const STRING: u8 = 0x06;
const BYTES: u8 = 0x07;
pub(crate) const ARRAY: u8 = 0x08;
const OBJECT: u8 = 0x09;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: u64 = (1 << 53) - 1;

/// The newtype name of `serde_wasm_bindgen::preserve` (a JavaScript handle).
const PRESERVED: &str = crate::convert::PRESERVED;

// ---------------------------------------------------------------- writing

/// Why a value has no binary form: it crosses in the structured form, which
/// carries it or words the error.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no binary form")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

/// A message being written.
pub(crate) struct Writer {
    buf: Vec<u8>,
    depth: usize,
}

impl Writer {
    /// A message with its version byte.
    pub(crate) fn new() -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.push(VERSION);
        Self { buf, depth: 0 }
    }

    /// The message of one value.
    pub(crate) fn value<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Unsupported> {
        let mut writer = Self::new();
        value.serialize(&mut writer)?;
        Ok(writer.buf)
    }

    /// Starts an array whose length is written by [`Writer::end`].
    #[inline]
    pub(crate) fn open(&mut self, tag: u8) -> Result<usize, Unsupported> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        self.buf.push(tag);
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        Ok(at)
    }

    #[inline]
    pub(crate) fn end(&mut self, at: usize, count: u32) {
        self.depth -= 1;
        self.buf[at..at + 4].copy_from_slice(&count.to_le_bytes());
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    #[inline]
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    #[inline]
    fn int(&mut self, v: i64) {
        self.buf.push(INT);
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    #[inline]
    fn string(&mut self, s: &str) {
        self.buf.reserve(s.len() + 11);
        self.buf.push(STRING);
        self.varint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// `{ variant: ... }`: opens the object and writes the key.
    fn tagged(&mut self, variant: &str) -> Result<usize, Unsupported> {
        let at = self.open(OBJECT)?;
        self.string(variant);
        Ok(at)
    }
}

/// An array, object or enum wrapper being written: where its length goes,
/// how many parts it has, and (for `{ variant: [...] }`) the wrapper's.
pub(crate) struct Compound<'a> {
    w: &'a mut Writer,
    at: usize,
    count: u32,
    wrapper: Option<usize>,
}

impl Compound<'_> {
    fn finish(self) -> Result<(), Unsupported> {
        self.w.end(self.at, self.count);
        if let Some(at) = self.wrapper {
            self.w.end(at, 1);
        }
        Ok(())
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.count += 1;
        value.serialize(&mut *self.w)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unsupported> {
        self.count += 1;
        self.w.string(key);
        value.serialize(&mut *self.w)
    }
}

macro_rules! small_ints {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method(self, v: $ty) -> Result<(), Unsupported> {
            self.int(i64::from(v));
            Ok(())
        }
    )*};
}

/// What [`crate::convert`]'s serializer makes of each kind of value, in
/// binary (see the module's documentation).
impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    small_ints!(serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32));

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.buf.push(if v { TRUE } else { FALSE });
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        // Beyond ±2^53 the structured form refuses, with its message.
        if v.unsigned_abs() > MAX_SAFE {
            return Err(Unsupported);
        }
        self.int(v);
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        if v > MAX_SAFE {
            return Err(Unsupported);
        }
        self.int(v as i64);
        Ok(())
    }

    fn serialize_i128(self, _: i128) -> Result<(), Unsupported> {
        Err(Unsupported) // a BigInt
    }

    fn serialize_u128(self, _: u128) -> Result<(), Unsupported> {
        Err(Unsupported)
    }

    fn serialize_f32(self, v: f32) -> Result<(), Unsupported> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        self.buf.push(FLOAT);
        self.buf.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.string(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        self.buf.push(BYTES);
        self.varint(v.len() as u64);
        self.buf.extend_from_slice(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Unsupported> {
        self.buf.push(UNDEFINED);
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Unsupported> {
        // `Some` of what is `undefined` (`Some(None)`) is `null`, as in the
        // structured form.
        let at = self.buf.len();
        value.serialize(&mut *self)?;
        if self.buf.len() == at + 1 && self.buf[at] == UNDEFINED {
            self.buf[at] = NULL;
        }
        Ok(())
    }

    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.buf.push(NULL);
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Unsupported> {
        self.string(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, name: &'static str, value: &T) -> Result<(), Unsupported> {
        if name == PRESERVED {
            return Err(Unsupported); // a JavaScript handle
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        let at = self.tagged(variant)?;
        value.serialize(&mut *self)?;
        self.end(at, 1);
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        let at = self.open(ARRAY)?;
        Ok(Compound { w: self, at, count: 0, wrapper: None })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Compound<'a>, Unsupported> {
        let wrapper = self.tagged(variant)?;
        let at = self.open(ARRAY)?;
        Ok(Compound { w: self, at, count: 0, wrapper: Some(wrapper) })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        let at = self.open(OBJECT)?;
        Ok(Compound { w: self, at, count: 0, wrapper: None })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Unsupported> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Compound<'a>, Unsupported> {
        let wrapper = self.tagged(variant)?;
        let at = self.open(OBJECT)?;
        Ok(Compound { w: self, at, count: 0, wrapper: Some(wrapper) })
    }
}

macro_rules! sequences {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;

            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.element(value)
            }

            fn end(self) -> Result<(), Unsupported> {
                self.finish()
            }
        }
    )*};
}

sequences!(SerializeSeq::serialize_element, SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field, SerializeTupleVariant::serialize_field);

macro_rules! records {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;

            fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Unsupported> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), Unsupported> {
                self.finish()
            }
        }
    )*};
}

records!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Unsupported> {
        // A property name is a string; the structured form refuses other
        // keys (with its message).
        self.count += 1;
        let at = self.w.buf.len();
        key.serialize(&mut *self.w)?;
        if self.w.buf.get(at) != Some(&STRING) {
            return Err(Unsupported);
        }
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(&mut *self.w)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

// ---------------------------------------------------------------- reading

/// A message that is not one of this format (or a value the reader refuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Malformed {}

fn malformed(what: &str) -> Malformed {
    Malformed(format!("malformed binary value: {what}"))
}

/// A cursor over a message's bytes.
#[derive(Clone)]
pub(crate) struct Reader<'de> {
    bytes: &'de [u8],
    pos: usize,
    /// How deep in arrays and objects a read ([`ValueDe`]) is.
    depth: usize,
}

impl<'de> Reader<'de> {
    pub(crate) fn new(bytes: &'de [u8]) -> Self {
        Self { bytes, pos: 0, depth: 0 }
    }

    /// A reader at `pos` of `bytes`.
    pub(crate) fn at(bytes: &'de [u8], pos: usize) -> Self {
        Self { bytes, pos, depth: 0 }
    }

    /// Reads and checks the version byte.
    pub(crate) fn version(&mut self) -> Result<(), Malformed> {
        match self.byte() {
            Ok(VERSION) => Ok(()),
            Ok(v) => Err(Malformed(format!("{REFUSED} version {v}; this object reads version {VERSION}"))),
            Err(_) => Err(malformed("empty")),
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[cfg(test)]
    pub(crate) fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, Malformed> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| malformed("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    fn peek(&self) -> Result<u8, Malformed> {
        self.bytes.get(self.pos).copied().ok_or_else(|| malformed("truncated"))
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'de [u8], Malformed> {
        let end = self.pos.checked_add(n).filter(|end| *end <= self.bytes.len()).ok_or_else(|| malformed("truncated"))?;
        let bytes = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, Malformed> {
        // Most varints (lengths, small integers) are one byte.
        if let Some(&b) = self.bytes.get(self.pos) {
            if b & 0x80 == 0 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
        }
        self.varint_long()
    }

    fn varint_long(&mut self) -> Result<u64, Malformed> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(malformed("a varint over 10 bytes"))
    }

    #[inline]
    fn int(&mut self) -> Result<i64, Malformed> {
        let z = self.varint()?;
        let v = ((z >> 1) as i64) ^ -((z & 1) as i64);
        if v.unsigned_abs() > MAX_SAFE {
            return Err(malformed("an integer beyond ±2^53"));
        }
        Ok(v)
    }

    #[inline]
    fn f64(&mut self) -> Result<f64, Malformed> {
        let bytes = self.take(8)?;
        Ok(f64::from_le_bytes(bytes.try_into().expect("8 bytes")))
    }

    #[inline]
    fn length(&mut self) -> Result<usize, Malformed> {
        let n = self.varint()?;
        usize::try_from(n).map_err(|_| malformed("a length beyond memory"))
    }

    #[inline]
    fn str(&mut self) -> Result<&'de str, Malformed> {
        let n = self.length()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| malformed("a string that is not UTF-8"))
    }

    #[inline]
    fn bytes(&mut self) -> Result<&'de [u8], Malformed> {
        let n = self.length()?;
        self.take(n)
    }

    /// An array's or object's count; each part takes a byte at least, so a
    /// count beyond the bytes left is refused before anything is reserved.
    #[inline]
    fn count(&mut self) -> Result<usize, Malformed> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")) as usize;
        if n > self.bytes.len() - self.pos {
            return Err(malformed("a count beyond the message"));
        }
        Ok(n)
    }

    /// Reads past one value, checking it: the reader's definition of a
    /// well-formed value. (A read, [`read_next`], checks what it reads as it
    /// goes and skips the rest with this.)
    pub(crate) fn skip(&mut self, depth: usize) -> Result<(), Malformed> {
        match self.byte()? {
            UNDEFINED | NULL | FALSE | TRUE => Ok(()),
            INT => self.int().map(drop),
            FLOAT => self.f64().map(drop),
            STRING => self.str().map(drop),
            BYTES => self.bytes().map(drop),
            tag @ (ARRAY | OBJECT) => {
                if depth >= MAX_DEPTH {
                    return Err(malformed("nested too deeply"));
                }
                for _ in 0..self.count()? {
                    if tag == OBJECT {
                        if self.byte()? != STRING {
                            return Err(malformed("a property name that is not a string"));
                        }
                        self.str()?;
                    }
                    self.skip(depth + 1)?;
                }
                Ok(())
            }
            tag => Err(malformed(&format!("unknown tag {tag:#04x}"))),
        }
    }

    /// The count of the array that starts here.
    pub(crate) fn array(&mut self) -> Result<usize, Malformed> {
        if self.byte()? != ARRAY {
            return Err(malformed("not an array of arguments"));
        }
        self.count()
    }
}

/// Why a message of arguments is refused when bytes follow its last one.
pub(crate) const TRAILING_ARGUMENTS: &str = "malformed binary value: bytes after the arguments";

/// Why a message of one value is refused when bytes follow the value.
pub(crate) const TRAILING_VALUE: &str = "malformed binary value: bytes after the value";

/// The start of a message of arguments: its version, then the array
/// holding them. Answers how many arguments it holds and where the first
/// starts; each is then read in turn by [`read_next`], and the last must end
/// the message ([`TRAILING_ARGUMENTS`]).
pub(crate) fn arguments_header(message: &[u8]) -> Result<(u32, usize), Malformed> {
    let mut reader = Reader::new(message);
    reader.version()?;
    let count = reader.array()?;
    Ok((count as u32, reader.pos()))
}

/// The start of a message of one value: its version. Answers where the
/// value starts; it must end the message ([`TRAILING_VALUE`]).
pub(crate) fn value_header(message: &[u8]) -> Result<usize, Malformed> {
    let mut reader = Reader::new(message);
    reader.version()?;
    Ok(reader.pos())
}

/// Checks a message of arguments; answers where each argument starts, then
/// where the last one ends. (The definition of a well-formed message of
/// arguments, for the tests: a call reads its arguments in one pass.)
#[cfg(test)]
pub(crate) fn arguments(message: &[u8]) -> Result<Vec<usize>, Malformed> {
    let mut reader = Reader::new(message);
    reader.version()?;
    let count = reader.array()?;
    let mut bounds = Vec::with_capacity(count + 1);
    bounds.push(reader.pos());
    for _ in 0..count {
        reader.skip(1)?;
        bounds.push(reader.pos());
    }
    if !reader.at_end() {
        return Err(Malformed(TRAILING_ARGUMENTS.into()));
    }
    Ok(bounds)
}

/// Checks a message of one value; answers where the value starts (for the
/// tests, as [`arguments`]).
#[cfg(test)]
pub(crate) fn value(message: &[u8]) -> Result<usize, Malformed> {
    let mut reader = Reader::new(message);
    reader.version()?;
    let start = reader.pos();
    reader.skip(0)?;
    if !reader.at_end() {
        return Err(Malformed(TRAILING_VALUE.into()));
    }
    Ok(start)
}

/// Why [`read_next`] did not read a value.
#[derive(Debug)]
pub(crate) enum NotRead {
    /// The bytes are not a value of the format: the call or result fails
    /// with this.
    Malformed(Malformed),
    /// A well-formed value, at `start..end` of the message, that the bulk
    /// route's reader declines: the field route over the JavaScript value it
    /// stands for accepts it or words the error.
    Declined { start: usize, end: usize },
}

/// Reads the value at `*pos` of `message` as `T` through the bulk route's
/// reader and moves `*pos` past it: one pass over the bytes, every part of
/// the value read or skipped (and checked) whatever `T` asked for, strings
/// checked as UTF-8 where they are read. On failure, says whether the value
/// is malformed (checked by [`Reader::skip`] from its start) or only
/// declined, and where it lies.
pub(crate) fn read_next<T: DeserializeOwned>(message: &[u8], pos: &mut usize) -> Result<T, NotRead> {
    let start = *pos;
    let mut reader = Reader::at(message, start);
    match T::deserialize(crate::convert::Strict::<_, true>(ValueDe(&mut reader))) {
        Ok(value) => {
            *pos = reader.pos;
            Ok(value)
        }
        Err(_) => {
            let mut check = Reader::at(message, start);
            check.skip(0).map_err(NotRead::Malformed)?;
            *pos = check.pos;
            Err(NotRead::Declined { start, end: check.pos })
        }
    }
}

/// One well-formed value (checked by [`Reader::skip`]) read through the
/// bulk route's reader (the definition in [`crate::convert`]).
///
/// Its error type is serde_json's, which the SDK's JSON code already has:
/// the strict layer over it is then one copy of code in Wasm, not two.
pub(crate) fn read_strict<T: DeserializeOwned>(value: &[u8]) -> Result<T, Error> {
    let mut reader = Reader::new(value);
    T::deserialize(crate::convert::Strict::<_, true>(ValueDe(&mut reader)))
}

/// The serde deserializer over one value of a message.
struct ValueDe<'a, 'de>(&'a mut Reader<'de>);

/// The reader's error (see [`read_strict`]).
type Error = serde_json::Error;

fn refused(e: Malformed) -> Error {
    de::Error::custom(e)
}

impl<'de> de::Deserializer<'de> for ValueDe<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = self.0;
        match r.byte().map_err(refused)? {
            // Both are `null` outside an option, as on the field route.
            UNDEFINED | NULL => visitor.visit_unit(),
            FALSE => visitor.visit_bool(false),
            TRUE => visitor.visit_bool(true),
            INT => match r.int().map_err(refused)? {
                v if v >= 0 => visitor.visit_u64(v as u64),
                v => visitor.visit_i64(v),
            },
            FLOAT => visitor.visit_f64(r.f64().map_err(refused)?),
            STRING => visitor.visit_borrowed_str(r.str().map_err(refused)?),
            BYTES => visitor.visit_borrowed_bytes(r.bytes().map_err(refused)?),
            tag @ (ARRAY | OBJECT) => {
                if r.depth >= MAX_DEPTH {
                    return Err(refused(malformed("nested too deeply")));
                }
                let left = r.count().map_err(refused)?;
                r.depth += 1;
                let mut parts = Parts { r, left, object: tag == OBJECT, value_due: false };
                let value = if tag == ARRAY { visitor.visit_seq(&mut parts)? } else { visitor.visit_map(&mut parts)? };
                // What the visitor did not ask for is skipped (and checked),
                // so the reader ends just past the value whatever `T` read.
                parts.rest().map_err(refused)?;
                parts.r.depth -= 1;
                Ok(value)
            }
            tag => Err(refused(malformed(&format!("unknown tag {tag:#04x}")))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // `Strict::<_, true>`'s convention: `visit_none` is `undefined`,
        // `visit_unit` is `null`.
        match self.0.peek().map_err(refused)? {
            UNDEFINED => {
                self.0.pos += 1;
                visitor.visit_none()
            }
            NULL => {
                self.0.pos += 1;
                visitor.visit_unit()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let depth = self.0.depth;
        self.0.skip(depth).map_err(refused)?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

/// The elements of an array, or the properties of an object.
struct Parts<'a, 'de> {
    r: &'a mut Reader<'de>,
    left: usize,
    /// Whether the parts are properties (a name, then a value).
    object: bool,
    /// Whether a property's name was read and its value not yet.
    value_due: bool,
}

impl Parts<'_, '_> {
    /// Skips the parts nobody read.
    fn rest(&mut self) -> Result<(), Malformed> {
        let depth = self.r.depth;
        if std::mem::take(&mut self.value_due) {
            self.r.skip(depth)?;
        }
        for _ in 0..std::mem::take(&mut self.left) {
            if self.object {
                if self.r.byte()? != STRING {
                    return Err(malformed("a property name that is not a string"));
                }
                self.r.str()?;
            }
            self.r.skip(depth)?;
        }
        Ok(())
    }
}

impl<'de> de::SeqAccess<'de> for Parts<'_, 'de> {
    type Error = Error;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(ValueDe(self.r)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::MapAccess<'de> for Parts<'_, 'de> {
    type Error = Error;

    fn next_key_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        if std::mem::take(&mut self.value_due) {
            // The visitor asked for a name without the value before it.
            let depth = self.r.depth;
            self.r.skip(depth).map_err(refused)?;
        }
        self.left -= 1;
        self.value_due = true;
        if self.r.peek().map_err(refused)? != STRING {
            return Err(refused(malformed("a property name that is not a string")));
        }
        seed.deserialize(ValueDe(self.r)).map(Some)
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        if !std::mem::take(&mut self.value_due) {
            return Err(de::Error::custom("a property's value asked for before its name"));
        }
        seed.deserialize(ValueDe(self.r))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// One well-formed value (checked by [`Reader::skip`]) as the serde data
/// the structured form's serializer turns into the JavaScript value it
/// stands for (`undefined` as `None`, `null` as `()`).
pub(crate) struct AsData<'a>(pub(crate) &'a [u8]);

impl Serialize for AsData<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Next(&std::cell::RefCell::new(Reader::new(self.0))).serialize(s)
    }
}

/// The next value of a shared reader.
struct Next<'r, 'de>(&'r std::cell::RefCell<Reader<'de>>);

impl Serialize for Next<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::{Error as _, SerializeMap as _, SerializeSeq as _};
        let fail = |e: Malformed| S::Error::custom(e);
        let tag = self.0.borrow_mut().byte().map_err(fail)?;
        match tag {
            UNDEFINED => s.serialize_none(),
            NULL => s.serialize_unit(),
            FALSE => s.serialize_bool(false),
            TRUE => s.serialize_bool(true),
            INT => {
                let v = self.0.borrow_mut().int().map_err(fail)?;
                s.serialize_f64(v as f64)
            }
            FLOAT => {
                let v = self.0.borrow_mut().f64().map_err(fail)?;
                s.serialize_f64(v)
            }
            STRING => {
                let v = self.0.borrow_mut().str().map_err(fail)?;
                s.serialize_str(v)
            }
            BYTES => {
                let v = self.0.borrow_mut().bytes().map_err(fail)?;
                s.serialize_bytes(v)
            }
            ARRAY => {
                let n = self.0.borrow_mut().count().map_err(fail)?;
                let mut seq = s.serialize_seq(Some(n))?;
                for _ in 0..n {
                    seq.serialize_element(&Next(self.0))?;
                }
                seq.end()
            }
            OBJECT => {
                let n = self.0.borrow_mut().count().map_err(fail)?;
                let mut map = s.serialize_map(Some(n))?;
                for _ in 0..n {
                    map.serialize_key(&Next(self.0))?;
                    map.serialize_value(&Next(self.0))?;
                }
                map.end()
            }
            tag => Err(fail(malformed(&format!("unknown tag {tag:#04x}")))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Serialize};

    use super::*;

    /// The message of `value`, and its one value read as `T` by the bulk
    /// route's reader (after the well-formedness check).
    fn through<V: Serialize + ?Sized, T: DeserializeOwned>(value: &V) -> Result<T, String> {
        let bytes = Writer::value(value).map_err(|e| e.to_string())?;
        let start = super::value(&bytes).map_err(|e| e.to_string())?;
        read_strict(&bytes[start..]).map_err(|e| e.to_string())
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Line {
        sku: String,
        quantity: u32,
        price: f64,
        tags: Vec<String>,
        note: Option<String>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Unit,
        Circle { r: f64 },
        Square(f64),
        Pair(u8, i8),
    }

    #[test]
    fn the_bytes_are_the_documented_ones() {
        assert_eq!(Writer::value(&()).unwrap(), [VERSION, NULL]);
        assert_eq!(Writer::value(&None::<u8>).unwrap(), [VERSION, UNDEFINED]);
        assert_eq!(Writer::value(&Some(None::<u8>)).unwrap(), [VERSION, NULL]);
        assert_eq!(Writer::value(&true).unwrap(), [VERSION, TRUE]);
        // Zigzag: 0, -1, 1, -2 as 0, 1, 2, 3.
        assert_eq!(Writer::value(&-2_i32).unwrap(), [VERSION, INT, 3]);
        assert_eq!(Writer::value(&300_u32).unwrap(), [VERSION, INT, 0xd8, 0x04]);
        assert_eq!(Writer::value(&0.5_f64).unwrap(), [&[VERSION, FLOAT][..], &0.5_f64.to_le_bytes()].concat());
        assert_eq!(Writer::value("hé").unwrap(), [VERSION, STRING, 3, b'h', 0xc3, 0xa9]);
        assert_eq!(Writer::value(&serde_bytes::ByteBuf::from(vec![9])).unwrap(), [VERSION, BYTES, 1, 9]);
        assert_eq!(Writer::value(&vec![1_u8]).unwrap(), [VERSION, ARRAY, 1, 0, 0, 0, INT, 2]);
        assert_eq!(Writer::value(&Shape::Unit).unwrap(), [VERSION, STRING, 4, b'U', b'n', b'i', b't']);
        assert_eq!(
            Writer::value(&Shape::Square(1.0)).unwrap(),
            [&[VERSION, OBJECT, 1, 0, 0, 0, STRING, 6][..], b"Square", &[FLOAT], &1.0_f64.to_le_bytes()].concat()
        );
        #[derive(Serialize)]
        struct P {
            x: u8,
            y: Option<u8>,
        }
        // A `None` field is present and `undefined`, as in the structured form.
        assert_eq!(Writer::value(&P { x: 1, y: None }).unwrap(), [VERSION, OBJECT, 2, 0, 0, 0, STRING, 1, b'x', INT, 2, STRING, 1, b'y', UNDEFINED]);
    }

    #[test]
    fn values_read_back_as_written() {
        let line = Line { sku: "SKU-1".into(), quantity: 3, price: 9.99, tags: vec!["a".into(), "b".into()], note: None };
        let order: Vec<Line> = (0..150).map(|i| Line { quantity: i, ..line.clone() }).collect();
        assert_eq!(through::<_, Vec<Line>>(&order), Ok(order));
        let shapes = vec![Shape::Unit, Shape::Circle { r: 1.5 }, Shape::Square(-2.0), Shape::Pair(255, -128)];
        assert_eq!(through::<_, Vec<Shape>>(&shapes), Ok(shapes));
        let map = BTreeMap::from([("__proto__".to_owned(), 1_u8), ("k".to_owned(), 2)]);
        assert_eq!(through::<_, BTreeMap<String, u8>>(&map), Ok(map));
        assert_eq!(through::<_, HashMap<char, u8>>(&HashMap::from([('é', 1_u8)])), Ok(HashMap::from([('é', 1)])));
        assert_eq!(through::<_, (i64, u64, f32)>(&(-(1_i64 << 53) + 1, (1_u64 << 53) - 1, 0.25_f32)), Ok((-(1 << 53) + 1, (1 << 53) - 1, 0.25)));
        assert_eq!(through::<_, serde_bytes::ByteBuf>(&serde_bytes::ByteBuf::from(vec![1, 2])), Ok(serde_bytes::ByteBuf::from(vec![1, 2])));
        assert_eq!(through::<_, char>(&'x'), Ok('x'));
        assert_eq!(through::<_, f64>(&f64::INFINITY), Ok(f64::INFINITY));
        assert!(through::<_, f64>(&f64::NAN).unwrap().is_nan());
        let json = serde_json::json!({"a": [1, -1, 1.5, "s", true, null], "b": {}});
        assert_eq!(through::<_, serde_json::Value>(&json), Ok(json));
    }

    #[test]
    fn undefined_and_null_read_as_in_the_structured_form() {
        use serde_json::Value;
        // `Some(None)`, `Some(Value::Null)`, `Some(())` cross as `null` and read back as sent.
        assert_eq!(through::<_, Option<Option<u8>>>(&Some(None::<u8>)), Ok(Some(None)));
        assert_eq!(through::<_, Option<Option<u8>>>(&None::<Option<u8>>), Ok(None));
        assert_eq!(through::<_, Option<Value>>(&Some(Value::Null)), Ok(Some(Value::Null)));
        assert_eq!(through::<_, Option<Value>>(&None::<Value>), Ok(None));
        assert_eq!(through::<_, Option<()>>(&Some(())), Ok(Some(())));
        assert_eq!(through::<_, Vec<Option<u8>>>(&vec![None, Some(1)]), Ok(vec![None, Some(1)]));
        // `null` is `None` for an option whose `T` has no null of its own.
        assert_eq!(through::<_, Option<u8>>(&()), Ok(None));
        // Outside an option both are a unit.
        assert_eq!(through::<_, ()>(&None::<u8>), Ok(()));
    }

    #[test]
    fn schema_skew_reads_as_in_the_structured_form() {
        // A newer caller's extra field is ignored; an older caller's missing
        // `Option` field is `None`.
        #[derive(Serialize)]
        struct Newer {
            sku: &'static str,
            quantity: u32,
            price: f64,
            tags: Vec<&'static str>,
            note: Option<&'static str>,
            gift: bool,
        }
        let newer = Newer { sku: "A", quantity: 1, price: 2.0, tags: vec![], note: Some("n"), gift: true };
        assert_eq!(
            through::<_, Line>(&newer),
            Ok(Line { sku: "A".into(), quantity: 1, price: 2.0, tags: vec![], note: Some("n".into()) })
        );
        #[derive(Serialize)]
        struct Older {
            sku: &'static str,
            quantity: u32,
            price: f64,
            tags: Vec<&'static str>,
        }
        let older = Older { sku: "A", quantity: 1, price: 2.0, tags: vec!["t"] };
        assert_eq!(through::<_, Line>(&older), Ok(Line { sku: "A".into(), quantity: 1, price: 2.0, tags: vec!["t".into()], note: None }));
        // What the structured form refuses is refused here too (the field
        // route then words the error, in Wasm).
        assert!(through::<_, Line>(&(1, 2)).is_err());
        assert!(through::<_, u32>(&1.5).is_err());
        assert!(through::<_, u8>(&256).is_err());
        assert!(through::<_, HashMap<u32, u8>>(&BTreeMap::from([("1", 1)])).is_err());
        assert!(through::<_, serde_bytes::ByteBuf>("abc").is_err());
        assert!(through::<_, Shape>(&BTreeMap::from([("Square", 1), ("Unit", 2)])).is_err());
    }

    #[test]
    fn values_without_a_binary_form_are_unsupported() {
        assert!(Writer::value(&(1_u64 << 53)).is_err());
        assert!(Writer::value(&-(1_i64 << 53)).is_err());
        assert!(Writer::value(&1_i128).is_err());
        assert!(Writer::value(&BTreeMap::from([(1, 2)])).is_err());
        assert!(Writer::value(&BTreeMap::from([((), 2)])).is_err());
        let mut deep = serde_json::Value::Null;
        for _ in 0..MAX_DEPTH {
            deep = serde_json::Value::Array(vec![deep]);
        }
        assert!(Writer::value(&deep).is_ok());
        assert!(Writer::value(&serde_json::Value::Array(vec![deep])).is_err());
    }

    #[test]
    fn malformed_messages_are_refused_never_guessed() {
        let check = |bytes: &[u8]| super::value(bytes).map(drop);
        assert!(check(&[VERSION, NULL]).is_ok());
        assert!(check(&[]).is_err());
        let other = check(&[2, NULL]).unwrap_err().0;
        assert!(other.starts_with(REFUSED), "{other}");
        assert!(check(&[VERSION, 0x0a]).is_err(), "unknown tag");
        assert!(check(&[VERSION, STRING, 5, b'a']).is_err(), "truncated");
        assert!(check(&[VERSION, STRING, 1, 0xff]).is_err(), "not UTF-8");
        // Refused where it is read, too.
        assert!(read_strict::<String>(&[STRING, 1, 0xff]).is_err(), "not UTF-8");
        assert!(read_strict::<serde_json::Value>(&[ARRAY, 1, 0, 0, 0, STRING, 1, 0xff]).is_err(), "not UTF-8, nested");
        assert!(read_strict::<std::collections::HashMap<String, u8>>(&[OBJECT, 1, 0, 0, 0, STRING, 1, 0xff, INT, 0]).is_err(), "a key that is not UTF-8");
        assert!(check(&[VERSION, ARRAY, 0xff, 0xff, 0xff, 0xff]).is_err(), "a count beyond the message");
        assert!(check(&[VERSION, OBJECT, 1, 0, 0, 0, INT, 0, NULL]).is_err(), "a key that is not a string");
        // 2^53 zigzag-encoded: beyond the safe integers.
        assert!(check(&[VERSION, INT, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]).is_err());
        assert!(check(&[VERSION, INT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
        let mut deep = vec![VERSION];
        for _ in 0..=MAX_DEPTH {
            deep.extend_from_slice(&[ARRAY, 1, 0, 0, 0]);
        }
        deep.push(NULL);
        assert!(check(&deep).unwrap_err().0.contains("nested too deeply"));
        assert!(check(&[VERSION, NULL, NULL]).is_err(), "bytes after the value");
        // Arguments: an array, each bounded.
        assert_eq!(arguments(&[VERSION, ARRAY, 2, 0, 0, 0, NULL, INT, 2]), Ok(vec![6, 7, 9]));
        assert!(arguments(&[VERSION, NULL]).is_err());
        assert!(arguments(&[VERSION, ARRAY, 1, 0, 0, 0, NULL, NULL]).is_err());
    }

    /// The arguments of `message` read in turn, as a call reads them.
    fn read_all<T: DeserializeOwned>(message: &[u8]) -> Result<(Vec<T>, usize), String> {
        let (count, mut pos) = arguments_header(message).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for _ in 0..count {
            match read_next(message, &mut pos) {
                Ok(v) => out.push(v),
                Err(NotRead::Malformed(e)) => return Err(e.to_string()),
                Err(NotRead::Declined { start, end }) => return Err(format!("declined {start}..{end}")),
            }
        }
        Ok((out, pos))
    }

    #[test]
    fn a_read_ends_just_past_its_value_whatever_the_type_asked_for() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Sku {
            sku: String,
        }
        let line = Line { sku: "a".into(), quantity: 2, price: 0.5, tags: vec!["x".into(), "y".into()], note: Some("n".into()) };
        let mut args = WireArgsForTest::default();
        args.push(&line);
        args.push(&line);
        let message = args.finish();
        // `Sku` reads one property of five and ignores the rest: the second
        // argument is still read from its own start.
        let (skus, pos) = read_all::<Sku>(&message).unwrap();
        assert_eq!(skus, [Sku { sku: "a".into() }, Sku { sku: "a".into() }]);
        assert_eq!(pos, message.len());
        // `IgnoredAny` skips (and checks) a whole value.
        let (_, pos) = read_all::<serde::de::IgnoredAny>(&message).unwrap();
        assert_eq!(pos, message.len());
        // A tuple visitor stops after its elements: the rest of the array
        // is skipped by the reader, not left for the next argument.
        let mut args = WireArgsForTest::default();
        args.push(&("a", "b", "c"));
        args.push(&("d",));
        let message_of_tuples = args.finish();
        match read_all::<(String,)>(&message_of_tuples) {
            Ok((tuples, pos)) => {
                assert_eq!(tuples, [("a".to_string(),), ("d".to_string(),)]);
                assert_eq!(pos, message_of_tuples.len());
            }
            Err(e) => assert!(e.starts_with("declined"), "{e}"),
        }
        // A declined value says where it lies; the reader moved past it.
        let mut pos = arguments_header(&message).unwrap().1;
        let first = pos;
        match read_next::<u8>(&message, &mut pos) {
            Err(NotRead::Declined { start, end }) => {
                assert_eq!(start, first);
                assert_eq!(end, pos);
                assert_eq!(read_next::<Line>(&message, &mut pos).unwrap(), line);
                assert_eq!(pos, message.len());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_read_refuses_what_the_check_refuses() {
        // Nesting beyond MAX_DEPTH, read as a value that would recurse.
        let mut deep = vec![VERSION, ARRAY, 1, 0, 0, 0];
        for _ in 0..=MAX_DEPTH {
            deep.extend_from_slice(&[ARRAY, 1, 0, 0, 0]);
        }
        deep.push(NULL);
        let e = read_all::<serde_json::Value>(&deep).unwrap_err();
        assert!(e.contains("nested too deeply"), "{e}");
        // A property name that is not a string, and one that is not UTF-8.
        let e = read_all::<HashMap<String, u8>>(&[VERSION, ARRAY, 1, 0, 0, 0, OBJECT, 1, 0, 0, 0, INT, 0, INT, 0]).unwrap_err();
        assert!(e.contains("not a string"), "{e}");
        let e = read_all::<HashMap<String, u8>>(&[VERSION, ARRAY, 1, 0, 0, 0, OBJECT, 1, 0, 0, 0, STRING, 1, 0xff, INT, 0]).unwrap_err();
        assert!(e.contains("UTF-8"), "{e}");
        // Truncated inside an ignored property.
        #[derive(Debug, Deserialize)]
        struct Nothing {}
        let e = read_all::<Nothing>(&[VERSION, ARRAY, 1, 0, 0, 0, OBJECT, 1, 0, 0, 0, STRING, 1, b'a', STRING, 9]).unwrap_err();
        assert!(e.contains("truncated"), "{e}");
    }

    /// `WireArgs`' message, without the RPC layer.
    #[derive(Default)]
    struct WireArgsForTest(Vec<Vec<u8>>);

    impl WireArgsForTest {
        fn push<T: Serialize>(&mut self, value: &T) {
            let mut bytes = Writer::value(value).unwrap();
            bytes.remove(0);
            self.0.push(bytes);
        }

        fn finish(self) -> Vec<u8> {
            let mut message = vec![VERSION, ARRAY];
            message.extend_from_slice(&(self.0.len() as u32).to_le_bytes());
            for part in self.0 {
                message.extend_from_slice(&part);
            }
            message
        }
    }


    /// A value of `js/wire-fixtures.json`, as the Rust serde data whose
    /// JavaScript value it stands for.
    enum Fixture {
        Undefined,
        Null,
        Bool(bool),
        Int(i64),
        Float(f64),
        Str(String),
        Bytes(Vec<u8>),
        Array(Vec<Fixture>),
        Object(Vec<(String, Fixture)>),
    }

    impl Fixture {
        fn from_json(v: &serde_json::Value) -> Self {
            use serde_json::Value;
            match v {
                Value::Null => Self::Null,
                Value::Bool(b) => Self::Bool(*b),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => Self::Int(i),
                    None => {
                        let f = n.as_f64().unwrap();
                        // JSON.parse makes a safe integer of `2.0`: its f64 is `{"$f64": "2"}`.
                        assert!(f.fract() != 0.0 || f.abs() > MAX_SAFE as f64, "an integral f64 is written {{\"$f64\": \"{f}\"}}");
                        Self::Float(f)
                    }
                },
                Value::String(s) => Self::Str(s.clone()),
                Value::Array(items) => Self::Array(items.iter().map(Self::from_json).collect()),
                Value::Object(map) => {
                    let (key, inner) = map.iter().next().filter(|_| map.len() == 1).expect("one key: $undefined, $f64, $bytes or $object");
                    match key.as_str() {
                        "$undefined" => Self::Undefined,
                        "$f64" => Self::Float(match inner.as_str().unwrap() {
                            "NaN" => f64::NAN,
                            "Infinity" => f64::INFINITY,
                            "-Infinity" => f64::NEG_INFINITY,
                            text => text.parse().unwrap(),
                        }),
                        "$bytes" => {
                            let hex = inner.as_str().unwrap();
                            Self::Bytes((0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect())
                        }
                        "$object" => Self::Object(
                            inner.as_array().unwrap().iter().map(|pair| (pair[0].as_str().unwrap().to_owned(), Self::from_json(&pair[1]))).collect(),
                        ),
                        other => panic!("unknown fixture key {other}"),
                    }
                }
            }
        }
    }

    impl Serialize for Fixture {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::{SerializeMap as _, SerializeSeq as _};
            match self {
                Self::Undefined => s.serialize_none(),
                Self::Null => s.serialize_unit(),
                Self::Bool(b) => s.serialize_bool(*b),
                Self::Int(i) => s.serialize_i64(*i),
                Self::Float(f) => s.serialize_f64(*f),
                Self::Str(v) => s.serialize_str(v),
                Self::Bytes(v) => s.serialize_bytes(v),
                Self::Array(items) => {
                    let mut seq = s.serialize_seq(Some(items.len()))?;
                    for item in items {
                        seq.serialize_element(item)?;
                    }
                    seq.end()
                }
                Self::Object(pairs) => {
                    let mut map = s.serialize_map(Some(pairs.len()))?;
                    for (key, value) in pairs {
                        map.serialize_entry(key, value)?;
                    }
                    map.end()
                }
            }
        }
    }

    #[test]
    fn the_fixture_table_is_what_the_writers_write() {
        // The same table is checked against the JavaScript writer
        // (`js/wire.mjs`) by `cli/js/test/wire.test.mjs`.
        let table: serde_json::Value = serde_json::from_str(include_str!("../../js/wire-fixtures.json")).unwrap();
        let cases = table["cases"].as_array().unwrap();
        assert!(cases.len() >= 40);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let written = Writer::value(&Fixture::from_json(&case["value"])).unwrap();
            let hex: String = written.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, case["bytes"].as_str().unwrap(), "{name}");
            // Each message is one well-formed value.
            super::value(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
