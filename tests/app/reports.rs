//! The committee report over a fixed set of cases in two quarters of 2025/26: exact counts,
//! medians and percentages on the page and in the CSV, snapshots that never change, and no
//! complainant anywhere.

use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use chrono::NaiveDate;
use standards_desk::models::case::{self as case_rows, Case, CaseChanges};
use standards_desk::services::audit::Actor;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

struct Fixed {
    member: &'static str,
    council: &'static str,
    source: &'static str,
    platform: &'static str,
    received: NaiveDate,
    acknowledged: NaiveDate,
}

fn log(app: &TestApp, f: &Fixed, n: usize) -> Case {
    let case = CaseBuilder::new()
        .member(f.member, f.council)
        .platform(f.platform)
        .url(&format!("https://example.org/post/{n}"))
        .source(f.source)
        .conduct(f.received - chrono::Duration::days(2))
        .received(f.received)
        .complainant(&format!("Jo Public{n}"), &format!("jo{n}@example.com"))
        .log(app);
    case_rows::update(
        &mut app.conn(),
        &case.id,
        &CaseChanges {
            status: Some(standards_desk::models::case::CaseStatus::Acknowledged),
            acknowledged_on: Some(Some(f.acknowledged)),
            ..Default::default()
        },
    )
    .unwrap();
    case
}

fn close(app: &TestApp, case: &Case, on: NaiveDate, reason: &str) {
    case_rows::update(
        &mut app.conn(),
        &case.id,
        &CaseChanges {
            status: Some(standards_desk::models::case::CaseStatus::Closed),
            closed_at: Some(Some(on.and_hms_opt(12, 0, 0).unwrap())),
            closure_reason: Some(Some(reason.into())),
            ..Default::default()
        },
    )
    .unwrap();
}

/// Q1 2025/26 (April to June): two cases; Q2 (July to September): three, one closed.
fn fixed_cases(app: &TestApp) -> Vec<Case> {
    let cases = [
        // Q1: acknowledged in 2 and 5 working days.
        Fixed {
            member: "Dave Dunn",
            council: "southvale",
            source: "phone",
            platform: "x",
            received: d(2025, 4, 1),
            acknowledged: d(2025, 4, 3),
        },
        Fixed {
            member: "Erin Evans",
            council: "easton",
            source: "email",
            platform: "instagram",
            received: d(2025, 6, 2),
            acknowledged: d(2025, 6, 9),
        },
        // Q2: acknowledged in 4, 6 and 1 working days.
        Fixed {
            member: "Alex Archer",
            council: "southvale",
            source: "email",
            platform: "facebook",
            received: d(2025, 7, 7),
            acknowledged: d(2025, 7, 11),
        },
        Fixed {
            member: "Alex Archer",
            council: "southvale",
            source: "email",
            platform: "facebook",
            received: d(2025, 7, 14),
            acknowledged: d(2025, 7, 22),
        },
        Fixed {
            member: "Bo Brennan",
            council: "northfield",
            source: "post",
            platform: "x",
            received: d(2025, 8, 6),
            acknowledged: d(2025, 8, 7),
        },
    ];
    let out: Vec<Case> = cases.iter().enumerate().map(|(i, f)| log(app, f, i)).collect();
    close(app, &out[4], d(2025, 9, 1), "No further action: Trivial");
    out
}

const Q2: &str = "2025-07-01:2025-09-30";

fn csv_rows(csv: &str) -> Vec<Vec<String>> {
    // The figures have no quotes or commas except where a label is quoted.
    csv.lines()
        .map(|l| {
            let mut out = Vec::new();
            let mut field = String::new();
            let mut quoted = false;
            for ch in l.chars() {
                match ch {
                    '"' => quoted = !quoted,
                    ',' if !quoted => out.push(std::mem::take(&mut field)),
                    c => field.push(c),
                }
            }
            out.push(field);
            out
        })
        .collect()
}

fn figure<'a>(rows: &'a [Vec<String>], section: &str, measure: &str) -> (&'a str, &'a str) {
    let r = rows
        .iter()
        .find(|r| r[0] == section && r[1] == measure)
        .unwrap_or_else(|| panic!("no {section} / {measure} in the CSV"));
    (r[2].as_str(), r[3].as_str())
}

