//! userSig v2 and privateMapKey (HMAC-SHA256 keyed with the application's secret key).
//!
//! The token is the JSON object below, written compactly with its fields in this order, then
//! zlib → base64 → `*` `-` `_` (see [`crate::codec`]):
//!
//! | field | JSON type | value |
//! | --- | --- | --- |
//! | `TLS.ver` | string | `"2.0"` |
//! | `TLS.identifier` | string | the user ID |
//! | `TLS.sdkappid` | number | the SDKAppID |
//! | `TLS.time` | number | issue time, Unix seconds |
//! | `TLS.expire` | number | lifetime in seconds (valid until `time + expire`) |
//! | `TLS.userbuf` | string | privateMapKey only: standard base64 of the binary userbuf |
//! | `TLS.sig` | string | standard base64 of the HMAC-SHA256 |
//!
//! The HMAC covers the text `TLS.identifier:{id}\nTLS.sdkappid:{app}\nTLS.time:{time}\n`
//! `TLS.expire:{expire}\n`, followed for a privateMapKey by `TLS.userbuf:{base64 userbuf}\n`.
//! Its key is the secret key string's bytes, as given (not hex-decoded).
//!
//! The userbuf (all integers big-endian):
//!
//! | bytes | field |
//! | --- | --- |
//! | 1 | version: 0 = numeric room, 1 = string room |
//! | 2 | account length `n` |
//! | n | account (the user ID) |
//! | 4 | SDKAppID |
//! | 4 | numeric room ID (0 with a string room) |
//! | 4 | absolute expiry of the room permission, Unix seconds (`now + expire`) |
//! | 4 | privilege map (255 = every privilege) |
//! | 4 | account type (0) |
//! | 2 + m | version 1 only: string room length `m`, then the string room |
//!
//! One known difference from the npm package: it writes the account and string room one byte per
//! UTF-16 code unit (keeping the low byte), so for non-ASCII IDs its userbuf is mangled; this
//! crate writes UTF-8. For ASCII IDs — all that TRTC accepts — the bytes are identical.

use crate::codec;
use crate::Error;
use hmac::{Mac, SimpleHmac};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::Sha256;

type HmacSha256 = SimpleHmac<Sha256>;

/// Every privilege bit (create, enter, send/receive audio, video, sub-stream).
pub const ALL_PRIVILEGES: u32 = 255;

/// The room a privateMapKey opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Room {
    /// Numeric room ID (TRTC: 1..=4294967294).
    Num(u32),
    /// String room ID.
    Str(String),
}

impl std::fmt::Display for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Room::Num(n) => write!(f, "{n}"),
            Room::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub identifier: String,
    pub sdkappid: u32,
    /// Issue time, Unix seconds.
    pub time: u64,
    /// Lifetime, seconds.
    pub expire: u64,
    /// The raw userbuf, if the token carries one.
    pub userbuf: Option<Vec<u8>>,
}

impl Claims {
    /// Last second at which the token is still valid.
    pub fn expires_at(&self) -> u64 {
        self.time.saturating_add(self.expire)
    }
}

/// The decoded userbuf of a privateMapKey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserBuf {
    pub account: String,
    pub sdkappid: u32,
    pub room: Room,
    /// Absolute expiry of the room permission, Unix seconds.
    pub expires_at: u32,
    pub privilege: u32,
    pub account_type: u32,
}

