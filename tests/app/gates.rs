//! Steps that must not be skipped (issue 16): the member told before a decision, hearings before
//! their findings, the Independent Person's view before the findings. Each rule: shown on the
//! page before the officer tries, refused with nothing changed, then the allowed path.

use crate::accessibility::concluded as ready_for_decision;
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::services::audit::Actor;
use standards_desk::services::cases::member_notice::{self, ResponseInput};
use standards_desk::services::hearing::HearingInput;

fn status(app: &TestApp, case: &Case) -> String {
    case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap().status.as_str().to_string()
}

/// Every member on the case told of the complaint (by an officer) and their response recorded
/// today: what an initial-assessment decision needs first.
pub(crate) fn told_and_responded(app: &TestApp, case: &Case) {
    let officer = app.user("officer@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    let today = chrono::Utc::now().date_naive();
    for m in standards_desk::models::member::list_for_case(&mut app.conn(), &case.id).unwrap() {
        standards_desk::services::cases::notify_member(&mut app.conn(), &actor, &officer, &case.reference, &m.id)
            .unwrap();
        let input = ResponseInput {
            received_day: today.format("%-d").to_string(),
            received_month: today.format("%-m").to_string(),
            received_year: today.format("%Y").to_string(),
            summary: "The member denies the post was about council business.".into(),
        };
        member_notice::record_response(&mut app.conn(), &actor, &officer, &case.reference, &m.id, &input, today)
            .unwrap();
    }
}

#[actix_web::test]
async fn a_decision_waits_until_the_member_is_told_and_has_responded() {
    let app = TestApp::spawn_demo().await;
    let case = ready_for_decision(&app);
    let path = format!("/cases/{}/decision", case.reference);
    let alex = app.member_id("Alex Archer");
    let before = status(&app, &case);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    // Shown before trying.
    mo.get(&path)
        .await
        .assert_status(200)
        .assert_contains("not yet told of the complaint")
        .assert_contains("You cannot record a decision other than no jurisdiction yet");
    // Refused, nothing changed.
    let decide = [("outcome", "investigation"), ("reasons", "Serious enough to investigate.")];
    mo.post_form(&path, &decide)
        .await
        .assert_status(422)
        .assert_contains("Alex Archer has not been told of the complaint")
        .assert_contains("Serious enough to investigate.");
    assert_eq!(status(&app, &case), before);
    assert_eq!(rows::count(&app, "decisions"), 0);

    // Told: the response is due in 10 working days, on the case, the decision form and the desk.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.post_form(&format!("/cases/{}/members/{alex}/notify", case.reference), &[]).await.assert_status(303);
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200).assert_contains("Due by");
    officer.get("/dashboard").await.assert_status(200).assert_contains("s response");
    mo.post_form(&path, &decide).await.assert_status(422).assert_contains("response is due by");
    assert_eq!(rows::count(&app, "decisions"), 0);

    // The response: a date in the future is refused with what was typed kept.
    let response = format!("/cases/{}/members/{alex}/response", case.reference);
    officer.get(&response).await.assert_status(200).assert_contains("When did the response arrive?");
    let next_year = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).format("%Y").to_string();
    officer
        .post_form(
            &response,
            &[
                ("received_day", "1"),
                ("received_month", "1"),
                ("received_year", &next_year),
                ("summary", "He says the page is private."),
            ],
        )
        .await
        .assert_status(422)
        .assert_contains("must be today or in the past")
        .assert_contains("He says the page is private.");
    let today = chrono::Utc::now().date_naive();
    let (d, m, y) = (today.format("%-d").to_string(), today.format("%-m").to_string(), today.format("%Y").to_string());
    officer
        .post_form(
            &response,
            &[
                ("received_day", &d),
                ("received_month", &m),
                ("received_year", &y),
                ("summary", "He says the page is private."),
            ],
        )
        .await
        .assert_status(303);
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("He says the page is private.");
    // Recorded once.
    officer.get(&response).await.assert_status(303);

    // Now the decision is made, with no reason needed.
    mo.get(&path).await.assert_status(200).assert_lacks("You cannot record a decision");
    mo.post_form(&path, &decide).await.assert_status(303);
    assert_eq!(status(&app, &case), "investigation");
    assert_eq!(rows::count(&app, "decision_gate_reasons"), 0);
}

