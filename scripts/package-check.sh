#!/usr/bin/env bash
# Checks the crates as they would be published, as a user gets them:
# 1. `cargo package` of the four published crates: what each uploads, and that
#    each builds from its package alone (siblings through a temporary registry);
# 2. `durable new` in its default form, which depends on the published
#    `durable-objects` by version, with the packages standing in for crates.io
#    (`[patch.crates-io]`), built and bundled by `wrangler deploy --dry-run`
#    (its build command is `durable build`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

say() { printf '[package-check] %s\n' "$*" >&2; }

# Cargo verifies each package against its siblings through a temporary
# registry, and treats a registry crate as unchanged while its version is: a
# second run at the same version would reuse the first run's unpacked sources
# (under $CARGO_HOME/registry/src) and its builds (fingerprinted by version
# only, in the target directory). Remove both so the siblings are today's
# (the workspace's own builds of these crates are redone too: seconds).
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
version="$(cargo pkgid -p durable-objects | sed 's/.*[#@]//')"
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/durable-objects-*-"$version" "$target/package" \
  "$target"/debug/.fingerprint/durable-objects-codegen-* "$target"/debug/.fingerprint/durable-objects-macros-*

# --allow-dirty: checks uncommitted work too.
cargo package --workspace --exclude durable-examples --exclude durable-tests --allow-dirty --quiet
cargo build --quiet --release -p durable-objects-cli

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for crate in durable-objects-codegen durable-objects-macros durable-objects; do
  tar -xzf "$target/package/$crate-$version.crate" -C "$work"
done

"$target/release/durable" new "$work/hello" 2>/dev/null
if ! grep -qx "durable-objects = \"$version\"" "$work/hello/Cargo.toml"; then
  say "durable new did not write the dependency durable-objects = \"$version\":"
  cat "$work/hello/Cargo.toml" >&2
  exit 1
fi
cat >>"$work/hello/Cargo.toml" <<EOF

# package-check: the packaged crates, standing in for crates.io.
[patch.crates-io]
durable-objects = { path = "$work/durable-objects-$version" }
durable-objects-macros = { path = "$work/durable-objects-macros-$version" }
durable-objects-codegen = { path = "$work/durable-objects-codegen-$version" }
EOF
# What `npm install` would put there: the same pinned wrangler.
ln -s "$root/node_modules" "$work/hello/node_modules"

say "a project on the published form of durable-objects $version: wrangler deploy --dry-run (builds it with durable build)"
if ! (cd "$work/hello" && PATH="$target/release:$PATH" CARGO_TARGET_DIR="$target" WRANGLER_SEND_METRICS=false \
  CLOUDFLARE_API_TOKEN= ./node_modules/.bin/wrangler deploy --dry-run --outdir "$work/out" >"$work/deploy.log" 2>&1); then
  cat "$work/deploy.log" >&2
  exit 1
fi
grep -q 'env.COUNTER (Counter)' "$work/deploy.log" || { cat "$work/deploy.log" >&2; exit 1; }
say "ok"
