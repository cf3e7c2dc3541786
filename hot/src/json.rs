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
        Doc::parse(text).map(|doc| doc.root().to_json())
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
/// quotes, a number its text. [`Val::to_json`] gives the value [`Json::parse`] would. The core's
/// hot path reads a [`Doc`] instead, which is what `Val::parse` parses first.
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
        Doc::parse(text).map(|doc| doc.root().to_val())
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
        match self {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(*b),
            Val::Num(n) => Json::Num(n.to_string()),
            Val::Str(_) | Val::Esc(_) => Json::Str(self.as_str().unwrap_or_default().into_owned()),
            Val::Arr(items) => Json::Arr(items.iter().map(Val::to_json).collect()),
            Val::Obj(fields) => Json::Obj(
                fields
                    .iter()
                    .map(|(k, v)| (String::from(&**k), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Appends the compact JSON text: the same text `to_json().write()` appends.
    pub fn write(&self, out: &mut String) {
        match self {
            Val::Str(text) => {
                out.push('"');
                out.push_str(text);
                out.push('"');
            }
            Val::Esc(raw) => write_str(&unescape(raw), out),
            _ => self.to_json().write(out),
        }
    }
}

/// A parsed JSON text as one flat list of nodes: each value's node, then (for an array or an
/// object) its contents' nodes, an object's as key and value in turn. Parsing allocates that one
/// list: no list per array or object, no string (a string is its raw text between the quotes,
/// a number its text). Reading a 500-message long-poll reply as a tree of [`Val`]s spent about a
/// fifth of the core's time allocating and freeing its lists.
#[derive(Debug)]
pub struct Doc<'a> {
    text: &'a str,
    nodes: Vec<Tok>,
}

/// One node: its tag, and for a scalar its text's byte range, for an array or an object the
/// index after its last content node and how many items or fields it has.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tok {
    pub tag: u32,
    pub a: u32,
    pub b: u32,
}

/// The tags of [`Tok`].
pub(crate) mod tag {
    pub const NULL: u32 = 0;
    pub const TRUE: u32 = 1;
    pub const FALSE: u32 = 2;
    pub const NUM: u32 = 3;
    /// a string without escapes; a key too
    pub const STR: u32 = 4;
    /// a string with escapes; a key too
    pub const ESC: u32 = 5;
    pub const ARR: u32 = 6;
    pub const OBJ: u32 = 7;
    /// The bits of the above.
    pub const KIND: u32 = 7;
    /// Added to a key's tag when the same key comes again later in its object: JSON.parse keeps
    /// the later value (in the first one's place), so lookups pass this one by.
    pub const SHADOWED: u32 = 8;
}

/// A key without escapes has its [`print`] in its tag's upper bits: a lookup compares one word
/// a field and reads the text of the one that matches (in wasm the compare calls were a fifth
/// of reading a long-poll batch).
const PRINT: u32 = 8;

/// Whether `a` and `b` are the same bytes: for keys of up to 16 bytes, two word compares (the
/// first and the last bytes, overlapping) where `==` is a call of `memcmp`.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let u64_at = |s: &[u8], at| {
        s.get(at..)
            .and_then(|s| s.first_chunk())
            .map(|w| u64::from_le_bytes(*w))
    };
    let u32_at = |s: &[u8], at| {
        s.get(at..)
            .and_then(|s| s.first_chunk())
            .map(|w| u32::from_le_bytes(*w))
    };
    if n > 16 {
        a == b
    } else if n >= 8 {
        u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8)
    } else if n >= 4 {
        u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// A key's length, first and last byte.
#[inline(always)]
fn print(key: &[u8]) -> u32 {
    match key {
        [first, .., last] | [first @ last] => {
            (key.len() as u32 & 0xff) << 16 | u32::from(*first) << 8 | u32::from(*last)
        }
        [] => 0,
    }
}

/// Whether the key node `t`, whose text is `raw`, is the key `key` of print `printed`. A
/// shadowed key never is.
#[inline(always)]
fn is_key(t: Tok, raw: &str, key: &str, printed: u32) -> bool {
    if t.tag == STR | printed << PRINT {
        same(raw.as_bytes(), key.as_bytes())
    } else {
        t.tag == ESC && escaped_is(raw, key)
    }
}

/// Whether the escaped key `raw` is `key` (rare: out of line, so that a lookup needs no frame
/// on the wasm stack for the string it makes).
#[cold]
#[inline(never)]
fn escaped_is(raw: &str, key: &str) -> bool {
    unescape(raw) == key
}

/// A node's raw text: a scalar's, or a key's.
#[inline(always)]
fn raw_text(text: &str, t: Tok) -> &str {
    // Sound: the parser made every node's range, and its ends are at ASCII bytes of the text
    // (quotes, a number's bytes) or at its ends; unchecked, as str::get is a call and two
    // char-boundary checks in wasm.
    unsafe { text.get_unchecked(t.a as usize..t.b as usize) }
}

/// The node after the value at `at` and its contents.
#[inline(always)]
fn after(nodes: &[Tok], at: usize) -> usize {
    match nodes.get(at) {
        Some(&Tok {
            tag: ARR | OBJ, a, ..
        }) => a as usize,
        _ => at + 1,
    }
}
use tag::*;

impl<'a> Doc<'a> {
    /// Parses one JSON text (surrounding white space allowed, nothing else after it).
    pub fn parse(text: &'a str) -> Result<Doc<'a>, String> {
        let src = text.as_bytes();
        // a long-poll reply has about one node per 10 bytes: one list, not grown a dozen times
        let mut nodes = Vec::with_capacity(src.len() / 6 + 1);
        let mut p = Parser {
            text,
            src,
            at: 0,
            nodes: &mut nodes,
            open: &mut Vec::new(),
        };
        p.value()?;
        p.space();
        if p.at != src.len() {
            return Err(Parser::fail(p.at, "unexpected text after the value"));
        }
        Ok(Doc { text, nodes })
    }

    /// The value the text is.
    pub fn root(&self) -> Node<'_, 'a> {
        Node { doc: self, at: 0 }
    }
}

/// A value in a [`Doc`].
#[derive(Clone, Copy, Debug)]
pub struct Node<'d, 'a> {
    doc: &'d Doc<'a>,
    at: usize,
}

impl<'d, 'a> Node<'d, 'a> {
    #[inline(always)]
    pub(crate) fn tok(self) -> Tok {
        // (every node handed out is in the list)
        self.doc.nodes.get(self.at).copied().unwrap_or(Tok {
            tag: NULL,
            a: 0,
            b: 0,
        })
    }

    /// A scalar's raw text.
    #[inline(always)]
    pub(crate) fn raw(self, t: Tok) -> &'a str {
        raw_text(self.doc.text, t)
    }

    /// The node after this value and its contents.
    #[inline(always)]
    fn next(self) -> usize {
        after(&self.doc.nodes, self.at)
    }

    fn at(self, at: usize) -> Node<'d, 'a> {
        Node { doc: self.doc, at }
    }

    /// An object's field `key` (its last one, as JSON.parse keeps).
    #[inline(always)]
    pub fn get(self, key: &str) -> Option<Node<'d, 'a>> {
        self.cursor().get(key)
    }

    /// The object's fields, for lookups in about the order the text has them ([`Cursor`]).
    pub fn cursor(self) -> Cursor<'d, 'a> {
        Cursor { obj: self, last: 0 }
    }

    /// [`Node::get`]'s node, 0 for none (node 0 is the root, no field's value): a number,
    /// where an `Option<Node>` is returned through memory, and no frame on the wasm stack (an
    /// escaped key is compared out of line). A lookup was ~11 ns in wasm even when the first
    /// field matched, a message ~17 of them. The search starts at the field after the value node
    /// `after_value` (0: at the first field) and goes round.
    #[inline(never)]
    fn field(self, key: &str, after_value: usize) -> usize {
        let nodes = &self.doc.nodes[..];
        let Some(&Tok {
            tag: OBJ,
            a: end,
            b: fields,
        }) = nodes.get(self.at)
        else {
            return 0;
        };
        let printed = print(key.as_bytes());
        let mut k = match after_value {
            0 => self.at + 1,
            v => after(nodes, v),
        };
        for _ in 0..fields {
            if k >= end as usize {
                k = self.at + 1;
            }
            let Some(&t) = nodes.get(k) else {
                return 0;
            };
            if is_key(t, self.raw(t), key, printed) {
                return k + 1;
            }
            k = after(nodes, k + 1);
        }
        0
    }

    /// A string's text when it has no escapes: the text's own bytes.
    pub fn plain_str(self) -> Option<&'a str> {
        let t = self.tok();
        (t.tag == STR).then(|| self.raw(t))
    }

    /// An object's fields, shadowed keys included (their tag says so).
    fn fields(self) -> Option<Fields<'d, 'a>> {
        match self.tok() {
            Tok { tag: OBJ, b, .. } => Some(Fields {
                next: self.at(self.at + 1),
                left: b as usize,
            }),
            _ => None,
        }
    }

    /// An array's items.
    pub fn items(self) -> Option<Items<'d, 'a>> {
        match self.tok() {
            Tok { tag: ARR, b, .. } => Some(Items {
                next: self.at(self.at + 1),
                left: b as usize,
            }),
            _ => None,
        }
    }

    pub fn is_array(self) -> bool {
        self.tok().tag == ARR
    }

    /// A number's text.
    pub fn num(self) -> Option<&'a str> {
        let t = self.tok();
        (t.tag == NUM).then(|| self.raw(t))
    }

    /// The string's text, unescaped only when it has escapes.
    pub fn as_str(self) -> Option<Cow<'a, str>> {
        let t = self.tok();
        match t.tag {
            STR => Some(Cow::Borrowed(self.raw(t))),
            ESC => Some(Cow::Owned(unescape(self.raw(t)))),
            _ => None,
        }
    }

    /// The owned value: what [`Json::parse`] gives for its text.
    pub fn to_json(self) -> Json {
        self.to_json_without(None)
    }

    /// [`Node::to_json`] without the object's field `key` (a value read borrowed instead).
    pub fn to_json_without(self, key: Option<&str>) -> Json {
        let t = self.tok();
        match t.tag {
            TRUE => Json::Bool(true),
            FALSE => Json::Bool(false),
            NUM => Json::Num(self.raw(t).to_string()),
            STR | ESC => Json::Str(self.as_str().unwrap_or_default().into_owned()),
            ARR => Json::Arr(self.list(Node::to_json)),
            OBJ => Json::Obj(self.object(key, Node::to_json)),
            _ => Json::Null,
        }
    }

    /// The [`Val`] of this value.
    fn to_val(self) -> Val<'a> {
        let t = self.tok();
        match t.tag {
            TRUE => Val::Bool(true),
            FALSE => Val::Bool(false),
            NUM => Val::Num(self.raw(t)),
            STR => Val::Str(self.raw(t)),
            ESC => Val::Esc(self.raw(t)),
            ARR => Val::Arr(self.list(Node::to_val)),
            OBJ => Val::Obj(self.object(None, Node::to_val)),
            _ => Val::Null,
        }
    }

    /// An array's items, each made by `make`.
    fn list<T>(self, make: fn(Node<'d, 'a>) -> T) -> Vec<T> {
        let mut out = Vec::new();
        if let Some(items) = self.items() {
            for item in items {
                out.push(make(item));
            }
        }
        out
    }

    /// An object's fields as JSON.parse makes them (a repeated key's last value in the first
    /// one's place), but `skip`; each value made by `make`.
    fn object<K, T>(self, skip: Option<&str>, make: fn(Node<'d, 'a>) -> T) -> Vec<(K, T)>
    where
        K: From<Cow<'a, str>> + PartialEq<str>,
    {
        let mut out: Vec<(K, T)> = Vec::new();
        let mut shadowed = false;
        let Some(fields) = self.fields() else {
            return out;
        };
        for (k, v) in fields {
            let key = match k.tag & KIND {
                STR => Cow::Borrowed(self.raw(k)),
                _ => Cow::Owned(unescape(self.raw(k))),
            };
            if Some(&*key) == skip {
                continue;
            }
            let value = make(v);
            // a shadowed key holds the place of its last value
            let old = if shadowed {
                out.iter_mut().find(|f| f.0 == *key)
            } else {
                None
            };
            shadowed |= k.tag & SHADOWED != 0;
            match old {
                Some(field) => field.1 = value,
                None => out.push((K::from(key), value)),
            }
        }
        out
    }

    /// Appends the compact JSON text: the same text `to_json().write()` appends.
    pub fn write(self, out: &mut String) {
        let t = self.tok();
        match t.tag {
            NUM => out.push_str(self.raw(t)),
            // Nothing in it needs escaping: the parser refused control characters, and a quote
            // or a backslash would have ended it or made it `ESC`.
            STR => {
                out.push('"');
                out.push_str(self.raw(t));
                out.push('"');
            }
            ESC => write_str(&unescape(self.raw(t)), out),
            // Rare in a message (a tip's user list, an unknown element): no second writer.
            _ => self.to_json().write(out),
        }
    }
}
/// An object's fields looked up one after another: each lookup starts at the field after the one
/// the lookup before found, and goes round to the first field after the last. Read in the order
/// the text has them, as a message's fields are, each is found at the first look rather than
/// after all the fields before it. Any order finds the same fields: an object has at most one
/// field of a key unshadowed.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'d, 'a> {
    obj: Node<'d, 'a>,
    /// the value node the lookup before found (0: none yet)
    last: usize,
}

