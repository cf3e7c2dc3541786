#!/usr/bin/env bash
# Installs what `node tools/build.js` and `npm test` need, skipping whatever is already there.
# Safe to run again and again; quick when nothing is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$PATH:$CARGO_BIN"

WASM_BINDGEN_VERSION=0.2.130 # must equal the `=` pin of wasm-bindgen in crate/Cargo.toml
WASM_PACK_VERSION=0.15.1

say() { printf '%s\n' "$*"; }
run() { say "+ $*"; "$@"; }
# second word of `tool --version`, empty when the tool is absent
version_of() { "$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true; }

for tool in rustup cargo node npm; do
  command -v "$tool" >/dev/null || { say "missing $tool: install it first (rustup.rs, nodejs.org)"; exit 1; }
done

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "ok   rust target wasm32-unknown-unknown"
else
  run rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must match the crate's wasm-bindgen exactly, or the generated glue and the
# module disagree. Not --locked: its lockfile references a yanked crate.
if [ "$(version_of wasm-bindgen)" = "$WASM_BINDGEN_VERSION" ]; then
  say "ok   wasm-bindgen $WASM_BINDGEN_VERSION"
else
  run cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ "$(version_of wasm-pack)" = "$WASM_PACK_VERSION" ]; then
  say "ok   wasm-pack $WASM_PACK_VERSION"
else
  run cargo install wasm-pack --version "$WASM_PACK_VERSION"
fi

# npm keeps its view of what it installed in node_modules/.package-lock.json; anything newer
# than that means the install is stale.
cd "$ROOT"
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && ! [ package.json -nt "$stamp" ] && ! { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
  say "ok   node_modules"
elif [ -f package-lock.json ] && ! [ package.json -nt package-lock.json ]; then
  run npm ci
else
  # no lockfile, or package.json edited since: npm ci would refuse, npm install updates the lock
  run npm install
fi

# The userSig v1 cross-check verifies our ECDSA tokens with an independent implementation.
if python3 -c 'import cryptography, sys; sys.exit(0 if cryptography.__version__ == "48.0.0" else 1)' 2>/dev/null; then
  say "ok   python cryptography 48.0.0"
else
  run python3 -m pip install --quiet cryptography==48.0.0
fi

# The layout pictures and the browser test drive a headless Chromium through puppeteer-core, which
# downloads no browser of its own: Debian's chromium, or a Chrome/Chromium already on the machine
# (CHROMIUM_PATH names one explicitly). tools/chromium.js says where it looks and what it found.
browser="$(node -e "process.stdout.write(require('./tools/chromium').findChromium() || '')")"
if [ -n "$browser" ]; then
  say "ok   browser $browser"
elif command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  run apt-get update -q
  run apt-get install -y -q --no-install-recommends chromium fonts-liberation
else
  say "no   Chromium or Chrome found and no apt-get to install one: install Chromium (or set CHROMIUM_PATH);"
  say "     until then the layout pictures (tools/layout-pictures.js) and test/layout-browser.test.js cannot run"
fi
