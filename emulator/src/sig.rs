//! `POST /v4/openim/jsonvideoapp`: the room signature.
//!
//! Query: `sdkappid`, `identifier`, `usersig`, `random` (digits), `contenttype=json`.
//! Body: `{"ReqHead": {"Cmd": 1, "SeqNo": n, "BusType": 7, "GroupId": room},
//! "ReqBody": {"PrivMapEncrypt": "...", "TerminalType": n, "FromType": n, "SdkVersion": n}}`.
//!
//! A refused request gets HTTP 200 with a top-level `{"ErrorCode", "ErrorInfo"}` (codes in
//! [`crate::codes`]: 70001 expired, 70003 undecodable, 70009 forged / wrong key, 70013 other
//! user, 70020 other app, 70402 bad parameter). Success:
//! `{"RspHead": {"ErrorCode": 0, "SeqNo": n}, "RspBody": {"RoomSig": ticket}}`; the component puts
//! `RspBody`'s JSON text in the pusher URL as `roomsig`, and `/media/push` checks the ticket.

use crate::codes;
use crate::{as_u64, body_json, reply, App};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use usersig::v2::Room;

/// Largest numeric room ID TRTC accepts.
pub const MAX_ROOM_ID: u64 = 4_294_967_294;

fn refuse(code: i64, info: impl Into<String>) -> Response {
    reply(
        StatusCode::OK,
        json!({"ErrorCode": code, "ErrorInfo": info.into()}),
    )
}

pub(crate) async fn jsonvideoapp(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    for k in ["sdkappid", "identifier", "usersig", "random", "contenttype"] {
        if !q.contains_key(k) {
            return refuse(codes::BAD_PARAM, format!("query parameter {k} is missing"));
        }
    }
    if q["contenttype"] != "json" {
        return refuse(codes::BAD_PARAM, "contenttype must be json");
    }
    if q["random"].is_empty() || !q["random"].bytes().all(|b| b.is_ascii_digit()) {
        return refuse(codes::BAD_PARAM, "random must be digits");
    }
    if q["sdkappid"].parse::<u64>().ok() != Some(u64::from(app.cfg.sdk_app_id)) {
        return refuse(
            codes::APP_NOT_FOUND,
            format!("sdkappid {:?} is not this emulator's", q["sdkappid"]),
        );
    }
    let identifier = q["identifier"].as_str();
    if identifier.is_empty() {
        return refuse(codes::BAD_PARAM, "identifier is empty");
    }
    let user_sig = q["usersig"].as_str();
    if user_sig.is_empty() {
        return refuse(codes::SIG_EMPTY, "usersig is empty");
    }
    let now = usersig::unix_now();
    if let Err(e) = app.signer.verify_user_sig(user_sig, identifier, now) {
        return refuse(codes::of_sig_error(&e), format!("usersig refused: {e}"));
    }
    let Some(body) = body_json(&body) else {
        return refuse(codes::BAD_PARAM, "the body is not JSON");
    };
    let (room, seq, pmk) = match check_body(&body) {
        Ok(v) => v,
        Err(why) => return refuse(codes::BAD_PARAM, why),
    };
    if !pmk.is_empty() {
        if let Err(e) =
            app.signer
                .verify_private_map_key(&pmk, identifier, Some(&Room::Num(room)), now)
        {
            return refuse(
                codes::of_sig_error(&e),
                format!("PrivMapEncrypt (privateMapKey) refused: {e}"),
            );
        }
    }
    let ticket = match app.tickets.gen_private_map_key(
        identifier,
        app.cfg.ticket_expire,
        room,
        usersig::v2::ALL_PRIVILEGES,
        now,
    ) {
        Ok(t) => t,
        Err(e) => return refuse(codes::BAD_PARAM, format!("cannot issue a ticket: {e}")),
    };
    reply(
        StatusCode::OK,
        json!({"RspHead": {"ErrorCode": 0, "SeqNo": seq}, "RspBody": {"RoomSig": ticket}}),
    )
}

/// The room, `SeqNo` and privateMapKey of a well-formed body.
fn check_body(body: &Value) -> Result<(u32, u64, String), String> {
    let head = body
        .get("ReqHead")
        .filter(|h| h.is_object())
        .ok_or("ReqHead is missing")?;
    let req = body
        .get("ReqBody")
        .filter(|h| h.is_object())
        .ok_or("ReqBody is missing")?;
    let num = |obj: &Value, name: &str| -> Result<u64, String> {
        obj.get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{name} must be a non-negative integer"))
    };
    if num(head, "Cmd")? != 1 {
        return Err("ReqHead.Cmd must be 1".into());
    }
    if num(head, "BusType")? != 7 {
        return Err("ReqHead.BusType must be 7".into());
    }
    let seq = num(head, "SeqNo")?;
    let room = as_u64(head.get("GroupId"))
        .filter(|r| (1..=MAX_ROOM_ID).contains(r))
        .ok_or(format!(
            "ReqHead.GroupId must be a room from 1 to {MAX_ROOM_ID}"
        ))?;
    for name in ["TerminalType", "FromType", "SdkVersion"] {
        num(req, name)?;
    }
    let pmk = match req.get("PrivMapEncrypt") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("ReqBody.PrivMapEncrypt must be a string".into()),
    };
    Ok((room as u32, seq, pmk))
}
