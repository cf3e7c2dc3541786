#!/usr/bin/env bash
# One command for trying the demo on this computer: builds the signing service and the emulator
# of Tencent's endpoints, starts both on loopback with a throwaway test key, prints where they
# are and how to point the demo at them, and stops both on Ctrl-C.
#
#   bash tools/demo.sh                 # ports 8787 (signing) and 8790 (emulator)
#   SIGN_PORT=9787 EMU_PORT=9790 bash tools/demo.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SIGN_PORT="${SIGN_PORT:-8787}"
EMU_PORT="${EMU_PORT:-8790}"
# Test values only: never a real application's SDKAppID or key.
DEMO_SDKAPPID="${DEMO_SDKAPPID:-1400000000}"
DEMO_SECRET_KEY="${DEMO_SECRET_KEY:-demo-secret-key-for-local-testing-only}"

echo "building usersig-server and emulator ..."
cargo build --quiet -p usersig -p emulator --bins
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/debug"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

export USERSIG_SDKAPPID="$DEMO_SDKAPPID" USERSIG_SECRET_KEY="$DEMO_SECRET_KEY"
unset USERSIG_SECRET_KEY_FILE
"$TARGET/usersig-server" --bind "127.0.0.1:$SIGN_PORT" &
PIDS+=($!)
"$TARGET/emulator" --bind "127.0.0.1:$EMU_PORT" &
PIDS+=($!)

# Wait (at most 10 s) until both answer.
for _ in $(seq 1 100); do
  if curl -fs "http://127.0.0.1:$SIGN_PORT/healthz" >/dev/null 2>&1 &&
    curl -fs "http://127.0.0.1:$EMU_PORT/healthz" >/dev/null 2>&1; then
    break
  fi
  sleep 0.1
done
curl -fs "http://127.0.0.1:$EMU_PORT/healthz" >/dev/null || { echo "the emulator did not start" >&2; exit 1; }

cat <<EOF

  signing service  http://127.0.0.1:$SIGN_PORT/usersig   (POST {"userID","roomID"})
  emulator         http://127.0.0.1:$EMU_PORT             (room signature, IM, media API)
  test keys        sdkAppID $DEMO_SDKAPPID, secret key "$DEMO_SECRET_KEY"
                   (throwaway values; both services use them, so the userSigs are accepted)

Point the demo at them: in pages/config.js set
    SIGN_URL: 'http://127.0.0.1:$SIGN_PORT/usersig',
    API_BASE: 'http://127.0.0.1:$EMU_PORT',
(pages/room/room.wxml already binds apiBase="{{apiBase}}" from config.API_BASE.)
Then open this folder in WeChat DevTools with domain checking off (Details -> Local settings ->
"Do not verify valid domain names ..."; project.config.json already asks for it).

What works locally: the room signature, entering/leaving (as far as the component's requests go)
and IM between two DevTools windows. What does not: audio and video. A real <live-pusher> sends
the pusher URL to Tencent's media servers, which do not know the emulator's room tickets; the
emulator's /media/* API is for the test stand-ins (see emulator/README.md), and you can drive it by
hand, e.g.
    curl -s -X POST http://127.0.0.1:$EMU_PORT/media/kick -d '{"roomid":1234,"userid":"alice"}'
A phone cannot reach 127.0.0.1 of this computer.

Ctrl-C stops both.
EOF
wait
