//! The core's own JSON against serde_json (numbers as text, key order kept) on random documents.

use proptest::prelude::*;
use serde_json::Value;
use webrtc_room_core::json::Json;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[\\u{0}-\\u{1f}\"\\\\/张😀]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn writes_what_serde_json_writes(doc in arb_json()) {
        let text = serde_json::to_string(&doc).unwrap();
        let ours = Json::parse(&text).expect("serde_json output parses");
        prop_assert_eq!(ours.to_string(), text);
    }

    #[test]
    fn pretty_input_parses_to_the_same_value(doc in arb_json()) {
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        let compact = serde_json::to_string(&doc).unwrap();
        prop_assert_eq!(Json::parse(&pretty).unwrap().to_string(), compact);
    }

    #[test]
    fn never_panics_and_agrees_on_validity(text in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ ]{0,40}") {
        let ours = Json::parse(&text).is_ok();
        let theirs = serde_json::from_str::<Value>(&text).is_ok();
        // serde_json refuses numbers it cannot hold (e.g. 1e400 as f64) that are still JSON.
        if theirs {
            prop_assert!(ours, "{} is JSON", text);
        }
    }
}
