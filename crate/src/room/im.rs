//! IM over the webim v4 HTTP protocol (facts in `docs/webim-protocol.md`), spoken by the core
//! itself instead of shipping Tencent's 249 KB SDK: log in, create and join the room's
//! `AVChatRoom` group, keep the big-group and the C2C/notification long polls running, send
//! text and custom messages, and report every happening as an `IMEvent`.
//!
//! Differences from the 2019 SDK, on purpose: message text is sent as written (no HTML escaping,
//! no splitting at `[..]`), so Chinese and emoji round-trip intact; the byte limits count real
//! UTF-8 bytes; only the calls the room needs are made (no profile, joined-group list or authkey
//! requests); a failed poll backs off (1 s doubling to 30 s) instead of spinning; 10013 "already a
//! member" reports success; the last three IMEvent tags are not lost.

use super::{Room, TimerKind};
use crate::input::MsgBody;
use crate::json::{obj, Json};
use crate::output::{Level, Output};
use crate::urls::encode_component;

const HOST: &str = "https://webim.tim.qq.com";
/// The SDK build the 2019 component shipped identifies itself with these.
const WEBSDKAPPID: &str = "537048168";
const SDK_VERSION: &str = "1.7.0";
/// Byte limits of one message (C2C, group), as the 2019 SDK enforced them.
const C2C_MAX_BYTES: usize = 12000;
const GROUP_MAX_BYTES: usize = 8898;
/// Server codes.
const POLL_TIMED_OUT: i64 = 60008;
const KICKED: i64 = 91101;
const GROUP_EXISTS: [i64; 2] = [10025, 10021];
const ALREADY_MEMBER: i64 = 10013;
/// Transport failure, as the SDK numbers it.
const NETWORK: i64 = -2;
/// Connection states reported by `connection_event`, as the SDK numbers them.
const CONN_ON: i64 = 0;
const CONN_RECONNECT: i64 = 1;
const CONN_OFF: i64 = 9999;
/// Send-method failure codes (2019's).
const NO_RECEIVER: i64 = -1;
const EMPTY: i64 = -2;
const TOO_LONG: i64 = -3;
const SEND_FAILED: i64 = -4;
/// How many recent C2C message keys are kept to drop repeats.
const SEEN_KEPT: usize = 64;
const BACKOFF_FIRST_MS: u32 = 1000;
const BACKOFF_MAX_MS: u32 = 30_000;
const C2C_POLL_SECONDS: u32 = 60;
const GROUP_HOLD_SECONDS: u32 = 90;

/// Which long poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Poll {
    C2c,
    Group,
}

