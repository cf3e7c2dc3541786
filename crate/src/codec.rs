//! The JSON wire form between the shim and the core (`docs/core-protocol.md`). Decoding never
//! panics: anything unexpected becomes a [`DecodeError`] that names what was wrong.

use crate::prelude::*;
use core::fmt;

use crate::json::{obj, Json};

use crate::input::{Call, Input, MsgBody, Reply};
use crate::output::Output;
use crate::props::{range, PropsPatch};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for DecodeError {}

impl crate::text::Piece for DecodeError {
    fn put(&self, out: &mut String) {
        out.push_str(&self.0);
    }
}

fn err<T>(text: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(text.into()))
}

fn kind(v: &Json) -> &'static str {
    v.kind()
}

pub(crate) use crate::text::whole_number;

fn number(v: &Json) -> Option<i64> {
    match v {
        Json::Num(n) => whole_number(n),
        // trim_end() is in the module already (im.rs); trim() would add trim_matches.
        Json::Str(s) => whole_number(s.trim_start().trim_end()),
        _ => None,
    }
}

/// JavaScript's largest safe integer: ids and codes beyond it cannot have come from the runtime.
const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// A whole number ≥ 0 from a JSON number or numeric string (the runtime may hand either).
fn uint(v: &Json, what: &str) -> Result<u64, DecodeError> {
    match number(v) {
        Some(n) if (0..=MAX_SAFE).contains(&n) => Ok(n as u64),
        _ => err(cat!(what, ": expected a whole number ≥ 0, got ", v)),
    }
}

fn int(v: &Json, what: &str) -> Result<i64, DecodeError> {
    match number(v) {
        Some(n) if n.abs() <= MAX_SAFE => Ok(n),
        _ => err(cat!(what, ": expected a whole number, got ", v)),
    }
}

/// A string value; numbers are taken as their decimal text, as the runtime coerces them.
fn text(v: &Json, what: &str) -> Result<String, DecodeError> {
    match v {
        Json::Str(s) => Ok(s.clone()),
        Json::Num(n) => Ok(n.clone()),
        Json::Null => Ok(String::new()),
        other => err(cat!(what, ": expected a string, got ", kind(other))),
    }
}

/// JavaScript truthiness, as the runtime applies to Boolean properties.
pub(crate) fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Num(n) => nonzero(n),
        Json::Str(s) => !s.is_empty(),
        _ => true,
    }
}

/// A JSON number is zero when every digit of its mantissa is.
pub(crate) fn nonzero(number: &str) -> bool {
    number
        .bytes()
        .take_while(|&b| b != b'e' && b != b'E')
        .any(|b| (b'1'..=b'9').contains(&b))
}

/// A whole-number property: null is `default`; outside `lo..=hi`, a number is clamped when
/// `clamp` (the pusher's settings) and anything else is `default`. Returns the value and whether
/// it differs from the one given; a warning then says what was done.
fn whole_prop(
    (v, key): (&Json, &str),
    (lo, hi): (i64, i64),
    default: i64,
    clamp: bool,
    (warnings, fixed): (&mut Vec<String>, &mut Option<Json>),
) -> i64 {
    let value = match number(v) {
        // Null, and for the pusher's settings 0 too: what the runtime gives an attribute bound to
        // nothing. The pusher then uses its default, as in 2019: no warning.
        _ if v.is_null() || (clamp && !truthy(v)) => return default,
        // The default is always taken (0: roomID or sdkAppID not set yet).
        Some(n) if (lo..=hi).contains(&n) || n == default => return n,
        Some(n) if clamp => n.max(lo).min(hi),
        _ => default,
    };
    // roomID and sdkAppID are unset (0): start() then says they are missing.
    warnings.push(cat!(
        "property ",
        key,
        ": ",
        v,
        " is not a whole number ",
        lo,
        " … ",
        hi,
        "; it is set to ",
        value
    ));
    *fixed = Some(value.into());
    value
}

