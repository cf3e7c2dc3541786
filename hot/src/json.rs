//! A small JSON value, parser and writer for the shim ↔ core protocol.
//!
//! Why not serde_json: measured in this crate's wasm (see README, "Why the core has its own JSON"),
//! serde_json and the serde framework pulled in float parsing and printing (serde's error messages
//! print floats) plus its generic machinery: about 60 KB of the 140 KB module, more than the whole
//! folder's byte budget allows. The protocol needs none of it: numbers stay as their JSON text
//! (so a reply's `RspBody` is written back exactly as it came, floats included), objects keep
//! their key order, and nesting depth is bounded so hostile input cannot exhaust the stack.

use crate::prelude::*;
use alloc::borrow::Cow;
use core::fmt;
use webrtc_room_text::{unescape, write_str};

/// A JSON value. Numbers keep their text; objects keep key order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
    /// JSON text, written out as it is: a reply body not parsed yet (`input::reply_text`), or
    /// messages the core wrote as text. Never the result of [`Json::parse`].
    Raw(String),
}

/// Deeper nesting than this is refused rather than risking the wasm stack.
const MAX_DEPTH: usize = 64;

impl Json {
    /// Parses one JSON text (surrounding white space allowed, nothing else after it).
    pub fn parse(text: &str) -> Result<Json, String> {
        Val::parse(text).map(|v| v.to_json())
    }

    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Json::Num(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Obj(_))
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Num(_) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "an array",
            Json::Obj(_) => "an object",
            Json::Raw(_) => "JSON text",
        }
    }

    /// Appends the compact JSON text (as `JSON.stringify` writes it).
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) | Json::Raw(n) => out.push_str(n),
            Json::Str(s) => write_str(s, out),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl Json {
    /// The JSON text (`Display` gives the same, through `core::fmt`, which the wasm build avoids).
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

impl webrtc_room_text::Piece for Json {
    fn put(&self, out: &mut String) {
        self.write(out);
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Builds an object from `(key, value)` pairs, in order.
#[inline(always)]
pub fn obj<const N: usize>(mut fields: [(&str, Json); N]) -> Json {
    obj_from(&mut fields)
}

// One copy for every field count: a generic body per count (and per call site, once inlined)
// cost kilobytes of wasm.
#[inline(never)]
fn obj_from(fields: &mut [(&str, Json)]) -> Json {
    Json::Obj(
        fields
            .iter_mut()
            .map(|(k, v)| (String::from(*k), core::mem::take(v)))
            .collect(),
    )
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::Str(s.to_string())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::Str(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Json {
            fn from(n: $t) -> Json {
                Json::Num(webrtc_room_text::int_text(n))
            }
        }
    )*};
}
from_int!(i64, u64, u32, usize);

impl From<Vec<Json>> for Json {
    fn from(items: Vec<Json>) -> Json {
        Json::Arr(items)
    }
}

/// A JSON value borrowed from the text it was parsed from: a string is its raw text between the
/// quotes, a number its text. Parsing allocates one list per array and object (and a key only
/// when it has escapes), and a string without escapes is written back out as it came: what makes
/// a 500-message long-poll reply cheap (see `room/im.rs`). [`Val::to_json`] gives the value
/// [`Json::parse`] would.
#[derive(Clone, Debug, Default)]
pub enum Val<'a> {
    #[default]
    Null,
    Bool(bool),
    Num(&'a str),
    /// A string without escapes: its raw text is its text.
    Str(&'a str),
    /// A string with escapes, as raw text.
    Esc(&'a str),
    Arr(Vec<Val<'a>>),
    /// Keys unescaped; a repeated key keeps the last value, in the first one's place.
    Obj(Vec<(Cow<'a, str>, Val<'a>)>),
}

impl<'a> Val<'a> {
    /// Parses one JSON text (surrounding white space allowed, nothing else after it).
    pub fn parse(text: &'a str) -> Result<Val<'a>, String> {
        let mut p = Parser {
            text,
            src: text.as_bytes(),
            at: 0,
            items: Vec::new(),
            fields: Vec::new(),
            open: Vec::new(),
        };
        let value = p.value()?;
        p.space();
        if p.at != p.src.len() {
            return Err(p.fail("unexpected text after the value"));
        }
        Ok(value)
    }

    pub fn get(&self, key: &str) -> Option<&Val<'a>> {
        match self {
            Val::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string's text, unescaped only when it has escapes.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match *self {
            Val::Str(text) => Some(Cow::Borrowed(text)),
            Val::Esc(raw) => Some(Cow::Owned(unescape(raw))),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Val<'a>]> {
        match self {
            Val::Arr(items) => Some(items),
            _ => None,
        }
    }

    /// The owned value, exactly what [`Json::parse`] gives for the same text.
    pub fn to_json(&self) -> Json {
        self.to_json_without(None)
    }

    /// [`Val::to_json`] without the object's field `key` (a value read borrowed instead).
    pub fn to_json_without(&self, key: Option<&str>) -> Json {
        match self {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(*b),
            Val::Num(n) => Json::Num(n.to_string()),
            Val::Str(_) | Val::Esc(_) => Json::Str(self.as_str().unwrap_or_default().into_owned()),
            Val::Arr(items) => Json::Arr(items.iter().map(Val::to_json).collect()),
            Val::Obj(fields) => Json::Obj(
                fields
                    .iter()
                    .filter(|(k, _)| Some(&**k) != key)
                    .map(|(k, v)| (String::from(&**k), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Appends the compact JSON text: the same text `to_json().write()` appends.
    pub fn write(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Num(n) => out.push_str(n),
            // Nothing in it needs escaping: the parser refused control characters, and a quote
            // or a backslash would have ended it or made it `Esc`.
            Val::Str(text) => {
                out.push('"');
                out.push_str(text);
                out.push('"');
            }
            Val::Esc(raw) => write_str(&unescape(raw), out),
            // Rare in a message (a tip's user list, an unknown element): no second writer.
            _ => self.to_json().write(out),
        }
    }
}

/// The bytes a string's scan stops at: its closing quote, an escape, a control character (one
/// table load a byte where three comparisons were).
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

struct Parser<'a> {
    text: &'a str,
    src: &'a [u8],
    at: usize,
    /// The items and fields of the arrays and objects being parsed, innermost last: each gets
    /// its own list of exactly its size when it closes.
    items: Vec<Val<'a>>,
    fields: Vec<(Cow<'a, str>, Val<'a>)>,
    /// The arrays and objects open around the value being parsed, innermost last.
    open: Vec<Open<'a>>,
}

/// An array or object being parsed: where its items or fields start in the parser's lists; for
/// an object, the lengths of the keys it has (a bit each) and the key whose value comes next.
struct Open<'a> {
    mark: usize,
    object: bool,
    seen: u64,
    key: Cow<'a, str>,
}

impl<'a> Parser<'a> {
    // (cold and out of line: the error paths stay out of the hot loops' code)
    #[cold]
    #[inline(never)]
    fn fail(&self, what: &str) -> String {
        cat!(what, " at byte ", self.at)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.at) {
            self.at += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        if self.src.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self, word: &str, value: Val<'a>) -> Result<Val<'a>, String> {
        if self
            .src
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
        {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.fail("invalid literal"))
        }
    }

    /// One value. A loop over the values of the text, arrays and objects kept open on a list,
    /// rather than a call per value: in wasm the calls were much of the parser's time.
    fn value(&mut self) -> Result<Val<'a>, String> {
        'value: loop {
            if self.open.len() > MAX_DEPTH {
                return Err(self.fail("nesting too deep"));
            }
            self.space();
            let mut value = match self.src.get(self.at) {
                None => return Err(self.fail("unexpected end")),
                Some(b'n') => self.word("null", Val::Null)?,
                Some(b't') => self.word("true", Val::Bool(true))?,
                Some(b'f') => self.word("false", Val::Bool(false))?,
                Some(b'"') => self.string()?,
                Some(b'[') => {
                    self.at += 1;
                    self.space();
                    if !self.eat(b']') {
                        let mark = self.items.len();
                        let key = Cow::Borrowed("");
                        self.open.push(Open {
                            mark,
                            object: false,
                            seen: 0,
                            key,
                        });
                        continue 'value;
                    }
                    Val::Arr(Vec::new())
                }
                Some(b'{') => {
                    self.at += 1;
                    self.space();
                    if !self.eat(b'}') {
                        let (mark, key) = (self.fields.len(), self.key()?);
                        self.open.push(Open {
                            mark,
                            object: true,
                            seen: 0,
                            key,
                        });
                        continue 'value;
                    }
                    Val::Obj(Vec::new())
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => return Err(self.fail("unexpected character")),
            };
            // A whole value: it goes into the innermost open container, which may end here
            // and so be a whole value for the one around it.
            loop {
                let Some(top) = self.open.last_mut() else {
                    return Ok(value);
                };
                let mark = top.mark;
                if top.object {
                    // Like JSON.parse: a repeated key keeps the last value (in the first one's
                    // place). A key of a length no key before it had is new: no search (in wasm
                    // the search was ~8 % of a long-poll batch).
                    let key = core::mem::take(&mut top.key);
                    let bit = 1u64 << (key.len() & 63);
                    let repeated = top.seen & bit != 0;
                    top.seen |= bit;
                    let old = repeated
                        .then(|| self.fields[mark..].iter_mut().find(|(k, _)| *k == key))
                        .flatten();
                    match old {
                        Some(field) => field.1 = value,
                        None => self.fields.push((key, value)),
                    }
                    self.space();
                    if self.eat(b',') {
                        let key = self.key()?;
                        if let Some(top) = self.open.last_mut() {
                            top.key = key;
                        }
                        continue 'value;
                    }
                    if !self.eat(b'}') {
                        return Err(self.fail("expected ',' or '}'"));
                    }
                    value = Val::Obj(self.fields.split_off(mark));
                } else {
                    self.items.push(value);
                    self.space();
                    if self.eat(b',') {
                        continue 'value;
                    }
                    if !self.eat(b']') {
                        return Err(self.fail("expected ',' or ']'"));
                    }
                    value = Val::Arr(self.items.split_off(mark));
                }
                self.open.pop();
            }
        }
    }

    /// An object's next key and the colon after it.
    fn key(&mut self) -> Result<Cow<'a, str>, String> {
        self.space();
        if self.src.get(self.at) != Some(&b'"') {
            return Err(self.fail("expected a key"));
        }
        let key = self.string()?.as_str().unwrap_or_default();
        self.space();
        if !self.eat(b':') {
            return Err(self.fail("expected ':'"));
        }
        Ok(key)
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.src.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    /// Checks the JSON number grammar and keeps the text.
    fn number(&mut self) -> Result<Val<'a>, String> {
        let start = self.at;
        self.eat(b'-');
        if self.eat(b'0') {
            // no leading zeros
        } else if self.digits() == 0 {
            return Err(self.fail("invalid number"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.fail("invalid number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(self.fail("invalid number"));
            }
        }
        // Sound: a number's bytes are ASCII, so both ends are char boundaries.
        Ok(Val::Num(unsafe { self.text.get_unchecked(start..self.at) }))
    }

    /// Checks a string: `Str` or `Esc` of its raw text between the quotes.
    fn string(&mut self) -> Result<Val<'a>, String> {
        self.at += 1; // the opening quote
        let start = self.at;
        let mut escaped = false;
        loop {
            let rest = self.src.get(self.at..).unwrap_or_default();
            self.at += rest
                .iter()
                .position(|&b| STOPS[usize::from(b)])
                .unwrap_or(rest.len());
            match self.src.get(self.at) {
                None => return Err(self.fail("unterminated string")),
                Some(b'"') => {
                    self.at += 1;
                    // Sound: it stops only at ASCII bytes inside the text (the quotes), so both
                    // ends are char boundaries; unchecked, as str::get is a call in wasm.
                    let raw = unsafe { self.text.get_unchecked(start..self.at - 1) };
                    return Ok(if escaped {
                        Val::Esc(raw)
                    } else {
                        Val::Str(raw)
                    });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.at += 1;
                    match self.src.get(self.at) {
                        None => return Err(self.fail("unterminated string")),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.at += 1
                        }
                        Some(b'u') => {
                            let hex = self.src.get(self.at + 1..self.at + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.fail("invalid \\u escape"));
                            }
                            self.at += 5;
                        }
                        Some(_) => return Err(self.fail("invalid escape")),
                    }
                }
                Some(_) => return Err(self.fail("control character in string")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str) -> String {
        Json::parse(text).unwrap().to_string()
    }

    #[test]
    fn keeps_numbers_order_and_text() {
        assert_eq!(
            round(r#" {"z": 1.50, "a": [1e21, -0, 3], "s": "x"} "#),
            r#"{"z":1.50,"a":[1e21,-0,3],"s":"x"}"#
        );
    }

    #[test]
    fn strings_escape_like_json_stringify() {
        assert_eq!(
            round(r#""a\"b\\c\/d\n\u0001\u00e9\ud83d\ude00 张""#),
            "\"a\\\"b\\\\c/d\\n\\u0001é😀 张\""
        );
        assert_eq!(round(r#""\ud800x\udc00""#), "\"\u{FFFD}x\u{FFFD}\"");
        assert_eq!(round(r#""\ud800\u0041""#), "\"\u{FFFD}A\"");
    }

    #[test]
    fn rejects_bad_json_without_panicking() {
        for bad in [
            "",
            "{",
            "[1,",
            "{\"a\"}",
            "{\"a\":}",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "\"abc",
            "\"\\x\"",
            "\"\\u12\"",
            "[1 2]",
            "{} x",
            "\"\u{1}\"",
            "nul",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(100_000);
        assert!(Json::parse(&deep).unwrap_err().contains("deep"));
    }

    #[test]
    fn repeated_keys_keep_the_last_value() {
        assert_eq!(round(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
    }
}
