//! The whole `handle_json` round trip over sequences of inputs. The first byte picks a starting
//! point (fresh, in a room, in a room with IM logging in); then each line is one input: raw text,
//! or `R<data>` (answer the oldest pending request), `E<text>` (fail it), `T<n>` (fire a timer),
//! `P<slot><code>` (a player event from the player of that slot). Checked after every input:
//! the output is JSON of the documented shape, ids are never reused, no callback is answered more
//! often than asked for, seats stay unique within the layout, and nothing comes out after detach.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let mut h = common::Harness::new();
    match first % 4 {
        0 => {}
        1 => h.enter("grid", false),
        2 => h.enter("float", true),
        _ => h.enter("bigsmall", true),
    }
    for line in rest.split(|b| *b == b'\n').take(64) {
        let text = String::from_utf8_lossy(line.get(1..).unwrap_or_default()).into_owned();
        match line.first() {
            Some(b'R') => {
                if let Some(&(id, _)) = h.requests.first() {
                    h.reply(id, 200, &text);
                }
            }
            Some(b'E') => {
                if let Some(&(id, _)) = h.requests.first() {
                    h.requests.remove(0);
                    h.json(json!({"reply": {"id": id, "error": text}}));
                }
            }
            Some(b'T') => {
                h.fire_timer(text.len());
            }
            Some(b'P') => {
                let slot = line.get(1).copied().unwrap_or(0) as usize % 3;
                let code: i64 = text.get(1..).and_then(|c| c.parse().ok()).unwrap_or(2004);
                let user = h
                    .room
                    .seated()
                    .get(slot)
                    .copied()
                    .flatten()
                    .map(str::to_string);
                if let Some(user) = user {
                    h.json(json!({"player": {"slot": slot, "user": user, "code": code}}));
                }
            }
            _ => {
                h.input(&String::from_utf8_lossy(line));
            }
        }
    }
    h.finish();
});
