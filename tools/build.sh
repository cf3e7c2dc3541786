#!/usr/bin/env bash
# Build command of the README: installs what is missing, builds webrtc-room/core/, and says how to
# run the demo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup.sh
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
node tools/build.js
cat <<'MSG'

Built webrtc-room/core/. To run the demo: open this folder in WeChat DevTools as a mini-program
project, set the signing-service URL in pages/config.js, and preview on a phone
(<live-pusher>/<live-player> need a real device). To use the component: copy webrtc-room/.
MSG
