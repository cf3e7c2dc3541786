#!/usr/bin/env bash
# Test command of the README: installs what is missing, builds the shipped core, runs every test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup.sh
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
node tools/build.js
if ! git diff --quiet -- webrtc-room 2>/dev/null; then
  echo "note: the rebuilt webrtc-room/ (core, minified shim) differs from the committed one; commit it so users copy what was tested"
fi
cargo test --workspace
node --test test/*.test.js
