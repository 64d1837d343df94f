//! Benchmark (not a test): the register's CSV import of 5,000 members with their memberships,
//! through the real application (upload, preview page, confirm), then the same file again.
//!
//!     cargo bench --bench import                 # SQLite
//!     TEST_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench import
//!
//! The target (issue 14) is under 5 s for preview and import together.

#[allow(dead_code)]
#[path = "../app/harness.rs"]
mod harness;

#[allow(dead_code)]
#[path = "../app/fixtures.rs"]
mod fixtures;

use harness::TestApp;
use std::time::Instant;

const ROWS: usize = 5_000;

fn csv() -> String {
    let councils =
        ["Southvale District Council", "Northfield Parish Council", "Easton Town Council", "Millbrook Parish Council"];
    let parties = ["Green Party", "Labour", "Conservative", "Liberal Democrats", ""];
    let roles = ["Member", "Chair", "Vice-chair", "Co-opted member"];
    let mut s = String::from("Name,Title,Council,Ward,Party,Role,Start date,End date,End reason,Email\n");
    for i in 0..ROWS {
        let ended = if i % 7 == 0 { "04/05/2023,Term ended" } else { "," };
        s.push_str(&format!(
            "Member {i:05},Cllr,{},Ward {},{},{},0{}/05/2019,{ended},member{i}@example.org\n",
            councils[i % councils.len()],
            i % 40,
            parties[i % parties.len()],
            roles[i % roles.len()],
            1 + i % 9,
        ));
    }
    s
}

#[actix_web::main]
async fn main() {
    let app = TestApp::spawn_demo().await;
    let backend = format!("{:?}", app.db.url.backend);
    println!("Standards Desk register import benchmark on {backend}: {ROWS} rows");
    app.login("admin@southvale.example", "demo-password").await;
    let file = csv();
    for round in ["first import", "same file again"] {
        let t = Instant::now();
        let res = app
            .post_multipart("/admin/import", &[("kind", "members")], &[("file", "members.csv", file.as_bytes())])
            .await;
        res.assert_status(303);
        let upload = t.elapsed();
        let preview = res.location().expect("preview").to_string();
        let t1 = Instant::now();
        let page = app.get(&preview).await;
        page.assert_status(200);
        let previewed = t1.elapsed();
        let t2 = Instant::now();
        let res = app.post_form(&format!("{preview}/confirm"), &[]).await;
        res.assert_status(303);
        let confirmed = t2.elapsed();
        println!(
            "{round:<16} upload {:>6.0} ms   preview {:>6.0} ms   confirm {:>6.0} ms   total {:>6.2} s",
            upload.as_secs_f64() * 1000.0,
            previewed.as_secs_f64() * 1000.0,
            confirmed.as_secs_f64() * 1000.0,
            (upload + previewed + confirmed).as_secs_f64()
        );
    }
    let n: i64 = {
        use diesel::prelude::*;
        standards_desk::db::schema::members::table.count().get_result(&mut app.conn()).expect("count")
    };
    println!("members on the register afterwards: {n}");
}
