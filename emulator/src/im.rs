//! webim v4: the calls `crate/src/room/im.rs` makes, answered from memory with real fan-out.
//!
//! Every call is `POST /{ver}/{service}/{command}?…&sdkappid=S&…` with a JSON body; replies are
//! `{"ActionStatus": "OK"|"FAIL", "ErrorCode", "ErrorInfo", …}` with HTTP 200. `login` carries
//! `identifier` + `usersig` (checked with the `usersig` crate); every later call carries the
//! `tinyid` + `a2` that login returned.
//!
//! * `v4/openim/login` → `TinyId` (a 64-bit number, as the real service sends), `A2Key`. A second
//!   login of the same identifier kicks the first session (its polls get 91101).
//! * `v4/openim/getlongpollingid` → `LongPollingId`, `Timeout`.
//! * `v4/openim/longpolling` `{Timeout, Cookie: {…, LongPollingId}}` → C2C messages as
//!   `EventArray: [{Event: 9, C2cMsgArray: […]}]`, each message delivered once per session; 60008
//!   when the hold ends empty.
//! * `v4/openim/getmsg` → an empty `MsgList` (the emulator never sends the Event 1 that leads to it).
//! * `v4/group_open_http_svc/create_group` (AVChatRoom only; 10025 / 10021 when the ID exists),
//!   `apply_join_group` → `JoinedStatus: "JoinedSuccess"`, `LongPollingKey`.
//! * `v1/group_open_long_polling_http_noauth_svc/get_msg` `{StartSeq, HoldTime, Key}` → the group's
//!   messages from `StartSeq` (0: from joining) as `RspMsgList` (Event 3), `NextSeq`; an empty
//!   OK reply when the hold ends.
//! * `v4/openim/sendmsg` (C2C: to every session of `To_Account`, or kept until it logs in),
//!   `v4/group_open_http_svc/send_group_msg` (to every member's big-group poll, the sender's too).
//! * `v4/openim/longpollinglogout`: ends the session and its group memberships.
//! * `v4/profile/portrait_set` / `portrait_get`: the account's profile ([`crate::profile`]); the
//!   sender's nick goes on each group message as `GroupInfo.From_AccountNick`.
//! * `v4/group_open_http_svc/get_joined_group_list`: the account's groups from its live
//!   memberships (AVChatRoom ones only when `GroupType` asks, as with Tencent).
//! * `v4/openim/authkey`: a download ticket (the emulator serves no downloads);
//!   `v4/imopenstat/web_report`: statistics, accepted and dropped.
//!
//! With these, Tencent's own 2019 webim SDK completes its login sequence (login, portrait_get,
//! get_joined_group_list, authkey) against the emulator.
//!
//! A command the emulator does not implement gets 60002 with HTTP 200, as Tencent answers.

use crate::codes;
use crate::profile::Profiles;
use crate::{body_json, reply, App};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Messages kept per group, per session queue and per offline account (oldest dropped first).
const MAX_KEPT: usize = 1000;
/// TinyIds start here (2^57, the range real ones are in: beyond a JS number's exact integers).
const TINYID_BASE: u64 = 1 << 57;

#[derive(Default)]
pub(crate) struct Im {
    /// By A2Key.
    sessions: HashMap<String, Session>,
    groups: HashMap<String, Group>,
    /// LongPollingKey → (group, A2Key).
    keys: HashMap<String, (String, String)>,
    /// C2C messages for accounts with no session yet.
    offline: HashMap<String, VecDeque<Value>>,
    logins: u64,
    notice_seq: u64,
    /// Nick, portrait and the other profile tags, by account (outlive sessions).
    profiles: Profiles,
}

struct Session {
    user: String,
    tiny_id: u64,
    polling_id: Option<String>,
    c2c: VecDeque<Value>,
    tx: watch::Sender<u64>,
    kicked: bool,
    /// LongPollingKeys of the groups joined.
    keys: Vec<String>,
}

struct Group {
    name: String,
    owner: String,
    next_seq: u64,
    log: VecDeque<(u64, Value)>,
    created_at: u64,
    /// LongPollingKey → the member's session.
    members: HashMap<String, Member>,
    tx: watch::Sender<u64>,
}

