//! IM over the webim v4 HTTP protocol (facts in `docs/webim-protocol.md`), spoken by the core
//! itself instead of shipping Tencent's 249 KB SDK: log in, create and join the room's
//! `AVChatRoom` group, keep the big-group and the C2C/notification long polls running, send
//! text and custom messages, and report every happening as an `IMEvent`.
//!
//! Differences from the 2019 SDK, on purpose: message text is sent as written (no HTML escaping,
//! no splitting at `[..]`), so Chinese and emoji round-trip intact; the byte limits count real
//! UTF-8 bytes; only the calls the room needs are made (no joined-group list or authkey requests;
//! the one profile request 2019 made after login is kept, and its failure does not fail the
//! login); a non-empty `userName` sets the IM nick; a failed poll backs off (1 s doubling to 30 s)
//! instead of spinning; 10013 "already a member" reports success; the last three IMEvent tags are
//! not lost; incoming text is not HTML-escaped.

use super::{Disarm, Room, TimerKind};
use crate::codec::truthy;
use crate::input::{parsed_data, MsgBody};
use crate::prelude::*;

use crate::json::{obj, Cursor, Doc, Json, Node};
use crate::output::{Level, Output};
use crate::tape::{self, Tape};
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
/// The C2C poll's `Timeout` until the server gives one; a larger one given is not taken (2019 kept
/// its own too: a request may not outlive the runtime's 60 s).
const C2C_POLL_SECONDS: u64 = 60;
const GROUP_HOLD_SECONDS: u32 = 90;
/// Group tip sub type (2019's `GROUP_MSG_SUB_TYPE.TIP`).
const SUB_TIP: i64 = 2;
/// Changed group fields of an OpType 6 tip, in 2019's order (its type numbers count from 1).
const GROUP_INFO_FIELDS: [&str; 5] = [
    "GroupFaceUrl",
    "GroupName",
    "Owner_Account",
    "GroupNotification",
    "GroupIntroduction",
];
const NICK_TAG: &str = "Tag_Profile_IM_Nick";
const IMAGE_TAG: &str = "Tag_Profile_IM_Image";

/// Which long poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Poll {
    C2c,
    Group,
}

/// Where an incoming message item came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    C2c,
    Group,
    /// A group tip (`Event` 4 or 6): `MsgBody` is one tip object.
    Tip,
    /// A group system notification: not a message.
    Notice,
}

