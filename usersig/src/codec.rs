//! The wrapping shared by both schemes: JSON → zlib (default level 6) → standard base64 →
//! `+` becomes `*`, `/` becomes `-`, `=` becomes `_` (so the token survives URLs untouched).

use crate::Error;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::io::{Read, Write};

/// Largest inflated token accepted; real tokens are a few hundred bytes.
pub const MAX_INFLATED: u64 = 64 * 1024;
/// Longest token accepted before decoding.
pub const MAX_TOKEN: usize = 16 * 1024;

/// Standard alphabet; padding optional on input (some clients strip the trailing `_`).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64 with padding (used for the `TLS.sig` and `TLS.userbuf` fields).
pub fn b64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes a standard base64 field (padding optional).
pub fn unb64(text: &str) -> Result<Vec<u8>, Error> {
    LENIENT.decode(text).map_err(|_| Error::Base64)
}

/// Base64 with the TLS substitutions.
pub fn tls_b64(data: &[u8]) -> String {
    STANDARD
        .encode(data)
        .chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

/// Inverse of [`tls_b64`].
pub fn tls_unb64(token: &str) -> Result<Vec<u8>, Error> {
    if token.len() > MAX_TOKEN {
        return Err(Error::Base64);
    }
    let std: String = token
        .trim()
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect();
    unb64(&std)
}

/// zlib at the default level (6), as Node's `zlib.deflateSync` and Python's `zlib.compress` use.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::with_capacity(data.len()), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Inflates a zlib stream, refusing output over [`MAX_INFLATED`] bytes.
pub fn inflate(data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    ZlibDecoder::new(data)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|_| Error::Zlib)?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(Error::Zlib);
    }
    Ok(out)
}

/// JSON text → token.
pub fn wrap(json: &[u8]) -> String {
    tls_b64(&deflate(json))
}

/// Token → JSON text (not yet parsed).
pub fn unwrap(token: &str) -> Result<Vec<u8>, Error> {
    inflate(&tls_unb64(token)?)
}

/// Token → JSON object.
pub fn unwrap_object(token: &str) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match serde_json::from_slice(&unwrap(token)?) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(Error::Json),
    }
}

/// A string field of a token's JSON object.
pub fn str_field<'m>(
    map: &'m serde_json::Map<String, serde_json::Value>,
    name: &'static str,
) -> Result<&'m str, Error> {
    match map.get(name) {
        None => Err(Error::MissingField(name)),
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(_) => Err(Error::BadField(name, "a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_round_trip() {
        // 0xfb 0xff gives '+' and '/' and padding in standard base64.
        let data = [0xfbu8, 0xff, 0xbf, 0xfe];
        let t = tls_b64(&data);
        assert_eq!(t, "*-*--g__");
        assert_eq!(tls_unb64(&t).unwrap(), data);
        assert_eq!(tls_unb64("*-*--g").unwrap(), data, "padding is optional");
        assert_eq!(tls_unb64("a+b"), Err(Error::Base64));
        assert_eq!(tls_unb64("%%%%"), Err(Error::Base64));
    }

    #[test]
    fn inflate_limits() {
        let big = vec![b'a'; MAX_INFLATED as usize + 1];
        assert_eq!(inflate(&deflate(&big)), Err(Error::Zlib));
        let ok = vec![b'a'; MAX_INFLATED as usize];
        assert_eq!(inflate(&deflate(&ok)).unwrap().len(), ok.len());
        assert_eq!(inflate(b"not zlib"), Err(Error::Zlib));
        assert_eq!(unwrap_object(&wrap(b"[1,2]")), Err(Error::Json));
    }
}