#[actix_web::test]
async fn a_decision_before_the_member_is_told_needs_a_recorded_reason_except_no_jurisdiction() {
    let app = TestApp::spawn_demo().await;
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    // With the reason the decision cannot wait, it is made and the reason kept.
    let case = ready_for_decision(&app);
    let path = format!("/cases/{}/decision", case.reference);
    mo.post_form(
        &path,
        &[
            ("outcome", "referral"),
            ("referral_body", "police"),
            ("reasons", "A possible offence."),
            ("notice_reason", "The police asked us not to tell the member yet."),
        ],
    )
    .await
    .assert_status(303);
    assert_eq!(status(&app, &case), "referred");
    assert_eq!(rows::count(&app, "decision_gate_reasons"), 1);

    // No jurisdiction needs no notification.
    let other = ready_for_decision(&app);
    mo.post_form(
        &format!("/cases/{}/decision", other.reference),
        &[("outcome", "no-jurisdiction"), ("reasons", "Not a member on the day.")],
    )
    .await
    .assert_status(303);
    assert_eq!(status(&app, &other), "closed");
    assert_eq!(rows::count(&app, "decision_gate_reasons"), 1);
}

/// The fields of the hearing arrangements for a hearing `days` from today.
fn arrangements(app: &TestApp, days: i64) -> Vec<(String, String)> {
    let (day, month, year) = crate::hearing::future(days);
    let mut fields = crate::hearing::arrange(app, &["committee@southvale.example", "committee3@southvale.example"]);
    for (k, v) in fields.iter_mut() {
        match k.as_str() {
            "date_day" => *v = day.clone(),
            "date_month" => *v = month.clone(),
            "date_year" => *v = year.clone(),
            _ => {}
        }
    }
    fields
}

fn finding_fields(app: &TestApp, case: &Case) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for a in standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id).unwrap() {
        fields.push((format!("finding_{}", a.id), "breach".to_string()));
        fields.push((format!("reasons_{}", a.id), "A personal attack on an officer.".to_string()));
        fields.push((format!("article10_{}", a.id), "Gratuitous abuse has little protection.".to_string()));
    }
    fields
}

fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn findings_count(app: &TestApp) -> i64 {
    rows::count(app, "findings")
}

#[actix_web::test]
async fn findings_wait_for_the_hearing_day_and_an_adjourned_hearing_is_fixed_again() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::at_hearing_in(&app, 30).await;
    let path = format!("/cases/{}/hearing", case.reference);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let fields = finding_fields(&app, &case);
    // Shown before trying; refused; nothing changed.
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("You cannot record the findings until the hearing has been held")
        .assert_lacks("Record the findings</button>");
    let refused = officer.post_form(&format!("{path}/findings"), &refs(&fields)).await;
    refused.assert_status(303);
    officer
        .follow(&refused)
        .await
        .assert_status(200)
        .assert_contains("You cannot record the findings until the hearing has been held");
    assert_eq!(findings_count(&app), 0);
    let issued = officer.post_form(&format!("{path}/decision"), &[]).await;
    issued.assert_status(303);
    assert_eq!(status(&app, &case), "hearing");

    // Adjourned (a reason needed), arranged for today and fixed again.
    officer
        .post_form(&format!("{path}/adjourn"), &[("adjourn_reason", "")])
        .await
        .assert_status(422)
        .assert_contains("Say why the hearing is adjourned");
    officer
        .post_form(&format!("{path}/adjourn"), &[("adjourn_reason", "The member is in hospital.")])
        .await
        .assert_status(303);
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("Not fixed yet")
        .assert_contains("Change the arrangements");
    let today = arrangements(&app, 0);
    officer.post_form(&path, &refs(&today)).await.assert_status(303);
    officer.post_form(&format!("{path}/fix"), &[]).await.assert_status(303);
    assert_eq!(HearingInput::from_pairs(&today).day, chrono::Utc::now().format("%-d").to_string());

    // The hearing day: the findings are recorded and the decision notice gives that day.
    officer.get(&path).await.assert_status(200).assert_contains("Record the findings");
    officer.post_form(&format!("{path}/findings"), &refs(&fields)).await.assert_status(303);
    assert!(findings_count(&app) > 0);
    let issued = officer.post_form(&format!("{path}/decision"), &[]).await;
    issued.assert_status(303);
    assert_eq!(status(&app, &case), "decision-notice");
    let held = chrono::Utc::now().date_naive().format("%-d %B %Y").to_string();
    let body = rows::notice_body(&app, "member", "Decision notice:%");
    assert!(body.contains(&format!("on {held}")), "{body}");
}

