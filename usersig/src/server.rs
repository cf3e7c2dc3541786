//! The signing service: `POST /usersig` with `{"userID", "roomID"}` (or `GET /usersig?userID=…&roomID=…`)
//! answers `{"userID", "sdkAppID", "roomID", "userSig", "privateMapKey"}`.
//!
//! The SDKAppID and secret key come from the service's configuration (a file or the environment),
//! never from a request, and are never logged or sent back.

use crate::v2::{Room, Signer};
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Longest user ID accepted, in bytes (TRTC: at most 32 bytes).
pub const MAX_USER_ID: usize = 32;
/// Largest numeric room ID TRTC accepts (the range is 1..=4294967294).
pub const MAX_ROOM_ID: u64 = 4_294_967_294;

/// What the service signs with.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(rename = "sdkAppID")]
    pub sdk_app_id: u32,
    #[serde(rename = "secretKey")]
    pub secret_key: String,
    /// userSig lifetime, seconds (default 86400).
    #[serde(default = "default_expire")]
    pub expire: u64,
    /// privateMapKey lifetime, seconds (default: same as `expire`).
    #[serde(rename = "privateMapKeyExpire", default)]
    pub private_map_key_expire: Option<u64>,
    /// Privileges granted in the room (default 255: all).
    #[serde(rename = "privilegeMap", default = "default_privilege")]
    pub privilege_map: u32,
}

fn default_expire() -> u64 {
    86_400
}
fn default_privilege() -> u32 {
    255
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("sdk_app_id", &self.sdk_app_id)
            .field("secret_key", &"<redacted>")
            .field("expire", &self.expire)
            .field("private_map_key_expire", &self.private_map_key_expire)
            .field("privilege_map", &self.privilege_map)
            .finish()
    }
}

impl Config {
    /// Reads a JSON file, or TOML when the name ends in `.toml`.
    /// Fields: `sdkAppID`, `secretKey`, optional `expire`, `privateMapKeyExpire`, `privilegeMap`.
    pub fn from_file(path: &std::path::Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let cfg: Config = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?
        } else {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Reads `USERSIG_SDKAPPID`, `USERSIG_SECRET_KEY` (or `USERSIG_SECRET_KEY_FILE`), and the
    /// optional `USERSIG_EXPIRE`, `USERSIG_PRIVATE_MAP_KEY_EXPIRE`, `USERSIG_PRIVILEGE_MAP`.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let num = |name: &str| -> Result<Option<u64>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Some)
                    .map_err(|_| format!("{name} must be a non-negative integer")),
            }
        };
        let sdk_app_id = num("USERSIG_SDKAPPID")?
            .ok_or("USERSIG_SDKAPPID is not set (or pass --config FILE)")?;
        let sdk_app_id =
            u32::try_from(sdk_app_id).map_err(|_| "USERSIG_SDKAPPID is too large".to_string())?;
        let secret_key = match (get("USERSIG_SECRET_KEY"), get("USERSIG_SECRET_KEY_FILE")) {
            (Some(k), _) => k,
            (None, Some(path)) => std::fs::read_to_string(&path)
                .map(|k| k.trim().to_string())
                .map_err(|e| format!("USERSIG_SECRET_KEY_FILE {path}: {e}"))?,
            (None, None) => {
                return Err("USERSIG_SECRET_KEY is not set (or pass --config FILE)".into())
            }
        };
        let privilege_map = match num("USERSIG_PRIVILEGE_MAP")? {
            None => default_privilege(),
            Some(p) => {
                u32::try_from(p).map_err(|_| "USERSIG_PRIVILEGE_MAP is too large".to_string())?
            }
        };
        let cfg = Config {
            sdk_app_id,
            secret_key,
            expire: num("USERSIG_EXPIRE")?.unwrap_or_else(default_expire),
            private_map_key_expire: num("USERSIG_PRIVATE_MAP_KEY_EXPIRE")?,
            privilege_map,
        };
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<(), String> {
        if self.sdk_app_id == 0 {
            return Err("sdkAppID must not be 0".into());
        }
        if self.secret_key.trim().is_empty() {
            return Err("the secret key is empty".into());
        }
        if self.expire == 0 {
            return Err("expire must be at least 1 second".into());
        }
        Ok(())
    }
}

