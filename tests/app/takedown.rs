use crate::fixtures::{complaint, submit_public, CaseBuilder, PNG};
use crate::harness::TestApp;
use crate::rows;
use chrono::NaiveDate;
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::models::evidence::{EvidenceSource, EvidenceStatus};
use standards_desk::models::takedown::{self as takedown_rows};
use standards_desk::models::user::User;
use standards_desk::services::audit::Actor;
use standards_desk::services::files::StoredUpload;
use standards_desk::services::takedown::{self, RequestInput, Verification};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn officer(app: &TestApp) -> (User, Actor) {
    let u = app.user("officer@southvale.example");
    let a = Actor::user(&u.id, &u.name, None);
    (u, a)
}

async fn case_with_post(app: &TestApp) -> Case {
    submit_public(app, &complaint(app), &[("files", "post.png", PNG)]).await
}

fn item_ids(app: &TestApp, case: &Case) -> Vec<String> {
    rows::evidence_item_ids(app, &case.id)
}

fn input(app: &TestApp, case: &Case, kind: &str, channel: &str) -> RequestInput {
    RequestInput {
        items: item_ids(app, case),
        addressee_kind: kind.into(),
        addressee_name: "Alex Archer".into(),
        channel: channel.into(),
        to_address: "alex.archer@southvale.example".into(),
        request_text: "Please remove the post.".into(),
        ..Default::default()
    }
}

#[actix_web::test]
async fn a_request_is_due_five_working_days_later_across_a_bank_holiday() {
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let (user, actor) = officer(&app);
    let t = takedown::request(
        &mut app.conn(),
        &actor,
        &user,
        &case.reference,
        &input(&app, &case, "member", "email"),
        d(2025, 12, 18),
    )
    .unwrap();
    assert_eq!(t.due_on, d(2025, 12, 29));
    assert_eq!(t.status.as_str(), "requested");
    let sent =
        app.emails().into_iter().find(|m| m.template == "takedown_request").expect("the email request is queued");
    assert_eq!(sent.to_address, "alex.archer@southvale.example");
    assert!(sent.body_text.starts_with("Please remove the post.\n"), "{}", sent.body_text);
    assert!(sent.body_text.contains("Please remove the posts by 29 December 2025"), "{}", sent.body_text);
}

#[actix_web::test]
async fn removal_needs_verification_evidence_and_schedules_rechecks() {
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let browser = app.new_browser();
    browser.login("officer@southvale.example", "demo-password").await;
    let page = browser.get(&format!("/cases/{}/takedowns/new", case.reference)).await;
    page.assert_status(200).assert_contains("please remove these posts");
    let items = item_ids(&app, &case);
    let res = browser
        .post_form(
            &format!("/cases/{}/takedowns", case.reference),
            &[
                ("items", &items[0]),
                ("addressee_kind", "member"),
                ("addressee_name", "Alex Archer"),
                ("channel", "letter"),
                ("request_text", "Please remove it."),
            ],
        )
        .await;
    res.assert_status(303);
    let path = res.location().unwrap().to_string();
    assert_eq!(path, format!("/cases/{}/takedowns/T1", case.reference));
    browser.get(&path).await.assert_status(200).assert_contains("Requested");

    let refused =
        browser.post_multipart(&format!("{path}/update"), &[("status", "removed"), ("note", "Gone")], &[]).await;
    refused.assert_status(422).assert_contains("only verified with evidence");
    let t = takedown_rows::list_for_case(&mut app.conn(), &case.id).unwrap().remove(0);
    assert_eq!(t.status.as_str(), "requested", "nothing changed");

    let recapture: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRrecapture-page-not-found";
    let ok = browser
        .post_multipart(
            &format!("{path}/update"),
            &[("status", "removed"), ("note", "Checked the page")],
            &[("recapture", "gone.png", recapture)],
        )
        .await;
    ok.assert_status(303);
    let t = takedown_rows::list_for_case(&mut app.conn(), &case.id).unwrap().remove(0);
    assert_eq!(t.status.as_str(), "removed");
    assert!(t.resolved_on.is_some());
    let items_after = standards_desk::models::evidence::list_items(&mut app.conn(), &case.id).unwrap();
    assert_eq!(items_after.len(), 2, "the re-capture is an evidence item of its own; the original stays");
    assert!(items_after.iter().all(|i| i.status == EvidenceStatus::Removed));
    let capture = items_after.iter().find(|i| i.source == EvidenceSource::Officer).unwrap();
    let files = standards_desk::models::evidence::files(&mut app.conn(), &capture.id).unwrap();
    assert_eq!(files[0].sha256, standards_desk::services::auth::sha256_hex(recapture));
    let checks = rows::recheck_due_dates(&app);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(checks, vec![today + chrono::Duration::days(7), today + chrono::Duration::days(30)]);
    browser.get(&path).await.assert_status(200).assert_contains("verified by").assert_contains("Removed (verified)");
}

