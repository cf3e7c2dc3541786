//! The room state machine.

use crate::prelude::*;
use alloc::collections::VecDeque;

use crate::codec::{truthy, DecodeError};
use crate::input::{Call, Input, Reply};
use crate::json::{obj, Json};
use crate::output::{Event, Level, Output, PlayerCmd, PusherCmd};
use crate::props::{Props, PropsPatch, Protocol, Template};
use crate::slots::{self, Listed, Member};
use crate::urls;
use crate::view::{self, View};

/// RoomEvent codes. The negative ones with tag `error` are the 2019 codes and keep their meaning.
pub mod codes {
    /// pusher -1301.
    pub const CAMERA_FAILED: i64 = -4;
    /// pusher -1302.
    pub const MIC_FAILED: i64 = -5;
    /// pusher -1307.
    pub const PUSH_DISCONNECTED: i64 = -6;
    /// pusher binderror 10001 / 10002.
    pub const NO_PERMISSION: i64 = -7;
    /// more members than the layout has slots.
    pub const ROOM_FULL: i64 = -8;
    /// the room signature could not be had.
    pub const ROOM_SIG_FAILED: i64 = -9;
    /// pusher 1019.
    pub const JOIN_FAILED: i64 = -10;
    /// tag `warning`: an input the core could not use (it was ignored).
    pub const BAD_INPUT: i64 = -1;
}

/// Wait before the one retry of a failed room-signature request, as in 2019.
const SIG_RETRY_MS: u32 = 1000;
/// How long after 2004 bigsmall keeps its poster up, so the first frame is on screen when it goes.
const LIVE_DELAY_MS: u32 = 500;

mod im;
mod trtc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimerKind {
    SigRetry,
    Live { slot: usize },
    ImRetry(im::Poll),
}

/// Which timers [`Room::disarm`] clears.
#[derive(Clone, Copy)]
enum Disarm {
    ImRetries,
    AllLive,
    AllButImRetries,
    Live(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Not in a room and not trying to be.
    Idle,
    /// Room-signature request `req` in flight; `failures` so far.
    Signing { req: u32, failures: u8 },
    /// Waiting for the retry timer after one failure.
    Retrying { timer: u32 },
    /// Signature had, push URL handed to the pusher.
    Pushing,
}

/// One `<webrtc-room>`: feed it [`Input`]s, drain its [`Output`]s.
#[derive(Debug)]
pub struct Room {
    props: Props,
    phase: Phase,
    push_url: String,
    slots: Vec<Option<Member>>,
    /// The last member list, so a layout change can seat users who had no room before.
    roster: Vec<Listed>,
    timers: Vec<(u32, TimerKind)>,
    next_id: u32,
    now_ms: f64,
    detached: bool,
    /// What the view shows now (the last patch applied).
    shown: View,
    /// Property writes (local camera / mic) to go out with the next patch.
    extra_patch: Vec<(String, Json)>,
    im: im::Im,
    /// trtc: the remote users and their streams.
    users: trtc::Users,
    out: VecDeque<Output>,
}

impl Default for Room {
    fn default() -> Self {
        Room::new()
    }
}

impl Room {
    pub fn new() -> Room {
        let props = Props::default();
        Room {
            slots: slots::empty(props.template.capacity()),
            props,
            phase: Phase::Idle,
            push_url: String::new(),
            roster: Vec::new(),
            timers: Vec::new(),
            next_id: 1,
            now_ms: 0.0,
            detached: false,
            shown: View::initial(),
            extra_patch: Vec::new(),
            im: im::Im::default(),
            users: trtc::Users::default(),
            out: VecDeque::new(),
        }
    }

    pub fn props(&self) -> &Props {
        &self.props
    }

    /// User ids by slot (`None` for an empty slot).
    pub fn seated(&self) -> Vec<Option<&str>> {
        self.slots
            .iter()
            .map(|slot| slot.as_ref().map(|m| m.id.as_str()))
            .collect()
    }

    pub fn push_url(&self) -> &str {
        &self.push_url
    }

    /// Whether a signature request or retry is pending or the pusher has its URL.
    pub fn is_active(&self) -> bool {
        self.phase != Phase::Idle
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Natively, IM messages come out as JSON (the compact arrays the shim makes of a tape). From
    /// this call on they come out as in wasm instead, as the places of tapes kept until the next
    /// input: what `benches/im_batch.rs` measures. In wasm that is always so (the bench's WASI
    /// build calls this too; the shipped module has no such function).
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn keep_message_tapes(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.im.out.kept = true;
        }
    }