impl<'d, 'a> Cursor<'d, 'a> {
    /// The object's field `key` (its last one, as JSON.parse keeps); `None` for a value that is
    /// not an object.
    #[inline(always)]
    pub fn get(&mut self, key: &str) -> Option<Node<'d, 'a>> {
        match self.obj.field(key, self.last) {
            0 => None,
            at => {
                self.last = at;
                Some(self.obj.at(at))
            }
        }
    }
}

/// An array's items, in order.
#[derive(Clone, Debug)]
pub struct Items<'d, 'a> {
    next: Node<'d, 'a>,
    left: usize,
}

/// (what an empty [`Items`] points at)
static EMPTY: Doc<'static> = Doc {
    text: "",
    nodes: Vec::new(),
};

/// No items.
impl Default for Items<'_, '_> {
    fn default() -> Self {
        Items {
            next: Node { doc: &EMPTY, at: 0 },
            left: 0,
        }
    }
}

impl<'d, 'a> Iterator for Items<'d, 'a> {
    type Item = Node<'d, 'a>;

    fn next(&mut self) -> Option<Node<'d, 'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = self.next;
        self.next.at = item.next();
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Items<'_, '_> {}

/// An object's fields: each key's node and its value.
struct Fields<'d, 'a> {
    next: Node<'d, 'a>,
    left: usize,
}

impl<'d, 'a> Iterator for Fields<'d, 'a> {
    type Item = (Tok, Node<'d, 'a>);

