//! Investigation, post-investigation decision, hearing, bundle, findings, sanctions and the
//! decision notices, driven through the real app on both backends.

use crate::fixtures::{complaint, submit_public, with, PDF, PNG};
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::models::user::User;
use standards_desk::services::access::{self, Part};
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;
use standards_desk::services::decisions::{self, DecisionInput};
use standards_desk::services::hearing::{self, AppointInput, HearingInput, PostDecisionInput};

fn user(app: &TestApp, email: &str) -> User {
    app.user(email)
}

fn actor(u: &User) -> Actor {
    Actor::user(&u.id, &u.name, None)
}

fn member_id(app: &TestApp, name: &str) -> String {
    app.member_id(name)
}

fn status(app: &TestApp, case: &Case) -> String {
    case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap().status.as_str().to_string()
}

pub(crate) fn future(days: i64) -> (String, String, String) {
    let d = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    (d.format("%-d").to_string(), d.format("%-m").to_string(), d.format("%Y").to_string())
}

/// A public complaint about `member` (with a screenshot), assessed as official and sent for
/// investigation by the Monitoring Officer.
pub(crate) async fn investigated(app: &TestApp, member: &str, council: &str) -> Case {
    investigated_with(app, member, council, &complaint(app)).await
}

/// A case from a public complaint with these answers, assessed and decided for investigation.
async fn investigated_with(app: &TestApp, member: &str, council: &str, answers: &[(String, String)]) -> Case {
    let fields = with(answers, "councillor", &app.membership(member, council));
    let fields = with(&fields, "post_urls", &format!("https://example.org/{}", member.replace(' ', "-")));
    let case = submit_public(app, &fields, &[("files", "post.png", PNG)]).await;
    let mo = user(app, "mo@southvale.example");
    let mut answers = AnswerInput::default();
    for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        let yes = ["G1", "G2", "C3", "C6"].contains(&code);
        answers.answers.insert(code.into(), if yes { "yes".into() } else { "no".into() });
    }
    // A member of two councils needs the officer's choice of council and why.
    answers.role_used = app.authority_id(council);
    answers.role_used_reason = "The post is about this council's business".into();
    let a = assessment::assess(&mut app.conn(), &actor(&mo), &mo, &case.reference, &member_id(app, member), &answers)
        .unwrap();
    let authority = app.authority_id(council);
    assessment::conclude(&mut app.conn(), &actor(&mo), &mo, &a.id, "OFFICIAL", &authority, "").unwrap();
    crate::gates::told_and_responded(app, &case);
    let input =
        DecisionInput { outcome: "investigation".into(), reasons: "Needs investigating.".into(), ..Default::default() };
    decisions::decide(&mut app.conn(), &actor(&mo), &mo, &case.reference, &input, chrono::Utc::now().date_naive())
        .unwrap();
    case
}

pub(crate) fn appoint(app: &TestApp, case: &Case) {
    let officer = user(app, "officer@southvale.example");
    let (day, month, year) = future(90);
    let input = AppointInput {
        investigator: user(app, "investigator@southvale.example").id,
        terms_of_reference: "Whether the post breached paragraphs 1 and 3.".into(),
        target_day: day,
        target_month: month,
        target_year: year,
        ..Default::default()
    };
    hearing::appoint(
        &mut app.conn(),
        &actor(&officer),
        &officer,
        &case.reference,
        &input,
        chrono::Utc::now().date_naive(),
    )
    .unwrap();
}

/// The investigator uploads the final report over HTTP and ends the investigation.
pub(crate) async fn final_report(app: &TestApp, case: &Case) {
    let inv = app.new_browser();
    inv.login("investigator@southvale.example", "demo-password").await;
    let (day, month, year) = (
        chrono::Utc::now().format("%-d").to_string(),
        chrono::Utc::now().format("%-m").to_string(),
        chrono::Utc::now().format("%Y").to_string(),
    );
    inv.post_multipart(
        &format!("/cases/{}/investigation/entries", case.reference),
        &[
            ("kind", "final-report"),
            ("title", "Final report"),
            ("body", "The member was acting as a councillor."),
            ("occurred_day", &day),
            ("occurred_month", &month),
            ("occurred_year", &year),
        ],
        &[("file", "report.pdf", PDF)],
    )
    .await
    .assert_status(303);
    inv.post_form(&format!("/cases/{}/investigation/complete", case.reference), &[]).await.assert_status(303);
}

