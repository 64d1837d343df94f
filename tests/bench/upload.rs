//! Benchmark (not a test): memory while uploading a 50 MB file.
//!
//!     cargo bench --bench upload
//!
//! Starts the real server (release build) on a fresh data directory, uploads a 50 MB screenshot
//! through the public complaint form with curl, and reads the server's resident memory
//! (VmRSS, and the peak VmHWM) from /proc before and after. Files stream to disk while they are
//! hashed, so the peak should grow by far less than the file's size.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SIZE_MB: usize = 50;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn status_kb(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("memory figure")
}

fn curl(args: &[&str]) -> String {
    let out = Command::new("curl").args(["-s", "-S"]).args(args).output().expect("curl is installed");
    assert!(out.status.success(), "curl failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_standards-desk");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(bin)
            .args(["serve", "--demo"])
            .env("DATA_DIR", &data)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("MAX_UPLOAD_MB", "100")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("server starts"),
    );
    let pid = server.0.id();
    let started = Instant::now();
    let healthy = || {
        Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &format!("{base}/healthz")])
            .output()
            .map(|o| o.stdout == b"200")
            .unwrap_or(false)
    };
    while !healthy() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    let file = dir.path().join("big-screenshot.png");
    let mut f = std::fs::File::create(&file).unwrap();
    f.write_all(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i * 7919 % 251) as u8).collect();
    for _ in 0..SIZE_MB {
        f.write_all(&chunk).unwrap();
    }
    drop(f);
    let jar = dir.path().join("cookies");
    let jar = jar.to_str().unwrap();
    let page = curl(&["-c", jar, "-b", jar, &format!("{base}/complaints/new")]);
    let token = page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    // Warm up: one small form post, so lazily built state is in place before measuring.
    curl(&[
        "-c",
        jar,
        "-b",
        jar,
        "-o",
        "/dev/null",
        "-F",
        &format!("_csrf={token}"),
        "-F",
        "complainant_name=Warm",
        &format!("{base}/complaints/new"),
    ]);

    let (rss_before, hwm_before) = (status_kb(pid, "VmRSS:"), status_kb(pid, "VmHWM:"));
    let t = Instant::now();
    let code = curl(&[
        "-c",
        jar,
        "-b",
        jar,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-F",
        &format!("_csrf={token}"),
        "-F",
        "complainant_name=Big Upload",
        "-F",
        &format!("files=@{};type=image/png", file.display()),
        &format!("{base}/complaints/new"),
    ]);
    let took = t.elapsed();
    let (rss_after, hwm_after) = (status_kb(pid, "VmRSS:"), status_kb(pid, "VmHWM:"));
    assert_eq!(code, "422", "the form comes back asking for the other answers, with the file kept");
    let stored = walk_size(&data.join("evidence"));
    println!("upload of a {SIZE_MB} MB file through the public form: {:.2} s", took.as_secs_f64());
    println!(
        "server resident memory before  {:>7.1} MB (peak so far {:.1} MB)",
        rss_before as f64 / 1024.0,
        hwm_before as f64 / 1024.0
    );
    println!(
        "server resident memory after   {:>7.1} MB (peak {:.1} MB)",
        rss_after as f64 / 1024.0,
        hwm_after as f64 / 1024.0
    );
    println!(
        "peak grew by {:.1} MB for a {SIZE_MB} MB upload; {:.1} MB now in the evidence store",
        (hwm_after.saturating_sub(hwm_before)) as f64 / 1024.0,
        stored as f64 / 1_048_576.0
    );
}

fn walk_size(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let m = e.metadata().unwrap();
            total += if m.is_dir() { walk_size(&e.path()) } else { m.len() };
        }
    }
    total
}