#[derive(Clone, Debug, PartialEq)]
enum Call {
    Login,
    CreateGroup,
    JoinGroup,
    /// Leaving the group after 10013, to join again and get a poll key.
    QuitGroup,
    PollingId,
    Poll(Poll),
    GetMsg,
    Send {
        cb: Option<u32>,
        msg: Json,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Conn {
    #[default]
    Init,
    On,
    Off,
}

/// IM state of one room.
#[derive(Debug, Default)]
pub(super) struct Im {
    /// Logged in: the session tokens every later URL carries.
    session: Option<(String, String)>,
    joined: bool,
    rejoined: bool,
    kicked: bool,
    /// Recent C2C message keys: a message the server hands out twice is shown once.
    seen: Vec<String>,
    pending: Vec<(u32, Call)>,
    req_seq: u64,
    conn: Conn,
    failures: [u32; 2],
    polling_id: Option<Json>,
    notify_seq: Json,
    notice_seq: Json,
    getmsg_cookie: Json,
    /// The big-group poll's next `{StartSeq, HoldTime, Key}`.
    group_poll: Option<(Json, Json, Json)>,
    rng: u64,
    msg_seq: u64,
}

/// A whole-number field (servers send some as numeric strings).
fn int_field(v: &Json, name: &str) -> Option<i64> {
    match v.get(name)? {
        Json::Num(n) => crate::codec::whole_number(n),
        Json::Str(s) => s.parse().ok(),
        _ => None,
    }
}

fn code_of(reply: &Json) -> i64 {
    int_field(reply, "ErrorCode").unwrap_or(0)
}

/// A reply counts as success only with `ActionStatus` "OK" (or, lacking it, error code 0).
fn is_ok(reply: &Json) -> bool {
    match reply.get("ActionStatus").and_then(Json::as_str) {
        Some(status) => status == "OK",
        None => reply.is_object() && code_of(reply) == 0,
    }
}

/// The raw text of a token (`TinyId` may be a 64-bit number: keep its digits, not a float).
fn token(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::Str(s) if !s.is_empty() => Some(s.clone()),
        Json::Num(n) => Some(n.clone()),
        _ => None,
    }
}

fn num(n: u64) -> Json {
    Json::Num(n.to_string())
}

/// Decodes a message element `{MsgType, MsgContent}` into `{type, content}`, moving its parts.
fn element(mut elem: Json) -> Json {
    let kind = match elem.take("MsgType") {
        Json::Str(mut kind) => {
            kind.truncate(kind.trim_end().len());
            kind
        }
        _ => String::new(),
    };
    let mut content = elem.take("MsgContent");
    let mut field = |name: &str| content.take(name);
    let decoded = match kind.as_str() {
        "TIMTextElem" => obj([("text", field("Text"))]),
        "TIMFaceElem" => obj([("index", field("Index")), ("data", field("Data"))]),
        "TIMCustomElem" => obj([
            ("data", field("Data")),
            ("desc", field("Desc")),
            ("ext", field("Ext")),
        ]),
        _ => content,
    };
    obj([("type", kind.into()), ("content", decoded)])
}

fn elements(body: Json) -> Vec<Json> {
    match body {
        Json::Arr(elems) => elems.into_iter().map(element).collect(),
        _ => Vec::new(),
    }
}

fn wire_body(body: &MsgBody) -> Json {
    match body {
        MsgBody::Text(text) => obj([
            ("MsgType", "TIMTextElem".into()),
            ("MsgContent", obj([("Text", text.as_str().into())])),
        ]),
        MsgBody::Custom { data, desc, ext } => obj([
            ("MsgType", "TIMCustomElem".into()),
            (
                "MsgContent",
                obj([
                    ("Data", data.as_str().into()),
                    ("Desc", desc.as_str().into()),
                    ("Ext", ext.as_str().into()),
                ]),
            ),
        ]),
    }
}

impl Room {
    fn im_event(&mut self, tag: &'static str, code: i64, detail: Json) {
        self.emit("IMEvent", tag, code, detail);
    }

    fn im_url(&mut self, ver: &str, service: &str, command: &str) -> String {
        let p = &self.props;
        let base = p.api_base.trim_end_matches('/');
        let host = if base.is_empty() { HOST } else { base };
        let auth = match &self.im.session {
            Some((tiny_id, a2)) => format!(
                "tinyid={}&a2={}",
                encode_component(tiny_id),
                encode_component(a2)
            ),
            None => format!(
                "identifier={}&usersig={}",
                encode_component(&p.user_id),
                encode_component(&p.user_sig)
            ),
        };
        self.im.req_seq += 1;
        format!(
            "{host}/{ver}/{service}/{command}?websdkappid={WEBSDKAPPID}&v={SDK_VERSION}&{auth}&contenttype=json&sdkappid={}&accounttype=1&apn=1&reqtime={}&reqSeq={}",
            p.sdk_app_id,
            (self.now_ms.max(0.0) / 1000.0) as u64,
            self.im.req_seq
        )
    }

    fn im_request(&mut self, call: Call, ver: &str, service: &str, command: &str, data: Json) {
        let url = self.im_url(ver, service, command);
        let id = self.alloc_id();
        self.debug_log(|| format!("webrtc-room: IM request {url}"));
        self.im.pending.push((id, call));
        self.out.push_back(Output::Request {
            id,
            url,
            method: "POST",
            data,
        });
    }