struct Member {
    /// The group seq at joining (a poll from `StartSeq` 0 starts there).
    start_seq: u64,
    joined_at: u64,
}

fn push_bounded(q: &mut VecDeque<Value>, v: Value) {
    if q.len() >= MAX_KEPT {
        q.pop_front();
    }
    q.push_back(v);
}

fn ok(extra: Value) -> Response {
    let mut m = Map::new();
    m.insert("ActionStatus".into(), "OK".into());
    m.insert("ErrorCode".into(), 0.into());
    m.insert("ErrorInfo".into(), "".into());
    if let Value::Object(o) = extra {
        m.extend(o);
    }
    reply(StatusCode::OK, Value::Object(m))
}

fn fail(code: i64, info: impl Into<String>) -> Response {
    reply(
        StatusCode::OK,
        json!({"ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": info.into()}),
    )
}

/// Tencent answers a command it does not know like any other failure: HTTP 200, 60002.
pub(crate) fn unknown_command(path: &str) -> Response {
    fail(
        codes::UNKNOWN_COMMAND,
        format!("the emulator does not implement {path} (see emulator/README.md)"),
    )
}

/// The profile service's replies also carry `ErrorDisplay` (text for an end user; always empty).
fn profile_reply(result: Result<Value, crate::profile::Refusal>) -> Response {
    match result {
        Ok(Value::Object(mut m)) => {
            m.insert("ErrorDisplay".into(), "".into());
            ok(Value::Object(m))
        }
        Ok(_) => ok(json!({"ErrorDisplay": ""})),
        Err((code, info)) => reply(
            StatusCode::OK,
            json!({"ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": info, "ErrorDisplay": ""}),
        ),
    }
}

impl Im {
    /// The account a session is logged in as, or the answer for a session that has ended.
    fn account_of(&self, a2: &str) -> Result<&str, Box<Response>> {
        match self.sessions.get(a2) {
            Some(s) => Ok(&s.user),
            None => Err(Box::new(fail(codes::BAD_SESSION, "session ended"))),
        }
    }

    fn bump_groups_of(&self, keys: &[String]) {
        for key in keys {
            if let Some((g, _)) = self.keys.get(key) {
                if let Some(group) = self.groups.get(g) {
                    group.tx.send_modify(|n| *n += 1);
                }
            }
        }
    }

    fn remove_session(&mut self, a2: &str) {
        let Some(s) = self.sessions.remove(a2) else {
            return;
        };
        self.bump_groups_of(&s.keys);
        for key in &s.keys {
            if let Some((g, _)) = self.keys.remove(key) {
                if let Some(group) = self.groups.get_mut(&g) {
                    group.members.remove(key);
                }
            }
        }
        // Dropping the session drops its sender: a pending C2C poll wakes and finds it gone.
    }
}

/// The session of a call (by `a2`, checked against `tinyid`), or the failure to answer.
fn session_of(app: &App, q: &HashMap<String, String>) -> Result<String, Box<Response>> {
    let (Some(tiny), Some(a2)) = (q.get("tinyid"), q.get("a2")) else {
        return Err(Box::new(fail(
            codes::BAD_SESSION,
            "tinyid and a2 are required (log in first)",
        )));
    };
    let st = app.lock();
    let Some(s) = st.im.sessions.get(a2) else {
        return Err(Box::new(fail(
            codes::BAD_SESSION,
            "a2 is not a live session (logged out, or never logged in)",
        )));
    };
    // The client may have read TinyId as a JS number (rounded): compare as doubles.
    let same = tiny.parse::<u64>().ok() == Some(s.tiny_id)
        || tiny.parse::<f64>().ok() == Some(s.tiny_id as f64);
    if !same {
        return Err(Box::new(fail(
            codes::BAD_SESSION,
            "tinyid does not belong to this a2",
        )));
    }
    if s.kicked {
        return Err(Box::new(fail(
            codes::KICKED,
            "this account logged in elsewhere; the session is over",
        )));
    }
    Ok(a2.clone())
}

