//! Cross-checks against implementations that are not this crate:
//! * v2 userSig and privateMapKey against the npm package `tls-sig-api-v2` 1.0.2 (run by
//!   `node test/usersig/v2-reference.js` with a pinned clock), byte for byte;
//! * v1 userSig against Python's `cryptography` (test/usersig/v1_verify.py), both directions.
//!
//! Neither is skipped when its tools are missing: the test fails and says to run tools/setup.sh.

use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use usersig::v2::{Room, Signer};
use usersig::{codec, v1};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run(cmd: &mut Command, what: &str, stdin: Option<&str>) -> (i32, String, String) {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}): install it, then run tools/setup.sh"));
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let d = std::env::temp_dir().join(format!("usersig-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Small deterministic generator, so the cases are the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-@.";

fn v2_cases() -> Vec<Value> {
    let mut rng = Lcg(20190101);
    let mut cases = vec![
        // The package's own example inputs.
        json!({"nowMs": 1_700_000_000_000u64, "sdkappid": 1400000000u64,
               "key": "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
               "userid": "xiaojun", "expire": 86400 * 180, "roomid": 10000, "roomstr": "1000000040",
               "privilege": 255}),
        // A clock between two seconds: the package floors it.
        json!({"nowMs": 1_700_000_000_999u64, "sdkappid": 1400000001u64, "key": "k", "userid": "a",
               "expire": 300, "roomid": 1, "privilege": 42}),
        // Largest room, SDKAppID above 2^31, key longer than the SHA-256 block.
        json!({"nowMs": 1_800_000_000_000u64, "sdkappid": 3_000_000_001u64, "key": "x".repeat(100),
               "userid": "u_-@.9", "expire": 1, "roomid": 4294967294u64, "privilege": 1}),
        // Non-ASCII key; userSig only for an identifier with JSON escapes and non-ASCII.
        json!({"nowMs": 1_600_000_000_000u64, "sdkappid": 1400000002u64, "key": "密钥\u{1}",
               "userid": "q\"\\\n\u{1}é/<>", "expire": 0}),
    ];
    for _ in 0..40 {
        let len = 1 + rng.next() as usize % 32;
        let userid: String = (0..len).map(|_| *rng.pick(ID_CHARS) as char).collect();
        let klen = rng.next() as usize % 90;
        let key: String = (0..klen)
            .map(|_| *rng.pick(b"0123456789abcdef") as char)
            .collect();
        let now = 1_500_000_000 + rng.next() % 500_000_000;
        let roomstr: String = (0..(1 + rng.next() as usize % 20))
            .map(|_| *rng.pick(ID_CHARS) as char)
            .collect();
        cases.push(json!({
            "nowMs": now * 1000,
            "sdkappid": 1_400_000_000 + rng.next() % 600_000_000,
            "key": key,
            "userid": userid,
            "expire": *rng.pick(&[1u64, 60, 300, 3600, 86400, 86400 * 180]),
            "roomid": 1 + rng.next() % 4_294_967_294,
            "roomstr": roomstr,
            "privilege": *rng.pick(&[255u64, 42, 1, 2, 128]),
        }));
    }
    cases
}

fn show(token: &str) -> String {
    match codec::unwrap(token) {
        Ok(json) => String::from_utf8_lossy(&json).into_owned(),
        Err(e) => format!("<{e}>"),
    }
}

/// Compares our token with the package's. Every layer must agree: the JSON text (fields, order,
/// types, HMAC, userbuf) byte for byte, and the base64 layer with its `*` `-` `_` substitutions.
/// The zlib stream itself may differ: Node bundles Chromium's zlib fork, whose deflate picks
/// different matches than stock zlib on some inputs (both are valid zlib at level 6 and inflate
/// to the same bytes). Returns whether the whole token was identical.
fn same(what: &str, case: &Value, ours: &str, theirs: &Value) -> bool {
    let theirs = theirs
        .as_str()
        .unwrap_or_else(|| panic!("{what}: reference printed no string for {case}"));
    if ours == theirs {
        return true;
    }
    let (a, b) = (show(ours), show(theirs));
    assert_eq!(
        a, b,
        "{what}: JSON differs from tls-sig-api-v2@1.0.2 for {case}\n ours:   {ours}\n theirs: {theirs}"
    );
    let raw = codec::tls_unb64(theirs).unwrap();
    assert_eq!(
        codec::tls_b64(&raw),
        theirs,
        "{what}: base64 layer differs for {case}"
    );
    assert_eq!(
        codec::inflate(&codec::deflate(&codec::inflate(&raw).unwrap())).unwrap(),
        codec::inflate(&raw).unwrap()
    );
    false
}

#[test]
fn v2_matches_npm_tls_sig_api_v2_1_0_2() {
    let root = root();
    let module = root.join("node_modules/tls-sig-api-v2/TLSSigAPIv2.js");
    assert!(
        module.exists(),
        "{} is missing: run tools/setup.sh (it installs the npm devDependencies, tls-sig-api-v2@1.0.2 among them)",
        module.display()
    );
    let cases = v2_cases();
    let arg = serde_json::to_string(&cases).unwrap();
    let (code, stdout, stderr) = run(
        Command::new("node")
            .arg(root.join("test/usersig/v2-reference.js"))
            .arg(&arg)
            .current_dir(&root),
        "node",
        None,
    );
    assert_eq!(code, 0, "v2-reference.js failed: {stderr}");
    let outputs: Vec<Value> = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(outputs.len(), cases.len());
    let (mut compared, mut identical) = (0, 0);
    let mut first_case_identical = 0;
    for (i, (case, out)) in cases.iter().zip(&outputs).enumerate() {
        if i == 1 {
            first_case_identical = identical;
        }
        let s = Signer::new(
            case["sdkappid"].as_u64().unwrap() as u32,
            case["key"].as_str().unwrap(),
        );
        let now = case["nowMs"].as_u64().unwrap() / 1000;
        let userid = case["userid"].as_str().unwrap();
        let expire = case["expire"].as_u64().unwrap();
        let sig = s.gen_user_sig(userid, expire, now);
        identical += same("userSig", case, &sig, &out["userSig"]) as usize;
        // Their output also passes our verifier.
        s.verify_user_sig(out["userSig"].as_str().unwrap(), userid, now)
            .unwrap();
        compared += 1;
        let privilege = case["privilege"].as_u64().unwrap_or(255) as u32;
        if let Some(room) = case["roomid"].as_u64() {
            let pmk = s
                .gen_private_map_key(userid, expire, room as u32, privilege, now)
                .unwrap();
            identical += same("privateMapKey", case, &pmk, &out["privateMapKey"]) as usize;
            let (_, ub) = s
                .verify_private_map_key(
                    out["privateMapKey"].as_str().unwrap(),
                    userid,
                    Some(&Room::Num(room as u32)),
                    now,
                )
                .unwrap();
            assert_eq!(
                (ub.privilege, u64::from(ub.expires_at)),
                (privilege, now + expire)
            );
            compared += 1;
        }
        if let Some(room) = case["roomstr"].as_str() {
            let pmk = s
                .gen_private_map_key_for(userid, expire, Room::Str(room.into()), privilege, now)
                .unwrap();
            identical += same(
                "privateMapKey (string room)",
                case,
                &pmk,
                &out["privateMapKeyStr"],
            ) as usize;
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} comparisons");
    // Shown with --nocapture; the JSON and base64 layers were equal in every case.
    eprintln!("v2 cross-check: {compared} tokens, JSON identical in all, whole token identical in {identical}");
    // The package's own example inputs give byte-identical tokens.
    assert_eq!(
        first_case_identical, 3,
        "the package's example inputs should match byte for byte"
    );
}

fn python() -> &'static str {
    "python3"
}

fn py(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let script = root().join("test/usersig/v1_verify.py");
    let (code, out, err) = run(
        Command::new(python()).arg(&script).args(args),
        "python3",
        stdin,
    );
    assert_ne!(code, 3, "{err}");
    (code, out, err)
}

#[test]
fn v1_against_python_cryptography() {
    let dir = temp_dir("v1");
    let d = dir.to_str().unwrap();
    let (code, _, err) = py(&["keygen", d], None);
    assert_eq!(code, 0, "keygen: {err}");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let public = read("pub.pem");
    let pub_path = dir.join("pub.pem");
    let pub_path = pub_path.to_str().unwrap();
    const APP: u32 = 1_400_000_123;
    const NOW: u64 = 1_700_000_000;

    // Ours, from both private key encodings the Python library writes, checked by Python.
    let users = ["alice", "u_-@.9", "张三", "q\"\\\n\u{7f}😀"];
    let mut lines = String::new();
    let mut ours = Vec::new();
    for pem in ["p8.pem", "sec1.pem"] {
        let s = v1::Signer::from_pem(APP, &read(pem)).unwrap();
        for (i, u) in users.iter().enumerate() {
            let t = s.gen_user_sig(u, 600 + i as u64, NOW);
            lines.push_str(&json!({"sig": t, "userid": u}).to_string());
            lines.push('\n');
            ours.push((t, *u));
        }
    }
    let (code, out, err) = py(
        &["verify", pub_path, &APP.to_string(), &NOW.to_string()],
        Some(&lines),
    );
    assert_eq!(code, 0, "Python rejected our v1 tokens:\n{out}\n{err}");
    assert_eq!(out.lines().count(), ours.len());

    // The Python check is not vacuous: it rejects a tampered token and an expired one.
    let (t, u) = &ours[0];
    let json = String::from_utf8(codec::unwrap(t).unwrap()).unwrap();
    let tampered = codec::wrap(json.replace("\"600\"", "\"999999\"").as_bytes());
    let bad = format!("{}\n", json!({"sig": tampered, "userid": u}));
    let (code, out, _) = py(
        &["verify", pub_path, &APP.to_string(), &NOW.to_string()],
        Some(&bad),
    );
    assert!(code == 1 && out.contains("bad signature"), "{out}");
    let late = format!("{}\n", json!({"sig": t, "userid": u}));
    let (code, out, _) = py(
        &[
            "verify",
            pub_path,
            &APP.to_string(),
            &(NOW + 601).to_string(),
        ],
        Some(&late),
    );
    assert!(code == 1 && out.contains("expired"), "{out}");

    // Theirs (random nonces, so high and low S both occur over the runs), checked by us.
    let v = v1::Verifier::from_pem(APP, &public).unwrap();
    let p8 = dir.join("p8.pem");
    for i in 0..8u64 {
        let u = users[i as usize % users.len()];
        let (code, out, err) = py(
            &[
                "sign",
                p8.to_str().unwrap(),
                &APP.to_string(),
                u,
                "300",
                &(NOW + i).to_string(),
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        let token = out.trim();
        let c = v
            .verify(token, u, NOW + i + 300)
            .unwrap_or_else(|e| panic!("our verifier rejects Python's token: {e}\n{token}"));
        assert_eq!((c.time, c.expire), (NOW + i, 300));
        assert!(v.verify(token, u, NOW + i + 301).is_err());
        let other = v1::Verifier::from_pem(APP, &{
            let sk = p256::SecretKey::from_slice(&[5; 32]).unwrap();
            use p256::pkcs8::EncodePublicKey;
            sk.public_key()
                .to_public_key_pem(p256::pkcs8::LineEnding::LF)
                .unwrap()
        })
        .unwrap();
        assert_eq!(
            other.verify(token, u, NOW),
            Err(usersig::Error::BadSignature)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
