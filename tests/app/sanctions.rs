//! Sanctions from the nation's list (seeds/sanctions/), each with a proportionality reason;
//! censure without a follow-up date; a half-filled sanction stops the decision; removal from
//! committees is a recommendation to the Leader or group, in the notice too.

use crate::harness::TestApp;
use crate::hearing::{at_hearing, future};
use crate::rows;
use standards_desk::models::case::{self as case_rows, Case};

fn status(app: &TestApp, case: &Case) -> String {
    case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap().status.as_str().to_string()
}

/// The case at its hearing with a breach found on every allegation; the officer signed in.
async fn breach_found(app: &TestApp) -> (Case, TestApp, String) {
    let case = at_hearing(app).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    let allegations = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id).unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for a in &allegations {
        fields.push((format!("finding_{}", a.id), "breach".into()));
        fields.push((format!("reasons_{}", a.id), "The post attacked a named officer.".into()));
        fields.push((format!("article10_{}", a.id), "A personal attack has little protection.".into()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    officer.post_form(&format!("{path}/findings"), &refs).await.assert_status(303);
    (case, officer, path)
}

#[actix_web::test]
async fn sanctions_come_from_the_nations_list_with_reasons_and_a_half_filled_one_stops_the_decision() {
    let app = TestApp::spawn_demo().await;
    let (case, officer, path) = breach_found(&app).await;
    let alex = app.member_id("Alex Archer");
    let page = officer.get(&path).await;
    page.assert_status(200)
        .assert_contains("England, version 1")
        .assert_contains("Recommend removal from committees, cabinet or outside bodies")
        .assert_contains("A recommendation to the Leader of the council or the member")
        .assert_contains("Leave empty for Censure")
        .assert_contains("Why the sanction is proportionate")
        .assert_lacks("Suspension for up to six months");
    let (day, month, year) = future(30);

    // Refused, nothing stored: no proportionality reason; a date on a censure; Wales's suspension.
    let refused = [
        (
            vec![("kind", "training"), ("detail", "Training."), ("follow_up_day", &day as &str)],
            "Give the reasons the sanction is proportionate",
        ),
        (
            vec![
                ("kind", "censure"),
                ("detail", "Censure."),
                ("proportionality", "Mild."),
                ("follow_up_day", &day),
                ("follow_up_month", &month),
                ("follow_up_year", &year),
            ],
            "Censure takes effect with the decision and has no follow-up date",
        ),
        (
            vec![("kind", "suspension"), ("detail", "Three months."), ("proportionality", "Serious.")],
            "Select the sanction",
        ),
    ];
    for (fields, message) in refused {
        let mut fields = fields;
        fields.push(("member", &alex));
        officer.post_form(&format!("{path}/sanctions"), &fields).await.assert_status(422).assert_contains(message);
    }
    assert_eq!(rows::count(&app, "sanctions"), 0);

    // Censure with no date: nothing to follow up.
    officer
        .post_form(
            &format!("{path}/sanctions"),
            &[
                ("member", &alex),
                ("kind", "censure"),
                ("detail", "Censure at the next council meeting."),
                ("proportionality", "A statement of disapproval restricts no expression."),
            ],
        )
        .await
        .assert_status(303);
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("Nothing to follow up: it takes effect with the decision");

    // "Issue the decision" with a sanction half filled in: refused, what was typed kept.
    let issued = officer
        .post_form(
            &format!("{path}/decision"),
            &[("member", &alex), ("kind", "remove-from-committees"), ("detail", "Planning committee, half typed")],
        )
        .await;
    issued
        .assert_status(422)
        .assert_contains("You have started a sanction that has not been added")
        .assert_contains("Planning committee, half typed");
    assert_eq!(status(&app, &case), "hearing");
    assert_eq!(rows::count(&app, "decisions WHERE stage = 'hearing'"), 0);

    // Completed and added: a recommendation to the Leader or group, not an order.
    officer
        .post_form(
            &format!("{path}/sanctions"),
            &[
                ("member", &alex),
                ("kind", "remove-from-committees"),
                ("detail", "Off the planning committee for six months."),
                ("proportionality", "The attack was on a planning officer; other roles are untouched."),
                ("follow_up_day", &day),
                ("follow_up_month", &month),
                ("follow_up_year", &year),
            ],
        )
        .await
        .assert_status(303);
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("The panel cannot order this: it is a recommendation to the Leader of the council");
    let issued = officer.post_form(&format!("{path}/decision"), &[("member", &alex)]).await;
    issued.assert_status(303);
    assert_eq!(status(&app, &case), "decision-notice");
    let member = rows::notice_body(&app, "member", "Decision notice:%");
    assert!(
        member.contains(
            "This is a recommendation to the Leader of the council or the member's group leader, who decide whether \
             to act on it: the panel cannot order it"
        ),
        "{member}"
    );
    assert!(member.contains("Why it is proportionate: A statement of disapproval restricts no expression."));
    assert!(!member.contains("Censure. Follow-up by"), "censure has no follow-up date: {member}");
    assert_eq!(rows::audited(&app, "sanction.added"), 2);
}

#[actix_web::test]
async fn a_welsh_councils_hearing_offers_the_welsh_list() {
    let app = TestApp::spawn_demo().await;
    let (case, officer, path) = breach_found(&app).await;
    rows::set_nation(&app, &case.authority_id, "wales");
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("Wales, version 1")
        .assert_contains("Suspension for up to six months")
        .assert_lacks("Recommend removal from committees");
    let (day, month, year) = future(90);
    officer
        .post_form(
            &format!("{path}/sanctions"),
            &[
                ("member", &app.member_id("Alex Archer")),
                ("kind", "suspension"),
                ("detail", "Suspended for three months."),
                ("proportionality", "Repeated abuse after a warning."),
                ("follow_up_day", &day),
                ("follow_up_month", &month),
                ("follow_up_year", &year),
            ],
        )
        .await
        .assert_status(303);
    assert_eq!(rows::count(&app, "sanctions WHERE list_version = 'wales-1'"), 1);
}
