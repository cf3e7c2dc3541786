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

/// Feed one input (JSON text, or `<id> <status> <body>` for a request's answer; see
/// `docs/core-protocol.md`) at `now_ms`; returns the outputs as JSON text.
#[wasm_bindgen]
pub fn handle(now_ms: f64, input: &str) -> String {
    with_room(|room| crate::handle_text(room, now_ms, input))
}

/// The answer to request `id` with its body as bytes (`wx.request` with `responseType:
/// 'arraybuffer'`), decoded here (invalid UTF-8 as U+FFFD); returns the outputs as JSON text.
#[wasm_bindgen]
pub fn reply(now_ms: f64, id: u32, status: u32, body: &[u8]) -> String {
    with_room(|room| crate::handle_reply_bytes(room, now_ms, id, status, body))
}

fn with_room(f: impl FnOnce(&mut Room) -> String) -> String {
    f(ROOM.0.borrow_mut().get_or_insert_with(Room::new))
}

/// Adds pages to the wasm memory; the address where they start.
fn grow(pages: usize) -> Option<usize> {
    let old = core::arch::wasm32::memory_grow(0, pages);
    (old != usize::MAX).then(|| old * crate::alloc::PAGE)
}

#[global_allocator]
static ALLOC: crate::alloc::SizeClasses<fn(usize) -> Option<usize>> =
    crate::alloc::SizeClasses::new(grow);
