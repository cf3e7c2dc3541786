//! The signing service. See `usersig-server --help`.

use std::process::ExitCode;
use usersig::server::{self, Config};

const HELP: &str = "\
usersig-server: issues TRTC userSig and privateMapKey over HTTP

USAGE:
    usersig-server [--config FILE] [--bind ADDR]

OPTIONS:
    --config FILE   JSON (or .toml) with sdkAppID, secretKey and optionally expire,
                    privateMapKeyExpire, privilegeMap. Without it, the environment is read:
                    USERSIG_SDKAPPID, USERSIG_SECRET_KEY (or USERSIG_SECRET_KEY_FILE),
                    USERSIG_EXPIRE, USERSIG_PRIVATE_MAP_KEY_EXPIRE, USERSIG_PRIVILEGE_MAP.
    --bind ADDR     address to listen on (default 127.0.0.1:8787; port 0 picks a free one).
                    Put an HTTPS reverse proxy in front of it in production.
    -h, --help      this text

ENDPOINTS:
    POST /usersig   {\"userID\": \"alice\", \"roomID\": 1234}
    GET  /usersig?userID=alice&roomID=1234
        -> {\"userID\", \"sdkAppID\", \"roomID\", \"userSig\", \"privateMapKey\"}
        userID: 1-32 bytes of A-Z a-z 0-9 _ - @ .   roomID: 1..4294967294
        errors: 4xx with {\"error\", \"message\", \"field\"}
    GET  /healthz

Prints `listening on http://ADDR` once ready. Exit codes: 0 after SIGINT/SIGTERM, 2 bad usage
or configuration, 1 cannot listen.
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut config, mut bind) = (None, "127.0.0.1:8787".to_string());
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            "--config" | "--bind" => {
                let Some(v) = args.next() else {
                    eprintln!("usersig-server: {a} needs a value (see --help)");
                    return ExitCode::from(2);
                };
                if a == "--config" {
                    config = Some(v);
                } else {
                    bind = v;
                }
            }
            other => {
                eprintln!("usersig-server: unknown argument {other:?} (see --help)");
                return ExitCode::from(2);
            }
        }
    }
    let cfg = match &config {
        Some(path) => Config::from_file(std::path::Path::new(path)),
        None => Config::from_env(|k| std::env::var(k).ok()),
    };
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => {
            eprintln!("usersig-server: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    // Only the public part of the configuration is ever printed.
    let banner = format!(
        "(sdkAppID {}, userSig expire {} s)",
        cfg.sdk_app_id, cfg.expire
    );
    server::run_main(
        "usersig-server",
        bind,
        |addr| format!("listening on http://{addr} {banner}"),
        move |listener, stop| server::serve(listener, cfg, stop),
    )
}
