//! The bulk route of the conversion, JavaScript -> Rust: a JavaScript value
//! that [`crate::rpc`]'s wire format holds exactly is written in that format
//! by JavaScript (`js/wire.mjs`, into a scratch buffer of its own), copied
//! into Wasm memory in one call, and read by the wire reader
//! ([`crate::rpc::wire::read_strict`]): the same reader, with the same
//! definition, as a call between two objects of this SDK. One crossing of
//! the boundary, and no text to print and parse (the JSON route this
//! replaced, `JSON.stringify` and serde_json, cost about three times as much
//! for a 10 KB value). SQL rows come the same way (`storage/sql.rs`).
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
    /// Writes the message of the object or array `value` into the
    /// JavaScript scratch, and into `memory` at `ptr` too if it fits in
    /// `capacity` bytes; answers its length in bytes, or -1 if `value` is
    /// not an object, the format does not hold it exactly, or it has fewer
    /// than `min` parts (values at any depth).
    fn wire_encode_into(value: &JsValue, min: u32, memory: &JsValue, ptr: *mut u8, capacity: usize) -> i32;

    /// Copies the first `length` bytes of the scratch into `memory` at `ptr`.
    fn wire_copy(memory: &JsValue, ptr: *mut u8, length: usize);
}

thread_local! {
    /// The buffer the message is written into, kept between calls (taken
    /// while in use, so that a reading that converts another value inside
    /// it gets a fresh one).
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Below this many parts, a JavaScript value is read faster part by part
/// than written and read as one message (measured for the JSON route this
/// one replaced, on SQL rows of three columns; kept).
pub(super) const WORTH_IT: u32 = 12;

/// A scratch larger than this is let go after use rather than kept.
const KEEP: usize = 1 << 20;

/// The room a scratch has before any write, so that most messages are
/// written in the call that makes them.
const READY: usize = 16 * 1024;

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
    receive(|memory, ptr, capacity| wire_encode_into(value, min_parts, memory, ptr, capacity), f).ok().flatten()
}

/// Runs `f` over one message of the wire format (without its version byte)
/// that JavaScript writes with this SDK's writer (`js/wire.mjs`):
/// `write(memory, ptr, capacity)` makes the message, writes it into
/// `memory` at `ptr` if it fits in `capacity` bytes, and answers its length
/// either way (the writer's scratch keeps it for `wire_copy`), or a negative
/// code of its own, returned as `Err(code)`. `Ok(None)`: `f` declined, or no
/// room could be made for the message.
pub(crate) fn receive<R>(write: impl FnOnce(&JsValue, *mut u8, usize) -> i32, f: impl FnOnce(&[u8]) -> Option<R>) -> Result<Option<R>, i32> {
    let mut buffer = SCRATCH.with(Cell::take);
    buffer.clear();
    if buffer.try_reserve_exact(READY).is_err() {
        return Ok(None);
    }
    let capacity = buffer.capacity();
    let answer = super::with_memory(|memory| write(memory, buffer.as_mut_ptr(), capacity));
    let length = match usize::try_from(answer) {
        Ok(length) => length,
        Err(_) => {
            keep(buffer);
            return Err(answer);
        }
    };
    if length > capacity {
        if buffer.try_reserve_exact(length).is_err() {
            return Ok(None);
        }
        super::with_memory(|memory| wire_copy(memory, buffer.as_mut_ptr(), length));
    }
    // SAFETY: the first `length` bytes of the buffer's allocation are
    // initialized: `length <= capacity` bytes by `write`, which writes the
    // message at `ptr` exactly when it fits in `capacity` bytes (the
    // writer's contract above; `js/wire.mjs` `wire_encode_into`), or else
    // by `wire_copy` after `try_reserve_exact(length)` made at least
    // `length` bytes of capacity exist at `as_mut_ptr`. Both write through
    // a view of exactly `length` bytes at that pointer, made inside the
    // call from `memory.buffer` (so after any growth the reservation
    // caused), and no Rust code runs while they write (the calls are
    // synchronous and call nothing in Wasm).
    unsafe { buffer.set_len(length) };
    // The version byte is the writer's own (this instance's copy of
    // `js/wire.mjs`), so it is always this reader's: checked, not trusted.
    // The writer bounds the nesting at `MAX_DEPTH`, which bounds the
    // reader's recursion.
    let read = match buffer.split_first() {
        Some((&crate::rpc::wire::VERSION, message)) => f(message),
        _ => None,
    };
    keep(buffer);
    Ok(read)
}

/// Puts `buffer` back as the scratch, unless a large value made it large.
fn keep(buffer: Vec<u8>) {
    if buffer.capacity() <= KEEP {
        SCRATCH.with(|scratch| scratch.set(buffer));
    }
}
