//! A small JSON value, parser and writer for the shim ↔ core protocol.
//!
//! Why not serde_json: measured in this crate's wasm (see README, "Why the core has its own JSON"),
//! serde_json and the serde framework pulled in float parsing and printing (serde's error messages
//! print floats) plus its generic machinery: about 60 KB of the 140 KB module, more than the whole
//! folder's byte budget allows. The protocol needs none of it: numbers stay as their JSON text
//! (so a reply's `RspBody` is written back exactly as it came, floats included), objects keep
//! their key order, and nesting depth is bounded so hostile input cannot exhaust the stack.

use std::fmt;

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
}

/// Deeper nesting than this is refused rather than risking the wasm stack.
const MAX_DEPTH: usize = 64;

impl Json {
    /// Parses one JSON text (surrounding white space allowed, nothing else after it).
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser {
            text,
            src: text.as_bytes(),
            at: 0,
        };
        let value = p.value(0)?;
        p.space();
        if p.at != p.src.len() {
            return Err(p.fail("unexpected text after the value"));
        }
        Ok(value)
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
        }
    }

    /// Appends the compact JSON text (as `JSON.stringify` writes it).
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(n),
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

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
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
            .map(|(k, v)| (k.to_string(), std::mem::take(v)))
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
                Json::Num(n.to_string())
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

fn write_str(s: &str, out: &mut String) {
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

struct Parser<'a> {
    text: &'a str,
    src: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn fail(&self, what: &str) -> String {
        format!("{what} at byte {}", self.at)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.src.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self, word: &str, value: Json) -> Result<Json, String> {
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

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nesting too deep"));
        }
        self.space();
        match self.src.get(self.at) {
            None => Err(self.fail("unexpected end")),
            Some(b'n') => self.word("null", Json::Null),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.space();
                if self.eat(b']') {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.space();
                    if self.eat(b']') {
                        return Ok(Json::Arr(items));
                    }
                    if !self.eat(b',') {
                        return Err(self.fail("expected ',' or ']'"));
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                let mut fields: Vec<(String, Json)> = Vec::new();
                self.space();
                if self.eat(b'}') {
                    return Ok(Json::Obj(fields));
                }
                loop {
                    self.space();
                    if self.src.get(self.at) != Some(&b'"') {
                        return Err(self.fail("expected a key"));
                    }
                    let key = self.string()?;
                    self.space();
                    if !self.eat(b':') {
                        return Err(self.fail("expected ':'"));
                    }
                    let value = self.value(depth + 1)?;
                    // Like JSON.parse: a repeated key keeps the last value.
                    match fields.iter_mut().find(|(k, _)| *k == key) {
                        Some(field) => field.1 = value,
                        None => fields.push((key, value)),
                    }
                    self.space();
                    if self.eat(b'}') {
                        return Ok(Json::Obj(fields));
                    }
                    if !self.eat(b',') {
                        return Err(self.fail("expected ',' or '}'"));
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.fail("unexpected character")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.src.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    /// Checks the JSON number grammar and keeps the text.
    fn number(&mut self) -> Result<Json, String> {
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
        let text = self.text.get(start..self.at).unwrap_or_default();
        Ok(Json::Num(text.to_string()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = self
                .src
                .get(self.at)
                .and_then(|b| (*b as char).to_digit(16))
                .ok_or_else(|| self.fail("invalid \\u escape"))?;
            n = n * 16 + digit;
            self.at += 1;
        }
        Ok(n)
    }

    /// Skips the bytes a string holds as they are; the text of that run.
    fn run(&mut self) -> &str {
        let start = self.at;
        let rest = self.src.get(start..).unwrap_or_default();
        self.at += rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len());
        // The run stops only at ASCII bytes, so it ends on a char boundary.
        self.text.get(start..self.at).unwrap_or_default()
    }

    fn string(&mut self) -> Result<String, String> {
        self.at += 1; // the opening quote
        let first = self.run();
        // Most strings have no escape: one allocation of the exact size.
        let mut out = first.to_string();
        if self.eat(b'"') {
            return Ok(out);
        }
        loop {
            match self.src.get(self.at) {
                None => return Err(self.fail("unterminated string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let Some(&esc) = self.src.get(self.at) else {
                        return Err(self.fail("unterminated string"));
                    };
                    self.at += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&unit)
                                && self
                                    .src
                                    .get(self.at..)
                                    .is_some_and(|r| r.starts_with(b"\\u"))
                            {
                                let back = self.at;
                                self.at += 2;
                                let low = self.hex4()?;
                                if (0xDC00..0xE000).contains(&low) {
                                    char::from_u32(
                                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00),
                                    )
                                } else {
                                    self.at = back; // a lone high surrogate; the next escape stands alone
                                    None
                                }
                            } else {
                                char::from_u32(unit)
                            };
                            // Lone surrogates cannot live in a Rust string: U+FFFD, as UTF-8 coding does.
                            out.push(c.unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.fail("invalid escape")),
                    }
                    let run = self.run();
                    out.push_str(run);
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
