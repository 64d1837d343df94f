//! Data protection (issue 18): the retention schedule computed at closure, legal holds, the
//! "due for destruction" list and its approval, destruction (command and worker share it) with
//! its tombstones, the figures kept, the access log and the schedule's settings.

use crate::fixtures::{CaseBuilder, PNG};
use crate::harness::TestApp;
use crate::rows;
use chrono::NaiveDate;
use diesel::prelude::*;
use standards_desk::models::case::{self as case_rows, Case, CaseChanges, CaseStatus};
use standards_desk::services::audit::Actor;
use standards_desk::services::reports::{self, ReportQuery};
use standards_desk::services::retention;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The day the scenario is checked on: the day after a 2-year period from 10 January 2020.
const DUE_DAY: (i32, u32, u32) = (2022, 1, 11);

fn due_day() -> NaiveDate {
    d(DUE_DAY.0, DUE_DAY.1, DUE_DAY.2)
}

async fn spawn_on(today: NaiveDate) -> TestApp {
    TestApp::builder().demo().configure(move |c| c.fixed_today = Some(today)).spawn().await
}

/// A case received on 2 January 2020 about Dave Dunn (a councillor since 2019), from this
/// complainant.
fn old_case(app: &TestApp, name: &str, email: &str, what: &str, url: &str) -> Case {
    CaseBuilder::new()
        .member("Dave Dunn", "southvale")
        .received(d(2020, 1, 2))
        .conduct(d(2019, 12, 30))
        .on(d(2020, 1, 2))
        .complainant(name, email)
        .what(what)
        .url(url)
        .log(app)
}

/// Closes a case on a day in the past as the closing services do: status, closure, and the
/// retention hook with the closure reason.
fn close_on(app: &TestApp, case: &Case, on: NaiveDate, reason: &str) {
    let mut conn = app.conn();
    case_rows::update(
        &mut conn,
        &case.id,
        &CaseChanges {
            status: Some(CaseStatus::Closed),
            closed_at: Some(Some(on.and_hms_opt(12, 0, 0).unwrap())),
            closure_reason: Some(Some(reason.into())),
            ..Default::default()
        },
    )
    .unwrap();
    retention::on_case_closed(&mut conn, &case.id, reason, on).unwrap();
}

fn retain_until(app: &TestApp, case: &Case) -> Option<NaiveDate> {
    standards_desk::models::retention::find(&mut app.conn(), &case.id).unwrap().unwrap().retain_until
}

