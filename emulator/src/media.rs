//! The emulator's room-membership / media API, for test stand-ins of `<live-pusher>` and
//! `<live-player>` (no audio or video flows). A "session" is one live-pusher in one room.
//!
//! * `POST /media/push {"url"}`: the live-pusher's `url` (`room://cloud.tencent.com?sdkappid=S&
//!   roomid=R&userid=U&roomsig=…`). The roomsig must carry a ticket from `jsonvideoapp` for that
//!   user and room. → `{"session", "playurl"}`; 400/403 `{"error", "message"}` otherwise.
//!   A second push of the same user in the same room replaces the first (which gets 1019).
//! * `GET /media/events?session=…`: long poll (held up to the media hold) → `{"events": [...],
//!   "ended": bool}`; events are pusher `statechange` details in order: `{"code": 1018}` on
//!   entering, `{"code": 1020, "message": "{\"userlist\":[…]}"}` whenever the *other* members
//!   change, `{"code": 1019}` when removed (then `ended` is true). 404 for an unknown session.
//! * `POST /media/stop {"session"}`: leaves the room (the others get a 1020).
//! * `POST /media/kick {"roomid", "userid"}`: that pusher gets 1019, the others a 1020.
//! * `GET /media/play?src=…`: `{"playing": true}` when `src` is the play URL of a current
//!   pusher, else 404 `{"playing": false}`.
//!
//! A session that has not polled its events for three holds (plus 5 s) counts as gone.
//!
//! Today's TRTC (`protocol: 'trtc'`): `POST /media/push` also takes the pusher URL
//! `room://cloud.tencent.com/rtc?sdkappid=S&roomid=R` (or `strroomid=X`) `&userid=U&usersig=…`
//! `[&privatemapkey=…]`. The usersig (and the privatemapkey when present) are checked against the
//! room; a refused one gets 403 `{"error": "bad_usersig", "event": {"code": -100018, …}}`, the
//! statechange a real pusher reports. Members of a trtc room are told about each other with 1031
//! (entered), 1032 (left), 1033 (video per stream, `main` / `aux`) and 1034 (audio), each with a
//! `{"userlist": [...]}` message; a pusher starts with camera and microphone on.
//! * `POST /media/stream {"session", "stream": "main" | "aux" | "audio", "on"}`: turns a trtc
//!   pusher's camera, screen share or microphone on or off (the others get 1033 / 1034).
//! * `GET /media/play?src=room://cloud.tencent.com/rtc?userid=U&streamtype=main|aux&session=…`: a
//!   trtc play URL names no room, so the viewer's own pusher session says which.

use crate::{as_u64, body_json, play_url, query_get, reply, url_query, App};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use usersig::v2::Room;

/// Events kept for a session that does not poll (oldest dropped first).
const MAX_QUEUED: usize = 256;

/// Room, user and the whole decoded query of a room URL.
type RoomUrl = (u32, String, Vec<(String, String)>);

/// What a trtc member publishes: main video, aux video (screen share), audio.
type Streams = [bool; 3];
const TRTC_PREFIX: &str = "room://cloud.tencent.com/rtc?";

#[derive(Default)]
pub(crate) struct Media {
    sessions: HashMap<String, Pusher>,
    order: u64,
}

struct Pusher {
    /// The numeric room (0 for a trtc string room).
    room: u32,
    /// Whom this pusher shares a room with: the room number for the 2019 protocol, `trtc:…` for
    /// today's (the two protocols never meet in one room).
    key: String,
    /// trtc: what this pusher publishes, and the other members as it was last told.
    trtc: Option<(Streams, Vec<(String, Streams)>)>,
    user: String,
    order: u64,
    events: VecDeque<Value>,
    tx: watch::Sender<u64>,
    ended: bool,
    /// The other members as this pusher was last told (by 1020).
    told: Vec<String>,
    last_poll: Instant,
}

impl Pusher {
    fn emit(&mut self, ev: Value) {
        if self.events.len() >= MAX_QUEUED {
            self.events.pop_front();
        }
        self.events.push_back(ev);
        self.tx.send_modify(|n| *n += 1);
    }
}

