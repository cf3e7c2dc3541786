//! userSig v1: ECDSA over P-256 with SHA-256, signed with the console's `private_key` PEM and
//! checked with its `public_key` PEM.
//!
//! The token is a JSON object whose values are all strings, in this order, written the way
//! Python's `json.dumps` writes by default (`", "` and `": "` separators, non-ASCII as `\uXXXX`):
//! `TLS.account_type` (`"0"`), `TLS.identifier`, `TLS.appid_at_3rd` (`""`), `TLS.sdk_appid`,
//! `TLS.expire_after` (lifetime, seconds), `TLS.version` (`"20151204"`), `TLS.time` (issue time,
//! Unix seconds), `TLS.sig` (standard base64 of the DER-encoded ECDSA signature). Then zlib →
//! base64 → `*` `-` `_`, as in [`crate::codec`].
//!
//! The signed text is six `name:value\n` lines in a fixed order that differs from the JSON's:
//! `TLS.appid_at_3rd`, `TLS.account_type`, `TLS.identifier`, `TLS.sdk_appid`, `TLS.time`,
//! `TLS.expire_after`.

use crate::codec;
use crate::Error;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use serde_json::{Map, Value};

/// The `TLS.version` value of v1 tokens.
pub const VERSION: &str = "20151204";

/// What a verified v1 token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub identifier: String,
    pub sdkappid: u32,
    pub time: u64,
    pub expire: u64,
    pub account_type: String,
    pub appid_at_3rd: String,
}

impl Claims {
    pub fn expires_at(&self) -> u64 {
        self.time.saturating_add(self.expire)
    }
}

fn content(
    appid_at_3rd: &str,
    account_type: &str,
    identifier: &str,
    sdkappid: &str,
    time: &str,
    expire: &str,
) -> String {
    format!(
        "TLS.appid_at_3rd:{appid_at_3rd}\nTLS.account_type:{account_type}\nTLS.identifier:{identifier}\n\
         TLS.sdk_appid:{sdkappid}\nTLS.time:{time}\nTLS.expire_after:{expire}\n"
    )
}

/// A JSON string literal as Python's `json.dumps` writes it (ensure_ascii).
fn py_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Reads the first PEM block whose label is one of `labels`, tolerating blank lines, trailing
/// spaces and other blocks around it (the console's files may carry an `EC PARAMETERS` block).
fn pem_block(pem: &str, labels: &[&str]) -> Option<(String, String)> {
    let lines: Vec<&str> = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for (i, line) in lines.iter().enumerate() {
        for label in labels {
            if *line == format!("-----BEGIN {label}-----") {
                let end = format!("-----END {label}-----");
                let stop = lines[i + 1..].iter().position(|l| *l == end)?;
                let body = lines[i + 1..i + 1 + stop].join("\n");
                return Some((label.to_string(), format!("{line}\n{body}\n{end}\n")));
            }
        }
    }
    None
}