    /// Runs one input at `now_ms` (the caller's clock, used for the request's `random`).
    pub fn handle_input(&mut self, now_ms: f64, input: Input) {
        if self.detached {
            return;
        }
        self.now_ms = now_ms;
        // The last input's messages were read when it returned.
        self.im.out.list.clear();
        match input {
            Input::Props(patch) => self.set_props(*patch),
            Input::Call(call) => self.call(call),
            Input::Pusher { code, message } => self.pusher_state(code, message),
            Input::PusherError { code, message } => self.pusher_error(code, message),
            Input::Player { slot, user, code } => self.player_state(slot, &user, code),
            Input::Reply { id, result } => self.reply(id, result),
            Input::Timer(id) => self.timer(id),
            Input::Detached => {
                self.leave_all();
                self.detached = true;
            }
        }
        self.flush_view();
    }

    /// Reports an input that could not be decoded; the state is untouched. A method call that
    /// carried callbacks (`cb`) still gets its one answer: `fail(-4, why)`.
    pub fn reject_input(&mut self, err: DecodeError, cb: Option<u32>) {
        if self.detached {
            return;
        }
        self.log(Level::Warn, cat!("webrtc-room: input ignored: ", err));
        // The text itself rather than err.to_string(): no ToString instance for DecodeError.
        let why = err.0;
        if let Some(id) = cb {
            self.out.push_back(Output::Callback {
                id,
                ok: false,
                args: vec![Json::Num("-4".into()), why.clone().into()],
            });
        }
        self.event("warning", codes::BAD_INPUT, why.into());
    }

    // ----- outputs -----

    fn event(&mut self, tag: &'static str, code: i64, detail: Json) {
        self.emit("RoomEvent", tag, code, detail);
    }

    // Not inlined: one copy of the queue push instead of one per event site (wasm size).
    #[inline(never)]
    fn emit(&mut self, name: &'static str, tag: &'static str, code: i64, detail: Json) {
        self.out.push_back(Output::Event(Event {
            name,
            tag,
            code,
            detail,
        }));
    }

    fn error(&mut self, code: i64, message: String) {
        self.log(
            Level::Error,
            cat!("webrtc-room: error ", code, ": ", message),
        );
        self.event("error", code, message.into());
    }

    fn log(&mut self, level: Level, text: String) {
        self.out.push_back(Output::Log { level, text });
    }

    /// Info lines go out only when `debug` is on.
    fn debug_log(&mut self, text: impl FnOnce() -> String) {
        if self.props.debug {
            self.log(Level::Info, text());
        }
    }

    fn alloc_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    fn arm(&mut self, kind: TimerKind, ms: u32) -> u32 {
        let id = self.alloc_id();
        self.timers.push((id, kind));
        self.out.push_back(Output::Timer { id, ms });
        id
    }

    /// Clears the armed timers `which` names. Named by data, not a closure: a closure would be
    /// called through a table, and a table in the module keeps every function whose address is
    /// taken (`u32`'s formatting for the panic paths, ~2 KB) in the module.
    fn disarm(&mut self, which: Disarm) {
        let mut kept = Vec::with_capacity(self.timers.len());
        for &(id, kind) in &core::mem::take(&mut self.timers) {
            let hit = match (which, kind) {
                (Disarm::ImRetries, TimerKind::ImRetry(_)) => true,
                (Disarm::AllLive, TimerKind::Live { .. }) => true,
                (Disarm::AllButImRetries, kind) => !matches!(kind, TimerKind::ImRetry(_)),
                (Disarm::Live(which), TimerKind::Live { slot }) => which == slot,
                _ => false,
            };
            if hit {
                self.out.push_back(Output::ClearTimer(id));
            } else {
                kept.push((id, kind));
            }
        }
        self.timers = kept;
    }

    fn flush_view(&mut self) {
        // A push loop rather than Vec::clone (its to_vec specialisation is larger).
        let mut slots = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            slots.push(slot.clone());
        }
        let now = View {
            push_url: self.push_url.clone(),
            slots,
        };
        let mut patch = core::mem::take(&mut self.extra_patch);
        view::diff(&self.shown, &now, &mut patch);
        self.shown = now;
        if !patch.is_empty() {
            self.out.push_back(Output::SetData(patch));
        }
    }

