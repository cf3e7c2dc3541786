//! Hostile input at the core's own boundary (issue 10): the input size bound and its agreement
//! with the shim, per-property decoding, and member-list entries that must not be seated.

mod support;

use serde_json::json;
use support::Driver;
use webrtc_room_core::{MAX_INPUT_CHARS, MAX_REPLY_BYTES};

#[test]
fn the_shim_and_the_core_agree_on_the_input_bound() {
    let shim = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shim/webrtc-room.js"
    ))
    .expect("shim source");
    let line = shim
        .lines()
        .find(|l| l.starts_with("const MAX_INPUT = "))
        .expect("const MAX_INPUT in the shim");
    assert_eq!(line, format!("const MAX_INPUT = {MAX_INPUT_CHARS}"));
    assert_eq!(
        MAX_INPUT_CHARS, MAX_REPLY_BYTES,
        "JSON inputs and text replies: one bound"
    );
}

#[test]
fn an_oversize_note_fails_its_request_or_its_callbacks() {
    let mut d = Driver::with_props(json!({}));
    d.send(json!({"call": "start"}));
    let out = d.send(json!({"props": {"roomID": 1, "userID": "u", "userSig": "s", "sdkAppID": 1}}));
    assert!(out.tagged("warning").is_empty());
    let req = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let out = d.send(json!({"oversize": {"chars": 9_000_000, "id": req}}));
    assert_eq!(out.timers().len(), 1, "a failed reply: retried after 1 s");
    let out = d.send(json!({"oversize": {"chars": 9_000_000, "cb": 7}}));
    let cb = &out.op_values("callback");
    assert_eq!(cb, &[json!(7)]);
    assert_eq!(out.tagged("warning").len(), 1);
}

#[test]
fn one_bad_property_costs_only_itself() {
    let mut d = Driver::new();
    let out = d.send(json!({"props": {
        "roomID": -5, "userID": "alice", "userSig": "s", "sdkAppID": 1400000000, "beauty": 12,
        "template": "nope", "recordId": "x"
    }}));
    let p = d.room.props();
    assert_eq!(
        (p.room_id, p.user_id.as_str(), p.sdk_app_id),
        (0, "alice", 1400000000)
    );
    assert_eq!(p.record_id, None);
    assert_eq!(out.tagged("warning").len(), 4, "{:?}", out.0);
    // What the view reads is written back, in the one patch of this input.
    assert_eq!(out.data()["beauty"], json!(9));
    assert_eq!(out.data()["template"], json!("float"));
}

#[test]
fn altered_ids_and_foreign_play_urls_are_never_seated() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    let list = json!({"userlist": [
        {"userid": "\u{FFFD}", "playurl": "room://cloud.tencent.com?u=1"},
        {"userid": "a", "playurl": "javascript:alert(1)"},
        {"userid": "b", "playurl": "room://cloud.tencent.com?u=b"},
    ]});
    let out = d.send(json!({"pusher": {"code": 1020, "message": list.to_string()}}));
    assert_eq!(d.seated(), ["b", "", ""]);
    assert_eq!(out.tagged("warning").len(), 1);
}
