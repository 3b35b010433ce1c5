// Errors of the durable runtime (see runtime.mjs): what a death looks like to
// callers, how a trap is recognised, and the 500 answer to a failed fetch.

/**
 * A Rust panic (or a Wasm trap, or an exception that unwound through Rust
 * code), as seen by JavaScript callers. Its `name` stays "Error": JS RPC
 * carries the standard error types only, and would otherwise prefix the
 * message with the class name.
 */
export class RustPanic extends Error {
  constructor(message) {
    super(message);
    // The message has the location; a stack would only list the runtime's
    // and the glue's frames (and the runtime's log prints them too).
    stackless(this);
  }
}

/**
 * Drops the stack `error` captured when it was made: V8 keeps a copy of it
 * apart from `error.stack`, which the runtime prints under the error when
 * an event fails (about 15 lines of the glue's and the runtime's frames for
 * an error Rust made). `Error.captureStackTrace` with a function that is not
 * on the stack replaces both with an empty one. Returns `error`.
 */
export function stackless(error) {
  if (error instanceof Error) Error.captureStackTrace(error, notOnTheStack);
  return error;
}

function notOnTheStack() {}

/**
 * A promise rejected with a new error of `error`'s message (and its standard
 * type: `TypeError`, `RangeError`, ..., else `Error`), made by a job with no
 * JavaScript or Wasm frame on the stack. When an event fails (an alarm, an
 * RPC method whose `Err` came after it awaited), the runtime prints the
 * stack of the rejection's error under it; for an error made inside Wasm,
 * even a stackless one, it prints the Wasm frames it was made in (measured
 * under `wrangler dev`), which this one has none of.
 */
export function rejectFresh(error) {
  return Promise.resolve(messageOf(error))
    .then(standardType(error))
    .then((fresh) => Promise.reject(fresh));
}

const STANDARD_TYPES = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

/** The standard error type of `error` (JS RPC carries those only), `Error` for any other value. */
function standardType(error) {
  return STANDARD_TYPES.find((Type) => error instanceof Type) ?? Error;
}

/**
 * A panic's message on one line: std writes "panicked at FILE:LINE:COL:" and
 * the payload on the next; every log line and error message has both.
 */
export function oneLine(message) {
  return String(message).replace(/^(panicked at [^\n]*:)\n/, "$1 ");
}

/** A Wasm trap, as it unwinds out of Wasm: V8 reports a stack overflow as a RangeError. */
export function isTrap(error) {
  return error instanceof WebAssembly.RuntimeError || (error instanceof RangeError && /call stack/i.test(error.message));
}

/** The message of anything thrown. */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/** What a call is, for the log: a string, or the Request of a fetch. */
export function describe(what) {
  if (typeof Request === "function" && what instanceof Request) {
    let path = what.url;
    try {
      const url = new URL(what.url);
      path = url.pathname;
    } catch {
      // keep the raw URL
    }
    return `fetch ${what.method} ${path}`;
  }
  const glue = String(what);
  return glue.startsWith("__rpc_") ? `RPC ${glue.slice("__rpc_".length)}` : glue;
}

/** The environment variable that puts error details into HTTP answers. */
const DETAILS_VAR = "DURABLE_ERROR_DETAILS";

/**
 * The 500 answer to a fetch that failed. Its body is a generic text unless
 * the environment sets DURABLE_ERROR_DETAILS to "true" (`.dev.vars`, or
 * `wrangler dev --var DURABLE_ERROR_DETAILS:true`): the details of a failure
 * are for the developer's log, not for whoever sent the request. A death has
 * been logged when it happened; an `Err` is logged here.
 */
export function errorResponse(error, env, label, request) {
  const message = messageOf(error);
  if (!(error instanceof RustPanic)) {
    console.error(`${label}: ${request ? describe(request) : "fetch"} failed: ${message}`);
  }
  const details = env !== null && typeof env === "object" && [true, "true", "1"].includes(env[DETAILS_VAR]);
  return new Response(details ? message : "Internal Server Error", {
    status: 500,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });
}