/// Two instances on one database run the reminder round at the same moment: one reminder.
#[actix_web::test]
async fn two_instances_queue_the_overdue_reminder_once() {
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let (user, actor) = officer(&app);
    takedown::request(
        &mut app.conn(),
        &actor,
        &user,
        &case.reference,
        &input(&app, &case, "member", "letter"),
        d(2025, 12, 1),
    )
    .unwrap();
    let other = crate::instances::second_instance(&app, |_| {});
    let (a, b) = (app.state.clone(), other.clone());
    let (ra, rb) = futures_util::future::join(a.queue_reminders(), b.queue_reminders()).await;
    assert_eq!(ra.unwrap() + rb.unwrap(), 1, "one of them queued it");
    let reminders = app.emails().into_iter().filter(|m| m.template == "takedown_reminder").count();
    assert_eq!(reminders, 1);
}

#[actix_web::test]
async fn the_overdue_reminder_is_queued_exactly_once() {
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let (user, actor) = officer(&app);
    takedown::request(
        &mut app.conn(),
        &actor,
        &user,
        &case.reference,
        &input(&app, &case, "member", "letter"),
        d(2025, 12, 1),
    )
    .unwrap();
    assert_eq!(app.state.queue_reminders().await.unwrap(), 1);
    assert_eq!(app.state.queue_reminders().await.unwrap(), 0);
    assert_eq!(app.state.queue_reminders().await.unwrap(), 0);
    let reminders: Vec<_> = app.emails().into_iter().filter(|m| m.template == "takedown_reminder").collect();
    assert_eq!(reminders.len(), 1, "one reminder, however often the worker runs");
    assert_eq!(reminders[0].to_address, "mo@southvale.example", "to the MO when no officer is assigned");
    let browser = app.new_browser();
    browser.login("officer@southvale.example", "demo-password").await;
    browser
        .get("/dashboard")
        .await
        .assert_status(200)
        .assert_contains("Overdue takedown requests")
        .assert_contains(&format!("{}</span> T1", case.reference));
    browser.get(&format!("/cases/{}", case.reference)).await.assert_status(200).assert_contains("Overdue");
}