#[derive(Debug, PartialEq)]
enum Call {
    Login,
    /// `portrait_set` of the nick (`userName`), then the profile read.
    SetNick,
    /// The one profile read (`portrait_get`) after login: the login's `identifierNick`, `headurl`.
    Profile,
    CreateGroup,
    JoinGroup,
    /// Leaving the group after 10013, to join again and get a poll key.
    QuitGroup,
    PollingId,
    Poll(Poll),
    GetMsg,
    Send {
        cb: Option<u32>,
        msg: Batch,
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
    /// The C2C poll's `Timeout`, as the server last gave it.
    poll_timeout: Option<u64>,
    /// `getmsg`: the cookie of the last page; a fetch (its pages) under way; another wanted after
    /// it; the messages of its pages so far (one `msg_notify` when the last page is in).
    getmsg_cookie: Option<Json>,
    getmsg_busy: bool,
    getmsg_again: bool,
    getmsg_msgs: Batch,
    /// The nick as set by `portrait_set` (null until then).
    nick: Json,
    /// The big-group poll's next `{StartSeq, HoldTime, Key}`.
    group_poll: Option<(Json, Json, Json)>,
    rng: u64,
    msg_seq: u64,
    /// The messages this input delivers, which the shim reads after it (see `Batch::take`).
    pub(super) out: Tapes,
}

/// A whole-number field (servers send some as numeric strings).
fn int_field(v: &Json, name: &str) -> Option<i64> {
    int_field_of(v.get(name)?)
}

/// A whole number given as a number or a numeric string.
fn int_field_of(v: &Json) -> Option<i64> {
    match v {
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
    Json::Num(crate::text::int_text(n))
}

// Incoming messages are read borrowed from the reply text ([`Doc`]) and written straight onto a
// tape (`hot/src/tape.rs`): a 500-message long-poll batch never becomes owned values or JSON text.

/// [`int_field_of`] of a borrowed value.
fn int_of(v: Node) -> Option<i64> {
    match v.num() {
        Some(n) => crate::codec::whole_number(n),
        // (without an owned copy: a message's MsgPriority is a string, "COMMON", and a copy of
        // it per message was an allocation and a free)
        None => v.as_str()?.parse().ok(),
    }
}

fn int_val(v: Node, name: &str) -> Option<i64> {
    int_of(v.get(name)?)
}

/// [`truthy`] of a borrowed value (a number without an owned copy).
fn truthy_of(v: Node) -> bool {
    match v.num() {
        Some(n) => crate::codec::nonzero(n),
        None => truthy(&v.to_json()),
    }
}

/// Writes a field's value, `null` when it is missing (JSON text: a C2C message's key).
fn put(out: &mut String, v: Option<Node>) {
    match v {
        Some(v) => v.write(out),
        None => out.push_str("null"),
    }
}

/// Writes the fields `names` of `from` (null when missing), in order.
fn put_fields(t: &mut Tape, from: Option<Node>, names: &[&str]) {
    for name in names {
        t.val(from.and_then(|f| f.get(name)));
    }
}

/// Writes a message element `{MsgType, MsgContent}`: its type, then its content's kind and fields
/// (`hot/src/tape.rs`).
fn element(elem: Node, t: &mut Tape) {
    let mut elem = elem.cursor();
    let kind = elem
        .get("MsgType")
        .and_then(Node::as_str)
        .unwrap_or_default();
    // (trim_end reads chars back from the end: only when the last byte may end white space)
    let kind = match kind.as_bytes().last() {
        Some(b) if b.is_ascii_alphanumeric() => &kind,
        _ => kind.trim_end(),
    };
    let content = elem.get("MsgContent");
    let (code, names): (f64, &[&str]) = match kind {
        "TIMTextElem" => (tape::TEXT, &["Text"]),
        "TIMFaceElem" => (tape::FACE, &["Index", "Data"]),
        "TIMCustomElem" => (tape::CUSTOM, &["Data", "Desc", "Ext"]),
        _ => (tape::OTHER, &[]),
    };
    // (a known type is the known string at its content kind)
    if code == tape::OTHER {
        t.text(tape::STR, kind);
    } else {
        t.known(code as usize);
    }
    t.word(code);
    if code == tape::OTHER {
        t.val(content);
    } else {
        put_fields(t, content, names);
    }
}

/// Writes a group tip's `MsgBody` as a `TIMGroupTipElem` element with 2019's content fields;
/// `session` is where the message's session id and name values are (six words).
fn tip_element(body: Node, session: usize, t: &mut Tape) {
    let op = int_val(body, "OpType");
    t.known(tape::TIP as usize);
    t.word(tape::TIP);
    t.val(body.get("OpType"));
    t.val(body.get("Operator_Account"));
    t.again(session, 6);
    match body.get("List_Account") {
        Some(list) if list.is_array() => t.val(Some(list)),
        _ => t.text(tape::JSON, "[]"),
    }
    let mut list = String::from("[");
    if op == Some(6) {
        let info = body.get("MsgGroupNewInfo");
        for (kind, field) in (1u8..).zip(GROUP_INFO_FIELDS) {
            if let Some(value) = info.and_then(|i| i.get(field)).filter(|v| truthy_of(*v)) {
                list.push_str(if list.len() == 1 {
                    "{\"type\":"
                } else {
                    ",{\"type\":"
                });
                list.push(char::from(b'0' + kind));
                list.push_str(",\"value\":");
                value.write(&mut list);
                list.push('}');
            }
        }
    }
    list.push(']');
    t.text(tape::JSON, &list);
    list.clear();
    list.push('[');
    if op == Some(7) {
        let members = body.get("MsgMemberInfo").and_then(Node::items);
        for m in members.unwrap_or_default() {
            if list.len() > 1 {
                list.push(',');
            }
            list.push_str("{\"userId\":");
            put(&mut list, m.get("User_Account"));
            list.push_str(",\"shutupTime\":");
            put(&mut list, m.get("ShutupTime"));
            list.push('}');
        }
    }
    list.push(']');
    t.text(tape::JSON, &list);
    match op {
        Some(1 | 2) => t.val(body.get("MemberNum")),
        _ => t.val(None),
    }
}

/// Messages for one event or callback in the making, in the tape's layout.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Batch(Tape);

impl Batch {
    /// The messages as an event's detail, if any were written; the batch starts afresh. In wasm
    /// their tape moves to `out`, where it stays until the next input, and the detail is where it
    /// is: `[words address, words, chars address, chars]`. Natively (tests, benches) it is the
    /// messages as the shim makes them.
    #[inline(never)]
    fn take(&mut self, out: &mut Tapes) -> Option<Json> {
        if self.0.is_empty() {
            return None;
        }
        let tape = core::mem::take(&mut self.0);
        #[cfg(not(target_arch = "wasm32"))]
        if !out.kept {
            return Some(tape::render(&tape));
        }
        let (words, chars) = (&tape.words, &tape.chars);
        let place = vec![
            Json::from(words.as_ptr() as usize),
            words.len().into(),
            Json::from(chars.as_ptr() as usize),
            chars.len().into(),
        ];
        // moving the tape keeps its lists where they are
        out.list.push(tape);
        Some(Json::Arr(place))
    }

    /// The messages as a callback's arguments (one each; natively, the messages themselves).
    fn take_args(&mut self, out: &mut Tapes) -> Vec<Json> {
        match self.take(out) {
            #[cfg(not(target_arch = "wasm32"))]
            Some(Json::Arr(msgs)) if !out.kept => msgs,
            detail => detail.into_iter().collect(),
        }
    }
}

/// The tapes of the messages an input delivers, kept until the next input.
#[derive(Debug, Default)]
pub(super) struct Tapes {
    pub(super) list: Vec<Tape>,
    /// Natively: keep them and give their places, as wasm does (`Room::keep_message_tapes`),
    /// rather than the messages as JSON.
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) kept: bool,
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
            Some((tiny_id, a2)) => cat!(
                "tinyid=",
                encode_component(tiny_id),
                "&a2=",
                encode_component(a2)
            ),
            None => cat!(
                "identifier=",
                encode_component(&p.user_id),
                "&usersig=",
                encode_component(&p.user_sig)
            ),
        };
        self.im.req_seq += 1;
        cat!(
            host,
            "/",
            ver,
            "/",
            service,
            "/",
            command,
            "?websdkappid=",
            WEBSDKAPPID,
            "&v=",
            SDK_VERSION,
            "&",
            auth,
            "&contenttype=json&sdkappid=",
            p.sdk_app_id,
            "&accounttype=1&apn=1&reqtime=",
            (self.now_ms.max(0.0) / 1000.0) as u64,
            "&reqSeq=",
            self.im.req_seq
        )
    }

    fn im_request(&mut self, call: Call, ver: &str, service: &str, command: &str, data: Json) {
        let url = self.im_url(ver, service, command);
        let id = self.alloc_id();
        self.debug_log(|| cat!("webrtc-room: IM request ", url));
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

    /// The next local message sequence (2019: random start below 10,000,000, then +1 a message).
    fn next_seq(&mut self) -> u64 {
        if self.im.msg_seq == 0 {
            self.im.msg_seq = self.random() % 10_000_000 + 1;
        }
        self.im.msg_seq += 1;
        self.im.msg_seq
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
        let pending = core::mem::take(&mut self.im.pending);
        for (id, call) in pending {
            self.out.push_back(Output::Abort(id));
            if let Call::Send { cb: Some(cb), .. } = call {
                self.callback(cb, false, vec![num_i(SEND_FAILED), why.into()]);
            }
        }
        self.disarm(Disarm::ImRetries);
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
            cat!("webrtc-room: IM send failed (", code, "): ", why),
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
                cat!(
                    "the message is ",
                    counted.len(),
                    " bytes (UTF-8); at most ",
                    max,
                    " may be sent"
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
        let room = self.group_id();
        let wire = vec![wire_body(&body)];
        // The message sent, as the page gets it back: its element as an incoming one reads.
        let wire_text = Json::text(&wire[0]);
        let wire_elem = Doc::parse(&wire_text).or_else(|_| Doc::parse("null"));
        let seq = self.next_seq();
        let (data, sess) = match &to {
            Some(to) => {
                let data = obj([
                    ("From_Account", me.as_str().into()),
                    ("To_Account", to.as_str().into()),
                    ("MsgTimeStamp", num(time)),
                    ("MsgSeq", num(seq)),
                    ("MsgRandom", num(random)),
                    ("MsgBody", Json::Arr(wire)),
                ]);
                let sess = ("C2C", to.clone());
                (data, sess)
            }
            None => {
                let data = obj([
                    ("GroupId", room.as_str().into()),
                    ("From_Account", me.as_str().into()),
                    ("Random", num(random)),
                    ("MsgBody", Json::Arr(wire)),
                    ("MsgPriority", "COMMON".into()),
                ]);
                let sess = ("GROUP", room.clone());
                (data, sess)
            }
        };
        // As an incoming message is written (see `message`).
        let (kind, id) = sess;
        let mut msg = Batch::default();
        let t = &mut msg.0;
        t.text(tape::STR, kind);
        // 2019's own group message named its session by the room id property: a number, or
        // the string of a trtc room's strRoomID; the name is the id again
        let id_at = t.words.len();
        match self.room_json() {
            Json::Num(n) if group => t.number(&n),
            _ => t.text(tape::STR, &id),
        }
        t.again(id_at, 3);
        t.num(0.0);
        t.bool(true);
        t.text(tape::STR, &me);
        t.text(tape::STR, &nick);
        for n in [time, seq, random] {
            t.num(n as f64);
        }
        t.word(1.0);
        if let Ok(elem) = &wire_elem {
            element(elem.root(), t);
        }
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
        // A body handed over as text is read here, as `Reply::parsed` reads it. A big-group
        // batch's messages stay borrowed from it ([`Doc`]): only the rest of its reply becomes
        // an owned value.
        let mut batch_text = String::new();
        if let (Ok(reply), Call::Poll(Poll::Group)) = (&mut *result, &call) {
            if let Json::Raw(text) = &mut reply.data {
                batch_text = core::mem::take(text);
            }
        }
        let batch = Doc::parse(&batch_text);
        let mut items = None;
        if let Ok(reply) = result {
            reply.data = match &batch {
                Ok(doc) => {
                    let v = doc.root();
                    let head = v.to_json_without(Some("RspMsgList"));
                    if is_ok(&head) {
                        items = v.get("RspMsgList");
                        head
                    } else {
                        v.to_json()
                    }
                }
                // another call's answer, or an empty batch body (still in `reply.data`)
                Err(_) if batch_text.is_empty() => parsed_data(core::mem::take(&mut reply.data)),
                Err(_) => Json::Str(batch_text.clone()),
            };
        }
        // A transport failure looks like the SDK's: ErrorCode -2.
        let reply = match result {
            // Moved, not copied: a big-group batch is the largest value the core sees.
            Ok(reply) if reply.data.is_object() => core::mem::take(&mut reply.data),
            Ok(reply) => obj([
                ("ActionStatus", "FAIL".into()),
                ("ErrorCode", num_i(NETWORK)),
                (
                    "ErrorInfo",
                    cat!("HTTP ", reply.status, " without a JSON body").into(),
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
                        if self.props.user_name.is_empty() {
                            self.get_profile();
                        } else {
                            let me = self.props.user_id.clone();
                            let nick = self.props.user_name.clone();
                            let body = obj([
                                ("From_Account", me.into()),
                                (
                                    "ProfileItem",
                                    Json::Arr(vec![obj([
                                        ("Tag", NICK_TAG.into()),
                                        ("Value", nick.into()),
                                    ])]),
                                ),
                            ]);
                            self.im_request(Call::SetNick, "v4", "profile", "portrait_set", body);
                        }
                    }
                    _ => {
                        let code = if ok { -10 } else { code };
                        self.im_event("login_event", code, reply);
                    }
                }
            }
            Call::SetNick => {
                if ok {
                    self.im.nick = self.props.user_name.as_str().into();
                } else {
                    self.log(Level::Warn, cat!("webrtc-room: IM nick not set: ", reply));
                }
                self.get_profile();
            }
            Call::Profile => {
                let (mut nick, mut head) = (self.im.nick.clone(), Json::Null);
                if ok {
                    let users = reply.get("UserProfileItem").and_then(Json::as_array);
                    for user in users.unwrap_or_default() {
                        let items = user.get("ProfileItem").and_then(Json::as_array);
                        for item in items.unwrap_or_default() {
                            let value = item.get("Value").filter(|v| truthy(v)).cloned();
                            match (item.get("Tag").and_then(Json::as_str), value) {
                                (Some(NICK_TAG), Some(v)) => nick = v,
                                (Some(IMAGE_TAG), Some(v)) => head = v,
                                _ => {}
                            }
                        }
                    }
                } else {
                    // 2019 failed the whole login here; a missing nick is no reason to.
                    self.log(
                        Level::Warn,
                        cat!("webrtc-room: IM profile not read: ", reply),
                    );
                }
                self.logged_in(nick, head);
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
                    self.take_timeout(&reply);
                    self.im.polling_id = reply.get("LongPollingId").cloned();
                    self.im.notify_seq = num(0);
                    self.im.notice_seq = num(0);
                    self.poll(Poll::C2c);
                } else {
                    self.poll_failed(Poll::C2c, code, reply);
                }
            }
            Call::Poll(which) => {
                if ok || code == POLL_TIMED_OUT {
                    self.im.failures[which as usize] = 0;
                    // Connected again only when neither poll is failing.
                    if self.im.failures.iter().all(|f| *f == 0) {
                        self.connection(Conn::On);
                    }
                    if ok {
                        match which {
                            Poll::C2c => {
                                self.take_timeout(&reply);
                                self.c2c_events(&reply)
                            }
                            Poll::Group => self.group_messages(&reply, items),
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
                    let list = reply.get("MsgList").and_then(Json::as_array);
                    let mut batch = core::mem::take(&mut self.im.getmsg_msgs);
                    for item in list.unwrap_or_default() {
                        self.message_of(item, Kind::C2c, &mut batch);
                    }
                    self.im.getmsg_msgs = batch;
                    if let Some(cookie) = reply.get("Cookie") {
                        self.im.getmsg_cookie = Some(cookie.clone());
                    }
                    // SyncFlag 1: more pages; asked for with this reply's Cookie and SyncFlag.
                    if let Some(flag) = reply.get("SyncFlag").filter(|f| int_field_of(f) == Some(1))
                    {
                        let cookie = reply.get("Cookie").cloned().unwrap_or_default();
                        let body = obj([("Cookie", cookie), ("SyncFlag", flag.clone())]);
                        self.im_request(Call::GetMsg, "v4", "openim", "getmsg", body);
                        return true;
                    }
                } else {
                    self.im_event("error", code, reply);
                }
                // The fetch is over: its pages' messages as one event, as 2019 delivered them.
                self.im.getmsg_busy = false;
                if let Some(msgs) = self.im.getmsg_msgs.take(&mut self.im.out) {
                    self.im_event("msg_notify", 0, msgs);
                }
                if core::mem::take(&mut self.im.getmsg_again) {
                    self.get_msg();
                }
            }
            Call::Send { cb, mut msg } => {
                if ok {
                    if let Some(cb) = cb {
                        let args = msg.take_args(&mut self.im.out);
                        self.callback(cb, true, args);
                    }
                } else {
                    self.log(Level::Warn, cat!("webrtc-room: IM send failed: ", reply));
                    if let Some(cb) = cb {
                        self.callback(cb, false, vec![num_i(SEND_FAILED), reply]);
                    }
                }
            }
        }
        true
    }

    /// The profile read after login (2019's `portrait_get` of its own nick and portrait).
    fn get_profile(&mut self) {
        let me = self.props.user_id.clone();
        let body = obj([
            ("From_Account", me.as_str().into()),
            ("To_Account", Json::Arr(vec![me.into()])),
            (
                "TagList",
                Json::Arr(vec![NICK_TAG.into(), IMAGE_TAG.into()]),
            ),
        ]);
        self.im_request(Call::Profile, "v4", "profile", "portrait_get", body);
    }

    /// Login done (profile read or not): report it, then the C2C poll and the room's group.
    fn logged_in(&mut self, nick: Json, headurl: Json) {
        self.im_event(
            "login_event",
            0,
            obj([
                ("ActionStatus", "OK".into()),
                ("ErrorCode", num(0)),
                ("ErrorInfo", "login success".into()),
                ("identifier", self.props.user_id.as_str().into()),
                ("identifierNick", nick),
                ("headurl", headurl),
            ]),
        );
        self.im_request(
            Call::PollingId,
            "v4",
            "openim",
            "getlongpollingid",
            Json::Obj(Vec::new()),
        );
        let room = self.group_id();
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

    /// A group command whose body is just the room's group id.
    fn group_call(&mut self, call: Call, command: &str) {
        let room = self.group_id();
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
                    (
                        "Timeout",
                        num(self.im.poll_timeout.unwrap_or(C2C_POLL_SECONDS)),
                    ),
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

    /// A `getmsg` fetch from the stored cookie (`""` the first time); a notice that arrives while
    /// one runs starts another after it.
    fn get_msg(&mut self) {
        if self.im.getmsg_busy {
            self.im.getmsg_again = true;
            return;
        }
        self.im.getmsg_busy = true;
        let cookie = self.im.getmsg_cookie.clone().unwrap_or_else(|| "".into());
        let body = obj([("Cookie", cookie), ("SyncFlag", num(0))]);
        self.im_request(Call::GetMsg, "v4", "openim", "getmsg", body);
    }

    /// The C2C poll asks for the `Timeout` the server's last reply gave (seconds, 1 to 60).
    fn take_timeout(&mut self, reply: &Json) {
        let given = int_field(reply, "Timeout").and_then(|t| u64::try_from(t).ok());
        if let Some(t) = given.filter(|t| (1..=C2C_POLL_SECONDS).contains(t)) {
            self.im.poll_timeout = Some(t);
        }
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
            cat!(
                "webrtc-room: IM long poll failed (",
                code,
                ": ",
                reply,
                "); again in ",
                wait,
                " ms"
            ),
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
        let pending = core::mem::take(&mut self.im.pending);
        for (id, call) in pending {
            self.out.push_back(Output::Abort(id));
            if let Call::Send { cb: Some(cb), .. } = call {
                self.callback(cb, false, vec![num_i(SEND_FAILED), "kicked offline".into()]);
            }
        }
        self.disarm(Disarm::ImRetries);
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
            self.im.notice_seq = Json::Num(crate::text::int_text(seq));
        }
    }

    /// One incoming message (a poll or getmsg item) written to `batch` as an IMEvent message
    /// object, unless 2019 skipped it too (placeholders, no sender, no body) or it is a C2C
    /// repeat. The fields are 2019's `Msg` fields; the shim adds the accessor methods.
    /// `item`: the message's fields, looked up in the order a reply has them (`Event` may have
    /// been looked up already). `last`: the group id and name of the batch's message before,
    /// and where its session values are.
    fn message<'a>(
        &mut self,
        mut item: Cursor<'_, 'a>,
        kind: Kind,
        batch: &mut Batch,
        last: &mut Option<(&'a str, &'a str, usize)>,
    ) {
        let from_account = item.get("From_Account");
        let to_account = match kind {
            Kind::C2c => item.get("To_Account"),
            _ => None,
        };
        let id = item.get("ToGroupId");
        let seq = item.get("MsgSeq");
        let random = item.get("MsgRandom");
        let time = item.get("MsgTimeStamp");
        let priority = match kind {
            Kind::Group => item.get("MsgPriority"),
            _ => None,
        };
        let place = item.get("IsPlaceMsg");
        let mut group_info = item.get("GroupInfo").map(Node::cursor);
        let Some(body) = item.get("MsgBody") else {
            return;
        };
        let from = from_account.and_then(Node::as_str).unwrap_or_default();
        let empty = body.items().is_some_and(|items| items.len() == 0);
        if from.is_empty() || empty || place.is_some_and(truthy_of) {
            return;
        }
        let is_send = *from == self.props.user_id;
        if kind == Kind::C2c {
            let mut key = cat!(from, "/");
            put(&mut key, seq);
            key.push('/');
            put(&mut key, random);
            if self.im.seen.contains(&key) {
                return;
            }
            if self.im.seen.len() >= SEEN_KEPT {
                self.im.seen.remove(0);
            }
            self.im.seen.push(key);
        }
        // (a C2C message has no name here, so none)
        let name = group_info
            .as_mut()
            .and_then(|g| g.get("GroupName"))
            .filter(|_| kind != Kind::C2c);
        let nick = group_info
            .as_mut()
            .and_then(|g| g.get("From_AccountNick"))
            .filter(|n| n.as_str().is_some_and(|n| !n.is_empty()))
            .or(from_account);
        let t = &mut batch.0;
        // 2019's sub types by priority: 1 red packet (3), 3 like (1), else common (0).
        let sub_type = match kind {
            Kind::Tip => SUB_TIP as u8,
            _ => match priority.and_then(int_of) {
                Some(1) => 3,
                Some(3) => 1,
                _ => 0,
            },
        };
        let plain = id
            .and_then(Node::plain_str)
            .zip(name.and_then(Node::plain_str));
        // The tape's message (docs/core-protocol.md, "Messages"): sessType, sessId, sessName, subType, isSend,
        // fromAccount, fromAccountNick, time, seq, random, elements. A batch is one group's: a
        // message with the same group id and name as the one before has its session values
        // again (no text; they were a fifth of a batch's), and the shim one session object.
        let session = match (plain, *last) {
            (Some((id, name)), Some((was_id, was_name, at)))
                if id == was_id && name == was_name =>
            {
                t.again(at, 9);
                at + 3
            }
            _ => {
                *last = plain.map(|(id, name)| (id, name, t.words.len()));
                t.known(if kind == Kind::C2c {
                    tape::C2C_SESSION
                } else {
                    tape::GROUP_SESSION
                });
                let session = t.words.len();
                if kind == Kind::C2c {
                    let peer = if is_send {
                        to_account.and_then(Node::as_str).unwrap_or_default()
                    } else {
                        from
                    };
                    t.text(tape::STR, &peer);
                } else {
                    match id {
                        Some(v) => t.val(Some(v)),
                        None => t.text(tape::STR, &self.group_id()),
                    }
                }
                // the name: the group's, else the id again (the same three words)
                match name {
                    Some(v) => t.val(Some(v)),
                    None => t.again(session, 3),
                }
                session
            }
        };
        t.num(f64::from(sub_type));
        t.bool(is_send);
        t.val(from_account);
        t.val(nick);
        t.val(time);
        t.val(seq);
        t.val(random);
        if kind == Kind::Tip {
            t.word(1.0);
            tip_element(body, session, t);
        } else {
            let elems = body.items().unwrap_or_default();
            t.word(elems.len() as f64);
            for elem in elems {
                element(elem, t);
            }
        }
    }

    /// [`Room::message`] of an item held as an owned value (the C2C poll, getmsg).
    fn message_of(&mut self, item: &Json, kind: Kind, batch: &mut Batch) {
        let text = item.text();
        if let Ok(item) = Doc::parse(&text) {
            self.message(item.root().cursor(), kind, batch, &mut None);
        }
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

    /// A big-group poll's batch. `items` is its `RspMsgList` read borrowed from the reply text;
    /// `None` for a reply handed over as a JSON value (then its list is read the same way).
    fn group_messages(&mut self, reply: &Json, items: Option<Node>) {
        if let Some((seq, hold, key)) = &mut self.im.group_poll {
            for (slot, name) in [(seq, "NextSeq"), (hold, "HoldTime"), (key, "Key")] {
                if let Some(v) = reply.get(name) {
                    *slot = v.clone();
                }
            }
        }
        let text;
        let parsed;
        let items = match items {
            Some(items) => Some(items),
            None => {
                text = reply.get("RspMsgList").map(Json::text);
                parsed = Doc::parse(text.as_deref().unwrap_or_default());
                parsed.as_ref().ok().map(Doc::root)
            }
        };
        let items: Vec<Node> = match items.and_then(Node::items) {
            Some(items) => items.collect(),
            None => Vec::new(),
        };
        let mut batch = Batch::default();
        let mut last = None;
        // a message is about 45 words and 35 chars: the lists grow once rather than double a
        // dozen times over a big batch
        batch.0.words.reserve(items.len() * 48);
        batch.0.chars.reserve(items.len() * 40);
        // 2019 walked the list from its end, so a batch is in reverse reply order (its demo
        // shows a batch walking it from the end again).
        for &item in items.iter().rev() {
            let mut fields = item.cursor();
            let event = fields.get("Event").and_then(int_of);
            let kind = match event {
                Some(3) => Kind::Group,
                Some(4 | 6) => Kind::Tip,
                _ => Kind::Notice,
            };
            if kind != Kind::Notice {
                self.message(fields, kind, &mut batch, &mut last);
            }
            // Only a system notification (5) or a group-info change (a tip of OpType 6) is a
            // notice: the other items are not copied into owned values (nor is an ordinary
            // message's body looked up again).
            let notice = match event {
                Some(5) => true,
                Some(4 | 6) => {
                    item.get("MsgBody")
                        .and_then(|b| b.get("OpType"))
                        .and_then(Node::num)
                        == Some("6")
                }
                _ => false,
            };
            if let (true, Some(e)) = (notice, event) {
                self.group_notice(&item.to_json(), e);
            }
        }
        if let Some(msgs) = batch.take(&mut self.im.out) {
            self.im_event("big_group_msg_notify", 0, msgs);
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
                    let mut batch = Batch::default();
                    for m in list.and_then(Json::as_array).unwrap_or_default() {
                        self.message_of(m, Kind::C2c, &mut batch);
                    }
                    if let Some(msgs) = batch.take(&mut self.im.out) {
                        self.im_event("msg_notify", 0, msgs);
                    }
                }
                Some(k @ (4 | 5)) => {
                    let tips = e
                        .get("GroupTips")
                        .and_then(Json::as_array)
                        .map(<[Json]>::to_vec)
                        .unwrap_or_default();
                    let mut batch = Batch::default();
                    for tip in &tips {
                        self.advance_notice_seq(tip);
                        if k == 4 {
                            // Tips of the C2C poll are messages too, as 2019 delivered them.
                            self.message_of(tip, Kind::Tip, &mut batch);
                        }
                        self.group_notice(tip, k);
                    }
                    if let Some(msgs) = batch.take(&mut self.im.out) {
                        self.im_event("msg_notify", 0, msgs);
                    }
                }
                _ => {}
            }
        }
    }
}

fn num_i(n: i64) -> Json {
    Json::Num(crate::text::int_text(n))
}
