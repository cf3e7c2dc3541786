//! The wasm export. One instance holds one room: the shim creates an instance per component, so
//! several components on a page never share state, and a trapped instance is simply replaced.

use std::cell::RefCell;

use wasm_bindgen::prelude::wasm_bindgen;

use crate::Room;

/// The instance's one room. A plain static rather than `thread_local!`, whose lazy-init and
/// destruction checks cost wasm bytes for nothing on a target with one thread.
struct OneThread(RefCell<Option<Room>>);

// Sound: wasm32-unknown-unknown without the atomics feature has exactly one thread.
unsafe impl Sync for OneThread {}

static ROOM: OneThread = OneThread(RefCell::new(None));

/// Feed one input as UTF-8 bytes (JSON text, or `<id> <status> <body>` for a request's answer,
/// whose body the shim hands as the bytes `wx.request` gave; see `docs/core-protocol.md`) at
/// `now_ms`; returns the outputs as JSON text. Bytes rather than `&str`: the glue then copies a
/// reply's body into the wasm memory as it came instead of encoding a string in JS.
#[wasm_bindgen]
pub fn handle(now_ms: f64, input: &[u8]) -> String {
    let mut slot = ROOM.0.borrow_mut();
    let room = slot.get_or_insert_with(Room::new);
    crate::handle_bytes(room, now_ms, input)
}

/// Adds pages to the wasm memory; the address where they start.
fn grow(pages: usize) -> Option<usize> {
    let old = core::arch::wasm32::memory_grow(0, pages);
    (old != usize::MAX).then(|| old * crate::alloc::PAGE)
}

#[global_allocator]
static ALLOC: crate::alloc::SizeClasses<fn(usize) -> Option<usize>> =
    crate::alloc::SizeClasses::new(grow);
