//! Drives a `Room` through its JSON wire form, the way the shim does, and checks the budget rule
//! (at most one setData per input) on every single input.

#![allow(dead_code)]

use serde_json::{json, Value};
use webrtc_room_core::{handle_json, Room};

pub const SIG_OK: &str = r#"{"RspHead":{"ErrorCode":0},"RspBody":{"sig":"room-sig"}}"#;

pub struct Driver {
    pub room: Room,
    pub now: f64,
}

/// One input's outputs, decoded.
#[derive(Debug, Clone)]
pub struct Out(pub Value);

impl Out {
    pub fn ops(&self) -> Vec<Value> {
        self.0["ops"].as_array().cloned().unwrap_or_default()
    }
    pub fn data(&self) -> Value {
        self.0.get("data").cloned().unwrap_or(Value::Null)
    }
    pub fn events(&self) -> Vec<Value> {
        self.0["events"]
            .as_array()
            .map(|events| events.iter().map(|e| e["detail"].clone()).collect())
            .unwrap_or_default()
    }
    pub fn errors(&self) -> Vec<i64> {
        self.events()
            .iter()
            .filter(|e| e["tag"] == "error")
            .map(|e| e["code"].as_i64().unwrap())
            .collect()
    }
    pub fn tagged(&self, tag: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["tag"] == tag)
            .collect()
    }
    pub fn requests(&self) -> Vec<Value> {
        self.ops()
            .into_iter()
            .filter_map(|op| op.get("request").cloned())
            .collect()
    }
    pub fn op_values(&self, key: &str) -> Vec<Value> {
        self.ops()
            .into_iter()
            .filter_map(|op| op.get(key).cloned())
            .collect()
    }
    pub fn timers(&self) -> Vec<(u64, u64)> {
        self.ops()
            .into_iter()
            .filter(|op| op.get("timer").is_some())
            .map(|op| (op["timer"].as_u64().unwrap(), op["ms"].as_u64().unwrap()))
            .collect()
    }
    pub fn pusher_cmds(&self) -> Vec<String> {
        self.op_values("pusher")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
    pub fn player_cmds(&self) -> Vec<(u64, String)> {
        self.ops()
            .into_iter()
            .filter(|op| op.get("player").is_some())
            .map(|op| {
                (
                    op["player"].as_u64().unwrap(),
                    op["cmd"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
    pub fn logs(&self) -> Vec<String> {
        self.op_values("log")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
    pub fn is_empty(&self) -> bool {
        self.0.as_object().is_some_and(|o| o.is_empty())
    }
    pub fn error_detail(&self, code: i64) -> String {
        self.events()
            .into_iter()
            .find(|e| e["tag"] == "error" && e["code"] == code)
            .map(|e| e["detail"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no error {code} in {:?}", self.0))
    }
}

impl Driver {
    pub fn new() -> Driver {
        Driver {
            room: Room::new(),
            now: 1_700_000_000_000.0,
        }
    }

    /// A room with the usual properties set.
    pub fn with_props(props: Value) -> Driver {
        let mut d = Driver::new();
        let mut all = json!({"roomID": 1234, "userID": "u-self", "userSig": "sig-self", "sdkAppID": 1400000000});
        for (k, v) in props.as_object().unwrap() {
            all[k] = v.clone();
        }
        d.send(json!({"props": all}));
        d
    }

    pub fn send_raw(&mut self, input: &str) -> Out {
        self.now += 10.0;
        let text = handle_json(&mut self.room, self.now, input);
        let mut out: Value = serde_json::from_str(&text).expect("outputs are JSON");
        messages_as_pages_get_them(&mut out);
        // Patches are merged into one object: one setData per input at most, never the whole
        // state object under a single key other than a layout change.
        assert!(out
            .get("data")
            .is_none_or(|d| d.is_object() && !d.as_object().unwrap().is_empty()));
        Out(out)
    }

    pub fn send(&mut self, input: Value) -> Out {
        self.send_raw(&input.to_string())
    }

    pub fn call(&mut self, name: &str) -> Out {
        self.send(json!({"call": name}))
    }

    pub fn pusher(&mut self, code: i64) -> Out {
        self.send(json!({"pusher": {"code": code}}))
    }

    pub fn userlist(&mut self, ids: &[&str]) -> Out {
        let list: Vec<Value> = ids
            .iter()
            .map(|id| json!({"userid": id, "playurl": play_url(id)}))
            .collect();
        let message = json!({ "userlist": list }).to_string();
        self.send(json!({"pusher": {"code": 1020, "message": message}}))
    }

    pub fn player(&mut self, slot: usize, user: &str, code: i64) -> Out {
        self.send(json!({"player": {"slot": slot, "user": user, "code": code}}))
    }

    pub fn reply(&mut self, id: u64, data: &str) -> Out {
        let data: Value = serde_json::from_str(data).unwrap();
        self.send(json!({"reply": {"id": id, "status": 200, "data": data}}))
    }

    pub fn fail(&mut self, id: u64) -> Out {
        self.send(json!({"reply": {"id": id, "error": "request:fail timeout"}}))
    }

    pub fn timer(&mut self, id: u64) -> Out {
        self.send(json!({"timer": id}))
    }

    /// start() answered with a good signature: the pusher has its URL.
    pub fn enter(&mut self) -> Out {
        let out = self.call("start");
        let id = out.requests()[0]["id"].as_u64().unwrap();
        let out = self.reply(id, SIG_OK);
        assert!(out.data()["pushURL"]
            .as_str()
            .unwrap()
            .starts_with("room://"));
        self.pusher(1018);
        out
    }

    pub fn seated(&self) -> Vec<String> {
        self.room
            .seated()
            .into_iter()
            .map(|s| s.unwrap_or("").to_string())
            .collect()
    }
}

pub fn play_url(id: &str) -> String {
    format!("room://cloud.tencent.com?userid={id}&sdkappid=1400000000")
}

/// Messages cross in the core's compact form, an array each (docs/core-protocol.md); the shim
/// hands pages 2019's Msg fields, and so do these helpers to the tests.
pub fn messages_as_pages_get_them(out: &mut Value) {
    let msg = |a: &Value| {
        let elems: Vec<Value> = a[10]
            .as_array()
            .expect("a message's elements")
            .iter()
            .map(|e| json!({"type": e[0], "content": e[1]}))
            .collect();
        json!({"sess": {"type": a[0], "id": a[1], "name": a[2]}, "subType": a[3], "isSend": a[4],
               "fromAccount": a[5], "fromAccountNick": a[6], "time": a[7], "seq": a[8],
               "random": a[9], "elems": elems})
    };
    let events = out.get_mut("events").and_then(Value::as_array_mut);
    for e in events.into_iter().flatten() {
        let d = &mut e["detail"];
        if d["tag"].as_str().is_some_and(|t| t.ends_with("msg_notify")) {
            let msgs: Vec<Value> = d["detail"]
                .as_array()
                .expect("messages")
                .iter()
                .map(msg)
                .collect();
            d["detail"] = Value::Array(msgs);
        }
    }
    let ops = out.get_mut("ops").and_then(Value::as_array_mut);
    for op in ops.into_iter().flatten() {
        if op["ok"] == true {
            let args: Vec<Value> = op["args"]
                .as_array()
                .expect("args")
                .iter()
                .map(msg)
                .collect();
            op["args"] = Value::Array(args);
        }
    }
}
