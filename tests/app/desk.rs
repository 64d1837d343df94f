//! Each role's desk on the dashboard lists what is waiting for them, with due dates and a link
//! to the page where it is done (issue 17).

use crate::fixtures::{complaint, consult_ip, submit_public, CaseBuilder, PNG};
use crate::harness::TestApp;
use crate::rows;
use standards_desk::services::audit::Actor;
use standards_desk::services::calendar::Calendar;
use standards_desk::services::takedown::{self, RequestInput};

/// "18 December 2025", as the pages write dates.
fn day(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

#[actix_web::test]
async fn the_officers_desk_lists_new_complaints_ip_views_member_responses_and_takedown_replies() {
    let app = TestApp::spawn_demo().await;
    let new = CaseBuilder::new().source("post").log(&app);
    let consulted = CaseBuilder::new().url("https://facebook.com/a/posts/2").log(&app);
    consult_ip(&app, &consulted, "Is it official?");
    let public = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let officer_user = app.user("officer@southvale.example");
    let actor = Actor::user(&officer_user.id, &officer_user.name, None);
    let input = RequestInput {
        items: rows::evidence_item_ids(&app, &public.id),
        addressee_kind: "member".into(),
        addressee_name: "Alex Archer".into(),
        channel: "letter".into(),
        request_text: "Please remove the post.".into(),
        ..Default::default()
    };
    let today = chrono::Utc::now().date_naive();
    let t = takedown::request(&mut app.conn(), &actor, &officer_user, &public.reference, &input, today).unwrap();

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let member_id = app.member_id("Alex Archer");
    officer.post_form(&format!("/cases/{}/members/{member_id}/notify", new.reference), &[]).await.assert_status(303);

    let board = officer.get("/dashboard").await;
    board.assert_status(200).assert_contains("Waiting for the Monitoring Officer&#39;s team");
    board
        .assert_contains(&format!(
            "href=\"/cases/{}\"><span class=\"sd-ref\">{}</span></a>",
            new.reference, new.reference
        ))
        .assert_contains("New complaint, not assigned: acknowledge")
        .assert_contains(&day(new.ack_due_on))
        .assert_contains(&format!("href=\"/cases/{}#ip\"", consulted.reference))
        .assert_contains("Independent Person&#39;s view awaited")
        .assert_contains("Member&#39;s response")
        .assert_contains(&day(Calendar::load(&mut app.conn()).unwrap().add_working_days(today, 10)))
        .assert_contains(&format!("href=\"/cases/{}/takedowns/T1\"", public.reference))
        .assert_contains("Reply to takedown request T1 (to Alex Archer)")
        .assert_contains(&day(t.due_on));

    let unassigned = row(&new.reference, "New complaint, not assigned: acknowledge");
    board.assert_contains(&unassigned);
    // Assigned, the new complaint leaves the list of unassigned ones.
    let assigned =
        officer.post_form(&format!("/cases/{}/assign", new.reference), &[("assignee", &officer_user.id)]).await;
    assigned.assert_status(303);
    officer.get("/dashboard").await.assert_status(200).assert_lacks(&unassigned);
}

/// A row of the desk table: the case's link and what waits.
fn row(reference: &str, what: &str) -> String {
    format!("href=\"/cases/{reference}\"><span class=\"sd-ref\">{reference}</span></a></td>\n          <td class=\"govuk-table__cell\">{what}</td>")
}

#[actix_web::test]
async fn the_independent_persons_desk_lists_the_views_asked_of_them() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().log(&app);
    let other = CaseBuilder::new().url("https://facebook.com/a/posts/9").log(&app);
    consult_ip(&app, &case, "Is it official?");
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    let board = ip.get("/dashboard").await;
    board
        .assert_status(200)
        .assert_contains("Waiting for you")
        .assert_contains(&format!("href=\"/cases/{}#ip\"", case.reference))
        .assert_contains("Your view is asked")
        .assert_lacks(&other.reference);
}

#[actix_web::test]
async fn the_investigators_desk_lists_their_cases_with_the_target_date() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    crate::hearing::appoint(&app, &case);
    let target = chrono::Utc::now().date_naive() + chrono::Duration::days(90);
    let inv = app.new_browser();
    inv.login("investigator@southvale.example", "demo-password").await;
    inv.get("/dashboard")
        .await
        .assert_status(200)
        .assert_contains(&format!("href=\"/cases/{}/investigation\"", case.reference))
        .assert_contains("Investigation: final report")
        .assert_contains(&format!("Due {}", day(target)));
}

#[actix_web::test]
async fn the_panels_desk_lists_the_hearings_they_sit_on_with_the_bundle() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::at_hearing(&app).await;
    let panel = app.new_browser();
    panel.login("committee3@southvale.example", "demo-password").await;
    panel
        .get("/dashboard")
        .await
        .assert_status(200)
        .assert_contains(&format!("href=\"/cases/{}/hearing/bundle\"", case.reference))
        .assert_contains("Hearing at 14:00: read the bundle");
    // Not on this panel: nothing waits.
    let other = app.new_browser();
    other.login("committee2@southvale.example", "demo-password").await;
    other
        .get("/dashboard")
        .await
        .assert_status(200)
        .assert_lacks(&case.reference)
        .assert_contains("Nothing is waiting for you.");
}

#[actix_web::test]
async fn a_user_who_asks_for_it_gets_one_digest_a_day_of_what_is_due() {
    let app = TestApp::builder().demo().configure(|c| c.base_url = "https://sd.southvale.example".into()).spawn().await;
    let old = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let case = CaseBuilder::new().source("post").conduct(old).received(old).on(old).log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    assert_eq!(app.state.queue_reminders().await.unwrap(), 0, "nobody asked for a digest");
    let on = officer.post_form("/dashboard/digest", &[("digest", "yes")]).await;
    on.assert_status(303);
    officer.follow(&on).await.assert_status(200).assert_contains("value=\"yes\" checked");
    assert_eq!(app.state.queue_reminders().await.unwrap(), 1);
    let digest = app.emails().into_iter().find(|m| m.template == "digest").expect("the digest is queued");
    assert_eq!(digest.to_address, "officer@southvale.example");
    assert!(
        digest.body_text.contains(&format!("https://sd.southvale.example/cases/{}", case.reference)),
        "{}",
        digest.body_text
    );
    assert!(digest.body_text.contains("overdue since"), "{}", digest.body_text);
    assert_eq!(app.state.queue_reminders().await.unwrap(), 0, "once a day");
    officer.post_form("/dashboard/digest", &[]).await.assert_status(303);
    assert_eq!(rows::audited(&app, "user.digest_changed"), 2);
}
