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

/// Feed one input (JSON text, see `docs/core-protocol.md`) at `now_ms`; returns the outputs as JSON text.
#[wasm_bindgen]
pub fn handle(now_ms: f64, input: &str) -> String {
    let mut slot = ROOM.0.borrow_mut();
    let room = slot.get_or_insert_with(Room::new);
    crate::handle_json(room, now_ms, input)
}

// Sound: wasm32-unknown-unknown without the atomics feature runs on a single thread.
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
