//! The core's own JSON against serde_json (numbers as text, key order kept) on random documents.

use proptest::prelude::*;
use serde_json::Value;
use webrtc_room_core::json::{Json, Val};

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

    #[test]
    fn borrowed_values_write_what_owned_ones_write(doc in arb_json(), escape in any::<bool>()) {
        // Some texts with every non-ASCII char and '/' escaped, so escaped strings and keys are read too.
        let mut text = serde_json::to_string(&doc).unwrap();
        if escape {
            text = text.chars().map(|c| match c {
                '/' => "\\/".to_string(),
                c if !c.is_ascii() => c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("\\u{u:04x}")).collect(),
                c => c.to_string(),
            }).collect();
        }
        let owned = Json::parse(&text).expect("serde_json output parses");
        let borrowed = Val::parse(&text).expect("and so does the borrowed reader");
        let mut written = String::new();
        borrowed.write(&mut written);
        prop_assert_eq!(&written, &owned.to_string());
        prop_assert_eq!(borrowed.to_json(), owned);
    }
}

/// What a long-poll batch needs of the borrowed reader: escapes only where they are, keys read
/// escaped or not, a repeated key's last value in the first one's place, text as it came.
#[test]
fn borrowed_values_keep_raw_text_and_read_keys_unescaped() {
    let text = r#"{"a":"x","\u0062":"\u00e9\/","a":["\ud83d\ude00",1.50],"c":"\ud800"}"#;
    let v = Val::parse(text).unwrap();
    assert!(
        matches!(v.get("a"), Some(Val::Arr(_))),
        "the last value of a repeated key"
    );
    assert_eq!(v.get("b").and_then(Val::as_str).as_deref(), Some("é/"));
    assert!(matches!(v.get("b"), Some(Val::Esc(_))));
    assert_eq!(
        v.get("c").and_then(Val::as_str).as_deref(),
        Some("\u{FFFD}")
    );
    let mut out = String::new();
    v.write(&mut out);
    assert_eq!(out, "{\"a\":[\"😀\",1.50],\"b\":\"é/\",\"c\":\"\u{FFFD}\"}");
    let Val::Obj(fields) = &v else {
        panic!("an object")
    };
    assert_eq!(
        fields.iter().map(|(k, _)| &**k).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert!(matches!(
        Val::parse(r#""plain 张""#),
        Ok(Val::Str("plain 张"))
    ));
    for bad in ["{\"a\":1,}", "\"\\x\"", "[1,2", "\"\\u12\"", "{\"a\" 1}"] {
        assert!(Val::parse(bad).is_err(), "{bad:?}");
    }
}

/// A string whose escapes are the ones the writer itself uses is written as it came; any other
/// escape (`\/`, `\u`) is written as the writer writes its text. Both give JSON.stringify's text.
#[test]
fn escaped_strings_are_written_canonically_whether_copied_or_rewritten() {
    for (raw, written) in [
        (r#""a\"b\\c\n\t""#, r#""a\"b\\c\n\t""#),
        (r#""{\"cmd\":\"gift\"}""#, r#""{\"cmd\":\"gift\"}""#),
        (r#""\\u0041""#, r#""\\u0041""#),
        (r#""a\/b""#, r#""a/b""#),
        (r#""\u0041\u00e9""#, r#""Aé""#),
        (r#""x\\\/""#, r#""x\\/""#),
        (r#""\u001f""#, r#""\u001f""#),
    ] {
        let v = Val::parse(raw).unwrap();
        assert!(matches!(v, Val::Esc(_)), "{raw}");
        let mut out = String::new();
        v.write(&mut out);
        assert_eq!(out, written, "{raw}");
        assert_eq!(out, Json::parse(raw).unwrap().to_string(), "{raw}");
    }
}
