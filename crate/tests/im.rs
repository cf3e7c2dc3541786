//! IM over webim v4, driven by recorded request/reply exchanges (shapes from
//! `docs/webim-protocol.md`): login, create/join with the "already" codes, both long polls,
//! every send path and validation code, reconnect with backoff, kicked, logout.

mod support;

use serde_json::{json, Value};
use support::{Driver, Out};

const WEBIM: &str = "https://webim.tim.qq.com";

fn im_events(out: &Out) -> Vec<Value> {
    out.0["events"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|e| e["name"] == "IMEvent")
                .map(|e| e["detail"].clone())
                .collect()
        })
        .unwrap_or_default()
}

fn im_tagged(out: &Out, tag: &str) -> Vec<Value> {
    im_events(out)
        .into_iter()
        .filter(|e| e["tag"] == tag)
        .collect()
}

/// The request whose URL path is `path` (panics when not exactly one).
fn req(out: &Out, path: &str) -> Value {
    let found: Vec<Value> = out
        .requests()
        .into_iter()
        .filter(|r| {
            r["url"]
                .as_str()
                .unwrap()
                .split('?')
                .next()
                .unwrap()
                .ends_with(path)
        })
        .collect();
    assert_eq!(found.len(), 1, "one {path} request in {:?}", out.0);
    found[0].clone()
}

fn id(r: &Value) -> u64 {
    r["id"].as_u64().unwrap()
}

fn ok(extra: Value) -> String {
    let mut v = json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""});
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    v.to_string()
}

fn fail(code: i64) -> String {
    json!({"ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": "err"}).to_string()
}

/// Answers the login with `login_reply` and, when it succeeded, the profile calls that follow
/// (`portrait_set` when userName is set, then `portrait_get` with no profile): the output that
/// carries `login_event`, getlongpollingid and create_group.
fn logged_in(d: &mut Driver, login: u64, login_reply: &str) -> Out {
    let mut out = d.reply(login, login_reply);
    if let Some(set) = find(&out, "/v4/profile/portrait_set") {
        out = d.reply(id(&set), &ok(json!({})));
    }
    if let Some(get) = find(&out, "/v4/profile/portrait_get") {
        out = d.reply(id(&get), &ok(json!({"UserProfileItem": []})));
    }
    out
}

/// The one request whose URL path ends with `path`, if there is one.
fn find(out: &Out, path: &str) -> Option<Value> {
    let found: Vec<Value> = out
        .requests()
        .into_iter()
        .filter(|r| {
            r["url"]
                .as_str()
                .unwrap()
                .split('?')
                .next()
                .unwrap()
                .ends_with(path)
        })
        .collect();
    assert!(
        found.len() <= 1,
        "at most one {path} request in {:?}",
        out.0
    );
    found.into_iter().next()
}

struct Online {
    d: Driver,
    c2c_poll: u64,
    group_poll: u64,
}

/// start() with enableIM answered all the way to both polls running.
fn online(props: Value) -> Online {
    let mut all = json!({"enableIM": true, "userName": "Self Nick"});
    for (k, v) in props.as_object().unwrap() {
        all[k] = v.clone();
    }
    let mut d = Driver::with_props(all);
    let out = d.call("start");
    let login = req(&out, "/v4/openim/login");
    let out = logged_in(
        &mut d,
        id(&login),
        &ok(json!({"TinyId": 144115212345678901u64, "A2Key": "a2+key"})),
    );
    assert_eq!(im_tagged(&out, "login_event")[0]["code"], 0);
    let polling_id = req(&out, "/v4/openim/getlongpollingid");
    let create = req(&out, "/v4/group_open_http_svc/create_group");
    let out = d.reply(id(&create), &ok(json!({"GroupId": "1234"})));
    let join = req(&out, "/v4/group_open_http_svc/apply_join_group");
    let out = d.reply(
        id(&join),
        &ok(json!({"JoinedStatus": "JoinedSuccess", "LongPollingKey": "key-1"})),
    );
    assert_eq!(im_tagged(&out, "join_group_event")[0]["code"], 0);
    let group_poll = id(&req(
        &out,
        "/v1/group_open_long_polling_http_noauth_svc/get_msg",
    ));
    let out = d.reply(
        id(&polling_id),
        &ok(json!({"LongPollingId": "lp-1", "Timeout": 60})),
    );
    let c2c_poll = id(&req(&out, "/v4/openim/longpolling"));
    Online {
        d,
        c2c_poll,
        group_poll,
    }
}

fn text_msg(from: &str, text: &str, seq: u64) -> Value {
    json!({"From_Account": from, "To_Account": "u-self", "MsgSeq": seq, "MsgRandom": 77, "MsgTimeStamp": 1700000000,
           "NoticeSeq": seq, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]})
}

// ----- login, create, join -----

#[test]
fn start_logs_in_with_the_2019_query() {
    let mut d = Driver::with_props(json!({"enableIM": true, "userID": "张 三", "userSig": "s+g="}));
    let out = d.call("start");
    assert_eq!(out.requests().len(), 2, "room signature and IM login");
    let login = req(&out, "/v4/openim/login");
    let url = login["url"].as_str().unwrap();
    let secs = (d.now / 1000.0) as u64;
    assert_eq!(
        url,
        format!("{WEBIM}/v4/openim/login?websdkappid=537048168&v=1.7.0&identifier=%E5%BC%A0%20%E4%B8%89&usersig=s%2Bg%3D&contenttype=json&sdkappid=1400000000&accounttype=1&apn=1&reqtime={secs}&reqSeq=1")
    );
    assert_eq!(login["data"], json!({"State": "Online"}));
    assert_eq!(login["method"], "POST");
}

#[test]
fn no_im_without_enable_im() {
    let mut d = Driver::with_props(json!({}));
    assert_eq!(d.call("start").requests().len(), 1);
}

