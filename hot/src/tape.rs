//! Messages for the page in the core's tape: numbers in one list and the text of every string in
//! another, which the shim reads straight out of the wasm memory (a `Float64Array` and one string
//! made of all the text) instead of the core writing them as JSON text and the shim decoding and
//! parsing it. On a 500-message long-poll batch that JSON text was 80 KB, and turning it into
//! objects took the shim longer than 2019's webim took for the whole batch. Layout:
//! `docs/core-protocol.md`, "Messages".

#[cfg(not(target_arch = "wasm32"))]
use crate::json::Json;
use crate::json::{tag, Node};
use crate::prelude::*;
#[cfg(not(target_arch = "wasm32"))]
use alloc::vec;

/// A value is three words: its kind and two more.
pub const NUM: f64 = 0.0; // [NUM, the number, 0]: a whole number
pub const STR: f64 = 1.0; // [STR, start, end]: the string chars[start..end]
pub const JSON: f64 = 2.0; // [JSON, start, end]: JSON text, any other number or value
pub const BOOL: f64 = 3.0; // [BOOL, 0 or 1, 0]
pub const NULL: f64 = 4.0; // [NULL, 0, 0]

/// Content kinds: the word after an element's type says what follows it.
pub const OTHER: f64 = 0.0; // one value: the content as it came
pub const TEXT: f64 = 1.0; // text
pub const FACE: f64 = 2.0; // index, data
pub const CUSTOM: f64 = 3.0; // data, desc, ext
pub const TIP: f64 = 4.0; // opType, opUserId, groupId, groupName, userIdList,
                          // groupInfoList, memberInfoList, groupMemberNum

/// The strings of [`Tape::known`]: the session types, and each element type at its content kind.
pub const KNOWN: [&str; 6] = [
    "GROUP",
    "TIMTextElem",
    "TIMFaceElem",
    "TIMCustomElem",
    "TIMGroupTipElem",
    "C2C",
];
pub const GROUP_SESSION: usize = 0;
pub const C2C_SESSION: usize = 5;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tape {
    pub words: Vec<f64>,
    /// UTF-16, as JS strings are: the shim makes one string of it all.
    pub chars: Vec<u16>,
    /// Where each string of [`Tape::known`] was first written in this tape, plus one (0: not yet).
    known: [u32; 6],
}

impl Tape {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn word(&mut self, w: f64) {
        self.words.push(w);
    }

    /// The words `at..at + n` again (a value written before: no text copied).
    pub fn again(&mut self, at: usize, n: usize) {
        self.words.reserve(n);
        for i in at..at + n {
            let w = self.words.get(i).copied().unwrap_or(NULL);
            // Sound: room for `n` words was reserved above.
            unsafe { self.push_reserved(w) };
        }
    }

    /// Appends `w` where room is reserved already: no capacity check, and no call that grows.
    ///
    /// # Safety
    /// `words` has room for one more.
    #[inline(always)]
    unsafe fn push_reserved(&mut self, w: f64) {
        let len = self.words.len();
        unsafe {
            self.words.as_mut_ptr().add(len).write(w);
            self.words.set_len(len + 1);
        }
    }

    pub fn num(&mut self, n: f64) {
        self.three(NUM, n, 0.0);
    }

    pub fn bool(&mut self, b: bool) {
        self.three(BOOL, f64::from(u8::from(b)), 0.0);
    }

    #[inline(always)]
    fn three(&mut self, kind: f64, a: f64, b: f64) {
        self.words.reserve(3);
        // Sound: room for three was reserved above.
        unsafe {
            self.push_reserved(kind);
            self.push_reserved(a);
            self.push_reserved(b);
        }
    }

    /// A string value (`kind` STR) or JSON text (`kind` JSON).
    pub fn text(&mut self, kind: f64, s: &str) {
        let start = self.chars.len();
        webrtc_room_text::utf16(s, &mut self.chars);
        self.three(kind, start as f64, self.chars.len() as f64);
    }

    /// A string with escapes, from its raw text between the quotes: unescaped straight into the
    /// text, not made a `String` first (a custom message's data is JSON text, an escaped quote
    /// every few characters).
    fn escaped(&mut self, raw: &str) {
        let start = self.chars.len();
        webrtc_room_text::unescape_utf16(raw, &mut self.chars);
        self.three(STR, start as f64, self.chars.len() as f64);
    }

    /// The string `KNOWN[k]`, which the core writes in most messages: after its first time in the
    /// tape, its first copy's three words again. A quarter of the text of a 500-message batch was
    /// such repeats, and the shim makes a string of every char.
    pub fn known(&mut self, k: usize) {
        match self.known[k] {
            0 => {
                self.known[k] = self.words.len() as u32 + 1;
                self.text(STR, KNOWN[k]);
            }
            at => self.again(at as usize - 1, 3),
        }
    }

    /// A number as JSON text.
    pub fn number(&mut self, n: &str) {
        // most numbers in a reply: a few plain digits, read here without whole_number's weighing
        // of signs, fractions and exponents (in wasm ~7 % of a long-poll batch)
        if n.len() < 16 && n.bytes().all(|b| b.is_ascii_digit()) {
            let digits = n.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
            return self.num(digits as f64);
        }
        match webrtc_room_text::whole_number(n) {
            // An i64 becomes the nearest f64, as JSON.parse reads its text.
            Some(i) => self.num(i as f64),
            _ => self.text(JSON, n),
        }
    }