    // ----- properties -----

    fn set_props(&mut self, mut patch: PropsPatch) {
        let p = &mut self.props;
        macro_rules! take {
            ($($field:ident),*) => {$( if let Some(v) = patch.$field { p.$field = v; } )*};
        }
        take!(
            room_id,
            user_id,
            user_name,
            user_sig,
            sdk_app_id,
            private_map_key,
            debug,
            enable_im,
            use_cloud,
            pure_audio_push_mod,
            record_id,
            api_base,
            str_room_id,
            scene
        );
        take!(min_bitrate, max_bitrate);
        self.extra_patch.append(&mut patch.fixed);
        for text in patch.warnings {
            self.event("warning", codes::BAD_INPUT, text.into());
        }
        // The runtime hands a page's setData of both bitrates as two inputs: the pair is checked
        // when it arrives together (the first set) and at start(), never half-way.
        if patch.min_bitrate.is_some() && patch.max_bitrate.is_some() {
            self.check_bitrates();
        }
        if let Some(name) = patch.protocol {
            self.props.protocol = match name.as_str() {
                "trtc" => Protocol::Trtc,
                "legacy" | "" => Protocol::Legacy,
                _ => {
                    let why = "unknown protocol: use legacy or trtc; using legacy";
                    self.event("warning", codes::BAD_INPUT, why.into());
                    Protocol::Legacy
                }
            };
        }
        if let Some(name) = patch.template {
            match Template::parse(&name) {
                Some(template) => self.set_template(template),
                None => {
                    // 2019 laid any unknown name out like float; keep that, but say so, and show
                    // it: the view reads the property.
                    self.set_template(Template::Float);
                    self.extra_patch.push(("template".into(), "float".into()));
                    self.event(
                        "warning",
                        codes::BAD_INPUT,
                        cat!(
                            "unknown template '",
                            name,
                            "': use bigsmall, float or grid; showing float"
                        )
                        .into(),
                    );
                }
            }
        }
    }

    fn check_bitrates(&mut self) {
        let p = &mut self.props;
        let (min, max) = (p.min_bitrate, p.max_bitrate);
        if min > max {
            p.min_bitrate = max;
            self.extra_patch.push(("minBitrate".into(), max.into()));
            self.event(
                "warning",
                codes::BAD_INPUT,
                cat!(
                    "property minBitrate: ",
                    min,
                    " is above maxBitrate ",
                    max,
                    "; it is set to ",
                    max
                )
                .into(),
            );
        }
    }

    /// Switching layout keeps the room: members are laid into the new slots, in order; those
    /// who do not fit are refused (-8) and seated again if a later layout has room for them.
    fn set_template(&mut self, template: Template) {
        if template == self.props.template {
            return;
        }
        self.props.template = template;
        self.disarm(Disarm::AllLive);
        if self.trtc() {
            slots::resize(&mut self.slots, template.capacity());
            self.trtc_seat();
            return;
        }
        let mut dropped = slots::resize(&mut self.slots, template.capacity());
        let seating = slots::reseat(&mut self.slots, &self.roster);
        // The dropped ids then the refused ones, consecutive repeats once: by hand, as
        // Vec::dedup and an in-place collect are generic loops of their own.
        let mut refused: Vec<String> = Vec::new();
        let mut add = |id: String| {
            if refused.last() != Some(&id) {
                refused.push(id);
            }
        };
        for member in &mut dropped {
            add(core::mem::take(&mut member.id));
        }
        for id in seating.refused {
            add(id);
        }
        self.refuse(&refused);
    }

    // ----- methods -----

    fn call(&mut self, call: Call) {
        match call {
            Call::Start => self.start(),
            Call::Stop | Call::ExitRoom => {
                let entered = self.phase == Phase::Pushing;
                self.leave_all();
                if entered && self.trtc() {
                    // The pusher's 1019 that follows is this exit, not an error (see trtc.rs).
                    self.event("exit_room", 0, obj([("roomID", self.room_json())]));
                }
            }
            Call::Pause => self.all_media(PusherCmd::Pause, PlayerCmd::Pause),
            Call::Resume => self.all_media(PusherCmd::Resume, PlayerCmd::Resume),
            Call::SwitchCamera => self.out.push_back(Output::Pusher(PusherCmd::SwitchCamera)),
            Call::EnableVideo { enable, user } => self.enable_video(enable, user),
            Call::EnableAudio { enable, user } => self.enable_audio(enable, user),
            Call::Send { to, body, cb } => self.im_send(to, body, cb),
        }
    }

