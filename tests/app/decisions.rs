//! Decisions (issue 16): the member's response sent from their own page counts for the decision
//! gate; the reason for an early decision shows on the case and in the notices; the decision
//! settings an administrator sets; allegations listed in one order on both backends.

use crate::accessibility::concluded as ready_for_decision;
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::complaint as complaint_rows;
use standards_desk::services::decisions::review_outcome::review_deadline;
use standards_desk::services::settings;

#[actix_web::test]
async fn a_response_the_member_sends_from_their_page_lets_the_decision_be_made() {
    let app = TestApp::spawn_demo().await;
    let case = ready_for_decision(&app);
    let path = format!("/cases/{}/decision", case.reference);
    let decide = [("outcome", "investigation"), ("reasons", "Serious enough to investigate.")];
    let member = crate::parties::member_signed_in(&app, &case).await;
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    // Told, response not in yet: refused.
    mo.post_form(&path, &decide).await.assert_status(422).assert_contains("response is due by");
    assert_eq!(rows::count(&app, "decisions"), 0);

    member
        .post_multipart("/my-case/response", &[("response", "The page is my private one, not a council page.")], &[])
        .await
        .assert_status(303);
    let told = complaint_rows::list_notifications_for_case(&mut app.conn(), &case.id).unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].response_received_on, Some(chrono::Utc::now().date_naive()));
    assert_eq!(told[0].response_summary.as_deref(), Some("The page is my private one, not a council page."));
    // The officer's "record the response" is no longer offered: it is in.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let alex = app.member_id("Alex Archer");
    officer.get(&format!("/cases/{}/members/{alex}/response", case.reference)).await.assert_status(303);

    mo.get(&path).await.assert_status(200).assert_lacks("You cannot record a decision");
    mo.post_form(&path, &decide).await.assert_status(303);
    assert_eq!(rows::count(&app, "decisions"), 1);
    assert_eq!(rows::count(&app, "decision_gate_reasons"), 0);
}

#[actix_web::test]
async fn the_reason_for_an_early_decision_shows_on_the_case_and_in_its_notices() {
    let app = TestApp::spawn_demo().await;
    let case = ready_for_decision(&app);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.post_form(
        &format!("/cases/{}/decision", case.reference),
        &[
            ("outcome", "referral"),
            ("referral_body", "police"),
            ("reasons", "A possible offence."),
            ("notice_reason", "The police asked us not to tell the member yet."),
        ],
    )
    .await
    .assert_status(303);
    let page = mo.get(&format!("/cases/{}", case.reference)).await;
    page.assert_status(200)
        .assert_contains("Decided before the councillor was told or could respond.")
        .assert_contains("The police asked us not to tell the member yet.");
    let notices = page.body.split("/decisions/").nth(1).unwrap().split('"').next().unwrap().to_string();
    mo.get(&format!("/cases/{}/decisions/{notices}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("The decision was made before the councillor was told of the complaint or could respond.")
        .assert_contains("The police asked us not to tell the member yet.");
}

#[actix_web::test]
async fn an_administrator_sets_the_review_deadline_and_whether_a_cleared_councillor_is_named() {
    let app = TestApp::spawn_demo().await;
    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    admin
        .get("/admin/settings")
        .await
        .assert_status(200)
        .assert_contains("Review of a decision (working days)")
        .assert_contains("Is a councillor cleared of a breach named in the published decision?");
    let path = "/admin/settings/decisions";
    admin
        .post_form(path, &[("review_days", "0"), ("name_without_breach", "maybe")])
        .await
        .assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("from 1 to 250")
        .assert_contains("Select whether a councillor cleared of a breach is named");
    assert_eq!(review_deadline(&mut app.conn()).unwrap(), 20);
    assert_eq!(rows::audited(&app, "settings.decisions_changed"), 0);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.post_form(path, &[("review_days", "15"), ("name_without_breach", "yes")]).await.assert_status(403);

    admin.post_form(path, &[("review_days", "15"), ("name_without_breach", "yes")]).await.assert_status(303);
    assert_eq!(review_deadline(&mut app.conn()).unwrap(), 15);
    assert!(settings::names_members_without_breach(&mut app.conn()).unwrap());
    assert_eq!(rows::audited(&app, "settings.decisions_changed"), 1);
    admin.get("/admin/settings").await.assert_status(200).assert_contains("value=\"15\"");
}

#[actix_web::test]
async fn a_cases_allegations_come_in_one_order_on_both_backends() {
    let app = TestApp::spawn_demo().await;
    let case = ready_for_decision(&app);
    let listed: Vec<String> = complaint_rows::list_allegations_for_case(&mut app.conn(), &case.id)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(listed.len() >= 2, "paragraphs 1 and 3");
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "allegations logged together come in id order");
}
