#!/usr/bin/env bash
# Where the wasm core spends its time on a long-poll batch, as V8 runs it: the im_batch bench
# built for wasm32-wasip1 with names (tools/profile-core/), run in Node under --cpu-prof, and the
# self time of each function under handle_reply. The shipped module is stripped and wasm-bindgen
# needs it so; this build is the same code at the same opt-level with the names kept.
#
#   bash tools/profile-core.sh [functions to list, 30]
#
# AS_BYTES=1: replies as the wasm export gets them, `<id> 200 <body>` in bytes, so that the UTF-8
# check and the header are in the profile too.
#
# The machine's speed comes in phases (stretches of ~100 ms run ~1.7x slower, also inside one
# process): compare shares across a few runs. To compare two builds, copy each one's
# target/wasm32-wasip1/release/im_batch.wasm aside and run
# `node --expose-gc tools/profile-core/ab.mjs 30 a.wasm b.wasm`, which alternates them in one
# process and prints the paired ratio.
set -euo pipefail
cd "$(dirname "$0")/profile-core"
rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
RUSTFLAGS='-C target-cpu=mvp' cargo build -q --release --target wasm32-wasip1
out=$(mktemp -d)
node --no-warnings --cpu-prof --cpu-prof-dir="$out" --cpu-prof-interval 50 run.mjs target/wasm32-wasip1/release/im_batch.wasm
node top.js "$out" "${1:-30}"
rm -rf "$out"