impl Media {
    /// Active members of the room `key`, in joining order, with what they publish.
    fn members(&self, key: &str) -> Vec<(String, Streams)> {
        let mut v: Vec<(u64, &Pusher)> = self
            .sessions
            .values()
            .filter(|p| p.key == key && !p.ended)
            .map(|p| (p.order, p))
            .collect();
        v.sort_by_key(|(order, _)| *order);
        v.into_iter()
            .map(|(_, p)| (p.user.clone(), p.trtc.as_ref().map_or([true; 3], |t| t.0)))
            .collect()
    }

    /// Tells every active pusher of the room `key` whose view of the others changed.
    fn sync(&mut self, sdk_app_id: u32, key: &str) {
        if key.starts_with("trtc:") {
            return self.sync_trtc(key);
        }
        let members: Vec<String> = self.members(key).into_iter().map(|(u, _)| u).collect();
        for p in self.sessions.values_mut() {
            if p.key != key || p.ended {
                continue;
            }
            let room = p.room;
            let others: Vec<String> = members.iter().filter(|u| **u != p.user).cloned().collect();
            if others == p.told {
                continue;
            }
            let list: Vec<Value> = others
                .iter()
                .map(|u| json!({"userid": u, "playurl": play_url(sdk_app_id, room, u)}))
                .collect();
            let message = json!({ "userlist": list }).to_string();
            p.emit(json!({"code": 1020, "message": message}));
            p.told = others;
        }
    }

    /// trtc: tells each member what changed among the others: 1031 / 1032, then 1033 per stream
    /// and 1034, each code once with the list of users it concerns.
    fn sync_trtc(&mut self, key: &str) {
        let members = self.members(key);
        for p in self.sessions.values_mut() {
            let Some((_, told)) = p.trtc.as_mut().filter(|_| p.key == key && !p.ended) else {
                continue;
            };
            let others: Vec<(String, Streams)> = members
                .iter()
                .filter(|(u, _)| *u != p.user)
                .cloned()
                .collect();
            let was = |u: &str| told.iter().find(|(t, _)| t == u).map(|(_, s)| *s);
            let mut lists: [Vec<Value>; 4] = Default::default();
            for (u, _) in told.iter() {
                if !others.iter().any(|(o, _)| o == u) {
                    lists[1].push(json!({"userid": u}));
                }
            }
            for (u, now) in &others {
                let before = was(u);
                if before.is_none() {
                    lists[0].push(json!({"userid": u}));
                }
                let before = before.unwrap_or([false; 3]);
                for (i, stream) in [(0, "main"), (1, "aux")] {
                    if before[i] != now[i] {
                        lists[2].push(
                            json!({"userid": u, "streamtype": stream, "hasvideo": now[i],
                            "playurl": trtc_play_url(u, stream)}),
                        );
                    }
                }
                if before[2] != now[2] {
                    lists[3].push(json!({"userid": u, "hasaudio": now[2],
                        "playurl": trtc_play_url(u, "main")}));
                }
            }
            *told = others;
            let codes = [1031, 1032, 1033, 1034];
            let events: Vec<Value> = codes
                .iter()
                .zip(lists)
                .filter(|(_, list)| !list.is_empty())
                .map(|(code, list)| json!({"code": code, "message": json!({"userlist": list}).to_string()}))
                .collect();
            for ev in events {
                p.emit(ev);
            }
        }
    }

    /// Ends a session with 1019 (kept until its events are collected).
    fn remove_with_1019(&mut self, id: &str, why: &str) {
        if let Some(p) = self.sessions.get_mut(id) {
            p.emit(json!({"code": 1019, "message": why}));
            p.ended = true;
        }
    }

    /// Sessions that stopped polling count as gone; ended ones nobody collects are dropped.
    fn reap(&mut self, sdk_app_id: u32, idle: Duration) {
        let now = Instant::now();
        let stale: Vec<(String, String)> = self
            .sessions
            .iter()
            .filter(|(_, p)| now.duration_since(p.last_poll) > idle)
            .map(|(id, p)| (id.clone(), p.key.clone()))
            .collect();
        for (id, key) in stale {
            self.sessions.remove(&id);
            self.sync(sdk_app_id, &key);
        }
    }
}

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    reply(status, json!({"error": code, "message": message.into()}))
}

fn idle_limit(app: &App) -> Duration {
    app.cfg.media_hold * 3 + Duration::from_secs(5)
}