pub(crate) async fn dispatch(
    State(app): State<Arc<App>>,
    Path((ver, service, cmd)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if q.get("sdkappid").and_then(|s| s.parse::<u64>().ok()) != Some(u64::from(app.cfg.sdk_app_id))
    {
        return fail(
            codes::APP_NOT_FOUND,
            "sdkappid is missing or not this emulator's",
        );
    }
    let Some(body) = body_json(&body).filter(Value::is_object) else {
        return fail(codes::BAD_JSON, "the body is not a JSON object");
    };
    let route = (ver.as_str(), service.as_str(), cmd.as_str());
    if route == ("v4", "openim", "login") {
        return login(&app, &q);
    }
    let known = matches!(
        route,
        (
            "v4",
            "openim",
            "getlongpollingid" | "longpolling" | "getmsg" | "sendmsg" | "longpollinglogout"
        ) | (
            "v4",
            "group_open_http_svc",
            "create_group" | "apply_join_group" | "send_group_msg"
        ) | ("v1", "group_open_long_polling_http_noauth_svc", "get_msg")
            | ("v4", "profile", "portrait_get" | "portrait_set")
            | ("v4", "group_open_http_svc", "get_joined_group_list")
            | ("v4", "openim", "authkey")
            | ("v4", "imopenstat", "web_report")
    );
    if !known {
        return unknown_command(&format!("/{ver}/{service}/{cmd}"));
    }
    let a2 = match session_of(&app, &q) {
        Ok(a2) => a2,
        Err(r) if cmd == "get_msg" => {
            let hold = hold_of(&app, body.get("HoldTime"));
            tokio::time::sleep(hold).await;
            return *r;
        }
        Err(r) => return *r,
    };
    match (service.as_str(), cmd.as_str()) {
        ("openim", "getlongpollingid") => polling_id(&app, &a2),
        ("openim", "longpolling") => c2c_poll(&app, &a2, &body).await,
        ("openim", "getmsg") => {
            ok(json!({"Cookie": "", "SyncFlag": 0, "MsgList": [], "EventArray": []}))
        }
        ("openim", "sendmsg") => send_c2c(&app, &a2, &body),
        ("openim", "authkey") => auth_key(&app, &headers),
        // Quality statistics: the SDK ignores the answer, and there is nothing to keep.
        ("imopenstat", "web_report") => ok(json!({})),
        ("openim", "longpollinglogout") => {
            app.lock().im.remove_session(&a2);
            ok(json!({}))
        }
        (_, "create_group") => create_group(&app, &a2, &body),
        (_, "apply_join_group") => join_group(&app, &a2, &body),
        (_, "send_group_msg") => send_group(&app, &a2, &body),
        (_, "get_joined_group_list") => joined_groups(&app, &a2, &body),
        (_, "portrait_set") => portrait_set(&app, &a2, &body),
        (_, "portrait_get") => portrait_get(&app, &body),
        _ => group_poll(&app, &a2, &body).await,
    }
}

fn login(app: &App, q: &HashMap<String, String>) -> Response {
    let user = q.get("identifier").map(String::as_str).unwrap_or("");
    let sig = q.get("usersig").map(String::as_str).unwrap_or("");
    if user.is_empty() {
        return fail(codes::BAD_PARAM, "identifier is missing");
    }
    if sig.is_empty() {
        return fail(codes::SIG_EMPTY, "usersig is empty");
    }
    if let Err(e) = app.signer.verify_user_sig(sig, user, usersig::unix_now()) {
        return fail(codes::of_sig_error(&e), format!("usersig refused: {e}"));
    }
    let a2 = app.token();
    let mut st = app.lock();
    let im = &mut st.im;
    for s in im.sessions.values_mut().filter(|s| s.user == user) {
        s.kicked = true;
        s.tx.send_modify(|n| *n += 1);
    }
    let kicked_keys: Vec<String> = im
        .sessions
        .values()
        .filter(|s| s.kicked && s.user == user)
        .flat_map(|s| s.keys.clone())
        .collect();
    im.bump_groups_of(&kicked_keys);
    im.logins += 1;
    im.profiles.register(user);
    let tiny_id = TINYID_BASE + im.logins;
    let c2c = im.offline.remove(user).unwrap_or_default();
    im.sessions.insert(
        a2.clone(),
        Session {
            user: user.to_string(),
            tiny_id,
            polling_id: None,
            c2c,
            tx: watch::Sender::new(0),
            kicked: false,
            keys: Vec::new(),
        },
    );
    ok(json!({"TinyId": tiny_id, "A2Key": a2}))
}

/// `v4/profile/portrait_set` `{From_Account, ProfileItem: [{Tag, Value}]}`: a session sets its
/// own account's profile.
fn portrait_set(app: &App, a2: &str, body: &Value) -> Response {
    let mut st = app.lock();
    let im = &mut st.im;
    let me = match im.account_of(a2) {
        Ok(me) => me.to_string(),
        Err(ended) => return *ended,
    };
    let from = str_field(body, "From_Account");
    if !from.is_empty() && from != me {
        return profile_reply(Err((
            codes::PROFILE_NEEDS_ADMIN,
            "From_Account is not the logged-in account (only an administrator sets others' profiles)".into(),
        )));
    }
    profile_reply(
        im.profiles
            .set(&me, body.get("ProfileItem"))
            .map(|()| json!({})),
    )
}

/// `v4/profile/portrait_get` `{From_Account, To_Account: [...], TagList: [...]}`.
fn portrait_get(app: &App, body: &Value) -> Response {
    let st = app.lock();
    profile_reply(
        st.im
            .profiles
            .get(body.get("To_Account"), body.get("TagList")),
    )
}

fn polling_id(app: &App, a2: &str) -> Response {
    let id = app.token();
    let hold = app.cfg.im_hold.as_secs().max(1);
    let mut st = app.lock();
    let Some(s) = st.im.sessions.get_mut(a2) else {
        return fail(codes::BAD_SESSION, "session ended");
    };
    s.polling_id = Some(id.clone());
    ok(json!({"LongPollingId": id, "Timeout": hold}))
}

fn hold_of(app: &App, asked: Option<&Value>) -> Duration {
    let asked = asked
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)))
        .unwrap_or(app.cfg.im_hold);
    asked.min(app.cfg.im_hold)
}