    fn next(&mut self) -> Option<(Tok, Node<'d, 'a>)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = self.next.tok();
        let value = self.next.at(self.next.at + 1);
        self.next.at = value.next();
        Some((key, value))
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

/// The lists are borrowed, not held: a list's growing is a call that takes its address, and had
/// it been a field of the parser, LLVM would have kept every field in memory, `at` too (a store
/// and a load every time the parser moves on, in wasm, where memory is not a register).
/// All the parser's methods are inline for the same reason: a call taking `&mut self` would do
/// the same.
struct Parser<'a, 'v> {
    text: &'a str,
    src: &'a [u8],
    at: usize,
    nodes: &'v mut Vec<Tok>,
    /// The arrays and objects open around the value being parsed, innermost last.
    open: &'v mut Vec<Open>,
}

/// An array or object being parsed: its node, how many items or fields it has so far, and for
/// an object the lengths of its keys so far (a bit each).
struct Open {
    node: usize,
    object: bool,
    count: u32,
    seen: u64,
}

impl Parser<'_, '_> {
    // (cold and out of line: the error paths stay out of the hot loops' code; the position
    // rather than `&self`, which is a few bytes less at every call)
    #[cold]
    #[inline(never)]
    fn fail(at: usize, what: &str) -> String {
        cat!(what, " at byte ", at)
    }