/// A pusher URL's `sdkappid` must be this emulator's application.
fn check_sdk_app_id(app: &App, sdkappid: &str) -> Result<(), String> {
    if sdkappid.parse::<u64>().ok() == Some(u64::from(app.cfg.sdk_app_id)) {
        Ok(())
    } else {
        Err(format!("sdkappid {sdkappid:?} is not this emulator's"))
    }
}

/// The sdkappid, room and user of a `room://cloud.tencent.com?…` URL, plus its query.
fn parse_room_url(app: &App, url: &str) -> Result<RoomUrl, String> {
    if !url.starts_with("room://cloud.tencent.com?") {
        return Err("not a room://cloud.tencent.com?… URL".into());
    }
    let q = url_query(url).ok_or("the query repeats a key or is not UTF-8")?;
    let get = |k: &str| query_get(&q, k);
    check_sdk_app_id(app, get("sdkappid").unwrap_or(""))?;
    let room = get("roomid")
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|r| (1..=crate::sig::MAX_ROOM_ID).contains(r))
        .ok_or("roomid is missing or out of range")? as u32;
    let user = get("userid")
        .filter(|u| !u.is_empty())
        .ok_or("userid is missing")?;
    Ok((room, user.to_string(), q))
}

pub(crate) async fn push(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let Some(url) =
        body_json(&body).and_then(|b| b.get("url").and_then(Value::as_str).map(str::to_string))
    else {
        return err(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "body must be {\"url\": \"room://…\"}",
        );
    };
    if url.starts_with(TRTC_PREFIX) {
        return push_trtc(&app, &url);
    }
    let (room, user, q) = match parse_room_url(&app, &url) {
        Ok(v) => v,
        Err(why) => return err(StatusCode::BAD_REQUEST, "bad_url", why),
    };
    let roomsig = query_get(&q, "roomsig").unwrap_or("");
    let ticket = serde_json::from_str::<Value>(roomsig)
        .ok()
        .and_then(|v| v.get("RoomSig").and_then(Value::as_str).map(str::to_string));
    let Some(ticket) = ticket else {
        return err(
            StatusCode::FORBIDDEN,
            "bad_roomsig",
            "roomsig is not {\"RoomSig\": ticket} from jsonvideoapp",
        );
    };
    if let Err(e) = app.tickets.verify_private_map_key(
        &ticket,
        &user,
        Some(&Room::Num(room)),
        usersig::unix_now(),
    ) {
        return err(
            StatusCode::FORBIDDEN,
            "bad_roomsig",
            format!("room ticket refused: {e}"),
        );
    }
    enter(&app, room, room.to_string(), user, false)
}

/// A trtc pusher URL: checks sdkappid, room, userid, usersig and privatemapkey, then enters.
fn push_trtc(app: &App, url: &str) -> Response {
    let Some(q) = url_query(url) else {
        return err(
            StatusCode::BAD_REQUEST,
            "bad_url",
            "the query repeats a key or is not UTF-8",
        );
    };
    let get = |k: &str| query_get(&q, k).unwrap_or("");
    if let Err(why) = check_sdk_app_id(app, get("sdkappid")) {
        return err(StatusCode::BAD_REQUEST, "bad_url", why);
    }
    let (room, key) = match (get("strroomid"), get("roomid").parse::<u64>()) {
        ("", Ok(r)) if (1..=crate::sig::MAX_ROOM_ID).contains(&r) => {
            (Room::Num(r as u32), format!("trtc:{r}"))
        }
        ("", _) => {
            return err(
                StatusCode::BAD_REQUEST,
                "bad_url",
                "roomid is missing or out of range",
            )
        }
        (s, _) => (Room::Str(s.to_string()), format!("trtc:s:{s}")),
    };
    let user = get("userid");
    if user.is_empty() {
        return err(StatusCode::BAD_REQUEST, "bad_url", "userid is missing");
    }
    let now = usersig::unix_now();
    let mut checked = app
        .signer
        .verify_user_sig(get("usersig"), user, now)
        .map(|_| ());
    if checked.is_ok() && !get("privatemapkey").is_empty() {
        checked = app
            .signer
            .verify_private_map_key(get("privatemapkey"), user, Some(&room), now)
            .map(|_| ());
    }
    if let Err(e) = checked {
        let message = format!("userSig refused: {e}");
        return reply(
            StatusCode::FORBIDDEN,
            json!({"error": "bad_usersig", "message": message,
                   "event": {"code": -100018, "message": message}}),
        );
    }
    let num = match room {
        Room::Num(r) => r,
        Room::Str(_) => 0,
    };
    enter(app, num, key, user.to_string(), true)
}