pub(crate) fn ip_view(app: &TestApp, case: &Case, stage: &str) {
    let officer = user(app, "officer@southvale.example");
    let ip = user(app, "ip@southvale.example");
    let c = assessment::request_ip_view(
        &mut app.conn(),
        &actor(&officer),
        &officer,
        &case.reference,
        &ip.id,
        stage,
        "Should this go to a hearing?",
    )
    .unwrap();
    assessment::record_ip_view(
        &mut app.conn(),
        &actor(&ip),
        &ip,
        &case.reference,
        &c.id,
        "Yes: refer it to a hearing.",
    )
    .unwrap();
}

pub(crate) fn refer_to_hearing(app: &TestApp, case: &Case) {
    let mo = user(app, "mo@southvale.example");
    let input = PostDecisionInput { outcome: "hearing".into(), reasons: "The IP agrees.".into() };
    hearing::decide_after_investigation(&mut app.conn(), &actor(&mo), &mo, &case.reference, &input).unwrap();
}

/// The hearing arrangements, for today (findings are recorded from the hearing's day).
pub(crate) fn arrange(app: &TestApp, panel: &[&str]) -> Vec<(String, String)> {
    let (day, month, year) = future(0);
    let mut fields = vec![
        ("date_day".to_string(), day),
        ("date_month".to_string(), month),
        ("date_year".to_string(), year),
        ("time".to_string(), "14:00".to_string()),
        ("venue".to_string(), "Committee Room 1, Southvale House".to_string()),
        ("ip".to_string(), user(app, "ip@southvale.example").id),
        ("private".to_string(), "yes".to_string()),
        ("private_paragraph".to_string(), "1".to_string()),
        ("private_reason".to_string(), "The complainant's health".to_string()),
    ];
    for email in panel {
        fields.push(("panel".into(), user(app, email).id));
    }
    fields.push(("chair".into(), user(app, panel[0]).id));
    fields
}

/// A case with a fixed hearing (panel: Cam Reid and Sam Okafor, no conflicts).
pub(crate) async fn at_hearing(app: &TestApp) -> Case {
    at_hearing_with(app, &complaint(app)).await
}

/// As [`at_hearing`], with the hearing fixed `days` from today.
pub(crate) async fn at_hearing_in(app: &TestApp, days: i64) -> Case {
    at_hearing_on(app, &complaint(app), days).await
}

/// As [`at_hearing`], from a public complaint with these answers.
pub(crate) async fn at_hearing_with(app: &TestApp, answers: &[(String, String)]) -> Case {
    at_hearing_on(app, answers, 0).await
}

async fn at_hearing_on(app: &TestApp, answers: &[(String, String)], days: i64) -> Case {
    let case = investigated_with(app, "Alex Archer", "southvale", answers).await;
    appoint(app, &case);
    final_report(app, &case).await;
    ip_view(app, &case, "post-investigation");
    refer_to_hearing(app, &case);
    let officer = user(app, "officer@southvale.example");
    let mut input =
        HearingInput::from_pairs(&arrange(app, &["committee@southvale.example", "committee3@southvale.example"]));
    (input.day, input.month, input.year) = future(days);
    hearing::save_hearing(
        &mut app.conn(),
        &actor(&officer),
        &officer,
        &case.reference,
        &input,
        chrono::Utc::now().date_naive(),
    )
    .unwrap();
    hearing::fix_hearing(&mut app.conn(), &actor(&officer), &officer, &case.reference, "").unwrap();
    case
}

