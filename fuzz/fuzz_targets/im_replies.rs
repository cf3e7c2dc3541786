//! The IM reply decoders: a room with IM enabled is entered and every IM request it makes (login,
//! long-polling id, group create/join, both long polls, getmsg, sends) is answered with fuzz data,
//! one chunk (split at 0xFF) per reply, in the order the requests were made: as raw bytes (UTF-8
//! or not) and as text, alternately. Timers fire when no request is pending, so backoffs come
//! back. Checked as in `handle_json_sequence`.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let mut h = common::Harness::new();
    h.enter("grid", true);
    for (n, chunk) in data.split(|b| *b == 0xFF).take(48).enumerate() {
        let text = String::from_utf8_lossy(chunk);
        // Now and then a send, so send replies are decoded too.
        if n % 7 == 3 {
            h.json(json!({"call": "sendGroupTextMsg", "args": ["hi"], "cb": n}));
        }
        let pending = h
            .requests
            .iter()
            .find(|(_, url)| url.contains("webim") || url.contains("/v4/") || url.contains("/v1/"))
            .map(|(id, _)| *id);
        match pending {
            Some(id) => {
                let status = if text.starts_with('!') { 500 } else { 200 };
                // As the shim answers: the body's bytes as wx.request hands them (UTF-8 or not),
                // or, from a runtime that ignores responseType, as text.
                if n % 2 == 0 {
                    h.reply_bytes(id, status, chunk);
                } else {
                    h.reply_text(id, status, &text);
                }
            }
            None => {
                if h.fire_timer(n).is_none() {
                    break;
                }
            }
        }
    }
    h.finish();
});
