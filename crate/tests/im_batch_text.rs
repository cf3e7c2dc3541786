//! A big-group long-poll batch handed over as text is read borrowed (`json::Val`) and its messages
//! written straight out as text: exactly the outputs of the same reply given as a JSON input
//! (whose list goes through the owned values first), on random batches with escaped strings,
//! repeated keys and odd field types.

mod support;

use proptest::prelude::*;
use serde_json::{json, Value};
use webrtc_room_core::{handle_json, handle_text, Room};

const NOW: f64 = 1_700_000_000_000.0;

fn requests(out: &str) -> Vec<(u64, String)> {
    let out: Value = serde_json::from_str(out).expect("outputs are JSON");
    out["ops"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|op| op.get("request"))
        .map(|r| (r["id"].as_u64().unwrap(), r["url"].as_str().unwrap().into()))
        .collect()
}

/// A room logged in to IM with its big-group poll pending; the poll's request id.
fn online() -> (Room, u64) {
    let mut room = Room::new();
    let props = json!({"props": {"roomID": 1234, "userID": "u-self", "userSig": "sig", "sdkAppID": 1400000000, "enableIM": true}});
    handle_json(&mut room, NOW, &props.to_string());
    let answer = json!({"ActionStatus": "OK", "ErrorCode": 0, "TinyId": 1, "A2Key": "a2",
        "JoinedStatus": "JoinedSuccess", "LongPollingKey": "k", "LongPollingId": "lp", "UserProfileItem": []});
    let mut pending = requests(&handle_json(&mut room, NOW, r#"{"call":"start"}"#));
    while let Some(at) = pending
        .iter()
        .position(|(_, url)| !url.contains("/longpolling?") && !url.contains("/get_msg"))
    {
        let (id, _) = pending.remove(at);
        let reply = json!({"reply": {"id": id, "status": 200, "data": answer}});
        pending.extend(requests(&handle_json(&mut room, NOW, &reply.to_string())));
    }
    let poll = pending.iter().find(|(_, url)| url.contains("/get_msg"));
    (room, poll.expect("the big-group poll is pending").0)
}

/// The outputs of `body` as text (what the shim sends) and as a JSON reply input; asserts they
/// are the same and returns them.
fn both_ways(body: &str) -> Value {
    let (mut text_room, poll) = online();
    let (mut json_room, json_poll) = online();
    assert_eq!(poll, json_poll);
    let by_text = handle_text(&mut text_room, NOW, &format!("{poll} 200 {body}"));
    let input = format!(r#"{{"reply":{{"id":{poll},"status":200,"data":{body}}}}}"#);
    let by_json = handle_json(&mut json_room, NOW, &input);
    assert_eq!(by_text, by_json, "body {body}");
    serde_json::from_str(&by_text).unwrap()
}

fn batch_messages(out: &Value) -> Vec<Value> {
    let mut out = out.clone();
    support::messages_as_pages_get_them(&mut out);
    let events = out["events"].as_array().cloned().unwrap_or_default();
    events
        .iter()
        .map(|e| &e["detail"])
        .filter(|d| d["tag"] == "big_group_msg_notify")
        .flat_map(|d| d["detail"].as_array().cloned().unwrap())
        .collect()
}

#[test]
fn escaped_text_and_repeated_keys_read_as_json_parse_reads_them() {
    let body = r#"{"ActionStatus":"OK","ErrorCode":0,"NextSeq":9,"RspMsgList":[
        {"Event":3,"From_Account":"dup","Fr\u006fm_Account":"\u5f20\u4e09","ToGroupId":"1234","MsgSeq":8,
         "GroupInfo":{"From_AccountNick":"say \"hi\"\/"},
         "MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"\ud83d\ude00 \ud800 a\\b"}}]},
        {"Event":4,"From_Account":"bob","ToGroupId":"1234","MsgBody":{"OpType":1,"Operator_Account":"bob","List_Account":["bob"],"MemberNum":3}}
    ]}"#;
    let msgs = batch_messages(&both_ways(body));
    assert_eq!(msgs.len(), 2);
    // reverse reply order, as 2019
    assert_eq!(msgs[0]["elems"][0]["type"], "TIMGroupTipElem");
    assert_eq!(msgs[0]["elems"][0]["content"]["userIdList"], json!(["bob"]));
    assert_eq!(msgs[0]["elems"][0]["content"]["groupMemberNum"], 3);
    assert_eq!(
        msgs[1]["fromAccount"], "张三",
        "the repeated key's last value"
    );
    assert_eq!(msgs[1]["fromAccountNick"], "say \"hi\"/");
    assert_eq!(
        msgs[1]["elems"][0]["content"]["text"], "😀 \u{FFFD} a\\b",
        "a lone surrogate escape is U+FFFD"
    );
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..5).prop_map(Value::from),
        Just(json!(1.5)),
        Just(json!(12345678901234567u64)),
        "[a-z\"\\\\/ 张😀\u{7f}\u{2028}]{0,6}".prop_map(Value::from),
        Just(json!("u-self")),
        Just(json!("3")),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[A-Za-z_]{1,8}", inner), 0..3)
                .prop_map(|f| Value::Object(f.into_iter().collect())),
        ]
    })
}