#[actix_web::test]
async fn a_fixed_set_of_cases_gives_exact_figures_on_the_page_and_in_the_csv() {
    let app = TestApp::spawn_demo().await;
    fixed_cases(&app);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let page = mo.get(&format!("/reports?period={Q2}")).await;
    page.assert_status(200)
        .assert_contains("Code of Conduct complaints: July to September 2025")
        .assert_contains("compared with 1 April 2025 to 30 June 2025")
        .assert_contains("<svg class=\"sd-chart\" role=\"img\"");
    // The summary table: this period, then the previous one.
    let summary = page.body.split("id=\"table-summary\"").nth(1).unwrap().split("</table>").next().unwrap();
    let cells = |label: &str| -> Vec<String> {
        let row = summary.split(&format!(">{label}</th>")).nth(1).unwrap().split("</tr>").next().unwrap();
        row.split("govuk-table__cell--numeric\">").skip(1).map(|c| c.split('<').next().unwrap().to_string()).collect()
    };
    assert_eq!(cells("Complaints received"), ["3", "2"]);
    assert_eq!(cells("Cases closed"), ["1", "0"]);
    assert_eq!(cells("Open cases at the end of the period"), ["4", "2"]);
    let timeliness = page.body.split("id=\"table-timeliness\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(timeliness.contains(">3</td>"), "three acknowledged");
    assert!(timeliness.contains(">4</td>"), "median 4 working days: {timeliness}");
    assert!(timeliness.contains("66.7% (2)"), "two of three within 5 working days");
    assert!(timeliness.contains(">3.5</td>"), "previous median 3.5");
    assert!(timeliness.contains(">100%</td>"), "previously all within target");

    let csv = mo.get(&format!("/reports/figures.csv?period={Q2}")).await;
    csv.assert_status(200);
    let rows = csv_rows(&csv.body);
    assert_eq!(rows[0], ["section", "measure", "this_period", "previous_period"]);
    assert_eq!(figure(&rows, "Summary", "Complaints received"), ("3", "2"));
    assert_eq!(figure(&rows, "Complaints received by source", "Email"), ("2", "1"));
    assert_eq!(figure(&rows, "Complaints received by source", "Post"), ("1", "0"));
    assert_eq!(figure(&rows, "Complaints received by source", "Telephone"), ("0", "1"));
    assert_eq!(figure(&rows, "Complaints received by council", "Southvale District Council"), ("2", "1"));
    assert_eq!(figure(&rows, "Complaints received by council", "Northfield Parish Council"), ("1", "0"));
    assert_eq!(figure(&rows, "Complaints received by council", "Easton Town Council"), ("0", "1"));
    assert_eq!(figure(&rows, "Complaints received by tier", "Principal council"), ("2", "1"));
    assert_eq!(figure(&rows, "Complaints received by tier", "Parish, town or community council"), ("1", "1"));
    assert_eq!(figure(&rows, "Complaints received by platform", "Facebook"), ("2", "0"));
    assert_eq!(figure(&rows, "Complaints received by platform", "X (formerly Twitter)"), ("1", "1"));
    assert_eq!(figure(&rows, "Complaints received by platform", "Instagram"), ("0", "1"));
    let provisions: Vec<_> = rows.iter().filter(|r| r[0] == "Allegations by code of conduct provision").collect();
    assert_eq!(provisions.len(), 2, "paragraphs 1 and 3");
    assert!(provisions.iter().all(|r| r[2] == "3" && r[3] == "2"), "{provisions:?}");
    assert_eq!(figure(&rows, "Cases closed, by outcome", "No further action: Trivial"), ("1", "0"));
    assert_eq!(figure(&rows, "Open cases at the end of the period, by age", "Up to 30 days"), ("0", "1"));
    assert_eq!(figure(&rows, "Open cases at the end of the period, by age", "31 to 90 days"), ("2", "1"));
    assert_eq!(figure(&rows, "Open cases at the end of the period, by age", "91 days to 6 months"), ("2", "0"));
    let ack = "Timeliness: Acknowledgement (cases received in the period) (target 5 working days)";
    assert_eq!(figure(&rows, ack, "count"), ("3", "2"));
    assert_eq!(figure(&rows, ack, "median working days"), ("4", "3.5"));
    assert_eq!(figure(&rows, ack, "percent within target"), ("66.7", "100"));

    // One council only: the parish's complaint alone.
    let northfield = app.authority_id("northfield");
    let parish =
        csv_rows(&mo.get(&format!("/reports/figures.csv?period={Q2}&authorities={northfield}")).await.ok_body());
    assert_eq!(figure(&parish, "Summary", "Complaints received"), ("1", "0"));

    // The closed cases, anonymised.
    let cases_csv = mo.get(&format!("/reports/cases.csv?period={Q2}")).await;
    cases_csv.assert_status(200);
    let lines = csv_rows(&cases_csv.body);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1][3], "Northfield Parish Council");
    assert_eq!(lines[1][9], "No further action: Trivial");
    assert_eq!(lines[1][10], "", "no breach: the member is not named");

    // No complainant name or address anywhere.
    for body in [&page.body, &csv.body, &cases_csv.body] {
        assert!(!body.contains("Jo Public"), "a complainant is named");
        assert!(!body.contains("@example.com"), "a complainant's email appears");
    }

    // A bad custom period shows the error summary.
    mo.get("/reports?period=custom&from_day=31&from_month=2&from_year=2025")
        .await
        .assert_status(422)
        .assert_contains("There is a problem");

    // The dashboard shows the year to date from the same figures.
    mo.get("/dashboard")
        .await
        .assert_status(200)
        .assert_contains("This financial year so far")
        .assert_contains("Complaints received");
}

