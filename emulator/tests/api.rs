//! The emulator in-process on an ephemeral loopback port, called over real HTTP.

use emulator::{play_url, Config};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use usersig::v2::Signer;

const APP: u32 = 1_400_000_123;
const KEY: &str = "emulator-test-secret-0123456789";
const ROOM: u32 = 4321;

struct Emu {
    addr: String,
    signer: Signer,
}

async fn start() -> Emu {
    let mut cfg = Config::new(APP, KEY);
    cfg.im_hold = Duration::from_millis(600);
    cfg.media_hold = Duration::from_millis(600);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(emulator::serve(listener, cfg, std::future::pending()));
    Emu {
        addr,
        signer: Signer::new(APP, KEY),
    }
}

/// One HTTP/1.1 request (Connection: close); the status and the JSON body.
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

impl Emu {
    fn sig(&self, user: &str) -> String {
        self.signer.gen_user_sig(user, 3600, usersig::unix_now())
    }

    async fn room_sig(&self, user: &str, user_sig: &str, pmk: &str) -> Value {
        let path = format!(
            "/v4/openim/jsonvideoapp?sdkappid={APP}&identifier={}&usersig={}&random=1700000000123&contenttype=json",
            enc(user),
            enc(user_sig)
        );
        let body = json!({
            "ReqHead": {"Cmd": 1, "SeqNo": 1, "BusType": 7, "GroupId": ROOM},
            "ReqBody": {"PrivMapEncrypt": pmk, "TerminalType": 1, "FromType": 3, "SdkVersion": 26280566}
        });
        let (status, v) = http(&self.addr, "POST", &path, Some(&body)).await;
        assert_eq!(status, 200);
        v
    }

    /// The pusher URL the component would build from a successful signature reply.
    async fn pusher_url(&self, user: &str) -> String {
        let v = self.room_sig(user, &self.sig(user), "").await;
        assert_eq!(v["RspHead"]["ErrorCode"], 0, "{v}");
        let roomsig = v["RspBody"].to_string();
        format!(
            "room://cloud.tencent.com?sdkappid={APP}&roomid={ROOM}&userid={}&roomsig={}",
            enc(user),
            enc(&roomsig)
        )
    }

