//! A request's answer with its body as text (`<id> <status> <body>`, what the shim sends since
//! `wx.request` runs with `dataType: 'text'`): exactly the outputs of the JSON reply input, for
//! good bodies, malformed ones and oversized ones, without a panic. The same answer as bytes (what
//! the shim sends for `responseType: 'arraybuffer'`, `handle_bytes`) gives the outputs of the
//! text; a body that is not UTF-8 is a failed request, and other input that is not is a bad input.
//! The answer as the wasm export gets it from the shim, the body followed by its header
//! (`handle_split`, which keeps the body where it lies), gives the outputs of the header first, for
//! every such body and other statuses; a header it cannot read is a bad input and the request
//! stays pending.

use serde_json::{json, Value};
use webrtc_room_core::{
    handle_bytes, handle_json, handle_split, handle_text, Room, MAX_REPLY_BYTES,
};

const NOW: f64 = 1_700_000_000_000.0;

fn outputs(text: &str) -> Value {
    serde_json::from_str(text).expect("outputs are JSON")
}

/// Two rooms with the same props, both after start() with enableIM: the login request pending.
fn rooms() -> (Room, Room, u64) {
    let props = json!({"props": {"roomID": 1234, "userID": "u-self", "userSig": "sig", "sdkAppID": 1400000000, "enableIM": true}});
    let mut rooms = [Room::new(), Room::new()];
    let mut login = 0;
    for room in &mut rooms {
        handle_json(room, NOW, &props.to_string());
        login = login_request(&outputs(&handle_json(room, NOW, r#"{"call":"start"}"#)));
    }
    let [a, b] = rooms;
    (a, b, login)
}

/// The id of the login request among `out`'s ops.
fn login_request(out: &Value) -> u64 {
    out["ops"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|op| op.get("request"))
        .find(|r| r["url"].as_str().unwrap().contains("/openim/login"))
        .map(|r| r["id"].as_u64().unwrap())
        .unwrap()
}

/// Whether a good answer to login request `id` logs `room` in.
fn good_login_logs_in(room: &mut Room, id: u64) -> bool {
    let good = r#"{"ActionStatus":"OK","ErrorCode":0,"TinyId":7,"A2Key":"k"}"#;
    logged_in(&outputs(&handle_text(
        room,
        NOW,
        &format!("{id} 200 {good}"),
    )))
}

/// The body as text and as the JSON input the shim used to send give the same outputs.
fn same_as_json_input(body: &str, data: Value) -> Value {
    let (mut text_room, mut json_room, id) = rooms();
    let by_text = handle_text(&mut text_room, NOW, &format!("{id} 200 {body}"));
    let input = json!({"reply": {"id": id, "status": 200, "data": data}});
    let by_json = handle_json(&mut json_room, NOW, &input.to_string());
    assert_eq!(by_text, by_json, "body {body:?}");
    outputs(&by_text)
}

/// A good login answer is followed by the profile request, which carries the session tokens.
fn logged_in(out: &Value) -> bool {
    out["ops"].as_array().into_iter().flatten().any(|op| {
        op["request"]["url"]
            .as_str()
            .is_some_and(|u| u.contains("/profile/portrait_get?") && u.contains("tinyid="))
    })
}

fn im_event(out: &Value, tag: &str) -> Value {
    out["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["detail"])
        .find(|d| d["tag"] == tag)
        .unwrap_or_else(|| panic!("no {tag} in {out}"))
        .clone()
}

#[test]
fn a_good_body_is_parsed_once_by_the_core() {
    let body = r#"{"ActionStatus":"OK","ErrorCode":0,"TinyId":144115212345678901,"A2Key":"a2 😀"}"#;
    let out = same_as_json_input(body, serde_json::from_str(body).unwrap());
    assert!(logged_in(&out), "{out}");
}

#[test]
fn a_malformed_body_is_what_datatype_json_leaves_a_string() {
    for body in ["", "{", "not json", "{\"ActionStatus\":\"OK\",}", "[1, 2"] {
        let out = same_as_json_input(body, Value::String(body.into()));
        let login = im_event(&out, "login_event");
        assert_eq!(login["code"], -2, "{body:?}: {out}");
        assert_eq!(login["detail"]["ErrorInfo"], "HTTP 200 without a JSON body");
    }
}

#[test]
fn an_oversized_body_is_a_failed_request_not_parsed() {
    let (mut room, _, id) = rooms();
    let body = format!(
        r#"{{"ActionStatus":"OK","TinyId":1,"A2Key":"{}"}}"#,
        "x".repeat(MAX_REPLY_BYTES)
    );
    let out = outputs(&handle_text(&mut room, NOW, &format!("{id} 200 {body}")));
    let login = im_event(&out, "login_event");
    assert_eq!(login["code"], -2);
    assert!(login["detail"]["ErrorInfo"]
        .as_str()
        .unwrap()
        .contains("over 1 MiB"));
    // exactly at the bound it is still read
    let (mut room, _, id) = rooms();
    let pad = MAX_REPLY_BYTES - r#"{"ActionStatus":"OK","TinyId":1,"A2Key":""}"#.len();
    let body = format!(
        r#"{{"ActionStatus":"OK","TinyId":1,"A2Key":"{}"}}"#,
        "x".repeat(pad)
    );
    assert_eq!(body.len(), MAX_REPLY_BYTES);
    let out = outputs(&handle_text(&mut room, NOW, &format!("{id} 200 {body}")));
    assert!(logged_in(&out));
}

#[test]
fn a_bad_header_is_a_bad_input_not_a_reply() {
    let (mut room, _, id) = rooms();
    for input in [
        format!("{id}"),
        format!("{id} 200"),
        format!("{id} x {{}}"),
        "4294967296 200 {}".to_string(),
        format!("-{id} 200 {{}}"),
    ] {
        let out = outputs(&handle_text(&mut room, NOW, &input));
        let warning = &out["events"][0]["detail"];
        assert_eq!(warning["tag"], "warning", "{input:?}: {out}");
        assert_eq!(warning["code"], -1);
    }
    // the login is still pending: a good reply afterwards logs in
    let out = outputs(&handle_text(
        &mut room,
        NOW,
        &format!(r#"{id} 200 {{"ActionStatus":"OK","TinyId":1,"A2Key":"k"}}"#),
    ));
    assert!(logged_in(&out));
}

#[test]
fn json_inputs_still_go_through_handle_text() {
    let (mut room, _, _) = rooms();
    let out = outputs(&handle_text(&mut room, NOW, r#"{"call":"nope"}"#));
    assert_eq!(out["events"][0]["detail"]["tag"], "warning");
}

/// `<id> <status> ` and the body as bytes gives the outputs of the same body as text.
fn same_as_text(body: &[u8], text: &str) -> Value {
    let (mut bytes_room, mut text_room, id) = rooms();
    let by_bytes = handle_bytes(
        &mut bytes_room,
        NOW,
        &[format!("{id} 200 ").as_bytes(), body].concat(),
    );
    let by_text = handle_text(&mut text_room, NOW, &format!("{id} 200 {text}"));
    assert_eq!(by_bytes, by_text, "body {body:?}");
    outputs(&by_bytes)
}

#[test]
fn a_body_as_bytes_gives_the_outputs_of_the_text() {
    let good =
        r#"{"ActionStatus":"OK","ErrorCode":0,"TinyId":144115212345678901,"A2Key":"a2 张三 😀"}"#;
    assert!(logged_in(&same_as_text(good.as_bytes(), good)));
    for body in ["", "{", "not json", "<html>502</html>"] {
        let out = same_as_text(body.as_bytes(), body);
        assert_eq!(im_event(&out, "login_event")["code"], -2, "{body:?}: {out}");
    }
}

/// The reply's outputs for `body`, after `<id> <status> ` as bytes.
fn reply_bytes(body: &[u8]) -> Value {
    let (mut room, _, id) = rooms();
    outputs(&handle_bytes(
        &mut room,
        NOW,
        &[format!("{id} 200 ").as_bytes(), body].concat(),
    ))
}

fn error_info(out: &Value) -> String {
    let login = im_event(out, "login_event");
    assert_eq!(login["code"], -2, "{out}");
    login["detail"]["ErrorInfo"].as_str().unwrap().to_string()
}

#[test]
fn a_body_that_is_not_utf8_is_a_failed_request() {
    // a lone continuation byte, a cut 3-byte sequence, an encoded surrogate, an overlong, 0xFF,
    // a cut sequence at the very end: each inside an otherwise good login answer
    let good = br#"{"ActionStatus":"OK","ErrorCode":0,"TinyId":7,"A2Key":"a"#;
    for bad in [
        &b"\x80"[..],
        b"\xe4\xb8c",
        b"\xed\xa0\x80",
        b"\xc0\xaf",
        b"\xf4\x90\x80\x80",
        b"\xff",
    ] {
        let body = [&good[..], bad, br#""}"#].concat();
        let info = error_info(&reply_bytes(&body));
        assert!(info.contains("not UTF-8"), "{bad:x?}: {info}");
    }
    let info = error_info(&reply_bytes(&[&good[..], b"\xe4\xb8"].concat()));
    assert!(info.contains("not UTF-8"), "{info}");
    // and a body that is not UTF-8 at all
    assert!(error_info(&reply_bytes(b"\xff\xfe{\x00")).contains("not UTF-8"));
    // as for any failed request, the room lives on: a good answer to the next login logs in
    let (mut room, _, id) = rooms();
    handle_bytes(
        &mut room,
        NOW,
        &[format!("{id} 200 ").as_bytes(), b"\xff"].concat(),
    );
    handle_json(&mut room, NOW, r#"{"call":"stop"}"#);
    let login = login_request(&outputs(&handle_json(
        &mut room,
        NOW,
        r#"{"call":"start"}"#,
    )));
    assert!(good_login_logs_in(&mut room, login));
}

#[test]
fn other_input_that_is_not_utf8_is_a_bad_input() {
    let (mut room, _, id) = rooms();
    for input in [
        &b"{\"call\":\"stop\xff\"}"[..],
        b"\xff",
        // a reply's header must be whole: `<id> <status> ` before the first invalid byte
        &[format!("{id} 2").as_bytes(), b"\xc3"].concat(),
        &[format!("{id}").as_bytes(), b"\xa0200 {}"].concat(),
    ] {
        let out = outputs(&handle_bytes(&mut room, NOW, input));
        let warning = &out["events"][0]["detail"];
        assert_eq!(warning["tag"], "warning", "{input:x?}: {out}");
        assert_eq!(warning["code"], -1);
        assert!(
            warning["detail"].as_str().unwrap().contains("not UTF-8"),
            "{out}"
        );
    }
    // the login request is still pending: its answer logs in
    assert!(good_login_logs_in(&mut room, id));
}

#[test]
fn an_oversized_body_as_bytes_is_a_failed_request() {
    let body = vec![b'x'; MAX_REPLY_BYTES + 1];
    assert!(error_info(&reply_bytes(&body)).contains("over 1 MiB"));
    // exactly at the bound it is read
    let pad = MAX_REPLY_BYTES - r#"{"ActionStatus":"OK","TinyId":1,"A2Key":""}"#.len();
    let body = format!(
        r#"{{"ActionStatus":"OK","TinyId":1,"A2Key":"{}"}}"#,
        "x".repeat(pad)
    );
    assert!(logged_in(&reply_bytes(body.as_bytes())));
}

/// The answer with `body` and then `header` (`<id> <status>`), as the shim sends bytes.
fn split(room: &mut Room, body: &[u8], header: &str) -> String {
    let input = [body, header.as_bytes()].concat();
    handle_split(room, NOW, input, body.len())
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
                    "logged in" => assert!(logged_in(&outputs(&by_split)), "{by_split}"),
                    _ => {
                        let info = error_info(&outputs(&by_split));
                        assert!(info.contains(what), "{what}: {by_split}")
                    }
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
    assert!(logged_in(&outputs(&split(
        &mut room,
        body,
        &format!("{id} 200")
    ))));
}