#[test]
fn login_then_create_and_join_with_session_tokens() {
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = logged_in(
        &mut d,
        id(&login),
        &ok(json!({"TinyId": 144115212345678901u64, "A2Key": "a2+key"})),
    );
    let create = req(&out, "/v4/group_open_http_svc/create_group");
    let url = create["url"].as_str().unwrap();
    assert!(
        url.contains("&tinyid=144115212345678901&a2=a2%2Bkey&contenttype=json&"),
        "{url}"
    );
    assert!(!url.contains("usersig"), "{url}");
    assert!(url.ends_with("&reqSeq=4"), "{url}");
    assert_eq!(
        create["data"],
        json!({"Type": "AVChatRoom", "Name": "1234", "MemberList": [], "GroupId": "1234", "Owner_Account": "u-self", "ApplyJoinOption": "FreeAccess"})
    );
}

#[test]
fn login_failure_is_a_login_event_with_its_code() {
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = d.reply(id(&login), &fail(70001));
    let ev = &im_tagged(&out, "login_event")[0];
    assert_eq!(ev["code"], 70001);
    assert!(out.requests().is_empty());
    let out = d.send(json!({"call": "sendGroupTextMsg", "args": ["hi"], "cb": 1}));
    assert_eq!(
        callbacks(&out),
        vec![(
            1,
            false,
            json!([-4, "IM is not logged in (set enableIM and call start())"])
        )]
    );
}

#[test]
fn group_already_exists_codes_count_as_created() {
    for code in [10025, 10021] {
        let mut d = Driver::with_props(json!({"enableIM": true}));
        let login = req(&d.call("start"), "/v4/openim/login");
        let out = logged_in(
            &mut d,
            id(&login),
            &ok(json!({"TinyId": "1", "A2Key": "a"})),
        );
        let create = req(&out, "/v4/group_open_http_svc/create_group");
        let out = d.reply(id(&create), &fail(code));
        let join = req(&out, "/v4/group_open_http_svc/apply_join_group");
        assert_eq!(join["data"], json!({"GroupId": "1234"}));
        assert!(im_events(&out).is_empty());
    }
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = logged_in(
        &mut d,
        id(&login),
        &ok(json!({"TinyId": "1", "A2Key": "a"})),
    );
    let create = req(&out, "/v4/group_open_http_svc/create_group");
    let out = d.reply(id(&create), &fail(10036));
    assert_eq!(im_tagged(&out, "join_group_event")[0]["code"], 10036);
}

// ----- the two long polls -----

#[test]
fn c2c_poll_delivers_messages_and_carries_the_cookie() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let reply =
        ok(json!({"EventArray": [{"Event": 9, "C2cMsgArray": [text_msg("bob", "你好 😀", 5)]}]}));
    let out = d.reply(c2c_poll, &reply);
    let conn = im_tagged(&out, "connection_event");
    assert_eq!(conn.len(), 1);
    assert_eq!(conn[0]["code"], 0, "INIT -> ON");
    let msgs = &im_tagged(&out, "msg_notify")[0];
    assert_eq!(msgs["code"], 0);
    assert_eq!(
        msgs["detail"][0],
        json!({"sess": {"type": "C2C", "id": "bob", "name": "bob"}, "subType": 0, "isSend": false, "fromAccount": "bob", "fromAccountNick": "bob",
               "time": 1700000000, "seq": 5, "random": 77, "elems": [{"type": "TIMTextElem", "content": {"text": "你好 😀"}}]})
    );
    let next = req(&out, "/v4/openim/longpolling");
    assert_eq!(
        next["data"],
        json!({"Timeout": 60, "Cookie": {"NotifySeq": 0, "NoticeSeq": 5, "LongPollingId": "lp-1"}})
    );
    // A second good poll reports nothing about the connection.
    let out = d.reply(id(&next), &ok(json!({"EventArray": []})));
    assert!(im_tagged(&out, "connection_event").is_empty());
}

#[test]
fn poll_timed_out_is_normal() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let out = d.reply(c2c_poll, &fail(60008));
    assert!(im_tagged(&out, "error").is_empty());
    req(&out, "/v4/openim/longpolling");
    assert!(out.timers().is_empty(), "polled again at once");
}

#[test]
fn failed_poll_backs_off_reports_and_reconnects() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let out = d.reply(c2c_poll, &ok(json!({})));
    let c2c_poll = id(&req(&out, "/v4/openim/longpolling"));
    let out = d.fail(c2c_poll);
    assert_eq!(im_tagged(&out, "connection_event")[0]["code"], 9999);
    let (t, ms) = out.timers()[0];
    assert_eq!(ms, 1000);
    assert!(out.requests().is_empty());
    let out = d.timer(t);
    let again = id(&req(&out, "/v4/openim/longpolling"));
    let out = d.reply(again, &fail(500));
    assert!(
        im_tagged(&out, "connection_event").is_empty(),
        "still off: no new report"
    );
    let (t, ms) = out.timers()[0];
    assert_eq!(ms, 2000, "doubling");
    let again = id(&req(&d.timer(t), "/v4/openim/longpolling"));
    let mut waits = Vec::new();
    let mut poll = again;
    for _ in 0..8 {
        let out = d.fail(poll);
        let (t, ms) = out.timers()[0];
        waits.push(ms);
        poll = id(&req(&d.timer(t), "/v4/openim/longpolling"));
    }
    assert_eq!(
        waits,
        [4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000],
        "bounded"
    );
    let out = d.reply(poll, &ok(json!({})));
    assert_eq!(
        im_tagged(&out, "connection_event")[0]["code"],
        1,
        "reconnected"
    );
}

