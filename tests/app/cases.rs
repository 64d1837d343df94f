use crate::fixtures::{declare_conflict, grant_part, CaseBuilder};
use crate::harness::TestApp;
use crate::rows;
use chrono::NaiveDate;
use standards_desk::models::case::{self as case_rows, Case};

/// Logs a complaint through the service, as an officer would.
fn log(app: &TestApp, member: &str, council: &str, url: &str, what: &str, received: (u32, u32, i32)) -> Case {
    let (day, month, year) = received;
    CaseBuilder::new()
        .member(member, council)
        .url(url)
        .what(what)
        .received(NaiveDate::from_ymd_opt(year, month, day).unwrap())
        .log(app)
}

fn officer_id(app: &TestApp) -> String {
    app.user("officer@southvale.example").id
}

#[actix_web::test]
async fn the_case_list_filters_searches_sorts_and_pages() {
    let app = TestApp::spawn_demo().await;
    let a = log(
        &app,
        "Alex Archer",
        "southvale",
        "https://facebook.com/a/posts/1",
        "Called an officer a liar",
        (2, 11, 2026),
    );
    let d = log(
        &app,
        "Dave Dunn",
        "southvale",
        "https://x.com/bluesfan_dave/status/42",
        "Abuse of rival football fans",
        (5, 11, 2026),
    );
    let e = log(
        &app,
        "Erin Evans",
        "easton",
        "https://tiktok.com/@mayor_of_easton/video/7",
        "A joke at the civic fete",
        (1, 1, 2026),
    );
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;

    let all = officer.get("/cases").await;
    all.assert_status(200).assert_contains("3 cases found");
    // Newest first by default.
    let pos = |r: &str| all.body.find(&format!(">{r}<")).unwrap();
    assert!(pos(&d.reference) < pos(&a.reference) && pos(&a.reference) < pos(&e.reference));

    let found = officer.get("/cases?q=LIAR").await;
    found.assert_status(200).assert_contains("1 case found").assert_contains(&a.reference).assert_lacks(&d.reference);
    officer.get("/cases?q=dunn").await.assert_status(200).assert_contains(&d.reference).assert_contains("1 case found");
    officer
        .get("/cases?q=jo+public+fete")
        .await
        .assert_status(200)
        .assert_contains(&e.reference)
        .assert_contains("1 case found");
    officer.get("/cases?q=100%25").await.assert_status(200).assert_contains("0 cases found");

    let easton = standards_desk::models::authority::find_by_slug(&mut app.conn(), "easton").unwrap().unwrap();
    officer
        .get(&format!("/cases?authority={}", easton.id))
        .await
        .assert_status(200)
        .assert_contains(&e.reference)
        .assert_contains("1 case found");
    let dave = app.member_id("Dave Dunn");
    officer
        .get(&format!("/cases?member={dave}"))
        .await
        .assert_status(200)
        .assert_contains(&d.reference)
        .assert_contains("1 case found");
    officer.get("/cases?status=received").await.assert_status(200).assert_contains("3 cases found");
    officer.get("/cases?status=closed").await.assert_status(200).assert_contains("0 cases found");
    // 1 January 2026 is long past its deadlines.
    officer.get("/cases?overdue=yes").await.assert_status(200).assert_contains(&e.reference);
    officer.get("/cases?sort=oldest").await.assert_status(200);

    officer
        .post_form(&format!("/cases/{}/assign", a.reference), &[("assignee", &officer_id(&app))])
        .await
        .assert_status(303);
    officer
        .get("/cases?assigned=me")
        .await
        .assert_status(200)
        .assert_contains(&a.reference)
        .assert_contains("1 case found");
    officer.get("/cases?assigned=none").await.assert_status(200).assert_contains("2 cases found");
}

#[actix_web::test]
async fn the_case_list_pages_through_many_cases() {
    let app = TestApp::spawn_demo().await;
    for i in 0..27 {
        log(
            &app,
            "Alex Archer",
            "southvale",
            &format!("https://facebook.com/a/posts/{i}"),
            "Post",
            (1 + (i % 28), 10, 2026),
        );
    }
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let first = officer.get("/cases").await;
    first.assert_status(200).assert_contains("27 cases found, page 1 of 2").assert_contains("rel=\"next\"");
    assert_eq!(
        first.body.matches("class=\"govuk-table__header sd-nowrap\"><a class=\"govuk-link\" href=\"/cases/SD-").count(),
        25
    );
    let second = officer.get("/cases?page=2").await;
    assert_eq!(
        second
            .body
            .matches("class=\"govuk-table__header sd-nowrap\"><a class=\"govuk-link\" href=\"/cases/SD-")
            .count(),
        2
    );
    second.assert_status(200).assert_contains("rel=\"prev\"");
}

