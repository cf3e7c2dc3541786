//! The emulator binary. See `emulator --help`.

use emulator::Config;
use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
emulator: a local stand-in for the Tencent endpoints <webrtc-room> talks to
(point the component's apiBase at it)

USAGE:
    emulator [--bind ADDR] [--sdkappid N] [--secret-key-file FILE | --secret-key KEY]
             [--config FILE] [--hold SECS] [--media-hold SECS]

OPTIONS:
    --bind ADDR          address to listen on (default 127.0.0.1:8790; port 0 picks a free one)
    --sdkappid N         the SDKAppID (else USERSIG_SDKAPPID)
    --secret-key-file F  file holding the v2 secret key (else USERSIG_SECRET_KEY_FILE)
    --secret-key KEY     the key itself (visible to other local users: prefer the file or
                         USERSIG_SECRET_KEY)
    --config FILE        the signing service's config file (JSON or .toml: sdkAppID, secretKey, ...)
    --hold SECS          longest hold of the IM long polls (default 20; fractions allowed)
    --media-hold SECS    hold of GET /media/events (default 10)
    -h, --help           this text

Use the same SDKAppID and key as usersig-server, so the userSigs it issues are accepted.
Endpoints: emulator/README.md. Prints `listening on http://ADDR` once ready.
Exit codes: 0 after SIGINT/SIGTERM, 2 bad usage or configuration, 1 cannot listen.
";

fn secs(name: &str, v: &str) -> Result<Duration, String> {
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{name} must be a number of seconds in (0, 3600]"))
}

fn main() -> ExitCode {
    let mut flags: HashMap<String, String> = HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            "--bind" | "--sdkappid" | "--secret-key" | "--secret-key-file" | "--config"
            | "--hold" | "--media-hold" => {
                let Some(v) = args.next() else {
                    eprintln!("emulator: {a} needs a value (see --help)");
                    return ExitCode::from(2);
                };
                flags.insert(a, v);
            }
            other => {
                eprintln!("emulator: unknown argument {other:?} (see --help)");
                return ExitCode::from(2);
            }
        }
    }
    let cfg = match config(&flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("emulator: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let bind = flags
        .get("--bind")
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8790".into());
    let banner = format!(
        "(sdkAppID {}, IM hold {:?}, media hold {:?})",
        cfg.sdk_app_id, cfg.im_hold, cfg.media_hold
    );
    usersig::server::run_main(
        "emulator",
        bind,
        |addr| format!("listening on http://{addr} {banner}"),
        move |listener, stop| emulator::serve(listener, cfg, stop),
    )
}

/// Flags first, then the environment (the variables `usersig-server` reads), or `--config`.
fn config(flags: &HashMap<String, String>) -> Result<Config, String> {
    use usersig::server::Config as SignConfig;
    let base = if let Some(path) = flags.get("--config") {
        SignConfig::from_file(std::path::Path::new(path))?
    } else {
        let file_key = match flags.get("--secret-key-file") {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map(|k| k.trim().to_string())
                    .map_err(|e| format!("--secret-key-file {path}: {e}"))?,
            ),
            None => None,
        };
        SignConfig::from_env(|k| match k {
            "USERSIG_SDKAPPID" => flags
                .get("--sdkappid")
                .cloned()
                .or_else(|| std::env::var(k).ok()),
            "USERSIG_SECRET_KEY" => flags
                .get("--secret-key")
                .cloned()
                .or_else(|| file_key.clone())
                .or_else(|| std::env::var(k).ok()),
            _ => std::env::var(k).ok(),
        })?
    };
    let mut cfg = Config::new(base.sdk_app_id, base.secret_key);
    if let Some(v) = flags.get("--hold") {
        cfg.im_hold = secs("--hold", v)?;
    }
    if let Some(v) = flags.get("--media-hold") {
        cfg.media_hold = secs("--media-hold", v)?;
    }
    Ok(cfg)
}
