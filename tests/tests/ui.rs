//! Compile-fail and compile-pass cases for `#[durable_object]`. Each failing
//! case has a `.stderr` snapshot of the message the user sees; regenerate them
//! with `TRYBUILD=overwrite cargo test -p durable-tests` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
