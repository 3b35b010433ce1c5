#!/usr/bin/env bash
# Installs what building and running the project needs, and nothing twice:
# the wasm32 Rust target, Node.js (if missing) and the pinned npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

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

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null || [ "$(node_major)" -lt 20 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing Node.js from Debian's packages"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
fi
if ! command -v node >/dev/null || [ "$(node_major)" -lt 20 ]; then
  say "Node.js 20 or newer is needed (wrangler runs on it); found: $(node --version 2>/dev/null || echo none)"
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

# npm ci only when the lock file changed since the last install.
if ! cmp -s package-lock.json node_modules/.durable-lock 2>/dev/null; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.durable-lock
fi
