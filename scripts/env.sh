# Sourced by the other scripts, not run: puts the Node.js that scripts/setup.sh
# installs into .tools/node (where the machine's is older than wrangler needs)
# first on PATH, so that wrangler (`#!/usr/bin/env node`), the tests and the
# benchmarks run on it. Without .tools/node it changes nothing.
durable_node_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node/node_modules/.bin"
if [ -x "$durable_node_bin/node" ]; then
  case ":$PATH:" in
    *":$durable_node_bin:"*) ;;
    *) export PATH="$durable_node_bin:$PATH" ;;
  esac
fi
unset durable_node_bin