/// A new session in room `key` (a second one of the same user replaces the first).
fn enter(app: &App, room: u32, key: String, user: String, trtc: bool) -> Response {
    let id = app.token();
    let sdk = app.cfg.sdk_app_id;
    let mut st = app.lock();
    let media = &mut st.media;
    media.reap(sdk, idle_limit(app));
    let replaced: Vec<String> = media
        .sessions
        .iter()
        .filter(|(_, p)| p.key == key && p.user == user && !p.ended)
        .map(|(id, _)| id.clone())
        .collect();
    for old in &replaced {
        media.remove_with_1019(old, "the same user entered the room again elsewhere");
    }
    media.order += 1;
    let mut p = Pusher {
        room,
        key: key.clone(),
        trtc: trtc.then(|| ([true, false, true], Vec::new())),
        user: user.clone(),
        order: media.order,
        events: VecDeque::new(),
        tx: watch::Sender::new(0),
        ended: false,
        told: Vec::new(),
        last_poll: Instant::now(),
    };
    p.emit(json!({"code": 1018, "message": "entered the room"}));
    media.sessions.insert(id.clone(), p);
    media.sync(sdk, &key);
    let playurl = if trtc {
        trtc_play_url(&user, "main")
    } else {
        play_url(sdk, room, &user)
    };
    reply(
        StatusCode::OK,
        json!({"session": id, "roomid": room, "userid": user, "playurl": playurl}),
    )
}

/// The play URL of a trtc member's stream (`main` or `aux`), as the pusher lists it.
fn trtc_play_url(user: &str, stream: &str) -> String {
    format!(
        "{TRTC_PREFIX}userid={}&streamtype={stream}",
        crate::encode_component(user)
    )
}

pub(crate) async fn events(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = q.get("session").cloned() else {
        return err(StatusCode::BAD_REQUEST, "bad_request", "session is missing");
    };
    let deadline = tokio::time::Instant::now() + app.cfg.media_hold;
    loop {
        let mut rx = {
            let mut st = app.lock();
            let media = &mut st.media;
            let Some(p) = media.sessions.get_mut(&id) else {
                return err(
                    StatusCode::NOT_FOUND,
                    "no_session",
                    "no such session (stopped, or never pushed)",
                );
            };
            p.last_poll = Instant::now();
            if !p.events.is_empty() || p.ended {
                let events: Vec<Value> = p.events.drain(..).collect();
                let ended = p.ended;
                if ended {
                    media.sessions.remove(&id);
                }
                return reply(StatusCode::OK, json!({"events": events, "ended": ended}));
            }
            p.tx.subscribe()
        };
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(_) => continue,
            Err(_) => {
                if let Some(p) = app.lock().media.sessions.get_mut(&id) {
                    p.last_poll = Instant::now();
                }
                return reply(StatusCode::OK, json!({"events": [], "ended": false}));
            }
        }
    }
}

pub(crate) async fn stop(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let Some(id) =
        body_json(&body).and_then(|b| b.get("session").and_then(Value::as_str).map(str::to_string))
    else {
        return err(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "body must be {\"session\": \"…\"}",
        );
    };
    let sdk = app.cfg.sdk_app_id;
    let mut st = app.lock();
    let media = &mut st.media;
    let Some(p) = media.sessions.remove(&id) else {
        return err(StatusCode::NOT_FOUND, "no_session", "no such session");
    };
    media.sync(sdk, &p.key);
    media.reap(sdk, idle_limit(&app));
    reply(StatusCode::OK, json!({"ok": true}))
}