impl UserBuf {
    /// The binary layout described in the module docs.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let account = self.account.as_bytes();
        let acc_len = u16::try_from(account.len())
            .map_err(|_| Error::OutOfRange("userid", "at most 65535 bytes"))?;
        let (ver, auth_id, room_str) = match &self.room {
            Room::Num(n) => (0u8, *n, None),
            Room::Str(s) => {
                let len = u16::try_from(s.len())
                    .map_err(|_| Error::OutOfRange("string room", "at most 65535 bytes"))?;
                (1u8, 0, Some((len, s.as_bytes())))
            }
        };
        let mut out = Vec::with_capacity(1 + 2 + account.len() + 20 + 2 + 64);
        out.push(ver);
        out.extend_from_slice(&acc_len.to_be_bytes());
        out.extend_from_slice(account);
        for word in [
            self.sdkappid,
            auth_id,
            self.expires_at,
            self.privilege,
            self.account_type,
        ] {
            out.extend_from_slice(&word.to_be_bytes());
        }
        if let Some((len, bytes)) = room_str {
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(bytes);
        }
        Ok(out)
    }

    /// Parses the binary layout; the buffer must be consumed exactly.
    pub fn decode(buf: &[u8]) -> Result<UserBuf, Error> {
        let mut r = Reader(buf);
        let ver = r.u8()?;
        if ver > 1 {
            return Err(Error::BadUserBuf("unknown version byte"));
        }
        let acc_len = r.u16()? as usize;
        let account = String::from_utf8(r.take(acc_len)?.to_vec())
            .map_err(|_| Error::BadUserBuf("account is not UTF-8"))?;
        let sdkappid = r.u32()?;
        let auth_id = r.u32()?;
        let expires_at = r.u32()?;
        let privilege = r.u32()?;
        let account_type = r.u32()?;
        let room = if ver == 1 {
            let len = r.u16()? as usize;
            let s = String::from_utf8(r.take(len)?.to_vec())
                .map_err(|_| Error::BadUserBuf("string room is not UTF-8"))?;
            Room::Str(s)
        } else {
            Room::Num(auth_id)
        };
        if !r.0.is_empty() {
            return Err(Error::BadUserBuf("trailing bytes"));
        }
        Ok(UserBuf {
            account,
            sdkappid,
            room,
            expires_at,
            privilege,
            account_type,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.0.len() < n {
            return Err(Error::BadUserBuf("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Error> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, Error> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Field order matters: serde writes struct fields in declaration order, compactly, with the
/// same string escapes as `JSON.stringify`.
#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "TLS.ver")]
    ver: &'a str,
    #[serde(rename = "TLS.identifier")]
    identifier: &'a str,
    #[serde(rename = "TLS.sdkappid")]
    sdkappid: u32,
    #[serde(rename = "TLS.time")]
    time: u64,
    #[serde(rename = "TLS.expire")]
    expire: u64,
    #[serde(rename = "TLS.userbuf", skip_serializing_if = "Option::is_none")]
    userbuf: Option<&'a str>,
    #[serde(rename = "TLS.sig")]
    sig: &'a str,
}

/// Signs and checks v2 tokens of one application.
#[derive(Clone)]
pub struct Signer {
    sdkappid: u32,
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("sdkappid", &self.sdkappid)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Signer {
    /// `key` is the secret key exactly as the console shows it (its text is the HMAC key).
    pub fn new(sdkappid: u32, key: impl AsRef<[u8]>) -> Signer {
        Signer {
            sdkappid,
            key: key.as_ref().to_vec(),
        }
    }

    pub fn sdkappid(&self) -> u32 {
        self.sdkappid
    }

    fn mac(
        &self,
        identifier: &str,
        time: u64,
        expire: u64,
        userbuf_b64: Option<&str>,
    ) -> HmacSha256 {
        // SimpleHmac takes keys of any length; new_from_slice cannot fail for it.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC accepts any key length"),
        };
        let mut content = format!(
            "TLS.identifier:{identifier}\nTLS.sdkappid:{}\nTLS.time:{time}\nTLS.expire:{expire}\n",
            self.sdkappid
        );
        if let Some(ub) = userbuf_b64 {
            content.push_str("TLS.userbuf:");
            content.push_str(ub);
            content.push('\n');
        }
        mac.update(content.as_bytes());
        mac
    }

    fn gen(&self, identifier: &str, expire: u64, now: u64, userbuf: Option<&[u8]>) -> String {
        let ub64 = userbuf.map(codec::b64);
        let sig = codec::b64(
            &self
                .mac(identifier, now, expire, ub64.as_deref())
                .finalize()
                .into_bytes(),
        );
        let doc = Doc {
            ver: "2.0",
            identifier,
            sdkappid: self.sdkappid,
            time: now,
            expire,
            userbuf: ub64.as_deref(),
            sig: &sig,
        };
        // Serialising a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(&doc).unwrap_or_default();
        codec::wrap(&json)
    }

    /// A userSig for `identifier`, issued at `now`, valid for `expire` seconds.
    pub fn gen_user_sig(&self, identifier: &str, expire: u64, now: u64) -> String {
        self.gen(identifier, expire, now, None)
    }

    /// A privateMapKey letting `identifier` into numeric room `room_id` with `privilege`
    /// (see [`ALL_PRIVILEGES`]), issued at `now`, valid for `expire` seconds.
    pub fn gen_private_map_key(
        &self,
        identifier: &str,
        expire: u64,
        room_id: u32,
        privilege: u32,
        now: u64,
    ) -> Result<String, Error> {
        self.gen_private_map_key_for(identifier, expire, Room::Num(room_id), privilege, now)
    }

    /// Same as [`Signer::gen_private_map_key`] for any [`Room`] (numeric or string).
    pub fn gen_private_map_key_for(
        &self,
        identifier: &str,
        expire: u64,
        room: Room,
        privilege: u32,
        now: u64,
    ) -> Result<String, Error> {
        let expires_at = now
            .checked_add(expire)
            .and_then(|t| u32::try_from(t).ok())
            .ok_or(Error::OutOfRange(
                "now + expire",
                "must fit 32 bits (before 2106)",
            ))?;
        let ub = UserBuf {
            account: identifier.to_owned(),
            sdkappid: self.sdkappid,
            room,
            expires_at,
            privilege,
            account_type: 0,
        }
        .encode()?;
        Ok(self.gen(identifier, expire, now, Some(&ub)))
    }

    /// Checks the signature, the user, the application and the expiry of a v2 token (a userSig
    /// or a privateMapKey) at time `now`.
    pub fn verify(&self, token: &str, identifier: &str, now: u64) -> Result<Claims, Error> {
        let map = codec::unwrap_object(token)?;
        if codec::str_field(&map, "TLS.ver")? != "2.0" {
            return Err(Error::BadField("TLS.ver", "\"2.0\""));
        }
        let found_id = codec::str_field(&map, "TLS.identifier")?;
        let sdkappid = u64_field(&map, "TLS.sdkappid")?;
        let time = u64_field(&map, "TLS.time")?;
        let expire = u64_field(&map, "TLS.expire")?;
        let sig = codec::unb64(codec::str_field(&map, "TLS.sig")?)
            .map_err(|_| Error::BadField("TLS.sig", "base64"))?;
        let ub64 = match map.get("TLS.userbuf") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(Error::BadField("TLS.userbuf", "a string")),
        };
        let userbuf = match ub64 {
            Some(s) => Some(codec::unb64(s).map_err(|_| Error::BadField("TLS.userbuf", "base64"))?),
            None => None,
        };
        // The signature first: nothing else in the token is trusted until it checks out.
        // The MAC is computed with our own sdkappid, so a token of another app fails here too,
        // but say which it is when it is visible.
        if sdkappid != u64::from(self.sdkappid) {
            return Err(Error::SdkAppIdMismatch {
                expected: self.sdkappid,
                found: sdkappid,
            });
        }
        self.mac(found_id, time, expire, ub64)
            .verify_slice(&sig)
            .map_err(|_| Error::BadSignature)?;
        if found_id != identifier {
            return Err(Error::IdentifierMismatch {
                expected: identifier.to_owned(),
                found: found_id.to_owned(),
            });
        }
        let claims = Claims {
            identifier: found_id.to_owned(),
            sdkappid: self.sdkappid,
            time,
            expire,
            userbuf,
        };
        if claims.expires_at() < now {
            return Err(Error::Expired {
                expired_at: claims.expires_at(),
                now,
            });
        }
        Ok(claims)
    }

    /// Checks a userSig (a token without userbuf).
    pub fn verify_user_sig(
        &self,
        token: &str,
        identifier: &str,
        now: u64,
    ) -> Result<Claims, Error> {
        let claims = self.verify(token, identifier, now)?;
        if claims.userbuf.is_some() {
            return Err(Error::BadField("TLS.userbuf", "absent in a userSig"));
        }
        Ok(claims)
    }

    /// Checks a privateMapKey: the token as [`Signer::verify`], then its userbuf (same user and
    /// application, permission not expired, and the room if `room` is given).
    pub fn verify_private_map_key(
        &self,
        token: &str,
        identifier: &str,
        room: Option<&Room>,
        now: u64,
    ) -> Result<(Claims, UserBuf), Error> {
        let claims = self.verify(token, identifier, now)?;
        let raw = claims.userbuf.as_deref().ok_or(Error::NoUserBuf)?;
        let ub = UserBuf::decode(raw)?;
        if ub.account != identifier {
            return Err(Error::IdentifierMismatch {
                expected: identifier.to_owned(),
                found: ub.account,
            });
        }
        if ub.sdkappid != self.sdkappid {
            return Err(Error::SdkAppIdMismatch {
                expected: self.sdkappid,
                found: ub.sdkappid.into(),
            });
        }
        if u64::from(ub.expires_at) < now {
            return Err(Error::Expired {
                expired_at: ub.expires_at.into(),
                now,
            });
        }
        if let Some(want) = room {
            if *want != ub.room {
                return Err(Error::RoomMismatch {
                    expected: want.to_string(),
                    found: ub.room.to_string(),
                });
            }
        }
        Ok((claims, ub))
    }
}

/// Reads a v2 token's JSON without checking anything (for inspection and debugging).
pub fn decode_unverified(token: &str) -> Result<Map<String, Value>, Error> {
    codec::unwrap_object(token)
}

fn u64_field(map: &Map<String, Value>, name: &'static str) -> Result<u64, Error> {
    match map.get(name) {
        None => Err(Error::MissingField(name)),
        Some(v) => v
            .as_u64()
            .ok_or(Error::BadField(name, "a non-negative integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn signer() -> Signer {
        Signer::new(1_400_000_001, "test-secret-key-not-a-real-one")
    }

    #[test]
    fn user_sig_round_trip_and_expiry() {
        let s = signer();
        let t = s.gen_user_sig("alice", 600, NOW);
        let c = s.verify_user_sig(&t, "alice", NOW).unwrap();
        assert_eq!((c.time, c.expire, c.expires_at()), (NOW, 600, NOW + 600));
        assert!(
            s.verify_user_sig(&t, "alice", NOW + 600).is_ok(),
            "valid through its last second"
        );
        assert_eq!(
            s.verify_user_sig(&t, "alice", NOW + 601),
            Err(Error::Expired {
                expired_at: NOW + 600,
                now: NOW + 601
            })
        );
        assert!(matches!(
            s.verify_user_sig(&t, "bob", NOW),
            Err(Error::IdentifierMismatch { .. })
        ));
        assert_eq!(
            Signer::new(1_400_000_001, "other").verify_user_sig(&t, "alice", NOW),
            Err(Error::BadSignature)
        );
        assert!(matches!(
            Signer::new(1_400_000_002, "test-secret-key-not-a-real-one")
                .verify_user_sig(&t, "alice", NOW),
            Err(Error::SdkAppIdMismatch { .. })
        ));
        assert_eq!(
            s.verify_private_map_key(&t, "alice", None, NOW),
            Err(Error::NoUserBuf)
        );
    }

    #[test]
    fn deterministic() {
        let s = signer();
        assert_eq!(s.gen_user_sig("a", 1, NOW), s.gen_user_sig("a", 1, NOW));
        assert_ne!(s.gen_user_sig("a", 1, NOW), s.gen_user_sig("a", 1, NOW + 1));
    }

    #[test]
    fn private_map_key_round_trip() {
        let s = signer();
        let t = s.gen_private_map_key("alice", 300, 1234, 255, NOW).unwrap();
        let (c, ub) = s
            .verify_private_map_key(&t, "alice", Some(&Room::Num(1234)), NOW)
            .unwrap();
        assert_eq!(c.expire, 300);
        assert_eq!(
            ub,
            UserBuf {
                account: "alice".into(),
                sdkappid: 1_400_000_001,
                room: Room::Num(1234),
                expires_at: (NOW + 300) as u32,
                privilege: 255,
                account_type: 0
            }
        );
        assert!(matches!(
            s.verify_private_map_key(&t, "alice", Some(&Room::Num(1235)), NOW),
            Err(Error::RoomMismatch { .. })
        ));
        assert!(matches!(
            s.verify_private_map_key(&t, "alice", None, NOW + 301),
            Err(Error::Expired { .. })
        ));
        assert!(matches!(
            s.verify_user_sig(&t, "alice", NOW),
            Err(Error::BadField("TLS.userbuf", _))
        ));

        let t = s
            .gen_private_map_key_for("bob", 60, Room::Str("room-α".into()), 42, NOW)
            .unwrap();
        let (_, ub) = s
            .verify_private_map_key(&t, "bob", Some(&Room::Str("room-α".into())), NOW)
            .unwrap();
        assert_eq!(ub.privilege, 42);
        assert_eq!(
            s.gen_private_map_key("x", u64::MAX, 1, 1, NOW),
            Err(Error::OutOfRange(
                "now + expire",
                "must fit 32 bits (before 2106)"
            ))
        );
    }

    #[test]
    fn userbuf_layout() {
        let ub = UserBuf {
            account: "ab".into(),
            sdkappid: 0x01020304,
            room: Room::Num(0x0a0b0c0d),
            expires_at: 0x11121314,
            privilege: 255,
            account_type: 0,
        };
        let bytes = ub.encode().unwrap();
        assert_eq!(
            bytes,
            [
                0, 0, 2, b'a', b'b', 1, 2, 3, 4, 10, 11, 12, 13, 0x11, 0x12, 0x13, 0x14, 0, 0, 0,
                255, 0, 0, 0, 0
            ]
        );
        assert_eq!(UserBuf::decode(&bytes).unwrap(), ub);
        for n in 0..bytes.len() {
            assert_eq!(
                UserBuf::decode(&bytes[..n]),
                Err(Error::BadUserBuf("truncated"))
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            UserBuf::decode(&long),
            Err(Error::BadUserBuf("trailing bytes"))
        );
        let mut v9 = bytes;
        v9[0] = 9;
        assert_eq!(
            UserBuf::decode(&v9),
            Err(Error::BadUserBuf("unknown version byte"))
        );
    }

    /// Re-signs a modified JSON document with the right key, so that only the checked property
    /// differs.
    fn forge(s: &Signer, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut map = decode_unverified(&s.gen_user_sig("alice", 600, NOW)).unwrap();
        edit(&mut map);
        codec::wrap(&serde_json::to_vec(&Value::Object(map)).unwrap())
    }

    #[test]
    fn tampering_is_detected() {
        let s = signer();
        let t = forge(&s, |m| {
            m.insert("TLS.expire".into(), 6_000_000.into());
        });
        assert_eq!(
            s.verify_user_sig(&t, "alice", NOW),
            Err(Error::BadSignature)
        );
        let t = forge(&s, |m| {
            m.insert("TLS.identifier".into(), "mallory".into());
        });
        assert_eq!(
            s.verify_user_sig(&t, "mallory", NOW),
            Err(Error::BadSignature)
        );
        let t = forge(&s, |m| {
            m.insert("TLS.userbuf".into(), "AAAA".into());
        });
        assert_eq!(s.verify(&t, "alice", NOW), Err(Error::BadSignature));
        let t = forge(&s, |m| {
            m.insert("TLS.ver".into(), "1.0".into());
        });
        assert!(matches!(
            s.verify(&t, "alice", NOW),
            Err(Error::BadField("TLS.ver", _))
        ));
        let t = forge(&s, |m| {
            m.remove("TLS.sig");
        });
        assert_eq!(
            s.verify(&t, "alice", NOW),
            Err(Error::MissingField("TLS.sig"))
        );
        let t = forge(&s, |m| {
            m.insert("TLS.time".into(), "1700000000".into());
        });
        assert!(matches!(
            s.verify(&t, "alice", NOW),
            Err(Error::BadField("TLS.time", _))
        ));
        let t = forge(&s, |m| {
            m.insert("TLS.time".into(), (-5).into());
        });
        assert!(matches!(
            s.verify(&t, "alice", NOW),
            Err(Error::BadField("TLS.time", _))
        ));
    }

    #[test]
    fn malformed_tokens_are_errors() {
        let s = signer();
        let good = s.gen_user_sig("alice", 600, NOW);
        for bad in ["", "!!!!", "eJw_", &good[..good.len() / 2], "aGVsbG8_"] {
            assert!(s.verify(bad, "alice", NOW).is_err(), "{bad:?}");
        }
        // Every single-character change of a valid token is rejected (never accepted, never a panic).
        let alphabet: Vec<char> = "ABCabc019*-_".chars().collect();
        for i in 0..good.len() {
            for &c in &alphabet {
                let mut t: Vec<char> = good.chars().collect();
                if t[i] == c {
                    continue;
                }
                t[i] = c;
                let t: String = t.into_iter().collect();
                if let Ok(c) = s.verify(&t, "alice", NOW) {
                    // Only possible if the change fell in padding or was a no-op for base64.
                    assert_eq!(c.identifier, "alice");
                    assert_eq!(codec::unwrap(&t).unwrap(), codec::unwrap(&good).unwrap());
                }
            }
        }
    }
}