    fn all_media(&mut self, pusher: PusherCmd, player: PlayerCmd) {
        self.out.push_back(Output::Pusher(pusher));
        for slot in 0..self.slots.len() {
            if self.slots[slot].is_some() {
                self.out.push_back(Output::Player { slot, cmd: player });
            }
        }
    }

    fn enable_video(&mut self, enable: bool, user: Option<String>) {
        let Some(user) = user else {
            self.extra_patch
                .push(("enableCamera".into(), enable.into()));
            return;
        };
        if self.trtc() {
            if !self.trtc_show_video(enable, &user) {
                self.member_slot("enableVideo", &user);
            }
            return;
        }
        // member_slot found a seated member at `slot`; `let else` rather than `expect`, whose
        // message would bring `core::fmt` back into the wasm.
        let Some(slot) = self.member_slot("enableVideo", &user) else {
            return;
        };
        let Some(member) = self.slots[slot].as_mut() else {
            return;
        };
        if member.video != enable {
            member.video = enable;
            let cmd = if enable {
                PlayerCmd::Play
            } else {
                PlayerCmd::Stop
            };
            self.out.push_back(Output::Player { slot, cmd });
        }
    }

    fn enable_audio(&mut self, enable: bool, user: Option<String>) {
        let Some(user) = user else {
            self.extra_patch.push(("muted".into(), (!enable).into()));
            return;
        };
        if self.member_slot("enableAudio", &user).is_some() {
            // trtc seats a user once per stream: every player of the user.
            for member in self.slots.iter_mut().flatten().filter(|m| m.id == user) {
                member.muted = !enable;
            }
        }
    }

    fn member_slot(&mut self, method: &str, user: &str) -> Option<usize> {
        let slot = slots::find(&self.slots, user);
        if slot.is_none() {
            self.event(
                "warning",
                codes::BAD_INPUT,
                cat!(method, ": user '", user, "' is not shown in this room").into(),
            );
        }
        slot
    }

    fn start(&mut self) {
        // Entering again (a page may call start() after changing roomID): leave cleanly first.
        self.leave_all();
        self.check_bitrates();
        let p = &self.props;
        let mut missing = String::new();
        for (absent, name) in [
            (p.sdk_app_id == 0, "sdkAppID"),
            (
                p.room_id == 0 && (p.str_room_id.is_empty() || p.protocol != Protocol::Trtc),
                "roomID",
            ),
            (p.user_id.is_empty(), "userID"),
            (p.user_sig.is_empty(), "userSig"),
        ] {
            // Named one by one: a filtered collect and a join bring generic loops.
            if absent {
                if !missing.is_empty() {
                    missing.push_str(", ");
                }
                missing.push_str(name);
            }
        }
        if !missing.is_empty() {
            self.error(
                codes::ROOM_SIG_FAILED,
                cat!(
                    "start(): ",
                    missing,
                    " not set; set them (userSig from your signing service) before calling start()"
                ),
            );
            return;
        }
        match self.props.protocol {
            Protocol::Legacy => self.request_sig(0),
            Protocol::Trtc => self.trtc_enter(),
        }
        self.im_start();
    }

    fn trtc(&self) -> bool {
        self.props.protocol == Protocol::Trtc
    }

    /// The room as events name it: trtc's strRoomID when set, else the number.
    fn room_json(&self) -> Json {
        match self.props.str_room_id.as_str() {
            id if !id.is_empty() && self.trtc() => id.into(),
            _ => self.props.room_id.into(),
        }
    }

    /// The IM group of the room: its id as text.
    fn group_id(&self) -> String {
        match self.room_json() {
            Json::Str(id) => id,
            _ => crate::text::int_text(self.props.room_id),
        }
    }