#[actix_web::test]
async fn the_post_investigation_decision_is_refused_without_an_ip_view_and_accepted_with_one() {
    let app = TestApp::spawn_demo().await;
    let case = investigated(&app, "Alex Archer", "southvale").await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    // Appointing over HTTP: a missing answer shows the error summary and keeps what was typed.
    let path = format!("/cases/{}/investigation", case.reference);
    officer
        .post_form(
            &path,
            &[("investigator", "external"), ("external_name", ""), ("terms_of_reference", "Paragraphs 1 and 3")],
        )
        .await
        .assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("Enter the name of the external investigator")
        .assert_contains("Enter a date")
        .assert_contains("Paragraphs 1 and 3");
    let (day, month, year) = future(120);
    officer
        .post_form(
            &path,
            &[
                ("investigator", "external"),
                ("external_name", "R. Fairweather, Wyre Forest Legal"),
                ("terms_of_reference", "Paragraphs 1 and 3"),
                ("target_day", &day),
                ("target_month", &month),
                ("target_year", &year),
            ],
        )
        .await
        .assert_status(303);
    officer.get(&path).await.assert_status(200).assert_contains("R. Fairweather, Wyre Forest Legal (external)");
    officer
        .get(&format!("/cases/{}/hearing", case.reference))
        .await
        .assert_status(200)
        .assert_contains("This case has not been referred to a hearing.");
    // The investigation cannot end without a final report.
    let res = officer.post_form(&format!("{path}/complete"), &[]).await;
    officer
        .follow(&res)
        .await
        .assert_status(200)
        .assert_contains("Upload the final report before ending the investigation");
    assert_eq!(status(&app, &case), "investigation");
    let today = chrono::Utc::now().date_naive();
    officer
        .post_multipart(
            &format!("{path}/entries"),
            &[
                ("kind", "final-report"),
                ("title", "Final report"),
                ("body", ""),
                ("occurred_day", &today.format("%-d").to_string()),
                ("occurred_month", &today.format("%-m").to_string()),
                ("occurred_year", &today.format("%Y").to_string()),
            ],
            &[("file", "report.png", PNG)],
        )
        .await
        .assert_status(422)
        .assert_contains("report.png must be a PDF");
    officer
        .post_multipart(
            &format!("{path}/entries"),
            &[
                ("kind", "final-report"),
                ("title", "Final report"),
                ("body", ""),
                ("occurred_day", &today.format("%-d").to_string()),
                ("occurred_month", &today.format("%-m").to_string()),
                ("occurred_year", &today.format("%Y").to_string()),
            ],
            &[("file", "report.pdf", PDF)],
        )
        .await
        .assert_status(303);
    officer.post_form(&format!("{path}/complete"), &[]).await.assert_status(303);
    assert_eq!(status(&app, &case), "post-investigation");

    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&path).await.assert_status(200).assert_contains("must be sought and recorded");
    let decide = format!("{path}/decision");
    let refused = mo.post_form(&decide, &[("outcome", "hearing"), ("reasons", "Serious.")]).await;
    refused.assert_status(303);
    mo.follow(&refused).await.assert_status(200).assert_contains("Localism Act 2011, section 28(7)");
    assert_eq!(status(&app, &case), "post-investigation");
    assert!(standards_desk::models::assessment::decisions_for_case(&mut app.conn(), &case.id)
        .unwrap()
        .iter()
        .all(|d| d.stage != "post-investigation"));

    // A view asked for but not yet given is not enough.
    let officer_user = user(&app, "officer@southvale.example");
    let ip = user(&app, "ip@southvale.example");
    let c = assessment::request_ip_view(
        &mut app.conn(),
        &actor(&officer_user),
        &officer_user,
        &case.reference,
        &ip.id,
        "post-investigation",
        "Should this go to a hearing?",
    )
    .unwrap();
    mo.post_form(&decide, &[("outcome", "hearing"), ("reasons", "Serious.")]).await.assert_status(303);
    assert_eq!(status(&app, &case), "post-investigation");
    assessment::record_ip_view(&mut app.conn(), &actor(&ip), &ip, &case.reference, &c.id, "Refer it.").unwrap();

    // Only the MO or deputy decides; bad input changes nothing.
    officer.post_form(&decide, &[("outcome", "hearing"), ("reasons", "Serious.")]).await.assert_status(403);
    mo.post_form(&decide, &[("outcome", ""), ("reasons", "")])
        .await
        .assert_status(422)
        .assert_contains("Select the decision");
    assert_eq!(status(&app, &case), "post-investigation");
    let ok = mo.post_form(&decide, &[("outcome", "hearing"), ("reasons", "The IP agrees a hearing is needed.")]).await;
    ok.assert_status(303);
    assert!(ok.location().unwrap().contains("/notices"));
    assert_eq!(status(&app, &case), "hearing");
    mo.follow(&ok)
        .await
        .assert_status(200)
        .assert_contains("(Independent Person)")
        .assert_contains("considered the investigation report");
}

