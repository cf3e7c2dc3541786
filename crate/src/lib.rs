//! The room state machine of the `<webrtc-room>` WeChat mini-program component.
//!
//! Sans-IO: nothing here calls `wx`, timers or clocks. The component's JS shim turns every runtime
//! happening into an [`Input`], hands it to [`Room::handle_input`] together with the current time, and
//! applies what [`Room::poll_output`] returns: one setData patch, events to trigger, requests to send,
//! live-pusher / live-player context commands and timers to arm. Every behaviour is therefore a plain
//! `cargo test`. The wire form the shim speaks is described in `docs/core-protocol.md`.
//!
//! The shipped wasm build is `no_std`: std's panic machinery formats a message no one reads (a
//! trap is all the shim sees). Together with `cat!` (text/) instead of `format!`, that took the module
//! from 37,076 to about 35,460 bytes after brotli. Native builds (tests, benches, the emulator) keep std.

#![cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), no_std)]

extern crate alloc;
#[macro_use]
extern crate webrtc_room_text;

pub use webrtc_room_hot::json;
use webrtc_room_hot::tape;
use webrtc_room_text as text;

use prelude::*;

/// The names std's prelude gives, for the `no_std` build.
mod prelude {
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

mod codec;
mod input;
mod output;
mod props;
mod room;
pub mod slots;
mod urls;
mod utf8;
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

/// What the wasm export takes with `body` 0: one input as UTF-8 bytes, a JSON input
/// ([`handle_json`]) or `<id> <status> <body>`, the answer to request `id` with its body as it
/// came ([`handle_reply`]; the shim sends this form for a runtime that hands text, and an answer
/// that came as bytes in [`handle_split`]'s).
/// JSON inputs are objects, so a leading digit tells them apart, and the body is neither escaped
/// nor copied by the shim. Bytes that are not UTF-8 (only a body can hold any: a hostile
/// server's) are not decoded: a reply answers as a failed request, anything else as a bad input.
pub fn handle_bytes(room: &mut Room, now_ms: f64, input: &[u8]) -> String {
    let text = utf8::utf8_prefix(input);
    let whole = text.len() == input.len();
    match reply_header(text) {
        // (the body copied: this form is the rare one, from a runtime that hands text)
        Some((id, status, body)) => {
            // Sound: all of it is UTF-8 when `whole`.
            let body = input.get(body..).filter(|_| whole);
            let body = body.map(|b| unsafe { String::from_utf8_unchecked(b.to_vec()) });
            reply(room, now_ms, id, status, body)
        }
        None if whole => handle_json(room, now_ms, text),
        None => {
            room.reject_input(DecodeError("input is not UTF-8 text".into()), None);
            drain(room)
        }
    }
}

/// What the wasm export takes for a request's answer that came as bytes: `input` is its body
/// followed by its ASCII header `<id> <status>`, which starts at byte `body`. The body then
/// becomes the reply's text where it lies: no copy of it (a 500-message IM batch is 160 KB),
/// where [`handle_bytes`]'s `<id> <status> <body>` puts the header first and the body is copied
/// out from behind it. The outputs are those of that form with the same header and body.
pub fn handle_split(room: &mut Room, now_ms: f64, mut input: Vec<u8>, body: usize) -> String {
    let header = input
        .get(body..)
        .map(utf8::utf8_prefix)
        .and_then(split_space)
        .and_then(|(id, status)| Some((number(id)?, number(status)?)));
    let Some((id, status)) = header else {
        room.reject_input(
            DecodeError("a reply without its <id> <status>".into()),
            None,
        );
        return drain(room);
    };
    input.truncate(body);
    let whole = utf8::utf8_prefix(&input).len() == input.len();
    // Sound: all of it is UTF-8, just checked.
    let body = whole.then(|| unsafe { String::from_utf8_unchecked(input) });
    reply(room, now_ms, id, status, body)
}

/// The answer to request `id`: its body as text, `None` for one that was not UTF-8 (a failed
/// request).
fn reply(room: &mut Room, now_ms: f64, id: u32, status: u32, body: Option<String>) -> String {
    room.handle_input(now_ms, input::reply_text(id, status, body));
    drain(room)
}

/// [`handle_bytes`] for an input that is text.
pub fn handle_text(room: &mut Room, now_ms: f64, input: &str) -> String {
    handle_bytes(room, now_ms, input.as_bytes())
}

/// `<id> <status> <body>`'s id, status and where the body starts, when `input` is a reply.
fn reply_header(input: &str) -> Option<(u32, u32, usize)> {
    let (id, rest) = split_space(input)?;
    let (status, body) = split_space(rest)?;
    Some((number(id)?, number(status)?, input.len() - body.len()))
}

/// A header's id or status: a whole number, 0 to 2³²−1.
fn number(text: &str) -> Option<u32> {
    // i64's parser is in the module already; one for u32 would add to it.
    u32::try_from(text.parse::<i64>().ok()?).ok()
}

/// `text` split at its first space (a byte search: str::split_once(char) brings a generic
/// searcher along).
fn split_space(text: &str) -> Option<(&str, &str)> {
    let at = text.as_bytes().iter().position(|&b| b == b' ')?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// The answer to request `id` as `wx.request` hands it with `dataType: 'text'`: the body is
/// parsed here, once, instead of JSON.parse in the runtime and JSON.stringify back in the shim.
/// The outputs are exactly those of the `{"reply": {"id", "status", "data"}}` input carrying the
/// parsed body, or, for a body that is not JSON, carrying it as a string (what `dataType: 'json'`
/// leaves then). A body over [`MAX_REPLY_BYTES`] is not parsed: it answers as a failed request.
pub fn handle_reply(room: &mut Room, now_ms: f64, id: u32, status: u32, body: &str) -> String {
    reply(room, now_ms, id, status, Some(body.into()))
}

/// `items.join(sep)` without std's `join`, whose generic copy loop is over 1 KB of wasm.
pub(crate) fn join(items: &[String], sep: &str) -> String {
    let mut out = String::new();
    for (at, item) in items.iter().enumerate() {
        if at > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
    out
}

fn drain(room: &mut Room) -> String {
    let mut outputs = Vec::new();
    while let Some(out) = room.poll_output() {
        outputs.push(out);
    }
    encode_outputs(outputs)
}
