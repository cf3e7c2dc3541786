//! The error codes the emulator answers with, taken from Tencent Cloud IM's public error-code
//! table (the TLS / account codes 70xxx, the REST and webim codes 60xxx, 9xxxx, 2xxxx and the
//! group codes 10xxx). Where the table has no exact case, the closest code is used and the
//! `ErrorInfo` text says what the emulator found; each such choice is marked "closest fit".

use usersig::Error;

/// userSig expired.
pub const SIG_EXPIRED: i64 = 70001;
/// userSig is empty.
pub const SIG_EMPTY: i64 = 70002;
/// userSig cannot be decoded (not TLS base64, not zlib, not the token JSON, a field missing).
pub const SIG_INVALID: i64 = 70003;
/// The signature does not check out with the application's key (forged, tampered, other key).
pub const SIG_VERIFY_FAILED: i64 = 70009;
/// The userSig was made for another identifier.
pub const SIG_WRONG_USER: i64 = 70013;
/// The userSig was made for another SDKAppID.
pub const SIG_WRONG_APP: i64 = 70014;
/// The SDKAppID in the request is not this emulator's.
pub const APP_NOT_FOUND: i64 = 70020;
/// A parameter of the request is invalid (query or body shape).
pub const BAD_PARAM: i64 = 70402;
/// Unknown command: what Tencent answers (HTTP 200) for a URL it cannot route, e.g. the bare
/// host: `{"ActionStatus":"FAIL","ErrorCode":60002,"ErrorInfo":"HTTP parse Error"}`.
pub const UNKNOWN_COMMAND: i64 = 60002;
/// The body is not JSON.
pub const BAD_JSON: i64 = 60003;
/// The account or session tokens in the URL (tinyid, a2) are wrong or logged out.
pub const BAD_SESSION: i64 = 60004;
/// A long poll ended its hold without anything to deliver (normal; poll again).
pub const POLL_TIMEOUT: i64 = 60008;
/// The same identifier logged in again elsewhere: this session is over.
pub const KICKED: i64 = 91101;
/// openim body is not a valid request (closest fit: "JSON format parse failed").
pub const C2C_BAD_BODY: i64 = 90001;
/// `MsgBody` does not describe message elements.
pub const C2C_BAD_MSG_BODY: i64 = 90002;
/// Sender or receiver account invalid.
pub const C2C_BAD_ACCOUNT: i64 = 20003;
/// Group request parameters invalid.
pub const GROUP_BAD_PARAM: i64 = 10004;
/// No permission (not a member of the group, not the account of the session).
pub const GROUP_NO_PERMISSION: i64 = 10007;
/// The group does not exist.
pub const GROUP_NOT_FOUND: i64 = 10010;
/// The group ID is already in use (by someone else).
pub const GROUP_ID_IN_USE: i64 = 10021;
/// The group ID is already in use, and the caller owns it.
pub const GROUP_ID_OWNED: i64 = 10025;
/// Profile request fields missing or of the wrong shape ("Err_Profile_Comm_Decode_Fail").
pub const PROFILE_BAD_REQUEST: i64 = 40001;
/// The account does not exist (here: has never logged in).
pub const PROFILE_NO_ACCOUNT: i64 = 40003;
/// Acting on another account's profile needs the app administrator (closest fit for a webim
/// session setting someone else's profile).
pub const PROFILE_NEEDS_ADMIN: i64 = 40004;
/// The profile tag does not exist.
pub const PROFILE_NO_SUCH_TAG: i64 = 40009;
/// A profile value is longer than 500 bytes.
pub const PROFILE_VALUE_TOO_LONG: i64 = 40601;
/// A profile value is not of the tag's type.
pub const PROFILE_VALUE_TYPE: i64 = 40610;

/// The TLS code for a failed userSig / privateMapKey check.
pub fn of_sig_error(e: &Error) -> i64 {
    match e {
        Error::Expired { .. } => SIG_EXPIRED,
        Error::BadSignature => SIG_VERIFY_FAILED,
        Error::IdentifierMismatch { .. } => SIG_WRONG_USER,
        Error::SdkAppIdMismatch { .. } => SIG_WRONG_APP,
        // Closest fit for a privateMapKey of another room: the token does not allow this request.
        Error::RoomMismatch { .. } => SIG_VERIFY_FAILED,
        Error::Base64
        | Error::Zlib
        | Error::Json
        | Error::MissingField(_)
        | Error::BadField(..)
        | Error::NoUserBuf
        | Error::BadUserBuf(_)
        | Error::OutOfRange(..)
        | Error::Key(_) => SIG_INVALID,
    }
}