/// A string property (numbers are taken as their text); anything else is `default`, with a warning.
fn string_prop(
    (v, key): (&Json, &str),
    default: &str,
    (warnings, fixed): (&mut Vec<String>, &mut Option<Json>),
) -> String {
    text(v, key).unwrap_or_else(|e| {
        warnings.push(cat!(e, "; it is set to '", default, "'"));
        *fixed = Some(default.into());
        default.to_string()
    })
}

/// An identifier must reach the core exactly: U+FFFD is what a lone UTF-16 surrogate (or broken
/// UTF-8) became on the way in, and two different ids could have become the same one.
pub(crate) fn altered_id(id: &str) -> bool {
    // Bytes rather than contains(): a non-ASCII char pattern brings the two-way searcher.
    id.as_bytes().windows(3).any(|w| w == [0xEF, 0xBF, 0xBD])
}

/// Decodes every property on its own: a value that cannot be used is reported in `warnings` and
/// replaced as that message says (the view's copy too, through `fixed`), and never costs the
/// other properties of the same patch.
fn decode_props(map: &[(String, Json)]) -> PropsPatch {
    let mut p = PropsPatch::default();
    let mut warnings = Vec::new();
    for (key, v) in map {
        let mut fixed = None;
        // Written back only where the view reads the property.
        let mut shown = false;
        let at = (v, key.as_str());
        macro_rules! string {
            ($default:expr) => {
                string_prop(at, $default, (&mut warnings, &mut fixed))
            };
        }
        macro_rules! whole {
            ($range:expr, $default:expr, $clamp:expr) => {
                whole_prop(at, $range, $default, $clamp, (&mut warnings, &mut fixed))
            };
        }
        match key.as_str() {
            // Ids that must cross exactly: two rooms or users must never become one.
            "userID" | "strRoomID" => {
                let mut id = string!("");
                if altered_id(&id) {
                    warnings.push(cat!(
                        "property ",
                        key,
                        ": it has a lone UTF-16 surrogate or U+FFFD; it is set to ''"
                    ));
                    id.clear();
                }
                match key.as_str() {
                    "userID" => p.user_id = Some(id),
                    _ => p.str_room_id = Some(id),
                }
            }
            "userName" => p.user_name = Some(string!("")),
            "userSig" => p.user_sig = Some(string!("")),
            "privateMapKey" => p.private_map_key = Some(string!("")),
            "template" => {
                shown = true;
                p.template = Some(string!("float"));
            }
            "apiBase" => p.api_base = Some(string!("")),
            "aspect" => {
                shown = true;
                if !matches!(string!("3:4").as_str(), "" | "3:4" | "9:16") {
                    warnings.push(cat!(
                        "property aspect: ",
                        v,
                        " is not '3:4' or '9:16'; it is set to '3:4'"
                    ));
                    fixed = Some("3:4".into());
                }
            }
            "roomID" => p.room_id = Some(whole!(range::ROOM_ID, 0, false) as u64),
            "sdkAppID" => p.sdk_app_id = Some(whole!(range::SDK_APP_ID, 0, false) as u64),
            "pureAudioPushMod" => {
                p.pure_audio_push_mod = Some(whole!(range::PURE_AUDIO_PUSH_MOD, 0, false) as u64)
            }
            "recordId" => {
                p.record_id =
                    Some(Some(whole!(range::RECORD_ID, 0, false) as u64).filter(|&id| id != 0))
            }
            "beauty" | "whiteness" => {
                shown = true;
                whole!(range::BEAUTY, 0, true);
            }
            "minBitrate" => {
                shown = true;
                p.min_bitrate = Some(whole!(range::BITRATE, 200, true) as u32)
            }
            "maxBitrate" => {
                shown = true;
                p.max_bitrate = Some(whole!(range::BITRATE, 400, true) as u32)
            }
            "protocol" => p.protocol = Some(string!("legacy")),
            "scene" => p.scene = Some(string!("")),
            "debug" => p.debug = Some(truthy(v)),
            "enableIM" => p.enable_im = Some(truthy(v)),
            "useCloud" => p.use_cloud = Some(truthy(v)),
            _ => {} // view-only properties: the WXML reads them directly
        }
        if let Some(value) = fixed.filter(|_| shown) {
            p.fixed.push((key.clone(), value));
        }
    }
    p.warnings = warnings;
    p
}

