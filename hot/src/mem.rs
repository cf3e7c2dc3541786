//! The byte copies behind the wasm build's `memcpy` and `memmove` (defined in the core's
//! `wasm.rs`, where the symbols are). The target's own, from compiler_builtins, copy aligned
//! words with a case for every misalignment: 2.3 KB of the module, 726 bytes after brotli. These
//! copy 8 bytes a step, unaligned (WebAssembly loads and stores need no alignment); reading a
//! long-poll reply, whose 160 KB body is copied once, is no slower for it (tools/bench-ab.js).
//! The WebAssembly 1.0 module has no `memory.copy` to lower them to.

/// Copies `n` bytes from `src` to `dest`, lowest first: right when they do not overlap or when
/// `dest` is below `src` (each step reads its bytes before writing any).
///
/// # Safety
/// `src` readable and `dest` writable for `n` bytes.
#[inline(always)]
pub unsafe fn copy_up(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = 0;
    // Sound: every access is within the `n` bytes the caller vouches for.
    unsafe {
        while i + 8 <= n {
            let word = src.add(i).cast::<u64>().read_unaligned();
            dest.add(i).cast::<u64>().write_unaligned(word);
            i += 8;
        }
        while i < n {
            *dest.add(i) = *src.add(i);
            i += 1;
        }
    }
}

/// Copies `n` bytes from `src` to `dest`, highest first: right when `dest` starts inside them.
/// A byte at a time, and volatile so that LLVM does not make the loop a call of `memmove`, the
/// function it is in; nothing large moves that way (a `Vec` shifted up by an insertion).
///
/// # Safety
/// As [`copy_up`].
#[inline(always)]
pub unsafe fn copy_down(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = n;
    while i > 0 {
        i -= 1;
        // Sound: within the `n` bytes; each byte is read before the copy writes over it.
        unsafe { dest.add(i).write_volatile(src.add(i).read_volatile()) };
    }
}

/// `memmove`: `n` bytes from `src` to `dest`, which may overlap.
///
/// # Safety
/// As [`copy_up`].
#[inline(always)]
pub unsafe fn copy(dest: *mut u8, src: *const u8, n: usize) {
    // (dest - src, wrapping, is below n only when dest starts inside src's bytes)
    if (dest as usize).wrapping_sub(src as usize) >= n {
        unsafe { copy_up(dest, src, n) }
    } else {
        unsafe { copy_down(dest, src, n) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_as_copy_within_does_every_overlap_and_length() {
        let start: Vec<u8> = (0..64u8).collect();
        for n in 0..40 {
            for from in 0..20 {
                for to in 0..20 {
                    let mut want = start.clone();
                    want.copy_within(from..from + n, to);
                    let mut got = start.clone();
                    let p = got.as_mut_ptr();
                    unsafe { copy(p.add(to), p.add(from), n) };
                    assert_eq!(got, want, "n {n} from {from} to {to}");
                    if to + n <= from || from + n <= to || to <= from {
                        let mut up = start.clone();
                        let p = up.as_mut_ptr();
                        unsafe { copy_up(p.add(to), p.add(from), n) };
                        assert_eq!(up, want, "copy_up: n {n} from {from} to {to}");
                    }
                }
            }
        }
    }
}