#[actix_web::test]
async fn a_declared_conflict_removes_the_case_from_lists_searches_and_its_page() {
    let app = TestApp::spawn_demo().await;
    let a = log(
        &app,
        "Alex Archer",
        "southvale",
        "https://facebook.com/a/posts/1",
        "Called an officer a liar",
        (2, 11, 2026),
    );
    declare_conflict(&app, &a, &officer_id(&app), "Related to the councillor");
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get("/cases").await.assert_status(200).assert_contains("0 cases found");
    officer.get("/cases?q=liar").await.assert_status(200).assert_lacks(&a.reference);
    officer.get(&format!("/cases/{}", a.reference)).await.assert_status(404);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get("/cases").await.assert_status(200).assert_contains(&a.reference);
}

#[actix_web::test]
async fn restricted_roles_see_only_the_cases_they_are_part_of() {
    let app = TestApp::spawn_demo().await;
    let a = log(&app, "Alex Archer", "southvale", "https://facebook.com/a/posts/1", "One", (2, 11, 2026));
    let b = log(&app, "Dave Dunn", "southvale", "https://x.com/d/status/2", "Two", (3, 11, 2026));
    let investigator = app.user("investigator@southvale.example");
    grant_part(&app, &a, &investigator.id, "investigator");
    let inv = app.new_browser();
    inv.login("investigator@southvale.example", "demo-password").await;
    inv.get("/cases")
        .await
        .assert_status(200)
        .assert_contains(&a.reference)
        .assert_lacks(&b.reference)
        .assert_contains("1 case found");
    inv.get(&format!("/cases/{}", b.reference)).await.assert_status(404);
    let page = inv.get(&format!("/cases/{}", a.reference)).await;
    page.assert_status(200).assert_lacks("Add a note").assert_lacks("Save officer");
    // Nor can they act on it.
    inv.post_form(&format!("/cases/{}/notes", a.reference), &[("note", "mine")]).await.assert_status(403);
    assert_eq!(rows::count(&app, "case_notes"), 0);
}

#[actix_web::test]
async fn officers_assign_add_notes_and_notify_the_member_from_the_case_page() {
    let app = TestApp::spawn_demo().await;
    let a = log(
        &app,
        "Alex Archer",
        "southvale",
        "https://facebook.com/a/posts/1",
        "Called an officer a liar",
        (2, 11, 2026),
    );
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}", a.reference);
    officer.get(&path).await.assert_status(200).assert_contains("Unassigned");

    let res = officer.post_form(&format!("{path}/assign"), &[("assignee", &officer_id(&app))]).await;
    res.assert_status(303);
    officer
        .follow(&res)
        .await
        .assert_status(200)
        .assert_contains("Assignment saved")
        .assert_contains("Assigned to Charlie Webb");
    assert_eq!(case_rows::find(&mut app.conn(), &a.id).unwrap().unwrap().assigned_user_id, Some(officer_id(&app)));

    let empty = officer.post_form(&format!("{path}/notes"), &[("note", "   ")]).await;
    empty.assert_status(422).assert_contains("There is a problem").assert_contains("Enter the note");
    officer.post_form(&format!("{path}/notes"), &[("note", "Phoned the clerk.")]).await.assert_status(303);
    officer.get(&path).await.assert_status(200).assert_contains("Phoned the clerk.").assert_contains("Note added");

    // The member hears nothing until the officer decides.
    assert!(app.emails().iter().all(|m| m.template != "member_notification"));
    let member_id = app.member_id("Alex Archer");
    officer.post_form(&format!("{path}/members/{member_id}/notify"), &[]).await.assert_status(303);
    let notice = app.emails().into_iter().find(|m| m.template == "member_notification").expect("queued");
    assert_eq!(notice.to_address, "alex.archer@southvale.example");
    assert!(notice.body_text.contains("Jo Public"), "the complainant is named when not confidential");
    officer.get(&path).await.assert_status(200).assert_contains("Alex Archer told of the complaint by email");
    // A second notification is refused by the service, not only hidden on the page.
    let again = officer.post_form(&format!("{path}/members/{member_id}/notify"), &[]).await;
    officer.follow(&again).await.assert_status(200).assert_contains("Alex Archer was told of this complaint on");
    assert_eq!(app.emails().iter().filter(|m| m.template == "member_notification").count(), 1);

    // An officer role cannot be given to someone who does not work cases.
    let ip = app.user("ip@southvale.example");
    officer
        .post_form(&format!("{path}/assign"), &[("assignee", &ip.id)])
        .await
        .assert_status(422)
        .assert_contains("Select an officer who works on cases");
}