    fn request_sig(&mut self, failures: u8) {
        let p = &self.props;
        let url = urls::sig_request_url(
            &p.api_base,
            p.use_cloud,
            p.sdk_app_id,
            &p.user_id,
            &p.user_sig,
            self.now_ms.max(0.0) as u64,
        );
        let data = obj([
            (
                "ReqHead",
                obj([
                    ("Cmd", 1u32.into()),
                    ("SeqNo", 1u32.into()),
                    ("BusType", 7u32.into()),
                    ("GroupId", p.room_id.into()),
                ]),
            ),
            (
                "ReqBody",
                obj([
                    ("PrivMapEncrypt", p.private_map_key.as_str().into()),
                    ("TerminalType", 1u32.into()),
                    ("FromType", 3u32.into()),
                    ("SdkVersion", 26280566u32.into()),
                ]),
            ),
        ]);
        let (room, user) = (p.room_id, p.user_id.clone());
        let id = self.alloc_id();
        self.phase = Phase::Signing { req: id, failures };
        self.debug_log(|| cat!("webrtc-room: room signature request ", url));
        self.log(
            Level::Info,
            cat!(
                "webrtc-room: requesting room signature (room ",
                room,
                ", user ",
                user,
                ")"
            ),
        );
        self.out.push_back(Output::Request {
            id,
            url,
            method: "POST",
            data,
        });
    }

    /// `stop()`, `exitRoom()`, detach: leave the room and log out of IM.
    fn leave_all(&mut self) {
        self.leave();
        self.im_stop("the room was left before the message was sent");
    }