#[actix_web::test]
async fn a_reinstated_post_reopens_the_request() {
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let (user, actor) = officer(&app);
    let t = takedown::request(
        &mut app.conn(),
        &actor,
        &user,
        &case.reference,
        &input(&app, &case, "member", "letter"),
        d(2026, 11, 2),
    )
    .unwrap();
    let files = vec![StoredUpload {
        sha256: stored(&app, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRgone"),
        original_name: "gone.png".into(),
        media_type: "image/png".into(),
        size_bytes: 24,
    }];
    let today = chrono::Utc::now().date_naive();
    takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &case.reference, number: "T1" },
        takedown::Change {
            to: "removed",
            note: "",
            verification: Verification::Recapture { files, note: String::new() },
        },
        today,
    )
    .unwrap();
    let checks = takedown_rows::rechecks(&mut app.conn(), &t.id).unwrap();
    takedown::recheck(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &case.reference, number: "T1" },
        &checks[0].id,
        false,
        today,
    )
    .unwrap();
    let t = takedown_rows::list_for_case(&mut app.conn(), &case.id).unwrap().remove(0);
    assert_eq!(t.status.as_str(), "reinstated", "the request is open again");
    assert!(t.resolved_on.is_none());
    assert!(t.due_on > today, "with a new due date");
    // It can be removed again, with fresh verification.
    let refused = takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &case.reference, number: "T1" },
        takedown::Change { to: "removed", note: "", verification: Verification::None },
        today,
    );
    assert!(
        matches!(&refused, Err(standards_desk::services::ServiceError::Invalid(e)) if e.has("verification")),
        "a second removal needs fresh verification too: {refused:?}"
    );
}

/// A re-check of removed posts falling due emails the Monitoring Officer (no officer assigned)
/// once, with a link to the request, even with two instances running the round at once; a
/// re-check not yet due is not reminded of.
#[actix_web::test]
async fn a_recheck_falling_due_is_reminded_of_once() {
    let app = TestApp::builder().demo().configure(|c| c.base_url = "https://sd.southvale.example".into()).spawn().await;
    let case = case_with_post(&app).await;
    let (user, actor) = officer(&app);
    let today = chrono::Utc::now().date_naive();
    let t = takedown::request(
        &mut app.conn(),
        &actor,
        &user,
        &case.reference,
        &input(&app, &case, "member", "letter"),
        today - chrono::Duration::days(20),
    )
    .unwrap();
    let files = vec![StoredUpload {
        sha256: stored(&app, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRgone-again"),
        original_name: "gone.png".into(),
        media_type: "image/png".into(),
        size_bytes: 30,
    }];
    // Removed ten days ago: the 7-day re-check fell due three days ago, the 30-day one is ahead.
    takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &case.reference, number: "T1" },
        takedown::Change {
            to: "removed",
            note: "",
            verification: Verification::Recapture { files, note: String::new() },
        },
        today - chrono::Duration::days(10),
    )
    .unwrap();
    let other = crate::instances::second_instance(&app, |_| {});
    let (a, b) = (app.state.clone(), other.clone());
    let (ra, rb) = futures_util::future::join(a.queue_reminders(), b.queue_reminders()).await;
    assert_eq!(ra.unwrap() + rb.unwrap(), 1, "one re-check is due, and one instance claimed it");
    assert_eq!(app.state.queue_reminders().await.unwrap(), 0, "once, however often the worker runs");
    let sent: Vec<_> = app.emails().into_iter().filter(|m| m.template == "recheck_reminder").collect();
    assert_eq!(sent.len(), 1, "one reminder");
    assert_eq!(sent[0].to_address, "mo@southvale.example", "to the MO when no officer is assigned");
    let link = format!("https://sd.southvale.example/cases/{}/takedowns/T1", case.reference);
    assert!(sent[0].body_text.contains(&link), "{}", sent[0].body_text);
    let due = standards_desk::emails::long_date(today - chrono::Duration::days(3));
    assert!(sent[0].body_text.contains(&due), "{}", sent[0].body_text);
    assert_eq!(rows::audited_for(&app, "takedown.recheck_reminder_queued", &t.id), 1);
    let checks = takedown_rows::rechecks(&mut app.conn(), &t.id).unwrap();
    assert!(checks[0].reminder_queued_at.is_some());
    assert!(checks[1].reminder_queued_at.is_none(), "the 30-day re-check is not due yet");
}

