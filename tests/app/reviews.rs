//! Review requests get an outcome: upheld reopens the (closed) case to initial assessment, audited;
//! not upheld tells the requester by email; the outcome is due by a deadline the desk shows.

use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;

fn status(app: &TestApp, case: &Case) -> String {
    case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap().status.as_str().to_string()
}

/// A case closed at its initial assessment (no jurisdiction: private capacity), its notices
/// sent; returns the case and the decision's id.
async fn closed_case(app: &TestApp, mo: &TestApp, url: &str) -> (Case, String) {
    let case = CaseBuilder::new().url(url).complainant("Jo Public", "jo@example.com").log(app);
    let mo_user = app.user("mo@southvale.example");
    let actor = Actor::user(&mo_user.id, &mo_user.name, None);
    let mut answers = AnswerInput::default();
    for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        answers.answers.insert(code.into(), if code.starts_with('G') || code == "P1" { "yes" } else { "no" }.into());
    }
    let a =
        assessment::assess(&mut app.conn(), &actor, &mo_user, &case.reference, &app.member_id("Alex Archer"), &answers)
            .unwrap();
    assessment::conclude(
        &mut app.conn(),
        &actor,
        &mo_user,
        &a.id,
        "PRIVATE",
        &app.authority_id("southvale"),
        "A personal account about a private dispute.",
    )
    .unwrap();
    let res = mo
        .post_form(
            &format!("/cases/{}/decision", case.reference),
            &[("outcome", "no-jurisdiction"), ("reasons", "The councillor was acting in a private capacity.")],
        )
        .await;
    res.assert_status(303);
    let notices = res.location().unwrap().to_string();
    mo.post_form(&notices, &[]).await.assert_status(303);
    assert_eq!(status(app, &case), "closed");
    let decision_id = notices.split("/decisions/").nth(1).unwrap().split('/').next().unwrap().to_string();
    (case, decision_id)
}

fn today_fields() -> [(&'static str, String); 3] {
    let t = chrono::Utc::now().date_naive();
    [
        ("received_day", t.format("%-d").to_string()),
        ("received_month", t.format("%-m").to_string()),
        ("received_year", t.format("%Y").to_string()),
    ]
}

async fn request_review(app: &TestApp, officer: &TestApp, case: &Case, decision: &str, by: &str) -> String {
    let [d, m, y] = today_fields();
    officer
        .post_form(
            &format!("/cases/{}/decisions/{decision}/review", case.reference),
            &[
                ("requested_by", by),
                (d.0, &d.1),
                (m.0, &m.1),
                (y.0, &y.1),
                ("grounds", "The post was made from the councillor's official page."),
            ],
        )
        .await
        .assert_status(303);
    rows::review_ids(app, decision).pop().expect("a review request")
}

#[actix_web::test]
async fn an_upheld_review_reopens_the_closed_case_and_a_refused_one_tells_the_requester() {
    let app = TestApp::spawn_demo().await;
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let (case, decision) = closed_case(&app, &mo, "https://example.org/review/1").await;
    let review = request_review(&app, &officer, &case, &decision, "complainant").await;

    // Due by a deadline, on the case page and the desk.
    let page = mo.get(&format!("/cases/{}", case.reference)).await;
    page.assert_status(200).assert_contains("Outcome due by").assert_contains("Record the outcome");
    mo.get("/dashboard").await.assert_status(200).assert_contains("Outcome of a request to review a decision");
    // An officer may not decide it (no form, and refused); nor without an outcome and reasons.
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200).assert_lacks("Record the outcome");
    let path = format!("/cases/{}/reviews/{review}/outcome", case.reference);
    officer.post_form(&path, &[("outcome", "upheld"), ("reasons", "x")]).await.assert_status(303);
    assert_eq!(status(&app, &case), "closed", "an officer cannot reopen it");
    // The form again (422) with the error summary, what was typed kept.
    mo.post_form(&path, &[("outcome", ""), ("reasons", "")])
        .await
        .assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("Select whether the review is upheld")
        .assert_contains("Give the reasons for the outcome");
    mo.post_form(&path, &[("outcome", "upheld"), ("reasons", " ")])
        .await
        .assert_status(422)
        .assert_contains("Give the reasons for the outcome")
        .assert_contains("value=\"upheld\" checked");
    assert_eq!(status(&app, &case), "closed");
    assert_eq!(rows::audited(&app, "case.reopened"), 0);

    // Upheld: back to initial assessment, audited, and the stage can be decided again.
    mo.post_form(&path, &[("outcome", "upheld"), ("reasons", "The page is an official one: assess again.")])
        .await
        .assert_status(303);
    assert_eq!(status(&app, &case), "initial-assessment");
    let reopened = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    assert!(reopened.closed_at.is_none() && reopened.closure_reason.is_none());
    assert_eq!(rows::audited_for(&app, "case.reopened", &case.id), 1);
    assert_eq!(rows::audited(&app, "decision.review_upheld"), 1);
    mo.get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Upheld: reopen the case")
        .assert_contains("Record the initial assessment decision");
    // Decided once only.
    mo.post_form(&path, &[("outcome", "not-upheld"), ("reasons", "Again")]).await.assert_status(303);
    assert_eq!(rows::audited(&app, "decision.review_not_upheld"), 0);

    // Not upheld: the decision stands, the complainant is emailed.
    let (other, decision) = closed_case(&app, &mo, "https://example.org/review/2").await;
    let review = request_review(&app, &officer, &other, &decision, "complainant").await;
    let before = app.emails().iter().filter(|m| m.template == "review_not_upheld").count();
    mo.post_form(
        &format!("/cases/{}/reviews/{review}/outcome", other.reference),
        &[("outcome", "not-upheld"), ("reasons", "The account is plainly personal.")],
    )
    .await
    .assert_status(303);
    assert_eq!(status(&app, &other), "closed");
    let sent: Vec<_> = app.emails().into_iter().filter(|m| m.template == "review_not_upheld").collect();
    assert_eq!(sent.len(), before + 1);
    let mail = sent.last().unwrap();
    assert_eq!(mail.to_address, "jo@example.com");
    assert!(
        mail.body_text.contains("has not upheld it") && mail.body_text.contains("The account is plainly personal.")
    );
    assert!(mail.body_text.contains(&other.reference));
}
