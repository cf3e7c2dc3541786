//! Text for the `<webrtc-room>` core, built for size: `cat!`, JSON strings' escaping
//! ([`write_str`]) and unescaping ([`unescape`]), and JSON numbers' whole values
//! ([`whole_number`]). A crate below `hot/`, which uses them but builds for speed: at `"s"` they
//! were about twice as large (~380 bytes of brotli'd wasm in all), and a batch read no faster.
//!
//! Strings put together without `core::fmt`: [`cat!`] pushes its pieces one after another.
//! `format!` and `to_string` on numbers bring in the formatting machinery (`Formatter`,
//! padding, `fmt::write`, the integer `Display`s), kilobytes of wasm that nothing here needs:
//! the core only ever joins text and whole numbers. (Core's bounds-check panics still keep the
//! `usize` one: only nightly's immediate-abort panics drop it.)

#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::borrow::Cow;
#[doc(hidden)]
pub use alloc::string::String;
use alloc::vec::Vec;

/// Something [`cat!`] can append to a string.
pub trait Piece {
    fn put(&self, out: &mut String);
}

impl Piece for str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for Cow<'_, str> {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn put(&self, out: &mut String) {
        (**self).put(out);
    }
}

impl Piece for u64 {
    fn put(&self, out: &mut String) {
        put_int(out, false, *self);
    }
}

impl Piece for i64 {
    fn put(&self, out: &mut String) {
        put_int(out, *self < 0, self.unsigned_abs());
    }
}

impl Piece for u32 {
    fn put(&self, out: &mut String) {
        put_int(out, false, u64::from(*self));
    }
}

impl Piece for usize {
    fn put(&self, out: &mut String) {
        put_int(out, false, *self as u64);
    }
}

/// A whole number in decimal, as `Display` writes it.
fn put_int(out: &mut String, negative: bool, mut n: u64) {
    let mut digits = [0u8; 21];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        at -= 1;
        digits[at] = b'-';
    }
    // ASCII, so one char a byte (str::from_utf8 would bring its validator along: ~700 bytes)
    out.extend(digits.iter().skip(at).map(|&b| char::from(b)));
}

/// A number's decimal text.
pub fn int_text(n: impl Piece) -> String {
    let mut out = String::new();
    n.put(&mut out);
    out
}

/// The concatenation of its arguments (anything [`Piece`]): `cat!("user ", id, " left")`.
#[macro_export]
macro_rules! cat {
    ($($piece:expr),+ $(,)?) => {{
        let mut out = $crate::String::new();
        $($crate::Piece::put(&$piece, &mut out);)+
        out
    }};
}

/// The value of a whole number written as JSON number text (`12`, `-3`, `12.0`, `1.2e3`). Numbers
/// stay text inside the core (serde_json's `arbitrary_precision`), which keeps float parsing and
/// printing, and their tables, out of the wasm module.
pub fn whole_number(text: &str) -> Option<i64> {
    // `get` rather than indexing: no panic path (and its formatting code) in the module. Bytes
    // rather than char patterns (find, split_once, chain): no searcher code for them.
    let bytes = text.as_bytes();
    // Most numbers: a few plain digits (a message's Event, a tip's OpType), whose value cannot
    // overflow (no checked multiplication: in wasm32 each was a call of a 128-bit multiply).
    if !bytes.is_empty() && bytes.len() < 19 && bytes.iter().all(u8::is_ascii_digit) {
        return Some(bytes.iter().fold(0, |v, b| v * 10 + i64::from(b - b'0')));
    }
    let (mantissa, exp) = match bytes.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (bytes.get(..at)?, text.get(at + 1..)?.parse::<i64>().ok()?),
        None => (bytes, 0),
    };
    let (negative, digits) = match mantissa.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, mantissa),
    };
    // int ++ frac is `digits` without its first '.', which sits `int_len` digits in.
    let dot = digits.iter().position(|&b| b == b'.');
    let int_len = dot.unwrap_or(digits.len());
    if int_len == 0 {
        return None;
    }
    // The decimal point sits `point` digits into int ++ frac.
    let point = (int_len as i64).saturating_add(exp);
    let mut value: i64 = 0;
    let mut placed = 0i64;
    let mut at = 0i64;
    for (i, &b) in digits.iter().enumerate() {
        if Some(i) == dot {
            continue;
        }
        if !b.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(b - b'0');
        if at < point {
            value = value.checked_mul(10)?.checked_add(digit)?;
            placed += 1;
        } else if digit != 0 {
            return None; // a fraction
        }
        at += 1;
    }
    if value != 0 {
        for _ in placed..point {
            value = value.checked_mul(10)?; // overflows within 19 steps for any huge exponent
        }
    }
    Some(if negative { -value } else { value })
}

