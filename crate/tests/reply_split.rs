//! A request's answer as the wasm export gets it when it came as bytes: the body followed by its
//! header `<id> <status>` (`handle_split`, which keeps the body where it lies). It gives exactly
//! the outputs of the same answer with the header first (`handle_bytes`), for good, malformed,
//! non-UTF-8, empty and oversized bodies and other statuses; a header it cannot read is a bad
//! input, without a panic, and the request stays pending.

use serde_json::{json, Value};
use webrtc_room_core::{handle_bytes, handle_json, handle_split, Room, MAX_REPLY_BYTES};

const NOW: f64 = 1_700_000_000_000.0;

fn outputs(text: &str) -> Value {
    serde_json::from_str(text).expect("outputs are JSON")
}

/// Two rooms in the same state, after start() with enableIM: the login request pending.
fn rooms() -> (Room, Room, u64) {
    let props = json!({"props": {"roomID": 1234, "userID": "u-self", "userSig": "sig", "sdkAppID": 1400000000, "enableIM": true}});
    let mut rooms = [Room::new(), Room::new()];
    let mut login = 0;
    for room in &mut rooms {
        handle_json(room, NOW, &props.to_string());
        let out = outputs(&handle_json(room, NOW, r#"{"call":"start"}"#));
        login = out["ops"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|op| op.get("request"))
            .find(|r| r["url"].as_str().unwrap().contains("/openim/login"))
            .map(|r| r["id"].as_u64().unwrap())
            .unwrap();
    }
    let [a, b] = rooms;
    (a, b, login)
}

fn split(room: &mut Room, body: &[u8], header: &str) -> String {
    let input = [body, header.as_bytes()].concat();
    handle_split(room, NOW, input, body.len())
}

fn logged_in(out: &str) -> bool {
    out.contains("/profile/portrait_get?")
}

fn error_info(out: &str) -> String {
    let out = outputs(out);
    let login = out["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["detail"])
        .find(|d| d["tag"] == "login_event")
        .unwrap_or_else(|| panic!("no login_event in {out}"));
    login["detail"]["ErrorInfo"].as_str().unwrap().to_string()
}

#[test]
fn the_body_then_its_header_gives_the_outputs_of_the_header_then_the_body() {
    let good = r#"{"ActionStatus":"OK","ErrorCode":0,"TinyId":7,"A2Key":"a2 张三 😀"}"#.as_bytes();
    let pad = MAX_REPLY_BYTES - r#"{"ActionStatus":"OK","TinyId":1,"A2Key":""}"#.len();
    let at_bound = format!(
        r#"{{"ActionStatus":"OK","TinyId":1,"A2Key":"{}"}}"#,
        "x".repeat(pad)
    );
    let over = vec![b'x'; MAX_REPLY_BYTES + 1];
    let cut = [&good[..20], b"\xe4\xb8"].concat();
    let cases: [(&[u8], &str); 8] = [
        (good, "logged in"),
        (b"", "without a JSON body"),
        (b"{\"ActionStatus\":", "without a JSON body"),
        (b"<html>502</html>", "without a JSON body"),
        (b"\xff\xfe{\x00", "not UTF-8"),
        (&cut, "not UTF-8"),
        (at_bound.as_bytes(), "logged in"),
        (&over, "over 1 MiB"),
    ];
    for (body, what) in cases {
        for status in [200, 502] {
            let (mut a, mut b, id) = rooms();
            let by_split = split(&mut a, body, &format!("{id} {status}"));
            let by_bytes = handle_bytes(
                &mut b,
                NOW,
                &[format!("{id} {status} ").as_bytes(), body].concat(),
            );
            assert_eq!(by_split, by_bytes, "{what}, status {status}");
            if status == 200 {
                match what {
                    "logged in" => assert!(logged_in(&by_split), "{by_split}"),
                    _ => assert!(error_info(&by_split).contains(what), "{what}: {by_split}"),
                }
            }
        }
    }
}

#[test]
fn a_header_it_cannot_read_is_a_bad_input_and_the_request_stays_pending() {
    let (mut room, _, id) = rooms();
    let body = br#"{"ActionStatus":"OK","TinyId":1,"A2Key":"k"}"#;
    let bad_headers = [
        String::new(),
        format!("{id}"),
        format!("{id} "),
        "x 200".to_string(),
        format!("{id} 2x"),
        "4294967296 200".to_string(),
        format!("{id}\u{a0}200"),
    ];
    for header in &bad_headers {
        let out = outputs(&split(&mut room, body, header));
        let warning = &out["events"][0]["detail"];
        assert_eq!(warning["tag"], "warning", "{header:?}: {out}");
        assert_eq!(warning["code"], -1);
    }
    // a header that is not UTF-8, and one said to start past the end
    let input = [&body[..], b"1 \xff"].concat();
    let out = outputs(&handle_split(&mut room, NOW, input, body.len()));
    assert_eq!(out["events"][0]["detail"]["tag"], "warning");
    let out = outputs(&handle_split(&mut room, NOW, body.to_vec(), body.len() + 5));
    assert_eq!(out["events"][0]["detail"]["tag"], "warning");
    // the login is still pending: its answer logs in
    assert!(logged_in(&split(&mut room, body, &format!("{id} 200"))));
}
