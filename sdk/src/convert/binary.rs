//! The bulk route of the conversion, JavaScript -> Rust: a JavaScript value
//! that [`crate::rpc`]'s wire format holds exactly is written in that format
//! by JavaScript (`js/wire.mjs`, into a scratch buffer of its own), copied
//! into Wasm memory in one call, and read by the wire reader
//! ([`crate::rpc::wire::read_strict`]): the same reader, with the same
//! definition, as a call between two objects of this SDK. One crossing of
//! the boundary, and no text to print and parse (the JSON bulk route's
//! `JSON.stringify` and serde_json cost about three times as much for a
//! 10 KB value).
//!
//! The writer declines (and the field route then reads the value, which
//! accepts it or words the error) anything the format would not give back
//! exactly as the field route reads it: a `Map`, a `Date`, a class
//! instance, a stub, a function, a `BigInt`, a hole in an array, a typed
//! array other than `Uint8Array`, an `ArrayBuffer`, a string with a lone
//! surrogate, nesting deeper than [`crate::rpc::wire::MAX_DEPTH`]. Numbers
//! are written as the Rust writer writes them: an integer within ±(2^53 - 1)
//! as an integer, anything else (`-0`, fractions, larger integers, `NaN`,
//! the infinities) as an `f64`.

use std::cell::Cell;

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/wire.mjs")]
extern "C" {
    /// Writes the message of `value` into the JavaScript scratch; answers
    /// its length in bytes, or -1 if the format does not hold `value`
    /// exactly or it has fewer than `min` parts (values at any depth).
    fn wire_encode(value: &JsValue, min: u32) -> i32;

    /// Copies the first `length` bytes of the scratch into `memory` at `ptr`.
    fn wire_copy(memory: &JsValue, ptr: *mut u8, length: usize);
}

thread_local! {
    /// The buffer the message is copied into, kept between calls (taken
    /// while in use, so that a reading that converts another value inside
    /// it gets a fresh one).
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A scratch larger than this is let go after use rather than kept.
const KEEP: usize = 1 << 20;

/// `value` read as `T` through its binary form, if the format holds it
/// exactly, it has at least `min_parts` parts and the wire reader reads it
/// as `T`; `None` otherwise (the caller then reads it part by part, which
/// gives the same answer or words the error).
pub(super) fn decode<T: DeserializeOwned>(value: &JsValue, min_parts: u32) -> Option<T> {
    read(value, min_parts, |message| crate::rpc::wire::read_strict(message).ok())
}

/// Runs `f` over the message of `value` (without its version byte), if the
/// JavaScript writer takes `value`.
pub(super) fn read<R>(value: &JsValue, min_parts: u32, f: impl FnOnce(&[u8]) -> Option<R>) -> Option<R> {
    if !value.is_object() {
        return None;
    }
    let length = usize::try_from(wire_encode(value, min_parts)).ok()?;
    let mut buffer = SCRATCH.with(Cell::take);
    buffer.clear();
    if buffer.try_reserve_exact(length).is_err() {
        return None;
    }
    super::with_memory(|memory| wire_copy(memory, buffer.as_mut_ptr(), length));
    // SAFETY: `wire_copy` initialized the first `length` bytes of the
    // buffer's allocation (`try_reserve_exact` made at least `length` bytes
    // of capacity exist at `as_mut_ptr`) and nothing else: it writes through
    // a view of exactly `length` bytes at that pointer. No Rust code runs
    // while it writes (the call is synchronous), and it reads
    // `memory.buffer` inside the call, after any growth the reservation
    // caused.
    unsafe { buffer.set_len(length) };
    // The version byte is the writer's own (this instance's copy of
    // `js/wire.mjs`), so it is always this reader's: checked, not trusted.
    // The writer bounds the nesting at `MAX_DEPTH`, which bounds the
    // reader's recursion.
    let read = match buffer.split_first() {
        Some((&crate::rpc::wire::VERSION, message)) => f(message),
        _ => None,
    };
    if buffer.capacity() <= KEEP {
        SCRATCH.with(|scratch| scratch.set(buffer));
    }
    read
}