/// Puts bytes in the store (as an upload would) and returns their hash.
fn stored(app: &TestApp, bytes: &[u8]) -> String {
    let sha = standards_desk::services::auth::sha256_hex(bytes);
    let path = app.state.files.path_for(&sha);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    standards_desk::models::file::insert_stored_if_missing(
        &mut app.conn(),
        &standards_desk::models::file::StoredFile {
            sha256: sha.clone(),
            size_bytes: bytes.len() as i64,
            media_type: "image/png".into(),
            created_at: standards_desk::models::now(),
        },
    )
    .unwrap();
    sha
}

#[actix_web::test]
async fn completing_every_agreed_action_allows_closing_as_resolved() {
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let mo = app.user("mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let member = standards_desk::models::member::list_for_case(&mut app.conn(), &case.id).unwrap()[0].id.clone();
    let mut answers = standards_desk::services::assessment::AnswerInput::default();
    for code in ["G1", "G2", "C3", "C6"] {
        answers.answers.insert(code.into(), "yes".into());
    }
    for code in ["C1", "C2", "C4", "C5", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        answers.answers.insert(code.into(), "no".into());
    }
    let a =
        standards_desk::services::assessment::assess(&mut app.conn(), &actor, &mo, &case.reference, &member, &answers)
            .unwrap();
    standards_desk::services::assessment::conclude(
        &mut app.conn(),
        &actor,
        &mo,
        &a.id,
        "OFFICIAL",
        &a.suggested_authority_id.clone().unwrap(),
        "",
    )
    .unwrap();
    crate::gates::told_and_responded(&app, &case);
    let decision = standards_desk::services::decisions::DecisionInput {
        outcome: "informal-resolution".into(),
        reasons: "An apology and removal will resolve it.".into(),
        ..Default::default()
    };
    standards_desk::services::decisions::decide(
        &mut app.conn(),
        &actor,
        &mo,
        &case.reference,
        &decision,
        chrono::Utc::now().date_naive(),
    )
    .unwrap();

    let browser = app.new_browser();
    browser.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}", case.reference);
    browser.post_form(&format!("{path}/informal/close"), &[]).await.assert_status(303);
    browser.get(&path).await.assert_status(200).assert_contains("Record the agreed actions first");
    for (kind, what) in [("removal", "Delete the post"), ("apology", "Written apology to the officer")] {
        browser
            .post_form(&format!("{path}/informal/actions"), &[("kind", kind), ("description", what)])
            .await
            .assert_status(303);
    }
    browser.post_form(&format!("{path}/informal/close"), &[]).await;
    browser
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("These actions are not done yet: Delete the post; Written apology to the officer");
    assert_eq!(case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap().status.as_str(), "informal-resolution");
    for a in takedown_rows::actions(&mut app.conn(), &case.id).unwrap() {
        browser.post_form(&format!("{path}/informal/actions/{}/done", a.id), &[("note", "")]).await.assert_status(303);
    }
    browser.post_form(&format!("{path}/informal/close"), &[]).await.assert_status(303);
    let closed = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    assert_eq!(closed.status.as_str(), "closed");
    assert_eq!(closed.closure_reason.as_deref(), Some("Resolved informally"));
}

#[actix_web::test]
async fn a_member_who_refuses_sends_the_case_back_for_a_decision() {
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let mo = app.user("mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let c = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    standards_desk::services::cases::transition(
        &mut app.conn(),
        &actor,
        &c,
        standards_desk::models::case::CaseStatus::InitialAssessment,
        "",
    )
    .unwrap();
    let c = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    standards_desk::services::cases::transition(
        &mut app.conn(),
        &actor,
        &c,
        standards_desk::models::case::CaseStatus::InformalResolution,
        "",
    )
    .unwrap();
    let browser = app.new_browser();
    browser.login("officer@southvale.example", "demo-password").await;
    browser
        .post_form(&format!("/cases/{}/informal/refused", case.reference), &[("refusal_note", "Will not apologise")])
        .await
        .assert_status(303);
    assert_eq!(case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap().status.as_str(), "initial-assessment");
}