#[actix_web::test]
async fn an_investigator_sees_only_their_case() {
    let app = TestApp::spawn_demo().await;
    let mine = investigated(&app, "Alex Archer", "southvale").await;
    let other = investigated(&app, "Dave Dunn", "southvale").await;
    let inv = app.new_browser();
    inv.login("investigator@southvale.example", "demo-password").await;
    inv.get(&format!("/cases/{}", mine.reference)).await.assert_status(404);
    appoint(&app, &mine);
    let email = app.emails().into_iter().find(|m| m.template == "investigator_appointed").expect("emailed");
    assert_eq!(email.to_address, "investigator@southvale.example");

    inv.get(&format!("/cases/{}", mine.reference)).await.assert_status(200);
    inv.get(&format!("/cases/{}/investigation", mine.reference))
        .await
        .assert_status(200)
        .assert_contains("Add to the investigation");
    inv.get(&format!("/cases/{}", other.reference)).await.assert_status(404);
    inv.get(&format!("/cases/{}/investigation", other.reference)).await.assert_status(404);
    inv.get("/cases").await.assert_status(200).assert_contains(&mine.reference).assert_lacks(&other.reference);
    let today = chrono::Utc::now().date_naive();
    let note = [
        ("kind", "interview"),
        ("title", "Interview with the planning officer"),
        ("body", "She confirmed the post was about her."),
        ("occurred_day", &today.format("%-d").to_string() as &str),
        ("occurred_month", &today.format("%-m").to_string()),
        ("occurred_year", &today.format("%Y").to_string()),
    ];
    inv.post_multipart(&format!("/cases/{}/investigation/entries", other.reference), &note, &[])
        .await
        .assert_status(404);
    inv.post_multipart(&format!("/cases/{}/investigation/entries", mine.reference), &note, &[])
        .await
        .assert_status(303);
    inv.get(&format!("/cases/{}/investigation", mine.reference))
        .await
        .assert_status(200)
        .assert_contains("She confirmed the post was about her.");
    // The investigator cannot work the rest of the case.
    inv.post_form(&format!("/cases/{}/notes", mine.reference), &[("note", "x")]).await.assert_status(403);
}