#[actix_web::test]
async fn a_snapshot_never_changes_after_the_cases_do() {
    let app = TestApp::spawn_demo().await;
    let cases = fixed_cases(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .post_form("/reports/snapshots", &[("period", Q2), ("meeting", ""), ("meeting_on_day", "")])
        .await
        .assert_status(422)
        .assert_contains("Enter the meeting the report is presented to");
    let saved = officer
        .post_form(
            "/reports/snapshots",
            &[
                ("period", Q2),
                ("meeting", "Standards Committee"),
                ("meeting_on_day", "14"),
                ("meeting_on_month", "10"),
                ("meeting_on_year", "2025"),
            ],
        )
        .await;
    saved.assert_status(303);
    let path = saved.location().unwrap().to_string();
    let before = officer.get(&path).await;
    before.assert_status(200).assert_contains("Unchanged since it was saved").assert_contains("Standards Committee");
    let figures_before = officer.get(&format!("{path}/figures.csv")).await.ok_body();
    let cases_before = officer.get(&format!("{path}/cases.csv")).await.ok_body();

    // The cases change: another is closed within the period.
    close(&app, &cases[2], d(2025, 9, 15), "Resolved informally");
    let live = csv_rows(&officer.get(&format!("/reports/figures.csv?period={Q2}")).await.ok_body());
    assert_eq!(figure(&live, "Summary", "Cases closed"), ("2", "0"));

    let after = officer.get(&path).await;
    after.assert_status(200);
    assert_eq!(
        after.body.split("<div class=\"sd-report\">").nth(1),
        before.body.split("<div class=\"sd-report\">").nth(1),
        "the report as presented is unchanged"
    );
    assert_eq!(officer.get(&format!("{path}/figures.csv")).await.ok_body(), figures_before);
    assert_eq!(officer.get(&format!("{path}/cases.csv")).await.ok_body(), cases_before);
    let snapshot_rows = csv_rows(&figures_before);
    assert_eq!(figure(&snapshot_rows, "Summary", "Cases closed"), ("1", "0"));
    for body in [&after.body, &figures_before, &cases_before] {
        assert!(!body.contains("Jo Public"));
    }
    officer
        .get("/reports")
        .await
        .assert_status(200)
        .assert_contains("presented to Standards Committee on 14 October 2025");

    // Tampering with the stored copy is detected.
    crate::rows::overwrite_snapshot_figures(&app, "section,measure\r\n");
    officer.get(&path).await.assert_status(200).assert_contains("no longer matches its SHA-256");

    // Only staff who work cases present reports; committee members read them.
    let committee = app.new_browser();
    committee.login("committee@southvale.example", "demo-password").await;
    committee.get(&path).await.assert_status(200);
    committee.get(&format!("/reports?period={Q2}")).await.assert_status(200).assert_lacks("Save as presented");
    committee.post_form("/reports/snapshots", &[("period", Q2), ("meeting", "x")]).await.assert_status(403);
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    ip.get("/reports").await.assert_status(403);
}

#[actix_web::test]
async fn report_reads_and_snapshots_are_refused_without_the_permission() {
    use standards_desk::models::user as user_rows;
    use standards_desk::services::reports::{self, Period, ReportQuery, SnapshotCsv, SnapshotInput};
    use standards_desk::services::ServiceError;
    let app = TestApp::spawn_demo().await;
    fixed_cases(&app);
    let user = |email: &str| user_rows::find_by_email(&mut app.conn(), email).unwrap().unwrap();
    let (ip, committee, officer) =
        (user("ip@southvale.example"), user("committee@southvale.example"), user("officer@southvale.example"));
    let today = chrono::Utc::now().date_naive();
    let period = Period { from: d(2025, 7, 1), to: d(2025, 9, 30) };
    let query = ReportQuery { period: Q2.into(), ..Default::default() };
    let forbidden = |r: Result<(), ServiceError>| assert!(matches!(r, Err(ServiceError::Forbidden)), "{r:?}");
    let conn = &mut app.conn();
    forbidden(reports::build(conn, &ip, period, &[]).map(|_| ()));
    forbidden(reports::figures_csv(conn, &ip, &query, today).map(|_| ()));
    forbidden(reports::cases_csv(conn, &ip, &query, today).map(|_| ()));
    forbidden(reports::snapshots(conn, &ip).map(|_| ()));
    forbidden(reports::year_to_date(conn, &ip, today).map(|_| ()));

    // Committee members read reports but do not present them; officers do both.
    let meeting = SnapshotInput {
        meeting: "Standards Committee".into(),
        meeting_day: "14".into(),
        meeting_month: "10".into(),
        meeting_year: "2025".into(),
    };
    let actor = Actor::system("test");
    assert!(reports::build(conn, &committee, period, &[]).is_ok());
    forbidden(reports::save_snapshot(conn, &actor, &committee, today, &query, &meeting).map(|_| ()));
    let saved = reports::save_snapshot(conn, &actor, &officer, today, &query, &meeting).unwrap();
    assert!(reports::snapshot(conn, &committee, &saved.id).unwrap().intact);
    forbidden(reports::snapshot(conn, &ip, &saved.id).map(|_| ()));
    forbidden(reports::snapshot_csv(conn, &ip, &saved.id, SnapshotCsv::Figures).map(|_| ()));
    assert!(reports::page(conn, &committee, today, query.clone(), SnapshotInput::default(), Default::default())
        .is_ok_and(|p| !p.actions.can_present));
    assert!(reports::page(conn, &officer, today, query, SnapshotInput::default(), Default::default())
        .is_ok_and(|p| p.actions.can_present));
}

#[actix_web::test]
async fn csv_cells_starting_with_a_tab_or_carriage_return_are_neutralised() {
    let app = TestApp::spawn_demo().await;
    let f = Fixed {
        member: "Alex Archer",
        council: "southvale",
        source: "email",
        platform: "facebook",
        received: d(2025, 8, 1),
        acknowledged: d(2025, 8, 4),
    };
    close(&app, &log(&app, &f, 1), d(2025, 8, 20), "\t=HYPERLINK(\"http://evil.example\")");
    close(&app, &log(&app, &f, 2), d(2025, 8, 21), "\r=1+1");
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let csv = mo.get(&format!("/reports/cases.csv?period={Q2}")).await;
    csv.assert_status(200);
    assert!(csv.body.contains("'\t=HYPERLINK"), "a leading tab is neutralised:\n{}", csv.body);
    assert!(csv.body.contains("\"'\r=1+1\""), "a leading carriage return is neutralised:\n{}", csv.body);
    assert!(!csv.body.contains(",\t=") && !csv.body.contains(",\"\r="), "no cell starts with a raw tab or CR");
}

#[actix_web::test]
async fn overdue_steps_not_done_count_as_missed_and_hearings_count_when_they_sat() {
    let app = TestApp::spawn_demo().await;
    let cases = fixed_cases(&app);
    // Received in Q2 and never acknowledged: its deadline passed long ago.
    CaseBuilder::new()
        .member("Bo Brennan", "northfield")
        .url("https://example.org/post/late")
        .conduct(d(2025, 8, 18))
        .received(d(2025, 8, 20))
        .complainant("Jo Late", "late@example.com")
        .log(&app);
    // A hearing that sat in September and whose outcome was written up in October.
    crate::rows::hearing_held(&app, &cases[2].id, d(2025, 9, 25), d(2025, 10, 6));
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let rows = csv_rows(&mo.get(&format!("/reports/figures.csv?period={Q2}")).await.ok_body());
    let ack = "Timeliness: Acknowledgement (cases received in the period) (target 5 working days)";
    assert_eq!(figure(&rows, ack, "count"), ("4", "2"), "the overdue one is counted");
    assert_eq!(figure(&rows, ack, "overdue, not done"), ("1", "0"));
    assert_eq!(figure(&rows, ack, "percent within target"), ("50", "100"), "and it is missed");
    assert_eq!(figure(&rows, ack, "median working days"), ("4", "3.5"), "the median is of those done");
    assert_eq!(figure(&rows, "Hearings and findings", "Hearings decided"), ("1", "0"), "counted when it sat");
    let q3 = csv_rows(&mo.get("/reports/figures.csv?period=2025-10-01:2025-12-31").await.ok_body());
    assert_eq!(figure(&q3, "Hearings and findings", "Hearings decided"), ("0", "1"), "not when it was written up");
    let page = mo.get(&format!("/reports?period={Q2}")).await;
    page.assert_status(200).assert_contains("Overdue, not done").assert_contains("50% (2)");

    // The dashboard's year to date: a complaint a month old and never acknowledged is missed.
    let today = chrono::Utc::now().date_naive();
    CaseBuilder::new()
        .url("https://example.org/post/dashboard-late")
        .conduct(today - chrono::Duration::days(32))
        .received(today - chrono::Duration::days(30))
        .on(today - chrono::Duration::days(30))
        .log(&app);
    let dashboard = mo.get("/dashboard").await;
    dashboard.assert_status(200).assert_contains("overdue and not done (counted as missed)");
    assert!(!dashboard.body.contains("100% within 5 working days; "), "no 100 % beside an overdue acknowledgement");
}