#[actix_web::test]
async fn the_committee_report_counts_takedowns_by_platform() {
    let app = TestApp::spawn_demo().await;
    let (user, actor) = officer(&app);
    let mut n = 0;
    // Each request on a case of its own, with a post on the given platform.
    let mut make = |platform: &str, kind: &str, requested: NaiveDate| {
        n += 1;
        let case = CaseBuilder::new()
            .platform(platform)
            .url(&format!("https://example.org/{platform}/{n}"))
            .source("email")
            .received(d(2026, 11, 2))
            .by(&actor)
            .on(d(2026, 11, 20))
            .log(&app);
        let item_sha = stored(&app, format!("\x7fplaceholder{n}").as_bytes());
        let evidence_form = standards_desk::services::evidence::EvidenceForm {
            kind: "post".into(),
            source: "officer".into(),
            title: format!("Post {n}"),
            platform: platform.into(),
            captured_day: "3".into(),
            captured_month: "11".into(),
            captured_year: "2026".into(),
            ..Default::default()
        };
        standards_desk::services::evidence::add(
            &mut app.conn(),
            &actor,
            &user,
            &case.reference,
            &evidence_form,
            &[StoredUpload {
                sha256: item_sha,
                original_name: "p.png".into(),
                media_type: "image/png".into(),
                size_bytes: 14,
            }],
            d(2026, 11, 20),
        )
        .unwrap();
        let mut i = input(&app, &case, kind, "letter");
        i.items = item_ids(&app, &case);
        takedown::request(&mut app.conn(), &actor, &user, &case.reference, &i, requested).unwrap();
        case.reference
    };
    let fb_in_time = make("facebook", "member", d(2026, 11, 2));
    let fb_late = make("facebook", "member", d(2026, 11, 2));
    let fb_refused = make("facebook", "platform", d(2026, 11, 3));
    let x_reinstated = make("x", "member", d(2026, 11, 4));
    let _x_open = make("x", "group-leader", d(2026, 11, 5));
    let _outside = make("x", "member", d(2026, 9, 1));
    let recapture = |app: &TestApp, tag: &str| Verification::Recapture {
        files: vec![StoredUpload {
            sha256: stored(app, format!("\x7fgone-{tag}").as_bytes()),
            original_name: "gone.png".into(),
            media_type: "image/png".into(),
            size_bytes: 10,
        }],
        note: String::new(),
    };
    takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &fb_in_time, number: "T1" },
        takedown::Change { to: "removed", note: "", verification: recapture(&app, "a") },
        d(2026, 11, 5),
    )
    .unwrap();
    takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &fb_late, number: "T1" },
        takedown::Change { to: "removed", note: "", verification: recapture(&app, "b") },
        d(2026, 11, 20),
    )
    .unwrap();
    takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &fb_refused, number: "T1" },
        takedown::Change { to: "refused", note: "Will not", verification: Verification::None },
        d(2026, 11, 6),
    )
    .unwrap();
    takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &x_reinstated, number: "T1" },
        takedown::Change { to: "removed", note: "", verification: recapture(&app, "c") },
        d(2026, 11, 6),
    )
    .unwrap();
    takedown::update(
        &mut app.conn(),
        &actor,
        &user,
        takedown::RequestRef { reference: &x_reinstated, number: "T1" },
        takedown::Change { to: "reinstated", note: "Back up", verification: Verification::None },
        d(2026, 11, 12),
    )
    .unwrap();

    // The committee report's takedown table, for October and November (the previous period is
    // August and September).
    let browser = app.new_browser();
    browser.login("mo@southvale.example", "demo-password").await;
    let page = browser
        .get("/reports?period=custom&from_day=1&from_month=10&from_year=2026&to_day=30&to_month=11&to_year=2026")
        .await;
    page.assert_status(200);
    // Requests, removed, removed in time, refused, reinstated; requests in the previous period.
    assert_eq!(takedown_row(&page.body, "Facebook"), vec![3, 2, 1, 1, 0, 0]);
    assert_eq!(takedown_row(&page.body, "X (formerly Twitter)"), vec![2, 0, 0, 0, 1, 1]);
}