struct AppState {
    signer: Signer,
    cfg: Config,
}

/// The service's routes: `/usersig` (GET, POST) and `/healthz` (GET).
pub fn router(cfg: Config) -> Router {
    let state = Arc::new(AppState {
        signer: Signer::new(cfg.sdk_app_id, cfg.secret_key.as_bytes()),
        cfg,
    });
    Router::new()
        .route("/usersig", get(sign_get).post(sign_post))
        .route("/healthz", get(|| async { Json(json!({"ok": true})) }))
        .fallback(|| async {
            err(
                StatusCode::NOT_FOUND,
                "not_found",
                None,
                "no such endpoint; use POST /usersig",
            )
        })
        .layer(DefaultBodyLimit::max(4096))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    cfg: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(cfg))
        .with_graceful_shutdown(shutdown)
        .await
}

fn err(status: StatusCode, code: &str, field: Option<&str>, message: &str) -> Response {
    let mut body = json!({"error": code, "message": message});
    if let Some(f) = field {
        body["field"] = json!(f);
    }
    (status, Json(body)).into_response()
}

/// The user ID rule: 1 to 32 bytes of `A-Z a-z 0-9 _ - @ .`.
pub fn check_user_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("userID is empty".into());
    }
    if id.len() > MAX_USER_ID {
        return Err(format!(
            "userID is {} bytes; at most {MAX_USER_ID}",
            id.len()
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '.')))
    {
        return Err(format!(
            "userID has {c:?}; allowed: letters, digits, '_', '-', '@', '.'"
        ));
    }
    Ok(())
}

/// Room IDs may come as JSON numbers or as decimal strings (query strings, form fields).
fn parse_room(v: Option<&Value>) -> Result<u32, String> {
    let n = match v {
        None | Some(Value::Null) => return Err("roomID is missing".into()),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse::<u64>().ok()
        }
        Some(_) => None,
    };
    match n {
        Some(n) if (1..=MAX_ROOM_ID).contains(&n) => Ok(n as u32),
        _ => Err(format!("roomID must be an integer from 1 to {MAX_ROOM_ID}")),
    }
}

fn sign(state: &AppState, input: &serde_json::Map<String, Value>) -> Response {
    let user_id = match input.get("userID") {
        Some(Value::String(s)) => s.as_str(),
        None | Some(Value::Null) => {
            return err(
                StatusCode::BAD_REQUEST,
                "invalid_user_id",
                Some("userID"),
                "userID is missing",
            )
        }
        Some(_) => {
            return err(
                StatusCode::BAD_REQUEST,
                "invalid_user_id",
                Some("userID"),
                "userID must be a string",
            )
        }
    };
    if let Err(why) = check_user_id(user_id) {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_user_id",
            Some("userID"),
            &why,
        );
    }
    let room_id = match parse_room(input.get("roomID")) {
        Ok(r) => r,
        Err(why) => {
            return err(
                StatusCode::BAD_REQUEST,
                "invalid_room_id",
                Some("roomID"),
                &why,
            )
        }
    };
    let now = crate::unix_now();
    let cfg = &state.cfg;
    let user_sig = state.signer.gen_user_sig(user_id, cfg.expire, now);
    let pmk_expire = cfg.private_map_key_expire.unwrap_or(cfg.expire);
    let private_map_key = match state.signer.gen_private_map_key_for(
        user_id,
        pmk_expire,
        Room::Num(room_id),
        cfg.privilege_map,
        now,
    ) {
        Ok(k) => k,
        Err(e) => {
            return err(
                StatusCode::INTERNAL_SERVER_ERROR,
                "sign_failed",
                None,
                &e.to_string(),
            )
        }
    };
    let mut resp = Json(json!({
        "userID": user_id,
        "sdkAppID": cfg.sdk_app_id,
        "roomID": room_id,
        "userSig": user_sig,
        "privateMapKey": private_map_key,
    }))
    .into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