async fn c2c_poll(app: &App, a2: &str, body: &Value) -> Response {
    let want = body
        .get("Cookie")
        .and_then(|c| c.get("LongPollingId"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let deadline = tokio::time::Instant::now() + hold_of(app, body.get("Timeout"));
    loop {
        let mut rx = {
            let mut st = app.lock();
            let Some(s) = st.im.sessions.get_mut(a2) else {
                return fail(codes::BAD_SESSION, "logged out");
            };
            if s.kicked {
                return fail(codes::KICKED, "this account logged in elsewhere");
            }
            if s.polling_id.as_deref() != Some(want) {
                return fail(
                    codes::BAD_PARAM,
                    "Cookie.LongPollingId is not this session's (call getlongpollingid)",
                );
            }
            if !s.c2c.is_empty() {
                let msgs: Vec<Value> = s.c2c.drain(..).collect();
                return ok(json!({"EventArray": [{"Event": 9, "C2cMsgArray": msgs}]}));
            }
            s.tx.subscribe()
        };
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            return fail(
                codes::POLL_TIMEOUT,
                "long poll held without news; poll again",
            );
        }
    }
}

/// A well-formed `MsgBody`: a non-empty array of `{MsgType: string, MsgContent: object}`.
fn check_msg_body(body: &Value) -> Result<Value, String> {
    let elems = body
        .get("MsgBody")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or("MsgBody must be a non-empty array")?;
    for e in elems {
        let kind = e
            .get("MsgType")
            .and_then(Value::as_str)
            .ok_or("MsgType must be a string")?;
        let content = e
            .get("MsgContent")
            .filter(|c| c.is_object())
            .ok_or("MsgContent must be an object")?;
        if kind == "TIMTextElem" && !content.get("Text").is_some_and(Value::is_string) {
            return Err("a TIMTextElem needs MsgContent.Text".into());
        }
        if kind == "TIMCustomElem" && !content.get("Data").is_some_and(Value::is_string) {
            return Err("a TIMCustomElem needs MsgContent.Data".into());
        }
    }
    Ok(Value::Array(elems.clone()))
}

fn str_field<'a>(body: &'a Value, name: &str) -> &'a str {
    body.get(name).and_then(Value::as_str).unwrap_or("")
}

