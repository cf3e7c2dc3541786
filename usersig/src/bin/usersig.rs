//! Command-line signing and checking. See `usersig --help`.

use std::collections::HashMap;
use std::process::ExitCode;
use usersig::v2::{Room, Signer};
use usersig::{v1, Error};

const HELP: &str = "\
usersig: make and check Tencent TRTC/IM userSig and privateMapKey

USAGE:
    usersig gen     [--v2] --sdkappid N (--key KEY | --key-file FILE) --userid U [--expire S] [--now T]
    usersig gen     --v1 --sdkappid N --private-key FILE.pem --userid U [--expire S] [--now T]
    usersig privmap --sdkappid N (--key KEY | --key-file FILE) --userid U
                    (--roomid N | --roomstr S) [--privilege P] [--expire S] [--now T]
    usersig verify  [--v2] --sdkappid N (--key KEY | --key-file FILE) --userid U --sig TOKEN
                    [--privmap [--roomid N | --roomstr S]] [--now T]
    usersig verify  --v1 --sdkappid N --public-key FILE.pem --userid U --sig TOKEN [--now T]
    usersig decode  --sig TOKEN

OPTIONS:
    --v2                 HMAC-SHA256 userSig with the app's secret key (default)
    --v1                 older ECDSA P-256 userSig with the console's private_key/public_key PEM
    --sdkappid N         the application's SDKAppID
    --key KEY            v2 secret key (visible to other local users in the process list:
    --key-file FILE        prefer --key-file or the USERSIG_SECRET_KEY environment variable)
    --userid U           the user ID signed for
    --expire S           lifetime in seconds (default 86400)
    --now T              issue/check time, Unix seconds (default: the clock); fixes the output
    --roomid N           numeric room, 1..4294967294
    --roomstr S          string room
    --privilege P        privilege bits, 0..255 (default 255: all)
    --sig TOKEN          the token to check ('-' reads it from standard input)
    --privmap            verify: the token must be a privateMapKey (with --roomid/--roomstr:
                         for that room)

OUTPUT:
    gen, privmap: the token on standard output. verify, decode: JSON on standard output.
    Exit codes: 0 success, 1 token invalid (bad signature, expired, other user, ...),
    2 usage or input error (message on standard error).
";

enum Fail {
    Usage(String),
    Invalid(Error),
}

impl From<String> for Fail {
    fn from(s: String) -> Fail {
        Fail::Usage(s)
    }
}

struct Args {
    cmd: String,
    flags: HashMap<String, String>,
}

const SWITCHES: &[&str] = &["--v1", "--v2", "--privmap"];
const VALUED: &[&str] = &[
    "--sdkappid",
    "--key",
    "--key-file",
    "--private-key",
    "--public-key",
    "--userid",
    "--expire",
    "--now",
    "--roomid",
    "--roomstr",
    "--privilege",
    "--sig",
];