/// Signs v1 tokens of one application.
#[derive(Clone)]
pub struct Signer {
    sdkappid: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("v1::Signer")
            .field("sdkappid", &self.sdkappid)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Signer {
    /// Reads a P-256 private key PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1
    /// (`BEGIN EC PRIVATE KEY`, possibly after a `BEGIN EC PARAMETERS` block).
    pub fn from_pem(sdkappid: u32, pem: &str) -> Result<Signer, Error> {
        let key = match pem_block(pem, &["PRIVATE KEY", "EC PRIVATE KEY"]) {
            Some((label, block)) if label == "PRIVATE KEY" => SigningKey::from_pkcs8_pem(&block)
                .map_err(|e| Error::Key(format!("PKCS#8 private key: {e} (is it a P-256 key?)")))?,
            Some((_, block)) => p256::SecretKey::from_sec1_pem(&block)
                .map(SigningKey::from)
                .map_err(|e| {
                    Error::Key(format!("SEC1 EC private key: {e} (is it a P-256 key?)"))
                })?,
            None => {
                return Err(Error::Key(
                    "no \"BEGIN PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\" block found".into(),
                ))
            }
        };
        Ok(Signer { sdkappid, key })
    }

    /// The matching verifier (public half of the key).
    pub fn verifier(&self) -> Verifier {
        Verifier {
            sdkappid: self.sdkappid,
            key: *self.key.verifying_key(),
        }
    }

    /// A v1 userSig for `identifier`, issued at `now`, valid for `expire` seconds.
    /// The ECDSA nonce is derived from the key and message (RFC 6979), so output is reproducible.
    pub fn gen_user_sig(&self, identifier: &str, expire: u64, now: u64) -> String {
        let (sdkappid, time, expire) = (
            self.sdkappid.to_string(),
            now.to_string(),
            expire.to_string(),
        );
        let text = content("", "0", identifier, &sdkappid, &time, &expire);
        let sig: DerSignature = self.key.sign(text.as_bytes());
        let sig = codec::b64(sig.as_bytes());
        let mut json = String::with_capacity(256);
        let fields: [(&str, &str); 8] = [
            ("TLS.account_type", "0"),
            ("TLS.identifier", identifier),
            ("TLS.appid_at_3rd", ""),
            ("TLS.sdk_appid", &sdkappid),
            ("TLS.expire_after", &expire),
            ("TLS.version", VERSION),
            ("TLS.time", &time),
            ("TLS.sig", &sig),
        ];
        json.push('{');
        for (i, (name, value)) in fields.iter().enumerate() {
            if i > 0 {
                json.push_str(", ");
            }
            py_json_str(name, &mut json);
            json.push_str(": ");
            py_json_str(value, &mut json);
        }
        json.push('}');
        codec::wrap(json.as_bytes())
    }
}

/// Checks v1 tokens of one application.
#[derive(Clone, Debug)]
pub struct Verifier {
    sdkappid: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// Reads a P-256 public key PEM (`BEGIN PUBLIC KEY`, SubjectPublicKeyInfo).
    pub fn from_pem(sdkappid: u32, pem: &str) -> Result<Verifier, Error> {
        let (_, block) = pem_block(pem, &["PUBLIC KEY"])
            .ok_or_else(|| Error::Key("no \"BEGIN PUBLIC KEY\" block found".into()))?;
        let key = VerifyingKey::from_public_key_pem(&block)
            .map_err(|e| Error::Key(format!("public key: {e} (is it a P-256 key?)")))?;
        Ok(Verifier { sdkappid, key })
    }

    /// Checks the signature, user, application and expiry of a v1 token at time `now`.
    pub fn verify(&self, token: &str, identifier: &str, now: u64) -> Result<Claims, Error> {
        let map = codec::unwrap_object(token)?;
        let account_type = text_field(&map, "TLS.account_type")?;
        let found_id = codec::str_field(&map, "TLS.identifier")?;
        let appid_at_3rd = text_field(&map, "TLS.appid_at_3rd")?;
        let sdkappid = text_field(&map, "TLS.sdk_appid")?;
        let time = text_field(&map, "TLS.time")?;
        let expire = text_field(&map, "TLS.expire_after")?;
        let sig = codec::unb64(codec::str_field(&map, "TLS.sig")?)
            .map_err(|_| Error::BadField("TLS.sig", "base64"))?;
        let sig = match Signature::from_der(&sig) {
            Ok(s) => s,
            Err(_) => Signature::from_slice(&sig)
                .map_err(|_| Error::BadField("TLS.sig", "an ECDSA signature"))?,
        };
        let text = content(
            &appid_at_3rd,
            &account_type,
            found_id,
            &sdkappid,
            &time,
            &expire,
        );
        self.key
            .verify(text.as_bytes(), &sig)
            .map_err(|_| Error::BadSignature)?;
        if found_id != identifier {
            return Err(Error::IdentifierMismatch {
                expected: identifier.to_owned(),
                found: found_id.to_owned(),
            });
        }
        let num = |name: &'static str, v: &str| {
            v.parse::<u64>()
                .map_err(|_| Error::BadField(name, "a decimal integer"))
        };
        let found_app = num("TLS.sdk_appid", &sdkappid)?;
        if found_app != u64::from(self.sdkappid) {
            return Err(Error::SdkAppIdMismatch {
                expected: self.sdkappid,
                found: found_app,
            });
        }
        let claims = Claims {
            identifier: found_id.to_owned(),
            sdkappid: self.sdkappid,
            time: num("TLS.time", &time)?,
            expire: num("TLS.expire_after", &expire)?,
            account_type,
            appid_at_3rd,
        };
        if claims.expires_at() < now {
            return Err(Error::Expired {
                expired_at: claims.expires_at(),
                now,
            });
        }
        Ok(claims)
    }
}

