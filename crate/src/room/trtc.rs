//! Today's TRTC room protocol (`protocol: 'trtc'`): what enters the room and what reports remote
//! users and their streams. The room enters by handing the pusher a `room://…/rtc` URL that
//! carries the userSig itself (no signature request); remote users and streams arrive as pusher
//! codes 1031-1034, each with a `{"userlist": [...]}` message. Seating, layouts, the view and the
//! events are the shared ones in `room.rs`; this module only turns the protocol into a list of
//! streams that want a seat.

use super::{codes, Phase, Room, TimerKind};
use crate::codec::truthy;
use crate::json::{obj, Json};
use crate::props::Props;
use crate::slots::{self, Listed};
use crate::urls::encode_component;

/// How long an exit waits for the pusher's 1019 before `exit_room` is reported anyway (a pusher
/// that the layout removed never sends it).
const EXIT_WAIT_MS: u32 = 1000;

/// One remote user as the pusher announced it.
#[derive(Clone, Debug, Default)]
pub(super) struct Remote {
    id: String,
    /// Main stream (camera) video / audio available now.
    video: bool,
    audio: bool,
    /// Aux stream (screen share) available now.
    share: bool,
    /// Place in the line for a seat of the main stream: set when it first had video or audio,
    /// kept until the user leaves (1032).
    main_at: Option<u32>,
    share_at: u32,
    /// `enableVideo(false, id)`.
    hidden: bool,
    /// -8 has named this stream since it last had a seat (main, aux).
    told: [bool; 2],
}

/// The remote users of the room, in the order they were announced.
#[derive(Debug, Default)]
pub(super) struct Users {
    list: Vec<Remote>,
    seq: u32,
}

/// The pusher URL: the parameters and defaults `trtc-wx-sdk` sends, every value percent-encoded.
pub(super) fn push_url(p: &Props) -> String {
    let room = match p.str_room_id.as_str() {
        "" => format!("roomid={}", p.room_id),
        id => format!("strroomid={}", encode_component(id)),
    };
    let scene = if p.scene == "live" { "live" } else { "videocall" };
    let set = |n: u64| match n {
        0 => String::new(),
        n => n.to_string(),
    };
    format!(
        "room://cloud.tencent.com/rtc?sdkappid={}&{room}&userid={}&usersig={}&appscene={scene}\
         &encsmall=0&cloudenv=PRO&enableBlackStream=&streamid=&userdefinerecordid={}\
         &privatemapkey={}&pureaudiomode={}&recvmode=1&enableinfiniteanchor=0&component=1",
        p.sdk_app_id,
        encode_component(&p.user_id),
        encode_component(&p.user_sig),
        set(p.record_id.unwrap_or(0)),
        encode_component(&p.private_map_key),
        set(p.pure_audio_push_mod),
    )
}

fn stream(aux: bool) -> &'static str {
    if aux {
        "aux"
    } else {
        "main"
    }
}

impl Room {
    /// `start()` in trtc mode: the pusher enters by itself with this URL.
    pub(super) fn trtc_enter(&mut self) {
        self.push_url = push_url(&self.props);
        self.phase = Phase::Pushing;
        let url = self.push_url.clone();
        self.debug_log(|| format!("webrtc-room: trtc pusher URL {url}"));
    }

    /// After `stop()` / `exitRoom()` in a room: `exit_room` follows the pusher's 1019.
    pub(super) fn trtc_exiting(&mut self) {
        if !self.exiting() {
            self.arm(TimerKind::Exit, EXIT_WAIT_MS);
        }
    }

    fn exiting(&self) -> bool {
        self.timers.iter().any(|(_, k)| *k == TimerKind::Exit)
    }

    pub(super) fn trtc_exited(&mut self) {
        self.disarm(|kind| *kind == TimerKind::Exit);
        let room = self.room_json();
        self.event("exit_room", 0, obj([("roomID", room)]));
    }

