//! A local stand-in for the Tencent endpoints the `<webrtc-room>` component talks to, for tests
//! and for trying the demo on one computer. Point the component's `apiBase` at it.
//!
//! * [`sig`]: `POST /v4/openim/jsonvideoapp`, the room signature. The `usersig` query value is
//!   checked with the [`usersig`] crate (v2); the reply's `RspBody` carries a room ticket the
//!   emulator signs itself, which becomes the `roomsig` of the live-pusher URL.
//! * [`media`]: the emulator's own room-membership API, spoken by the test stand-ins of
//!   `<live-pusher>` / `<live-player>` (no real audio or video is involved): `/media/push`,
//!   `/media/events`, `/media/stop`, `/media/kick`, `/media/play`.
//! * [`im`]: the webim v4 calls the core makes (login, both long polls, AVChatRoom create/join,
//!   C2C and group sends, logout), with real fan-out between the logged-in clients, and the
//!   [`profile`]s (nick, portrait) that Tencent's own webim SDK reads at login.
//!
//! Everything lives in memory; long polls are held for a bounded, configurable time.
//! See `emulator/README.md`.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use usersig::v2::Signer;

pub mod codes;
pub mod im;
pub mod media;
pub mod profile;
pub mod sig;

/// What the emulator checks signatures with, and how long it holds long polls.
#[derive(Clone)]
pub struct Config {
    pub sdk_app_id: u32,
    /// The v2 secret key (the same one the signing service uses).
    pub secret_key: String,
    /// Longest hold of the IM long polls (the client may ask for less).
    pub im_hold: Duration,
    /// Hold of `GET /media/events`.
    pub media_hold: Duration,
    /// Lifetime of the room tickets `jsonvideoapp` issues, seconds.
    pub ticket_expire: u64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("sdk_app_id", &self.sdk_app_id)
            .field("secret_key", &"<redacted>")
            .field("im_hold", &self.im_hold)
            .field("media_hold", &self.media_hold)
            .field("ticket_expire", &self.ticket_expire)
            .finish()
    }
}

impl Config {
    /// Defaults: IM polls held up to 20 s, media events 10 s, room tickets valid one day.
    pub fn new(sdk_app_id: u32, secret_key: impl Into<String>) -> Config {
        Config {
            sdk_app_id,
            secret_key: secret_key.into(),
            im_hold: Duration::from_secs(20),
            media_hold: Duration::from_secs(10),
            ticket_expire: 86_400,
        }
    }
}

/// Shared state of one emulator.
pub(crate) struct App {
    pub(crate) cfg: Config,
    /// Checks userSig / privateMapKey.
    pub(crate) signer: Signer,
    /// Signs room tickets: a v2 privateMapKey-shaped token under a key derived from the secret
    /// key, so a ticket is never mistaken for (or usable as) a real privateMapKey.
    pub(crate) tickets: Signer,
    ids: Ids,
    state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) media: media::Media,
    pub(crate) im: im::Im,
}

impl App {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An unguessable token (32 hex digits).
    pub(crate) fn token(&self) -> String {
        self.ids.token()
    }
}

/// Tokens: a counter hashed with SipHash under the process's random `RandomState` keys.
struct Ids {
    keys: RandomState,
    counter: AtomicU64,
}

impl Ids {
    fn token(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let a = self.keys.hash_one(n);
        let b = self.keys.hash_one((a, n, "second half"));
        format!("{a:016x}{b:016x}")
    }
}

/// All routes.
pub fn router(cfg: Config) -> Router {
    let app = Arc::new(App {
        signer: Signer::new(cfg.sdk_app_id, cfg.secret_key.as_bytes()),
        tickets: Signer::new(
            cfg.sdk_app_id,
            format!("webrtc-room-emulator room ticket\n{}", cfg.secret_key),
        ),
        cfg,
        ids: Ids {
            keys: RandomState::new(),
            counter: AtomicU64::new(1),
        },
        state: Mutex::new(State::default()),
    });
    Router::new()
        .route("/v4/openim/jsonvideoapp", post(sig::jsonvideoapp))
        .route("/media/push", post(media::push))
        .route("/media/events", get(media::events))
        .route("/media/stop", post(media::stop))
        .route("/media/kick", post(media::kick))
        .route("/media/play", get(media::play))
        .route("/media/stream", post(media::stream))
        .route("/healthz", get(|| async { Json(json!({"ok": true})) }))
        .route("/{ver}/{service}/{cmd}", post(im::dispatch))
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/v4/") || uri.path().starts_with("/v1/") {
                // A webim-looking URL that is not `/{ver}/{service}/{command}`: Tencent's answer
                // to what it cannot route (HTTP 200).
                return im::unknown_command(uri.path());
            }
            reply(
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "message": "no such endpoint (see emulator/README.md)"}),
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(app)
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

/// A request body as JSON (whatever the content type says); `None` when it is not JSON.
pub(crate) fn body_json(body: &Bytes) -> Option<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(json!({}));
    }
    serde_json::from_slice(body).ok()
}

/// A JSON reply with a status.
pub(crate) fn reply(status: StatusCode, v: Value) -> Response {
    (status, Json(v)).into_response()
}

/// `encodeURIComponent` for the play URLs the emulator hands out.
pub(crate) fn encode_component(s: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const SET: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    utf8_percent_encode(s, SET).to_string()
}

/// The query of a URL (`room://…?a=b&c=d`) decoded as a server does (`+` is a space).
/// `None` when a key repeats or an escape is not UTF-8.
pub(crate) fn url_query(url: &str) -> Option<Vec<(String, String)>> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let q = q.split('#').next().unwrap_or("");
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (k, v) = (dec(k)?, dec(v)?);
        if out.iter().any(|(seen, _)| *seen == k) {
            return None;
        }
        out.push((k, v));
    }
    Some(out)
}

/// The value of `key` in a query that [`url_query`] decoded.
pub(crate) fn query_get<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A JSON value as an unsigned integer: a number, or a string of digits.
pub(crate) fn as_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s)
            if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// The play URL of `user` in `room`.
pub fn play_url(sdk_app_id: u32, room: u32, user: &str) -> String {
    format!(
        "room://cloud.tencent.com?sdkappid={sdk_app_id}&roomid={room}&userid={}",
        encode_component(user)
    )
}