fn send_c2c(app: &App, a2: &str, body: &Value) -> Response {
    let msg_body = match check_msg_body(body) {
        Ok(b) => b,
        Err(why) => return fail(codes::C2C_BAD_MSG_BODY, why),
    };
    let to = str_field(body, "To_Account").to_string();
    if to.is_empty() {
        return fail(codes::C2C_BAD_ACCOUNT, "To_Account is missing");
    }
    let now = usersig::unix_now();
    let mut st = app.lock();
    let im = &mut st.im;
    let me = match im.account_of(a2) {
        Ok(me) => me.to_string(),
        Err(ended) => return *ended,
    };
    let from = str_field(body, "From_Account");
    if !from.is_empty() && from != me {
        return fail(
            codes::C2C_BAD_ACCOUNT,
            "From_Account is not the logged-in account",
        );
    }
    im.notice_seq += 1;
    let item = json!({
        "From_Account": me,
        "To_Account": to,
        "MsgSeq": body.get("MsgSeq").cloned().unwrap_or(0.into()),
        "MsgRandom": body.get("MsgRandom").cloned().unwrap_or(0.into()),
        "MsgTimeStamp": now,
        "MsgBody": msg_body,
        "NoticeSeq": im.notice_seq,
    });
    let mut delivered = false;
    for s in im
        .sessions
        .values_mut()
        .filter(|s| s.user == to && !s.kicked)
    {
        push_bounded(&mut s.c2c, item.clone());
        s.tx.send_modify(|n| *n += 1);
        delivered = true;
    }
    if !delivered {
        push_bounded(im.offline.entry(to).or_default(), item);
    }
    ok(json!({"MsgTime": now}))
}

fn create_group(app: &App, a2: &str, body: &Value) -> Response {
    let id = str_field(body, "GroupId");
    if id.is_empty() {
        return fail(
            codes::GROUP_BAD_PARAM,
            "GroupId is missing (the emulator needs one)",
        );
    }
    if str_field(body, "Type") != "AVChatRoom" {
        return fail(
            codes::GROUP_BAD_PARAM,
            "the emulator only makes AVChatRoom groups",
        );
    }
    let mut st = app.lock();
    let im = &mut st.im;
    let me = match im.account_of(a2) {
        Ok(me) => me.to_string(),
        Err(ended) => return *ended,
    };
    if let Some(g) = im.groups.get(id) {
        return if g.owner == me {
            fail(codes::GROUP_ID_OWNED, "group ID already in use; you own it")
        } else {
            fail(codes::GROUP_ID_IN_USE, "group ID already in use")
        };
    }
    let name = match str_field(body, "Name") {
        "" => id.to_string(),
        n => n.to_string(),
    };
    im.groups.insert(
        id.to_string(),
        Group {
            name,
            owner: me,
            next_seq: 1,
            log: VecDeque::new(),
            created_at: usersig::unix_now(),
            members: HashMap::new(),
            tx: watch::Sender::new(0),
        },
    );
    ok(json!({"GroupId": id}))
}

fn join_group(app: &App, a2: &str, body: &Value) -> Response {
    let id = str_field(body, "GroupId").to_string();
    let fresh = app.token();
    let mut st = app.lock();
    let im = &mut st.im;
    let Some(group) = im.groups.get_mut(&id) else {
        return fail(
            codes::GROUP_NOT_FOUND,
            format!("group {id:?} does not exist"),
        );
    };
    let Some(s) = im.sessions.get_mut(a2) else {
        return fail(codes::BAD_SESSION, "session ended");
    };
    // Joining again from the same session gives the same key.
    let existing = s
        .keys
        .iter()
        .find(|k| im.keys.get(*k).is_some_and(|(g, _)| *g == id))
        .cloned();
    let key = match existing {
        Some(k) => k,
        None => {
            let member = Member {
                start_seq: group.next_seq,
                joined_at: usersig::unix_now(),
            };
            group.members.insert(fresh.clone(), member);
            s.keys.push(fresh.clone());
            im.keys.insert(fresh.clone(), (id, a2.to_string()));
            fresh
        }
    };
    ok(json!({"JoinedStatus": "JoinedSuccess", "LongPollingKey": key}))
}