    /// Leaves the room: stops pusher and players, cancels the pending request and the room's
    /// timers (IM keeps running: it is stopped by `leave_all`).
    fn leave(&mut self) {
        match core::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Idle => {}
            Phase::Signing { req, .. } => self.out.push_back(Output::Abort(req)),
            Phase::Retrying { .. } => {}
            Phase::Pushing => self.out.push_back(Output::Pusher(PusherCmd::Stop)),
        }
        self.disarm(Disarm::AllButImRetries);
        for slot in 0..self.slots.len() {
            if self.slots[slot].take().is_some() {
                self.out.push_back(Output::Player {
                    slot,
                    cmd: PlayerCmd::Stop,
                });
            }
        }
        self.roster.clear();
        self.users = trtc::Users::default();
        self.push_url.clear();
    }

    // ----- the signature reply -----

    fn reply(&mut self, id: u32, mut result: Result<Reply, String>) {
        if self.im_reply(id, &mut result) {
            return;
        }
        let Phase::Signing { req, failures } = self.phase else {
            return;
        };
        if req != id {
            return;
        }
        match sig_from_reply(result.map(Reply::parsed)) {
            Ok(room_sig) => {
                let p = &self.props;
                self.push_url = urls::push_url(
                    p.sdk_app_id,
                    p.room_id,
                    &p.user_id,
                    &room_sig,
                    p.pure_audio_push_mod,
                    p.record_id,
                );
                self.phase = Phase::Pushing;
                self.debug_log(|| "webrtc-room: room signature received, pushing".into());
            }
            Err(reason) if failures == 0 => {
                self.log(
                    Level::Warn,
                    cat!(
                        "webrtc-room: room signature failed (",
                        reason,
                        "); retrying in 1 s"
                    ),
                );
                let timer = self.arm(TimerKind::SigRetry, SIG_RETRY_MS);
                self.phase = Phase::Retrying { timer };
            }
            Err(reason) => {
                self.phase = Phase::Idle;
                self.error(
                    codes::ROOM_SIG_FAILED,
                    cat!("room signature request failed twice: ", reason),
                );
            }
        }
    }

    fn timer(&mut self, id: u32) {
        let Some(pos) = self.timers.iter().position(|(t, _)| *t == id) else {
            return;
        };
        let (_, kind) = self.timers.remove(pos);
        match kind {
            TimerKind::SigRetry => {
                if self.phase == (Phase::Retrying { timer: id }) {
                    self.request_sig(1);
                }
            }
            TimerKind::Live { slot } => {
                if let Some(Some(member)) = self.slots.get_mut(slot) {
                    member.live = true;
                }
            }
            TimerKind::ImRetry(which) => self.im_timer(which),
        }
    }

    // ----- live-pusher -----

    fn pusher_state(&mut self, code: i64, message: Option<String>) {
        if self.trtc() && self.trtc_pusher_state(code, &message) {
            return;
        }
        match code {
            1002 => self.debug_log(|| "webrtc-room: push started".into()),
            1018 => {
                if self.phase == Phase::Pushing {
                    self.event("enter_room", 0, obj([("roomID", self.room_json())]));
                }
            }
            1019 => self.error(
                codes::JOIN_FAILED,
                "the pusher left the room (1019); call start() to enter again".into(),
            ),
            1020 => self.member_list(message),
            1021 => {
                if self.phase != Phase::Idle {
                    self.debug_log(|| "webrtc-room: network changed (1021), entering again".into());
                    self.leave();
                    self.request_sig(0);
                }
            }
            5000 => {
                self.debug_log(|| "webrtc-room: app went to background (5000), leaving".into());
                self.leave();
            }
            -1301 => self.fail_and_leave(
                codes::CAMERA_FAILED,
                "the camera could not be opened (-1301)",
            ),
            -1302 => self.fail_and_leave(
                codes::MIC_FAILED,
                "the microphone could not be opened (-1302)",
            ),
            -1307 => self.fail_and_leave(
                codes::PUSH_DISCONNECTED,
                "the push connection was lost and could not be restored (-1307)",
            ),
            _ => self.debug_log(|| cat!("webrtc-room: pusher state ", code)),
        }
    }

    fn fail_and_leave(&mut self, code: i64, message: &str) {
        self.error(code, message.into());
        self.leave();
    }

    fn pusher_error(&mut self, code: i64, message: Option<String>) {
        let text = match code {
            10001 => "no camera permission (10001): allow the camera for this mini-program in its settings, then enter again".to_string(),
            10002 => "no microphone permission (10002): allow the microphone for this mini-program in its settings, then enter again".to_string(),
            _ => match message.filter(|m| !m.is_empty()) {
                Some(m) => cat!("live-pusher error ", code, ": ", m),
                None => cat!("live-pusher error ", code, ": no camera or microphone permission"),
            },
        };
        self.error(codes::NO_PERMISSION, text);
    }

    fn member_list(&mut self, message: Option<String>) {
        if self.phase != Phase::Pushing {
            return;
        }
        let list = match message.as_deref().map(parse_member_list) {
            Some(Ok((list, warnings))) => {
                for text in warnings {
                    self.event("warning", codes::BAD_INPUT, text.into());
                }
                list
            }
            Some(Err(why)) => {
                self.event(
                    "warning",
                    codes::BAD_INPUT,
                    cat!("member list (1020) ignored: ", why).into(),
                );
                return;
            }
            None => {
                self.event(
                    "warning",
                    codes::BAD_INPUT,
                    "member list (1020) ignored: no message".into(),
                );
                return;
            }
        };
        self.roster = slots::clean_list(list, &self.props.user_id);
        let seating = slots::reseat(&mut self.slots, &self.roster);
        self.seat_events(&seating);
        self.refuse(&seating.refused);
    }

    /// member_leave / member_join for the seats a re-seating freed and took.
    fn seat_events(&mut self, seating: &slots::Seating) {
        for (slot, user, aux) in &seating.left {
            let slot = *slot;
            self.disarm(Disarm::Live(slot));
            self.seat_event("member_leave", user, *aux);
        }
        for (_, user, aux) in &seating.joined {
            self.seat_event("member_join", user, *aux);
        }
    }

    /// `{userID}`; trtc seats a stream, so it adds `streamType`.
    fn seat_event(&mut self, tag: &'static str, user: &str, aux: bool) {
        let detail = if self.trtc() {
            obj([
                ("userID", user.into()),
                ("streamType", trtc::stream(aux).into()),
            ])
        } else {
            obj([("userID", user.into())])
        };
        self.event(tag, 0, detail);
    }

    fn refuse(&mut self, users: &[String]) {
        if users.is_empty() {
            return;
        }
        let template = self.props.template;
        self.error(
            codes::ROOM_FULL,
            cat!(
                "the room is over capacity: the ",
                template.name(),
                " layout holds ",
                template.capacity() + 1,
                " people; not shown: ",
                crate::join(users, ", ")
            ),
        );
    }

    // ----- live-player -----

    fn player_state(&mut self, slot: usize, user: &str, code: i64) {
        let Some(Some(member)) = self.slots.get_mut(slot) else {
            return;
        };
        if member.id != user {
            return; // a player that was already replaced
        }
        let aux = member.aux;
        match code {
            2007 => member.loading = true,
            2004 => {
                member.loading = false;
                let wants_live = !member.live && self.props.template == Template::BigSmall;
                let live = TimerKind::Live { slot };
                if wants_live && !self.timers.iter().any(|(_, kind)| *kind == live) {
                    self.arm(live, LIVE_DELAY_MS);
                }
            }
            -2301 => {
                self.slots[slot] = None;
                self.disarm(Disarm::Live(slot));
                self.out.push_back(Output::Player {
                    slot,
                    cmd: PlayerCmd::Stop,
                });
                self.log(
                    Level::Warn,
                    cat!("webrtc-room: stream of '", user, "' lost for good (-2301)"),
                );
                // The seat is free: say so, and seat the user again (member_join) only when a
                // later member list still lists them, not on a layout change.
                self.roster = slots::clean_list(core::mem::take(&mut self.roster), user);
                // trtc names the stream, as its other member_leave events do.
                self.seat_event("member_leave", user, aux);
            }
            _ => {}
        }
    }
}