fn element() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        Just(json!("TIMTextElem")),
        Just(json!("TIMFaceElem")),
        Just(json!("TIMCustomElem")),
        Just(json!("TIMTextElem ")),
        Just(json!("TIMImageElem")),
        scalar(),
    ];
    let content = prop_oneof![
        scalar().prop_map(|t| json!({"Text": t})),
        (scalar(), scalar()).prop_map(|(i, d)| json!({"Index": i, "Data": d})),
        (scalar(), scalar(), scalar())
            .prop_map(|(d, e, x)| json!({"Data": d, "Desc": e, "Ext": x})),
        value(),
    ];
    (kind, content).prop_map(|(k, c)| json!({"MsgType": k, "MsgContent": c}))
}

fn tip() -> impl Strategy<Value = Value> {
    (1i64..9, scalar(), value(), scalar(), value(), value()).prop_map(
        |(op, who, users, n, info, members)| {
            json!({"OpType": op, "Operator_Account": who, "List_Account": users, "MemberNum": n,
               "MsgGroupNewInfo": info, "MsgMemberInfo": members})
        },
    )
}

fn item() -> impl Strategy<Value = Value> {
    let event = prop_oneof![
        Just(json!(3)),
        Just(json!(4)),
        Just(json!(5)),
        Just(json!(6)),
        Just(json!("3")),
        scalar()
    ];
    let from = prop_oneof![
        Just(json!("alice")),
        Just(json!("u-self")),
        Just(json!("")),
        scalar()
    ];
    let body = prop_oneof![
        prop::collection::vec(element(), 0..3).prop_map(Value::Array),
        tip(),
        value()
    ];
    (event, from, scalar(), scalar(), body, scalar(), value(), scalar())
        .prop_map(|(event, from, group, seq, body, prio, info, place)| {
            json!({"Event": event, "From_Account": from, "ToGroupId": group, "MsgSeq": seq, "MsgRandom": 7,
                   "MsgTimeStamp": 1700000000, "MsgPriority": prio, "GroupInfo": info, "IsPlaceMsg": place,
                   "MsgBody": body})
        })
}

/// Some JSON texts escape every non-ASCII char and '/', some repeat a key: both readers must agree.
fn disguise(text: &str, escape: bool, repeat: bool) -> String {
    let mut text: String = if escape {
        text.chars()
            .map(|c| match c {
                '/' => "\\/".to_string(),
                c if !c.is_ascii() => c
                    .encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect(),
                c => c.to_string(),
            })
            .collect()
    } else {
        text.to_string()
    };
    if repeat {
        text = text.replacen(
            r#""From_Account":"#,
            r#""From_Account":"first","From_Account":"#,
            1,
        );
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn a_batch_as_text_gives_what_the_json_input_gives(
        items in prop::collection::vec(item(), 0..6),
        status in prop_oneof![Just("OK"), Just("FAIL")],
        escape in any::<bool>(),
        repeat in any::<bool>(),
    ) {
        let reply = json!({"ActionStatus": status, "ErrorCode": 0, "NextSeq": 5, "Key": "k2", "RspMsgList": items});
        both_ways(&disguise(&reply.to_string(), escape, repeat));
    }
}