#[test]
fn big_group_poll_delivers_messages_notices_and_follows_the_server() {
    let Online {
        mut d, group_poll, ..
    } = online(json!({}));
    let reply = ok(
        json!({"NextSeq": 42, "HoldTime": 80, "Key": "key-2", "RspMsgList": [
            {"Event": 3, "From_Account": "alice", "ToGroupId": "1234", "MsgSeq": 41, "MsgRandom": 9, "MsgTimeStamp": 1700000001,
             "GroupInfo": {"From_AccountNick": "Alice"},
             "MsgBody": [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "d", "Desc": "de", "Ext": "e"}},
                         {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 3, "Data": "smile"}}]},
            {"Event": 5, "ToGroupId": "1234", "MsgTimeStamp": 1700000002, "MsgBody": {"ReportType": 255, "Operator_Account": "admin", "UserDefinedField": "hello"}},
            {"Event": 6, "ToGroupId": "1234", "MsgBody": {"OpType": 6, "MsgGroupNewInfo": {"GroupName": "新名字"}}},
            {"Event": 3, "From_Account": "", "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "placeholder"}}]}
        ]}),
    );
    let out = d.reply(group_poll, &reply);
    let msgs = &im_tagged(&out, "big_group_msg_notify")[0]["detail"];
    assert_eq!(
        msgs.as_array().unwrap().len(),
        1,
        "the message without a sender is dropped"
    );
    assert_eq!(msgs[0]["fromAccountNick"], "Alice");
    assert_eq!(
        msgs[0]["sess"],
        json!({"type": "GROUP", "id": "1234", "name": "1234"})
    );
    assert_eq!(
        msgs[0]["elems"],
        json!([{"type": "TIMCustomElem", "content": {"data": "d", "desc": "de", "ext": "e"}},
               {"type": "TIMFaceElem", "content": {"index": 3, "data": "smile"}}])
    );
    let sys = &im_tagged(&out, "group_system_notifys")[0];
    assert_eq!(sys["code"], 255);
    assert_eq!(sys["detail"]["UserDefinedField"], "hello");
    assert_eq!(sys["detail"]["Operator_Account"], "admin");
    let info = &im_tagged(&out, "group_info_change_notify")[0];
    assert_eq!(info["detail"]["GroupName"], "新名字");
    let next = req(&out, "/v1/group_open_long_polling_http_noauth_svc/get_msg");
    assert_eq!(
        next["data"],
        json!({"StartSeq": 42, "HoldTime": 80, "Key": "key-2"})
    );
}

#[test]
fn system_notices_from_the_c2c_poll_carry_their_type() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let reply = ok(json!({"EventArray": [{"Event": 5, "GroupTips": [
        {"ToGroupId": "1234", "NoticeSeq": 8, "MsgBody": {"ReportType": 4, "Operator_Account": "admin"}}]}]}));
    let out = d.reply(c2c_poll, &reply);
    assert_eq!(im_tagged(&out, "group_system_notifys")[0]["code"], 4);
    let next = req(&out, "/v4/openim/longpolling");
    assert_eq!(next["data"]["Cookie"]["NoticeSeq"], 8);
}

#[test]
fn notify_event_fetches_with_getmsg_until_synced() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let out = d.reply(
        c2c_poll,
        &ok(json!({"EventArray": [{"Event": 1, "NotifySeq": 12}]})),
    );
    let getmsg = req(&out, "/v4/openim/getmsg");
    assert_eq!(
        getmsg["data"],
        json!({"Cookie": "", "SyncFlag": 0}),
        "first call: an empty cookie, never null"
    );
    let poll = req(&out, "/v4/openim/longpolling");
    assert_eq!(poll["data"]["Cookie"]["NotifySeq"], 12);
    // Three pages: the first two say SyncFlag 1 (more), the last 2; each continuation sends the
    // previous reply's Cookie and SyncFlag back.
    let mut next = getmsg;
    for (page, (cookie, flag)) in [("c1", 1), ("c2", 1), ("c3", 2)].into_iter().enumerate() {
        let seq = page as u64 + 1;
        let reply = ok(json!({"Cookie": cookie, "SyncFlag": flag,
            "MsgList": [text_msg("bob", &format!("page {seq}"), seq)]}));
        let out = d.reply(id(&next), &reply);
        if flag == 1 {
            assert!(
                im_tagged(&out, "msg_notify").is_empty(),
                "nothing until the last page"
            );
            next = req(&out, "/v4/openim/getmsg");
            assert_eq!(next["data"], json!({"Cookie": cookie, "SyncFlag": 1}));
        } else {
            let notes = im_tagged(&out, "msg_notify");
            assert_eq!(notes.len(), 1, "the three pages arrive as one event");
            let texts: Vec<Value> = notes[0]["detail"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["elems"][0]["content"]["text"].clone())
                .collect();
            assert_eq!(
                texts,
                vec![json!("page 1"), json!("page 2"), json!("page 3")]
            );
            assert!(out.requests().is_empty(), "synced");
        }
    }
    // The next notice fetches from the last cookie with SyncFlag 0.
    let out = d.reply(
        id(&poll),
        &ok(json!({"EventArray": [{"Event": 1, "NotifySeq": 13}]})),
    );
    let getmsg = req(&out, "/v4/openim/getmsg");
    assert_eq!(getmsg["data"], json!({"Cookie": "c3", "SyncFlag": 0}));
}

#[test]
fn a_notice_during_a_getmsg_fetch_fetches_again_after_it() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let out = d.reply(
        c2c_poll,
        &ok(json!({"EventArray": [{"Event": 1, "NotifySeq": 1}]})),
    );
    let getmsg = req(&out, "/v4/openim/getmsg");
    let poll = req(&out, "/v4/openim/longpolling");
    let out = d.reply(
        id(&poll),
        &ok(json!({"EventArray": [{"Event": 1, "NotifySeq": 2}]})),
    );
    assert!(
        find(&out, "/v4/openim/getmsg").is_none(),
        "one fetch at a time"
    );
    let out = d.reply(
        id(&getmsg),
        &ok(json!({"Cookie": "c1", "SyncFlag": 2, "MsgList": [text_msg("bob", "one", 1)]})),
    );
    assert_eq!(im_tagged(&out, "msg_notify").len(), 1);
    let again = req(&out, "/v4/openim/getmsg");
    assert_eq!(again["data"], json!({"Cookie": "c1", "SyncFlag": 0}));
}

