//! Starts the real `usersig-server` binary on an ephemeral loopback port and calls it; also runs
//! the `usersig` CLI end to end.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use usersig::v2::{Room, Signer};

const APP: u32 = 1_400_000_777;
const KEY: &str = "service-test-secret-0123456789abcdef";

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(envs: &[(&str, &str)], args: &[&str]) -> Result<Server, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_usersig-server"));
    cmd.args(["--bind", "127.0.0.1:0"])
        .args(args)
        .env_remove("USERSIG_SDKAPPID")
        .env_remove("USERSIG_SECRET_KEY")
        .env_remove("USERSIG_SECRET_KEY_FILE")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let Some(addr) = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split_whitespace().next())
    else {
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        let _ = child.wait();
        return Err(err);
    };
    assert!(!line.contains(KEY), "the key is printed: {line}");
    Ok(Server {
        addr: addr.to_string(),
        child,
    })
}

fn http(addr: &str, method: &str, path: &str, content_type: &str, body: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status: u16 = raw[9..12].parse().unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(!raw.contains(KEY), "the key leaked into a response: {raw}");
    if status == 200 && path.starts_with("/usersig") {
        assert!(
            head.to_ascii_lowercase()
                .contains("cache-control: no-store"),
            "{head}"
        );
    }
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.to_string())),
    )
}

fn check_ok(resp: &Value, user: &str, room: u32) {
    assert_eq!(resp["userID"], user);
    assert_eq!(resp["roomID"], room);
    assert_eq!(resp["sdkAppID"], APP);
    let now = usersig::unix_now();
    let s = Signer::new(APP, KEY);
    let c = s
        .verify_user_sig(resp["userSig"].as_str().unwrap(), user, now)
        .unwrap();
    assert_eq!(c.expire, 86_400);
    let (_, ub) = s
        .verify_private_map_key(
            resp["privateMapKey"].as_str().unwrap(),
            user,
            Some(&Room::Num(room)),
            now,
        )
        .unwrap();
    assert_eq!(ub.privilege, 255);
    assert_eq!(resp.as_object().unwrap().len(), 5, "{resp}");
}

