//! The room state machine of the `<webrtc-room>` WeChat mini-program component.
//!
//! Sans-IO: nothing here calls `wx`, timers or clocks. The component's JS shim turns every runtime
//! happening into an [`Input`], hands it to [`Room::handle_input`] together with the current time, and
//! applies what [`Room::poll_output`] returns: one setData patch, events to trigger, requests to send,
//! live-pusher / live-player context commands and timers to arm. Every behaviour is therefore a plain
//! `cargo test`. The wire form the shim speaks is described in `docs/core-protocol.md`.

mod codec;
mod input;
pub mod json;
mod output;
mod props;
mod room;
pub mod slots;
mod urls;
mod view;

pub use codec::{decode_input, encode_outputs, DecodeError, MAX_INPUT_BYTES, MAX_INPUT_CHARS};
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
    if input.len() > codec::MAX_INPUT_BYTES {
        let why = format!(
            "input is {} bytes long, over the bound of {}; it was not read",
            input.len(),
            codec::MAX_INPUT_BYTES
        );
        room.reject_input(DecodeError(why), None);
    } else {
        match decode_input(input) {
            Ok(input) => room.handle_input(now_ms, input),
            Err(err) => room.reject_input(err, codec::callback_id(input)),
        }
    }
    let mut outputs = Vec::new();
    while let Some(out) = room.poll_output() {
        outputs.push(out);
    }
    encode_outputs(outputs)
}
