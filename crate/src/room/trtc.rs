//! Today's TRTC room protocol (`protocol: 'trtc'`): what enters the room and what reports remote
//! users and their streams. The room enters by handing the pusher a `room://…/rtc` URL that
//! carries the userSig itself (no signature request); remote users and streams arrive as pusher
//! codes 1031-1034, each with a `{"userlist": [...]}` message. Seating, layouts, the view and the
//! events are the shared ones in `room.rs`; this module only turns the protocol into a list of
//! streams that want a seat.

use super::{codes, Phase, Room};
use crate::codec::truthy;
use crate::json::{obj, Json};
use crate::prelude::*;
use crate::props::Props;
use crate::slots::{self, Listed};
use crate::urls::{encode_component, ROOM_HOST};

/// One remote user as the pusher announced it.
#[derive(Debug, Default)]
pub(super) struct Remote {
    id: String,
    /// Main stream (camera) video available now.
    video: bool,
    /// `enableVideo(false, id)`.
    hidden: bool,
}

/// The remote users of the room and the streams that want a seat, each line in the order the
/// streams came: screen shares (aux) go ahead of cameras (main).
#[derive(Debug, Default)]
pub(super) struct Users {
    list: Vec<Remote>,
    /// Users sharing their screen now.
    shares: Vec<String>,
    /// Users whose main stream has had video or audio (they keep their place until 1032).
    cameras: Vec<String>,
    /// Users whose main stream has audio now.
    audio: Vec<String>,
    /// Streams -8 named last (a stream that keeps waiting is named once).
    told: Vec<String>,
}

/// The pusher URL: the parameters and defaults `trtc-wx-sdk` sends, every value percent-encoded.
pub(super) fn push_url(p: &Props) -> String {
    let room = match p.str_room_id.as_str() {
        "" => cat!("roomid=", p.room_id),
        id => cat!("strroomid=", encode_component(id)),
    };
    let scene = if p.scene == "live" {
        "live"
    } else {
        "videocall"
    };
    let set = |n: u64| match n {
        0 => String::new(),
        n => crate::text::int_text(n),
    };
    cat!(
        "room://",
        ROOM_HOST,
        "/rtc?sdkappid=",
        p.sdk_app_id,
        "&",
        room,
        "&userid=",
        encode_component(&p.user_id),
        "&usersig=",
        encode_component(&p.user_sig),
        "&appscene=",
        scene,
        "&encsmall=0&cloudenv=PRO&enableBlackStream=&streamid=&userdefinerecordid=",
        set(p.record_id.unwrap_or(0)),
        "&privatemapkey=",
        encode_component(&p.private_map_key),
        "&pureaudiomode=",
        set(p.pure_audio_push_mod),
        "&recvmode=1&enableinfiniteanchor=0&component=1"
    )
}

pub(super) fn stream(aux: bool) -> &'static str {
    if aux {
        "aux"
    } else {
        "main"
    }
}

/// Sets whether `id` is in `line`; returns whether it was.
fn flip(line: &mut Vec<String>, id: &str, on: bool) -> bool {
    let at = line.iter().position(|u| u == id);
    match (at, on) {
        (None, true) => line.push(id.into()),
        (Some(at), false) => drop(line.remove(at)),
        _ => {}
    }
    at.is_some()
}

impl Room {
    /// `start()` in trtc mode: the pusher enters by itself with this URL.
    pub(super) fn trtc_enter(&mut self) {
        self.push_url = push_url(&self.props);
        self.phase = Phase::Pushing;
    }

    /// The trtc meaning of a pusher code; `false` for the codes both protocols treat alike.
    pub(super) fn trtc_pusher_state(&mut self, code: i64, message: &Option<String>) -> bool {
        match code {
            // After exitRoom() / stop() (exit_room is out already) or an error that left.
            1019 if self.phase != Phase::Pushing => {}
            // The 2019 member list: not this protocol's (users come in 1031-1034).
            1020 => {}
            // trtc-wx-sdk only logs it: the pusher enters again by itself.
            1021 => self.debug_log(|| "webrtc-room: network changed (1021)".into()),
            1031..=1034 => self.user_event(code, message),
            -1303 => self.error(code, "video encoding failed (-1303)".into()),
            -1304 => self.error(code, "audio encoding failed (-1304)".into()),
            -100018 => self.fail_and_leave(
                code,
                "userSig refused (-100018): check it is signed for this sdkAppID and userID, and not expired",
            ),
            -3301 => self.fail_and_leave(
                code,
                "entering failed (-3301): check the network, sdkAppID, roomID or strRoomID, privateMapKey",
            ),
            _ => return false,
        }
        true
    }