    #[inline(always)]
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

    #[inline(always)]
    fn word(&mut self, word: &str, tag: u32) -> Result<u32, String> {
        if self
            .src
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
        {
            self.at += word.len();
            Ok(tag)
        } else {
            Err(Self::fail(self.at, "invalid literal"))
        }
    }

    #[inline(always)]
    fn push(&mut self, tag: u32, a: usize, b: usize) {
        self.nodes.push(Tok {
            tag,
            a: a as u32,
            b: b as u32,
        });
    }

    /// One value, its contents included. A loop over the values of the text, arrays and objects
    /// kept open on a list, rather than a call per value: in wasm the calls were much of the
    /// parser's time. An object's key is read at the top of the loop (`key`: one comes before
    /// the value), its string scan and its handling inline there: as calls (from two places)
    /// they made the parse of a 500-message reply ~17 % slower.
    #[inline(always)]
    fn value(&mut self) -> Result<(), String> {
        let mut key = false;
        'value: loop {
            // (`key` is set again before every `continue 'value`)
            if key {
                self.space();
                if self.src.get(self.at) != Some(&b'"') {
                    return Err(Self::fail(self.at, "expected a key"));
                }
                self.string()?;
                self.key()?;
            }
            if self.open.len() > MAX_DEPTH {
                return Err(Self::fail(self.at, "nesting too deep"));
            }
            self.space();
            let start = self.at;
            match self.src.get(self.at) {
                Some(b'"') => self.string()?,
                None => return Err(Self::fail(self.at, "unexpected end")),
                Some(b'n') => {
                    let tag = self.word("null", NULL)?;
                    self.push(tag, start, self.at);
                }
                Some(b't') => {
                    let tag = self.word("true", TRUE)?;
                    self.push(tag, start, self.at);
                }
                Some(b'f') => {
                    let tag = self.word("false", FALSE)?;
                    self.push(tag, start, self.at);
                }
                Some(&open @ (b'[' | b'{')) => {
                    let object = open == b'{';
                    let node = self.nodes.len();
                    self.push(if object { OBJ } else { ARR }, 0, 0);
                    self.at += 1;
                    self.space();
                    if !self.eat(if object { b'}' } else { b']' }) {
                        self.open.push(Open {
                            node,
                            object,
                            count: 0,
                            seen: 0,
                        });
                        key = object;
                        continue 'value;
                    }
                    let end = self.nodes.len();
                    self.nodes[node].a = end as u32;
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => return Err(Self::fail(self.at, "unexpected character")),
            }
            // A whole value: it belongs to the innermost open container, which may end here
            // and so be a whole value of the one around it.
            loop {
                let Some(top) = self.open.last_mut() else {
                    return Ok(());
                };
                top.count += 1;
                let object = top.object;
                self.space();
                if self.eat(b',') {
                    key = object;
                    continue 'value;
                }
                if object && !self.eat(b'}') {
                    return Err(Self::fail(self.at, "expected ',' or '}'"));
                }
                if !object && !self.eat(b']') {
                    return Err(Self::fail(self.at, "expected ',' or ']'"));
                }
                let Some(top) = self.open.pop() else {
                    return Ok(());
                };
                let end = self.nodes.len() as u32;
                if let Some(node) = self.nodes.get_mut(top.node) {
                    node.a = end;
                    node.b = top.count;
                }
            }
        }
    }