/// Evidence captured by an officer on the case, with these files.
async fn add_evidence(officer: &TestApp, case: &Case, who: &str, files: &[(&str, &str, &[u8])]) {
    let title = format!("Post naming {who}");
    let text = format!("{who} is a liar.");
    let fields = [
        ("kind", "post"),
        ("source", "officer"),
        ("title", title.as_str()),
        ("platform", "facebook"),
        ("url", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc"),
        ("account_handle", "CllrArcherNorthfield"),
        ("display_name", "Cllr A – Northfield Ward"),
        ("account_bio", "Your councillor for Northfield"),
        ("post_text", text.as_str()),
        ("posted_day", "30"),
        ("posted_month", "12"),
        ("posted_year", "2019"),
        ("posted_time", "21:15"),
        ("captured_day", "2"),
        ("captured_month", "1"),
        ("captured_year", "2020"),
        ("captured_time", "09:30"),
    ];
    officer.get(&format!("/cases/{}/evidence/new", case.reference)).await.assert_status(200);
    let res = officer.post_multipart(&format!("/cases/{}/evidence/new", case.reference), &fields, files).await;
    res.assert_status(303);
}

fn command(app: &TestApp, args: &[&str]) -> (Option<i32>, String) {
    let url = match app.db.url.backend {
        standards_desk::db::Backend::Sqlite => format!("sqlite://{}", app.db.url.target),
        standards_desk::db::Backend::Postgres => app.db.url.target.clone(),
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_standards-desk"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("DATA_DIR", &app.state.config.data_dir)
        .env("EVIDENCE_DIR", app.state.files.root())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

/// The committee report's two CSV files for the financial year 2019/20, as the MO downloads them.
fn report_2019(app: &TestApp) -> (String, String) {
    let mo = app.user("mo@southvale.example");
    let q = ReportQuery::from_pairs(&[("period".into(), "2019-04-01:2020-03-31".into())]);
    let mut conn = app.conn();
    let figures = reports::figures_csv(&mut conn, &mo, &q, d(2026, 12, 1)).unwrap().body;
    let cases = reports::cases_csv(&mut conn, &mo, &q, d(2026, 12, 1)).unwrap().body;
    (figures, cases)
}

fn text_anywhere(app: &TestApp, needle: &str) -> Vec<String> {
    // Every text column of the tables a case's personal data lives in.
    let checks: &[(&str, &[&str])] = &[
        ("complainants", &["name", "email", "phone", "address"]),
        ("complaints", &["what_happened", "why_official", "post_urls", "witnesses", "outcome_sought"]),
        ("case_notes", &["body"]),
        ("audit_log", &["summary", "details"]),
        ("outbox", &["to_address", "to_name", "subject", "body_text"]),
        ("evidence_versions", &["title", "post_text", "notes"]),
        ("evidence_files", &["original_name"]),
        ("custody_log", &["details"]),
        ("cases", &["summary", "search_text"]),
    ];
    let mut found = Vec::new();
    for (table, columns) in checks {
        for column in *columns {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let n = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE $1"))
                .bind::<diesel::sql_types::Text, _>(format!("%{needle}%"))
                .get_result::<N>(&mut app.conn())
                .map(|r| r.n)
                .or_else(|_| {
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE ?"))
                        .bind::<diesel::sql_types::Text, _>(format!("%{needle}%"))
                        .get_result::<N>(&mut app.conn())
                        .map(|r| r.n)
                })
                .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
            if n > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

#[actix_web::test]
async fn closing_a_case_sets_when_it_may_be_destroyed_from_the_schedule() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().log(&app);
    assert_eq!(retain_until(&app, &case), None);
    standards_desk::services::cases::transition(
        &mut app.conn(),
        &Actor::system("test"),
        &case,
        CaseStatus::Closed,
        "No further action: not a breach of the code",
    )
    .unwrap();
    let today = chrono::Utc::now().date_naive();
    assert_eq!(retain_until(&app, &case), Some(retention::keep_until(today, 2)));
    // A breach is kept six years (the default).
    assert_eq!(retention::outcome_of("Sanctions complied with"), "breach");
    assert_eq!(retention::keep_until(d(2020, 1, 10), 6), d(2026, 1, 10));
    assert_eq!(retention::keep_until(d(2020, 2, 29), 2), d(2022, 2, 28));
    // Reopening (any move out of Closed other than destruction) clears it.
    retention::on_case_reopened(&mut app.conn(), &case.id).unwrap();
    assert_eq!(retain_until(&app, &case), None);

    // The case page shows it to staff.
    let case2 = CaseBuilder::new().url("https://example.org/other").log(&app);
    close_on(&app, &case2, d(2020, 1, 10), "No further action: no evidence");
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get(&format!("/cases/{}", case2.reference))
        .await
        .assert_status(200)
        .assert_contains("10 January 2022")
        .assert_contains("No further action: kept 2 years after closure");
}

#[actix_web::test]
async fn a_case_closed_in_2020_is_due_in_2022_destroyed_after_approval_and_the_figures_stay() {
    let app = spawn_on(due_day()).await;
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;

    let doomed = old_case(
        &app,
        "Pat Complainant",
        "pat.complainant@example.com",
        "Zanzibar-words only this complaint holds",
        "https://example.org/post/doomed",
    );
    let live = old_case(&app, "Lee Other", "lee@example.com", "Another matter", "https://example.org/post/live");
    let held = old_case(&app, "Hal Held", "hal@example.com", "Held matter", "https://example.org/post/held");
    // The doomed case's file is shared with the live case; another is its own.
    let own_file: Vec<u8> = [PNG, b"own".as_slice()].concat();
    add_evidence(
        &officer,
        &doomed,
        "Pat Complainant",
        &[("files", "shared.png", PNG), ("files", "own.png", &own_file)],
    )
    .await;
    add_evidence(&officer, &live, "Lee Other", &[("files", "shared.png", PNG)]).await;
    officer
        .post_form(&format!("/cases/{}/notes", doomed.reference), &[("note", "Rang Pat Complainant back")])
        .await
        .assert_status(303);
    close_on(&app, &doomed, d(2020, 1, 10), "No further action: no breach of the code");
    close_on(&app, &held, d(2020, 1, 10), "No further action: no breach of the code");
    let before = report_2019(&app);

    // Not due on the last day it is kept; due the day after.
    let mut conn = app.conn();
    assert!(retention::plan(&mut conn, d(2022, 1, 10)).unwrap().due.is_empty());
    assert_eq!(retention::plan(&mut conn, due_day()).unwrap().due.len(), 2);
    drop(conn);

    // The MO holds one case.
    mo.get(&format!("/cases/{}", held.reference)).await.assert_status(200);
    let res = mo.post_form(&format!("/cases/{}/legal-hold", held.reference), &[("reason", "")]).await;
    res.assert_status(422).assert_contains("Enter why the case is on legal hold");
    mo.post_form(&format!("/cases/{}/legal-hold", held.reference), &[("reason", "Ombudsman complaint")])
        .await
        .assert_status(303);

    let page = mo.get("/retention").await;
    page.assert_status(200)
        .assert_contains(&format!(
            "{}, Southvale District Council: No further action: kept 2 years after closure, until 10 January 2022",
            doomed.reference
        ))
        .assert_contains("Ombudsman complaint");
    assert!(!page.body.contains(&format!("value=\"{}\"", held.reference)), "a held case is not offered for approval");
    assert!(!page.body.contains(&format!("value=\"{}\"", live.reference)));
    // A case officer may not see the list, nor approve.
    officer.get("/retention").await.assert_status(403);
    // Approving the held case is refused, and nothing is approved.
    mo.get("/retention").await.assert_status(200);
    let refused = mo.post_form("/retention/approve", &[("cases", &doomed.reference), ("cases", &held.reference)]).await;
    refused.assert_status(303);
    assert_eq!(rows::audited(&app, "case.destruction_approved"), 0);
    mo.get("/retention").await.assert_status(200);
    mo.post_form("/retention/approve", &[("cases", &doomed.reference)]).await.assert_status(303);
    assert_eq!(rows::audited(&app, "case.destruction_approved"), 1);

    let (code, out) = command(&app, &["retention", "--dry-run", "--today", "2022-01-11"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("APPROVED {}", doomed.reference)), "{out}");
    assert!(out.contains(&format!("HELD {}", held.reference)), "{out}");
    assert!(out.contains("Nothing was changed"), "{out}");
    assert!(!text_anywhere(&app, "Pat Complainant").is_empty(), "the dry run destroys nothing");

    let own_sha = standards_desk::services::auth::sha256_hex(&own_file);
    let shared_sha = standards_desk::services::auth::sha256_hex(PNG);
    assert!(app.state.files.path_for(&own_sha).exists());
    let (code, out) = command(&app, &["retention", "--today", "2022-01-11"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("DESTROYED {}", doomed.reference)), "{out}");

    // Names, texts and files are gone from the database and the store.
    for needle in
        ["Pat Complainant", "pat.complainant@example.com", "Zanzibar-words", "example.org/post/doomed", "own.png"]
    {
        assert_eq!(text_anywhere(&app, needle), Vec::<String>::new(), "{needle} is still stored");
    }
    assert!(!app.state.files.path_for(&own_sha).exists(), "its own file is deleted");
    assert!(!rows::stored_hashes(&app).contains(&own_sha));
    assert!(app.state.files.path_for(&shared_sha).exists(), "the file a live case shares stays");
    assert!(rows::stored_hashes(&app).contains(&shared_sha));
    assert!(rows::evidence_file_hashes(&app, &doomed.id).is_empty());
    // The held and the live case are untouched.
    assert!(!text_anywhere(&app, "Hal Held").is_empty());
    assert!(!text_anywhere(&app, "Lee Other").is_empty());

    // Each item's custody log is a tombstone, and the store still verifies.
    let item = rows::evidence_item_id(&app, &doomed.id, 1);
    assert_eq!(rows::custody_actions(&app, &item), vec!["destroyed"]);
    let (code, out) = command(&app, &["verify-evidence"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("destroyed under the retention schedule"), "{out}");

    // The committee report for 2019/20 reads the same.
    assert_eq!(report_2019(&app), before);

    // The case page says what happened; the evidence is gone.
    let page = mo.get(&format!("/cases/{}", doomed.reference)).await;
    page.assert_status(200).assert_contains("Destroyed").assert_lacks("Pat Complainant").assert_lacks("Rang Pat");
    assert_eq!(rows::audited(&app, "case.destroyed"), 1);
    mo.get(&format!("/cases/{}/evidence/E1", doomed.reference)).await.assert_status(404);
    // Lifting the hold puts the held case back on the list.
    mo.get(&format!("/cases/{}", held.reference)).await.assert_status(200);
    mo.post_form(&format!("/cases/{}/legal-hold/release", held.reference), &[]).await.assert_status(303);
    mo.get("/retention").await.assert_status(200).assert_contains(&format!("value=\"{}\"", held.reference));
    // Running again destroys nothing more.
    let (code, out) = command(&app, &["retention", "--today", "2022-01-11"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Destroyed 0 case(s)"), "{out}");
}

#[actix_web::test]
async fn the_access_log_records_each_opening_once_a_day_for_the_mo_and_admin() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    assert_eq!(rows::count(&app, "access_log"), 1, "once per user, item and day");
    officer.get("/access-log").await.assert_status(403);

    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let page = mo.get("/access-log").await;
    page.assert_status(200).assert_contains(&case.reference).assert_contains("Case page");
    let csv = mo.get("/access-log.csv").await;
    csv.assert_status(200).assert_contains("first_opened_at,user,what,item").assert_contains(&case.reference);
    let bad = mo.get("/access-log?from=yesterday").await;
    bad.assert_status(422).assert_contains("Enter the first day as a date");
}

#[actix_web::test]
async fn an_admin_sets_the_schedule_and_bad_values_are_shown_again() {
    let app = TestApp::spawn_demo().await;
    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    let page = admin.get("/admin/retention").await;
    page.assert_status(200).assert_contains("retention.no_further_action");
    let mut fields: Vec<(String, String)> =
        retention::SCHEDULE.iter().map(|(_, key, _, years)| (key.to_string(), years.to_string())).collect();
    fields[1].1 = "three".into();
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bad = admin.post_form("/admin/retention", &refs).await;
    bad.assert_status(422)
        .assert_contains("No further action: enter a whole number of years")
        .assert_contains("value=\"three\"");
    fields[1].1 = "3".into();
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    admin.post_form("/admin/retention", &refs).await.assert_status(303);
    assert_eq!(retention::years_for(&mut app.conn(), "no-further-action").unwrap(), 3);
    let case = CaseBuilder::new().log(&app);
    close_on(&app, &case, d(2020, 1, 10), "No further action: no breach");
    assert_eq!(retain_until(&app, &case), Some(d(2023, 1, 10)));
}

#[actix_web::test]
async fn the_privacy_notice_is_linked_from_the_form_shown_before_sending_and_sent_with_the_acknowledgement() {
    let app = TestApp::spawn_demo().await;
    app.get("/complaints/new").await.assert_status(200).assert_contains("href=\"/privacy\"");
    app.get("/privacy").await.assert_status(200).assert_contains("href=\"/privacy/southvale\"");
    app.get("/privacy/southvale")
        .await
        .assert_status(200)
        .assert_contains("Localism Act 2011")
        .assert_contains("No further action: 2 years");
    let case =
        crate::fixtures::submit_public(&app, &crate::fixtures::complaint(&app), &[("files", "shot.png", PNG)]).await;
    let mail =
        app.emails().into_iter().find(|m| m.case_id.as_deref() == Some(case.id.as_str())).expect("acknowledgement");
    assert!(mail.body_text.contains("Privacy notice: http://localhost/privacy/southvale"), "{}", mail.body_text);
    assert!(mail.body_text.contains("public task") || mail.body_text.contains("public interest"), "{}", mail.body_text);

    // A council's own notice replaces the default everywhere.
    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    let id = app.authority_id("southvale");
    admin.get(&format!("/admin/councils/{id}/privacy")).await.assert_status(200).assert_contains("Localism Act 2011");
    admin
        .post_form(&format!("/admin/councils/{id}/privacy"), &[("text", "## Our notice\n\nSouthvale own words.")])
        .await
        .assert_status(303);
    app.get("/privacy/southvale").await.assert_status(200).assert_contains("Southvale own words.");
}

#[actix_web::test]
async fn a_subject_access_export_holds_both_complaints_and_no_other_complainant() {
    let app = TestApp::spawn_demo().await;
    let first = CaseBuilder::new()
        .complainant("Robin Twice", "robin.twice@example.com")
        .url("https://example.org/post/first")
        .what("Robin's first complaint: the councillor mocked me.")
        .log(&app);
    // Another complainant on the same case, and a second complaint by Robin on another case.
    CaseBuilder::new()
        .complainant("Olive Other", "olive.other@example.com")
        .url("https://example.org/post/first")
        .what("Olive Other saw it too, and so did Robin Twice.")
        .field("case_choice", &first.id)
        .log(&app);
    let second = CaseBuilder::new()
        .member("Dave Dunn", "southvale")
        .complainant("Robin Twice", "robin.twice@example.com")
        .url("https://example.org/post/second")
        .what("Robin's second complaint, about another post.")
        .log(&app);

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get("/subject-access").await.assert_status(403);

    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get("/subject-access?name=&email=x").await.assert_status(422).assert_contains("Enter the person");
    let page = mo.get("/subject-access?email=robin.twice%40example.com").await;
    page.assert_status(200)
        .assert_contains("2 cases mention this person")
        .assert_contains(&first.reference)
        .assert_contains(&second.reference);

    let res = mo
        .post_form(
            "/subject-access/export",
            &[("name", ""), ("email", "robin.twice@example.com"), ("phone", ""), ("address", "")],
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/zip"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(res.bytes.clone())).expect("a zip");
    let mut all = String::new();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        names.push(f.name().unwrap().to_string());
        std::io::Read::read_to_string(&mut f, &mut all).unwrap();
    }
    assert!(names.contains(&"cover-letter.txt".to_string()), "{names:?}");
    assert!(names.contains(&format!("{}.txt", first.reference)), "{names:?}");
    assert!(names.contains(&format!("{}.txt", second.reference)), "{names:?}");
    assert!(all.contains("Robin's first complaint"), "{all}");
    assert!(all.contains("Robin's second complaint"), "{all}");
    assert!(!all.contains("Olive Other"), "another complainant's name is redacted:\n{all}");
    assert!(!all.contains("olive.other@example.com"), "another complainant's email is redacted:\n{all}");
    assert!(all.contains("[another person]"), "{all}");
    // Recorded: the export is kept, and each case says it was disclosed.
    assert_eq!(rows::count(&app, "disclosures"), 1);
    assert_eq!(rows::audited(&app, "case.disclosed"), 2);
    // The records themselves are unchanged.
    mo.get(&format!("/cases/{}", first.reference)).await.assert_status(200).assert_contains("Olive Other");
}
