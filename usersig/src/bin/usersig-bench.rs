//! Bounded load test of the signing service on loopback:
//! `cargo run --release -p usersig --bin usersig-bench -- [--seconds 10] [--connections 16]`.
//!
//! Starts the service in this process on 127.0.0.1 (ephemeral port, a throwaway key), drives it
//! with keep-alive HTTP/1.1 connections that POST /usersig for a fixed time, then prints
//! requests/s and latency percentiles. Traffic never leaves the loopback interface.

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use usersig::server::{self, Config};

fn arg(name: &str, default: u64, max: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    match args
        .iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
    {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                eprintln!("usersig-bench: {name} must be 1..={max}");
                std::process::exit(2);
            }
        },
    }
}

async fn client(addr: std::net::SocketAddr, id: u64, until: Instant) -> Result<Vec<u32>, String> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut lat = Vec::with_capacity(200_000);
    let mut buf = vec![0u8; 8192];
    let mut n = 0u64;
    while Instant::now() < until {
        let body = format!(
            "{{\"userID\":\"bench_{id}_{}\",\"roomID\":{}}}",
            n % 1000,
            1 + n % 100_000
        );
        let req = format!(
            "POST /usersig HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let t0 = Instant::now();
        s.write_all(req.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        // Read one response: headers, then Content-Length bytes.
        let mut got = 0;
        let total = loop {
            let k = s.read(&mut buf[got..]).await.map_err(|e| e.to_string())?;
            if k == 0 {
                return Err("server closed the connection".into());
            }
            got += k;
            if let Some(h) = buf[..got].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..h]).to_ascii_lowercase();
                if !head.starts_with("http/1.1 200") {
                    return Err(format!("unexpected response: {head}"));
                }
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .ok_or("no content-length")?;
                break h + 4 + len;
            }
            if got == buf.len() {
                return Err("response headers too large".into());
            }
        };
        while got < total {
            let k = s
                .read(&mut buf[got..total])
                .await
                .map_err(|e| e.to_string())?;
            if k == 0 {
                return Err("short body".into());
            }
            got += k;
        }
        lat.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
        n += 1;
    }
    Ok(lat)
}

fn main() {
    let secs = arg("--seconds", 10, 120);
    let conns = arg("--connections", 16, 256);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let cfg = Config {
            sdk_app_id: 1_400_000_000,
            secret_key: "bench-only-throwaway-key".into(),
            expire: 86_400,
            private_map_key_expire: None,
            privilege_map: 255,
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let srv = tokio::spawn(server::serve(listener, cfg, async {
            let _ = stop_rx.await;
        }));
        println!("usersig-bench: POST /usersig on http://{addr}, {conns} keep-alive connections, {secs} s");
        let start = Instant::now();
        let until = start + Duration::from_secs(secs);
        let tasks: Vec<_> = (0..conns).map(|i| tokio::spawn(client(addr, i, until))).collect();
        let mut lat = Vec::new();
        let mut errors = 0;
        for t in tasks {
            match t.await {
                Ok(Ok(l)) => lat.extend(l),
                Ok(Err(e)) => {
                    errors += 1;
                    eprintln!("usersig-bench: a connection failed: {e}");
                }
                Err(e) => {
                    errors += 1;
                    eprintln!("usersig-bench: a client task failed: {e}");
                }
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        let _ = stop_tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), srv).await;
        lat.sort_unstable();
        let pct = |p: f64| -> f64 {
            if lat.is_empty() {
                return 0.0;
            }
            let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
            lat[i] as f64 / 1000.0
        };
        println!("requests:   {} in {elapsed:.2} s ({errors} failed connections)", lat.len());
        println!("requests/s: {:.0}", lat.len() as f64 / elapsed);
        println!("latency ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}", pct(0.50), pct(0.90), pct(0.99), pct(1.0));
        if errors > 0 || lat.is_empty() {
            std::process::exit(1);
        }
    });
}
