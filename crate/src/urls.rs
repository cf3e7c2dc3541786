//! The two URLs of the legacy room protocol. Every query value is percent-encoded the way
//! `encodeURIComponent` does it (2019 put userID and userSig in raw, which broke on `&`, `=`, `#`,
//! `+` and non-ASCII identifiers).

use crate::prelude::*;

/// `encodeURIComponent` for a Rust string (UTF-8 bytes as `%XX`). Written out rather than taken
/// from the percent-encoding crate: its 768-byte lookup table cost more wasm than these lines.
pub fn encode_component(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// The host of the room's own media service, in the push URL and in every play URL it hands out
/// (our emulator uses the same).
pub const ROOM_HOST: &str = "cloud.tencent.com";

/// Whether a member list's play URL may reach `<live-player>`: in RTC mode it plays `room://`
/// (and `rtmp://`) URLs, and only those of the room's own service belong there, as the service
/// writes them; not `javascript:`, not http(s), not another host (also not `room://host@other`).
pub fn playable(url: &str) -> bool {
    // Byte tests only: `split_once`, slicing and `char` searches bring the two-way searcher and
    // panic formatting into the wasm (KBs).
    let b = url.as_bytes();
    let host_end = 7 + ROOM_HOST.len();
    (b.starts_with(b"room://") || b.starts_with(b"rtmp://"))
        && b.get(7..host_end) == Some(ROOM_HOST.as_bytes())
        && matches!(b.get(host_end), None | Some(b'/' | b'?' | b'#'))
        && b.iter().all(|&c| c > b' ' && c != 0x7f)
}

const CLOUD_HOST: &str = "https://official.opensso.tencent-cloud.com";
const LEGACY_HOST: &str = "https://yun.tim.qq.com";
const SIG_PATH: &str = "/v4/openim/jsonvideoapp";

/// The room-signature request URL; `random` is the caller's millisecond clock, as in 2019.
/// A non-empty `api_base` (e.g. `http://127.0.0.1:8790`) replaces Tencent's host.
pub fn sig_request_url(
    api_base: &str,
    use_cloud: bool,
    sdk_app_id: u64,
    user_id: &str,
    user_sig: &str,
    random: u64,
) -> String {
    let base = api_base.trim_end_matches('/');
    // The host picked, then one format!: no intermediate endpoint String (wasm size).
    let host = if !base.is_empty() {
        base
    } else if use_cloud {
        CLOUD_HOST
    } else {
        LEGACY_HOST
    };
    cat!(
        host,
        SIG_PATH,
        "?sdkappid=",
        sdk_app_id,
        "&identifier=",
        encode_component(user_id),
        "&usersig=",
        encode_component(user_sig),
        "&random=",
        random,
        "&contenttype=json"
    )
}

/// The live-pusher URL that enters the room. `bizbuf` is added when pure-audio push or a record id
/// is set, holding only the keys that are set.
pub fn push_url(
    sdk_app_id: u64,
    room_id: u64,
    user_id: &str,
    room_sig: &str,
    pure_audio_push_mod: u64,
    record_id: Option<u64>,
) -> String {
    let mut url = cat!(
        "room://",
        ROOM_HOST,
        "?sdkappid=",
        sdk_app_id,
        "&roomid=",
        room_id,
        "&userid=",
        encode_component(user_id),
        "&roomsig=",
        encode_component(room_sig)
    );
    let record_id = record_id.filter(|&id| id != 0);
    if pure_audio_push_mod != 0 || record_id.is_some() {
        // Pushed piece by piece: no Vec of params, join or format! calls (wasm size).
        let mut bizbuf = String::from("{\"Str_uc_params\":{");
        if pure_audio_push_mod != 0 {
            bizbuf.push_str("\"pure_audio_push_mod\":");
            crate::text::Piece::put(&pure_audio_push_mod, &mut bizbuf);
        }
        if let Some(id) = record_id {
            if pure_audio_push_mod != 0 {
                bizbuf.push(',');
            }
            bizbuf.push_str("\"record_id\":");
            crate::text::Piece::put(&id, &mut bizbuf);
        }
        bizbuf.push_str("}}");
        url.push_str("&bizbuf=");
        url.push_str(&encode_component(&bizbuf));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(encode_component("a&b=c"), "a%26b%3Dc");
        assert_eq!(encode_component("张三"), "%E5%BC%A0%E4%B8%89");
        assert_eq!(encode_component("-_.!~*'()"), "-_.!~*'()");
        assert_eq!(encode_component("a b+c/d?e#f%"), "a%20b%2Bc%2Fd%3Fe%23f%25");
        assert_eq!(encode_component("😀"), "%F0%9F%98%80");
    }

    #[test]
    fn only_the_rooms_own_play_urls_are_playable() {
        for ok in [
            "room://cloud.tencent.com?userid=a&sdkappid=1",
            "rtmp://cloud.tencent.com/live/a",
            "room://cloud.tencent.com",
        ] {
            assert!(playable(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "https://evil.example/x.flv",
            "http://cloud.tencent.com/x.flv",
            "room://evil.example?userid=a",
            "room://cloud.tencent.com.evil.example?x",
            "room://cloud.tencent.com@evil.example/x",
            "room://evil.example/cloud.tencent.com",
            "room:cloud.tencent.com",
            "room://cloud.tencent.com?userid=a b",
            "room://cloud.tencent.com?\n",
            "",
        ] {
            assert!(!playable(bad), "{bad}");
        }
    }

    #[test]
    fn bizbuf_holds_only_the_keys_that_are_set() {
        let plain = push_url(1, 2, "u", "{}", 0, None);
        assert!(!plain.contains("bizbuf"));
        let audio = push_url(1, 2, "u", "{}", 1, None);
        assert!(audio.ends_with(&format!(
            "&bizbuf={}",
            encode_component(r#"{"Str_uc_params":{"pure_audio_push_mod":1}}"#)
        )));
        let both = push_url(1, 2, "u", "{}", 2, Some(77));
        assert!(both.ends_with(&format!(
            "&bizbuf={}",
            encode_component(r#"{"Str_uc_params":{"pure_audio_push_mod":2,"record_id":77}}"#)
        )));
        let record = push_url(1, 2, "u", "{}", 0, Some(5));
        assert!(record.ends_with(&encode_component(r#"{"Str_uc_params":{"record_id":5}}"#)));
    }
}
