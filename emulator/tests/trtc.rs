//! The media API with today's TRTC pusher URLs: usersig / privatemapkey checks, 1031-1034 between
//! members, streams turned on and off, trtc play URLs.

use emulator::Config;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use usersig::v2::{Room, Signer};

const APP: u32 = 1_400_000_321;
const KEY: &str = "emulator-trtc-test-secret-0123456789";

async fn start() -> String {
    let mut cfg = Config::new(APP, KEY);
    cfg.media_hold = Duration::from_millis(300);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(emulator::serve(listener, cfg, std::future::pending()));
    addr
}

async fn http(addr: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw))
        .await
        .expect("reply within 10 s")
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let status: u16 = raw[9..12].parse().unwrap();
    let (_, body) = raw.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn signer() -> Signer {
    Signer::new(APP, KEY)
}

fn url(room: &str, user: &str, sig: &str, pmk: &str) -> String {
    format!(
        "room://cloud.tencent.com/rtc?sdkappid={APP}&{room}&userid={}&usersig={}&appscene=videocall&privatemapkey={}&recvmode=1",
        enc(user),
        enc(sig),
        enc(pmk)
    )
}

async fn push(addr: &str, url: &str) -> (u16, Value) {
    http(addr, "POST", "/media/push", Some(&json!({ "url": url }))).await
}

async fn enter(addr: &str, room: &str, user: &str) -> String {
    let sig = signer().gen_user_sig(user, 3600, usersig::unix_now());
    let (status, v) = push(addr, &url(room, user, &sig, "")).await;
    assert_eq!(status, 200, "{v}");
    v["session"].as_str().unwrap().to_string()
}

/// Every event until one poll comes back empty.
async fn events(addr: &str, session: &str) -> Vec<(i64, Value)> {
    let mut all = Vec::new();
    loop {
        let (status, v) = http(
            addr,
            "GET",
            &format!("/media/events?session={session}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{v}");
        let evs = v["events"].as_array().unwrap().clone();
        if evs.is_empty() {
            return all;
        }
        for ev in evs {
            let message = ev["message"].as_str().unwrap_or("");
            let list = serde_json::from_str::<Value>(message)
                .map(|m| m["userlist"].clone())
                .unwrap_or(Value::Null);
            all.push((ev["code"].as_i64().unwrap(), list));
        }
    }
}

async fn playing(addr: &str, session: &str, user: &str, stream: &str) -> bool {
    let src = format!(
        "room://cloud.tencent.com/rtc?userid={}&streamtype={stream}",
        enc(user)
    );
    let path = format!("/media/play?src={}&session={session}", enc(&src));
    http(addr, "GET", &path, None).await.0 == 200
}

#[tokio::test]
async fn members_are_told_with_1031_to_1034_and_streams_play() {
    let addr = start().await;
    let a = enter(&addr, "roomid=77", "alice").await;
    assert_eq!(events(&addr, &a).await, vec![(1018, Value::Null)]);
    let b = enter(&addr, "roomid=77", "bob").await;
    let main = |u: &str, on: bool| {
        json!([{"userid": u, "streamtype": "main", "hasvideo": on,
                "playurl": format!("room://cloud.tencent.com/rtc?userid={u}&streamtype=main")}])
    };
    let audio = |u: &str, on: bool| {
        json!([{"userid": u, "hasaudio": on,
                "playurl": format!("room://cloud.tencent.com/rtc?userid={u}&streamtype=main")}])
    };
    for (me, other) in [(&a, "bob"), (&b, "alice")] {
        let evs = events(&addr, me).await;
        let evs: Vec<_> = evs.into_iter().filter(|(c, _)| *c != 1018).collect();
        assert_eq!(
            evs,
            vec![
                (1031, json!([{ "userid": other }])),
                (1033, main(other, true)),
                (1034, audio(other, true)),
            ]
        );
    }
    assert!(playing(&addr, &a, "bob", "main").await);
    assert!(!playing(&addr, &a, "bob", "aux").await);

    // bob shares his screen, then turns the camera off.
    let share = json!({"session": b, "stream": "aux", "on": true});
    assert_eq!(
        http(&addr, "POST", "/media/stream", Some(&share)).await.0,
        200
    );
    let evs = events(&addr, &a).await;
    assert_eq!(evs[0].0, 1033);
    assert_eq!(evs[0].1[0]["streamtype"], "aux");
    assert_eq!(evs[0].1[0]["hasvideo"], true);
    assert!(playing(&addr, &a, "bob", "aux").await);
    assert!(
        events(&addr, &b).await.is_empty(),
        "bob is not told about himself"
    );
    let off = json!({"session": b, "stream": "main", "on": false});
    http(&addr, "POST", "/media/stream", Some(&off)).await;
    assert_eq!(events(&addr, &a).await, vec![(1033, main("bob", false))]);

    // bob leaves: 1032.
    http(&addr, "POST", "/media/stop", Some(&json!({"session": b}))).await;
    assert_eq!(
        events(&addr, &a).await,
        vec![(1032, json!([{"userid": "bob"}]))]
    );
    assert!(!playing(&addr, &a, "bob", "main").await);

    // A 2019 pusher in room 77 is not in the trtc room 77.
    let (status, _) = http(&addr, "GET", "/media/play?src=x", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_usersig_or_privatemapkey_is_refused_with_minus_100018() {
    let addr = start().await;
    let forged = Signer::new(APP, "not-the-key").gen_user_sig("mallory", 3600, usersig::unix_now());
    let (status, v) = push(&addr, &url("roomid=5", "mallory", &forged, "")).await;
    assert_eq!(status, 403);
    assert_eq!(v["error"], "bad_usersig");
    assert_eq!(v["event"]["code"], -100018);
    // Somebody else's userSig.
    let other = signer().gen_user_sig("eve", 3600, usersig::unix_now());
    assert_eq!(
        push(&addr, &url("roomid=5", "mallory", &other, "")).await.0,
        403
    );

    let now = usersig::unix_now();
    let sig = signer().gen_user_sig("carol", 3600, now);
    let pmk_other_room = signer()
        .gen_private_map_key("carol", 3600, 6, 255, now)
        .unwrap();
    let (status, v) = push(&addr, &url("roomid=5", "carol", &sig, &pmk_other_room)).await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(v["event"]["code"], -100018);
    let pmk = signer()
        .gen_private_map_key("carol", 3600, 5, 255, now)
        .unwrap();
    assert_eq!(
        push(&addr, &url("roomid=5", "carol", &sig, &pmk)).await.0,
        200
    );

    // String rooms: the privatemapkey names the string room.
    let pmk = signer()
        .gen_private_map_key_for("carol", 3600, Room::Str("class-7".into()), 255, now)
        .unwrap();
    let (status, v) = push(&addr, &url("strroomid=class-7", "carol", &sig, &pmk)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        push(&addr, &url("strroomid=class-8", "carol", &sig, &pmk))
            .await
            .0,
        403
    );
    assert_eq!(
        push(&addr, &url("roomid=0", "carol", &sig, "")).await.0,
        400
    );
}