#[actix_web::test]
async fn a_confidential_complainant_is_not_named_to_the_member() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new()
        .confidential("Fear of reprisal")
        .source("post")
        .received(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap())
        .log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let member_id = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id).unwrap()[0]
        .member_id
        .clone();
    officer.post_form(&format!("/cases/{}/members/{member_id}/notify", case.reference), &[]).await.assert_status(303);
    let notice = app.emails().into_iter().find(|m| m.template == "member_notification").unwrap();
    assert!(!notice.body_text.contains("Jo Public"));
    assert!(notice.body_text.contains("asked not to be named"));
}

#[actix_web::test]
async fn the_dashboard_shows_my_cases_and_what_is_overdue() {
    let app = TestApp::spawn_demo().await;
    let old = log(&app, "Alex Archer", "southvale", "https://facebook.com/a/posts/1", "Old", (1, 10, 2025));
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let board = officer.get("/dashboard").await;
    board
        .assert_status(200)
        .assert_contains("Overdue")
        .assert_contains(&old.reference)
        .assert_contains("No open cases are assigned to you.");
    officer.post_form(&format!("/cases/{}/assign", old.reference), &[("assignee", &officer_id(&app))]).await;
    let board = officer.get("/dashboard").await;
    assert!(board.body.matches(&old.reference).count() >= 2, "in Overdue and in My cases");
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    ip.get("/dashboard").await.assert_status(200).assert_lacks(&old.reference);
}

#[actix_web::test]
async fn the_case_page_offers_only_what_the_services_allow() {
    let app = TestApp::spawn_demo().await;
    // A letter without an email address: it can only be acknowledged by post.
    let case = CaseBuilder::new()
        .member("Alex Archer", "southvale")
        .field("complainant_email", "")
        .field("complainant_address", "1 High Street\nNorthfield")
        .source("post")
        .received(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap())
        .log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}", case.reference);
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("Record acknowledgement sent by post")
        .assert_lacks("Send acknowledgement email")
        .assert_contains("Save officer")
        .assert_contains("Notify Alex Archer");
    // What the page does not offer, the service refuses.
    let complaint_id = rows::complaint_ids(&app, &case.id).remove(0);
    let ack = format!("{path}/complaints/{complaint_id}/acknowledge");
    let res = officer.post_form(&ack, &[("method", "email")]).await;
    res.assert_status(303);
    officer.follow(&res).await.assert_status(200).assert_contains("The complainant gave no email address");
    assert!(app.emails().is_empty());

    // A closed case keeps its notes open, nothing else.
    let closed = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    standards_desk::services::cases::transition(
        &mut app.conn(),
        &standards_desk::services::audit::Actor::system("test"),
        &closed,
        standards_desk::models::case::CaseStatus::Closed,
        "No further action",
    )
    .unwrap();
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_lacks("Save officer")
        .assert_lacks("Record acknowledgement sent by post")
        .assert_lacks("Notify Alex Archer")
        .assert_contains("Add note");
    let res = officer.post_form(&format!("{path}/assign"), &[("assignee", &officer_id(&app))]).await;
    res.assert_status(303);
    officer.follow(&res).await.assert_status(200).assert_contains(&format!("Case {} is closed", case.reference));
    officer.post_form(&ack, &[("method", "post")]).await.assert_status(303);
    let complaint = standards_desk::models::complaint::find(&mut app.conn(), &complaint_id).unwrap().unwrap();
    assert!(complaint.acknowledged_at.is_none(), "a closed case's complaint is not acknowledged");
}

#[actix_web::test]
async fn a_nul_in_an_address_or_a_form_is_never_a_500() {
    // Found by the fuzz test on PostgreSQL, which refuses a NUL in text: an address with one is
    // not found (or a bad request, in the query), and one in a form is dropped, keeping the rest.
    let app = TestApp::spawn_demo().await;
    let case = log(&app, "Alex Archer", "southvale", "https://example.org/p/nul", "Abuse", (5, 11, 2026));
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get("/cases/SD-2026%000001").await.assert_status(404);
    officer.get("/reports/snapshots/%00").await.assert_status(404);
    officer.get("/cases?q=a%00b").await.assert_status(400).assert_contains("not allowed");
    let path = format!("/cases/{}", case.reference);
    officer.get(&path).await.assert_status(200);
    officer.post_form(&format!("{path}/notes"), &[("note", "Phoned\0 the clerk.")]).await.assert_status(303);
    officer.get(&path).await.assert_status(200).assert_contains("Phoned the clerk.");
    // A multipart form (the public complaint form) the same.
    let public = app.new_browser();
    public.get("/complaints/new").await.assert_status(200);
    let fields =
        crate::fixtures::with(&crate::fixtures::complaint(&app), "what_happened", "Called\0 an officer a liar.");
    let res = public
        .post_multipart(
            "/complaints/new",
            &crate::fixtures::refs(&fields),
            &[("files", "post.png", crate::fixtures::PNG)],
        )
        .await;
    res.assert_status(303);
    public.follow(&res).await.assert_status(200).assert_contains("Called an officer a liar.");
}
