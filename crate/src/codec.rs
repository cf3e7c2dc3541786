//! The JSON wire form between the shim and the core (`docs/core-protocol.md`). Decoding never
//! panics: anything unexpected becomes a [`DecodeError`] that names what was wrong.

use std::fmt;

use serde_json::{json, Map, Value};

use crate::input::{Call, Input, Reply};
use crate::output::Output;
use crate::props::PropsPatch;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

fn err<T>(text: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(text.into()))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A whole number ≥ 0 from a JSON number or numeric string (the runtime may hand either).
fn uint(v: &Value, what: &str) -> Result<u64, DecodeError> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 => Ok(n as u64),
        _ => err(format!("{what}: expected a whole number ≥ 0, got {v}")),
    }
}

fn int(v: &Value, what: &str) -> Result<i64, DecodeError> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 => Ok(n as i64),
        _ => err(format!("{what}: expected a whole number, got {v}")),
    }
}

/// A string property; numbers are taken as their decimal text, as the runtime coerces them.
fn text(v: &Value, what: &str) -> Result<String, DecodeError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        other => err(format!("{what}: expected a string, got {}", kind(other))),
    }
}

/// JavaScript truthiness, as the runtime applies to Boolean properties.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn decode_props(map: &Map<String, Value>) -> Result<PropsPatch, DecodeError> {
    let mut p = PropsPatch::default();
    for (key, v) in map {
        let name = format!("property {key}");
        match key.as_str() {
            "roomID" => p.room_id = Some(if v.is_null() { 0 } else { uint(v, &name)? }),
            "sdkAppID" => p.sdk_app_id = Some(if v.is_null() { 0 } else { uint(v, &name)? }),
            "pureAudioPushMod" => {
                p.pure_audio_push_mod = Some(if v.is_null() { 0 } else { uint(v, &name)? })
            }
            "recordId" => {
                p.record_id = Some(if v.is_null() {
                    None
                } else {
                    Some(uint(v, &name)?)
                })
            }
            "userID" => p.user_id = Some(text(v, &name)?),
            "userName" => p.user_name = Some(text(v, &name)?),
            "userSig" => p.user_sig = Some(text(v, &name)?),
            "privateMapKey" => p.private_map_key = Some(text(v, &name)?),
            "template" => p.template = Some(text(v, &name)?),
            "debug" => p.debug = Some(truthy(v)),
            "enableIM" => p.enable_im = Some(truthy(v)),
            "useCloud" => p.use_cloud = Some(truthy(v)),
            "autoplay" => p.autoplay = Some(truthy(v)),
            _ => {} // view-only properties: the WXML reads them directly
        }
    }
    Ok(p)
}

/// A falsy userID (`0`, `''`, null, absent) means the local side, as in 2019.
fn optional_user(v: Option<&Value>) -> Result<Option<String>, DecodeError> {
    match v {
        Some(v) if truthy(v) => Ok(Some(text(v, "userID")?)),
        _ => Ok(None),
    }
}

fn decode_call(name: &str, args: Option<&Value>) -> Result<Call, DecodeError> {
    let args: &[Value] = match args {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => &[],
        Some(other) => {
            return err(format!(
                "call {name}: args must be an array, got {}",
                kind(other)
            ))
        }
    };
    let enable = || args.first().is_some_and(truthy);
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
        _ => return err(format!("unknown method '{name}'")),
    })
}

fn field<'a>(obj: &'a Value, name: &str, what: &str) -> Result<&'a Value, DecodeError> {
    obj.get(name)
        .ok_or_else(|| DecodeError(format!("{what}: missing '{name}'")))
}

/// The detail's message as text; an object (some runtimes hand one) is taken as its JSON.
fn message(obj: &Value, name: &str) -> Option<String> {
    match obj.get(name)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Decodes one input object.
pub fn decode_input(input: &str) -> Result<Input, DecodeError> {
    let value: Value = match serde_json::from_str(input) {
        Ok(v) => v,
        Err(e) => return err(format!("input is not JSON: {e}")),
    };
    let Value::Object(map) = &value else {
        return err(format!("input must be an object, got {}", kind(&value)));
    };
    // `call` may carry `args` beside it; every other input is a single key.
    let args = map.get("args");
    let single = map.len() == 1 || (map.len() == 2 && args.is_some() && map.contains_key("call"));
    let Some((key, v)) = map
        .iter()
        .find(|(k, _)| k.as_str() != "args")
        .filter(|_| single)
    else {
        return err("input must have exactly one key (and `args` beside `call`)");
    };
    Ok(match key.as_str() {
        "props" => match v {
            Value::Object(props) => Input::Props(decode_props(props)?),
            other => return err(format!("props must be an object, got {}", kind(other))),
        },
        "call" => match v {
            Value::String(name) => decode_call(name, args)?.into(),
            other => return err(format!("call must be a method name, got {}", kind(other))),
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
                .map_err(|_| DecodeError(format!("reply id {id} is out of range")))?;
            let result = match v.get("error") {
                Some(e) if !e.is_null() => Err(message(v, "error").unwrap_or_default()),
                _ => {
                    let status = uint(v.get("status").unwrap_or(&json!(200)), "reply status")?;
                    Ok(Reply {
                        status: u16::try_from(status).unwrap_or(0),
                        data: v.get("data").cloned().unwrap_or(Value::Null),
                    })
                }
            };
            Input::Reply { id, result }
        }
        "timer" => {
            let id = uint(v, "timer")?;
            Input::Timer(
                u32::try_from(id)
                    .map_err(|_| DecodeError(format!("timer id {id} is out of range")))?,
            )
        }
        "detached" => Input::Detached,
        other => return err(format!("unknown input '{other}'")),
    })
}

impl From<Call> for Input {
    fn from(call: Call) -> Input {
        Input::Call(call)
    }
}

/// Encodes the outputs of one input: `{ops, data, events}`, keys absent when empty, every
/// setData patch merged into the one `data` object.
pub fn encode_outputs(outputs: Vec<Output>) -> String {
    let mut ops = Vec::new();
    let mut data = Map::new();
    let mut events = Vec::new();
    for out in outputs {
        match out {
            Output::SetData(patch) => data.extend(patch),
            Output::Event(e) => events.push(json!({
                "name": "RoomEvent",
                "detail": {"tag": e.tag, "code": e.code, "detail": e.detail}
            })),
            Output::Request {
                id,
                url,
                method,
                data,
            } => {
                ops.push(json!({"request": {"id": id, "url": url, "method": method, "data": data}}))
            }
            Output::Abort(id) => ops.push(json!({"abort": id})),
            Output::Timer { id, ms } => ops.push(json!({"timer": id, "ms": ms})),
            Output::ClearTimer(id) => ops.push(json!({"clearTimer": id})),
            Output::Pusher(cmd) => ops.push(json!({"pusher": cmd.name()})),
            Output::Player { slot, cmd } => ops.push(json!({"player": slot, "cmd": cmd.name()})),
            Output::Log { level, text } => ops.push(json!({"log": text, "level": level.name()})),
        }
    }
    let mut batch = Map::new();
    if !ops.is_empty() {
        batch.insert("ops".into(), Value::Array(ops));
    }
    if !data.is_empty() {
        batch.insert("data".into(), Value::Object(data));
    }
    if !events.is_empty() {
        batch.insert("events".into(), Value::Array(events));
    }
    Value::Object(batch).to_string()
}
