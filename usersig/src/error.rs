use std::fmt;

/// Everything that can go wrong making or checking a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The token is not valid TLS base64 (standard alphabet with `*`, `-`, `_` for `+`, `/`, `=`).
    Base64,
    /// The decoded token is not a zlib stream, or it inflates to more than the size limit.
    Zlib,
    /// The inflated token is not a JSON object.
    Json,
    /// A field the scheme requires is missing from the token.
    MissingField(&'static str),
    /// A field is present but of the wrong type or value (name, what was expected).
    BadField(&'static str, &'static str),
    /// The token was made for another user.
    IdentifierMismatch { expected: String, found: String },
    /// The token was made for another application.
    SdkAppIdMismatch { expected: u32, found: u64 },
    /// The signature does not match the content: tampered, or another key.
    BadSignature,
    /// The token (or the room permission inside it) expired at `expired_at`, before `now`.
    Expired { expired_at: u64, now: u64 },
    /// A privateMapKey was expected but the token carries no userbuf.
    NoUserBuf,
    /// The userbuf is truncated, too long or has an unknown version.
    BadUserBuf(&'static str),
    /// The userbuf names a different room than the one asked about.
    RoomMismatch { expected: String, found: String },
    /// A value does not fit the binary layout (name, limit).
    OutOfRange(&'static str, &'static str),
    /// A PEM key could not be read.
    Key(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Base64 => write!(f, "not a TLS-base64 token"),
            Error::Zlib => write!(f, "token does not inflate (not zlib, or too large)"),
            Error::Json => write!(f, "token content is not a JSON object"),
            Error::MissingField(name) => write!(f, "token has no {name} field"),
            Error::BadField(name, want) => write!(f, "token field {name} is not {want}"),
            Error::IdentifierMismatch { expected, found } => {
                write!(f, "token is for user {found:?}, not {expected:?}")
            }
            Error::SdkAppIdMismatch { expected, found } => {
                write!(f, "token is for sdkAppID {found}, not {expected}")
            }
            Error::BadSignature => {
                write!(f, "signature does not match (tampered token or wrong key)")
            }
            Error::Expired { expired_at, now } => {
                write!(
                    f,
                    "expired at {expired_at}, {} s before now ({now})",
                    now - expired_at
                )
            }
            Error::NoUserBuf => write!(
                f,
                "token carries no userbuf: it is a userSig, not a privateMapKey"
            ),
            Error::BadUserBuf(why) => write!(f, "bad userbuf: {why}"),
            Error::RoomMismatch { expected, found } => {
                write!(f, "privateMapKey is for room {found}, not {expected}")
            }
            Error::OutOfRange(name, limit) => write!(f, "{name} out of range: {limit}"),
            Error::Key(why) => write!(f, "bad key: {why}"),
        }
    }
}

impl std::error::Error for Error {}
