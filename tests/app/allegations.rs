//! Amending a case's allegations (issue 16): the Monitoring Officer rewords, withdraws (with a
//! reason), re-attaches and adds allegations; the complainant's words stay; each change is audited
//! and shown; hostile or wrong input is refused with nothing changed.

use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::complaint::{self as complaint_rows, Allegation};

fn all(app: &TestApp, case_id: &str) -> Vec<Allegation> {
    complaint_rows::list_all_allegations_for_case(&mut app.conn(), case_id).expect("allegations")
}

#[actix_web::test]
async fn the_monitoring_officer_amends_allegations_keeping_the_complainants_words_and_every_change_audited() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().url("https://example.org/amend/1").what("He called the clerk a liar.").log(&app);
    let path = format!("/cases/{}/allegations", case.reference);
    let before = all(&app, &case.id);
    assert_eq!(before.len(), 2, "paragraphs 1 and 3 against Alex Archer");
    let (first, second) = (before[0].id.clone(), before[1].id.clone());
    let archer = app.member_id("Alex Archer");
    let bailey = app.member_id("Bev Bailey");

    // An officer sees the page but not the forms, and may not amend.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200).assert_contains(&path);
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("He called the clerk a liar.")
        .assert_lacks("Add the allegation");
    let one = format!("{path}/{first}");
    officer
        .post_form(&one, &[("action", "reword"), (&format!("wording_{first}") as &str, "x")])
        .await
        .assert_status(403);

    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&path)
        .await
        .assert_status(200)
        .assert_contains("Add the allegation")
        .assert_contains("He called the clerk a liar.");

    // Refusals: nothing changes, what was typed stays.
    let wording = format!("wording_{first}");
    let reason = format!("reason_{first}");
    let member = format!("member_id_{first}");
    mo.post_form(&one, &[("action", "reword"), (&wording as &str, "  ")])
        .await
        .assert_status(422)
        .assert_contains("Enter the allegation in your words");
    mo.post_form(&one, &[("action", "withdraw"), (&reason as &str, "")])
        .await
        .assert_status(422)
        .assert_contains("Give the reason the allegation is withdrawn");
    mo.post_form(&one, &[("action", "attach"), (&member as &str, "no-such-member")])
        .await
        .assert_status(422)
        .assert_contains("Select the councillor the allegation is about");
    mo.post_form(&one, &[("action", "attach"), (&member as &str, &archer)])
        .await
        .assert_status(422)
        .assert_contains("already about this councillor");
    mo.post_form(&one, &[("action", "explode")]).await.assert_status(303);
    mo.post_form(&format!("{path}/no-such-allegation"), &[("action", "withdraw"), ("reason", "x")])
        .await
        .assert_status(404);
    mo.post_form(&path, &[("complaint_id", "x"), ("member_id", "y"), ("provision_id", "z"), ("wording", "")])
        .await
        .assert_status(422)
        .assert_contains("Select the complaint the allegation comes from")
        .assert_contains("Select the councillor the allegation is about")
        .assert_contains("Select the paragraph of the code")
        .assert_contains("Enter the allegation in your words");
    assert_eq!(all(&app, &case.id).len(), 2);
    assert_eq!(all(&app, &case.id)[0].wording, None);
    assert_eq!(rows::count(&app, "audit_log WHERE action LIKE 'allegation.%'"), 0);

    // Reword: the officer's words shown beside the complainant's, audited with both.
    mo.post_form(&one, &[("action", "reword"), (&wording as &str, "Called the clerk a liar in a public post.")])
        .await
        .assert_status(303);
    let page = mo.get(&path).await;
    page.assert_status(200)
        .assert_contains("Called the clerk a liar in a public post.")
        .assert_contains("He called the clerk a liar.")
        .assert_contains("Allegation reworded");
    assert_eq!(rows::audited_for(&app, "allegation.reworded", &first), 1);

    // Attach the second to Bev Bailey: she is on the case now.
    let member2 = format!("member_id_{second}");
    mo.post_form(&format!("{path}/{second}"), &[("action", "attach"), (&member2 as &str, &bailey)])
        .await
        .assert_status(303);
    assert_eq!(all(&app, &case.id)[1].member_id, bailey);
    assert_eq!(rows::audited_for(&app, "allegation.attached", &second), 1);
    mo.get(&format!("/cases/{}", case.reference)).await.assert_status(200).assert_contains("Bev Bailey");

    // Add one: to the complaint, against Alex Archer, paragraph 3 (the second's paragraph).
    let complaint_id = before[0].complaint_id.clone();
    let provision = before[1].code_provision_id.clone();
    mo.post_form(
        &path,
        &[
            ("complaint_id", &complaint_id as &str),
            ("member_id", &archer),
            ("provision_id", &provision),
            ("wording", "Mocked the clerk's appearance."),
        ],
    )
    .await
    .assert_status(303);
    assert_eq!(all(&app, &case.id).len(), 3);
    assert_eq!(rows::audited(&app, "allegation.added"), 1);
    // The same again is a duplicate.
    mo.post_form(
        &path,
        &[
            ("complaint_id", &complaint_id as &str),
            ("member_id", &archer),
            ("provision_id", &provision),
            ("wording", "Again"),
        ],
    )
    .await
    .assert_status(422)
    .assert_contains("is already alleged against Alex Archer");
    assert_eq!(all(&app, &case.id).len(), 3);

    // Withdraw the first with a reason: kept on the page, left out of what the case goes on.
    mo.post_form(&one, &[("action", "withdraw"), (&reason as &str, "The complainant withdrew this part.")])
        .await
        .assert_status(303);
    let now = all(&app, &case.id);
    assert_eq!(now[0].status, "withdrawn");
    assert_eq!(now[0].withdrawn_reason.as_deref(), Some("The complainant withdrew this part."));
    assert_eq!(complaint_rows::list_allegations_for_case(&mut app.conn(), &case.id).unwrap().len(), 2);
    mo.get(&path)
        .await
        .assert_status(200)
        .assert_contains("Withdrawn")
        .assert_contains("The complainant withdrew this part.");
    // A withdrawn allegation is not amended again.
    mo.post_form(&one, &[("action", "reword"), (&wording as &str, "Again")]).await.assert_status(303);
    assert_eq!(rows::audited_for(&app, "allegation.reworded", &first), 1);

    // The last allegation on the case is not withdrawn.
    let third = now[2].id.clone();
    mo.post_form(
        &format!("{path}/{second}"),
        &[("action", "withdraw"), (&format!("reason_{second}") as &str, "Wrong")],
    )
    .await
    .assert_status(303);
    let last = mo
        .post_form(&format!("{path}/{third}"), &[("action", "withdraw"), (&format!("reason_{third}") as &str, "Wrong")])
        .await;
    last.assert_status(303);
    mo.follow(&last).await.assert_status(200).assert_contains("last allegation");
    assert_eq!(complaint_rows::list_allegations_for_case(&mut app.conn(), &case.id).unwrap().len(), 1);
    assert_eq!(rows::audited(&app, "allegation.withdrawn"), 2);
}
