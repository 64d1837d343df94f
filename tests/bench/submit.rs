//! Benchmark (not a test): public complaints submitted concurrently, as in a viral spike.
//!
//!     cargo bench --bench submit                                        # SQLite
//!     PG_BENCH_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench submit
//!
//! Starts the real server (release build) on an empty data directory with SQLite, and, when
//! `PG_BENCH_URL` or `TEST_DATABASE_URL` names a PostgreSQL server, again on a fresh database
//! there. Then `SUBMITTERS` (16) concurrent submitters each do the whole public journey, as a new
//! browser every time, for `SECONDS` (30 s): GET the form, POST it with one screenshot (303 to
//! check answers), GET check answers, POST submit (303), GET the confirmation. It prints
//! submissions per second, the journey's latency and every status code, checks that the
//! database holds one case per confirmed submission, and exits non-zero on any 5xx (or any other
//! unexpected status).
//!
//! The server runs with `TRUST_FORWARDED_FOR=1` and each submission sends its own
//! `X-Forwarded-For` address, so the per-address limits (5 complaints and 30 form posts an hour)
//! never trigger: what is measured is the work of a submission, not the rate limit.
//! The HTTP client is a minimal HTTP/1.1 keep-alive client over `std::net::TcpStream` (one
//! connection per submitter thread), to keep the client's share of the 2 cores small and to
//! need no crate beyond the dev-dependencies. Loopback only.
//!
//! `SUBMITTERS`, `SECONDS`, `BACKENDS` (`sqlite,postgres`), `INSTANCES` (server processes on
//! the one database, submitters spread over them; 1 by default) and `SERVER_BIN` (another build
//! of the server) can be set in the environment.