/// The roomsig from a signature reply: `JSON.stringify(RspBody)` when neither the top-level
/// `ErrorCode` nor `RspHead.ErrorCode` reports an error.
fn sig_from_reply(result: Result<Reply, String>) -> Result<String, String> {
    let reply = result?;
    if !(200..300).contains(&reply.status) {
        return Err(cat!("HTTP status ", reply.status));
    }
    let data = &reply.data;
    let info = |v: &Json| {
        v.get("ErrorInfo")
            .and_then(Json::as_str)
            .map(|s| cat!(": ", s))
            .unwrap_or_default()
    };
    if !data.is_object() {
        return Err("the reply is not a JSON object".into());
    }
    if let Some(code) = data.get("ErrorCode").filter(|c| truthy(c)) {
        return Err(cat!("ErrorCode ", code, info(data)));
    }
    let head = data.get("RspHead").ok_or("the reply has no RspHead")?;
    match head.get("ErrorCode") {
        Some(code) if code.is_number() && !truthy(code) => {}
        Some(code) => return Err(cat!("RspHead.ErrorCode ", code, info(head))),
        None => return Err("the reply has no RspHead.ErrorCode".into()),
    }
    let body = data.get("RspBody").ok_or("the reply has no RspBody")?;
    Ok(body.text())
}

/// More entries than any room has; those past it are not read (the list is still used), so a
/// hostile list costs bounded time.
const MAX_LISTED: usize = 1000;

/// `{"userlist": [{"userid": "...", "playurl": "..."}]}`. Entries that cannot be played are left
/// out with one warning counting them and naming the first few with why, and the rest of the list
/// still counts: no userid or playurl; an id that did not reach the core exactly; a play URL not
/// of the room's own service.
fn parse_member_list(message: &str) -> Result<(Vec<Listed>, Vec<String>), String> {
    let value = Json::parse(message).map_err(|e| cat!("message is not JSON (", e, ")"))?;
    let list = value
        .get("userlist")
        .and_then(Json::as_array)
        .ok_or("message has no userlist array")?;
    let mut members = Vec::new();
    // The first few skipped entries are named; all are counted.
    let (mut skipped, mut count) = (Vec::new(), 0usize);
    for entry in list.iter().take(MAX_LISTED) {
        let field = |name: &str| entry.get(name).and_then(Json::as_str).unwrap_or("");
        let (id, src) = (field("userid"), field("playurl"));
        let why = if id.is_empty() || src.is_empty() {
            "no userid or playurl"
        } else if crate::codec::altered_id(id) {
            "userid has a lone UTF-16 surrogate or U+FFFD"
        } else if !urls::playable(src) {
            "playurl not room:// or rtmp:// of cloud.tencent.com"
        } else {
            members.push(Listed {
                id: id.into(),
                src: src.into(),
                ..Listed::default()
            });
            continue;
        };
        count += 1;
        if count <= 5 {
            skipped.push(cat!(entry, " (", why, ")"));
        }
    }
    let mut warnings = Vec::new();
    if !skipped.is_empty() {
        warnings.push(cat!(
            "member list (1020): ",
            count,
            " entries skipped: ",
            crate::join(&skipped, ", ")
        ));
    }
    if list.len() > MAX_LISTED {
        warnings.push(cat!(
            "member list (1020): only the first ",
            MAX_LISTED,
            " of ",
            list.len(),
            " entries are read"
        ));
    }
    Ok((members, warnings))
}
