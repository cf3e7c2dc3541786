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
/// U+FFFD, as UTF-8 coding does.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.chars();
    let hex4 = |rest: &mut core::str::Chars| -> Option<u32> {
        let digits = rest.as_str().get(..4)?;
        let n = u32::from_str_radix(digits, 16).ok()?;
        rest.nth(3);
        Some(n)
    };
    loop {
        // the text up to the next backslash, copied as it is (custom data: long runs of JSON)
        let text = rest.as_str();
        let n = text.bytes().position(|b| b == b'\\').unwrap_or(text.len());
        // Sound: a backslash is ASCII, so `n` is a char boundary of `text`.
        let (run, tail) = unsafe { (text.get_unchecked(..n), text.get_unchecked(n..)) };
        out.push_str(run);
        rest = tail.chars();
        if rest.next().is_none() {
            break;
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
            // '"', '\\' and '/' stand for themselves
            Some(c) => c,
            None => break,
        };
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
