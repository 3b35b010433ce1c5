#!/usr/bin/env bash
# The main job: set up, build, and serve every example locally with persisted
# storage, on 127.0.0.1:${PORT:-8787}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
port="${PORT:-8787}"
echo "Serving the examples on http://127.0.0.1:${port}/ (try /counter/increment?name=A, or open http://127.0.0.1:${port}/chat/ in a browser); Ctrl-C stops."
# Two workers in one runtime: the JavaScript worker (examples/js-caller) answers
# /js/... and hands every other path to the Rust examples (wrangler.jsonc).
# DURABLE_ERROR_DETAILS puts error messages into 500 answers (deployed: generic).
exec node_modules/.bin/wrangler dev -c examples/js-caller/wrangler.jsonc -c wrangler.jsonc \
  --local --ip 127.0.0.1 --port "$port" \
  --persist-to .wrangler/state --show-interactive-dev-session=false \
  --var DURABLE_ERROR_DETAILS:true