    /// A value read from a reply; `None` (a missing field) is null.
    pub fn val(&mut self, v: Option<Node>) {
        let Some(v) = v else {
            return self.three(NULL, 0.0, 0.0);
        };
        let t = v.tok();
        match t.tag {
            tag::NULL => self.three(NULL, 0.0, 0.0),
            tag::TRUE => self.bool(true),
            tag::FALSE => self.bool(false),
            tag::NUM => self.number(v.raw(t)),
            tag::STR => self.text(STR, v.raw(t)),
            tag::ESC => self.escaped(v.raw(t)),
            _ => {
                let mut json = String::new();
                v.write(&mut json);
                self.text(JSON, &json)
            }
        }
    }
}

/// The messages of `tape` as the compact arrays the shim makes of them (`[sessType, sessId,
/// sessName, subType, isSend, fromAccount, fromAccountNick, time, seq, random, [[elemType,
/// content], ...]]`): what native callers (tests, benches) get in place of a tape range.
#[cfg(not(target_arch = "wasm32"))]
pub fn render(tape: &Tape) -> Json {
    let mut r = Reader { tape, at: 0 };
    let mut msgs = Vec::new();
    while r.at < tape.words.len() {
        let mut msg: Vec<Json> = (0..10).map(|_| r.value()).collect();
        let elems = (0..r.word() as usize)
            .map(|_| {
                let kind = r.value();
                let names: &[&str] = match r.word() {
                    k if k == TEXT => &["text"],
                    k if k == FACE => &["index", "data"],
                    k if k == CUSTOM => &["data", "desc", "ext"],
                    k if k == TIP => &[
                        "opType",
                        "opUserId",
                        "groupId",
                        "groupName",
                        "userIdList",
                        "groupInfoList",
                        "memberInfoList",
                        "groupMemberNum",
                    ],
                    _ => &[],
                };
                let content = if names.is_empty() {
                    r.value()
                } else {
                    Json::Obj(names.iter().map(|n| (n.to_string(), r.value())).collect())
                };
                Json::Arr(vec![kind, content])
            })
            .collect();
        msg.push(Json::Arr(elems));
        msgs.push(Json::Arr(msg));
    }
    Json::Arr(msgs)
}

#[cfg(not(target_arch = "wasm32"))]
struct Reader<'a> {
    tape: &'a Tape,
    at: usize,
}

#[cfg(not(target_arch = "wasm32"))]
impl Reader<'_> {
    fn word(&mut self) -> f64 {
        self.at += 1;
        self.tape.words.get(self.at - 1).copied().unwrap_or(NULL)
    }

    fn value(&mut self) -> Json {
        let (kind, a, b) = (self.word(), self.word(), self.word());
        let text = || {
            let units = self
                .tape
                .chars
                .get(a as usize..b as usize)
                .unwrap_or_default();
            String::from_utf16(units).expect("the core writes whole strings")
        };
        match kind {
            k if k == NUM => Json::Num(webrtc_room_text::int_text(a as i64)),
            k if k == STR => Json::Str(text()),
            k if k == JSON => Json::parse(&text()).expect("the core writes JSON text"),
            k if k == BOOL => Json::Bool(a == 1.0),
            _ => Json::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_with_escapes_is_its_text() {
        let text = r#"["{\"id\":7,\"n\":\"\u5f20\ud83d\ude00\ud800\"}", "张\n"]"#;
        let doc = crate::json::Doc::parse(text).unwrap();
        let mut t = Tape::default();
        for item in doc.root().items().unwrap() {
            t.val(Some(item));
        }
        let want = "{\"id\":7,\"n\":\"张😀\u{FFFD}\"}张\n";
        assert_eq!(String::from_utf16(&t.chars).unwrap(), want);
        let first = want.encode_utf16().count() - 2;
        assert_eq!(
            t.words,
            [
                STR,
                0.0,
                first as f64,
                STR,
                first as f64,
                (first + 2) as f64
            ]
        );
    }

    #[test]
    fn a_known_string_is_in_the_text_once_and_every_value_of_it_reads_it() {
        let mut t = Tape::default();
        t.known(GROUP_SESSION);
        t.known(TEXT as usize);
        t.text(STR, "hi");
        t.known(TEXT as usize);
        t.known(GROUP_SESSION);
        let text = String::from_utf16(&t.chars).unwrap();
        assert_eq!(text, "GROUPTIMTextElemhi");
        let read = |at: usize| {
            assert_eq!(t.words[at], STR);
            &text[t.words[at + 1] as usize..t.words[at + 2] as usize]
        };
        let values: Vec<&str> = (0..5).map(|v| read(3 * v)).collect();
        assert_eq!(
            values,
            ["GROUP", "TIMTextElem", "hi", "TIMTextElem", "GROUP"]
        );
        // a new tape starts afresh
        let mut next = Tape::default();
        next.known(TEXT as usize);
        assert_eq!(next.chars.len(), "TIMTextElem".len());
    }
}
