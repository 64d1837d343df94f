//! Written complaints (s.28(9), issue 16): a complaint taken by telephone or in person waits for
//! the complainant's written confirmation before its assessment starts. Shown on the case page,
//! refused (capacity assessment, decision) with nothing changed, then attached and allowed.

use crate::fixtures::{CaseBuilder, PDF};
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::case::Case;
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;

fn answers() -> Vec<(String, String)> {
    ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"]
        .iter()
        .map(|c| (format!("answer_{c}"), if c.starts_with('G') { "yes" } else { "no" }.to_string()))
        .collect()
}

fn by_phone(app: &TestApp, source: &str) -> Case {
    CaseBuilder::new()
        .member("Alex Archer", "southvale")
        .platform("facebook")
        .url("https://example.org/rang-in")
        .what("Rang to say the councillor posted abuse")
        .field("why_official", "See the post.")
        .source(source)
        .log(app)
}

fn today_fields() -> [(&'static str, String); 3] {
    let today = chrono::Utc::now().date_naive();
    [
        ("received_day", today.format("%-d").to_string()),
        ("received_month", today.format("%-m").to_string()),
        ("received_year", today.format("%Y").to_string()),
    ]
}

#[actix_web::test]
async fn a_telephone_complaint_is_not_assessed_until_confirmed_in_writing() {
    let app = TestApp::spawn_demo().await;
    let case = by_phone(&app, "phone");
    let page = format!("/cases/{}", case.reference);
    let alex = app.member_id("Alex Archer");
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;

    // Shown before trying: the complaint says so and offers the way to attach it; no
    // "Assess capacity" link.
    let shown = mo.get(&page).await;
    shown
        .assert_status(200)
        .assert_contains("Written confirmation")
        .assert_contains("Not attached")
        .assert_contains("written confirmation is not attached yet for complaint 1, taken by telephone")
        .assert_contains("/written-confirmation\">Attach the written confirmation")
        .assert_lacks("Assess capacity<span");
    let complaint = rows::complaint_ids(&app, &case.id).remove(0);
    let attach = format!("{page}/complaints/{complaint}/written-confirmation");

    // Refused: the assessment form, a capacity assessment and a decision; nothing changed.
    mo.get(&format!("{page}/assessments/new?member={alex}"))
        .await
        .assert_status(400)
        .assert_contains("written confirmation is not attached yet");
    let mut fields = answers();
    fields.push(("member".into(), alex.clone()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = mo.post_form(&format!("{page}/assessments"), &refs).await;
    refused.assert_status(303);
    mo.follow(&refused).await.assert_status(200).assert_contains("written confirmation is not attached yet");
    assert_eq!(rows::count(&app, "capacity_assessments"), 0);
    mo.get(&format!("{page}/decision")).await.assert_status(200).assert_contains("You cannot record a decision yet");
    mo.post_form(&format!("{page}/decision"), &[("outcome", "no-jurisdiction"), ("reasons", "Not a councillor.")])
        .await
        .assert_status(422)
        .assert_contains("written confirmation is not attached yet")
        .assert_contains("Not a councillor.");
    assert_eq!(rows::count(&app, "decisions"), 0);

    // Bad input: 422, what was typed kept, nothing recorded.
    mo.get(&attach).await.assert_status(200).assert_contains("Attach the written confirmation of complaint 1");
    let [d, m, y] = today_fields();
    let typed = [
        ("kind", "document"),
        (d.0, d.1.as_str()),
        (m.0, m.1.as_str()),
        (y.0, y.1.as_str()),
        ("detail", "Signed letter from the caller"),
    ];
    mo.post_multipart(&attach, &typed, &[])
        .await
        .assert_status(422)
        .assert_contains("Choose the letter or signed statement to upload")
        .assert_contains("Signed letter from the caller");
    mo.post_multipart(&attach, &[("kind", "email"), ("detail", "")], &[])
        .await
        .assert_status(422)
        .assert_contains("Enter the date the confirmation arrived")
        .assert_contains("Enter who the email came from and what it says");
    assert_eq!(rows::count(&app, "written_confirmations"), 0);

    // Attached (an email recorded): the page shows it and the assessment may start.
    let email = [
        ("kind", "email"),
        (d.0, d.1.as_str()),
        (m.0, m.1.as_str()),
        (y.0, y.1.as_str()),
        ("detail", "From the caller: I confirm my complaint about the post of 1 December."),
    ];
    let done = mo.post_multipart(&attach, &email, &[]).await;
    done.assert_status(303);
    assert_eq!(done.location(), Some(page.as_str()));
    assert_eq!(rows::count(&app, "written_confirmations"), 1);
    mo.get(&page)
        .await
        .assert_status(200)
        .assert_contains("An email from the complainant, received")
        .assert_contains("I confirm my complaint")
        .assert_lacks("Not attached")
        .assert_contains("Assess capacity<span");
    // Once only.
    let again = mo.post_multipart(&attach, &email, &[]).await;
    again.assert_status(303);
    mo.follow(&again).await.assert_status(200).assert_contains("already attached");
    assert_eq!(rows::count(&app, "written_confirmations"), 1);
    let posted = mo.post_form(&format!("{page}/assessments"), &refs).await;
    posted.assert_status(303);
    assert_eq!(rows::count(&app, "capacity_assessments"), 1);
}

#[actix_web::test]
async fn an_in_person_complaint_is_confirmed_by_an_uploaded_letter_and_a_written_one_needs_nothing() {
    let app = TestApp::spawn_demo().await;
    let case = by_phone(&app, "in-person");
    let page = format!("/cases/{}", case.reference);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&page).await.assert_status(200).assert_contains("taken in person");
    let mo = app.user("mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let mut input = AnswerInput::default();
    for (k, v) in answers() {
        input.answers.insert(k.trim_start_matches("answer_").to_string(), v);
    }
    // The service refuses on its own (not only the page).
    let refused =
        assessment::assess(&mut app.conn(), &actor, &mo, &case.reference, &app.member_id("Alex Archer"), &input);
    assert!(matches!(refused, Err(standards_desk::services::ServiceError::Refused(m)) if m.contains("in person")));

    let complaint = rows::complaint_ids(&app, &case.id).remove(0);
    let attach = format!("{page}/complaints/{complaint}/written-confirmation");
    let [d, m, y] = today_fields();
    let letter = [
        ("kind", "document"),
        (d.0, d.1.as_str()),
        (m.0, m.1.as_str()),
        (y.0, y.1.as_str()),
        ("detail", "Signed statement handed in at reception"),
    ];
    officer.post_multipart(&attach, &letter, &[("file", "statement.pdf", PDF)]).await.assert_status(303);
    officer
        .get(&page)
        .await
        .assert_status(200)
        .assert_contains("A letter or signed statement (uploaded), received")
        .assert_contains("statement.pdf");
    let file = officer.get(&format!("{attach}/file")).await;
    file.assert_status(200);
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    assert!(assessment::assess(&mut app.conn(), &actor, &mo, &case.reference, &app.member_id("Alex Archer"), &input)
        .is_ok());

    // A complaint made in writing (email) shows no such row and has nothing to attach.
    let written = by_phone(&app, "email");
    officer.get(&format!("/cases/{}", written.reference)).await.assert_status(200).assert_lacks("Written confirmation");
    let complaint = rows::complaint_ids(&app, &written.id).remove(0);
    let attach = format!("/cases/{}/complaints/{complaint}/written-confirmation", written.reference);
    let refused = officer.get(&attach).await;
    refused.assert_status(303);
    officer.follow(&refused).await.assert_status(200).assert_contains("needs no written confirmation");
}