    fn random(&mut self) -> u64 {
        // xorshift64*, seeded from the clock the shim passes in: message ids need only be unlikely
        // to repeat, not be secret.
        if self.im.rng == 0 {
            self.im.rng = (self.now_ms as u64) ^ 0x9E37_79B9_7F4A_7C15;
        }
        let mut x = self.im.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.im.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `start()` with `enableIM`: log in; the rest follows from the replies.
    pub(super) fn im_start(&mut self) {
        if !self.props.enable_im {
            return;
        }
        self.im = Im::default();
        self.im_request(
            Call::Login,
            "v4",
            "openim",
            "login",
            obj([("State", "Online".into())]),
        );
    }

    /// Leaves IM: every pending call is dropped (a pending send fails), the polls stop, and a
    /// logged-in session is logged out (that reply is not waited for).
    pub(super) fn im_stop(&mut self, why: &str) {
        let pending = std::mem::take(&mut self.im.pending);
        for (id, call) in pending {
            self.out.push_back(Output::Abort(id));
            if let Call::Send { cb: Some(cb), .. } = call {
                self.callback(cb, false, vec![num_i(SEND_FAILED), why.into()]);
            }
        }
        self.disarm(|kind| matches!(kind, TimerKind::ImRetry(_)));
        if self.im.session.is_some() && !self.im.kicked {
            let polling_id = self.im.polling_id.clone().unwrap_or_default();
            let url = self.im_url("v4", "openim", "longpollinglogout");
            let id = self.alloc_id();
            self.out.push_back(Output::Request {
                id,
                url,
                method: "POST",
                data: obj([("LongPollingId", polling_id)]),
            });
        }
        self.im = Im::default();
    }

    fn callback(&mut self, id: u32, ok: bool, args: Vec<Json>) {
        self.out.push_back(Output::Callback { id, ok, args });
    }

    fn send_fail(&mut self, cb: Option<u32>, code: i64, why: String) {
        self.log(
            Level::Warn,
            format!("webrtc-room: IM send failed ({code}): {why}"),
        );
        if let Some(cb) = cb {
            self.callback(cb, false, vec![num_i(code), why.into()]);
        }
    }

    /// One of the four send methods, with 2019's checks and codes.
    pub(super) fn im_send(&mut self, to: Option<String>, body: MsgBody, cb: Option<u32>) {
        let group = to.is_none();
        if let Some(to) = &to {
            if to.is_empty() {
                return self.send_fail(
                    cb,
                    NO_RECEIVER,
                    "no receiver: pass the userID to send to".into(),
                );
            }
        }
        let counted = match &body {
            MsgBody::Text(text) => text,
            MsgBody::Custom { data, .. } => data,
        };
        if counted.is_empty() {
            return self.send_fail(cb, EMPTY, "the message is empty".into());
        }
        let max = if group {
            GROUP_MAX_BYTES
        } else {
            C2C_MAX_BYTES
        };
        if counted.len() > max {
            return self.send_fail(
                cb,
                TOO_LONG,
                format!(
                    "the message is {} bytes (UTF-8); at most {max} may be sent",
                    counted.len()
                ),
            );
        }
        if self.im.kicked {
            return self.send_fail(
                cb,
                SEND_FAILED,
                "kicked offline: this userID logged in elsewhere".into(),
            );
        }
        let Some(_) = &self.im.session else {
            return self.send_fail(
                cb,
                SEND_FAILED,
                "IM is not logged in (set enableIM and call start())".into(),
            );
        };
        if group && !self.im.joined {
            return self.send_fail(
                cb,
                SEND_FAILED,
                "the room's IM group is not joined yet".into(),
            );
        }
        let me = self.props.user_id.clone();
        let nick = if self.props.user_name.is_empty() {
            me.clone()
        } else {
            self.props.user_name.clone()
        };
        let random = self.random() & 0xFFFF_FFFF;
        let time = (self.now_ms.max(0.0) / 1000.0) as u64;
        let room = self.props.room_id.to_string();
        let wire = vec![wire_body(&body)];
        let elems = wire.iter().cloned().map(element).collect();
        let (data, seq, sess) = match &to {
            Some(to) => {
                if self.im.msg_seq == 0 {
                    self.im.msg_seq = self.random() % 10_000_000 + 1;
                }
                self.im.msg_seq += 1;
                let seq = self.im.msg_seq;
                let data = obj([
                    ("From_Account", me.as_str().into()),
                    ("To_Account", to.as_str().into()),
                    ("MsgTimeStamp", num(time)),
                    ("MsgSeq", num(seq)),
                    ("MsgRandom", num(random)),
                    ("MsgBody", Json::Arr(wire)),
                ]);
                (
                    data,
                    num(seq),
                    obj([("type", "C2C".into()), ("id", to.as_str().into())]),
                )
            }
            None => {
                let data = obj([
                    ("GroupId", room.as_str().into()),
                    ("From_Account", me.as_str().into()),
                    ("Random", num(random)),
                    ("MsgBody", Json::Arr(wire)),
                    ("MsgPriority", "COMMON".into()),
                ]);
                (
                    data,
                    Json::Null,
                    obj([("type", "GROUP".into()), ("id", room.as_str().into())]),
                )
            }
        };
        let msg = obj([
            ("sess", sess),
            ("isSend", true.into()),
            ("fromAccount", me.as_str().into()),
            ("fromAccountNick", nick.into()),
            ("time", num(time)),
            ("seq", seq),
            ("random", num(random)),
            ("elems", Json::Arr(elems)),
        ]);
        if group {
            self.im_request(
                Call::Send { cb, msg },
                "v4",
                "group_open_http_svc",
                "send_group_msg",
                data,
            );
        } else {
            self.im_request(Call::Send { cb, msg }, "v4", "openim", "sendmsg", data);
        }
    }

    /// Whether request `id` is IM's; if so, handles its reply.
    pub(super) fn im_reply(
        &mut self,
        id: u32,
        result: &mut Result<crate::input::Reply, String>,
    ) -> bool {
        let Some(pos) = self.im.pending.iter().position(|(p, _)| *p == id) else {
            return false;
        };
        let (_, call) = self.im.pending.remove(pos);
        // A transport failure looks like the SDK's: ErrorCode -2.
        let reply = match result {
            Ok(reply) if reply.data.is_object() => std::mem::take(&mut reply.data),
            Ok(reply) => obj([
                ("ActionStatus", "FAIL".into()),
                ("ErrorCode", num_i(NETWORK)),
                (
                    "ErrorInfo",
                    format!("HTTP {} without a JSON body", reply.status).into(),
                ),
            ]),
            Err(why) => obj([
                ("ActionStatus", "FAIL".into()),
                ("ErrorCode", num_i(NETWORK)),
                ("ErrorInfo", why.as_str().into()),
            ]),
        };
        let ok = is_ok(&reply);
        let code = code_of(&reply);
        match call {
            Call::Login => {
                let session = (token(reply.get("TinyId")), token(reply.get("A2Key")));
                match session {
                    (Some(tiny_id), Some(a2)) if ok => {
                        self.im.session = Some((tiny_id, a2));
                        self.im_event(
                            "login_event",
                            0,
                            obj([
                                ("ActionStatus", "OK".into()),
                                ("ErrorCode", num(0)),
                                ("ErrorInfo", "login success".into()),
                                ("identifier", self.props.user_id.as_str().into()),
                            ]),
                        );
                        self.im_request(
                            Call::PollingId,
                            "v4",
                            "openim",
                            "getlongpollingid",
                            Json::Obj(Vec::new()),
                        );
                        let room = self.props.room_id.to_string();
                        let create = obj([
                            ("Type", "AVChatRoom".into()),
                            ("Name", room.as_str().into()),
                            ("MemberList", Json::Arr(Vec::new())),
                            ("GroupId", room.as_str().into()),
                            ("Owner_Account", self.props.user_id.as_str().into()),
                            ("ApplyJoinOption", "FreeAccess".into()),
                        ]);
                        self.im_request(
                            Call::CreateGroup,
                            "v4",
                            "group_open_http_svc",
                            "create_group",
                            create,
                        );
                    }
                    _ => {
                        let code = if ok { -10 } else { code };
                        self.im_event("login_event", code, reply);
                    }
                }
            }
            Call::CreateGroup => {
                if ok || GROUP_EXISTS.contains(&code) {
                    self.group_call(Call::JoinGroup, "apply_join_group");
                } else {
                    self.im_event("join_group_event", code, reply);
                }
            }
            Call::JoinGroup => {
                let status =
                    reply.get("JoinedStatus").and_then(Json::as_str) == Some("JoinedSuccess");
                if ok && status {
                    self.im.joined = true;
                    if let Some(key) = reply
                        .get("LongPollingKey")
                        .filter(|k| !k.is_null())
                        .cloned()
                    {
                        self.im.group_poll =
                            Some((num(0), num(u64::from(GROUP_HOLD_SECONDS)), key));
                        self.poll(Poll::Group);
                    }
                    self.im_event("join_group_event", 0, reply);
                } else if code == ALREADY_MEMBER && !self.im.rejoined {
                    // A session that was not logged out still holds the membership, and 10013
                    // carries no poll key (2019 then never received a group message): leave
                    // the group and join again, once.
                    self.im.rejoined = true;
                    self.group_call(Call::QuitGroup, "quit_group");
                } else if code == ALREADY_MEMBER {
                    // Still "already a member": sending works, group messages cannot be polled.
                    self.im.joined = true;
                    self.log(
                        Level::Warn,
                        "webrtc-room: IM group joined without a poll key (10013)".into(),
                    );
                    self.im_event("join_group_event", 0, reply);
                } else {
                    let code = if ok { -12 } else { code };
                    self.im_event("join_group_event", code, reply);
                }
            }
            Call::QuitGroup => {
                self.group_call(Call::JoinGroup, "apply_join_group");
            }
            Call::PollingId => {
                if ok {
                    self.im.polling_id = reply.get("LongPollingId").cloned();
                    self.im.notify_seq = num(0);
                    self.im.notice_seq = num(0);
                    self.poll(Poll::C2c);
                } else {
                    self.poll_failed(Poll::C2c, code, reply);
                }
            }
            Call::Poll(which) => {
                let mut reply = reply;
                if ok || code == POLL_TIMED_OUT {
                    self.im.failures[which as usize] = 0;
                    // Connected again only when neither poll is failing.
                    if self.im.failures.iter().all(|f| *f == 0) {
                        self.connection(Conn::On);
                    }
                    if ok {
                        match which {
                            Poll::C2c => self.c2c_events(&reply),
                            Poll::Group => self.group_messages(std::mem::take(&mut reply)),
                        }
                    }
                    if self.im.session.is_some() && !self.im.kicked {
                        self.poll(which);
                    }
                } else if code == KICKED {
                    self.kicked(reply);
                } else {
                    self.poll_failed(which, code, reply);
                }
            }
            Call::GetMsg => {
                if ok {
                    let msgs = self.messages(reply.get("MsgList"), false);
                    if !msgs.is_empty() {
                        self.im_event("msg_notify", 0, Json::Arr(msgs));
                    }
                    self.im.getmsg_cookie = reply.get("Cookie").cloned().unwrap_or_default();
                    if reply.get("SyncFlag").is_some_and(|f| *f == num(1)) {
                        self.get_msg();
                    }
                } else {
                    self.im_event("error", code, reply);
                }
            }
            Call::Send { cb, msg } => {
                if ok {
                    if let Some(cb) = cb {
                        self.callback(cb, true, vec![msg]);
                    }
                } else {
                    self.log(Level::Warn, format!("webrtc-room: IM send failed: {reply}"));
                    if let Some(cb) = cb {
                        self.callback(cb, false, vec![num_i(SEND_FAILED), reply]);
                    }
                }
            }
        }
        true
    }

    /// A group command whose body is just the room's group id.
    fn group_call(&mut self, call: Call, command: &str) {
        let room = self.props.room_id.to_string();
        self.im_request(
            call,
            "v4",
            "group_open_http_svc",
            command,
            obj([("GroupId", room.into())]),
        );
    }

    fn poll(&mut self, which: Poll) {
        match which {
            Poll::C2c => {
                let Some(id) = self.im.polling_id.clone() else {
                    return self.im_request(
                        Call::PollingId,
                        "v4",
                        "openim",
                        "getlongpollingid",
                        Json::Obj(Vec::new()),
                    );
                };
                let body = obj([
                    ("Timeout", num(u64::from(C2C_POLL_SECONDS))),
                    (
                        "Cookie",
                        obj([
                            ("NotifySeq", self.im.notify_seq.clone()),
                            ("NoticeSeq", self.im.notice_seq.clone()),
                            ("LongPollingId", id),
                        ]),
                    ),
                ]);
                self.im_request(Call::Poll(Poll::C2c), "v4", "openim", "longpolling", body);
            }
            Poll::Group => {
                let Some((seq, hold, key)) = self.im.group_poll.clone() else {
                    return;
                };
                let body = obj([("StartSeq", seq), ("HoldTime", hold), ("Key", key)]);
                self.im_request(
                    Call::Poll(Poll::Group),
                    "v1",
                    "group_open_long_polling_http_noauth_svc",
                    "get_msg",
                    body,
                );
            }
        }
    }

    fn get_msg(&mut self) {
        let body = obj([
            ("Cookie", self.im.getmsg_cookie.clone()),
            ("SyncFlag", num(0)),
        ]);
        self.im_request(Call::GetMsg, "v4", "openim", "getmsg", body);
    }

    /// Reports a connection state change (and only a change).
    fn connection(&mut self, to: Conn) {
        let from = self.im.conn;
        if from == to {
            return;
        }
        self.im.conn = to;
        let (code, info) = match (from, to) {
            (Conn::Off, Conn::On) => (CONN_RECONNECT, "reconnected"),
            (_, Conn::On) => (CONN_ON, "connected"),
            _ => (CONN_OFF, "connection lost; retrying"),
        };
        let status = if to == Conn::On { "OK" } else { "FAIL" };
        self.im_event(
            "connection_event",
            code,
            obj([
                ("ActionStatus", status.into()),
                ("ErrorCode", num_i(code)),
                ("ErrorInfo", info.into()),
            ]),
        );
    }

    fn poll_failed(&mut self, which: Poll, code: i64, reply: Json) {
        let failures = &mut self.im.failures[which as usize];
        *failures += 1;
        let shift = (*failures - 1).min(5);
        let wait = (BACKOFF_FIRST_MS << shift).min(BACKOFF_MAX_MS);
        self.log(
            Level::Warn,
            format!("webrtc-room: IM long poll failed ({code}: {reply}); again in {wait} ms"),
        );
        self.connection(Conn::Off);
        self.arm(TimerKind::ImRetry(which), wait);
    }

    pub(super) fn im_timer(&mut self, which: Poll) {
        if self.im.session.is_some() && !self.im.kicked {
            self.poll(which);
        }
    }

    fn kicked(&mut self, reply: Json) {
        // Someone logged in as this user elsewhere: the session is theirs now; stop, no logout.
        self.im.kicked = true;
        let pending = std::mem::take(&mut self.im.pending);
        for (id, call) in pending {
            self.out.push_back(Output::Abort(id));
            if let Call::Send { cb: Some(cb), .. } = call {
                self.callback(cb, false, vec![num_i(SEND_FAILED), "kicked offline".into()]);
            }
        }
        self.disarm(|kind| matches!(kind, TimerKind::ImRetry(_)));
        self.im_event("kicked", KICKED, reply);
    }

    /// The cookie's `NoticeSeq` is the highest one seen, so nothing is handed out twice.
    fn advance_notice_seq(&mut self, item: &Json) {
        let Some(seq) = int_field(item, "NoticeSeq") else {
            return;
        };
        let current = match &self.im.notice_seq {
            Json::Num(n) => crate::codec::whole_number(n).unwrap_or(0),
            _ => 0,
        };
        if seq > current {
            self.im.notice_seq = Json::Num(seq.to_string());
        }
    }

    /// Incoming messages of a poll or getmsg reply as IMEvent message objects.
    fn messages(&mut self, list: Option<&Json>, group: bool) -> Vec<Json> {
        let Some(list) = list.and_then(Json::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|item| self.message(item.clone(), group))
            .collect()
    }

    /// One incoming message as an IMEvent message object, its parts moved rather than copied;
    /// `None` when it has no sender or no body, or (C2C) was handed out before.
    fn message(&mut self, mut item: Json, group: bool) -> Option<Json> {
        let from = match item.take("From_Account") {
            Json::Str(from) if !from.is_empty() => from,
            _ => return None,
        };
        let body = item.take("MsgBody");
        if body.as_array().is_none_or(|b| b.is_empty()) {
            return None;
        }
        let nick = match item
            .get_mut("GroupInfo")
            .map(|g| g.take("From_AccountNick"))
        {
            Some(Json::Str(nick)) if !nick.is_empty() => nick,
            _ => from.clone(),
        };
        let is_send = from == self.props.user_id;
        if !group {
            let key = format!(
                "{from}/{}/{}",
                item.get("MsgSeq").cloned().unwrap_or_default(),
                item.get("MsgRandom").cloned().unwrap_or_default()
            );
            if self.im.seen.contains(&key) {
                return None;
            }
            if self.im.seen.len() >= SEEN_KEPT {
                self.im.seen.remove(0);
            }
            self.im.seen.push(key);
        }
        let sess = if group {
            let id = match item.take("ToGroupId") {
                Json::Str(id) => id,
                _ => self.props.room_id.to_string(),
            };
            obj([("type", "GROUP".into()), ("id", id.into())])
        } else {
            let peer = match (is_send, item.take("To_Account")) {
                (true, Json::Str(to)) => to,
                (true, _) => String::new(),
                (false, _) => from.clone(),
            };
            obj([("type", "C2C".into()), ("id", peer.into())])
        };
        Some(obj([
            ("sess", sess),
            ("isSend", is_send.into()),
            ("fromAccount", from.into()),
            ("fromAccountNick", nick.into()),
            ("time", item.take("MsgTimeStamp")),
            ("seq", item.take("MsgSeq")),
            ("random", item.take("MsgRandom")),
            ("elems", Json::Arr(elements(body))),
        ]))
    }

    /// A group system notification (`ReportType` 1–11, 255) or a group tip from either poll.
    fn group_notice(&mut self, item: &Json, event: i64) {
        let body = item.get("MsgBody").cloned().unwrap_or_default();
        let group_id = item
            .get("ToGroupId")
            .or_else(|| item.get("GroupId"))
            .cloned()
            .unwrap_or_default();
        if event == 5 {
            let kind = int_field(&body, "ReportType")
                .or_else(|| int_field(item, "ReportType"))
                .unwrap_or(0);
            let notify = obj([
                ("ReportType", num_i(kind)),
                ("GroupId", group_id),
                (
                    "Operator_Account",
                    body.get("Operator_Account").cloned().unwrap_or_default(),
                ),
                (
                    "MsgTime",
                    item.get("MsgTimeStamp").cloned().unwrap_or_default(),
                ),
                (
                    "RemarkInfo",
                    body.get("RemarkInfo").cloned().unwrap_or_default(),
                ),
                (
                    "UserDefinedField",
                    body.get("UserDefinedField").cloned().unwrap_or_default(),
                ),
                ("raw", body),
            ]);
            self.im_event("group_system_notifys", kind, notify);
        } else if body.get("OpType").is_some_and(|t| *t == num(6)) {
            let info = body.get("MsgGroupNewInfo").cloned().unwrap_or_default();
            let field = |name: &str| info.get(name).cloned().unwrap_or_default();
            let change = obj([
                ("GroupId", group_id),
                ("GroupFaceUrl", field("GroupFaceUrl")),
                ("GroupName", field("GroupName")),
                ("OwnerAccount", field("Owner_Account")),
                ("GroupNotification", field("GroupNotification")),
                ("GroupIntroduction", field("GroupIntroduction")),
            ]);
            self.im_event("group_info_change_notify", 0, change);
        }
    }

    fn group_messages(&mut self, mut reply: Json) {
        if let Some((seq, hold, key)) = &mut self.im.group_poll {
            for (slot, name) in [(seq, "NextSeq"), (hold, "HoldTime"), (key, "Key")] {
                if let Some(v) = reply.get(name) {
                    *slot = v.clone();
                }
            }
        }
        let items = match reply.take("RspMsgList") {
            Json::Arr(items) => items,
            _ => Vec::new(),
        };
        let mut msgs = Vec::with_capacity(items.len());
        for item in items {
            match int_field(&item, "Event") {
                Some(3) => msgs.extend(self.message(item, true)),
                Some(e @ 4..=6) => self.group_notice(&item, e),
                _ => {}
            }
        }
        if !msgs.is_empty() {
            self.im_event("big_group_msg_notify", 0, Json::Arr(msgs));
        }
    }

    fn c2c_events(&mut self, reply: &Json) {
        let events = reply
            .get("EventArray")
            .and_then(Json::as_array)
            .map(<[Json]>::to_vec)
            .unwrap_or_default();
        for e in &events {
            match int_field(e, "Event") {
                Some(1) => {
                    if let Some(seq) = e.get("NotifySeq") {
                        self.im.notify_seq = seq.clone();
                    }
                    self.get_msg();
                }
                Some(9) => {
                    let list = e.get("C2cMsgArray");
                    for m in list.and_then(Json::as_array).unwrap_or_default() {
                        self.advance_notice_seq(m);
                    }
                    let msgs = self.messages(list, false);
                    if !msgs.is_empty() {
                        self.im_event("msg_notify", 0, Json::Arr(msgs));
                    }
                }
                Some(k @ (4 | 5)) => {
                    let tips = e
                        .get("GroupTips")
                        .and_then(Json::as_array)
                        .map(<[Json]>::to_vec)
                        .unwrap_or_default();
                    for tip in &tips {
                        self.advance_notice_seq(tip);
                        self.group_notice(tip, k);
                    }
                }
                _ => {}
            }
        }
    }
}

fn num_i(n: i64) -> Json {
    Json::Num(n.to_string())
}
