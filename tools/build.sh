#!/usr/bin/env bash
# Build command of the README: installs what is missing, builds webrtc-room/core/ and the minified
# shim, then runs the demo's local back end (signing service + emulator of Tencent's endpoints,
# tools/demo.sh) until Ctrl-C. `--no-demo` (or CI=true) stops after the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup.sh
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
node tools/build.js
echo
echo "Built webrtc-room/ (copy this folder into your mini-program to use the component)."
if [ "${1:-}" = "--no-demo" ] || [ "${CI:-}" = "true" ]; then
  exit 0
fi
exec bash tools/demo.sh