/// A field that the signed text quotes verbatim: a string, or (leniently) an integer.
fn text_field(map: &Map<String, Value>, name: &'static str) -> Result<String, Error> {
    match map.get(name) {
        None => Err(Error::MissingField(name)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.to_string()),
        Some(_) => Err(Error::BadField(name, "a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    const NOW: u64 = 1_700_000_000;

    fn keys(seed: u8) -> (String, String) {
        let sk = p256::SecretKey::from_slice(&[seed; 32]).unwrap();
        let private = sk.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public = sk.public_key().to_public_key_pem(LineEnding::LF).unwrap();
        (private, public)
    }

    #[test]
    fn round_trip_expiry_wrong_key() {
        let (private, public) = keys(7);
        let s = Signer::from_pem(1_400_000_000, &private).unwrap();
        let v = Verifier::from_pem(1_400_000_000, &public).unwrap();
        let t = s.gen_user_sig("alice", 600, NOW);
        assert_eq!(
            t,
            s.gen_user_sig("alice", 600, NOW),
            "RFC 6979: deterministic"
        );
        let c = v.verify(&t, "alice", NOW + 600).unwrap();
        assert_eq!((c.time, c.expire, c.account_type.as_str()), (NOW, 600, "0"));
        assert!(matches!(
            v.verify(&t, "alice", NOW + 601),
            Err(Error::Expired { .. })
        ));
        assert!(matches!(
            v.verify(&t, "bob", NOW),
            Err(Error::IdentifierMismatch { .. })
        ));
        let other = Verifier::from_pem(1_400_000_000, &keys(8).1).unwrap();
        assert_eq!(other.verify(&t, "alice", NOW), Err(Error::BadSignature));
        let other_app = Verifier::from_pem(1_400_000_009, &public).unwrap();
        assert!(matches!(
            other_app.verify(&t, "alice", NOW),
            Err(Error::SdkAppIdMismatch { .. })
        ));
        assert_eq!(s.verifier().verify(&t, "alice", NOW).unwrap(), c);
    }

    #[test]
    fn tampering_and_garbage() {
        let (private, public) = keys(9);
        let s = Signer::from_pem(1, &private).unwrap();
        let v = Verifier::from_pem(1, &public).unwrap();
        let t = s.gen_user_sig("alice", 600, NOW);
        let json = String::from_utf8(codec::unwrap(&t).unwrap()).unwrap();
        let forged = codec::wrap(json.replace("\"600\"", "\"60000000\"").as_bytes());
        assert_eq!(v.verify(&forged, "alice", NOW), Err(Error::BadSignature));
        for bad in ["", "####", &t[..t.len() / 2]] {
            assert!(v.verify(bad, "alice", NOW).is_err());
        }
        let nosig = codec::wrap(json.replace("TLS.sig", "TLS.other").as_bytes());
        assert_eq!(
            v.verify(&nosig, "alice", NOW),
            Err(Error::MissingField("TLS.sig"))
        );
        let badsig = codec::wrap(b"{\"TLS.account_type\": \"0\", \"TLS.identifier\": \"alice\", \"TLS.appid_at_3rd\": \"\", \"TLS.sdk_appid\": \"1\", \"TLS.expire_after\": \"1\", \"TLS.version\": \"20151204\", \"TLS.time\": \"1\", \"TLS.sig\": \"AAAA\"}");
        assert!(matches!(
            v.verify(&badsig, "alice", NOW),
            Err(Error::BadField("TLS.sig", _))
        ));
    }

    #[test]
    fn pem_forms() {
        let sk = p256::SecretKey::from_slice(&[3; 32]).unwrap();
        let sec1 = sk.to_sec1_pem(LineEnding::LF).unwrap().to_string();
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{sec1}"
        );
        let pkcs8 = sk
            .to_pkcs8_pem(LineEnding::CRLF)
            .unwrap()
            .to_string()
            .replace("-----\r\n", "----- \r\n");
        let public = sk.public_key().to_public_key_pem(LineEnding::LF).unwrap();
        let v = Verifier::from_pem(5, &format!("\n  {public}  \n")).unwrap();
        for pem in [&sec1, &with_params, &pkcs8] {
            let s = Signer::from_pem(5, pem).unwrap();
            v.verify(&s.gen_user_sig("u", 10, NOW), "u", NOW).unwrap();
        }
        for bad in [
            "",
            "hello",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(
                matches!(Signer::from_pem(5, bad), Err(Error::Key(_))),
                "{bad:?}"
            );
            assert!(
                matches!(Verifier::from_pem(5, bad), Err(Error::Key(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn python_json_strings() {
        let mut s = String::new();
        py_json_str("a\"\\\n\u{1}\u{7f}é😀/", &mut s);
        assert_eq!(s, r#""a\"\\\n\u0001\u007f\u00e9\ud83d\ude00/""#);
    }
}
