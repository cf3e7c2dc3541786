//! The member-list decoder (live-pusher 1020): a room in each layout is entered and the fuzz data
//! (split at 0xFF) arrives as a series of 1020 messages, with player events for whoever is seated.
//! Checked as in `handle_json_sequence`, plus: every seated member's play URL is one the room's
//! own service would send.
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
    h.enter(["grid", "float", "bigsmall"][first as usize % 3], false);
    for chunk in rest.split(|b| *b == 0xFF).take(16) {
        let message = String::from_utf8_lossy(chunk);
        let out = h.json(json!({"pusher": {"code": 1020, "message": message}}));
        if let Some(data) = out.get("data").and_then(|d| d.as_object()) {
            for (key, value) in data {
                let src = value.get("src").and_then(|s| s.as_str());
                if let (true, Some(src)) = (key.starts_with('m'), src) {
                    let lower = src.to_ascii_lowercase();
                    assert!(
                        ["room://cloud.tencent.com", "rtmp://cloud.tencent.com"]
                            .iter()
                            .any(|p| lower.starts_with(p)),
                        "a play URL not of the room's service reached a player: {src}"
                    );
                }
            }
        }
        if let Some(slot) = h.room.seated().iter().position(Option::is_some) {
            let user = h.room.seated()[slot].unwrap_or_default().to_string();
            let code = [2004, 2007, -2301][chunk.len() % 3];
            h.json(json!({"player": {"slot": slot, "user": user, "code": code}}));
        }
    }
    h.finish();
});