/// A falsy userID (`0`, `''`, null, absent) means the local side, as in 2019.
fn optional_user(v: Option<&Json>) -> Result<Option<String>, DecodeError> {
    match v {
        Some(v) if truthy(v) => match text(v, "userID")? {
            id if altered_id(&id) => err("userID has a lone UTF-16 surrogate or U+FFFD"),
            id => Ok(Some(id)),
        },
        _ => Ok(None),
    }
}

/// `{data, desc, ext}` of a custom message; missing fields are empty.
fn custom(v: Option<&Json>) -> Result<MsgBody, DecodeError> {
    let field = |name: &str| match v.and_then(|v| v.get(name)) {
        Some(f) => text(f, name),
        None => Ok(String::new()),
    };
    match v {
        None | Some(Json::Null) | Some(Json::Obj(_)) => Ok(MsgBody::Custom {
            data: field("data")?,
            desc: field("desc")?,
            ext: field("ext")?,
        }),
        Some(other) => err(cat!(
            "custom message must be an object {data, desc, ext}, got ",
            other.kind()
        )),
    }
}

fn decode_call(name: &str, args: Option<&Json>, cb: Option<u32>) -> Result<Call, DecodeError> {
    let args: &[Json] = match args {
        Some(Json::Arr(a)) => a,
        None | Some(Json::Null) => &[],
        Some(other) => {
            return err(cat!(
                "call ",
                name,
                ": args must be an array, got ",
                kind(other)
            ))
        }
    };
    let enable = || args.first().is_some_and(truthy);
    let text_at = |i: usize| match args.get(i) {
        Some(v) => text(v, "text"),
        None => Ok(String::new()),
    };
    Ok(match name {
        "start" => Call::Start,
        "stop" => Call::Stop,
        "pause" => Call::Pause,
        "resume" => Call::Resume,
        "switchCamera" => Call::SwitchCamera,
        "exitRoom" => Call::ExitRoom,
        "enableVideo" => Call::EnableVideo {
            enable: enable(),
            user: optional_user(args.get(1))?,
        },
        "enableAudio" => Call::EnableAudio {
            enable: enable(),
            user: optional_user(args.get(1))?,
        },
        // One body for the four sends (the text / custom and c2c / group variants).
        "sendC2CTextMsg" | "sendC2CCustomMsg" | "sendGroupTextMsg" | "sendGroupCustomMsg" => {
            let c2c = matches!(name, "sendC2CTextMsg" | "sendC2CCustomMsg");
            let to = if c2c {
                Some(optional_user(args.first())?.unwrap_or_default())
            } else {
                None
            };
            // The body follows the user in a c2c send.
            let at = usize::from(c2c);
            let body = match name {
                "sendC2CTextMsg" | "sendGroupTextMsg" => MsgBody::Text(text_at(at)?),
                _ => custom(args.get(at))?,
            };
            Call::Send { to, body, cb }
        }
        _ => return err(cat!("unknown method '", name, "'")),
    })
}

fn field<'a>(obj: &'a Json, name: &str, what: &str) -> Result<&'a Json, DecodeError> {
    obj.get(name)
        .ok_or_else(|| DecodeError(cat!(what, ": missing '", name, "'")))
}

/// The detail's message as text; an object (some runtimes hand one) is taken as its JSON.
fn message(obj: &Json, name: &str) -> Option<String> {
    match obj.get(name)? {
        Json::Null => None,
        Json::Str(s) => Some(s.clone()),
        other => Some(other.text()),
    }
}