#[test]
fn a_getmsg_page_failing_delivers_what_came_and_resumes_from_the_last_cookie() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let out = d.reply(
        c2c_poll,
        &ok(json!({"EventArray": [{"Event": 1, "NotifySeq": 1}]})),
    );
    let getmsg = req(&out, "/v4/openim/getmsg");
    let poll = req(&out, "/v4/openim/longpolling");
    let out = d.reply(
        id(&getmsg),
        &ok(json!({"Cookie": "c1", "SyncFlag": 1, "MsgList": [text_msg("bob", "one", 1)]})),
    );
    let more = req(&out, "/v4/openim/getmsg");
    let out = d.reply(id(&more), &fail(70001));
    assert_eq!(im_tagged(&out, "error")[0]["code"], 70001);
    let notes = im_tagged(&out, "msg_notify");
    assert_eq!(notes.len(), 1, "the page that came is delivered");
    assert_eq!(notes[0]["detail"][0]["elems"][0]["content"]["text"], "one");
    let out = d.reply(
        id(&poll),
        &ok(json!({"EventArray": [{"Event": 1, "NotifySeq": 2}]})),
    );
    let again = req(&out, "/v4/openim/getmsg");
    assert_eq!(again["data"], json!({"Cookie": "c1", "SyncFlag": 0}));
}

#[test]
fn the_c2c_poll_asks_for_the_timeout_the_server_last_gave() {
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = logged_in(
        &mut d,
        id(&login),
        &ok(json!({"TinyId": "1", "A2Key": "a"})),
    );
    let polling_id = req(&out, "/v4/openim/getlongpollingid");
    let out = d.reply(
        id(&polling_id),
        &ok(json!({"LongPollingId": "lp", "Timeout": 30})),
    );
    let poll = req(&out, "/v4/openim/longpolling");
    assert_eq!(poll["data"]["Timeout"], 30, "from getlongpollingid");
    let mut poll = id(&poll);
    // (server's Timeout in a poll reply, what the next poll asks for)
    for (given, asked) in [
        (json!(20), 20),
        (json!(null), 20),
        (json!(90), 20),
        (json!("45"), 45),
    ] {
        let reply = if given.is_null() {
            ok(json!({"EventArray": []}))
        } else {
            ok(json!({"EventArray": [], "Timeout": given}))
        };
        let out = d.reply(poll, &reply);
        let next = req(&out, "/v4/openim/longpolling");
        assert_eq!(
            next["data"]["Timeout"], asked,
            "after a reply with Timeout {given}"
        );
        poll = id(&next);
    }
}

