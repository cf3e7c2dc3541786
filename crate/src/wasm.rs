//! The wasm export. One instance holds one room: the shim creates an instance per component, so
//! several components on a page never share state, and a trapped instance is simply replaced.

use std::cell::RefCell;

use wasm_bindgen::prelude::wasm_bindgen;

use crate::Room;

thread_local! {
    static ROOM: RefCell<Room> = RefCell::new(Room::new());
}

/// Feed one input (JSON text, see `docs/core-protocol.md`) at `now_ms`; returns the outputs as JSON text.
#[wasm_bindgen]
pub fn handle(now_ms: f64, input: &str) -> String {
    ROOM.with(|room| crate::handle_json(&mut room.borrow_mut(), now_ms, input))
}

// Sound: wasm32-unknown-unknown without the atomics feature runs on a single thread.
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
