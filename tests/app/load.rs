//! Concurrent writers through the real application (issue 13, finding 5): on SQLite every write
//! transaction takes the write lock at its start and waits for it (`db::write`, busy_timeout),
//! so concurrent submitters queue instead of getting 500 "database is locked".
//!
//! Writers inside the process also queue on a mutex in `db::write`; a writer in another process
//! (the CLI, say `seed --demo --generate`) does not, so the test adds one: only SQLite's own
//! locking (`BEGIN IMMEDIATE`, `busy_timeout`) keeps it and the application apart.

use crate::fixtures::{complaint, refs, CaseBuilder, PNG};
use crate::harness::TestApp;
use crate::rows;
use actix_web::rt::spawn;
use diesel::connection::SimpleConnection;
use standards_desk::db::{Backend, DbManager};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Another process writing to the same SQLite file: short write transactions in a loop, each
/// holding the write lock a moment, until told to stop. Its own failures are not the test's.
fn other_process_writing(app: &TestApp) -> Option<(Arc<AtomicBool>, std::thread::JoinHandle<usize>)> {
    if app.db.url.backend != Backend::Sqlite {
        return None;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let url = app.db.url.clone();
    let stopped = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut conn = DbManager::new(url).establish().expect("a second connection");
        let mut written = 0;
        while !stopped.load(Ordering::Relaxed) {
            let began = conn.batch_execute(
                "BEGIN IMMEDIATE; INSERT INTO rate_limit_events (id, bucket, subject, occurred_at) \
                 VALUES (lower(hex(randomblob(16))), 'other-process', 'cli', CURRENT_TIMESTAMP);",
            );
            std::thread::sleep(Duration::from_millis(3));
            written += usize::from(began.is_ok() && conn.batch_execute("COMMIT").is_ok());
            let _ = conn.batch_execute("ROLLBACK");
            std::thread::sleep(Duration::from_millis(1));
        }
        written
    });
    Some((stop, writer))
}

/// The public journey as a new browser from its own address, with the same screenshot as every
/// other submitter (as when one screenshot goes round); the statuses of each step.
async fn submit(browser: TestApp, fields: Vec<(String, String)>, n: usize) -> Vec<(String, u16)> {
    let mut statuses = Vec::new();
    let form = browser.get("/complaints/new").await;
    statuses.push(("GET form".to_string(), form.status.as_u16()));
    let name = format!("Submitter {n}");
    let fields = crate::fixtures::with(&fields, "complainant_name", &name);
    let posted = browser.post_multipart("/complaints/new", &refs(&fields), &[("files", "shot.png", PNG)]).await;
    statuses.push(("POST form".to_string(), posted.status.as_u16()));

    let Some(check) = posted.location().map(str::to_string) else { return statuses };
    let answers = browser.get(&check).await;
    statuses.push(("GET check answers".to_string(), answers.status.as_u16()));
    let sent = browser.post_form(&check, &[]).await;
    statuses.push(("POST submit".to_string(), sent.status.as_u16()));
    statuses
}

#[actix_web::test]
async fn concurrent_public_submissions_and_an_officers_notes_all_succeed() {
    const SUBMITTERS: usize = 8;
    const ROUNDS: usize = 3;
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let cases_before = rows::count(&app, "cases");
    let fields = complaint(&app);
    let other = other_process_writing(&app);

    for round in 0..ROUNDS {
        let journeys: Vec<_> = (0..SUBMITTERS)
            .map(|i| {
                let browser = app.new_browser();
                *browser.peer.borrow_mut() = format!("198.51.100.{}:4000", round * SUBMITTERS + i + 1);
                spawn(submit(browser, fields.clone(), round * SUBMITTERS + i))
            })
            .collect();
        // The officer writes notes on another case meanwhile.
        for k in 0..3 {
            let res = officer
                .post_form(&format!("/cases/{}/notes", case.reference), &[("note", &format!("Note {round}.{k}"))])
                .await;
            res.assert_status(303);
        }
        for journey in journeys {
            let statuses = journey.await.expect("the journey ran");
            let expected = ["GET form", "POST form", "GET check answers", "POST submit"]
                .iter()
                .zip([200, 303, 200, 303])
                .map(|(s, c)| (s.to_string(), c))
                .collect::<Vec<_>>();
            assert_eq!(statuses, expected, "every step answers as it should (no 500 \"database is locked\")");
        }
    }
    if let Some((stop, writer)) = other {
        stop.store(true, Ordering::Relaxed);
        assert!(writer.join().expect("the other writer") > 0, "the other process wrote meanwhile");
    }
    assert_eq!(rows::count(&app, "cases") - cases_before, (SUBMITTERS * ROUNDS) as i64, "one case per submission");
    assert_eq!(rows::count(&app, "case_notes"), (3 * ROUNDS) as i64);
}