#[test]
fn profile_after_login_gives_the_nick_and_portrait_and_user_name_sets_the_nick() {
    // userName set: portrait_set of the nick, then portrait_get, then login_event.
    let mut d = Driver::with_props(json!({"enableIM": true, "userName": "小明"}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = d.reply(id(&login), &ok(json!({"TinyId": "1", "A2Key": "a"})));
    assert!(
        im_events(&out).is_empty(),
        "no login_event before the profile"
    );
    assert_eq!(out.requests().len(), 1);
    let set = req(&out, "/v4/profile/portrait_set");
    assert_eq!(
        set["data"],
        json!({"From_Account": "u-self", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "小明"}]})
    );
    let out = d.reply(id(&set), &ok(json!({})));
    let get = req(&out, "/v4/profile/portrait_get");
    assert_eq!(
        get["data"],
        json!({"From_Account": "u-self", "To_Account": ["u-self"], "TagList": ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Image"]})
    );
    let profile = json!({"UserProfileItem": [{"To_Account": "u-self", "ResultCode": 0, "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "小明"}, {"Tag": "Tag_Profile_IM_Image", "Value": "https://x/p.png"}]}],
        "Fail_Account": [], "Invalid_Account": []});
    let out = d.reply(id(&get), &ok(profile));
    let login_event = &im_tagged(&out, "login_event")[0];
    assert_eq!(login_event["code"], 0);
    assert_eq!(login_event["detail"]["identifierNick"], "小明");
    assert_eq!(login_event["detail"]["headurl"], "https://x/p.png");
    req(&out, "/v4/openim/getlongpollingid");
    req(&out, "/v4/group_open_http_svc/create_group");

    // No userName: no portrait_set; a profile without a nick gives null.
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = d.reply(id(&login), &ok(json!({"TinyId": "1", "A2Key": "a"})));
    assert!(find(&out, "/v4/profile/portrait_set").is_none());
    let get = req(&out, "/v4/profile/portrait_get");
    let out = d.reply(
        id(&get),
        &ok(json!({"UserProfileItem": [{"To_Account": "u-self", "ProfileItem": []}]})),
    );
    let detail = &im_tagged(&out, "login_event")[0]["detail"];
    assert_eq!(detail["identifierNick"], Value::Null);
    assert_eq!(detail["headurl"], Value::Null);
}

#[test]
fn a_failed_profile_call_does_not_fail_the_login() {
    // portrait_set refused, portrait_get refused: login_event 0 all the same.
    let mut d = Driver::with_props(json!({"enableIM": true, "userName": "Nick"}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = d.reply(id(&login), &ok(json!({"TinyId": "1", "A2Key": "a"})));
    let set = req(&out, "/v4/profile/portrait_set");
    let out = d.fail(id(&set));
    assert!(
        out.logs().iter().any(|l| l.contains("nick")),
        "{:?}",
        out.logs()
    );
    let get = req(&out, "/v4/profile/portrait_get");
    let out = d.reply(id(&get), &fail(40001));
    let login_event = &im_tagged(&out, "login_event")[0];
    assert_eq!(login_event["code"], 0);
    assert_eq!(login_event["detail"]["identifierNick"], Value::Null);
    req(&out, "/v4/group_open_http_svc/create_group");

    // portrait_set went through, portrait_get reports a failed account (2019's 99999 case): the
    // nick is the one set.
    let mut d = Driver::with_props(json!({"enableIM": true, "userName": "Nick"}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = d.reply(id(&login), &ok(json!({"TinyId": "1", "A2Key": "a"})));
    let set = req(&out, "/v4/profile/portrait_set");
    let get = req(
        &d.reply(id(&set), &ok(json!({}))),
        "/v4/profile/portrait_get",
    );
    let out = d.reply(
        id(&get),
        &ok(json!({"UserProfileItem": [], "Fail_Account": ["u-self"]})),
    );
    let login_event = &im_tagged(&out, "login_event")[0];
    assert_eq!(login_event["code"], 0);
    assert_eq!(login_event["detail"]["identifierNick"], "Nick");
}

#[test]
fn group_tips_are_tip_messages_in_2019_order() {
    let Online {
        mut d, group_poll, ..
    } = online(json!({}));
    let item = |seq: u64, event: u64, body: Value| {
        json!({"Event": event, "From_Account": "admin", "ToGroupId": "1234", "MsgSeq": seq, "MsgRandom": 100 + seq,
               "MsgTimeStamp": 1700000000 + seq, "GroupInfo": {"GroupName": "Room", "From_AccountNick": "Boss"}, "MsgBody": body})
    };
    let reply = ok(
        json!({"NextSeq": 10, "HoldTime": 90, "Key": "k2", "RspMsgList": [
            item(1, 3, json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "first"}}])),
            item(2, 4, json!({"OpType": 1, "Operator_Account": "amy", "List_Account": ["amy", "ben"], "MemberNum": 5})),
            item(3, 4, json!({"OpType": 2, "Operator_Account": "ben", "List_Account": ["ben"], "MemberNum": 4})),
            item(4, 6, json!({"OpType": 3, "Operator_Account": "admin", "List_Account": ["cat"]})),
            item(5, 4, json!({"OpType": 4, "Operator_Account": "admin", "List_Account": ["dan"]})),
            item(6, 4, json!({"OpType": 5, "Operator_Account": "admin", "List_Account": ["dan"]})),
            item(7, 4, json!({"OpType": 6, "Operator_Account": "admin", "List_Account": [],
                "MsgGroupNewInfo": {"GroupName": "新名字", "GroupNotification": "", "GroupIntroduction": "intro"}})),
            item(8, 4, json!({"OpType": 7, "Operator_Account": "admin", "List_Account": ["eve"],
                "MsgMemberInfo": [{"User_Account": "eve", "ShutupTime": 60}]})),
            item(9, 3, json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "last"}}]))
        ]}),
    );
    let out = d.reply(group_poll, &reply);
    let notes = im_tagged(&out, "big_group_msg_notify");
    assert_eq!(notes.len(), 1, "one event for the reply");
    let msgs = notes[0]["detail"].as_array().unwrap();
    let seqs: Vec<u64> = msgs.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        vec![9, 8, 7, 6, 5, 4, 3, 2, 1],
        "reverse reply order, as 2019"
    );
    let subs: Vec<i64> = msgs
        .iter()
        .map(|m| m["subType"].as_i64().unwrap())
        .collect();
    assert_eq!(subs, vec![0, 2, 2, 2, 2, 2, 2, 2, 0]);
    let tip = |seq: usize| msgs[9 - seq]["elems"].clone();
    let content = |op: u64, user: &str, list: Value, infos: Value, members: Value, num: Value| {
        json!([{"type": "TIMGroupTipElem", "content": {"opType": op, "opUserId": user, "groupId": "1234", "groupName": "Room",
            "userIdList": list, "groupInfoList": infos, "memberInfoList": members, "groupMemberNum": num}}])
    };
    assert_eq!(
        tip(2),
        content(
            1,
            "amy",
            json!(["amy", "ben"]),
            json!([]),
            json!([]),
            json!(5)
        )
    );
    assert_eq!(
        tip(3),
        content(2, "ben", json!(["ben"]), json!([]), json!([]), json!(4))
    );
    assert_eq!(
        tip(4),
        content(
            3,
            "admin",
            json!(["cat"]),
            json!([]),
            json!([]),
            Value::Null
        )
    );
    assert_eq!(
        tip(5),
        content(
            4,
            "admin",
            json!(["dan"]),
            json!([]),
            json!([]),
            Value::Null
        )
    );
    assert_eq!(
        tip(6),
        content(
            5,
            "admin",
            json!(["dan"]),
            json!([]),
            json!([]),
            Value::Null
        )
    );
    assert_eq!(
        tip(7),
        content(
            6,
            "admin",
            json!([]),
            json!([{"type": 2, "value": "新名字"}, {"type": 5, "value": "intro"}]),
            json!([]),
            Value::Null
        )
    );
    assert_eq!(
        tip(8),
        content(
            7,
            "admin",
            json!(["eve"]),
            json!([]),
            json!([{"userId": "eve", "shutupTime": 60}]),
            Value::Null
        )
    );
    assert_eq!(msgs[1]["fromAccountNick"], "Boss");
    assert_eq!(
        msgs[1]["sess"],
        json!({"type": "GROUP", "id": "1234", "name": "Room"})
    );
    // OpType 6 also keeps its own event.
    assert_eq!(im_tagged(&out, "group_info_change_notify").len(), 1);
}