#[test]
fn service_signs_and_validates() {
    let srv = start(
        &[
            ("USERSIG_SDKAPPID", &APP.to_string()),
            ("USERSIG_SECRET_KEY", KEY),
        ],
        &[],
    )
    .unwrap();
    let a = srv.addr.as_str();
    assert!(a.starts_with("127.0.0.1:") && !a.ends_with(":0"), "{a}");

    let (st, r) = http(
        a,
        "POST",
        "/usersig",
        "application/json",
        r#"{"userID":"alice","roomID":1234}"#,
    );
    assert_eq!(st, 200, "{r}");
    check_ok(&r, "alice", 1234);
    let (st, r) = http(
        a,
        "POST",
        "/usersig",
        "application/json",
        r#"{"userID":"a.b@c_d-e","roomID":"4294967294"}"#,
    );
    assert_eq!(st, 200, "{r}");
    check_ok(&r, "a.b@c_d-e", 4294967294);
    let (st, r) = http(
        a,
        "GET",
        "/usersig?userID=bob%40x&roomID=7",
        "text/plain",
        "",
    );
    assert_eq!(st, 200, "{r}");
    check_ok(&r, "bob@x", 7);
    let (st, r) = http(
        a,
        "POST",
        "/usersig",
        "application/x-www-form-urlencoded",
        "userID=carol&roomID=9",
    );
    assert_eq!(st, 200, "{r}");
    check_ok(&r, "carol", 9);

    // The key and app come from the configuration only: request fields for them are ignored.
    let (st, r) = http(
        a,
        "POST",
        "/usersig",
        "application/json",
        r#"{"userID":"dave","roomID":1,"sdkAppID":1,"secretKey":"x"}"#,
    );
    assert_eq!(st, 200);
    check_ok(&r, "dave", 1);

    for (body, field) in [
        (r#"{"roomID":1}"#, "userID"),
        (r#"{"userID":"","roomID":1}"#, "userID"),
        (
            r#"{"userID":"abcdefghijklmnopqrstuvwxyz0123456","roomID":1}"#,
            "userID",
        ),
        (r#"{"userID":"张三","roomID":1}"#, "userID"),
        (r#"{"userID":"a b","roomID":1}"#, "userID"),
        (r#"{"userID":7,"roomID":1}"#, "userID"),
        (r#"{"userID":"a"}"#, "roomID"),
        (r#"{"userID":"a","roomID":0}"#, "roomID"),
        (r#"{"userID":"a","roomID":4294967295}"#, "roomID"),
        (r#"{"userID":"a","roomID":-3}"#, "roomID"),
        (r#"{"userID":"a","roomID":"12x"}"#, "roomID"),
        (r#"{"userID":"a","roomID":1.5}"#, "roomID"),
    ] {
        let (st, r) = http(a, "POST", "/usersig", "application/json", body);
        assert_eq!(st, 400, "{body} -> {r}");
        assert_eq!(r["field"], field, "{body} -> {r}");
        assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
    }
    for body in ["", "not json", "[1,2]", "{\"userID\":"] {
        let (st, r) = http(a, "POST", "/usersig", "application/json", body);
        assert_eq!(
            (st, r["error"].as_str()),
            (400, Some("invalid_body")),
            "{body:?} -> {r}"
        );
    }
    let (st, _) = http(
        a,
        "POST",
        "/usersig",
        "application/json",
        &format!("{{\"userID\":\"{}\"}}", "x".repeat(10_000)),
    );
    assert_eq!(st, 413, "bodies over 4 KiB are refused");
    let (st, r) = http(a, "GET", "/nope", "text/plain", "");
    assert_eq!((st, r["error"].as_str()), (404, Some("not_found")));
    let (st, _) = http(a, "DELETE", "/usersig", "text/plain", "");
    assert_eq!(st, 405);
    let (st, r) = http(a, "GET", "/healthz", "text/plain", "");
    assert_eq!((st, r["ok"].as_bool()), (200, Some(true)));
}

#[test]
fn service_config_file_and_errors() {
    let dir = std::env::temp_dir().join(format!("usersig-svc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("c.toml");
    std::fs::write(
        &toml,
        format!("sdkAppID = {APP}\nsecretKey = \"{KEY}\"\nexpire = 86400\nprivilegeMap = 42\n"),
    )
    .unwrap();
    let srv = start(&[], &["--config", toml.to_str().unwrap()]).unwrap();
    let (st, r) = http(
        &srv.addr,
        "POST",
        "/usersig",
        "application/json",
        r#"{"userID":"eve","roomID":5}"#,
    );
    assert_eq!(st, 200);
    let (_, ub) = Signer::new(APP, KEY)
        .verify_private_map_key(
            r["privateMapKey"].as_str().unwrap(),
            "eve",
            None,
            usersig::unix_now(),
        )
        .unwrap();
    assert_eq!(ub.privilege, 42);
    drop(srv);

    let json = dir.join("c.json");
    std::fs::write(
        &json,
        format!("{{\"sdkAppID\": {APP}, \"secretKey\": \"{KEY}\"}}"),
    )
    .unwrap();
    drop(start(&[], &["--config", json.to_str().unwrap()]).unwrap());

    let err = start(&[], &[]).err().unwrap();
    assert!(err.contains("USERSIG_SDKAPPID"), "{err}");
    let err = start(&[("USERSIG_SDKAPPID", "5")], &[]).err().unwrap();
    assert!(err.contains("USERSIG_SECRET_KEY"), "{err}");
    std::fs::write(
        &json,
        "{\"sdkAppID\": 5, \"secretKey\": \"k\", \"typo\": 1}",
    )
    .unwrap();
    let err = start(&[], &["--config", json.to_str().unwrap()])
        .err()
        .unwrap();
    assert!(err.contains("typo") && !err.contains(KEY), "{err}");
    let err = start(&[], &["--config", "/nonexistent/x.json"])
        .err()
        .unwrap();
    assert!(err.contains("cannot read"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_usersig"))
        .args(args)
        .env_remove("USERSIG_SECRET_KEY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_end_to_end() {
    let base = [
        "--sdkappid",
        "1400000000",
        "--key",
        "k",
        "--userid",
        "alice",
    ];
    let gen: Vec<&str> = ["gen"]
        .iter()
        .chain(&base)
        .chain(&["--now", "1700000000", "--expire", "60"])
        .copied()
        .collect();
    let (code, sig, _) = cli(&gen);
    assert_eq!(code, 0);
    assert_eq!(
        sig,
        Signer::new(1_400_000_000, "k").gen_user_sig("alice", 60, 1_700_000_000)
    );
    let verify = |now: &str, extra: &[&str]| {
        let args: Vec<&str> = ["verify"]
            .iter()
            .chain(&base)
            .chain(&["--sig", &sig, "--now", now])
            .chain(extra)
            .copied()
            .collect();
        cli(&args)
    };
    let (code, out, _) = verify("1700000060", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["expiresAt"],
        1_700_000_060u64
    );
    let (code, _, err) = verify("1700000061", &[]);
    assert!(code == 1 && err.contains("expired"), "{err}");
    let (code, _, err) = verify("1700000000", &["--privmap"]);
    assert!(code == 1 && err.contains("privateMapKey"), "{err}");

    let (code, pmk, _) = cli(&[
        "privmap",
        "--sdkappid",
        "1400000000",
        "--key",
        "k",
        "--userid",
        "alice",
        "--roomid",
        "99",
        "--privilege",
        "42",
        "--now",
        "1700000000",
    ]);
    assert_eq!(code, 0);
    let (code, out, _) = cli(&[
        "verify",
        "--privmap",
        "--roomid",
        "99",
        "--sdkappid",
        "1400000000",
        "--key",
        "k",
        "--userid",
        "alice",
        "--sig",
        &pmk,
        "--now",
        "1700000000",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["privilege"],
        42
    );
    let (code, _, err) = cli(&[
        "verify",
        "--privmap",
        "--roomid",
        "98",
        "--sdkappid",
        "1400000000",
        "--key",
        "k",
        "--userid",
        "alice",
        "--sig",
        &pmk,
        "--now",
        "1700000000",
    ]);
    assert!(code == 1 && err.contains("room"), "{err}");

    // v1 with a key written to a file.
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let dir = std::env::temp_dir().join(format!("usersig-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sk = p256::SecretKey::from_slice(&[0x42; 32]).unwrap();
    let (priv_pem, pub_pem) = (dir.join("private_key"), dir.join("public_key"));
    std::fs::write(
        &priv_pem,
        sk.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        &pub_pem,
        sk.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    )
    .unwrap();
    let (code, v1sig, err) = cli(&[
        "gen",
        "--v1",
        "--sdkappid",
        "1400000000",
        "--private-key",
        priv_pem.to_str().unwrap(),
        "--userid",
        "bob",
        "--now",
        "1700000000",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = cli(&[
        "verify",
        "--v1",
        "--sdkappid",
        "1400000000",
        "--public-key",
        pub_pem.to_str().unwrap(),
        "--userid",
        "bob",
        "--sig",
        &v1sig,
        "--now",
        "1700000001",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["version"], 1);
    let (code, _, err) = cli(&[
        "verify",
        "--v1",
        "--sdkappid",
        "1400000000",
        "--public-key",
        pub_pem.to_str().unwrap(),
        "--userid",
        "bob",
        "--sig",
        &sig,
        "--now",
        "1700000001",
    ]);
    assert_eq!(code, 1, "a v2 token is not a v1 token: {err}");
    let _ = std::fs::remove_dir_all(&dir);

    // Usage errors name what is wrong, exit 2.
    for (args, says) in [
        (vec![], "no command"),
        (vec!["frob"], "unknown command"),
        (vec!["gen", "--sdkappid", "1", "--userid", "a"], "--key"),
        (vec!["gen", "--sdkappid", "1", "--key", "k"], "--userid"),
        (
            vec!["gen", "--sdkappid", "-1", "--key", "k", "--userid", "a"],
            "--sdkappid",
        ),
        (
            vec!["gen", "--key", "k", "--userid", "a", "--bogus"],
            "--bogus",
        ),
        (
            vec![
                "gen",
                "--v1",
                "--sdkappid",
                "1",
                "--userid",
                "a",
                "--private-key",
                "/nonexistent",
            ],
            "/nonexistent",
        ),
        (
            vec!["privmap", "--sdkappid", "1", "--key", "k", "--userid", "a"],
            "--roomid",
        ),
        (
            vec![
                "privmap",
                "--sdkappid",
                "1",
                "--key",
                "k",
                "--userid",
                "a",
                "--roomid",
                "0",
            ],
            "--roomid",
        ),
        (
            vec![
                "privmap",
                "--sdkappid",
                "1",
                "--key",
                "k",
                "--userid",
                "a",
                "--roomid",
                "1",
                "--privilege",
                "256",
            ],
            "--privilege",
        ),
        (
            vec!["verify", "--sdkappid", "1", "--key", "k", "--userid", "a"],
            "--sig",
        ),
        (vec!["gen", "--v1", "--v2"], "exclude"),
        (vec!["decode", "--sig", "@@@"], "--sig"),
    ] {
        let (code, _, err) = cli(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let (code, out, _) = cli(&["--help"]);
    assert!(code == 0 && out.contains("usersig gen"));
}
