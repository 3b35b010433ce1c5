#!/usr/bin/env bash
# Builds the examples into dist/ (what wrangler.jsonc's `main` points at).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec cargo run --quiet --release -p durable-objects-cli -- build -p durable-examples "$@"