#[actix_web::test]
async fn the_conflict_check_flags_a_panel_member_of_the_same_party_before_the_hearing_is_fixed() {
    let app = TestApp::spawn_demo().await;
    let case = investigated(&app, "Alex Archer", "southvale").await;
    appoint(&app, &case);
    final_report(&app, &case).await;
    ip_view(&app, &case, "post-investigation");
    refer_to_hearing(&app, &case);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    // Pat Quinn shares a party (Southvale Independents) with Alex Archer.
    let fields = arrange(&app, &["committee@southvale.example", "committee2@southvale.example"]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    officer.post_form(&path, &refs).await.assert_status(303);
    let page = officer.get(&path).await;
    page.assert_status(200)
        .assert_contains("Pat Quinn</strong> (Panel member): Same party as Alex Archer (Southvale Independents)")
        .assert_lacks("Cam Reid</strong> (Panel member)");
    let refused = officer.post_form(&format!("{path}/fix"), &[("considered", "")]).await;
    refused.assert_status(422).assert_contains("The conflict check flagged Pat Quinn");
    assert!(app.emails().iter().all(|m| m.template != "hearing_notice"));
    // Changing the panel clears the flag; then the hearing is fixed and the notices go.
    let fields = arrange(&app, &["committee@southvale.example", "committee3@southvale.example"]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    officer.post_form(&path, &refs).await.assert_status(303);
    officer.get(&path).await.assert_status(200).assert_contains("No conflicts found");
    officer.post_form(&format!("{path}/fix"), &[("considered", "")]).await.assert_status(303);
    let notices: Vec<_> = app.emails().into_iter().filter(|m| m.template == "hearing_notice").collect();
    let to: Vec<&str> = notices.iter().map(|m| m.to_address.as_str()).collect();
    for address in [
        "alex.archer@southvale.example",
        "jo@example.com",
        "committee@southvale.example",
        "committee3@southvale.example",
        "ip@southvale.example",
        "investigator@southvale.example",
    ] {
        assert!(to.contains(&address), "{address} in {to:?}");
    }
    assert!(notices.iter().any(|m| m.body_text.contains("paragraph 1 of Schedule 12A")));
    // A bad arrangement is refused with messages and keeps the values typed.
    let bad = officer.post_form(&path, &[("time", "2pm"), ("venue", "The Guildhall")]).await;
    bad.assert_status(303); // already fixed: refused, not re-rendered
    officer.follow(&bad).await.assert_status(200).assert_contains("The hearing has been fixed");
}

#[actix_web::test]
async fn a_bad_hearing_arrangement_shows_every_problem_and_keeps_the_values() {
    let app = TestApp::spawn_demo().await;
    let case = investigated(&app, "Alex Archer", "southvale").await;
    appoint(&app, &case);
    final_report(&app, &case).await;
    ip_view(&app, &case, "post-investigation");
    refer_to_hearing(&app, &case);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    officer
        .post_form(&path, &[("time", "2pm"), ("venue", "The Guildhall"), ("private", "yes"), ("remote_link", "zoom")])
        .await
        .assert_status(422)
        .assert_contains("Enter the start time as hours and minutes")
        .assert_contains("Select the members of the hearing panel")
        .assert_contains("Select the Independent Person")
        .assert_contains("Select the Schedule 12A paragraph")
        .assert_contains("full https:// address")
        .assert_contains("value=\"The Guildhall\"");
    assert!(standards_desk::models::hearing::hearing_for_case(&mut app.conn(), &case.id).unwrap().is_none());
}

#[actix_web::test]
async fn the_bundle_lists_every_evidence_hash_and_only_the_panel_sees_it() {
    let app = TestApp::spawn_demo().await;
    let case = at_hearing(&app).await;
    let hashes = rows::evidence_file_hashes(&app, &case.id);
    assert!(!hashes.is_empty());
    let panel = app.new_browser();
    panel.login("committee3@southvale.example", "demo-password").await;
    let bundle = panel.get(&format!("/cases/{}/hearing/bundle", case.reference)).await;
    bundle
        .assert_status(200)
        .assert_contains("Index")
        .assert_contains("Capacity and Article 10 assessments")
        .assert_contains("on capacity test version 2)")
        .assert_contains("Concluded: Official capacity: the code applies");
    for h in &hashes {
        bundle.assert_contains(h);
    }
    bundle.assert_contains("The member was acting as a councillor.").assert_contains("Schedule 12A");
    let report = rows::final_report_sha256(&app);
    bundle.assert_contains(&report);
    // The panel reads the hearing page but is offered none of the officers' forms.
    panel
        .get(&format!("/cases/{}/hearing", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Cam Reid")
        .assert_lacks("Record the findings")
        .assert_lacks("Change the arrangements");
    // Pat Quinn sits on the committee but not on this panel.
    let other = app.new_browser();
    other.login("committee2@southvale.example", "demo-password").await;
    other.get(&format!("/cases/{}/hearing/bundle", case.reference)).await.assert_status(404);
    other.get(&format!("/cases/{}", case.reference)).await.assert_status(404);
    assert_eq!(rows::participants(&app, &case.id, "panel-member"), 2);
}

#[actix_web::test]
async fn the_publication_notice_names_no_complainant_and_sanctions_drive_the_case_to_closed() {
    let app = TestApp::spawn_demo().await;
    let case = at_hearing(&app).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    let allegations = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id).unwrap();
    assert_eq!(allegations.len(), 2);
    // Missing reasons are refused for every allegation.
    officer
        .post_form(&format!("{path}/findings"), &[(&format!("finding_{}", allegations[0].id) as &str, "breach")])
        .await
        .assert_status(422)
        .assert_contains("Give the reasons for the finding")
        .assert_contains("Give the Article 10 (freedom of expression) reasoning");
    let mut fields: Vec<(String, String)> = Vec::new();
    for (i, a) in allegations.iter().enumerate() {
        fields.push((format!("finding_{}", a.id), if i == 0 { "breach" } else { "no-breach" }.into()));
        fields.push((
            format!("reasons_{}", a.id),
            "Jo Public showed the post; Ms Public and Sam Neighbour saw it.".into(),
        ));
        fields.push((format!("article10_{}", a.id), "A personal attack on an officer has little protection.".into()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    officer.post_form(&format!("{path}/findings"), &refs).await.assert_status(303);

    let (day, month, year) = future(60);
    let alex = member_id(&app, "Alex Archer");
    officer
        .post_form(&format!("{path}/sanctions"), &[("member", &alex), ("kind", "training"), ("detail", "")])
        .await
        .assert_status(422)
        .assert_contains("Describe the sanction");
    let soon = future(2);
    for kind in ["training", "apology"] {
        let (day, month, year) =
            if kind == "apology" { soon.clone() } else { (day.clone(), month.clone(), year.clone()) };
        officer
            .post_form(
                &format!("{path}/sanctions"),
                &[
                    ("member", &alex),
                    ("kind", kind),
                    ("detail", "Social media training within two months."),
                    ("proportionality", "The least restrictive way to prevent a repeat."),
                    ("follow_up_day", &day),
                    ("follow_up_month", &month),
                    ("follow_up_year", &year),
                ],
            )
            .await
            .assert_status(303);
    }
    let issued = officer.post_form(&format!("{path}/decision"), &[]).await;
    issued.assert_status(303);
    assert_eq!(status(&app, &case), "decision-notice");
    let notices = officer.follow(&issued).await;
    notices
        .assert_status(200)
        .assert_contains("(Independent Person)")
        .assert_contains("Publication version (anonymised)");

    let publication = rows::notice_body(&app, "publication", "%");
    for secret in ["Jo Public", "Ms Public", "jo@example.com", "01234 567890", "Sam Neighbour"] {
        assert!(!publication.contains(secret), "{secret} in the publication version:\n{publication}");
    }
    assert!(publication.contains("Alex Archer"), "the member found in breach is named");
    assert!(publication.contains("[the complainant] showed the post"), "{publication}");
    let member_notice = rows::notice_body(&app, "member", "Decision notice:%");
    assert!(member_notice.contains("Jo Public"), "the member's own notice is not anonymised");

    // Sending the notices moves the case on to the sanctions.
    let notices_path = issued.location().unwrap().to_string();
    officer.post_form(&notices_path, &[]).await.assert_status(303);
    assert_eq!(status(&app, &case), "sanctions");
    officer
        .get("/dashboard")
        .await
        .assert_status(200)
        .assert_contains("Sanctions to follow up")
        .assert_contains("Apology (Alex Archer)");
    let sent: Vec<_> = app.emails().into_iter().filter(|m| m.template == "decision_notice").collect();
    assert!(sent.iter().all(|m| !m.to_address.is_empty()));
    assert!(sent.iter().any(|m| m.to_address == "ip@southvale.example"));

    let sanctions = standards_desk::models::hearing::sanctions_for_case(&mut app.conn(), &case.id).unwrap();
    let sanction = |kind: &str| sanctions.iter().find(|s| s.kind == kind).expect("sanction").id.clone();
    let ids = [sanction("training"), sanction("apology")];
    officer
        .post_form(
            &format!("/cases/{}/sanctions/{}", case.reference, ids[0]),
            &[("compliance", "complied"), ("note", "")],
        )
        .await
        .assert_status(303);
    assert_eq!(status(&app, &case), "sanctions");
    // A follow-up is recorded once: the form goes, and a second answer is refused.
    let again = officer
        .post_form(
            &format!("/cases/{}/sanctions/{}", case.reference, ids[0]),
            &[("compliance", "not-complied"), ("note", "Changed my mind.")],
        )
        .await;
    again.assert_status(303);
    officer.follow(&again).await.assert_status(200).assert_contains("already been recorded");
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_lacks(&format!("/sanctions/{}\"", ids[0]))
        .assert_contains(&format!("/sanctions/{}\"", ids[1]));
    officer
        .post_form(
            &format!("/cases/{}/sanctions/{}", case.reference, ids[1]),
            &[("compliance", "not-complied"), ("note", "")],
        )
        .await
        .assert_status(422)
        .assert_contains("Say what happened");
    assert_eq!(status(&app, &case), "sanctions");
    officer
        .post_form(
            &format!("/cases/{}/sanctions/{}", case.reference, ids[1]),
            &[("compliance", "not-complied"), ("note", "No apology was made.")],
        )
        .await
        .assert_status(303);
    let closed = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    assert_eq!(closed.status.as_str(), "closed");
    assert_eq!(closed.closure_reason.as_deref(), Some("Sanctions followed up (not all complied with)"));
    // The closed case's investigation stays readable by officers; the consulted IP, who may see
    // the case itself, may not see the investigation file.
    officer
        .get(&format!("/cases/{}/investigation", case.reference))
        .await
        .assert_status(200)
        .assert_contains("The member was acting as a councillor.");
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    ip.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    ip.get(&format!("/cases/{}/investigation", case.reference)).await.assert_status(404);
}

#[actix_web::test]
async fn a_parish_members_sanction_is_a_recommendation_and_the_clerk_gets_the_notice() {
    let app = TestApp::spawn_demo().await;
    let case = investigated(&app, "Bo Brennan", "northfield").await;
    appoint(&app, &case);
    final_report(&app, &case).await;
    ip_view(&app, &case, "post-investigation");
    refer_to_hearing(&app, &case);
    let officer = user(&app, "officer@southvale.example");
    let input =
        HearingInput::from_pairs(&arrange(&app, &["committee@southvale.example", "committee3@southvale.example"]));
    let today = chrono::Utc::now().date_naive();
    hearing::save_hearing(&mut app.conn(), &actor(&officer), &officer, &case.reference, &input, today).unwrap();
    hearing::fix_hearing(&mut app.conn(), &actor(&officer), &officer, &case.reference, "").unwrap();
    let findings: Vec<_> = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id)
        .unwrap()
        .into_iter()
        .map(|a| hearing::FindingInput {
            allegation_id: a.id,
            finding: "breach".into(),
            reasons: "Called objectors idiots.".into(),
            article10: "Proportionate.".into(),
        })
        .collect();
    hearing::record_findings(&mut app.conn(), &actor(&officer), &officer, &case.reference, &findings, today).unwrap();
    let s = hearing::add_sanction(
        &mut app.conn(),
        &actor(&officer),
        &officer,
        &case.reference,
        &hearing::SanctionInput {
            member: member_id(&app, "Bo Brennan"),
            kind: "censure".into(),
            detail: "Formal censure at the next parish council meeting.".into(),
            proportionality: "A statement of disapproval restricts no expression.".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    assert!(s.recommended_to_authority_id.is_some(), "a recommendation to the parish council");
    assert_eq!((s.follow_up_on, s.compliance.as_str()), (None, "no-follow-up"), "censure needs no follow-up");
    hearing::issue_decision(&mut app.conn(), &actor(&officer), &officer, &case.reference, &Default::default(), today)
        .unwrap();
    let kinds = rows::notice_recipient_kinds(&app);
    assert!(kinds.iter().any(|k| k == "parish-clerk"), "{kinds:?}");
    let member = rows::notice_body(&app, "member", "%Decision notice%");
    assert!(member.contains("a recommendation to Northfield"), "{member}");
}

#[actix_web::test]
async fn taking_someone_off_the_panel_takes_away_the_access_it_gave() {
    let app = TestApp::spawn_demo().await;
    let case = investigated(&app, "Alex Archer", "southvale").await;
    appoint(&app, &case);
    final_report(&app, &case).await;
    ip_view(&app, &case, "post-investigation");
    refer_to_hearing(&app, &case);
    let officer = user(&app, "officer@southvale.example");
    let pat = user(&app, "committee2@southvale.example");
    let today = chrono::Utc::now().date_naive();
    let save = |panel: &[&str]| {
        let input = HearingInput::from_pairs(&arrange(&app, panel));
        hearing::save_hearing(&mut app.conn(), &actor(&officer), &officer, &case.reference, &input, today).unwrap();
    };
    save(&["committee@southvale.example", "committee2@southvale.example"]);
    access::grant(&mut app.conn(), &case.id, &pat.id, Part::PanelMember, &officer.id).unwrap();
    let browser = app.new_browser();
    browser.login("committee2@southvale.example", "demo-password").await;
    browser.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    save(&["committee@southvale.example", "committee3@southvale.example"]);
    browser.get(&format!("/cases/{}", case.reference)).await.assert_status(404);
    browser.get(&format!("/cases/{}/hearing/bundle", case.reference)).await.assert_status(404);
    let revoked = rows::revoked_participants(&app, &case.id, &pat.id);
    assert_eq!(revoked, 1);
}

#[actix_web::test]
async fn the_case_page_links_offer_each_person_only_what_they_may_open() {
    let app = TestApp::spawn_demo().await;
    let links = |email: &str, case: &Case| {
        let case = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
        hearing::case_links(&mut app.conn(), &user(&app, email), &case).unwrap()
    };
    let text = |l: &Option<hearing::CaseLink>| l.as_ref().map(|l| l.text.clone());

    // Under investigation, no investigator yet: officers only.
    let early = investigated(&app, "Dave Dunn", "southvale").await;
    let l = links("officer@southvale.example", &early);
    assert!(l.shown);
    assert_eq!(text(&l.investigation).as_deref(), Some("Investigation: in progress"));
    assert!(l.hearing.is_none() && l.bundle.is_none());
    assert!(!links("ip@southvale.example", &early).shown);

    // At the hearing: the investigator sees both; the panel and the IP the hearing and bundle.
    let case = at_hearing(&app).await;
    let l = links("officer@southvale.example", &case);
    assert_eq!(text(&l.investigation).as_deref(), Some("Investigation"));
    assert_eq!(text(&l.hearing).as_deref(), Some("Hearing"));
    assert_eq!(l.bundle.as_ref().map(|b| b.href.clone()), Some(format!("/cases/{}/hearing/bundle", case.reference)));
    let l = links("investigator@southvale.example", &case);
    assert!(l.investigation.is_some() && l.hearing.is_some() && l.bundle.is_some());
    for email in ["committee3@southvale.example", "ip@southvale.example"] {
        let l = links(email, &case);
        assert!(l.investigation.is_none(), "{email}");
        assert!(l.hearing.is_some() && l.bundle.is_some(), "{email}");
    }
    assert!(!links("committee2@southvale.example", &case).shown);
}

#[actix_web::test]
async fn a_report_is_stored_only_when_its_entry_is_saved_and_a_note_keeps_no_file() {
    let app = TestApp::spawn_demo().await;
    let case = investigated(&app, "Alex Archer", "southvale").await;
    appoint(&app, &case);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let stored = || -> i64 { rows::count(&app, "stored_files") };
    let leftovers = || std::fs::read_dir(app.state.files.root().join("tmp")).map(|d| d.count()).unwrap_or(0);
    let before = stored();
    let path = format!("/cases/{}/investigation/entries", case.reference);
    let today = chrono::Utc::now().date_naive();
    let (d, m, y) = (today.format("%-d").to_string(), today.format("%-m").to_string(), today.format("%Y").to_string());
    officer
        .post_multipart(&path, &[("kind", "final-report"), ("title", "Final report")], &[("file", "report.pdf", PDF)])
        .await
        .assert_status(422)
        .assert_contains("Enter a date");
    assert_eq!((stored(), leftovers()), (before, 0), "a refused report stores nothing");
    let note = [
        ("kind", "interview"),
        ("title", "The clerk"),
        ("body", "Notes."),
        ("occurred_day", d.as_str()),
        ("occurred_month", m.as_str()),
        ("occurred_year", y.as_str()),
    ];
    officer.post_multipart(&path, &note, &[("file", "report.pdf", PDF)]).await.assert_status(303);
    assert_eq!((stored(), leftovers()), (before, 0), "a note keeps no file");
    let report = [
        ("kind", "final-report"),
        ("title", "Final report"),
        ("occurred_day", d.as_str()),
        ("occurred_month", m.as_str()),
        ("occurred_year", y.as_str()),
    ];
    officer.post_multipart(&path, &report, &[("file", "report.pdf", PDF)]).await.assert_status(303);
    assert_eq!((stored(), leftovers()), (before + 1, 0));
}

/// Text with markup and line breaks, and how every page must show it: escaped, with real breaks.
const MULTILINE: &str = "Line one <script>alert(1)</script>\nLine two";

#[track_caller]
fn shows_multiline(page: &crate::harness::Response) {
    page.assert_status(200)
        .assert_contains("Line one &lt;script&gt;alert(1)&lt;")
        .assert_contains("<br>Line two")
        .assert_lacks("<script>alert(1)")
        .assert_lacks("&lt;br&gt;");
}

#[actix_web::test]
async fn multi_line_text_shows_its_line_breaks_and_none_of_its_markup_on_every_page() {
    let app = TestApp::spawn_demo().await;
    // Check answers: the complainant's own text before sending.
    let fields = with(&complaint(&app), "what_happened", MULTILINE);
    let fields = with(&fields, "councillor", &app.membership("Alex Archer", "southvale"));
    app.get("/complaints/new").await.assert_status(200);
    let res = app.post_multipart("/complaints/new", &crate::fixtures::refs(&fields), &[("files", "p.png", PNG)]).await;
    res.assert_status(303);
    shows_multiline(&app.follow(&res).await);

    let complainant = app.new_browser();
    let case = investigated_with(&complainant, "Alex Archer", "southvale", &fields).await;
    // The case page (what happened) and a note.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}", case.reference);
    officer
        .post_form(&format!("{path}/notes"), &[("note", "Note <script>alert(1)</script>\nLine two")])
        .await
        .assert_status(303);
    let page = officer.get(&path).await;
    shows_multiline(&page);
    page.assert_contains("Note &lt;script&gt;alert(1)&lt;");

    // The bundle (what happened) and the findings.
    appoint(&app, &case);
    final_report(&app, &case).await;
    ip_view(&app, &case, "post-investigation");
    refer_to_hearing(&app, &case);
    let o = user(&app, "officer@southvale.example");
    let input =
        HearingInput::from_pairs(&arrange(&app, &["committee@southvale.example", "committee3@southvale.example"]));
    let today = chrono::Utc::now().date_naive();
    hearing::save_hearing(&mut app.conn(), &actor(&o), &o, &case.reference, &input, today).unwrap();
    hearing::fix_hearing(&mut app.conn(), &actor(&o), &o, &case.reference, "").unwrap();
    let panel = app.new_browser();
    panel.login("committee3@southvale.example", "demo-password").await;
    shows_multiline(&panel.get(&format!("{path}/hearing/bundle")).await);
    let findings: Vec<_> = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id)
        .unwrap()
        .into_iter()
        .map(|a| hearing::FindingInput {
            allegation_id: a.id,
            finding: "breach".into(),
            reasons: MULTILINE.into(),
            article10: "Proportionate.".into(),
        })
        .collect();
    hearing::record_findings(&mut app.conn(), &actor(&o), &o, &case.reference, &findings, today).unwrap();
    shows_multiline(&officer.get(&format!("{path}/hearing")).await);
}