#[test]
fn tips_of_the_c2c_poll_reach_the_page_as_msg_notify() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let reply = ok(json!({"EventArray": [{"Event": 4, "GroupTips": [
        {"From_Account": "amy", "ToGroupId": "g1", "MsgSeq": 3, "MsgRandom": 4, "MsgTimeStamp": 1700000000, "NoticeSeq": 21,
         "GroupInfo": {"GroupName": "G"}, "MsgBody": {"OpType": 1, "Operator_Account": "amy", "List_Account": ["amy"], "MemberNum": 2}}]}]}));
    let out = d.reply(c2c_poll, &reply);
    let msgs = &im_tagged(&out, "msg_notify")[0]["detail"];
    assert_eq!(msgs[0]["subType"], 2);
    assert_eq!(msgs[0]["elems"][0]["type"], "TIMGroupTipElem");
    assert_eq!(msgs[0]["elems"][0]["content"]["groupMemberNum"], 2);
    let next = req(&out, "/v4/openim/longpolling");
    assert_eq!(next["data"]["Cookie"]["NoticeSeq"], 21);
}

#[test]
fn group_sub_types_follow_the_priority_as_2019() {
    let Online {
        mut d, group_poll, ..
    } = online(json!({}));
    let item = |priority: Value| {
        json!({"Event": 3, "From_Account": "amy", "ToGroupId": "1234", "MsgSeq": 1, "MsgRandom": 2, "MsgTimeStamp": 3,
               "MsgPriority": priority, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]})
    };
    let reply = ok(
        json!({"NextSeq": 2, "HoldTime": 90, "Key": "k", "RspMsgList": [
        item(json!(1)), item(json!(2)), item(json!(3)), item(json!("COMMON")), {"Event": 3, "From_Account": "amy", "IsPlaceMsg": 1,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "deleted"}}]}]}),
    );
    let out = d.reply(group_poll, &reply);
    let msgs = &im_tagged(&out, "big_group_msg_notify")[0]["detail"];
    let subs: Vec<Value> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subType"].clone())
        .collect();
    assert_eq!(
        subs,
        vec![json!(0), json!(1), json!(0), json!(3)],
        "placeholder dropped; reverse order"
    );
}

#[test]
fn kicked_stops_polling_and_sends() {
    let Online {
        mut d,
        c2c_poll,
        group_poll,
    } = online(json!({}));
    let out = d.reply(c2c_poll, &fail(91101));
    let kicked = im_tagged(&out, "kicked");
    assert_eq!(kicked.len(), 1);
    assert_eq!(kicked[0]["code"], 91101);
    assert!(out.requests().is_empty());
    assert_eq!(out.op_values("abort"), vec![json!(group_poll)]);
    assert!(d.reply(group_poll, &ok(json!({}))).is_empty());
    let out = d.send(json!({"call": "sendGroupTextMsg", "args": ["hi"], "cb": 4}));
    assert!(out.requests().is_empty());
    assert!(!callbacks(&out)[0].1);
    let out = d.call("stop");
    assert!(
        out.requests().is_empty(),
        "no logout for a session that is not ours any more"
    );
}

// ----- sending -----

fn callbacks(out: &Out) -> Vec<(u64, bool, Value)> {
    out.ops()
        .into_iter()
        .filter(|op| op.get("callback").is_some())
        .map(|op| {
            (
                op["callback"].as_u64().unwrap(),
                op["ok"].as_bool().unwrap(),
                op["args"].clone(),
            )
        })
        .collect()
}

#[test]
fn send_checks_give_2019_codes() {
    let Online { mut d, .. } = online(json!({}));
    let cases = [
        (
            json!({"call": "sendC2CTextMsg", "args": ["", "hi"], "cb": 1}),
            -1,
        ),
        (
            json!({"call": "sendC2CTextMsg", "args": [null, "hi"], "cb": 2}),
            -1,
        ),
        (
            json!({"call": "sendC2CTextMsg", "args": ["bob", ""], "cb": 3}),
            -2,
        ),
        (json!({"call": "sendGroupTextMsg", "args": [], "cb": 4}), -2),
        (
            json!({"call": "sendC2CCustomMsg", "args": ["bob", {"desc": "x"}], "cb": 5}),
            -2,
        ),
        (
            json!({"call": "sendC2CTextMsg", "args": ["bob", "a".repeat(12001)], "cb": 6}),
            -3,
        ),
        (
            json!({"call": "sendGroupTextMsg", "args": ["张".repeat(2967)], "cb": 7}),
            -3,
        ),
        (
            json!({"call": "sendGroupCustomMsg", "args": [{"data": "x".repeat(8899)}], "cb": 8}),
            -3,
        ),
    ];
    for (input, code) in cases {
        let out = d.send(input.clone());
        assert!(out.requests().is_empty(), "{input}");
        let cbs = callbacks(&out);
        assert_eq!(cbs.len(), 1, "{input}");
        assert!(!cbs[0].1);
        assert_eq!(cbs[0].2[0], code, "{input}");
    }
    // Exactly at the limits goes out.
    let out =
        d.send(json!({"call": "sendC2CTextMsg", "args": ["bob", "a".repeat(12000)], "cb": 9}));
    req(&out, "/v4/openim/sendmsg");
    let out = d.send(json!({"call": "sendGroupTextMsg", "args": ["张".repeat(2966)], "cb": 10}));
    req(&out, "/v4/group_open_http_svc/send_group_msg");
}

