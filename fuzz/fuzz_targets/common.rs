//! Shared by the room targets: drives a `Room` through `handle_json` as the shim does, keeps the
//! ids of what it asked for (requests, timers, callbacks) so fuzz data can answer them, and checks
//! after every input what must hold whatever the inputs were.
#![allow(dead_code)]

use std::collections::HashMap;

use serde_json::{json, Value};
use webrtc_room_core::{handle_json, Room};

pub const SIG_OK: &str = r#"{"RspHead":{"ErrorCode":0},"RspBody":{"sig":"room-sig"}}"#;

pub struct Harness {
    pub room: Room,
    pub now: f64,
    /// Requests asked for and not answered or aborted: (id, url).
    pub requests: Vec<(u64, String)>,
    pub timers: Vec<u64>,
    /// Method calls with callbacks sent in, by cb id; callbacks answered, by cb id.
    pub cb_sent: HashMap<u64, u32>,
    pub cb_answered: HashMap<u64, u32>,
    /// Send-method calls with callbacks: each must be answered by the time the room is detached.
    pub sends: HashMap<u64, u32>,
    pub detached: bool,
}

/// A callback id as the core might read it (a number or a numeric string); more lenient than the
/// core, so "answered at most as often as asked" never fails for a form the core reads and this not.
fn lenient_whole(v: &Value) -> Option<u64> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    let f: f64 = text.parse().ok()?;
    (f >= 0.0 && f.fract() == 0.0 && f < 9.1e15).then_some(f as u64)
}

impl Harness {
    pub fn new() -> Harness {
        Harness {
            room: Room::new(),
            now: 1_700_000_000_000.0,
            requests: Vec::new(),
            timers: Vec::new(),
            cb_sent: HashMap::new(),
            cb_answered: HashMap::new(),
            sends: HashMap::new(),
            detached: false,
        }
    }

    /// One input as text; returns the decoded outputs after checking them.
    pub fn input(&mut self, text: &str) -> Value {
        // Only an input that names a callback needs reading here (most do not: keep it fast).
        let names_cb = text.contains("cb");
        if let Some(v) = names_cb
            .then(|| serde_json::from_str::<Value>(text).ok())
            .flatten()
        {
            // The shim's note for an input too long to hand over keeps the call's callbacks.
            if let Some(cb) = v.get("oversize").and_then(|o| o.get("cb")) {
                if let Some(id) = lenient_whole(cb) {
                    *self.cb_sent.entry(id).or_default() += 1;
                }
            }
            // Any input naming a cb may be answered (an undecodable one with fail(-4)).
            if let Some(id) = v.get("cb").and_then(lenient_whole) {
                *self.cb_sent.entry(id).or_default() += 1;
            }
            if let (Some(call), Some(cb)) = (v.get("call"), v.get("cb")) {
                // Exactly one answer is owed for a plain cb number on a send method.
                let send = call.as_str().is_some_and(|c| c.starts_with("send"));
                match cb.as_u64() {
                    Some(id) if send && id <= u64::from(u32::MAX) && !self.detached => {
                        *self.sends.entry(id).or_default() += 1;
                    }
                    _ => {}
                }
            }
        }
        self.now += 250.0;
        let out = handle_json(&mut self.room, self.now, text);
        self.check_output(&out)
    }

