//! The core alone on the IM hot path: a big-group long-poll reply of N messages (70 % short
//! Chinese + emoji text, 20 % custom with a 100-byte `data`, 10 % join/quit tips) goes in as the
//! shim hands it over, the outputs come out as the wasm build gives them (text, the messages in
//! tapes: `Room::keep_message_tapes`). Prints time per batch and per message
//! (median and p95 of many samples: the machine is shared, so single runs are noise).
//!
//!   cargo bench -p webrtc-room-core --bench im_batch            (BENCH_SAMPLES=n to change)
//!
//! Instructions per message, independent of the machine's load: run the bench binary under
//! `valgrind --tool=callgrind` with BENCH_SAMPLES=1 and divide the inclusive cost of
//! `im_batch::text_reply` (or `webrtc_room_core::handle_json`) by the 4,500 messages it saw.

use std::time::Instant;

use serde_json::{json, Value};
use webrtc_room_core::{handle_json, handle_reply, handle_split, Room};

const NOW: f64 = 1_700_000_000_000.0;

fn send(room: &mut Room, input: Value) -> Value {
    serde_json::from_str(&handle_json(room, NOW, &input.to_string())).expect("outputs are JSON")
}

/// The id of the request whose URL contains `path`.
fn request_id(out: &Value, path: &str) -> u32 {
    requests(out)
        .into_iter()
        .find(|(_, url)| url.contains(path))
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("no {path} request in {out}"))
}

fn requests(out: &Value) -> Vec<(u32, String)> {
    out["ops"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|op| op.get("request"))
        .map(|r| {
            let id = r["id"].as_u64().unwrap_or(0) as u32;
            (id, r["url"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

/// A room logged in to IM with the big-group poll pending; returns the poll's request id. Every
/// call on the way (login, profile, create, join, poll id) gets one OK answer carrying what any
/// of them needs; the C2C long poll is left pending.
fn online(room: &mut Room) -> u32 {
    send(
        room,
        json!({"props": {"roomID": 1234, "userID": "u-self", "userSig": "sig", "sdkAppID": 1400000000, "enableIM": true}}),
    );
    let answer = json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "",
        "TinyId": 144115212345678901u64, "A2Key": "a2", "JoinedStatus": "JoinedSuccess",
        "LongPollingKey": "key-1", "LongPollingId": "lp-1", "UserProfileItem": []});
    let mut pending = requests(&send(room, json!({"call": "start"})));
    for _ in 0..50 {
        if let Some((id, _)) = pending.iter().find(|(_, url)| url.contains("/get_msg")) {
            return *id;
        }
        let Some(at) = pending
            .iter()
            .position(|(_, url)| !url.contains("/longpolling?"))
        else {
            break;
        };
        let (id, _) = pending.remove(at);
        let out = send(
            room,
            json!({"reply": {"id": id, "status": 200, "data": answer}}),
        );
        pending.extend(requests(&out));
    }
    panic!("IM did not come online: {pending:?}")
}

const TEXTS: [&str; 6] = [
    "主播好厉害 😀",
    "哈哈哈哈🎉🎉",
    "来了来了",
    "这首歌叫什么名字？",
    "666 👍",
    "晚上好，大家好 🌸",
];

/// The long-poll reply of `n` messages, as the server sends it (same recipe as tools/bench.js).
pub fn batch(n: usize, first_seq: u64) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let seq = first_seq + i as u64;
            let from = format!("user{}", i % 37);
            let common = |event: u32, body: Value| {
                json!({"Event": event, "From_Account": from, "ToGroupId": "1234", "MsgSeq": seq,
                       "MsgRandom": 100_000 + seq * 7919 % 900_000, "MsgTimeStamp": 1_700_000_000 + seq,
                       "MsgPriority": "COMMON", "IsPlaceMsg": 0,
                       "GroupInfo": {"GroupName": "1234", "From_AccountNick": format!("观众{}", i % 37)},
                       "MsgBody": body})
            };
            match i % 10 {
                0..=6 => common(
                    3,
                    json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": TEXTS[i % TEXTS.len()]}}]),
                ),
                7 | 8 => {
                    let data = format!("{{\"cmd\":\"gift\",\"id\":{i},\"pad\":\"{}\"}}", "x".repeat(70));
                    let data = format!("{data:.100}");
                    common(
                        3,
                        json!([{"MsgType": "TIMCustomElem", "MsgContent": {"Data": data, "Desc": "", "Ext": ""}}]),
                    )
                }
                _ => common(
                    4,
                    json!({"OpType": if i % 20 == 9 { 1 } else { 2 }, "Operator_Account": from,
                           "GroupId": "1234", "UserIdList": [from]}),
                ),
            }
        })
        .collect();
    let next = first_seq + n as u64;
    json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "NextSeq": next, "HoldTime": 90,
           "Key": format!("key-{next}"), "RspMsgList": items})
}