fn parse(argv: Vec<String>) -> Result<Option<Args>, String> {
    let mut it = argv.into_iter();
    let cmd = match it.next() {
        None => return Err("no command given (gen, privmap, verify, decode; see --help)".into()),
        Some(c) if c == "-h" || c == "--help" || c == "help" => return Ok(None),
        Some(c) => c,
    };
    if !["gen", "privmap", "verify", "decode"].contains(&cmd.as_str()) {
        return Err(format!(
            "unknown command {cmd:?} (gen, privmap, verify, decode; see --help)"
        ));
    }
    let mut flags = HashMap::new();
    while let Some(a) = it.next() {
        if a == "-h" || a == "--help" {
            return Ok(None);
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        if SWITCHES.contains(&name.as_str()) && inline.is_none() {
            flags.insert(name, String::new());
        } else if VALUED.contains(&name.as_str()) {
            let v = match inline {
                Some(v) => v,
                None => it.next().ok_or_else(|| format!("{name} needs a value"))?,
            };
            if flags.insert(name.clone(), v).is_some() {
                return Err(format!("{name} given twice"));
            }
        } else {
            return Err(format!("unknown option {a:?} for {cmd} (see --help)"));
        }
    }
    if flags.contains_key("--v1") && flags.contains_key("--v2") {
        return Err("--v1 and --v2 exclude each other".into());
    }
    Ok(Some(Args { cmd, flags }))
}

impl Args {
    fn has(&self, f: &str) -> bool {
        self.flags.contains_key(f)
    }
    fn get(&self, f: &str) -> Option<&str> {
        self.flags.get(f).map(String::as_str)
    }
    fn need(&self, f: &str) -> Result<&str, String> {
        self.get(f)
            .ok_or_else(|| format!("{} needs {f} (see --help)", self.cmd))
    }
    fn num<T: std::str::FromStr>(&self, f: &str, what: &str) -> Result<Option<T>, String> {
        match self.get(f) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{f} {v:?}: expected {what}")),
        }
    }
    fn only(&self, allowed: &[&str]) -> Result<(), String> {
        for f in self.flags.keys() {
            if !allowed.contains(&f.as_str()) {
                return Err(format!(
                    "{f} does not apply to {}{} (see --help)",
                    self.cmd,
                    if self.has("--v1") { " --v1" } else { "" }
                ));
            }
        }
        Ok(())
    }
    fn sdkappid(&self) -> Result<u32, String> {
        self.num("--sdkappid", "an integer 1..4294967295")?
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{} needs --sdkappid N (a positive integer)", self.cmd))
    }
    fn now(&self) -> Result<u64, String> {
        Ok(self
            .num("--now", "Unix seconds")?
            .unwrap_or_else(usersig::unix_now))
    }
    fn expire(&self) -> Result<u64, String> {
        Ok(self.num("--expire", "seconds")?.unwrap_or(86_400))
    }
    fn v2_key(&self) -> Result<String, String> {
        let key = match (self.get("--key"), self.get("--key-file")) {
            (Some(_), Some(_)) => return Err("give --key or --key-file, not both".into()),
            (Some(k), None) => k.to_string(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|k| k.trim().to_string())
                .map_err(|e| format!("--key-file {path}: {e}"))?,
            (None, None) => std::env::var("USERSIG_SECRET_KEY").map_err(|_| {
                format!("{} needs --key, --key-file or USERSIG_SECRET_KEY", self.cmd)
            })?,
        };
        if key.is_empty() {
            return Err("the secret key is empty".into());
        }
        Ok(key)
    }
    fn v2(&self) -> Result<Signer, String> {
        Ok(Signer::new(self.sdkappid()?, self.v2_key()?))
    }
    fn pem(&self, f: &str) -> Result<String, String> {
        let path = self.need(f)?;
        std::fs::read_to_string(path).map_err(|e| format!("{f} {path}: {e}"))
    }
    fn room(&self) -> Result<Option<Room>, String> {
        match (
            self.num::<u64>("--roomid", "an integer 1..4294967294")?,
            self.get("--roomstr"),
        ) {
            (Some(_), Some(_)) => Err("give --roomid or --roomstr, not both".into()),
            (Some(n), None) if (1..=4_294_967_294).contains(&n) => Ok(Some(Room::Num(n as u32))),
            (Some(n), None) => Err(format!("--roomid {n}: must be 1..4294967294")),
            (None, Some("")) => Err("--roomstr is empty".into()),
            (None, Some(s)) => Ok(Some(Room::Str(s.to_string()))),
            (None, None) => Ok(None),
        }
    }
    fn sig(&self) -> Result<String, String> {
        match self.need("--sig")? {
            "-" => {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                    .map_err(|e| format!("stdin: {e}"))?;
                Ok(s.trim().to_string())
            }
            s => Ok(s.to_string()),
        }
    }
}

fn room_json(r: &Room) -> serde_json::Value {
    match r {
        Room::Num(n) => serde_json::json!(n),
        Room::Str(s) => serde_json::json!(s),
    }
}

