//! What goes into the core.

use crate::json::Json;
use crate::prelude::*;

use crate::props::PropsPatch;

/// One happening in the runtime, already decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Properties set by the page (all of them once at load, then the changed ones). Boxed: a
    /// patch (with its warnings) is much larger than any other input.
    Props(Box<PropsPatch>),
    /// A component method was called.
    Call(Call),
    /// live-pusher `bindstatechange`; `message` is the detail's message (for 1020, the member list).
    Pusher { code: i64, message: Option<String> },
    /// live-pusher `binderror`.
    PusherError { code: i64, message: Option<String> },
    /// live-player `bindstatechange` from the player rendered in `slot` for `user`.
    Player {
        slot: usize,
        user: String,
        code: i64,
    },
    /// The answer to request `id`: a reply with a status, or a transport failure.
    Reply {
        id: u32,
        result: Result<Reply, String>,
    },
    /// Timer `id` fired.
    Timer(u32),
    /// The component left the page.
    Detached,
}

/// An HTTP reply as `wx.request` gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// 0 … 65535 (anything else arrives as 0); a u32 so that formatting it shares u32's code.
    pub status: u32,
    pub data: Json,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    Start,
    Stop,
    Pause,
    Resume,
    SwitchCamera,
    ExitRoom,
    /// `enableVideo(enable, userID)`; `None` (a falsy userID) means the local camera.
    EnableVideo {
        enable: bool,
        user: Option<String>,
    },
    /// `enableAudio(enable, userID)`; `None` means the local microphone.
    EnableAudio {
        enable: bool,
        user: Option<String>,
    },
    /// `sendC2CTextMsg(toUser, text, succ, fail)` and the three others (`to` is `None` for the
    /// group); `cb` names the page's callbacks (absent when it passed none).
    Send {
        to: Option<String>,
        body: MsgBody,
        cb: Option<u32>,
    },
}

/// What a send method carries: a text, or a custom `{data, desc, ext}` message.
#[derive(Clone, Debug, PartialEq)]
pub enum MsgBody {
    Text(String),
    Custom {
        data: String,
        desc: String,
        ext: String,
    },
}

/// Replies larger than this are not parsed (a webim batch of 500 messages is about 160 KB).
pub const MAX_REPLY_BYTES: usize = 1 << 20;

/// The reply input for a body handed over as text (see [`crate::handle_reply`]); `None` for one
/// whose bytes were not UTF-8 (see [`crate::handle_bytes`]). The body is kept as text
/// ([`Json::Raw`]) until the request's owner reads it ([`Reply::parsed`]): the IM code parses a
/// long-poll batch without copying its messages into owned values.
pub(crate) fn reply_text(id: u32, status: u32, body: Option<String>) -> Input {
    let result = match body {
        None => Err("request:fail the reply is not UTF-8 text".into()),
        Some(body) if body.len() > MAX_REPLY_BYTES => {
            Err("request:fail the reply is over 1 MiB, more than the core reads".into())
        }
        Some(body) => Ok(Reply {
            status: u16::try_from(status).map_or(0, u32::from),
            data: Json::Raw(body),
        }),
    };
    Input::Reply { id, result }
}

impl Reply {
    /// The reply with its data read ([`parsed_data`]).
    pub(crate) fn parsed(self) -> Reply {
        Reply {
            data: parsed_data(self.data),
            ..self
        }
    }
}

/// Reply data as `dataType: 'json'` leaves it: a body kept as text is parsed when it is JSON and
/// a string when it is not; a value already parsed stays as it is.
pub(crate) fn parsed_data(data: Json) -> Json {
    match data {
        Json::Raw(text) => Json::parse(&text).unwrap_or(Json::Str(text)),
        data => data,
    }
}