#[test]
fn c2c_text_send_and_success_callback_once() {
    let Online { mut d, .. } = online(json!({}));
    let out = d.send(json!({"call": "sendC2CTextMsg", "args": ["bob", "你好 😀 <b>"], "cb": 7}));
    let send = req(&out, "/v4/openim/sendmsg");
    let body = &send["data"];
    assert_eq!(body["From_Account"], "u-self");
    assert_eq!(body["To_Account"], "bob");
    assert_eq!(
        body["MsgBody"],
        json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "你好 😀 <b>"}}])
    );
    assert_eq!(body["MsgTimeStamp"], (d.now / 1000.0) as u64);
    assert!(body["MsgSeq"].as_u64().unwrap() > 0);
    assert!(body["MsgRandom"].as_u64().unwrap() <= u32::MAX as u64);
    let out = d.reply(id(&send), &ok(json!({"MsgTime": 1})));
    let cbs = callbacks(&out);
    assert_eq!(cbs.len(), 1);
    assert_eq!(cbs[0].0, 7);
    assert!(cbs[0].1);
    let msg = &cbs[0].2[0];
    assert_eq!(msg["fromAccountNick"], "Self Nick");
    assert_eq!(msg["isSend"], true);
    assert_eq!(
        msg["sess"],
        json!({"type": "C2C", "id": "bob", "name": "bob"})
    );
    assert_eq!(msg["subType"], 0);
    assert_eq!(
        msg["elems"],
        json!([{"type": "TIMTextElem", "content": {"text": "你好 😀 <b>"}}])
    );
    assert!(
        d.reply(id(&send), &ok(json!({}))).is_empty(),
        "a second reply changes nothing"
    );
}

#[test]
fn custom_and_group_sends_and_failure_callback() {
    let Online { mut d, .. } = online(json!({}));
    let out = d.send(json!({"call": "sendC2CCustomMsg", "args": ["bob", {"data": "{\"cmd\":1}", "desc": "d", "ext": "e"}], "cb": 1}));
    let send = req(&out, "/v4/openim/sendmsg");
    assert_eq!(
        send["data"]["MsgBody"],
        json!([{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "{\"cmd\":1}", "Desc": "d", "Ext": "e"}}])
    );
    let out = d.reply(id(&send), &fail(20003));
    let cbs = callbacks(&out);
    assert_eq!((cbs[0].0, cbs[0].1), (1, false));
    assert_eq!(cbs[0].2[0], -4);
    assert_eq!(cbs[0].2[1]["ErrorCode"], 20003);

    let out = d.send(json!({"call": "sendGroupCustomMsg", "args": [{"data": "x"}], "cb": 2}));
    let send = req(&out, "/v4/group_open_http_svc/send_group_msg");
    let body = &send["data"];
    assert_eq!(body["GroupId"], "1234");
    assert_eq!(body["MsgPriority"], "COMMON");
    assert!(body.get("Random").is_some());
    let out = d.fail(id(&send));
    assert_eq!(callbacks(&out)[0].2[0], -4);

    // A sent group message names its session by the roomID number, as 2019's did, and has a
    // local sequence number.
    let out = d.send(json!({"call": "sendGroupTextMsg", "args": ["hi"], "cb": 3}));
    let send = req(&out, "/v4/group_open_http_svc/send_group_msg");
    let out = d.reply(id(&send), &ok(json!({"MsgSeq": 9})));
    let msg = &callbacks(&out)[0].2[0];
    assert_eq!(
        msg["sess"],
        json!({"type": "GROUP", "id": 1234, "name": 1234})
    );
    assert_eq!(msg["subType"], 0);
    assert!(msg["seq"].as_u64().unwrap() > 0);
}

#[test]
fn group_send_before_join_fails_with_minus_4() {
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    logged_in(
        &mut d,
        id(&login),
        &ok(json!({"TinyId": "1", "A2Key": "a"})),
    );
    let out = d.send(json!({"call": "sendGroupTextMsg", "args": ["hi"], "cb": 3}));
    assert!(out.requests().is_empty());
    assert_eq!(callbacks(&out)[0].2[0], -4);
    // C2C works once logged in.
    let out = d.send(json!({"call": "sendC2CTextMsg", "args": ["bob", "hi"], "cb": 4}));
    req(&out, "/v4/openim/sendmsg");
}

// ----- leaving -----

#[test]
fn stop_logs_out_aborts_polls_and_fails_pending_sends_once() {
    for how in ["stop", "exitRoom", "detached"] {
        let Online {
            mut d,
            c2c_poll,
            group_poll,
        } = online(json!({}));
        let send = id(&req(
            &d.send(json!({"call": "sendGroupTextMsg", "args": ["hi"], "cb": 9})),
            "/v4/group_open_http_svc/send_group_msg",
        ));
        let out = if how == "detached" {
            d.send(json!({"detached": true}))
        } else {
            d.call(how)
        };
        let aborted = out.op_values("abort");
        for r in [c2c_poll, group_poll, send] {
            assert!(aborted.contains(&json!(r)), "{how}: {r} aborted");
        }
        let logout = req(&out, "/v4/openim/longpollinglogout");
        assert_eq!(logout["data"], json!({"LongPollingId": "lp-1"}), "{how}");
        let cbs = callbacks(&out);
        assert_eq!(cbs.len(), 1, "{how}");
        assert_eq!((cbs[0].0, cbs[0].1), (9, false));
        for late in [c2c_poll, group_poll, send] {
            assert!(
                d.reply(late, &ok(json!({}))).is_empty(),
                "{how}: late reply {late}"
            );
        }
    }
}

#[test]
fn room_errors_keep_im_running() {
    let Online {
        mut d,
        c2c_poll,
        group_poll,
    } = online(json!({}));
    let out = d.pusher(-1307);
    let aborted = out.op_values("abort");
    assert!(
        !aborted.contains(&json!(c2c_poll)) && !aborted.contains(&json!(group_poll)),
        "IM polls untouched"
    );
    assert!(out.requests().is_empty());
}

#[test]
fn without_debug_no_im_url_secret_in_logs() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let out = d.fail(c2c_poll);
    for line in out.logs() {
        assert!(
            !line.contains("sig-self") && !line.contains("a2+key") && !line.contains("a2%2Bkey"),
            "{line}"
        );
    }
}