    async fn push(&self, user: &str) -> String {
        let url = self.pusher_url(user).await;
        let (status, v) = http(
            &self.addr,
            "POST",
            "/media/push",
            Some(&json!({"url": url})),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        v["session"].as_str().unwrap().to_string()
    }

    async fn events(&self, session: &str) -> (Vec<Value>, bool) {
        let (status, v) = http(
            &self.addr,
            "GET",
            &format!("/media/events?session={session}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{v}");
        (v["events"].as_array().unwrap().clone(), v["ended"] == true)
    }

    async fn playing(&self, user: &str) -> bool {
        let src = play_url(APP, ROOM, user);
        let (status, v) = http(
            &self.addr,
            "GET",
            &format!("/media/play?src={}", enc(&src)),
            None,
        )
        .await;
        assert_eq!(status == 200, v["playing"] == true, "{v}");
        status == 200
    }
}

fn userlist(ev: &Value) -> Vec<(String, String)> {
    assert_eq!(ev["code"], 1020, "{ev}");
    let m: Value = serde_json::from_str(ev["message"].as_str().unwrap()).unwrap();
    m["userlist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["userid"].as_str().unwrap().into(),
                u["playurl"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn room_signature_accepted_and_refused() {
    let emu = start().await;
    let now = usersig::unix_now();
    let ok = emu.room_sig("alice", &emu.sig("alice"), "").await;
    assert_eq!(ok["RspHead"]["ErrorCode"], 0);
    assert!(ok.get("ErrorCode").is_none());
    let ticket = ok["RspBody"]["RoomSig"].as_str().unwrap();
    assert!(
        emu.signer.verify(ticket, "alice", now).is_err(),
        "the ticket is not signed with the app key (it is not a privateMapKey)"
    );

    let pmk = emu
        .signer
        .gen_private_map_key("alice", 600, ROOM, 255, now)
        .unwrap();
    let with_pmk = emu.room_sig("alice", &emu.sig("alice"), &pmk).await;
    assert_eq!(with_pmk["RspHead"]["ErrorCode"], 0, "{with_pmk}");

    let forged = Signer::new(APP, "not-the-key").gen_user_sig("alice", 3600, now);
    let expired = emu.signer.gen_user_sig("alice", 10, now - 100);
    let other_room = emu
        .signer
        .gen_private_map_key("alice", 600, ROOM + 1, 255, now)
        .unwrap();
    let cases: [(&str, String, &str, i64); 6] = [
        ("forged", forged, "", 70009),
        ("expired", expired, "", 70001),
        ("another user's", emu.sig("bob"), "", 70013),
        ("garbage", "abc".into(), "", 70003),
        ("empty", String::new(), "", 70002),
        ("pmk of another room", emu.sig("alice"), &other_room, 70009),
    ];
    for (what, sig, pmk, code) in cases {
        let v = emu.room_sig("alice", &sig, pmk).await;
        assert_eq!(v["ErrorCode"], code, "{what}: {v}");
        assert!(
            v["ErrorInfo"].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: {v}"
        );
        assert!(v.get("RspBody").is_none(), "{what}: {v}");
    }

    // Shape checks.
    let path = format!(
        "/v4/openim/jsonvideoapp?sdkappid={APP}&identifier=alice&usersig={}&random=1&contenttype=json",
        enc(&emu.sig("alice"))
    );
    let bad =
        json!({"ReqHead": {"Cmd": 2, "SeqNo": 1, "BusType": 7, "GroupId": ROOM}, "ReqBody": {}});
    let (_, v) = http(&emu.addr, "POST", &path, Some(&bad)).await;
    assert_eq!(v["ErrorCode"], 70402, "{v}");
    let (_, v) = http(
        &emu.addr,
        "POST",
        &path.replace("&random=1", ""),
        Some(&bad),
    )
    .await;
    assert_eq!(v["ErrorCode"], 70402, "{v}");
    let (_, v) = http(
        &emu.addr,
        "POST",
        &path.replace(&APP.to_string(), "1400000999"),
        Some(&bad),
    )
    .await;
    assert_eq!(v["ErrorCode"], 70020, "{v}");
}

#[tokio::test]
async fn membership_events_play_and_kick() {
    let emu = start().await;
    let a = emu.push("alice").await;
    assert_eq!(
        emu.events(&a).await,
        (
            vec![json!({"code": 1018, "message": "entered the room"})],
            false
        )
    );
    assert!(emu.playing("alice").await);
    assert!(!emu.playing("bob").await);

    let b = emu.push("bob").await;
    let (ev, _) = emu.events(&b).await;
    assert_eq!(ev[0]["code"], 1018);
    assert_eq!(
        userlist(&ev[1]),
        vec![("alice".to_string(), play_url(APP, ROOM, "alice"))]
    );
    let (ev, _) = emu.events(&a).await;
    assert_eq!(ev.len(), 1);
    assert_eq!(
        userlist(&ev[0]),
        vec![("bob".to_string(), play_url(APP, ROOM, "bob"))]
    );

    // Nothing new: the poll is held, then answers empty.
    let t0 = std::time::Instant::now();
    assert_eq!(emu.events(&a).await, (vec![], false));
    assert!(t0.elapsed() >= Duration::from_millis(500));

    // A waiting poll is woken by a change.
    let waiting = {
        let (addr, a) = (emu.addr.clone(), a.clone());
        tokio::spawn(async move {
            http(&addr, "GET", &format!("/media/events?session={a}"), None).await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, _) = http(
        &emu.addr,
        "POST",
        "/media/kick",
        Some(&json!({"roomid": ROOM, "userid": "bob"})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, v) = waiting.await.unwrap();
    assert_eq!(userlist(&v["events"][0]), vec![]);
    let (ev, ended) = emu.events(&b).await;
    assert_eq!((ev[0]["code"].clone(), ended), (json!(1019), true));
    let (status, _) = http(
        &emu.addr,
        "GET",
        &format!("/media/events?session={b}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "a collected ended session is gone");
    assert!(!emu.playing("bob").await);

    // A forged or misplaced roomsig is refused.
    let url = emu.pusher_url("carol").await;
    for bad in [
        url.replace("userid=carol", "userid=mallory"),
        url.replace(&format!("roomid={ROOM}"), "roomid=9"),
    ] {
        let (status, v) = http(&emu.addr, "POST", "/media/push", Some(&json!({"url": bad}))).await;
        assert_eq!(status, 403, "{v}");
    }
    let (status, _) = http(
        &emu.addr,
        "POST",
        "/media/push",
        Some(
            &json!({"url": "room://cloud.tencent.com?sdkappid=1&roomid=1&userid=x&roomsig=%7B%7D"}),
        ),
    )
    .await;
    assert_eq!(status, 400);

    let (status, _) = http(
        &emu.addr,
        "POST",
        "/media/stop",
        Some(&json!({"session": a})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(!emu.playing("alice").await);
}

struct ImClient {
    addr: String,
    auth: String,
    seq: u32,
}

impl ImClient {
    async fn login(emu: &Emu, user: &str, sig: &str) -> Result<ImClient, Value> {
        let path = format!(
            "/v4/openim/login?websdkappid=537048168&v=1.7.0&identifier={}&usersig={}&contenttype=json&sdkappid={APP}&accounttype=1&apn=1&reqtime=1&reqSeq=1",
            enc(user),
            enc(sig)
        );
        let (_, v) = http(&emu.addr, "POST", &path, Some(&json!({"State": "Online"}))).await;
        if v["ActionStatus"] != "OK" {
            return Err(v);
        }
        // As a JS client would hold TinyId: a (rounded) double.
        let tiny = v["TinyId"].as_f64().unwrap();
        Ok(ImClient {
            addr: emu.addr.clone(),
            auth: format!("tinyid={tiny}&a2={}", v["A2Key"].as_str().unwrap()),
            seq: 1,
        })
    }

    async fn call(&mut self, ver: &str, service: &str, cmd: &str, body: Value) -> Value {
        self.seq += 1;
        let path = format!(
            "/{ver}/{service}/{cmd}?websdkappid=537048168&v=1.7.0&{}&contenttype=json&sdkappid={APP}&accounttype=1&apn=1&reqtime=1&reqSeq={}",
            self.auth, self.seq
        );
        http(&self.addr, "POST", &path, Some(&body)).await.1
    }
}

#[tokio::test]
async fn im_login_groups_and_fan_out() {
    let emu = start().await;
    let forged = Signer::new(APP, "nope").gen_user_sig("alice", 3600, usersig::unix_now());
    let err = ImClient::login(&emu, "alice", &forged).await.err().unwrap();
    assert_eq!(
        (err["ActionStatus"].clone(), err["ErrorCode"].clone()),
        (json!("FAIL"), json!(70009))
    );

    let mut a = ImClient::login(&emu, "alice", &emu.sig("alice"))
        .await
        .unwrap();
    let mut b = ImClient::login(&emu, "bob", &emu.sig("bob")).await.unwrap();
    let pid = a.call("v4", "openim", "getlongpollingid", json!({})).await;
    let pid = pid["LongPollingId"].as_str().unwrap().to_string();

    let room = ROOM.to_string();
    let create = |owner: &str| {
        json!({"Type": "AVChatRoom", "Name": room, "MemberList": [], "GroupId": room,
               "Owner_Account": owner, "ApplyJoinOption": "FreeAccess"})
    };
    assert_eq!(
        a.call("v4", "group_open_http_svc", "create_group", create("alice"))
            .await["ErrorCode"],
        0
    );
    assert_eq!(
        a.call("v4", "group_open_http_svc", "create_group", create("alice"))
            .await["ErrorCode"],
        10025
    );
    assert_eq!(
        b.call("v4", "group_open_http_svc", "create_group", create("bob"))
            .await["ErrorCode"],
        10021
    );
    let mut keys = Vec::new();
    for c in [&mut a, &mut b] {
        let v = c
            .call(
                "v4",
                "group_open_http_svc",
                "apply_join_group",
                json!({"GroupId": room}),
            )
            .await;
        assert_eq!(v["JoinedStatus"], "JoinedSuccess", "{v}");
        keys.push(v["LongPollingKey"].as_str().unwrap().to_string());
    }

    // Group: A's message reaches B's big-group poll (and A's own).
    let text = "大家好 👋 mixed ✓";
    let send = json!({"GroupId": room, "From_Account": "alice", "Random": 7,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}], "MsgPriority": "COMMON"});
    let v = a
        .call("v4", "group_open_http_svc", "send_group_msg", send)
        .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    let poll = |key: &str, seq: u64| json!({"StartSeq": seq, "HoldTime": 90, "Key": key});
    let v = b
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            poll(&keys[1], 0),
        )
        .await;
    let list = v["RspMsgList"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["Event"], 3);
    assert_eq!(list[0]["From_Account"], "alice");
    assert_eq!(list[0]["ToGroupId"], room);
    assert_eq!(list[0]["MsgBody"][0]["MsgContent"]["Text"], text);
    let next = v["NextSeq"].as_u64().unwrap();
    let v = a
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            poll(&keys[0], 0),
        )
        .await;
    assert_eq!(
        v["RspMsgList"].as_array().unwrap().len(),
        1,
        "the sender's poll gets it too"
    );

    // A held group poll is woken by the next message.
    let waiting = {
        let mut b2 = ImClient {
            addr: b.addr.clone(),
            auth: b.auth.clone(),
            seq: 100,
        };
        let body = poll(&keys[1], next);
        tokio::spawn(async move {
            b2.call(
                "v1",
                "group_open_long_polling_http_noauth_svc",
                "get_msg",
                body,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let custom = json!({"GroupId": room, "From_Account": "alice", "Random": 8, "MsgPriority": "COMMON",
        "MsgBody": [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "{\"cmd\":1}", "Desc": "d", "Ext": "e"}}]});
    assert_eq!(
        a.call("v4", "group_open_http_svc", "send_group_msg", custom)
            .await["ErrorCode"],
        0
    );
    let v = waiting.await.unwrap();
    assert_eq!(
        v["RspMsgList"][0]["MsgBody"][0]["MsgContent"]["Data"], "{\"cmd\":1}",
        "{v}"
    );
    // Held without news: an OK with an empty list.
    let v = b
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            poll(&keys[1], v["NextSeq"].as_u64().unwrap()),
        )
        .await;
    assert_eq!(
        (v["ActionStatus"].clone(), v["RspMsgList"].clone()),
        (json!("OK"), json!([]))
    );

    // C2C: B → A arrives on A's long poll as Event 9.
    let c2c_poll =
        json!({"Timeout": 60, "Cookie": {"NotifySeq": 0, "NoticeSeq": 0, "LongPollingId": pid}});
    let v = a
        .call("v4", "openim", "longpolling", c2c_poll.clone())
        .await;
    assert_eq!(
        v["ErrorCode"], 60008,
        "nothing yet: hold ends with 60008: {v}"
    );
    let dm = json!({"From_Account": "bob", "To_Account": "alice", "MsgTimeStamp": 1, "MsgSeq": 5, "MsgRandom": 9,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "私信 😀"}}]});
    assert_eq!(
        b.call("v4", "openim", "sendmsg", dm).await["ActionStatus"],
        "OK"
    );
    let v = a
        .call("v4", "openim", "longpolling", c2c_poll.clone())
        .await;
    let ev = &v["EventArray"][0];
    assert_eq!(ev["Event"], 9, "{v}");
    assert_eq!(ev["C2cMsgArray"][0]["From_Account"], "bob");
    assert_eq!(
        ev["C2cMsgArray"][0]["MsgBody"][0]["MsgContent"]["Text"],
        "私信 😀"
    );
    assert!(ev["C2cMsgArray"][0]["NoticeSeq"].as_u64().is_some());

    // Not a member: refused.
    let mut c = ImClient::login(&emu, "carol", &emu.sig("carol"))
        .await
        .unwrap();
    let v = c.call("v4", "group_open_http_svc", "send_group_msg",
        json!({"GroupId": room, "From_Account": "carol", "Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]})).await;
    assert_eq!(v["ErrorCode"], 10007, "{v}");
    assert_eq!(
        c.call(
            "v4",
            "group_open_http_svc",
            "apply_join_group",
            json!({"GroupId": "nope"})
        )
        .await["ErrorCode"],
        10010
    );

    // A second login of alice kicks the first session.
    let _a2 = ImClient::login(&emu, "alice", &emu.sig("alice"))
        .await
        .unwrap();
    let v = a.call("v4", "openim", "longpolling", c2c_poll).await;
    assert_eq!(v["ErrorCode"], 91101, "{v}");
    // The big-group poll tells only when its hold is over: the 2019 SDK re-polls at once after
    // any error and does not stop for 91101, so an immediate answer would make it spin.
    let asked = std::time::Instant::now();
    let v = a
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            poll(&keys[0], 0),
        )
        .await;
    assert_eq!(v["ErrorCode"], 91101, "{v}");
    assert!(
        asked.elapsed() >= Duration::from_millis(550),
        "held for the 600 ms hold"
    );

    // Logout ends the session.
    assert_eq!(
        b.call(
            "v4",
            "openim",
            "longpollinglogout",
            json!({"LongPollingId": null})
        )
        .await["ActionStatus"],
        "OK"
    );
    assert_eq!(
        b.call("v4", "openim", "getmsg", json!({})).await["ErrorCode"],
        60004
    );
    // A big-group poll after logout (or after an emulator restart) fails when its hold is over.
    let asked = std::time::Instant::now();
    let v = b
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            poll(&keys[1], 0),
        )
        .await;
    assert_eq!(v["ErrorCode"], 60004, "{v}");
    assert!(
        asked.elapsed() >= Duration::from_millis(550),
        "held for the 600 ms hold"
    );
    // So does one with a Key that is no member's, from a live session.
    let asked = std::time::Instant::now();
    let v = c
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            poll("no-such-key", 0),
        )
        .await;
    assert_eq!(v["ErrorCode"], 10007, "{v}");
    assert!(
        asked.elapsed() >= Duration::from_millis(550),
        "held for the 600 ms hold"
    );
    // A command the emulator does not know: HTTP 200 and Tencent's error body, as the real
    // service answers what it cannot route.
    let (status, v) = http(
        &emu.addr,
        "POST",
        &format!("/v4/openim/nosuchcommand?sdkappid={APP}&{}", c.auth),
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (v["ActionStatus"].clone(), v["ErrorCode"].clone()),
        (json!("FAIL"), json!(60002)),
        "{v}"
    );
    assert!(v["ErrorInfo"]
        .as_str()
        .is_some_and(|s| s.contains("v4/openim/nosuchcommand")));
    // Also for a webim-looking URL of another shape; the emulator's own paths still say 404.
    for path in ["/v4/openim", "/v1/a/b/c/d"] {
        let (status, v) = http(&emu.addr, "POST", path, Some(&json!({}))).await;
        assert_eq!(
            (status, v["ErrorCode"].clone()),
            (200, json!(60002)),
            "{path}: {v}"
        );
        assert_eq!(v["ActionStatus"], "FAIL");
    }
    let (status, _) = http(&emu.addr, "GET", "/nosuchpath", None).await;
    assert_eq!(status, 404);
}

/// The login sequence of Tencent's 2019 webim SDK (1.7.0) reads the profile right after login:
/// body and tags as it sends them.
fn own_profile_query(user: &str) -> Value {
    json!({"From_Account": user, "To_Account": [user],
           "TagList": ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Image"]})
}

#[tokio::test]
async fn profiles_set_get_and_nick_on_group_messages() {
    let emu = start().await;
    let mut a = ImClient::login(&emu, "alice", &emu.sig("alice"))
        .await
        .unwrap();
    let mut b = ImClient::login(&emu, "bob", &emu.sig("bob")).await.unwrap();

    // Nothing set yet: both tags come back empty, nothing failed (the SDK's login goes on).
    let v = a
        .call("v4", "profile", "portrait_get", own_profile_query("alice"))
        .await;
    assert_eq!(
        v,
        json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "",
               "Fail_Account": [],
               "UserProfileItem": [{"To_Account": "alice", "ResultCode": 0, "ResultInfo": "",
                   "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": ""},
                                   {"Tag": "Tag_Profile_IM_Image", "Value": ""}]}]})
    );

    // webim.setProfilePortrait's body.
    let nick = "Alice 爱丽丝 🌸";
    let set = json!({"From_Account": "alice", "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": nick},
        {"Tag": "Tag_Profile_IM_Image", "Value": "https://example.com/a.png"}]});
    let v = a.call("v4", "profile", "portrait_set", set).await;
    assert_eq!(
        v,
        json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": ""})
    );

    // Another account reads it, and an unknown account fails (as the SDK's login would).
    let v = b
        .call(
            "v4",
            "profile",
            "portrait_get",
            json!({"From_Account": "bob", "To_Account": ["alice", "nobody"],
                   "TagList": ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Image", "Tag_Profile_IM_Level"]}),
        )
        .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    assert_eq!(v["Fail_Account"], json!(["nobody"]));
    assert_eq!(
        v["UserProfileItem"][0],
        json!({"To_Account": "alice", "ResultCode": 0, "ResultInfo": "", "ProfileItem": [
            {"Tag": "Tag_Profile_IM_Nick", "Value": nick},
            {"Tag": "Tag_Profile_IM_Image", "Value": "https://example.com/a.png"},
            {"Tag": "Tag_Profile_IM_Level", "Value": 0}]})
    );
    assert_eq!(v["UserProfileItem"][1]["To_Account"], "nobody");
    assert_eq!(v["UserProfileItem"][1]["ResultCode"], 40003);
    assert_eq!(v["UserProfileItem"][1]["ProfileItem"], json!([]));

    // Refusals, each leaving the profile as it was.
    let refusals: [(&str, Value, i64); 7] = [
        (
            "another account's profile",
            json!({"From_Account": "bob", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "x"}]}),
            40004,
        ),
        (
            "no items",
            json!({"From_Account": "alice", "ProfileItem": []}),
            40001,
        ),
        (
            "unknown tag",
            json!({"ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "y"}, {"Tag": "Nick", "Value": "y"}]}),
            40009,
        ),
        (
            "nick not a string",
            json!({"ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": 5}]}),
            40610,
        ),
        (
            "level not a number",
            json!({"ProfileItem": [{"Tag": "Tag_Profile_IM_Level", "Value": "5"}]}),
            40610,
        ),
        (
            "value over 500 bytes",
            json!({"ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "字".repeat(167)}]}),
            40601,
        ),
        (
            "no Value",
            json!({"ProfileItem": [{"Tag": "Tag_Profile_IM_Nick"}]}),
            40001,
        ),
    ];
    for (what, body, code) in refusals {
        let v = a.call("v4", "profile", "portrait_set", body).await;
        assert_eq!(
            (v["ActionStatus"].clone(), v["ErrorCode"].clone()),
            (json!("FAIL"), json!(code)),
            "{what}: {v}"
        );
        assert!(
            v["ErrorInfo"].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: {v}"
        );
    }
    let v = a
        .call("v4", "profile", "portrait_get", own_profile_query("alice"))
        .await;
    assert_eq!(
        v["UserProfileItem"][0]["ProfileItem"][0]["Value"], nick,
        "{v}"
    );
    for (what, body) in [
        ("no To_Account", json!({"TagList": ["Tag_Profile_IM_Nick"]})),
        ("no TagList", json!({"To_Account": ["alice"]})),
        (
            "a number account",
            json!({"To_Account": [7], "TagList": ["Tag_Profile_IM_Nick"]}),
        ),
    ] {
        let v = a.call("v4", "profile", "portrait_get", body).await;
        assert_eq!(v["ErrorCode"], 40001, "{what}: {v}");
    }
    let v = a
        .call(
            "v4",
            "profile",
            "portrait_get",
            json!({"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick", "Tag_Nick"]}),
        )
        .await;
    assert_eq!(v["ErrorCode"], 40009, "{v}");

    // Custom tags are kept too.
    let v = a
        .call(
            "v4",
            "profile",
            "portrait_set",
            json!({"ProfileItem": [{"Tag": "Tag_Profile_Custom_seat", "Value": 3}]}),
        )
        .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    let v = b
        .call(
            "v4",
            "profile",
            "portrait_get",
            json!({"To_Account": ["alice"], "TagList": ["Tag_Profile_Custom_seat"]}),
        )
        .await;
    assert_eq!(
        v["UserProfileItem"][0]["ProfileItem"],
        json!([{"Tag": "Tag_Profile_Custom_seat", "Value": 3}])
    );

    // The nick travels on group messages as GroupInfo.From_AccountNick; without one it is empty
    // (the SDK then shows the account).
    let room = ROOM.to_string();
    let create = json!({"Type": "AVChatRoom", "Name": room, "MemberList": [], "GroupId": room,
                        "Owner_Account": "alice", "ApplyJoinOption": "FreeAccess"});
    assert_eq!(
        a.call("v4", "group_open_http_svc", "create_group", create)
            .await["ErrorCode"],
        0
    );
    let mut keys = Vec::new();
    for c in [&mut a, &mut b] {
        let v = c
            .call(
                "v4",
                "group_open_http_svc",
                "apply_join_group",
                json!({"GroupId": room}),
            )
            .await;
        keys.push(v["LongPollingKey"].as_str().unwrap().to_string());
    }
    for (c, who) in [(&mut a, "alice"), (&mut b, "bob")] {
        let send = json!({"GroupId": room, "From_Account": who, "Random": 1, "MsgPriority": "COMMON",
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": format!("hi from {who}")}}]});
        let v = c
            .call("v4", "group_open_http_svc", "send_group_msg", send)
            .await;
        assert_eq!(v["ActionStatus"], "OK", "{v}");
    }
    let v = b
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            json!({"StartSeq": 0, "HoldTime": 90, "Key": keys[1]}),
        )
        .await;
    let list = v["RspMsgList"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{v}");
    assert_eq!(
        list[0]["GroupInfo"],
        json!({"GroupName": room, "From_AccountNick": nick, "To_Account": ""})
    );
    assert_eq!(list[1]["From_Account"], "bob");
    assert_eq!(list[1]["GroupInfo"]["From_AccountNick"], "");

    // The profile outlives the session: a new login reads the same nick.
    let mut a2 = ImClient::login(&emu, "alice", &emu.sig("alice"))
        .await
        .unwrap();
    let v = a2
        .call("v4", "profile", "portrait_get", own_profile_query("alice"))
        .await;
    assert_eq!(
        v["UserProfileItem"][0]["ProfileItem"][0]["Value"], nick,
        "{v}"
    );
}

/// The rest of the 2019 SDK's login sequence (joined groups, download auth key), its quality
/// reports, and group message priorities as it reads them.
#[tokio::test]
async fn sdk_login_sequence_joined_groups_authkey_and_priorities() {
    let emu = start().await;
    let mut a = ImClient::login(&emu, "alice", &emu.sig("alice"))
        .await
        .unwrap();
    let mut b = ImClient::login(&emu, "bob", &emu.sig("bob")).await.unwrap();

    // The SDK's own body (GroupType and SelfInfoFilter are undefined there, so absent).
    let sdk_query = json!({"Member_Account": "alice", "Limit": 1000, "Offset": 0,
                           "ResponseFilter": {"GroupBaseInfoFilter": ["NextMsgSeq"]}});
    let v = a
        .call(
            "v4",
            "group_open_http_svc",
            "get_joined_group_list",
            sdk_query.clone(),
        )
        .await;
    assert_eq!(
        v,
        json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "TotalCount": 0, "GroupIdList": []})
    );

    // webim's download ticket.
    let v = a.call("v4", "openim", "authkey", json!({})).await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    assert_eq!(v["IpList"], json!([emu.addr]), "the emulator's own address");
    assert_eq!(v["AuthKey"].as_str().map(str::len), Some(32), "{v}");
    assert_eq!(v["ExpireTime"], 86_400);
    let other = b.call("v4", "openim", "authkey", json!({})).await;
    assert_ne!(other["AuthKey"], v["AuthKey"]);

    // Quality reports are accepted (the SDK ignores the answer).
    let report = json!({"EvtItems": [{"UniqKey": "0123456789_1700000000_42", "EventId": 1,
        "ReportTime": 1_700_000_000, "MsgCmdErrorCode": {"Code": 0, "ErrMsg": ""}}],
        "MainVersion": "1.7.0", "Version": "0"});
    let v = a.call("v4", "imopenstat", "web_report", report).await;
    assert_eq!(
        v,
        json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})
    );

    // After joining two rooms: AVChatRoom groups are listed only when asked for by type.
    for room in ["room-b", "room-a"] {
        let create = json!({"Type": "AVChatRoom", "Name": format!("{room} name"), "MemberList": [],
                            "GroupId": room, "Owner_Account": "bob", "ApplyJoinOption": "FreeAccess"});
        assert_eq!(
            b.call("v4", "group_open_http_svc", "create_group", create)
                .await["ErrorCode"],
            0
        );
    }
    let mut keys = Vec::new();
    for (alice, room) in [(true, "room-a"), (true, "room-b"), (false, "room-a")] {
        let c = if alice { &mut a } else { &mut b };
        let v = c
            .call(
                "v4",
                "group_open_http_svc",
                "apply_join_group",
                json!({"GroupId": room}),
            )
            .await;
        keys.push(v["LongPollingKey"].as_str().unwrap().to_string());
    }
    let v = a
        .call(
            "v4",
            "group_open_http_svc",
            "get_joined_group_list",
            sdk_query,
        )
        .await;
    assert_eq!(
        (v["TotalCount"].clone(), v["GroupIdList"].clone()),
        (json!(0), json!([]))
    );

    let send = |priority: Value| {
        json!({"GroupId": "room-a", "From_Account": "alice", "Random": 3, "MsgPriority": priority,
               "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "p"}}]})
    };
    for name in ["COMMON", "REDPACKET", "LOVEMSG"] {
        let v = a
            .call(
                "v4",
                "group_open_http_svc",
                "send_group_msg",
                send(json!(name)),
            )
            .await;
        assert_eq!(v["ActionStatus"], "OK", "{name}: {v}");
    }
    let mut no_priority = send(json!(null));
    no_priority.as_object_mut().unwrap().remove("MsgPriority");
    let v = a
        .call("v4", "group_open_http_svc", "send_group_msg", no_priority)
        .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    for bad in [json!("TIP"), json!(2), json!("common")] {
        let v = a
            .call(
                "v4",
                "group_open_http_svc",
                "send_group_msg",
                send(bad.clone()),
            )
            .await;
        assert_eq!(v["ErrorCode"], 10004, "{bad}: {v}");
    }
    let v = b
        .call(
            "v1",
            "group_open_long_polling_http_noauth_svc",
            "get_msg",
            json!({"StartSeq": 0, "HoldTime": 90, "Key": keys[2]}),
        )
        .await;
    let priorities: Vec<Value> = v["RspMsgList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MsgPriority"].clone())
        .collect();
    assert_eq!(priorities, [json!(2), json!(1), json!(3), json!(2)], "{v}");

    let full = json!({"Member_Account": "alice", "GroupType": "AVChatRoom",
        "ResponseFilter": {"GroupBaseInfoFilter": ["Type", "Name", "Owner_Account", "NextMsgSeq", "MemberNum", "NoSuchField"],
                           "SelfInfoFilter": ["Role", "JoinTime"]}});
    let v = a
        .call(
            "v4",
            "group_open_http_svc",
            "get_joined_group_list",
            full.clone(),
        )
        .await;
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    assert_eq!(v["TotalCount"], 2);
    let list = v["GroupIdList"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let join_time = list[0]["SelfInfo"]["JoinTime"].as_u64().unwrap();
    assert!(join_time.abs_diff(usersig::unix_now()) < 60, "{v}");
    assert_eq!(
        list[0],
        json!({"GroupId": "room-a", "Type": "AVChatRoom", "Name": "room-a name", "Owner_Account": "bob",
               "NextMsgSeq": 5, "MemberNum": 2, "SelfInfo": {"Role": "Member", "JoinTime": join_time}})
    );
    assert_eq!(list[1]["GroupId"], "room-b");
    assert_eq!(list[1]["NextMsgSeq"], 1);
    assert_eq!(list[1]["MemberNum"], 1);

    // Paging: Limit and Offset cut the list, TotalCount stays.
    let mut page = full.clone();
    page["Limit"] = json!(1);
    page["Offset"] = json!(1);
    page["ResponseFilter"] = json!({});
    let v = a
        .call("v4", "group_open_http_svc", "get_joined_group_list", page)
        .await;
    assert_eq!(v["TotalCount"], 2);
    assert_eq!(v["GroupIdList"], json!([{"GroupId": "room-b"}]));

    // Bob owns room-a; only the account itself may ask; bad shapes are refused.
    let mut bobs = full.clone();
    bobs["Member_Account"] = json!("bob");
    let v = b
        .call(
            "v4",
            "group_open_http_svc",
            "get_joined_group_list",
            bobs.clone(),
        )
        .await;
    assert_eq!(v["GroupIdList"][0]["SelfInfo"]["Role"], "Owner", "{v}");
    assert_eq!(v["TotalCount"], 1, "bob joined room-a only");
    let v = a
        .call("v4", "group_open_http_svc", "get_joined_group_list", bobs)
        .await;
    assert_eq!(v["ErrorCode"], 10007, "{v}");
    for (what, body) in [
        ("no Member_Account", json!({"GroupType": "AVChatRoom"})),
        (
            "unknown GroupType",
            json!({"Member_Account": "alice", "GroupType": "Room"}),
        ),
        (
            "Limit not a number",
            json!({"Member_Account": "alice", "Limit": "all"}),
        ),
        (
            "Limit over 5000",
            json!({"Member_Account": "alice", "Limit": 5001}),
        ),
    ] {
        let v = a
            .call("v4", "group_open_http_svc", "get_joined_group_list", body)
            .await;
        assert_eq!(v["ErrorCode"], 10004, "{what}: {v}");
    }

    // Logging out ends the memberships: the list follows.
    b.call(
        "v4",
        "openim",
        "longpollinglogout",
        json!({"LongPollingId": null}),
    )
    .await;
    let v = a
        .call("v4", "group_open_http_svc", "get_joined_group_list", full)
        .await;
    assert_eq!(v["GroupIdList"][0]["MemberNum"], 1, "{v}");

    // Every one of these needs a live session, like the rest of webim.
    for (service, cmd) in [
        ("openim", "authkey"),
        ("imopenstat", "web_report"),
        ("group_open_http_svc", "get_joined_group_list"),
        ("profile", "portrait_get"),
    ] {
        let v = b.call("v4", service, cmd, json!({})).await;
        assert_eq!(v["ErrorCode"], 60004, "{service}/{cmd}: {v}");
    }
}
