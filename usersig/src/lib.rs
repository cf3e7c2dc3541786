//! Tencent TRTC / IM signatures, made and checked on a server.
//!
//! * [`v2`]: the current `userSig` (HMAC-SHA256 keyed with the application's secret key) and
//!   `privateMapKey` (the same token carrying a binary "userbuf" that names one room and the
//!   privileges in it). Output is the same token the npm package `tls-sig-api-v2` 1.0.2 makes.
//! * [`v1`]: the older `userSig` signed with ECDSA P-256 / SHA-256 using the console's
//!   `private_key` PEM, checked with its `public_key` PEM.
//! * [`server`]: the HTTP signing service behind the binary `usersig-server`.
//!
//! Every function takes the current time (`now`, Unix seconds) as an argument, so that outputs
//! are reproducible and expiry is testable; the binaries pass the wall clock.
//! No function panics on bad input: malformed tokens, keys and PEM files come back as [`Error`].

pub mod codec;
mod error;
pub mod server;
pub mod v1;
pub mod v2;

pub use error::Error;

/// Seconds since the Unix epoch, by the wall clock (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
