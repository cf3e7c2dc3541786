//! The wasm export. One instance holds one room: the shim creates an instance per component, so
//! several components on a page never share state, and a trapped instance is simply replaced.

use crate::prelude::*;
use core::cell::RefCell;

use wasm_bindgen::prelude::wasm_bindgen;

use crate::Room;

/// The instance's one room. A plain static rather than `thread_local!`, whose lazy-init and
/// destruction checks cost wasm bytes for nothing on a target with one thread.
struct OneThread(RefCell<Option<Room>>);

// Sound: wasm32-unknown-unknown without the atomics feature has exactly one thread.
unsafe impl Sync for OneThread {}

static ROOM: OneThread = OneThread(RefCell::new(None));

/// Feed one input as UTF-8 bytes at `now_ms`; returns the outputs as JSON text. `body` 0: the
/// input is JSON text, or `<id> <status> <body>` for a request's answer that came as text. Else
/// it is the answer's body as `wx.request` gave its bytes, followed by its header `<id> <status>`
/// from byte `body - 1` on: kept as the reply's text where the glue copied it, not copied again
/// (see `docs/core-protocol.md`). Bytes rather than `&str`: the glue copies a body into the wasm
/// memory as it came instead of encoding a string in JS. Owned, so that it can stay there: a
/// `Box<[u8]>` (as a `Vec<u8>`, wasm-bindgen's code brought an import that throws).
#[wasm_bindgen]
pub fn handle(now_ms: f64, input: Box<[u8]>, body: f64) -> String {
    // handle() never re-enters (the core calls nothing outside), so the borrow always succeeds;
    // `try_` with a bare trap rather than `borrow_mut`, whose panic message brings `core::fmt`.
    let Ok(mut slot) = ROOM.0.try_borrow_mut() else {
        core::arch::wasm32::unreachable()
    };
    let room = slot.get_or_insert_with(Room::new);
    // (an f64: as a u32 it was 19 bytes more of the brotli'd module; `as` saturates, NaN is 0)
    match (body as usize).checked_sub(1) {
        Some(at) => crate::handle_split(room, now_ms, input.into_vec(), at),
        None => crate::handle_bytes(room, now_ms, &input),
    }
}

/// The wasm memory, which the heap grows.
struct Memory;

impl webrtc_room_hot::heap::Grow for Memory {
    /// Adds pages to the wasm memory; the address where they start.
    fn grow(&self, pages: usize) -> Option<usize> {
        let old = core::arch::wasm32::memory_grow(0, pages);
        (old != usize::MAX).then(|| old * webrtc_room_hot::heap::PAGE)
    }
}

#[global_allocator]
static ALLOC: webrtc_room_hot::heap::SizeClasses<Memory> =
    webrtc_room_hot::heap::SizeClasses::new(Memory);

/// A panic is a trap: the shim replaces the instance (std's handler would format a message first).
/// Only where the crate is `no_std` (tools/profile-core builds it for wasm32-wasip1, with std).
#[cfg(target_os = "unknown")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// The module's memcpy and memmove (`webrtc_room_hot::mem`: compiler_builtins' were 726 bytes of
// the brotli'd module). Neither calls anything, itself included (checked in a build with names):
// LLVM makes no loop inside a function named memcpy a call of memcpy, and memmove's loops are not
// ones it can turn into a call (its backward one is volatile).
#[cfg(target_os = "unknown")]
mod mem {
    /// # Safety
    /// As C's: `dest` and `src` valid for `n` bytes, not overlapping.
    #[no_mangle]
    pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        unsafe { webrtc_room_hot::mem::copy_up(dest, src, n) };
        dest
    }

    /// # Safety
    /// As C's: `dest` and `src` valid for `n` bytes; they may overlap.
    #[no_mangle]
    pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        unsafe { webrtc_room_hot::mem::copy(dest, src, n) };
        dest
    }
}