fn send_group(app: &App, a2: &str, body: &Value) -> Response {
    let msg_body = match check_msg_body(body) {
        Ok(b) => b,
        Err(why) => return fail(codes::GROUP_BAD_PARAM, why),
    };
    let id = str_field(body, "GroupId").to_string();
    let priority = match body.get("MsgPriority") {
        None => PRIORITY_COMMON,
        Some(p) => match p.as_str().and_then(priority_number) {
            Some(n) => n,
            None => {
                return fail(
                    codes::GROUP_BAD_PARAM,
                    "MsgPriority must be \"COMMON\", \"REDPACKET\" or \"LOVEMSG\"",
                )
            }
        },
    };
    let now = usersig::unix_now();
    let mut st = app.lock();
    let im = &mut st.im;
    let Some(s) = im.sessions.get(a2) else {
        return fail(codes::BAD_SESSION, "session ended");
    };
    let me = s.user.clone();
    let from = str_field(body, "From_Account");
    if !from.is_empty() && from != me {
        return fail(
            codes::GROUP_NO_PERMISSION,
            "From_Account is not the logged-in account",
        );
    }
    let member = s
        .keys
        .iter()
        .any(|k| im.keys.get(k).is_some_and(|(g, _)| *g == id));
    let Some(group) = im.groups.get_mut(&id) else {
        return fail(
            codes::GROUP_NOT_FOUND,
            format!("group {id:?} does not exist"),
        );
    };
    if !member {
        return fail(
            codes::GROUP_NO_PERMISSION,
            "not a member of this group (apply_join_group first)",
        );
    }
    // The sender's nick at the time of sending goes on the message.
    let nick = im.profiles.nick(&me);
    let seq = group.next_seq;
    group.next_seq += 1;
    let item = json!({
        "Event": 3,
        "From_Account": me,
        "ToGroupId": id,
        "MsgSeq": seq,
        "MsgRandom": body.get("Random").cloned().unwrap_or(0.into()),
        "MsgTimeStamp": now,
        "MsgBody": msg_body,
        "GroupInfo": {"GroupName": group.name, "From_AccountNick": nick, "To_Account": ""},
        "MsgPriority": priority,
        "IsPlaceMsg": 0,
    });
    if group.log.len() >= MAX_KEPT {
        group.log.pop_front();
    }
    group.log.push_back((seq, item));
    group.tx.send_modify(|n| *n += 1);
    ok(json!({"MsgTime": now, "MsgSeq": seq}))
}

/// Group message priorities: sent by name, delivered as numbers (the 2019 SDK compares the
/// delivered `MsgPriority` with 1 red packet, 2 common, 3 like).
const PRIORITY_COMMON: u64 = 2;

fn priority_number(name: &str) -> Option<u64> {
    match name {
        "REDPACKET" => Some(1),
        "COMMON" => Some(PRIORITY_COMMON),
        "LOVEMSG" => Some(3),
        _ => None,
    }
}

/// Group types Tencent knows; the emulator only ever makes `AVChatRoom` ones.
const GROUP_TYPES: [&str; 8] = [
    "Private",
    "Public",
    "ChatRoom",
    "AVChatRoom",
    "BChatRoom",
    "Work",
    "Meeting",
    "Community",
];
/// Most groups one `get_joined_group_list` page may ask for.
const MAX_GROUP_PAGE: u64 = 5000;