async fn sign_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let input = if is_form {
        form_to_map(&String::from_utf8_lossy(&body))
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    None,
                    "the body must be a JSON object {\"userID\": \"...\", \"roomID\": 1234}",
                )
            }
        }
    };
    sign(&state, &input)
}

async fn sign_get(State(state): State<Arc<AppState>>, RawQuery(q): RawQuery) -> Response {
    sign(&state, &form_to_map(q.as_deref().unwrap_or("")))
}

fn form_to_map(q: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        // The first occurrence wins.
        m.entry(k).or_insert(Value::String(v));
    }
    m
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Resolves on Ctrl-C or SIGTERM: how a server binary is asked to stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The main loop of a server binary (`usersig-server`, the workspace's `emulator`): a runtime, a
/// listener on `bind`, the line `banner(addr)` once ready, then `serve(listener, stop)` until
/// Ctrl-C / SIGTERM. Failures are printed as `name: …` and exit with 1.
pub fn run_main<F, Fut>(
    name: &str,
    bind: String,
    banner: impl FnOnce(&str) -> String,
    serve: F,
) -> std::process::ExitCode
where
    F: FnOnce(
        tokio::net::TcpListener,
        std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    ) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<()>>,
{
    use std::process::ExitCode;
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&bind).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{name}: cannot listen on {bind}: {e}");
                return ExitCode::from(1);
            }
        };
        let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or(bind);
        println!("{}", banner(&addr));
        match serve(listener, Box::pin(shutdown_signal())).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{name}: {e}");
                ExitCode::from(1)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_id_rule() {
        for ok in ["a", "A_b-c@d.e9", &"x".repeat(32)] {
            assert!(check_user_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", &"x".repeat(33), "a b", "张三", "a&b", "a/b", "a\n"] {
            assert!(check_user_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn room_rule() {
        assert_eq!(parse_room(Some(&json!(1))), Ok(1));
        assert_eq!(parse_room(Some(&json!(4294967294u64))), Ok(4294967294));
        assert_eq!(parse_room(Some(&json!("1234"))), Ok(1234));
        for bad in [
            json!(0),
            json!(4294967295u64),
            json!(-1),
            json!(1.5),
            json!("12a"),
            json!(""),
            json!(" 1"),
            json!([1]),
            json!(null),
        ] {
            assert!(parse_room(Some(&bad)).is_err(), "{bad}");
        }
        assert!(parse_room(None).is_err());
    }

    #[test]
    fn query_decoding() {
        let m = form_to_map("userID=a%40b.c&roomID=12&userID=other&x=%zz%4%+1&y=1+2&flag");
        assert_eq!(m["userID"], "a@b.c");
        assert_eq!(m["roomID"], "12");
        assert_eq!(m["x"], "%zz%4% 1");
        assert_eq!(m["y"], "1 2");
        assert_eq!(m["flag"], "");
    }

    #[test]
    fn env_config() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = Config::from_env(env(&[
            ("USERSIG_SDKAPPID", "1400000000"),
            ("USERSIG_SECRET_KEY", "k"),
        ]))
        .unwrap();
        assert_eq!(
            (c.sdk_app_id, c.expire, c.privilege_map),
            (1400000000, 86400, 255)
        );
        assert!(!format!("{c:?}").contains("\"k\""));
        assert!(Config::from_env(env(&[("USERSIG_SECRET_KEY", "k")]))
            .unwrap_err()
            .contains("USERSIG_SDKAPPID"));
        assert!(Config::from_env(env(&[("USERSIG_SDKAPPID", "1")]))
            .unwrap_err()
            .contains("USERSIG_SECRET_KEY"));
        assert!(Config::from_env(env(&[
            ("USERSIG_SDKAPPID", "x"),
            ("USERSIG_SECRET_KEY", "k")
        ]))
        .is_err());
        assert!(Config::from_env(env(&[
            ("USERSIG_SDKAPPID", "1"),
            ("USERSIG_SECRET_KEY", "k"),
            ("USERSIG_EXPIRE", "0")
        ]))
        .is_err());
    }
}
