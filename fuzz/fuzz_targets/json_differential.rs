//! The core's own JSON parser against serde_json (numbers as text, key order kept): the same
//! texts are accepted and refused, and an accepted text gives the same value (compared through
//! the compact text both write). The borrowed reader (`Val`) writes what the owned value writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use webrtc_room_core::json::{Json, Val};

/// The same JSON value. Numbers are compared as text with the exponent written one way
/// (serde_json writes `1E21` and `1e21` as `1e+21`; the core keeps the text it was given, which
/// means the same number).
fn same(ours: &Json, theirs: &Value) -> bool {
    match (ours, theirs) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::Num(a), Value::Number(b)) => exponent_form(a) == exponent_form(&b.to_string()),
        (Json::Str(a), Value::String(b)) => a == b,
        (Json::Arr(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Json::Obj(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => false,
    }
}

/// Whether a `\\uXXXX` escape in the text names a UTF-16 surrogate (paired or not: serde_json
/// refuses some pairs the core reads, e.g. a high surrogate before another escape).
fn has_surrogate_escape(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'u') {
                let hex = text
                    .get(i + 2..i + 6)
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                if hex.is_some_and(|u| (0xD800..0xE000).contains(&u)) {
                    return true;
                }
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn exponent_form(number: &str) -> String {
    number.to_ascii_lowercase().replace("e+", "e")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // serde_json's arbitrary_precision reads this key as a number in disguise: not JSON's meaning.
    if text.contains("$serde_json") {
        return;
    }
    let ours = Json::parse(text);
    // The borrowed reader (long-poll batches) writes exactly what the owned value writes.
    if let Ok(owned) = &ours {
        let mut written = String::new();
        Val::parse(text)
            .expect("both readers accept it")
            .write(&mut written);
        assert_eq!(
            written,
            owned.to_string(),
            "borrowed and owned differ on {text:?}"
        );
    }
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => {
            assert!(
                same(ours, theirs),
                "different values for {text:?}: {ours} vs {theirs}"
            );
            // What the core writes, it reads back as the same value.
            let written = ours.to_string();
            assert_eq!(
                Json::parse(&written).as_ref(),
                Ok(ours),
                "round trip of {written:?}"
            );
        }
        (Err(_), Err(_)) => {}
        // The core refuses nesting deeper than 64 (its wasm stack); serde_json allows 128.
        (Err(why), Ok(_)) if why.contains("nesting too deep") => {}
        // A lone UTF-16 surrogate escape cannot live in a Rust string: the core reads it as
        // U+FFFD (as UTF-8 coding does), serde_json refuses the text.
        (Ok(_), Err(_)) if has_surrogate_escape(text) => {}
        (Ok(_), Err(e)) => panic!("the core accepts {text:?}, serde_json refuses it: {e}"),
        (Err(why), Ok(_)) => panic!("the core refuses {text:?} ({why}), serde_json accepts it"),
    }
});
