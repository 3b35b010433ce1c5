#!/usr/bin/env bash
# Sets up and runs every test: Rust unit and doc tests, the trybuild suite, the
# packaging of the published crates, then the examples on the real runtime
# (workerd through wrangler dev) and `wrangler deploy --dry-run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

echo "== the SDK's public API: sdk/public-api.txt up to date, and each change to it in CHANGELOG.md"
node --test scripts/public-api.test.mjs
node scripts/public-api.mjs --check

echo "== cargo test (unit, doc and trybuild tests; the examples' durable::testing suites on workerd)"
cargo test --workspace
RUSTDOCFLAGS="-D warnings" cargo doc -p durable-objects --no-deps   # the SDK's docs and guide: no broken links

echo "== the published crates: packaged, built alone, and a durable new project on them"
scripts/package-check.sh

echo "== build the examples"
scripts/build.sh

echo "== wrangler.jsonc binds and migrates every class the examples declare"
cargo run --quiet --release -p durable-objects-cli -- config --check -p durable-examples

echo "== the JavaScript runtime's unit tests (a fake glue, no workerd)"
node --test cli/js/test/*.test.mjs

echo "== end-to-end tests on the real runtime"
node --test --test-concurrency=1 --test-reporter=spec tests/e2e/*.test.mjs
