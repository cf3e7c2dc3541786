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

use crate::{as_u64, body_json, play_url, reply, url_query, App};
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

#[derive(Default)]
pub(crate) struct Media {
    sessions: HashMap<String, Pusher>,
    order: u64,
}

struct Pusher {
    room: u32,
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
    /// Active members of `room`, in joining order.
    fn members(&self, room: u32) -> Vec<String> {
        let mut v: Vec<(u64, &str)> = self
            .sessions
            .values()
            .filter(|p| p.room == room && !p.ended)
            .map(|p| (p.order, p.user.as_str()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, u)| u.to_string()).collect()
    }

    /// Tells every active pusher of `room` whose view of the others changed.
    fn sync(&mut self, sdk_app_id: u32, room: u32) {
        let members = self.members(room);
        for p in self.sessions.values_mut() {
            if p.room != room || p.ended {
                continue;
            }
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
        let stale: Vec<(String, u32)> = self
            .sessions
            .iter()
            .filter(|(_, p)| now.duration_since(p.last_poll) > idle)
            .map(|(id, p)| (id.clone(), p.room))
            .collect();
        for (id, room) in stale {
            self.sessions.remove(&id);
            self.sync(sdk_app_id, room);
        }
    }
}

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    reply(status, json!({"error": code, "message": message.into()}))
}

fn idle_limit(app: &App) -> Duration {
    app.cfg.media_hold * 3 + Duration::from_secs(5)
}

/// The sdkappid, room and user of a `room://cloud.tencent.com?…` URL, plus its query.
fn parse_room_url(app: &App, url: &str) -> Result<RoomUrl, String> {
    if !url.starts_with("room://cloud.tencent.com?") {
        return Err("not a room://cloud.tencent.com?… URL".into());
    }
    let q = url_query(url).ok_or("the query repeats a key or is not UTF-8")?;
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if get("sdkappid").and_then(|s| s.parse::<u64>().ok()) != Some(u64::from(app.cfg.sdk_app_id)) {
        return Err(format!(
            "sdkappid {:?} is not this emulator's",
            get("sdkappid")
        ));
    }
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
    let (room, user, q) = match parse_room_url(&app, &url) {
        Ok(v) => v,
        Err(why) => return err(StatusCode::BAD_REQUEST, "bad_url", why),
    };
    let roomsig = q
        .iter()
        .find(|(k, _)| k == "roomsig")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
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
    let id = app.token();
    let sdk = app.cfg.sdk_app_id;
    let mut st = app.lock();
    let media = &mut st.media;
    media.reap(sdk, idle_limit(&app));
    let replaced: Vec<String> = media
        .sessions
        .iter()
        .filter(|(_, p)| p.room == room && p.user == user && !p.ended)
        .map(|(id, _)| id.clone())
        .collect();
    for old in &replaced {
        media.remove_with_1019(old, "the same user entered the room again elsewhere");
    }
    media.order += 1;
    let mut p = Pusher {
        room,
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
    media.sync(sdk, room);
    reply(
        StatusCode::OK,
        json!({"session": id, "roomid": room, "userid": user, "playurl": play_url(sdk, room, &user)}),
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
    media.sync(sdk, p.room);
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
    let ids: Vec<String> = media
        .sessions
        .iter()
        .filter(|(_, p)| u64::from(p.room) == room && p.user == user && !p.ended)
        .map(|(id, _)| id.clone())
        .collect();
    if ids.is_empty() {
        return err(
            StatusCode::NOT_FOUND,
            "not_in_room",
            format!("{user:?} is not in room {room}"),
        );
    }
    for id in &ids {
        media.remove_with_1019(id, "removed from the room");
    }
    media.sync(sdk, room as u32);
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
    let (room, user, _) = match parse_room_url(&app, src) {
        Ok(v) => v,
        Err(why) => return not_playing(why),
    };
    let mut st = app.lock();
    st.media.reap(app.cfg.sdk_app_id, idle_limit(&app));
    if st.media.members(room).contains(&user) {
        reply(
            StatusCode::OK,
            json!({"playing": true, "roomid": room, "userid": user}),
        )
    } else {
        not_playing(format!("{user:?} is not pushing in room {room}"))
    }
}
