//! Property tests: the slot invariants over random member-list sequences, and that no input,
//! however malformed, panics the core.

mod support;

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::json;
use support::Driver;

fn lists() -> impl Strategy<Value = Vec<Vec<u8>>> {
    // Users 0..8 so that rooms of 2 and 4 overflow often; lists may repeat a user.
    prop::collection::vec(prop::collection::vec(0u8..8, 0..7), 1..25)
}

proptest! {
    #[test]
    fn slot_invariants_hold(template in prop::sample::select(vec!["bigsmall", "float", "grid"]), seq in lists()) {
        let mut d = Driver::with_props(json!({"template": template}));
        d.enter();
        let capacity = if template == "bigsmall" { 1 } else { 3 };
        let mut before: HashMap<String, usize> = HashMap::new();
        for raw in seq {
            let ids: Vec<String> = raw.iter().map(|n| format!("user{n}")).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let out = d.userlist(&refs);
            let seated = d.seated();
            // capacity never exceeded
            prop_assert_eq!(seated.len(), capacity);
            let now: HashMap<String, usize> = seated.iter().enumerate()
                .filter(|(_, id)| !id.is_empty())
                .map(|(slot, id)| (id.clone(), slot))
                .collect();
            // nobody seated twice
            prop_assert_eq!(now.len(), seated.iter().filter(|id| !id.is_empty()).count());
            // only listed users are seated
            for id in now.keys() {
                prop_assert!(ids.contains(id));
            }
            // seated users who are still listed never move
            for (id, slot) in &before {
                if ids.contains(id) {
                    prop_assert_eq!(now.get(id), Some(slot), "{} moved", id);
                }
            }
            // as many seated as fit; -8 exactly when someone listed has no seat
            let mut distinct = ids.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(now.len(), distinct.len().min(capacity));
            prop_assert_eq!(out.errors().contains(&-8), distinct.len() > capacity);
            before = now;
        }
    }

    #[test]
    fn arbitrary_text_never_panics(raw in ".{0,200}") {
        let mut d = Driver::with_props(json!({}));
        d.send_raw(&raw);
    }

    #[test]
    fn arbitrary_json_inputs_never_panic(inputs in prop::collection::vec(arb_input(), 1..30)) {
        let mut d = Driver::with_props(json!({"template": "bigsmall"}));
        for input in inputs {
            d.send(input);
        }
    }
}

fn arb_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(|b| json!(b)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-z0-9{}\":,\\[\\]]{0,30}".prop_map(|s| json!(s)),
        Just(
            json!({"userlist": [{"userid": "a", "playurl": "room://cloud.tencent.com?userid=a"}]})
                .to_string()
        )
        .prop_map(|s| json!(s)),
    ]
}

fn arb_input() -> impl Strategy<Value = serde_json::Value> {
    let key = prop::sample::select(vec![
        "props",
        "call",
        "pusher",
        "pusherError",
        "player",
        "reply",
        "timer",
        "detached",
    ]);
    let call = prop::sample::select(vec![
        "start",
        "stop",
        "pause",
        "resume",
        "switchCamera",
        "exitRoom",
        "enableVideo",
        "enableAudio",
    ]);
    prop_oneof![
        (key, arb_value()).prop_map(|(k, v)| json!({ k: v })),
        (call, arb_value(), arb_value()).prop_map(|(c, a, b)| json!({"call": c, "args": [a, b]})),
        (
            prop::sample::select(vec![
                1002i64, 1018, 1019, 1020, 1021, 5000, -1301, -1302, -1307, 7
            ]),
            arb_value()
        )
            .prop_map(|(code, m)| json!({"pusher": {"code": code, "message": m}})),
        (
            0usize..4,
            prop::sample::select(vec!["a", "b", ""]),
            prop::sample::select(vec![2007i64, 2004, -2301, 1])
        )
            .prop_map(
                |(slot, user, code)| json!({"player": {"slot": slot, "user": user, "code": code}})
            ),
        (0u32..6, arb_value())
            .prop_map(|(id, data)| json!({"reply": {"id": id, "status": 200, "data": data}})),
        (0u32..6).prop_map(|id| json!({"timer": id})),
        arb_value().prop_map(|v| json!({"props": {"template": v, "roomID": 5}})),
    ]
}