    /// The trtc meaning of a pusher code; `false` for the codes both protocols treat alike.
    pub(super) fn trtc_pusher_state(&mut self, code: i64, message: Option<String>) -> bool {
        match code {
            1019 if self.exiting() => self.trtc_exited(),
            1019 if self.phase != Phase::Pushing => {
                self.debug_log(|| "webrtc-room: 1019 outside a room ignored".into())
            }
            1020 => {}
            1021 => self.debug_log(|| "webrtc-room: network changed (1021)".into()),
            1031..=1034 => self.user_event(code, message),
            -1303 | -1304 => self.error(
                code,
                format!(
                    "the phone could not encode the {} ({code}); stop() and start() may help",
                    if code == -1303 { "video" } else { "audio" }
                ),
            ),
            -100018 => self.fail_and_leave(
                code,
                "userSig refused (-100018): sign it for this sdkAppID and userID with the application's key, and check it has not expired",
            ),
            -3301 => self.fail_and_leave(
                code,
                "entering the room failed (-3301): check the network, sdkAppID, roomID (1 to 4294967294) or strRoomID, and privateMapKey when the room needs one",
            ),
            _ => return false,
        }
        true
    }

    /// 1031 users entered, 1032 users left, 1033 video (per stream), 1034 audio.
    fn user_event(&mut self, code: i64, message: Option<String>) {
        if self.phase != Phase::Pushing {
            return;
        }
        let value = message.as_deref().map(Json::parse);
        let Some(list) = value
            .as_ref()
            .and_then(|v| v.as_ref().ok())
            .and_then(|v| v.get("userlist"))
            .and_then(Json::as_array)
        else {
            let why = match value {
                None => "no message",
                Some(Err(_)) => "message is not JSON",
                Some(Ok(_)) => "message has no userlist array",
            };
            self.event(
                "warning",
                codes::BAD_INPUT,
                format!("pusher {code} ignored: {why}").into(),
            );
            return;
        };
        let mut skipped = Vec::new();
        for entry in list {
            if !self.user_entry(code, entry) {
                skipped.push(entry.to_string());
            }
        }
        if !skipped.is_empty() {
            self.event(
                "warning",
                codes::BAD_INPUT,
                format!(
                    "pusher {code}: skipped entries (no userid, unknown streamtype, or a user 1031 never announced): {}",
                    skipped.join(", ")
                )
                .into(),
            );
        }
        self.trtc_seat();
    }

    /// Applies one entry of a 1031-1034 list; `false` when it could not be used.
    fn user_entry(&mut self, code: i64, entry: &Json) -> bool {
        let field = |name| entry.get(name);
        let Some(id) = field("userid").and_then(Json::as_str).filter(|s| !s.is_empty()) else {
            return false;
        };
        if id == self.props.user_id {
            return true; // ourselves: not a remote user
        }
        let users = &mut self.users;
        let at = users.list.iter().position(|u| u.id == id);
        let who = || ("userID", Json::from(id));
        match (code, at) {
            (1031, None) => {
                users.list.push(Remote {
                    id: id.into(),
                    ..Remote::default()
                });
                self.event("remote_user_join", code, obj([who()]));
            }
            (1031, Some(_)) => {}
            (_, None) => return false,
            (1032, Some(at)) => {
                users.list.remove(at);
                self.event("remote_user_leave", code, obj([who()]));
            }
            (1033, Some(at)) => {
                let aux = match field("streamtype").and_then(Json::as_str) {
                    Some("main") => false,
                    Some("aux") => true,
                    _ => return false,
                };
                let on = field("hasvideo").is_some_and(truthy);
                users.seq += 1;
                let (seq, user) = (users.seq, &mut users.list[at]);
                let was = if aux {
                    if on && !user.share {
                        user.share_at = seq;
                    }
                    std::mem::replace(&mut user.share, on)
                } else {
                    std::mem::replace(&mut user.video, on)
                };
                if on && !aux && user.main_at.is_none() {
                    user.main_at = Some(seq);
                }
                if was != on {
                    let detail = obj([who(), ("streamType", stream(aux).into()), ("available", on.into())]);
                    self.event("remote_video", code, detail);
                }
            }
            (_, Some(at)) => {
                let on = field("hasaudio").is_some_and(truthy);
                users.seq += 1;
                let (seq, user) = (users.seq, &mut users.list[at]);
                if on && user.main_at.is_none() {
                    user.main_at = Some(seq);
                }
                if std::mem::replace(&mut user.audio, on) != on {
                    let detail = obj([who(), ("available", on.into())]);
                    self.event("remote_audio", code, detail);
                }
            }
        }
        true
    }