    /// 1031 users entered, 1032 users left, 1033 video (per stream), 1034 audio.
    fn user_event(&mut self, code: i64, message: &Option<String>) {
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
                cat!("pusher ", code, " ignored: ", why).into(),
            );
            return;
        };
        let mut skipped = Vec::new();
        for entry in list {
            if !self.user_entry(code, entry) {
                skipped.push(entry.text());
            }
        }
        if !skipped.is_empty() {
            self.event(
                "warning",
                codes::BAD_INPUT,
                cat!("pusher ", code, ": skipped entries (no userid, a userid with a lone UTF-16 surrogate or U+FFFD, unknown streamtype, or a user 1031 never announced): ", crate::join(&skipped, ", "))
                .into(),
            );
        }
        self.trtc_seat();
    }

    /// Applies one entry of a 1031-1034 list; `false` when it could not be used.
    fn user_entry(&mut self, code: i64, entry: &Json) -> bool {
        let field = |name| entry.get(name);
        // An id altered on the way in (a lone surrogate became U+FFFD) is refused: two different
        // ids must never become one.
        let Some(id) = field("userid")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty() && !crate::codec::altered_id(s))
        else {
            return false;
        };
        if id == self.props.user_id {
            return true; // ourselves: not a remote user
        }
        let users = &mut self.users;
        let Some(at) = users.list.iter().position(|u| u.id == id) else {
            if code != 1031 {
                return false;
            }
            users.list.push(Remote {
                id: id.into(),
                ..Remote::default()
            });
            self.event("remote_user_join", code, obj([("userID", id.into())]));
            return true;
        };
        let video = code == 1033;
        let aux = match field("streamtype").and_then(Json::as_str) {
            _ if !video => false,
            Some("main") => false,
            Some("aux") => true,
            _ => return false,
        };
        let on = field(if video { "hasvideo" } else { "hasaudio" }).is_some_and(truthy);
        let (tag, was) = match code {
            1031 => return true,
            1032 => {
                users.list.swap_remove(at);
                for line in [&mut users.shares, &mut users.cameras, &mut users.audio] {
                    flip(line, id, false);
                }
                self.event("remote_user_leave", code, obj([("userID", id.into())]));
                return true;
            }
            1033 if aux => ("remote_video", flip(&mut users.shares, id, on)),
            1033 => (
                "remote_video",
                core::mem::replace(&mut users.list[at].video, on),
            ),
            _ => ("remote_audio", flip(&mut users.audio, id, on)),
        };
        if on && !aux && !users.cameras.iter().any(|u| u == id) {
            users.cameras.push(id.into());
        }
        if was != on {
            let mut detail = vec![("userID".into(), id.into())];
            if video {
                detail.push(("streamType".into(), stream(aux).into()));
            }
            detail.push(("available".into(), on.into()));
            self.event(tag, code, Json::Obj(detail));
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
        let users = &self.users;
        let mut roster = Vec::new();
        for (aux, line) in [(true, &users.shares), (false, &users.cameras)] {
            for id in line {
                let Some(u) = users.list.iter().find(|u| u.id == *id) else {
                    continue;
                };
                roster.push(Listed {
                    id: id.clone(),
                    src: cat!(
                        "room://",
                        ROOM_HOST,
                        "/rtc?userid=",
                        encode_component(id),
                        "&streamtype=",
                        stream(aux)
                    ),
                    aux,
                    novideo: u.hidden || !aux && !u.video,
                });
            }
        }
        let displaced = slots::yield_to_share(&mut self.slots, &roster);
        let mut seating = slots::reseat(&mut self.slots, &roster);
        let mut waiting = Vec::new();
        if let Some(camera) = displaced {
            // Back when the share ends (the camera keeps its place in line); no -8 meanwhile.
            waiting.push(camera.id.clone());
            seating.left.push((0, camera.id, false));
        }
        self.seat_events(&seating);
        let mut refused = Vec::new();
        for listed in &roster {
            if !self.slots.iter().flatten().any(|m| m.is(listed)) {
                let name = if listed.aux {
                    cat!(listed.id, " (screen)")
                } else {
                    listed.id.clone()
                };
                if !self.users.told.contains(&name) && !waiting.contains(&name) {
                    refused.push(name.clone());
                }
                waiting.push(name);
            }
        }
        self.users.told = waiting;
        self.roster = roster;
        self.refuse(&refused);
    }
}