/// `v4/group_open_http_svc/get_joined_group_list` `{Member_Account, Limit, Offset, GroupType,
/// ResponseFilter: {GroupBaseInfoFilter, SelfInfoFilter}}` → `TotalCount`, `GroupIdList`: the
/// groups the account's live sessions have joined, by group ID. As with Tencent, `AVChatRoom`
/// groups are listed only when `GroupType` asks for them, so the 2019 SDK's login query (no
/// `GroupType`) gets an empty list.
fn joined_groups(app: &App, a2: &str, body: &Value) -> Response {
    let account = str_field(body, "Member_Account");
    if account.is_empty() {
        return fail(codes::GROUP_BAD_PARAM, "Member_Account is missing");
    }
    let group_type = match body.get("GroupType") {
        None => None,
        Some(t) => match t.as_str().filter(|t| GROUP_TYPES.contains(t)) {
            Some(t) => Some(t),
            None => {
                return fail(
                    codes::GROUP_BAD_PARAM,
                    format!("GroupType must be one of {GROUP_TYPES:?}"),
                )
            }
        },
    };
    let number = |name: &str| match body.get(name) {
        None => Ok(None),
        Some(v) => crate::as_u64(Some(v))
            .map(Some)
            .ok_or(format!("{name} must be a number")),
    };
    let (limit, offset) = match (number("Limit"), number("Offset")) {
        (Ok(l), Ok(o)) => (l.filter(|l| *l > 0), o.unwrap_or(0)),
        (Err(why), _) | (_, Err(why)) => return fail(codes::GROUP_BAD_PARAM, why),
    };
    if limit.is_some_and(|l| l > MAX_GROUP_PAGE) {
        return fail(
            codes::GROUP_BAD_PARAM,
            format!("Limit must be at most {MAX_GROUP_PAGE}"),
        );
    }
    let filter = |name: &str| -> Vec<&str> {
        body.get("ResponseFilter")
            .and_then(|f| f.get(name))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let (base_fields, self_fields) = (filter("GroupBaseInfoFilter"), filter("SelfInfoFilter"));

    let st = app.lock();
    let im = &st.im;
    let me = match im.account_of(a2) {
        Ok(me) => me,
        Err(ended) => return *ended,
    };
    if account != me {
        return fail(
            codes::GROUP_NO_PERMISSION,
            "Member_Account is not the logged-in account",
        );
    }
    // The account's memberships: group → its earliest join among the account's live sessions.
    let mut joined: Vec<(&str, &Group, &Member)> = Vec::new();
    if group_type == Some("AVChatRoom") {
        for s in im.sessions.values().filter(|s| s.user == me && !s.kicked) {
            for key in &s.keys {
                let Some((gid, _)) = im.keys.get(key) else {
                    continue;
                };
                let Some(group) = im.groups.get(gid) else {
                    continue;
                };
                let Some(member) = group.members.get(key) else {
                    continue;
                };
                match joined.iter_mut().find(|(g, _, _)| *g == gid.as_str()) {
                    Some(seen) if seen.2.joined_at > member.joined_at => seen.2 = member,
                    Some(_) => {}
                    None => joined.push((gid.as_str(), group, member)),
                }
            }
        }
    }
    joined.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let total = joined.len();
    let page = joined
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit.map_or(usize::MAX, |l| l as usize));
    let list: Vec<Value> = page
        .map(|(gid, group, member)| {
            let mut item = Map::new();
            item.insert("GroupId".into(), (*gid).into());
            for field in &base_fields {
                let value = match *field {
                    "Type" => json!("AVChatRoom"),
                    "Name" => json!(group.name),
                    "Owner_Account" => json!(group.owner),
                    "CreateTime" => json!(group.created_at),
                    "NextMsgSeq" => json!(group.next_seq),
                    "MemberNum" => json!(member_count(im, group)),
                    "ApplyJoinOption" => json!("FreeAccess"),
                    _ => continue,
                };
                item.insert((*field).into(), value);
            }
            let mut self_info = Map::new();
            for field in &self_fields {
                let value = match *field {
                    "Role" if group.owner == me => json!("Owner"),
                    "Role" => json!("Member"),
                    "JoinTime" => json!(member.joined_at),
                    _ => continue,
                };
                self_info.insert((*field).into(), value);
            }
            if !self_info.is_empty() {
                item.insert("SelfInfo".into(), Value::Object(self_info));
            }
            Value::Object(item)
        })
        .collect();
    ok(json!({"TotalCount": total, "GroupIdList": list}))
}