/// Not inlined, so an instruction profile (`valgrind --tool=callgrind`) can name the text path.
#[inline(never)]
fn text_reply(room: &mut Room, poll: u32, body: &str) -> String {
    handle_reply(room, NOW, poll, 200, body)
}

/// The same for a reply as the wasm export gets it (`AS_BYTES=1`): the body's bytes, then the
/// header from byte `body` on.
#[inline(never)]
fn bytes_reply(room: &mut Room, input: Vec<u8>, body: usize) -> String {
    handle_split(room, NOW, input, body)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((q * sorted.len() as f64) as usize).min(sorted.len() - 1)]
}

fn main() {
    let samples: usize = std::env::var("BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    println!("core alone: big-group reply text in -> outputs text out ({samples} samples each)");
    println!("  text:  the body as wx.request's dataType 'text' hands it (what the shim sends)");
    println!("  input: wrapped in a {{\"reply\": {{\"id\", \"status\", \"data\"}}}} JSON input");
    println!("path   messages  input bytes  output bytes  median µs  p95 µs  median µs/msg");
    // BENCH_SIZES=1,5 for other batch sizes (a quiet room's replies: the per-reply cost)
    // AS_BYTES=1: the "text" path as the wasm export gets it, the body's bytes and then
    // `<id> 200` (its UTF-8 check and header included)
    let as_bytes = std::env::var("AS_BYTES").is_ok();
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![50, 200, 500]);
    for (path, n) in sizes.into_iter().flat_map(|n| [("text", n), ("input", n)]) {
        let mut room = Room::new();
        let mut poll = online(&mut room);
        // messages as the wasm build gives them: tapes, not JSON
        room.keep_message_tapes();
        let mut seq = 1u64;
        let mut times = Vec::with_capacity(samples);
        let mut sizes = (0, 0);
        for round in 0..samples + 5 {
            let reply = batch(n, seq).to_string();
            let body = reply.len();
            seq += n as u64;
            let input = match path {
                "text" if as_bytes => format!("{reply}{poll} 200"),
                "text" => reply,
                _ => format!(r#"{{"reply":{{"id":{poll},"status":200,"data":{reply}}}}}"#),
            };
            let input_len = input.len();
            let t0 = Instant::now();
            let out = match path {
                "text" if as_bytes => bytes_reply(&mut room, input.into_bytes(), body),
                "text" => text_reply(&mut room, poll, &input),
                _ => handle_json(&mut room, NOW, &input),
            };
            let dt = t0.elapsed().as_secs_f64() * 1e6;
            if round >= 5 {
                times.push(dt); // the first rounds warm caches and the allocator
            }
            sizes = (input_len, out.len());
            let out: Value = serde_json::from_str(&out).expect("outputs are JSON");
            assert!(
                out.to_string().contains("big_group_msg_notify"),
                "the batch was delivered"
            );
            let event = out["events"].as_array().into_iter().flatten();
            let words = event
                .filter(|e| e["detail"]["tag"] == "big_group_msg_notify")
                .map(|e| e["detail"]["detail"][1].as_u64().unwrap_or(0))
                .sum::<u64>();
            assert!(words >= 30 * n as u64, "its tape has the messages");
            poll = request_id(&out, "/get_msg");
        }
        times.sort_by(f64::total_cmp);
        let median = percentile(&times, 0.5);
        println!(
            "{path:<5}  {n:>8}  {:>11}  {:>12}  {median:>9.1}  {:>6.1}  {:>13.2}",
            sizes.0,
            sizes.1,
            percentile(&times, 0.95),
            median / n as f64
        );
    }
}