    /// `enableVideo(enable, id)` in trtc mode: the poster covers every stream of that user.
    pub(super) fn trtc_show_video(&mut self, enable: bool, user: &str) -> bool {
        let Some(remote) = self.users.list.iter_mut().find(|u| u.id == user) else {
            return false;
        };
        remote.hidden = !enable;
        self.trtc_seat();
        true
    }

    /// Seats the streams that want a seat: screen shares ahead of cameras, each line in the order
    /// the streams came; emits member_join / member_leave per seat and -8 once per stream that
    /// waits.
    pub(super) fn trtc_seat(&mut self) {
        let mut line: Vec<(bool, u32, Listed)> = Vec::new();
        for u in &self.users.list {
            let listed = |aux, novideo| Listed {
                id: u.id.clone(),
                src: format!(
                    "room://cloud.tencent.com/rtc?userid={}&streamtype={}",
                    encode_component(&u.id),
                    stream(aux)
                ),
                aux,
                novideo,
            };
            if u.share {
                line.push((false, u.share_at, listed(true, u.hidden)));
            }
            if let Some(at) = u.main_at {
                line.push((true, at, listed(false, !u.video || u.hidden)));
            }
        }
        line.sort_by_key(|(camera, at, _)| (*camera, *at));
        let roster: Vec<Listed> = line.into_iter().map(|(_, _, l)| l).collect();
        let before = self.slots.clone();
        if let Some(camera) = slots::yield_to_share(&mut self.slots, &roster) {
            // The camera waits at the head of its line, without a -8: it is back when the share ends.
            if let Some(u) = self.users.list.iter_mut().find(|u| u.id == camera.id) {
                u.main_at = Some(0);
                u.told[0] = true;
            }
        }
        slots::reseat(&mut self.slots, &roster);
        for slot in 0..self.slots.len() {
            let (was, now) = (&before[slot], &self.slots[slot]);
            let same = |a: &Option<slots::Member>, b: &Option<slots::Member>| match (a, b) {
                (Some(a), Some(b)) => a.id == b.id && a.aux == b.aux,
                _ => false,
            };
            if same(was, now) {
                continue;
            }
            let now = now.clone();
            if let Some(m) = was {
                self.disarm(|kind| *kind == TimerKind::Live { slot });
                let detail = obj([("userID", m.id.as_str().into()), ("streamType", stream(m.aux).into())]);
                self.event("member_leave", 0, detail);
            }
            if let Some(m) = now {
                let detail = obj([("userID", m.id.into()), ("streamType", stream(m.aux).into())]);
                self.event("member_join", 0, detail);
            }
        }
        let mut refused = Vec::new();
        for listed in &roster {
            let seated = self.slots.iter().flatten().any(|m| m.id == listed.id && m.aux == listed.aux);
            let Some(u) = self.users.list.iter_mut().find(|u| u.id == listed.id) else {
                continue;
            };
            let told = &mut u.told[usize::from(listed.aux)];
            if !seated && !*told {
                refused.push(if listed.aux {
                    format!("{} (screen)", listed.id)
                } else {
                    listed.id.clone()
                });
            }
            *told = !seated;
        }
        self.roster = roster;
        self.refuse(&refused);
    }
}
