use crate::fixtures::{complaint, with};
use crate::harness::TestApp;
use diesel::prelude::*;
use standards_desk::db::schema::{case_notes, case_participants, conflict_declarations};
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::models::user as users;
use standards_desk::models::{new_id, now};
use standards_desk::services::audit::Actor;
use standards_desk::services::intake::{self, ComplaintForm, Logged};

/// Logs a complaint through the service, as an officer would.
fn log(app: &TestApp, member: &str, council: &str, url: &str, what: &str, received: (u32, u32, i32)) -> Case {
    let mut fields = complaint(app);
    fields = with(&fields, "councillor", &app.membership(member, council));
    fields = with(&fields, "post_urls", url);
    fields = with(&fields, "what_happened", what);
    fields = with(&fields, "source", "email");
    fields = with(&fields, "case_choice", "new");
    fields = with(&fields, "received_day", &received.0.to_string());
    fields = with(&fields, "received_month", &received.1.to_string());
    fields = with(&fields, "received_year", &received.2.to_string());
    let form = ComplaintForm::from_pairs(&fields);
    let today = chrono::Utc::now().date_naive();
    match intake::log_by_staff(&mut app.conn(), &Actor::system("test"), &form, &[], today).expect("logged") {
        Logged::Created(c) => *c,
        Logged::ChooseCase(_) => panic!("case_choice=new opens a case"),
    }
}

fn officer_id(app: &TestApp) -> String {
    users::find_by_email(&mut app.conn(), "officer@southvale.example").unwrap().unwrap().id
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
    let dave: String = standards_desk::db::schema::members::table
        .filter(standards_desk::db::schema::members::full_name.eq("Dave Dunn"))
        .select(standards_desk::db::schema::members::id)
        .first(&mut app.conn())
        .unwrap();
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
    diesel::insert_into(conflict_declarations::table)
        .values((
            conflict_declarations::id.eq(new_id()),
            conflict_declarations::case_id.eq(&a.id),
            conflict_declarations::user_id.eq(officer_id(&app)),
            conflict_declarations::reason.eq("Related to the councillor"),
            conflict_declarations::declared_at.eq(now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
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
    let investigator = users::find_by_email(&mut app.conn(), "investigator@southvale.example").unwrap().unwrap();
    diesel::insert_into(case_participants::table)
        .values((
            case_participants::id.eq(new_id()),
            case_participants::case_id.eq(&a.id),
            case_participants::user_id.eq(&investigator.id),
            case_participants::part.eq("investigator"),
            case_participants::granted_at.eq(now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
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
    let notes: i64 = case_notes::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(notes, 0);
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
    let member_id: String = standards_desk::db::schema::members::table
        .filter(standards_desk::db::schema::members::full_name.eq("Alex Archer"))
        .select(standards_desk::db::schema::members::id)
        .first(&mut app.conn())
        .unwrap();
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
    let ip = users::find_by_email(&mut app.conn(), "ip@southvale.example").unwrap().unwrap();
    officer
        .post_form(&format!("{path}/assign"), &[("assignee", &ip.id)])
        .await
        .assert_status(422)
        .assert_contains("Select an officer who works on cases");
}

#[actix_web::test]
async fn a_confidential_complainant_is_not_named_to_the_member() {
    let app = TestApp::spawn_demo().await;
    let mut fields = with(&complaint(&app), "confidential", "yes");
    fields = with(&fields, "confidential_reason", "Fear of reprisal");
    fields = with(&fields, "source", "post");
    fields = with(&fields, "received_day", "2");
    fields = with(&fields, "received_month", "11");
    fields = with(&fields, "received_year", "2026");
    let form = ComplaintForm::from_pairs(&fields);
    let today = chrono::Utc::now().date_naive();
    let Logged::Created(case) =
        intake::log_by_staff(&mut app.conn(), &Actor::system("test"), &form, &[], today).unwrap()
    else {
        panic!("created")
    };
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let member_id: String = standards_desk::db::schema::allegations::table
        .select(standards_desk::db::schema::allegations::member_id)
        .first(&mut app.conn())
        .unwrap();
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