/// Appends `s` as a JSON string, escaped as `JSON.stringify` escapes it.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The text of a raw string the parser accepted. Lone surrogates cannot live in a Rust string:
/// U+FFFD, as UTF-8 coding does. (Made from [`unescape_utf16`]'s units, which are never a lone
/// surrogate: one unescaper where two were ~870 bytes of wasm each; strings with escapes are
/// rare outside the message tapes, which take the units.)
pub fn unescape(raw: &str) -> String {
    let mut units = Vec::new();
    unescape_utf16(raw, &mut units);
    // (not String::from_utf16_lossy: ~400 bytes of wasm more, for units known to be whole)
    let mut out = String::with_capacity(raw.len());
    let mut at = 0;
    while let Some(&unit) = units.get(at) {
        let mut c = u32::from(unit);
        if (0xD800..0xDC00).contains(&c) {
            at += 1;
            let low = units.get(at).copied().unwrap_or_default();
            c = 0x10000 + ((c - 0xD800) << 10) + (u32::from(low) & 0x3FF);
        }
        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
        at += 1;
    }
    out
}

/// Appends to `out` the UTF-16 units of the text of a raw string the parser accepted, with a
/// surrogate escape that is not one of a pair as U+FFFD (what [`unescape`] makes of it).
pub fn unescape_utf16(raw: &str, out: &mut Vec<u16>) {
    let mut rest = raw;
    loop {
        // the text up to the next backslash, or to the end (one `utf16`: it is inline)
        let at = rest.bytes().position(|b| b == b'\\').unwrap_or(rest.len());
        // Sound: a backslash is ASCII, so `at` is a char boundary.
        let (run, esc) = unsafe { (rest.get_unchecked(..at), rest.get_unchecked(at..)) };
        utf16(run, out);
        let b = esc.as_bytes();
        let hex = |from: usize| {
            b.get(from..from + 4)?
                .iter()
                .try_fold(0u32, |n, d| Some(n << 4 | char::from(*d).to_digit(16)?))
        };
        // the end (or a lone backslash there, which the parser does not let through)
        let Some(&c) = b.get(1) else {
            return;
        };
        let (unit, used) = if c == b'u' {
            match hex(2) {
                Some(high @ 0xD800..=0xDBFF) => match (b.get(6..8), hex(8)) {
                    (Some(b"\\u"), Some(low @ 0xDC00..=0xDFFF)) => {
                        out.push(high as u16);
                        (low, 12)
                    }
                    _ => (0xFFFD, 6),
                },
                Some(0xDC00..=0xDFFF) => (0xFFFD, 6),
                None => (0xFFFD, 2), // (nor a \u without four hex digits)
                Some(unit) => (unit, 6),
            }
        } else {
            // b f n r t stand for their control characters; '"', '\\' and '/' for themselves
            let named = b"b\x08f\x0cn\nr\rt\t";
            let named = named.chunks(2).find(|p| p[0] == c).map_or(c, |p| p[1]);
            (u32::from(named), 2)
        };
        out.push(unit as u16);
        rest = esc.get(used..).unwrap_or_default();
    }
}

