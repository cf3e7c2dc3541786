//! The room state machine of the `<webrtc-room>` WeChat mini-program component.
//!
//! Sans-IO: nothing here calls `wx`, timers or clocks. The component's JS shim turns every runtime
//! happening into an [`Input`], hands it to [`Room::handle_input`] together with the current time, and
//! applies what [`Room::poll_output`] returns: one setData patch, events to trigger, requests to send,
//! live-pusher / live-player context commands and timers to arm. Every behaviour is therefore a plain
//! `cargo test`. The wire form the shim speaks is described in `docs/core-protocol.md`.

#[cfg(any(target_arch = "wasm32", test))]
mod alloc;
mod codec;
mod input;
pub mod json;
mod output;
mod props;
mod room;
pub mod slots;
mod urls;
mod view;

pub use codec::{decode_input, encode_outputs, DecodeError, MAX_INPUT_CHARS};
pub use input::MAX_REPLY_BYTES;
pub use input::{Call, Input, MsgBody, Reply};
pub use output::{Event, Level, Output, PlayerCmd, PusherCmd};
pub use props::{Props, PropsPatch, Protocol, Template};
pub use room::{codes, Room};
pub use urls::{encode_component, push_url, sig_request_url};

#[cfg(target_arch = "wasm32")]
mod wasm;

/// Decode one JSON input, run it, and encode everything it produced: the whole round trip the
/// wasm export performs, usable from native tests and benches.
pub fn handle_json(room: &mut Room, now_ms: f64, input: &str) -> String {
    match decode_input(input) {
        Ok(input) => room.handle_input(now_ms, input),
        Err(err) => room.reject_input(err, codec::callback_id(input)),
    }
    drain(room)
}

/// What the wasm export takes: a JSON input ([`handle_json`]), or `<id> <status> <body>`, the
/// answer to request `id` with its body as text ([`handle_reply`]). JSON inputs are objects, so a
/// leading digit tells them apart, and the body is neither escaped nor copied by the shim.
pub fn handle_text(room: &mut Room, now_ms: f64, input: &str) -> String {
    // i64's parser is in the module already; one for u32 would add to it.
    let number = |text: &str| u32::try_from(text.parse::<i64>().ok()?).ok();
    let reply = input
        .split_once(' ')
        .and_then(|(id, rest)| Some((number(id)?, rest.split_once(' ')?)))
        .and_then(|(id, (status, body))| Some((id, number(status)?, body)));
    match reply {
        Some((id, status, body)) => handle_reply(room, now_ms, id, status, body),
        None => handle_json(room, now_ms, input),
    }
}

/// The answer to request `id` as `wx.request` hands it with `dataType: 'text'`: the body is
/// parsed here, once, instead of JSON.parse in the runtime and JSON.stringify back in the shim.
/// The outputs are exactly those of the `{"reply": {"id", "status", "data"}}` input carrying the
/// parsed body, or, for a body that is not JSON, carrying it as a string (what `dataType: 'json'`
/// leaves then). A body over [`MAX_REPLY_BYTES`] is not parsed: it answers as a failed request.
pub fn handle_reply(room: &mut Room, now_ms: f64, id: u32, status: u32, body: &str) -> String {
    room.handle_input(now_ms, input::reply_text(id, status, body));
    drain(room)
}

/// [`handle_reply`] for a body handed over as bytes (`wx.request` with `responseType:
/// 'arraybuffer'`; the shim copies them into the wasm memory instead of encoding a JS string).
/// Invalid UTF-8 (a hostile server) decodes as TextDecoder would, each maximal invalid sequence
/// to one U+FFFD; otherwise the outputs are exactly those of [`handle_reply`] with the text.
pub fn handle_reply_bytes(
    room: &mut Room,
    now_ms: f64,
    id: u32,
    status: u32,
    body: &[u8],
) -> String {
    room.handle_input(now_ms, input::reply_bytes(id, status, body));
    drain(room)
}

fn drain(room: &mut Room) -> String {
    let mut outputs = Vec::new();
    while let Some(out) = room.poll_output() {
        outputs.push(out);
    }
    encode_outputs(outputs)
}