/// The longest input (in UTF-16 units of text or bytes of a Uint8Array, as the shim measures it;
/// a reply's header included) the shim hands to the core; a longer one arrives as
/// `{"oversize": {...}}`. Far above any real reply: the 2019 limits make a
/// message at most 12,000 bytes, and a webim batch of 500 messages is about 160 KB. Equal to the
/// text replies' MAX_REPLY_BYTES, so both paths refuse at 1 MiB. The same number is
/// `MAX_INPUT` in shim/webrtc-room.js (a test checks they agree).
pub const MAX_INPUT_CHARS: usize = crate::input::MAX_REPLY_BYTES;

/// The `cb` of an input that could not be decoded otherwise, so its callbacks can still be answered.
pub fn callback_id(input: &str) -> Option<u32> {
    let value = Json::parse(input).ok()?;
    let cb = value.get("cb").or_else(|| value.get("oversize")?.get("cb"));
    let n = whole_number(match cb? {
        Json::Num(n) => n,
        _ => return None,
    })?;
    u32::try_from(n).ok()
}

/// Decodes one input object.
pub fn decode_input(input: &str) -> Result<Input, DecodeError> {
    let value = match Json::parse(input) {
        Ok(v) => v,
        Err(e) => return err(cat!("input is not JSON: ", e)),
    };
    let Json::Obj(map) = &value else {
        return err(cat!("input must be an object, got ", kind(&value)));
    };
    // `call` may carry `args` and `cb` beside it; every other input is a single key.
    let args = value.get("args");
    let cb = match value.get("cb") {
        Some(v) => Some(
            u32::try_from(uint(v, "cb")?).map_err(|_| DecodeError("cb is out of range".into()))?,
        ),
        None => None,
    };
    let extras = usize::from(args.is_some()) + usize::from(cb.is_some());
    let single = map.len() == 1 + extras && (extras == 0 || value.get("call").is_some());
    let Some((key, v)) = map
        .iter()
        .find(|(k, _)| k.as_str() != "args" && k.as_str() != "cb")
        .filter(|_| single)
    else {
        return err("input must have exactly one key (and `args`, `cb` beside `call`)");
    };
    Ok(match key.as_str() {
        "props" => match v {
            Json::Obj(props) => Input::Props(Box::new(decode_props(props))),
            other => return err(cat!("props must be an object, got ", kind(other))),
        },
        "call" => match v {
            Json::Str(name) => decode_call(name, args, cb)?.into(),
            other => return err(cat!("call must be a method name, got ", kind(other))),
        },
        "pusher" => Input::Pusher {
            code: int(field(v, "code", "pusher")?, "pusher code")?,
            message: message(v, "message"),
        },
        "pusherError" => Input::PusherError {
            code: int(field(v, "errCode", "pusherError")?, "pusherError errCode")?,
            message: message(v, "errMsg"),
        },
        "player" => {
            let slot = uint(field(v, "slot", "player")?, "player slot")?;
            Input::Player {
                slot: usize::try_from(slot).unwrap_or(usize::MAX),
                user: text(field(v, "user", "player")?, "player user")?,
                code: int(field(v, "code", "player")?, "player code")?,
            }
        }
        "reply" => {
            let id = uint(field(v, "id", "reply")?, "reply id")?;
            let id = u32::try_from(id)
                .map_err(|_| DecodeError(cat!("reply id ", id, " is out of range")))?;
            let result = match v.get("error") {
                Some(e) if !e.is_null() => Err(message(v, "error").unwrap_or_default()),
                _ => {
                    let status = match v.get("status") {
                        Some(status) => uint(status, "reply status")?,
                        None => 200,
                    };
                    Ok(Reply {
                        status: u16::try_from(status).map_or(0, u32::from),
                        data: v.get("data").cloned().unwrap_or_default(),
                    })
                }
            };
            Input::Reply { id, result }
        }
        "timer" => {
            let id = uint(v, "timer")?;
            Input::Timer(
                u32::try_from(id)
                    .map_err(|_| DecodeError(cat!("timer id ", id, " is out of range")))?,
            )
        }
        "detached" => Input::Detached,
        // The shim's note in place of an input too long to copy into the wasm memory.
        "oversize" => {
            let why = cat!(
                "the input is ",
                v.get("chars").unwrap_or(&Json::Null),
                " characters, over 1 MiB: not read"
            );
            match v.get("id").map(|id| uint(id, "id")) {
                Some(Ok(id)) => Input::Reply {
                    id: u32::try_from(id).unwrap_or(0),
                    result: Err(why),
                },
                _ => return err(why),
            }
        }
        other => return err(cat!("unknown input '", other, "'")),
    })
}

