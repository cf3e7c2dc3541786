//! The hot paths of the `<webrtc-room>` core (`webrtc-room-core`), in a crate of their own so
//! that they are optimised for speed while the rest of the core is optimised for size (the
//! workspace's `Cargo.toml`): reading a long-poll reply of hundreds of messages and writing them
//! for the page is most of the core's work in a busy room.
//!
//! - [`json`]: owned values ([`json::Json`]), the parser and what it parses into: one flat list
//!   of nodes ([`json::Doc`]) that the IM path reads, or values borrowed from the text
//!   ([`json::Val`]);
//! - [`tape`]: the messages as the shim reads them out of the wasm memory;
//! - `heap`: the wasm build's allocator; `mem`: its byte copies.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

/// The names std's prelude gives.
mod prelude {
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec::Vec;
}

#[macro_use]
extern crate webrtc_room_text;

#[cfg(any(target_arch = "wasm32", test))]
pub mod heap;
pub mod json;
#[cfg(any(target_arch = "wasm32", test))]
pub mod mem;
pub mod tape;