#[actix_web::test]
async fn findings_need_an_ip_view_given_after_the_final_report() {
    let app = TestApp::spawn_demo().await;
    // The IP's view came before the final report.
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    crate::hearing::appoint(&app, &case);
    crate::hearing::ip_view(&app, &case, "post-investigation");
    crate::hearing::final_report(&app, &case).await;
    crate::hearing::refer_to_hearing(&app, &case);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    officer.post_form(&path, &refs(&arrangements(&app, 0))).await.assert_status(303);
    officer.post_form(&format!("{path}/fix"), &[]).await.assert_status(303);
    let fields = finding_fields(&app, &case);
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("You cannot record the findings until an Independent Person has given their view");
    let refused = officer.post_form(&format!("{path}/findings"), &refs(&fields)).await;
    refused.assert_status(303);
    assert_eq!(findings_count(&app), 0);

    // The request form offers the hearing stage the case is at.
    let form = officer.get(&format!("/cases/{}/ip", case.reference)).await;
    form.assert_status(200);
    assert!(form.body.contains(r#"value="hearing" checked"#), "the hearing stage is chosen:\n{}", form.body);
    crate::hearing::ip_view(&app, &case, "hearing");
    officer.get(&path).await.assert_status(200).assert_contains("Record the findings");
    officer.post_form(&format!("{path}/findings"), &refs(&fields)).await.assert_status(303);
    assert!(findings_count(&app) > 0);
}

#[actix_web::test]
async fn an_ip_consulted_on_the_case_reads_the_final_report_and_the_hearing_bundle() {
    use standards_desk::models::user::Role;
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    crate::hearing::appoint(&app, &case);
    crate::hearing::final_report(&app, &case).await;
    // A second Independent Person, consulted after the investigation (not the hearing's IP).
    let ip2 = app.create_user(Role::IndependentPerson, "ip2@southvale.example");
    let officer = app.user("officer@southvale.example");
    let by = Actor::user(&officer.id, &officer.name, None);
    standards_desk::services::assessment::request_ip_view(
        &mut app.conn(),
        &by,
        &officer,
        &case.reference,
        &ip2.id,
        "post-investigation",
        "Does the report support a hearing?",
    )
    .unwrap();
    let ip = app.new_browser();
    ip.login("ip2@southvale.example", crate::harness::PASSWORD).await;
    let page = ip.get(&format!("/cases/{}", case.reference)).await;
    page.assert_status(200).assert_contains("Final investigation report (PDF)");
    let href = page
        .body
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap_or_default())
        .find(|h| h.contains("/investigation/entries/"))
        .expect("a link to the final report")
        .to_string();
    let pdf = ip.get(&href).await;
    pdf.assert_status(200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    // The investigation file itself stays closed to them.
    ip.get(&format!("/cases/{}/investigation", case.reference)).await.assert_status(404);

    // At the hearing (another IP sits there), the consulted IP opens the bundle, read-only.
    crate::hearing::ip_view(&app, &case, "post-investigation");
    crate::hearing::refer_to_hearing(&app, &case);
    let o = app.new_browser();
    o.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    o.post_form(&path, &refs(&arrangements(&app, 0))).await.assert_status(303);
    o.post_form(&format!("{path}/fix"), &[]).await.assert_status(303);
    ip.get(&format!("{path}/bundle")).await.assert_status(200).assert_contains("Evidence list with SHA-256 hashes");
    ip.get(&path).await.assert_status(200).assert_lacks("Record the findings").assert_lacks("Adjourn the hearing");
    ip.post_form(&format!("{path}/adjourn"), &[("adjourn_reason", "No.")]).await.assert_status(403);
    // Someone not consulted still finds nothing there.
    let stranger = app.create_user(Role::IndependentPerson, "ip3@southvale.example");
    let s = app.new_browser();
    s.login(&stranger.email, crate::harness::PASSWORD).await;
    s.get(&format!("{path}/bundle")).await.assert_status(404);
    s.get(&href).await.assert_status(404);
}

#[actix_web::test]
async fn every_schedule_12a_paragraph_of_part_1_can_be_chosen_with_a_reason() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    crate::hearing::appoint(&app, &case);
    crate::hearing::final_report(&app, &case).await;
    crate::hearing::ip_view(&app, &case, "post-investigation");
    crate::hearing::refer_to_hearing(&app, &case);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    let page = officer.get(&path).await;
    page.assert_status(200);
    for n in 1..=7 {
        assert!(
            page.body.contains(&format!("name=\"private_paragraph\" type=\"radio\" value=\"{n}\"")),
            "paragraph {n}"
        );
    }
    let with = |paragraph: &str, reason: &str| {
        let mut fields = arrangements(&app, 0);
        for (k, v) in fields.iter_mut() {
            match k.as_str() {
                "private_paragraph" => *v = paragraph.to_string(),
                "private_reason" => *v = reason.to_string(),
                _ => {}
            }
        }
        fields
    };
    // Not a paragraph of Part 1, or no reason: refused, nothing saved.
    officer
        .post_form(&path, &refs(&with("8", "Police enquiries")))
        .await
        .assert_status(422)
        .assert_contains("Select the Schedule 12A paragraph that applies");
    officer
        .post_form(&path, &refs(&with("7", "")))
        .await
        .assert_status(422)
        .assert_contains("why the public interest favours it");
    assert_eq!(rows::count(&app, "hearings"), 0);
    officer
        .post_form(&path, &refs(&with("7", "The police are still investigating the threats.")))
        .await
        .assert_status(303);
    officer.get(&path).await.assert_status(200).assert_contains(
        "Paragraph 7: information relating to action taken or to be taken in connection with the prevention",
    );
}
