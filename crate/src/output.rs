//! What comes out of the core.

use crate::json::Json;
use crate::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// One setData patch with path keys (`"m[1].loading"`); at most one per input.
    SetData(Vec<(String, Json)>),
    /// `triggerEvent(name, detail)`.
    Event(Event),
    /// `wx.request`; its answer comes back as `Input::Reply` with the same id.
    Request {
        id: u32,
        url: String,
        method: &'static str,
        data: Json,
    },
    /// Abort request `id`; a reply that still arrives is ignored.
    Abort(u32),
    /// Arm a one-shot timer; it comes back as `Input::Timer(id)`.
    Timer { id: u32, ms: u32 },
    /// Cancel a timer armed before.
    ClearTimer(u32),
    /// A live-pusher context method.
    Pusher(PusherCmd),
    /// A live-player context method on the player of a slot.
    Player { slot: usize, cmd: PlayerCmd },
    /// A console line. Never carries userSig or privateMapKey unless `debug` is on.
    Log { level: Level, text: String },
    /// Call the `succ` (`ok`) or `fail` callback a page passed with method call `id`, with `args`.
    /// Each id gets exactly one.
    Callback { id: u32, ok: bool, args: Vec<Json> },
}

/// `triggerEvent(name, {tag, code, detail})`; `name` is `RoomEvent` or `IMEvent`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub name: &'static str,
    pub tag: &'static str,
    pub code: i64,
    pub detail: Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PusherCmd {
    Start,
    Stop,
    Pause,
    Resume,
    SwitchCamera,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayerCmd {
    Play,
    Stop,
    Pause,
    Resume,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl PusherCmd {
    pub fn name(self) -> &'static str {
        match self {
            PusherCmd::Start => "start",
            PusherCmd::Stop => "stop",
            PusherCmd::Pause => "pause",
            PusherCmd::Resume => "resume",
            PusherCmd::SwitchCamera => "switchCamera",
        }
    }
}

impl PlayerCmd {
    pub fn name(self) -> &'static str {
        match self {
            PlayerCmd::Play => "play",
            PlayerCmd::Stop => "stop",
            PlayerCmd::Pause => "pause",
            PlayerCmd::Resume => "resume",
        }
    }
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}
