//! Benchmark (not a test): the public complaint submission, and the case list over 10,000 cases.
//!
//!     cargo bench --bench intake                 # SQLite
//!     TEST_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench intake
//!
//! Requests go through the real application in-process (middleware, sessions, CSRF, templates,
//! database), one at a time, so the figures are per-request latency on one core.

#[allow(dead_code)]
#[path = "../app/harness.rs"]
mod harness;

#[allow(dead_code)]
#[path = "../app/fixtures.rs"]
mod fixtures;

use fixtures::{complaint, refs, PNG};
use harness::TestApp;
use std::time::{Duration, Instant};

const CASES: usize = 10_000;

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let n = times.len();
    let total: Duration = times.iter().sum();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<44} n={n:<4} mean {:>7.2} ms   p50 {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms",
        ms(total / n as u32),
        ms(times[n / 2]),
        ms(times[(n * 95 / 100).min(n - 1)]),
        ms(times[n - 1]),
    );
}

async fn time_get(app: &TestApp, name: &str, path: &str, n: usize) {
    app.get(path).await.assert_status(200);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let res = app.get(path).await;
        times.push(t.elapsed());
        assert_eq!(res.status.as_u16(), 200);
    }
    summary(name, times);
}

#[actix_web::main]
async fn main() {
    let app = TestApp::spawn_demo().await;
    let backend = format!("{:?}", app.db.url.backend);
    println!("Standards Desk intake benchmark on {backend}");
    let t = Instant::now();
    standards_desk::services::generate::generate(&mut app.conn(), CASES, 7, |_| {}).expect("generate");
    println!(
        "generated {CASES} cases in {:.1} s ({:.2} ms a case)",
        t.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64() * 1000.0 / CASES as f64
    );

    let officer = app.new_browser();
    let res = officer.login("officer@southvale.example", "demo-password").await;
    assert_eq!(res.status.as_u16(), 303);
    time_get(&officer, "case list, first page (newest first)", "/cases", 200).await;
    time_get(&officer, "case list, search \"liar meeting\"", "/cases?q=liar+meeting", 200).await;
    time_get(&officer, "case list, open and overdue, by ack due", "/cases?status=open&overdue=yes&sort=ack-due", 200)
        .await;
    time_get(&officer, "case list, page 300", "/cases?page=300", 200).await;
    time_get(&officer, "dashboard", "/dashboard", 200).await;

    // The public form: fill in (with one screenshot), check answers, send. Each submission comes
    // from its own address, as the rate limit is per address.
    let mut times = Vec::new();
    for i in 0..200 {
        let browser = app.new_browser();
        *browser.peer.borrow_mut() = format!("198.51.{}.{}:5000", i / 250, i % 250 + 1);
        browser.get("/complaints/new").await;
        let fields = complaint(&app);
        let t = Instant::now();
        let res = browser.post_multipart("/complaints/new", &refs(&fields), &[("files", "screenshot.png", PNG)]).await;
        let check = res.location().expect("to check answers").to_string();
        browser.get(&check).await;
        let sent = browser.post_form(&check, &[]).await;
        times.push(t.elapsed());
        assert_eq!(sent.status.as_u16(), 303);
    }
    summary("public complaint: form post + check + submit", times);
}