    /// An object's key, the string just parsed, and the colon after it. Like JSON.parse, a
    /// repeated key keeps the last value: the same key before it in the object is marked
    /// shadowed. A key of a length no key before it had is new: no search (in wasm the search
    /// was ~8 % of a long-poll batch).
    #[inline(always)]
    fn key(&mut self) -> Result<(), String> {
        let Some(key) = self.nodes.last_mut() else {
            return Err(Self::fail(self.at, "expected a key"));
        };
        let raw = raw_text(self.text, *key);
        let (text, printed) = if key.tag == ESC {
            let text = unescape(raw);
            let printed = print(text.as_bytes());
            (Cow::Owned(text), printed)
        } else {
            let printed = print(raw.as_bytes());
            key.tag |= printed << PRINT;
            (Cow::Borrowed(raw), printed)
        };
        if let Some(top) = self.open.last_mut() {
            let bit = 1u64 << (printed.wrapping_mul(0x9E37_79B1) >> 26);
            let repeated = top.seen & bit != 0;
            top.seen |= bit;
            if repeated {
                let (mut k, count) = (top.node + 1, top.count);
                for _ in 0..count {
                    let Some(&old) = self.nodes.get(k) else { break };
                    if is_key(old, raw_text(self.text, old), &text, printed) {
                        if let Some(old) = self.nodes.get_mut(k) {
                            old.tag |= SHADOWED;
                        }
                        break;
                    }
                    k = after(self.nodes, k + 1);
                }
            }
        }
        self.space();
        if !self.eat(b':') {
            return Err(Self::fail(self.at, "expected ':'"));
        }
        Ok(())
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.src.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    /// Checks the JSON number grammar; its node is its text.
    #[inline(always)]
    fn number(&mut self) -> Result<(), String> {
        let start = self.at;
        self.eat(b'-');
        if self.eat(b'0') {
            // no leading zeros
        } else if self.digits() == 0 {
            return Err(Self::fail(self.at, "invalid number"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(Self::fail(self.at, "invalid number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(Self::fail(self.at, "invalid number"));
            }
        }
        self.push(NUM, start, self.at);
        Ok(())
    }

    /// Checks a string; its node (`STR` or `ESC`) is its raw text between the quotes.
    #[inline(always)]
    fn string(&mut self) -> Result<(), String> {
        self.at += 1; // the opening quote
        let start = self.at;
        let mut tag = STR;
        loop {
            let rest = self.src.get(self.at..).unwrap_or_default();
            self.at += rest
                .iter()
                .position(|&b| STOPS[usize::from(b)])
                .unwrap_or(rest.len());
            match self.src.get(self.at) {
                None => return Err(Self::fail(self.at, "unterminated string")),
                Some(b'"') => {
                    self.at += 1;
                    // It stops only at ASCII bytes inside the text (the quotes), so both ends
                    // are char boundaries.
                    self.push(tag, start, self.at - 1);
                    return Ok(());
                }
                Some(b'\\') => {
                    tag = ESC;
                    self.at += 1;
                    match self.src.get(self.at) {
                        None => return Err(Self::fail(self.at, "unterminated string")),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.at += 1
                        }
                        Some(b'u') => {
                            let hex = self.src.get(self.at + 1..self.at + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(Self::fail(self.at, "invalid \\u escape"));
                            }
                            self.at += 5;
                        }
                        Some(_) => return Err(Self::fail(self.at, "invalid escape")),
                    }
                }
                Some(_) => return Err(Self::fail(self.at, "control character in string")),
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

    #[test]
    fn same_is_eq() {
        let text = b"abcdefghijklmnopqrstuvwxyz";
        for n in 0..20 {
            for m in 0..20 {
                for changed in 0..=m {
                    let mut b = text[..m].to_vec();
                    if let Some(byte) = b.get_mut(changed) {
                        *byte ^= 0x20;
                    }
                    assert_eq!(
                        same(&text[..n], &b),
                        text[..n] == b[..],
                        "{n} {m} {changed}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_doc_finds_fields_as_json_parse_keeps_them() {
        let text = r#"{"ab":1,"ba":[{"x":[]},2],"\u0061b":"z\n","bb":{},"ab":"last","c":null}"#;
        let doc = Doc::parse(text).unwrap();
        let root = doc.root();
        // the last of a repeated key, whether escaped or not; a key with the same length, first
        // and last byte is another key
        assert_eq!(
            root.get("ab").and_then(Node::as_str).as_deref(),
            Some("last")
        );
        assert_eq!(
            root.get("bb").map(Node::to_json),
            Some(Json::Obj(Vec::new()))
        );
        assert!(root.get("c").is_some_and(|c| c.to_json().is_null()));
        assert!(root.get("a").is_none() && root.get("abc").is_none() && root.get("").is_none());
        // items, skipping over what is inside them
        let items: Vec<Json> = root
            .get("ba")
            .and_then(Node::items)
            .unwrap()
            .map(Node::to_json)
            .collect();
        assert_eq!(
            items,
            [Json::parse(r#"{"x":[]}"#).unwrap(), Json::Num("2".into())]
        );
        assert!(root.items().is_none() && root.get("ba").unwrap().get("x").is_none());
        assert_eq!(
            root.get("c").map(|c| c.items().unwrap_or_default().len()),
            Some(0)
        );
        // a repeated key's last value in the first one's place, as Json::parse
        assert_eq!(
            root.to_json_without(Some("bb")).text(),
            r#"{"ab":"last","ba":[{"x":[]},2],"c":null}"#
        );
        let mut out = String::new();
        root.write(&mut out);
        assert_eq!(out, r#"{"ab":"last","ba":[{"x":[]},2],"bb":{},"c":null}"#);
    }
}