pub(crate) async fn kick(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let body = body_json(&body).unwrap_or_default();
    let room = as_u64(body.get("roomid"));
    let user = body.get("userid").and_then(Value::as_str);
    let (Some(room), Some(user)) = (room, user) else {
        return err(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "body must be {\"roomid\", \"userid\"}",
        );
    };
    let sdk = app.cfg.sdk_app_id;
    let mut st = app.lock();
    let media = &mut st.media;
    let ids: Vec<(String, String)> = media
        .sessions
        .iter()
        .filter(|(_, p)| u64::from(p.room) == room && p.user == user && !p.ended)
        .map(|(id, p)| (id.clone(), p.key.clone()))
        .collect();
    if ids.is_empty() {
        return err(
            StatusCode::NOT_FOUND,
            "not_in_room",
            format!("{user:?} is not in room {room}"),
        );
    }
    for (id, _) in &ids {
        media.remove_with_1019(id, "removed from the room");
    }
    for (_, key) in &ids {
        media.sync(sdk, key);
    }
    reply(StatusCode::OK, json!({"ok": true, "kicked": ids.len()}))
}

pub(crate) async fn play(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let src = q.get("src").map(String::as_str).unwrap_or("");
    let not_playing = |why: String| {
        reply(
            StatusCode::NOT_FOUND,
            json!({"playing": false, "message": why}),
        )
    };
    if src.starts_with(TRTC_PREFIX) {
        return play_trtc(&app, src, q.get("session").map_or("", String::as_str));
    }
    let (room, user, _) = match parse_room_url(&app, src) {
        Ok(v) => v,
        Err(why) => return not_playing(why),
    };
    let mut st = app.lock();
    st.media.reap(app.cfg.sdk_app_id, idle_limit(&app));
    if st
        .media
        .members(&room.to_string())
        .iter()
        .any(|(u, _)| *u == user)
    {
        reply(
            StatusCode::OK,
            json!({"playing": true, "roomid": room, "userid": user}),
        )
    } else {
        not_playing(format!("{user:?} is not pushing in room {room}"))
    }
}

/// A trtc stream plays when its user is in the viewer's room and publishes it (`main`: camera or
/// microphone, `aux`: screen share).
fn play_trtc(app: &App, src: &str, session: &str) -> Response {
    let q = url_query(src).unwrap_or_default();
    let get = |k: &str| query_get(&q, k).unwrap_or("");
    let (user, stream) = (get("userid"), get("streamtype"));
    let mut st = app.lock();
    st.media.reap(app.cfg.sdk_app_id, idle_limit(app));
    let Some(viewer) = st.media.sessions.get(session) else {
        let why = "a trtc play URL needs the viewer's session";
        return reply(
            StatusCode::NOT_FOUND,
            json!({"playing": false, "message": why}),
        );
    };
    let streams = st
        .media
        .members(&viewer.key)
        .into_iter()
        .find(|(u, _)| u == user);
    let on = match (streams, stream) {
        (Some((_, s)), "main") => s[0] || s[2],
        (Some((_, s)), "aux") => s[1],
        _ => false,
    };
    if on {
        reply(
            StatusCode::OK,
            json!({"playing": true, "userid": user, "streamtype": stream}),
        )
    } else {
        let why = format!("{user:?} publishes no {stream:?} stream in this room");
        reply(
            StatusCode::NOT_FOUND,
            json!({"playing": false, "message": why}),
        )
    }
}

/// `POST /media/stream {"session", "stream": "main" | "aux" | "audio", "on"}`.
pub(crate) async fn stream(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let body = body_json(&body).unwrap_or_default();
    let session = body.get("session").and_then(Value::as_str).unwrap_or("");
    let which = match body.get("stream").and_then(Value::as_str) {
        Some("main") => 0,
        Some("aux") => 1,
        Some("audio") => 2,
        _ => {
            let why =
                "body must be {\"session\", \"stream\": \"main\" | \"aux\" | \"audio\", \"on\"}";
            return err(StatusCode::BAD_REQUEST, "bad_request", why);
        }
    };
    let on = body.get("on").and_then(Value::as_bool).unwrap_or(false);
    let mut st = app.lock();
    let media = &mut st.media;
    let Some(p) = media.sessions.get_mut(session).filter(|p| !p.ended) else {
        return err(StatusCode::NOT_FOUND, "no_session", "no such session");
    };
    let Some((streams, _)) = p.trtc.as_mut() else {
        return err(
            StatusCode::BAD_REQUEST,
            "not_trtc",
            "the session did not enter with a trtc URL",
        );
    };
    streams[which] = on;
    let key = p.key.clone();
    media.sync(app.cfg.sdk_app_id, &key);
    reply(StatusCode::OK, json!({"ok": true}))
}
