//! The wasm heap: one free list per power-of-two size class, fed from the end of memory.
//!
//! Why not lol_alloc's first-fit free list (used before): every allocation and every free walks
//! the list, and a long-poll reply of 500 messages is tens of thousands of small allocations
//! freed in no particular order, so the walks grew with the batch (225 ms a 500-message batch,
//! tools/bench.js). Here allocating and freeing are a push or pop on one list. The price is
//! memory: a block is rounded up to a power of two and stays in its class once freed, which the
//! core's few kinds of allocation (strings, vectors of JSON values) keep small. dlmalloc would do
//! as well but is 6 KB of wasm; this is a few hundred bytes.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

/// Blocks are 16 bytes or more, so every block is 16-aligned; larger alignments are never reused.
const MIN_SHIFT: usize = 4;
const MAX_ALIGN: usize = 1 << MIN_SHIFT;
const CLASSES: usize = usize::BITS as usize - MIN_SHIFT;
pub const PAGE: usize = 65536;

/// Where fresh pages come from: `grow(pages)` adds `pages` pages to the heap and returns the
/// address where they start, or `None`. A type of its own (a unit struct) in wasm rather than a
/// function pointer: a pointer puts a table and `call_indirect` in the module, and then every
/// function whose address the panic paths take (`u32`'s formatting for bounds checks, ~2 KB)
/// stays in the table.
pub trait Grow {
    fn grow(&self, pages: usize) -> Option<usize>;
}

impl<F: Fn(usize) -> Option<usize>> Grow for F {
    fn grow(&self, pages: usize) -> Option<usize> {
        self(pages)
    }
}

/// Single-threaded size-class allocator (`realloc` is the default: allocate, copy, free).
pub struct SizeClasses<G: Grow> {
    /// Head of each class's free list (0: empty); a free block holds the address of the next.
    free: [Cell<usize>; CLASSES],
    /// The untouched space left at the end of the heap.
    top: Cell<usize>,
    end: Cell<usize>,
    grow: G,
}

// Sound only where there is one thread: wasm32-unknown-unknown without atomics (see wasm.rs).
unsafe impl<G: Grow> Sync for SizeClasses<G> {}

impl<G: Grow> SizeClasses<G> {
    pub const fn new(grow: G) -> Self {
        SizeClasses {
            free: [const { Cell::new(0) }; CLASSES],
            top: Cell::new(0),
            end: Cell::new(0),
            grow,
        }
    }

    /// The size class of a layout: its block is `1 << (class + MIN_SHIFT)` bytes.
    fn class(layout: Layout) -> usize {
        let size = layout.size().max(layout.align()).max(1);
        let log2_up = (usize::BITS - (size - 1).leading_zeros()) as usize;
        log2_up.saturating_sub(MIN_SHIFT)
    }

    /// Fresh space from the end of the heap, growing memory when it runs out.
    fn carve(&self, size: usize, align: usize) -> *mut u8 {
        let mut at = self.top.get().next_multiple_of(align);
        if self.top.get() == 0 || at.checked_add(size).is_none_or(|e| e > self.end.get()) {
            let pages = size.saturating_add(align).div_ceil(PAGE).max(16);
            let Some(base) = self.grow.grow(pages) else {
                return core::ptr::null_mut();
            };
            if base != self.end.get() {
                self.top.set(base); // not contiguous with the old space: leave its tail unused
            }
            self.end.set(base + pages * PAGE);
            at = self.top.get().next_multiple_of(align);
        }
        self.top.set(at + size);
        at as *mut u8
    }
}

unsafe impl<G: Grow> GlobalAlloc for SizeClasses<G> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > MAX_ALIGN {
            return self.carve(layout.size(), layout.align());
        }
        let class = Self::class(layout);
        let Some(head) = self.free.get(class) else {
            return core::ptr::null_mut();
        };
        match head.get() {
            0 => self.carve(1 << (class + MIN_SHIFT), MAX_ALIGN),
            block => {
                // SAFETY: a block on a free list is ours and holds the next block's address.
                head.set(unsafe { *(block as *const usize) });
                block as *mut u8
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() > MAX_ALIGN {
            return; // over-aligned blocks are never reused (the core makes none)
        }
        if let Some(head) = self.free.get(Self::class(layout)) {
            // SAFETY: the block was handed out for this layout, so it is at least 16 bytes.
            unsafe { *(ptr as *mut usize) = head.get() };
            head.set(ptr as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random allocations, frees and reallocs over a heap of a few (host) pages: blocks never
    /// overlap, keep their contents, are aligned, and freed space is used again.
    #[test]
    fn blocks_stay_apart_and_keep_their_bytes() {
        let heap: &'static mut [u8] = Box::leak(vec![0u8; 40 * PAGE].into_boxed_slice());
        let base = heap.as_mut_ptr() as usize;
        let next = Cell::new(base.next_multiple_of(PAGE));
        let limit = base + heap.len();
        let a = SizeClasses::new(move |pages: usize| {
            let at = next.get();
            (at + pages * PAGE <= limit).then(|| {
                next.set(at + pages * PAGE);
                at
            })
        });
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut random = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        for step in 0..20_000 {
            let fill = (step % 251) as u8;
            match random(3) {
                0 | 1 if live.len() < 400 => unsafe {
                    let layout = Layout::from_size_align(1 + random(3000), 1 << random(4)).unwrap();
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % layout.align(), 0);
                    core::ptr::write_bytes(p, fill, layout.size());
                    live.push((p, layout, fill));
                },
                2 if !live.is_empty() => unsafe {
                    let (p, layout, fill) = live.swap_remove(random(live.len()));
                    let new_size = 1 + random(5000);
                    let q = a.realloc(p, layout, new_size);
                    let kept = layout.size().min(new_size);
                    assert!(
                        (0..kept).all(|i| *q.add(i) == fill),
                        "realloc kept the bytes"
                    );
                    let layout = Layout::from_size_align(new_size, layout.align()).unwrap();
                    core::ptr::write_bytes(q, fill, new_size);
                    live.push((q, layout, fill));
                },
                _ => {
                    if let Some(i) = (!live.is_empty()).then(|| random(live.len())) {
                        let (p, layout, fill) = live.swap_remove(i);
                        unsafe {
                            assert!((0..layout.size()).all(|i| *p.add(i) == fill), "bytes kept");
                            a.dealloc(p, layout);
                        }
                    }
                }
            }
        }
        let mut spans: Vec<(usize, usize)> = live
            .iter()
            .map(|(p, l, _)| (*p as usize, *p as usize + l.size()))
            .collect();
        spans.sort();
        assert!(
            spans.windows(2).all(|w| w[0].1 <= w[1].0),
            "no two blocks overlap"
        );
        // 20,000 steps of up to 5 KB fit in 40 pages only because freed blocks are reused.
    }
}
