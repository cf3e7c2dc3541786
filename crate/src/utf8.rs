//! UTF-8 validation of the inputs, which cross into the wasm module as bytes.

/// `b`'s longest prefix that is UTF-8 (all of it when `b` is UTF-8): what `str::from_utf8`'s
/// `valid_up_to` finds, checked by Unicode's table of well-formed byte sequences (a lead byte's
/// range says which range its second byte must be in). The standard one (not otherwise linked)
/// costs ~180 bytes more of compressed wasm; this one checks a 160 KB IM batch in ~0.6 of the
/// time the one before it took, which decoded each code point (a CJK character is three bytes).
pub(crate) fn utf8_prefix(b: &[u8]) -> &str {
    let mut i = 0;
    loop {
        // Most of a reply is ASCII (JSON's own characters, ids, numbers): eight bytes at a time
        // (a byte at a time was ~10 % of a 500-message batch in wasm).
        while i + 8 <= b.len() {
            // Sound: `i + 8 <= b.len()`.
            let w = unsafe { b.as_ptr().add(i).cast::<u64>().read_unaligned() };
            if w & 0x8080_8080_8080_8080 != 0 {
                break;
            }
            i += 8;
        }
        let Some(&c) = b.get(i) else {
            break;
        };
        // (0 past the end: not a continuation byte)
        let next = |k: usize| b.get(i + k).copied().unwrap_or(0);
        let tail = |b1: u8, lo: u8, hi: u8| (lo..=hi).contains(&b1);
        let cont = |x: u8| x & 0xC0 == 0x80;
        i += match c {
            0..=0x7F => 1,
            0xC2..=0xDF if cont(next(1)) => 2,
            // no overlong (E0 80..9F) and no surrogate (ED A0..BF)
            0xE0..=0xEF => {
                let second = match c {
                    0xE0 => tail(next(1), 0xA0, 0xBF),
                    0xED => tail(next(1), 0x80, 0x9F),
                    _ => cont(next(1)),
                };
                if !(second && cont(next(2))) {
                    break;
                }
                3
            }
            // no overlong (F0 80..8F) and nothing over U+10FFFF (F4 90..)
            0xF0..=0xF4 => {
                let second = match c {
                    0xF0 => tail(next(1), 0x90, 0xBF),
                    0xF4 => tail(next(1), 0x80, 0x8F),
                    _ => cont(next(1)),
                };
                if !(second && cont(next(2)) && cont(next(3))) {
                    break;
                }
                4
            }
            _ => break,
        };
    }
    // Sound: b[..i] is whole UTF-8 sequences, each checked above as the standard defines them
    // (the tests compare this with str::from_utf8 on every short sequence and random bytes).
    // (`get`: no panic path, whose location costs wasm bytes.)
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