/// The numbers in a platform's row of the report's takedown table.
fn takedown_row(page: &str, platform: &str) -> Vec<i64> {
    let table = &page[page.find("id=\"table-takedowns\"").expect("the takedown table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let row = &table[table.find(&format!(">{platform}</th>")).unwrap_or_else(|| panic!("a row for {platform}"))..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("</td>").filter_map(|cell| cell.rsplit('>').next()).filter_map(|n| n.trim().parse().ok()).collect()
}

#[actix_web::test]
async fn the_case_page_sections_offer_what_the_rules_allow() {
    use standards_desk::models::case::CaseStatus;
    use standards_desk::services::{cases, evidence, ServiceError};
    let app = TestApp::spawn_demo().await;
    let case = case_with_post(&app).await;
    let (user, actor) = officer(&app);
    let today = chrono::Utc::now().date_naive();
    let reload = |app: &TestApp| case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    let move_to = |app: &TestApp, status: CaseStatus| {
        cases::transition(&mut app.conn(), &actor, &reload(app), status, "").unwrap();
    };

    let ev = evidence::case_section(&mut app.conn(), &user, &case).unwrap();
    assert!(ev.actions.can_add_evidence && ev.actions.can_export);
    assert_eq!(ev.items[0].source_tag.text, "Complainant, unverified");
    assert_eq!(ev.items[0].status_label, "Status unknown");
    let td = takedown::case_section(&mut app.conn(), &user, &case, today).unwrap();
    assert!(td.actions.can_request_takedown);
    assert!(!td.actions.can_add_informal_action && !td.actions.shows_informal_resolution);

    // An Independent Person not consulted on the case does not see it.
    let ip = app.user("ip@southvale.example");
    assert!(matches!(evidence::case_section(&mut app.conn(), &ip, &case), Err(ServiceError::NotFound)));
    assert!(matches!(takedown::case_section(&mut app.conn(), &ip, &case, today), Err(ServiceError::NotFound)));

    // In informal resolution, actions are agreed, completed, and the case closed or sent back.
    move_to(&app, CaseStatus::InitialAssessment);
    move_to(&app, CaseStatus::InformalResolution);
    let td = takedown::case_section(&mut app.conn(), &user, &reload(&app), today).unwrap();
    let a = &td.actions;
    assert!(a.shows_informal_resolution && a.can_add_informal_action && a.can_complete_informal_action);
    assert!(a.can_close_resolved && a.can_record_refusal);
    takedown::add_action(&mut app.conn(), &actor, &user, &case.reference, "apology", "Apologise", None).unwrap();
    assert!(
        takedown::case_section(&mut app.conn(), &user, &reload(&app), today).unwrap().agreed_actions[0].can_complete
    );

    // Sent back for a decision, the agreed action stays on the page but is no longer worked on,
    // there or by the service.
    takedown::member_refused(&mut app.conn(), &actor, &user, &case.reference, "Will not apologise").unwrap();
    let td = takedown::case_section(&mut app.conn(), &user, &reload(&app), today).unwrap();
    assert!(td.actions.shows_informal_resolution);
    assert!(!td.agreed_actions[0].can_complete && !td.actions.can_close_resolved);
    let refused =
        takedown::complete_action(&mut app.conn(), &actor, &user, &case.reference, &td.agreed_actions[0].id, today, "");
    assert!(matches!(refused, Err(ServiceError::Refused(_))), "{refused:?}");

    // A closed case's evidence is fixed, but officers can still export it.
    move_to(&app, CaseStatus::Closed);
    let closed = reload(&app);
    let ev = evidence::case_section(&mut app.conn(), &user, &closed).unwrap();
    assert!(!ev.actions.can_add_evidence && ev.actions.can_export);
    assert!(!takedown::case_section(&mut app.conn(), &user, &closed, today).unwrap().actions.can_request_takedown);
}