#[test]
fn send_with_undecodable_arguments_still_answers_its_callback() {
    let Online { mut d, .. } = online(json!({}));
    for (input, cb) in [
        (
            json!({"call": "sendC2CCustomMsg", "args": ["bob", "not an object"], "cb": 21}),
            21,
        ),
        (
            json!({"call": "sendGroupTextMsg", "args": [{"text": "x"}], "cb": 22}),
            22,
        ),
        (
            json!({"call": "sendC2CTextMsg", "args": [["bob"], "hi"], "cb": 23}),
            23,
        ),
    ] {
        let out = d.send(input.clone());
        let cbs = callbacks(&out);
        assert_eq!(cbs.len(), 1, "{input}");
        assert_eq!((cbs[0].0, cbs[0].1), (cb, false));
        assert_eq!(cbs[0].2[0], -4);
        assert!(out.requests().is_empty());
    }
}

#[test]
fn c2c_repeats_are_dropped_and_the_cookie_keeps_the_highest_notice_seq() {
    let Online {
        mut d, c2c_poll, ..
    } = online(json!({}));
    let reply = ok(
        json!({"EventArray": [{"Event": 9, "C2cMsgArray": [text_msg("bob", "x1", 1), text_msg("bob", "x2", 2)]}]}),
    );
    let out = d.reply(c2c_poll, &reply);
    assert_eq!(
        im_tagged(&out, "msg_notify")[0]["detail"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let next = req(&out, "/v4/openim/longpolling");
    assert_eq!(next["data"]["Cookie"]["NoticeSeq"], 2);
    let again = ok(
        json!({"EventArray": [{"Event": 9, "C2cMsgArray": [text_msg("bob", "x2", 2), text_msg("bob", "x3", 3)]}]}),
    );
    let out = d.reply(id(&next), &again);
    let texts: Vec<Value> = im_tagged(&out, "msg_notify")[0]["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["elems"][0]["content"]["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("x3")]);
}

#[test]
fn already_a_member_leaves_and_joins_again_for_a_poll_key() {
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = logged_in(
        &mut d,
        id(&login),
        &ok(json!({"TinyId": "1", "A2Key": "a"})),
    );
    let create = req(&out, "/v4/group_open_http_svc/create_group");
    let join = req(
        &d.reply(id(&create), &fail(10021)),
        "/v4/group_open_http_svc/apply_join_group",
    );
    let out = d.reply(id(&join), &fail(10013));
    assert!(im_events(&out).is_empty());
    let quit = req(&out, "/v4/group_open_http_svc/quit_group");
    assert_eq!(quit["data"], json!({"GroupId": "1234"}));
    let join = req(
        &d.reply(id(&quit), &ok(json!({}))),
        "/v4/group_open_http_svc/apply_join_group",
    );
    let out = d.reply(
        id(&join),
        &ok(json!({"JoinedStatus": "JoinedSuccess", "LongPollingKey": "k"})),
    );
    assert_eq!(im_tagged(&out, "join_group_event")[0]["code"], 0);
    let poll = req(&out, "/v1/group_open_long_polling_http_noauth_svc/get_msg");
    assert_eq!(poll["data"]["Key"], "k");
}

#[test]
fn already_a_member_twice_reports_joined_without_polling() {
    let mut d = Driver::with_props(json!({"enableIM": true}));
    let login = req(&d.call("start"), "/v4/openim/login");
    let out = logged_in(
        &mut d,
        id(&login),
        &ok(json!({"TinyId": "1", "A2Key": "a"})),
    );
    let create = req(&out, "/v4/group_open_http_svc/create_group");
    let join = req(
        &d.reply(id(&create), &ok(json!({}))),
        "/v4/group_open_http_svc/apply_join_group",
    );
    let quit = req(
        &d.reply(id(&join), &fail(10013)),
        "/v4/group_open_http_svc/quit_group",
    );
    let join = req(
        &d.reply(id(&quit), &fail(10007)),
        "/v4/group_open_http_svc/apply_join_group",
    );
    let out = d.reply(id(&join), &fail(10013));
    assert_eq!(im_tagged(&out, "join_group_event")[0]["code"], 0);
    assert!(out.requests().is_empty());
}

#[test]
fn connection_is_back_only_when_both_polls_are() {
    let Online {
        mut d,
        c2c_poll,
        group_poll,
    } = online(json!({}));
    let out = d.reply(c2c_poll, &ok(json!({})));
    let c2c_poll = id(&req(&out, "/v4/openim/longpolling"));
    let out = d.fail(c2c_poll);
    assert_eq!(im_tagged(&out, "connection_event")[0]["code"], 9999);
    let (t, _) = out.timers()[0];
    let out = d.reply(
        group_poll,
        &ok(json!({"NextSeq": 1, "HoldTime": 90, "Key": "key-1"})),
    );
    assert!(
        im_tagged(&out, "connection_event").is_empty(),
        "the C2C poll is still down"
    );
    let c2c_poll = id(&req(&d.timer(t), "/v4/openim/longpolling"));
    let out = d.reply(c2c_poll, &ok(json!({})));
    assert_eq!(im_tagged(&out, "connection_event")[0]["code"], 1);
}

/// A trtc room named by `strRoomID` names a sent group message's session by that string (its
/// JSON was not valid text before messages crossed as a tape: the id was written as a number).
#[test]
fn a_string_room_names_a_sent_group_message_by_its_string() {
    let Online { mut d, .. } = online(json!({"protocol": "trtc", "strRoomID": "room-a"}));
    let out = d.send(json!({"call": "sendGroupTextMsg", "args": ["hi"], "cb": 3}));
    let send = req(&out, "/v4/group_open_http_svc/send_group_msg");
    assert_eq!(send["data"]["GroupId"], "room-a");
    let out = d.reply(id(&send), &ok(json!({"MsgSeq": 9})));
    let msg = &callbacks(&out)[0].2[0];
    assert_eq!(
        msg["sess"],
        json!({"type": "GROUP", "id": "room-a", "name": "room-a"})
    );
}
