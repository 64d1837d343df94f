//! Benchmark (not a test): the committee report over 100,000 generated cases.
//!
//!     cargo bench --bench report                 # SQLite
//!     TEST_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench report
//!     REPORT_CASES=20000 cargo bench --bench report   # a smaller run
//!
//! The cases are generated through the intake service (as `seed --generate N` does), then the
//! annual report, its CSV files and the dashboard's year-to-date figures are requested through
//! the real application, one at a time.

#[allow(dead_code)]
#[path = "../app/harness.rs"]
mod harness;

#[allow(dead_code)]
#[path = "../app/fixtures.rs"]
mod fixtures;

use harness::TestApp;
use std::time::{Duration, Instant};

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let n = times.len();
    let total: Duration = times.iter().sum();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<52} n={n:<3} mean {:>8.1} ms   p50 {:>8.1} ms   max {:>8.1} ms",
        ms(total / n as u32),
        ms(times[n / 2]),
        ms(times[n - 1]),
    );
}

async fn time_get(app: &TestApp, name: &str, path: &str, n: usize) -> usize {
    let first = app.get(path).await;
    assert_eq!(first.status.as_u16(), 200, "{path}");
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let res = app.get(path).await;
        times.push(t.elapsed());
        assert_eq!(res.status.as_u16(), 200);
    }
    summary(name, times);
    first.body.len()
}

#[actix_web::main]
async fn main() {
    let cases: usize = std::env::var("REPORT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let app = TestApp::spawn_demo().await;
    let backend = format!("{:?}", app.db.url.backend);
    println!("Standards Desk report benchmark on {backend}");
    let t = Instant::now();
    let mut conn = app.conn();
    if backend == "Postgres" {
        // Generating is not what is measured: don't wait for a disk flush at every case's commit.
        use diesel::RunQueryDsl;
        diesel::sql_query("SET synchronous_commit TO off").execute(&mut conn).expect("set synchronous_commit");
    }
    standards_desk::services::generate::generate(&mut conn, cases, 11, |done| {
        if done % 10_000 == 0 {
            eprintln!("generated {done} of {cases} cases ({:.0} s)", t.elapsed().as_secs_f64());
        }
    })
    .expect("generate");
    drop(conn);
    println!("generated {cases} cases in {:.1} s", t.elapsed().as_secs_f64());

    // The last full financial year (the generated cases span the two years to today).
    let today = chrono::Utc::now().date_naive();
    let this_year = standards_desk::services::reports::financial_year_of(today);
    let last_year = standards_desk::services::reports::financial_year_of(this_year.from - chrono::Duration::days(1));
    let period = format!("{}:{}", last_year.from, last_year.to);
    let received: i64 = {
        use diesel::prelude::*;
        use standards_desk::db::schema::complaints;
        complaints::table
            .filter(complaints::received_on.between(last_year.from, last_year.to))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    println!("the year {} has {received} complaints", last_year.label());

    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let size = time_get(&mo, "annual report page (with previous year)", &format!("/reports?period={period}"), 5).await;
    println!("  page size {} KB", size / 1024);
    time_get(&mo, "annual figures CSV", &format!("/reports/figures.csv?period={period}"), 5).await;
    let size =
        time_get(&mo, "annual closed cases CSV (every case)", &format!("/reports/cases.csv?period={period}"), 3).await;
    println!("  CSV size {} KB", size / 1024);
    time_get(&mo, "dashboard (with year-to-date figures)", "/dashboard", 5).await;
}