fn run(a: &Args) -> Result<String, Fail> {
    let common = ["--sdkappid", "--userid", "--now"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        common.iter().chain(extra).copied().collect()
    };
    match (a.cmd.as_str(), a.has("--v1")) {
        ("gen", false) => {
            a.only(&with(&["--v2", "--key", "--key-file", "--expire"]))?;
            Ok(a.v2()?
                .gen_user_sig(a.need("--userid")?, a.expire()?, a.now()?))
        }
        ("gen", true) => {
            a.only(&with(&["--v1", "--private-key", "--expire"]))?;
            let s = v1::Signer::from_pem(a.sdkappid()?, &a.pem("--private-key")?)
                .map_err(|e| format!("--private-key: {e}"))?;
            Ok(s.gen_user_sig(a.need("--userid")?, a.expire()?, a.now()?))
        }
        ("privmap", false) => {
            a.only(&with(&[
                "--v2",
                "--key",
                "--key-file",
                "--expire",
                "--roomid",
                "--roomstr",
                "--privilege",
            ]))?;
            let room = a
                .room()?
                .ok_or_else(|| "privmap needs --roomid N or --roomstr S".to_string())?;
            let privilege = a.num::<u32>("--privilege", "0..255")?.unwrap_or(255);
            if privilege > 255 {
                return Err(Fail::Usage(format!(
                    "--privilege {privilege}: must be 0..255"
                )));
            }
            let signer = a.v2()?;
            signer
                .gen_private_map_key_for(
                    a.need("--userid")?,
                    a.expire()?,
                    room,
                    privilege,
                    a.now()?,
                )
                .map_err(|e| Fail::Usage(e.to_string()))
        }
        ("privmap", true) => Err(Fail::Usage("privmap exists only for v2".into())),
        ("verify", false) => {
            a.only(&with(&[
                "--v2",
                "--key",
                "--key-file",
                "--sig",
                "--privmap",
                "--roomid",
                "--roomstr",
            ]))?;
            let (signer, user, sig, now, room) =
                (a.v2()?, a.need("--userid")?, a.sig()?, a.now()?, a.room()?);
            if room.is_some() && !a.has("--privmap") {
                return Err(Fail::Usage("--roomid/--roomstr need --privmap".into()));
            }
            if a.has("--privmap") {
                let (c, ub) = signer
                    .verify_private_map_key(&sig, user, room.as_ref(), now)
                    .map_err(Fail::Invalid)?;
                Ok(serde_json::json!({
                    "valid": true, "version": 2, "identifier": c.identifier, "sdkappid": c.sdkappid,
                    "time": c.time, "expire": c.expire, "expiresAt": c.expires_at(),
                    "room": room_json(&ub.room), "privilege": ub.privilege, "roomExpiresAt": ub.expires_at,
                })
                .to_string())
            } else {
                let c = signer
                    .verify_user_sig(&sig, user, now)
                    .map_err(Fail::Invalid)?;
                Ok(serde_json::json!({
                    "valid": true, "version": 2, "identifier": c.identifier, "sdkappid": c.sdkappid,
                    "time": c.time, "expire": c.expire, "expiresAt": c.expires_at(),
                })
                .to_string())
            }
        }
        ("verify", true) => {
            a.only(&with(&["--v1", "--public-key", "--sig"]))?;
            let v = v1::Verifier::from_pem(a.sdkappid()?, &a.pem("--public-key")?)
                .map_err(|e| format!("--public-key: {e}"))?;
            let c = v
                .verify(&a.sig()?, a.need("--userid")?, a.now()?)
                .map_err(Fail::Invalid)?;
            Ok(serde_json::json!({
                "valid": true, "version": 1, "identifier": c.identifier, "sdkappid": c.sdkappid,
                "time": c.time, "expire": c.expire, "expiresAt": c.expires_at(),
            })
            .to_string())
        }
        ("decode", _) => {
            a.only(&["--sig"])?;
            let map = usersig::v2::decode_unverified(&a.sig()?)
                .map_err(|e| Fail::Usage(format!("--sig: {e}")))?;
            Ok(serde_json::Value::Object(map).to_string())
        }
        _ => Err(Fail::Usage("unknown command".into())),
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1).collect()) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("usersig: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(Fail::Usage(e)) => {
            eprintln!("usersig: {e}");
            ExitCode::from(2)
        }
        Err(Fail::Invalid(e)) => {
            eprintln!("usersig: invalid: {e}");
            ExitCode::from(1)
        }
    }
}