/// Distinct accounts with a live membership.
fn member_count(im: &Im, group: &Group) -> usize {
    let mut accounts: Vec<&str> = group
        .members
        .keys()
        .filter_map(|k| im.keys.get(k))
        .filter_map(|(_, a2)| im.sessions.get(a2))
        .map(|s| s.user.as_str())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    accounts.len()
}

/// Lifetime the emulator gives its download auth keys, seconds.
const AUTH_KEY_LIFETIME: u64 = 86_400;

/// `v4/openim/authkey` `{}` → `IpList`, `AuthKey`, `ExpireTime`: what the SDK would build voice
/// and file download URLs from (`http://<IpList[0]>/asn.com/stddownload_common_file?authkey=…`).
/// The emulator serves no downloads; the address is its own (from the request's `Host`), so such
/// a URL reaches it and gets a plain 404 instead of going out to the internet.
fn auth_key(app: &App, headers: &HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or("127.0.0.1");
    ok(json!({"IpList": [host], "AuthKey": app.token(), "ExpireTime": AUTH_KEY_LIFETIME}))
}

/// A big-group poll that fails is answered when its hold is over, like one with nothing to
/// deliver, not at once. The 2019 SDK polls again immediately after any error reply and never
/// gives up on one (docs/webim-protocol.md 5.4): an immediate answer to a kicked session, a
/// stale `Key` or an `a2` from before an emulator restart would make a 2019 page spin hundreds
/// of requests a second. (The C2C poll still reports a kick at once.)
async fn failed_group_poll(deadline: tokio::time::Instant, code: i64, info: &str) -> Response {
    tokio::time::sleep_until(deadline).await;
    fail(code, info)
}

async fn group_poll(app: &App, a2: &str, body: &Value) -> Response {
    let key = str_field(body, "Key").to_string();
    let start_seq = crate::as_u64(body.get("StartSeq")).unwrap_or(0);
    let hold = hold_of(app, body.get("HoldTime"));
    let hold_secs = app.cfg.im_hold.as_secs().max(1);
    let deadline = tokio::time::Instant::now() + hold;
    loop {
        // Decided under the lock, answered (or waited for) after it is released.
        let next = {
            let st = app.lock();
            let im = &st.im;
            let found = im
                .keys
                .get(&key)
                .map(|(gid, owner)| (owner, im.groups.get(gid)));
            let group = match found {
                None => Err((
                    codes::GROUP_NO_PERMISSION,
                    "Key is not a member's LongPollingKey (logged out?)",
                )),
                Some((owner, _)) if owner != a2 => {
                    Err((codes::GROUP_NO_PERMISSION, "Key belongs to another session"))
                }
                Some(_) if im.sessions.get(a2).is_none_or(|s| s.kicked) => {
                    Err((codes::KICKED, "this account logged in elsewhere"))
                }
                Some((_, None)) => Err((codes::GROUP_NOT_FOUND, "the group is gone")),
                Some((_, Some(group))) => Ok(group),
            };
            group.map(|group| {
                let start = if start_seq == 0 {
                    group
                        .members
                        .get(&key)
                        .map_or(group.next_seq, |m| m.start_seq)
                } else {
                    start_seq
                };
                let msgs: Vec<Value> = group
                    .log
                    .iter()
                    .filter(|(seq, _)| *seq >= start)
                    .map(|(_, m)| m.clone())
                    .collect();
                (group.tx.subscribe(), start, msgs, group.next_seq)
            })
        };
        let (mut rx, start) = match next {
            Ok((_, _, msgs, next_seq)) if !msgs.is_empty() => {
                return ok(
                    json!({"NextSeq": next_seq, "HoldTime": hold_secs, "Key": key, "RspMsgList": msgs}),
                );
            }
            Ok((rx, start, _, _)) => (rx, start),
            Err((code, info)) => return failed_group_poll(deadline, code, info).await,
        };
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            return ok(
                json!({"NextSeq": start, "HoldTime": hold_secs, "Key": key, "RspMsgList": []}),
            );
        }
    }
}