/// Appends `s`'s UTF-16 units to `out`: one pass over its bytes, which are UTF-8 (a `&str`), into
/// room reserved first (a string has at most as many UTF-16 units as UTF-8 bytes). Inline: every
/// string of a message tape is written by it; std's `encode_utf16` with `extend` became calls of
/// generic code once it was used from two places, ~5 % of reading a 500-message batch.
#[inline(always)]
pub fn utf16(s: &str, out: &mut Vec<u16>) {
    let b = s.as_bytes();
    out.reserve(b.len());
    let mut len = out.len();
    let mut at = 0;
    while let Some(&lead) = b.get(at) {
        // (continuation bytes: `s` is UTF-8, so they are there; `get` keeps out any panic path)
        let next = |k: usize| u32::from(b.get(at + k).copied().unwrap_or(0x80) & 0x3F);
        let (c, n) = match lead {
            0..=0x7F => (u32::from(lead), 1),
            0x80..=0xDF => (u32::from(lead & 0x1F) << 6 | next(1), 2),
            0xE0..=0xEF => (u32::from(lead & 0x0F) << 12 | next(1) << 6 | next(2), 3),
            _ => (
                u32::from(lead & 0x07) << 18 | next(1) << 12 | next(2) << 6 | next(3),
                4,
            ),
        };
        at += n;
        // Sound: `len` stays within the room reserved: each char takes as many bytes as units,
        // or more (one unit for one to three bytes, two for four).
        unsafe {
            let dst = out.as_mut_ptr().add(len);
            if c < 0x10000 {
                dst.write(c as u16);
                len += 1;
            } else {
                let c = c - 0x10000;
                dst.write(0xD800 | (c >> 10) as u16);
                dst.add(1).write(0xDC00 | (c & 0x3FF) as u16);
                len += 2;
            }
            out.set_len(len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unescaper as it was before `unescape_utf16` (char by char, into a `String`): the
    /// oracle of the one that writes UTF-16.
    fn unescape_by_chars(raw: &str) -> String {
        let mut out = String::new();
        let mut rest = raw.chars();
        let hex4 = |rest: &mut core::str::Chars| -> Option<u32> {
            let n = u32::from_str_radix(rest.as_str().get(..4)?, 16).ok()?;
            rest.nth(3);
            Some(n)
        };
        while let Some(c) = rest.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let c = match rest.next() {
                Some('b') => '\u{8}',
                Some('f') => '\u{c}',
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some('u') => {
                    let unit = hex4(&mut rest).unwrap_or(0xFFFD);
                    let high = (0xD800..0xDC00).contains(&unit) && rest.as_str().starts_with("\\u");
                    let pair = high.then(|| {
                        let mut ahead = rest.clone();
                        ahead.nth(1);
                        let low = hex4(&mut ahead).filter(|l| (0xDC00..0xE000).contains(l))?;
                        rest = ahead;
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                    });
                    pair.flatten()
                        .or_else(|| char::from_u32(unit))
                        .unwrap_or('\u{FFFD}')
                }
                Some(c) => c,
                None => break,
            };
            out.push(c);
        }
        out
    }

    #[test]
    fn utf16_is_encode_utf16() {
        let mut out = vec![7u16];
        let mut want = vec![7u16];
        for c in (0..0xD800)
            .chain(0xE000..0x11_0000)
            .filter_map(char::from_u32)
        {
            let s: String = ['a', c, 'é', c].iter().collect();
            utf16(&s, &mut out);
            want.extend(s.encode_utf16());
        }
        assert_eq!(out, want);
        for s in [
            "",
            "a",
            "张三",
            "😀x😀",
            "\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}",
        ] {
            let mut out = Vec::new();
            utf16(s, &mut out);
            assert_eq!(out, s.encode_utf16().collect::<Vec<u16>>(), "{s}");
        }
    }

    #[test]
    fn unescaping_is_what_it_was_char_by_char() {
        // every escape JSON has; surrogates paired, lone, reversed, in either case; text around
        let tokens = [
            "a",
            "张",
            "😀",
            r#"\""#,
            r"\\",
            r"\/",
            r"\b",
            r"\f",
            r"\n",
            r"\r",
            r"\t",
            r"\u0041",
            r"\u00e9",
            r"\u5F20",
            r"\ud83d",
            r"\ude00",
            r"\uD83D\uDE00",
            r"\u0000",
            r"\uffff",
            r"\uDBFF\uDFFF",
        ];
        let mut raws = vec![String::new()];
        for _ in 0..3 {
            raws = raws
                .iter()
                .flat_map(|r| tokens.iter().map(move |t| cat!(r, t)))
                .collect();
        }
        let mut units = Vec::new();
        for raw in &raws {
            let want = unescape_by_chars(raw);
            assert_eq!(unescape(raw), want, "{raw}");
            units.clear();
            unescape_utf16(raw, &mut units);
            assert_eq!(units, want.encode_utf16().collect::<Vec<u16>>(), "{raw}");
        }
    }

    #[test]
    fn whole_numbers_read_as_display_writes_them() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            -1,
            -10,
            1_700_000_000,
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(int_text(n), n.to_string());
        }
        for n in [0, 7, 4_294_967_295, u64::MAX] {
            assert_eq!(int_text(n), n.to_string());
        }
        assert_eq!(int_text(u32::MAX), u32::MAX.to_string());
        assert_eq!(int_text(usize::MAX), usize::MAX.to_string());
    }

    #[test]
    fn cat_joins_text_and_numbers() {
        let text = cat!("x ", 42u32, " ", -3i64, " ", String::from("s"));
        assert_eq!(text, "x 42 -3 s");
    }
}