    /// Checks one input's output text and keeps the ids it asks for.
    pub fn check_output(&mut self, out: &str) -> Value {
        let value: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("output is not JSON ({e}): {out}"));
        let obj = value.as_object().expect("output is an object");
        for key in obj.keys() {
            assert!(
                ["ops", "data", "events"].contains(&key.as_str()),
                "key {key}"
            );
        }
        if self.detached {
            assert_eq!(out, "{}", "output after detach");
        }
        for op in value["ops"].as_array().into_iter().flatten() {
            if let Some(req) = op.get("request") {
                let id = req["id"].as_u64().expect("request id");
                let url = req["url"].as_str().expect("request url").to_string();
                assert!(
                    !self.requests.iter().any(|(r, _)| *r == id),
                    "request id {id} reused"
                );
                self.requests.push((id, url));
            } else if let Some(id) = op.get("abort").and_then(Value::as_u64) {
                self.requests.retain(|(r, _)| *r != id);
            } else if let Some(id) = op.get("timer").and_then(Value::as_u64) {
                self.timers.push(id);
            } else if let Some(id) = op.get("clearTimer").and_then(Value::as_u64) {
                self.timers.retain(|t| *t != id);
            } else if let Some(id) = op.get("callback").and_then(Value::as_u64) {
                let answered = self.cb_answered.entry(id).or_default();
                *answered += 1;
                let sent = self.cb_sent.get(&id).copied().unwrap_or(0);
                assert!(
                    *answered <= sent,
                    "callback {id} answered {answered} times, sent {sent}"
                );
            }
        }
        self.check_seats();
        value
    }

    pub fn check_seats(&self) {
        let seated = self.room.seated();
        assert_eq!(seated.len(), self.room.props().template.capacity());
        let ids: Vec<&str> = seated.iter().flatten().copied().collect();
        for (i, id) in ids.iter().enumerate() {
            assert!(!ids[..i].contains(id), "{id} seated twice");
            assert!(!id.is_empty(), "empty id seated");
            assert!(
                !id.contains('\u{FFFD}'),
                "an id altered on the way in was seated: {id:?}"
            );
        }
    }

    pub fn json(&mut self, v: Value) -> Value {
        self.input(&v.to_string())
    }

    /// Answers request `id` with `data` (a JSON text, or else passed as a string).
    pub fn reply(&mut self, id: u64, status: u64, data: &str) -> Value {
        self.requests.retain(|(r, _)| *r != id);
        let data: Value = serde_json::from_str(data).unwrap_or_else(|_| Value::from(data));
        self.json(json!({"reply": {"id": id, "status": status, "data": data}}))
    }

    /// Answers request `id` the way the shim does now: `<id> <status> <body>`, the body as text.
    pub fn reply_text(&mut self, id: u64, status: u64, body: &str) -> Value {
        self.requests.retain(|(r, _)| *r != id);
        self.now += 250.0;
        let out = webrtc_room_core::handle_text(
            &mut self.room,
            self.now,
            &format!("{id} {status} {body}"),
        );
        self.check_output(&out)
    }

    /// Answers request `id` as the shim does with the ArrayBuffer `wx.request` hands: the header
    /// and the body's bytes as they came, UTF-8 or not.
    pub fn reply_bytes(&mut self, id: u64, status: u64, body: &[u8]) -> Value {
        self.requests.retain(|(r, _)| *r != id);
        self.now += 250.0;
        // As the wasm export gets it from the shim (the body, then its header), and now and then
        // with the header first, which gives the same outputs.
        let out = if body.len() % 3 == 0 {
            let mut input = format!("{id} {status} ").into_bytes();
            input.extend_from_slice(body);
            webrtc_room_core::handle_bytes(&mut self.room, self.now, &input)
        } else {
            let mut input = body.to_vec();
            input.extend_from_slice(format!("{id} {status}").as_bytes());
            webrtc_room_core::handle_split(&mut self.room, self.now, input, body.len())
        };
        self.check_output(&out)
    }

    pub fn fire_timer(&mut self, index: usize) -> Option<Value> {
        if self.timers.is_empty() {
            return None;
        }
        let id = self.timers.remove(index % self.timers.len());
        Some(self.json(json!({"timer": id})))
    }

    pub fn pending(&self, url_part: &str) -> Option<u64> {
        self.requests
            .iter()
            .find(|(_, url)| url.contains(url_part))
            .map(|(id, _)| *id)
    }

    /// Properties, start(), the signature answered, push started and room entered.
    pub fn enter(&mut self, template: &str, enable_im: bool) {
        self.json(json!({"props": {
            "roomID": 1234, "userID": "u-self", "userSig": "sig", "sdkAppID": 1400000000,
            "template": template, "enableIM": enable_im,
        }}));
        self.json(json!({"call": "start"}));
        let sig = self.pending("jsonvideoapp").expect("signature request");
        self.reply(sig, 200, SIG_OK);
        self.json(json!({"pusher": {"code": 1002}}));
        self.json(json!({"pusher": {"code": 1018}}));
    }

    /// Detaches and checks that every send call got exactly one answer.
    pub fn finish(&mut self) {
        self.json(json!({"detached": true}));
        self.detached = true;
        self.input(r#"{"call":"start"}"#);
        for (cb, sent) in &self.sends {
            let answered = self.cb_answered.get(cb).copied().unwrap_or(0);
            assert!(
                answered >= *sent,
                "send callback {cb}: {sent} calls, {answered} answers"
            );
        }
    }
}
