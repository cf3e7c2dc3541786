//! Strings put together without `core::fmt`: [`cat!`] pushes its pieces one after another.
//! `format!` and `to_string` on numbers bring in the formatting machinery (`Formatter`,
//! padding, `fmt::write`, the integer `Display`s), kilobytes of wasm that nothing here needs:
//! the core only ever joins text and whole numbers. (Core's bounds-check panics still keep the
//! `usize` one: only nightly's immediate-abort panics drop it.)

use alloc::borrow::Cow;

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

#[doc(hidden)]
pub use alloc::string::String;

/// The concatenation of its arguments (anything [`Piece`]): `cat!("user ", id, " left")`.
#[macro_export]
macro_rules! cat {
    ($($piece:expr),+ $(,)?) => {{
        let mut out = $crate::text::String::new();
        $($crate::text::Piece::put(&$piece, &mut out);)+
        out
    }};
}

impl Piece for crate::json::Json {
    fn put(&self, out: &mut String) {
        self.write(out);
    }
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
    fn cat_joins_text_numbers_and_json() {
        let json = crate::json::obj([("a", 1u32.into())]);
        let text = cat!("x ", 42u32, " ", -3i64, " ", String::from("s"), " ", json,);
        assert_eq!(text, r#"x 42 -3 s {"a":1}"#);
    }
}