use diesel::prelude::*;
use standards_desk::db::{DatabaseUrl, DbManager};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../support/http_client.rs"]
mod http_client;
use http_client::{between, Client, Reply};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
/// No thread does more journeys than this, whatever the time says (a bound on the loop).
const MAX_JOURNEYS_PER_SUBMITTER: usize = 100_000;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(data: &std::path::Path, database_url: Option<&str>) -> Server {
    // `SERVER_BIN` runs another build of the server (say, the one before a change) under the
    // same load.
    let bin = std::env::var("SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_standards-desk").to_string());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(bin);
    cmd.args(["serve", "--demo"])
        .env("DATA_DIR", data)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("TRUST_FORWARDED_FOR", "1")
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let server = Server { child: cmd.spawn().expect("server starts"), base: format!("127.0.0.1:{port}") };
    let started = Instant::now();
    loop {
        if let Ok(mut c) = Client::connect(&server.base) {
            if c.request("GET", "/healthz", &[], None).map(|r| r.status == 200).unwrap_or(false) {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// The answers of a complete complaint about Alex Archer's Facebook post, as multipart.
fn multipart_body(csrf: &str, councillor: &str, n: u32) -> (String, Vec<u8>) {
    let boundary = "----standardsdeskbench7MA4YWxkTrZu0gW";
    let name = format!("Submitter {n}");
    let email = format!("submitter{n}@example.com");
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
        ("post_urls", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc?fbclid=IwAR0"),
        ("what_happened", "Called a named planning officer incompetent and a liar."),
        ("why_official", "The page is called Cllr A – Northfield Ward."),
        ("provisions", "1"),
        ("provisions", "3"),
        ("witnesses", "Sam Neighbour"),
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
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"screenshot-{n}.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    // One screenshot each, different bytes each time (so every file is stored, not deduplicated).
    body.extend_from_slice(PNG);
    body.extend_from_slice(&n.to_le_bytes());
    body.extend_from_slice(&[0x5a; 2048]);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[derive(Default)]
struct Tally {
    submitted: usize,
    /// (step, status) -> count
    statuses: BTreeMap<(&'static str, u16), usize>,
    unexpected: Vec<String>,
    journeys: Vec<Duration>,
    io_errors: usize,
}

/// One submitter: new browsers, one after another, until the time is up.
fn submitter(base: String, councillor: String, deadline: Instant, next_address: Arc<AtomicU32>) -> Tally {
    let mut tally = Tally::default();
    let mut client = match Client::connect(&base) {
        Ok(c) => c,
        Err(e) => {
            tally.unexpected.push(format!("connect: {e}"));
            return tally;
        }
    };
    for _ in 0..MAX_JOURNEYS_PER_SUBMITTER {
        if Instant::now() >= deadline {
            break;
        }
        let n = next_address.fetch_add(1, Ordering::Relaxed);
        // 10.0.0.1 upwards: one address per submission.
        let ip = format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
        let t = Instant::now();
        match journey(&mut client, &councillor, &ip, n, &mut tally) {
            Ok(true) => {
                tally.submitted += 1;
                tally.journeys.push(t.elapsed());
            }
            Ok(false) => {}
            Err(e) => {
                tally.io_errors += 1;
                tally.unexpected.push(format!("i/o: {e}"));
                if let Ok(c) = Client::connect(&base) {
                    client = c;
                }
            }
        }
    }
    tally
}

/// The whole journey as a new browser; Ok(true) when it ended on the confirmation.
fn journey(client: &mut Client, councillor: &str, ip: &str, n: u32, tally: &mut Tally) -> std::io::Result<bool> {
    let mut check = |step: &'static str, r: &Reply, want: u16| -> bool {
        *tally.statuses.entry((step, r.status)).or_default() += 1;
        if r.status != want {
            let body: String = r.body.chars().take(300).collect();
            tally.unexpected.push(format!("{step}: {} (wanted {want}): {body}", r.status));
        }
        r.status == want
    };
    let form = client.request("GET", "/complaints/new", &[("X-Forwarded-For", ip)], None)?;
    if !check("GET form", &form, 200) {
        return Ok(false);
    }
    let cookie = form
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    if cookie.is_empty() {
        return Err(std::io::Error::other("no CSRF cookie"));
    }
    let csrf = between(&form.body, "name=\"_csrf\" value=\"", "\"").unwrap_or_default().to_string();
    let headers = [("X-Forwarded-For", ip), ("Cookie", cookie.as_str())];

    let (content_type, body) = multipart_body(&csrf, councillor, n);
    let posted = client.request("POST", "/complaints/new", &headers, Some((&content_type, &body)))?;
    if !check("POST form", &posted, 303) {
        return Ok(false);
    }
    let check_path = posted.header("location").unwrap_or_default().to_string();
    let answers = client.request("GET", &check_path, &headers, None)?;
    if !check("GET check answers", &answers, 200) {
        return Ok(false);
    }
    let submit_body = format!("_csrf={csrf}");
    let sent = client.request(
        "POST",
        &check_path,
        &headers,
        Some(("application/x-www-form-urlencoded", submit_body.as_bytes())),
    )?;
    if !check("POST submit", &sent, 303) {
        return Ok(false);
    }
    let confirmation_path = sent.header("location").unwrap_or_default().to_string();
    let confirmation = client.request("GET", &confirmation_path, &headers, None)?;
    Ok(check("GET confirmation", &confirmation, 200))
}

/// CPU time (user + system) a process has used so far, from /proc (Linux; zero elsewhere).
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks: f64 = [11, 12].iter().filter_map(|i| fields.get(*i)).filter_map(|v| v.parse::<f64>().ok()).sum();
    // USER_HZ is 100 on every Linux this runs on.
    ticks / 100.0
}

fn count_cases(url: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = DbManager::new(DatabaseUrl::parse(url).expect("database url")).establish().expect("connects");
    diesel::sql_query("SELECT count(*) AS n FROM cases").get_result::<Count>(&mut conn).expect("count").n
}

/// Runs the spike against one server; true when nothing unexpected happened.
fn run(label: &str, data: &std::path::Path, database_url: &str) -> bool {
    let submitters = env_number("SUBMITTERS", 16) as usize;
    let seconds = env_number("SECONDS", 30);
    let instances = env_number("INSTANCES", 1).clamp(1, 8) as usize;
    // Several instances on one database and one data directory, as behind a load balancer;
    // submitters are spread over them in turn.
    let servers: Vec<Server> = (0..instances).map(|_| start_server(data, Some(database_url))).collect();
    for server in &servers {
        println!("{label}: server pid {} on {}", server.child.id(), server.base);
    }
    let server = &servers[0];
    let mut client = Client::connect(&server.base).expect("connects");
    let form = client.request("GET", "/complaints/new", &[], None).expect("the form");
    assert_eq!(form.status, 200);
    let councillor = between(&form.body, "<option value=\"", "\">Alex Archer")
        .and_then(|s| s.rsplit("<option value=\"").next())
        .expect("Alex Archer on the form")
        .to_string();
    let cases_before = count_cases(database_url);

    let cpu_before: f64 = servers.iter().map(|s| cpu_seconds(s.child.id())).sum();
    let next_address = Arc::new(AtomicU32::new(1));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let threads: Vec<_> = (0..submitters)
        .map(|i| {
            let base = servers[i % instances].base.clone();
            let (councillor, next) = (councillor.clone(), next_address.clone());
            std::thread::spawn(move || submitter(base, councillor, deadline, next))
        })
        .collect();
    let mut total = Tally::default();
    for t in threads {
        let tally = t.join().expect("submitter thread");
        total.submitted += tally.submitted;
        total.io_errors += tally.io_errors;
        total.journeys.extend(tally.journeys);
        total.unexpected.extend(tally.unexpected);
        for (k, v) in tally.statuses {
            *total.statuses.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = servers.iter().map(|s| cpu_seconds(s.child.id())).sum::<f64>() - cpu_before;
    let cases = count_cases(database_url) - cases_before;
    drop(servers);

    let requests: usize = total.statuses.values().sum();
    println!("== {label}: {submitters} concurrent submitters for {seconds} s on {instances} instance(s) ==");
    println!(
        "submissions confirmed: {} in {elapsed:.1} s = {:.1} submissions/s ({:.0} requests/s)",
        total.submitted,
        total.submitted as f64 / elapsed,
        requests as f64 / elapsed
    );
    if total.submitted > 0 {
        println!(
            "server CPU: {cpu:.1} s in all, {:.2} ms per submission ({:.2} cores busy on average)",
            cpu * 1000.0 / total.submitted as f64,
            cpu / elapsed
        );
    }
    if !total.journeys.is_empty() {
        total.journeys.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let n = total.journeys.len();
        println!(
            "journey (5 requests) latency: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(total.journeys[n / 2]),
            ms(total.journeys[(n * 95 / 100).min(n - 1)]),
            ms(total.journeys[(n * 99 / 100).min(n - 1)]),
            ms(total.journeys[n - 1])
        );
    }
    for ((step, status), count) in &total.statuses {
        println!("  {step:<20} {status}  x {count}");
    }
    println!("cases created: {cases}; i/o errors: {}", total.io_errors);
    let server_errors: usize = total.statuses.iter().filter(|((_, s), _)| *s >= 500).map(|(_, c)| c).sum();
    for u in total.unexpected.iter().take(10) {
        println!("  unexpected: {u}");
    }
    let ok =
        server_errors == 0 && total.unexpected.is_empty() && total.submitted > 0 && cases == total.submitted as i64;
    if server_errors > 0 {
        println!("FAIL: {server_errors} responses with a 5xx status");
    } else if !ok {
        println!("FAIL: unexpected responses, or the cases created do not match the confirmations");
    }
    ok
}

fn main() {
    let backends = std::env::var("BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut ok = true;
    if backends.contains("sqlite") {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let url = format!("sqlite://{}", data.join("standards-desk.db").display());
        ok &= run("SQLite", &data, &url);
    }
    let pg_admin = std::env::var("PG_BENCH_URL")
        .ok()
        .or_else(|| std::env::var("TEST_DATABASE_URL").ok())
        .filter(|u| !u.is_empty());
    if let (true, Some(admin_url)) = (backends.contains("postgres"), pg_admin) {
        let name = format!("sd_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&admin_url).expect("the PostgreSQL server connects");
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
        let (base, _) = admin_url.rsplit_once('/').expect("a database in the URL");
        let url = format!("{base}/{name}");
        let dir = tempfile::tempdir().expect("temp dir");
        ok &= run("PostgreSQL", &dir.path().join("data"), &url);
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
    }
    if !ok {
        std::process::exit(1);
    }
}
