//! Operations (issue 20): `/readyz`, `/metrics`, the request id on error pages and in JSON logs,
//! and graceful shutdown of the real server process under a load of submissions.

use crate::harness::{TestApp, TestDb};
use diesel::prelude::*;
use standards_desk::db::{Backend, DatabaseUrl, DbManager};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../support/http_client.rs"]
pub mod http_client;
use http_client::{between, Client, Reply};

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// The `DATABASE_URL` a server process is given for a test database.
pub fn database_url(url: &DatabaseUrl) -> String {
    match url.backend {
        Backend::Sqlite => format!("sqlite://{}", url.target),
        Backend::Postgres => url.target.clone(),
    }
}

/// The real binary serving on a loopback port of its own; killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: std::path::PathBuf,
}

impl Server {
    /// `serve --demo` with these extra settings; returns once `/healthz` answers 200.
    pub fn start(db: &TestDb, data: &std::path::Path, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        std::fs::create_dir_all(data).unwrap();
        let log = data.join(format!("server-{port}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_standards-desk"));
        cmd.args(["serve", "--demo"])
            .env("DATA_DIR", data)
            .env("DATABASE_URL", database_url(&db.url))
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("TRUST_FORWARDED_FOR", "1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let server = Server { child: cmd.spawn().expect("the server starts"), base: format!("127.0.0.1:{port}"), log };
        let started = Instant::now();
        loop {
            if let Ok(mut c) = Client::connect(&server.base) {
                if c.request("GET", "/healthz", &[], None).map(|r| r.status == 200).unwrap_or(false) {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "the server did not start:\n{}",
                std::fs::read_to_string(&server.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.base).expect("connects")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM, as a container runtime or systemd does to stop a service.
    pub fn terminate(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill runs");
        assert!(ok.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `Set-Cookie` pairs of a reply, as a `Cookie` header.
pub fn cookies(reply: &Reply) -> String {
    reply
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of Alex Archer on the public form (the councillor every submission is about).
pub fn councillor(client: &mut Client) -> String {
    let form = client.request("GET", "/complaints/new", &[], None).expect("the form");
    assert_eq!(form.status, 200);
    between(&form.body, "<option value=\"", "\">Alex Archer")
        .and_then(|s| s.rsplit("<option value=\"").next())
        .expect("Alex Archer on the form")
        .to_string()
}

fn multipart_body(csrf: &str, councillor: &str, n: u32) -> (String, Vec<u8>) {
    let boundary = "----standardsdeskops7MA4YWxkTrZu0gW";
    let (name, email) = (format!("Submitter {n}"), format!("submitter{n}@example.com"));
    let fields: &[(&str, &str)] = &[
        ("_csrf", csrf),
        ("complainant_name", &name),
        ("complainant_email", &email),
        ("complainant_phone", "01234 567890"),
        ("complainant_address", ""),
        ("complainant_type", "public"),
        ("confidential", "no"),
        ("confidential_reason", ""),
        ("councillor", councillor),
        ("councillor_2", ""),
        ("conduct_day", "3"),
        ("conduct_month", "11"),
        ("conduct_year", "2026"),
        ("platform", "facebook"),
        ("post_urls", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc"),
        ("what_happened", "Called a named planning officer incompetent and a liar."),
        ("why_official", "The page is called Cllr A – Northfield Ward."),
        ("provisions", "1"),
        ("witnesses", ""),
        ("outcome_sought", "An apology"),
        ("declaration", "yes"),
        ("website", ""),
    ];
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"shot-{n}.png\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(PNG);
    body.extend_from_slice(&n.to_le_bytes());
    body.extend_from_slice(&[0x5a; 1024]);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// What one public submission came to.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The submit was answered with its 303 (the complaint is recorded).
    pub acknowledged: bool,
    /// The reference the confirmation page showed.
    pub reference: Option<String>,
    /// Every status seen, for the 5xx check.
    pub statuses: Vec<u16>,
}

/// The public journey as a new browser from its own address; an i/o error is returned as is
/// (the server may be stopping).
pub fn submit_once(client: &mut Client, councillor: &str, n: u32) -> std::io::Result<Outcome> {
    let mut out = Outcome::default();
    let ip = format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    let form = client.request("GET", "/complaints/new", &[("X-Forwarded-For", &ip)], None)?;
    out.statuses.push(form.status);
    if form.status != 200 {
        return Ok(out);
    }
    let cookie = cookies(&form);
    let csrf = between(&form.body, "name=\"_csrf\" value=\"", "\"").unwrap_or_default().to_string();
    let headers = [("X-Forwarded-For", ip.as_str()), ("Cookie", cookie.as_str())];
    let (content_type, body) = multipart_body(&csrf, councillor, n);
    let posted = client.request("POST", "/complaints/new", &headers, Some((&content_type, &body)))?;
    out.statuses.push(posted.status);
    let Some(check) = posted.header("location").filter(|_| posted.status == 303).map(str::to_string) else {
        return Ok(out);
    };
    let submit = format!("_csrf={csrf}");
    let sent =
        client.request("POST", &check, &headers, Some(("application/x-www-form-urlencoded", submit.as_bytes())))?;
    out.statuses.push(sent.status);
    let Some(confirmation) = sent.header("location").filter(|_| sent.status == 303).map(str::to_string) else {
        return Ok(out);
    };
    out.acknowledged = true;
    let page = client.request("GET", &confirmation, &headers, None)?;
    out.statuses.push(page.status);
    out.reference = between(&page.body, "Your reference number<br><strong>", "</strong>").map(str::to_string);
    Ok(out)
}

pub fn references_in(url: &DatabaseUrl) -> Vec<String> {
    use standards_desk::db::schema::cases;
    let mut conn = DbManager::new(url.clone()).establish().expect("connects");
    cases::table.select(cases::reference).load(&mut conn).expect("cases")
}

#[actix_web::test]
async fn readyz_checks_the_database_and_the_evidence_store() {
    let app = TestApp::spawn().await;
    app.get("/readyz").await.assert_status(200).assert_contains("database: ok").assert_contains("evidence store: ok");

    // An evidence store that cannot be written to (its directory replaced by a file): not ready,
    // and it says which check failed.
    let blocked = TestApp::spawn().await;
    let root = blocked.state.files.root().to_path_buf();
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::write(&root, b"not a directory").unwrap();
    blocked
        .get("/readyz")
        .await
        .assert_status(503)
        .assert_contains("database: ok")
        .assert_contains("evidence store: unavailable");
}

#[actix_web::test]
async fn metrics_need_the_token_and_count_requests_by_route() {
    let app = TestApp::spawn().await;
    app.get("/metrics").await.assert_status(404);

    let token = "a-long-metrics-token-0123456789";
    let app = TestApp::builder()
        .configure(move |c| c.metrics_token = Some(standards_desk::config::Secret::new(token.into())))
        .spawn()
        .await;
    app.get("/metrics").await.assert_status(401);
    app.headers.borrow_mut().push(("Authorization".into(), "Bearer wrong-token-wrong-token".into()));
    app.get("/metrics").await.assert_status(401);
    app.headers.borrow_mut().clear();

    app.get("/cases/SD-2026-9999").await;
    app.get("/no/such/page/with-a-unique-name-4821").await.assert_status(404);
    app.headers.borrow_mut().push(("Authorization".into(), format!("Bearer {token}")));
    let res = app.get("/metrics").await;
    res.assert_status(200)
        .assert_contains("sd_http_requests_total{method=\"GET\",route=\"/cases/{reference}\",status=\"")
        .assert_contains(
            "sd_http_request_duration_seconds_bucket{method=\"GET\",route=\"/cases/{reference}\",le=\"+Inf\"}",
        )
        .assert_contains("sd_outbox_messages{status=\"queued\"}")
        .assert_contains("sd_outbox_send_failures_total")
        .assert_contains("sd_db_pool_in_use_connections")
        .assert_contains("sd_db_pool_max_connections 4")
        // Routes, never paths: an address someone makes up adds no series of its own.
        .assert_lacks("SD-2026-9999")
        .assert_lacks("with-a-unique-name-4821");
    assert!(res.header("content-type").unwrap_or("").starts_with("text/plain; version=0.0.4"));
}

#[actix_web::test]
async fn every_response_has_a_request_id_and_error_pages_show_it() {
    let app = TestApp::spawn().await;
    let res = app.get("/cases?q=%00").await;
    res.assert_status(400);
    let id = res.header("x-request-id").expect("a request id").to_string();
    assert_eq!(id.len(), 20);
    res.assert_contains(&format!("give them this reference: <strong>{id}</strong>"));

    // An id set by the proxy in front is kept, so one id follows the request through both logs.
    app.headers.borrow_mut().push(("X-Request-Id".into(), "lb-2f6c1a9e-0001".into()));
    let res = app.get("/cases?q=%00").await;
    res.assert_status(400).assert_contains("<strong>lb-2f6c1a9e-0001</strong>");
    assert_eq!(res.header("x-request-id"), Some("lb-2f6c1a9e-0001"));
}

/// SIGTERM while submitters keep sending complaints: the server stops within the bound, no
/// request gets a 5xx, and every complaint it acknowledged is in the database afterwards. The
/// JSON log carries the request id of a refused request.
#[test]
fn sigterm_during_submissions_loses_nothing_acknowledged() {
    let db = TestDb::empty();
    let data = db.dir.path().join("data");
    let server = Server::start(
        &db,
        &data,
        &[("LOG_FORMAT", "json"), ("SHUTDOWN_TIMEOUT_SECONDS", "20"), ("METRICS_TOKEN", "metrics-token-for-the-test")],
    );
    let mut client = server.client();
    let councillor = councillor(&mut client);

    // A refused request is logged with the id the response carries.
    let refused =
        client.request("POST", "/login", &[], Some(("application/x-www-form-urlencoded", &b"email=x"[..]))).unwrap();
    assert_eq!(refused.status, 403);
    let refused_id = refused.header("x-request-id").expect("a request id").to_string();
    let ready = client.request("GET", "/readyz", &[], None).unwrap();
    assert_eq!(ready.status, 200, "{}", ready.body);

    let signalled = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU32::new(1));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (base, councillor, next, outcomes, signalled) =
                (server.base.clone(), councillor.clone(), next.clone(), outcomes.clone(), signalled.clone());
            std::thread::spawn(move || {
                let Ok(mut client) = Client::connect(&base) else { return };
                for _ in 0..10_000 {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    match submit_once(&mut client, &councillor, n) {
                        Ok(o) => outcomes.lock().unwrap().push(o),
                        // After the signal the server closes its connections: stop.
                        Err(_) if signalled.load(Ordering::SeqCst) => return,
                        Err(_) => match Client::connect(&base) {
                            Ok(c) => client = c,
                            Err(_) => return,
                        },
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while outcomes.lock().unwrap().iter().filter(|o| o.acknowledged).count() < 12 {
        assert!(started.elapsed() < Duration::from_secs(120), "submissions are too slow");
        std::thread::sleep(Duration::from_millis(50));
    }
    signalled.store(true, Ordering::SeqCst);
    let mut server = server;
    server.terminate();
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(stopping.elapsed() < Duration::from_secs(45), "the server did not stop within its bound");
        std::thread::sleep(Duration::from_millis(50));
    };
    for t in threads {
        t.join().unwrap();
    }
    let log = server.log_text();
    assert!(status.success(), "the server exits cleanly on SIGTERM: {status:?}\n{log}");

    let outcomes = outcomes.lock().unwrap();
    let statuses: Vec<u16> = outcomes.iter().flat_map(|o| o.statuses.iter().copied()).collect();
    assert!(statuses.iter().all(|s| *s < 500), "no 5xx: {statuses:?}");
    let acknowledged = outcomes.iter().filter(|o| o.acknowledged).count();
    let shown: Vec<&String> = outcomes.iter().filter_map(|o| o.reference.as_ref()).collect();
    let stored = references_in(&db.url);
    assert!(stored.len() >= acknowledged, "{} acknowledged, {} stored", acknowledged, stored.len());
    for reference in &shown {
        assert!(stored.contains(reference), "{reference} was shown to its submitter but is not stored");
    }

    // LOG_FORMAT=json: every line is a JSON object; the refused request's line names its id.
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["request_id"] == refused_id.as_str() && l["level"] == "WARN"),
        "the refusal is logged with request id {refused_id}:\n{log}"
    );
    assert!(lines.iter().all(|l| l["time"].is_string() && l["message"].is_string()), "{log}");
}
