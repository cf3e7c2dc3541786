//! UTF-8 validation of the inputs, which cross into the wasm module as bytes.

/// `b`'s longest prefix that is UTF-8 (all of it when `b` is UTF-8): what `str::from_utf8`'s
/// `valid_up_to` finds, checked byte by byte. The standard one (not otherwise linked) costs ~400
/// bytes of compressed wasm for its word-at-a-time ASCII path; this one, with handle_bytes's
/// answer to bytes that are not UTF-8, ~170, and on a 500-message IM batch (160 KB) it is as fast
/// as `String::from_utf8_lossy` was (tools/bench.js --im-only).
pub(crate) fn utf8_prefix(b: &[u8]) -> &str {
    let mut i = 0;
    loop {
        // Most of a reply is ASCII (JSON's own characters, ids, numbers): eight bytes at a time
        // (a byte at a time was ~10 % of a 500-message batch in wasm).
        while let Some(&w) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
            if u64::from_le_bytes(w) & 0x8080_8080_8080_8080 != 0 {
                break;
            }
            i += 8;
        }
        let Some(&c) = b.get(i) else {
            break;
        };
        if c < 0x80 {
            i += 1;
            continue;
        }
        // the length a lead byte announces (1 and over 4: not a lead byte)
        let n = c.leading_ones() as usize;
        let Some(tail) = b.get(i + 1..i + n).filter(|_| (2..5).contains(&n)) else {
            break;
        };
        let mut cp = u32::from(c & 0x7f >> n);
        let mut whole = true;
        for &d in tail {
            whole &= d & 0xc0 == 0x80;
            cp = cp << 6 | u32::from(d & 0x3f);
        }
        // a continuation missing, a surrogate, over U+10FFFF or overlong: not a whole sequence
        if !whole || char::from_u32(cp).map(char::len_utf8) != Some(n) {
            break;
        }
        i += n;
    }
    // Sound: b[..i] is whole UTF-8 sequences, each checked above as the standard defines them
    // (the tests compare this with str::from_utf8 on every short sequence and random bytes).
    // (`get`, like `b.get(i + 1..i + n)` above: no panic path, whose location costs wasm bytes.)
    unsafe { core::str::from_utf8_unchecked(b.get(..i).unwrap_or_default()) }
}

#[cfg(test)]
mod tests {
    use super::utf8_prefix;
    use proptest::prelude::*;

    fn std_prefix(b: &[u8]) -> usize {
        match core::str::from_utf8(b) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        }
    }

    #[test]
    fn every_sequence_of_up_to_three_bytes_and_every_four_byte_lead() {
        let mut b = [0u8; 4];
        for x in 0..1u32 << 24 {
            b[..3].copy_from_slice(&x.to_be_bytes()[1..]);
            for tail in [0x80, 0xbf, 0x41] {
                b[3] = tail;
                assert_eq!(utf8_prefix(&b).len(), std_prefix(&b), "{b:x?}");
            }
        }
    }

    proptest! {
        #[test]
        fn random_bytes_agree_with_str_from_utf8(
            b in proptest::collection::vec(
                prop_oneof![any::<u8>(), 0x80u8..0xc0, 0xc0u8..0xf8, Just(b'a')], 0..40)
        ) {
            prop_assert_eq!(utf8_prefix(&b).len(), std_prefix(&b));
        }

        #[test]
        fn valid_text_is_all_kept(s in ".{0,40}") {
            prop_assert_eq!(utf8_prefix(s.as_bytes()), s.as_str());
        }
    }
}