impl From<Call> for Input {
    fn from(call: Call) -> Input {
        Input::Call(call)
    }
}

/// Encodes the outputs of one input: `{ops, data, events}`, keys absent when empty, every
/// setData patch merged into the one `data` object.
pub fn encode_outputs(mut outputs: Vec<Output>) -> String {
    let mut ops = Vec::new();
    let mut data: Vec<(String, Json)> = Vec::new();
    let mut events = Vec::new();
    // By reference, taking each output: no Vec<Output> IntoIter instance.
    for out in outputs.iter_mut() {
        match core::mem::replace(out, Output::Abort(0)) {
            Output::SetData(patch) => {
                for (key, value) in patch {
                    match data.iter_mut().find(|(k, _)| *k == key) {
                        Some(field) => field.1 = value,
                        None => data.push((key, value)),
                    }
                }
            }
            Output::Event(e) => events.push(obj([
                ("name", e.name.into()),
                (
                    "detail",
                    obj([
                        ("tag", e.tag.into()),
                        ("code", e.code.into()),
                        ("detail", e.detail),
                    ]),
                ),
            ])),
            Output::Request {
                id,
                url,
                method,
                data,
            } => ops.push(obj([(
                "request",
                obj([
                    ("id", id.into()),
                    ("url", url.into()),
                    ("method", method.into()),
                    ("data", data),
                ]),
            )])),
            Output::Abort(id) => ops.push(obj([("abort", id.into())])),
            Output::Timer { id, ms } => ops.push(obj([("timer", id.into()), ("ms", ms.into())])),
            Output::ClearTimer(id) => ops.push(obj([("clearTimer", id.into())])),
            Output::Pusher(cmd) => ops.push(obj([("pusher", cmd.name().into())])),
            Output::Player { slot, cmd } => {
                ops.push(obj([("player", slot.into()), ("cmd", cmd.name().into())]))
            }
            Output::Log { level, text } => {
                ops.push(obj([("log", text.into()), ("level", level.name().into())]))
            }
            Output::Callback { id, ok, args } => ops.push(obj([
                ("callback", id.into()),
                ("ok", ok.into()),
                ("args", Json::Arr(args)),
            ])),
        }
    }
    let mut batch = Vec::new();
    if !ops.is_empty() {
        batch.push(("ops".to_string(), Json::Arr(ops)));
    }
    if !data.is_empty() {
        batch.push(("data".to_string(), Json::Obj(data)));
    }
    if !events.is_empty() {
        batch.push(("events".to_string(), Json::Arr(events)));
    }
    Json::Obj(batch).text()
}

#[cfg(test)]
mod tests {
    use super::whole_number;

    #[test]
    fn whole_numbers_from_json_text() {
        for (text, want) in [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("1234", Some(1234)),
            ("-1301", Some(-1301)),
            ("12.000", Some(12)),
            ("1.5e3", Some(1500)),
            ("15E-1", None),
            ("150e-1", Some(15)),
            ("1.5", None),
            ("0e999999999", Some(0)),
            ("1e999999999", None),
            ("9223372036854775808", None),
            ("", None),
            ("-", None),
            ("1x", None),
            (".5", None),
        ] {
            assert_eq!(whole_number(text), want, "{text}");
        }
    }
}
