use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::models::user::User;
use standards_desk::services::assessment::engine::{self, Answer, Nation};
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;
use standards_desk::services::decisions::{self, DecisionInput};
use standards_desk::services::reference;
use standards_desk::services::ServiceError;

fn user(app: &TestApp, email: &str) -> User {
    app.user(email)
}

fn member_id(app: &TestApp, name: &str) -> String {
    app.member_id(name)
}

fn authority_id(app: &TestApp, slug: &str) -> String {
    app.authority_id(slug)
}

/// A complaint about the member's post received on 5 November 2026, logged by staff.
fn log(app: &TestApp, member: &str, council: &str, platform: &str, url: &str, what: &str) -> Case {
    CaseBuilder::new()
        .member(member, council)
        .platform(platform)
        .url(url)
        .what(what)
        .field("why_official", "See the post.")
        .received(chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap())
        .log(app)
}

/// Gates pass, every other answer is no, then the given yes/unclear answers.
fn answers(yes: &[&str], unclear: &[&str], role_used: Option<&str>) -> AnswerInput {
    let mut input = AnswerInput::default();
    for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        let a = if yes.contains(&code) || code.starts_with('G') { "yes" } else { "no" };
        input.answers.insert(code.into(), if unclear.contains(&code) { "unclear".into() } else { a.into() });
    }
    input.role_used = role_used.unwrap_or("").to_string();
    if role_used.is_some() {
        input.role_used_reason = "The post concerns that council's business".into();
    }
    input
}

struct Scenario {
    n: u32,
    member: &'static str,
    council: &'static str,
    platform: &'static str,
    what: &'static str,
    yes: &'static [&'static str],
    unclear: &'static [&'static str],
    role_used: Option<&'static str>,
    outcome: &'static str,
    engaged: &'static str,
}

/// domain.md §g: the ten scenarios, each with its expected suggestion and engaged council (on
/// capacity test version 2, which new assessments use, and on version 1 through the engine).
const SCENARIOS: &[Scenario] = &[
    Scenario { n: 1, member: "Alex Archer", council: "southvale", platform: "facebook", what: "Page 'Cllr A – Northfield Ward' calls a named planning officer incompetent and a liar", yes: &["C3", "C6"], unclear: &[], role_used: None, outcome: "OFFICIAL", engaged: "southvale" },
    Scenario { n: 2, member: "Dave Dunn", council: "southvale", platform: "x", what: "@bluesfan_dave abuses rival football fans", yes: &["P1"], unclear: &[], role_used: None, outcome: "PRIVATE", engaged: "southvale" },
    Scenario { n: 3, member: "Bev Bailey", council: "southvale", platform: "instagram", what: "Story mocking a resident who spoke at committee, with a photo of the meeting; bio says Councillor, Southvale DC", yes: &["C4", "C5", "C6"], unclear: &[], role_used: Some("southvale"), outcome: "OFFICIAL", engaged: "southvale" },
    Scenario { n: 4, member: "Bev Bailey", council: "millbrook", platform: "whatsapp", what: "Shared figures from an exempt district cabinet report in the residents' group", yes: &["C2"], unclear: &[], role_used: Some("southvale"), outcome: "OFFICIAL", engaged: "southvale" },
    Scenario { n: 5, member: "Erin Evans", council: "easton", platform: "tiktok", what: "Town mayor wearing the chain at the civic fete makes a joke demeaning a protected group", yes: &["C1", "C5"], unclear: &[], role_used: None, outcome: "OFFICIAL", engaged: "easton" },
    Scenario { n: 6, member: "Bo Brennan", council: "northfield", platform: "facebook", what: "Name-only profile calls objectors to the council traffic consultation idiots; replies call them Cllr B", yes: &["C6", "C8"], unclear: &[], role_used: None, outcome: "OFFICIAL", engaged: "northfield" },
    Scenario { n: 7, member: "Chris Cole", council: "southvale", platform: "x", what: "@CllrC retweets a far-right account without comment", yes: &["C3", "C11"], unclear: &[], role_used: None, outcome: "OFFICIAL", engaged: "southvale" },
    Scenario { n: 8, member: "Chris Cole", council: "southvale", platform: "linkedin", what: "Uses the council crest to promote his consultancy and mentions a council contract", yes: &["C2", "C5"], unclear: &[], role_used: None, outcome: "OFFICIAL", engaged: "southvale" },
    Scenario { n: 9, member: "Gwen Hughes", council: "llanfair", platform: "facebook", what: "Abusive reply in a neighbour dispute on a personal profile, no reference to the role", yes: &["P1"], unclear: &[], role_used: None, outcome: "PRIVATE", engaged: "llanfair" },
    Scenario { n: 10, member: "Dana Doyle", council: "southvale", platform: "x", what: "Anonymous @TownTruthTeller attacks officers; the complainant says Cllr D runs it", yes: &["C6"], unclear: &["G2"], role_used: None, outcome: "UNCLEAR", engaged: "southvale" },
];

#[actix_web::test]
async fn the_ten_scenarios_give_the_expected_suggestion_and_engaged_council() {
    let app = TestApp::spawn_demo().await;
    let officer = app.user("officer@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    for s in SCENARIOS {
        let case = log(&app, s.member, s.council, s.platform, &format!("https://example.org/scenario/{}", s.n), s.what);
        let role = s.role_used.map(|slug| app.authority_id(slug));
        let input = answers(s.yes, s.unclear, role.as_deref());
        let a =
            assessment::assess(&mut app.conn(), &actor, &officer, &case.reference, &app.member_id(s.member), &input)
                .unwrap_or_else(|e| panic!("scenario {}: {e:?}", s.n));
        assert_eq!(a.suggested_outcome, s.outcome, "scenario {}", s.n);
        let v2 = standards_desk::models::capacity::find_version(&mut app.conn(), 2).unwrap().unwrap();
        assert_eq!(a.test_version_id, v2.id, "scenario {}: assessed on version 2", s.n);
        let by_code = input.answers.iter().map(|(k, v)| (k.clone(), Answer::parse(v))).collect();
        for (def, _) in reference::capacity_definitions().unwrap() {
            let nation = if s.n == 9 { Nation::Wales } else { Nation::England };
            let on = engine::evaluate(&def, &by_code, nation);
            assert_eq!(on.outcome, s.outcome, "scenario {} on version {}", s.n, def.version);
        }
        assert_eq!(
            a.suggested_authority_id.as_deref(),
            Some(app.authority_id(s.engaged).as_str()),
            "scenario {}: engaged council",
            s.n
        );
        assert_eq!(a.dual_hatted, s.member == "Bev Bailey", "scenario {}: dual-hatted flag", s.n);
        let detail = assessment::detail(&mut app.conn(), &officer, &case.reference, &a.id).unwrap();
        assert!(!detail.suggestion.explanation.is_empty());
        if s.n == 9 {
            assert!(detail.engaged.wales, "a Welsh council is flagged for the PSOW route");
            let note = detail.suggestion.outcome_note.clone().unwrap_or_default();
            assert!(note.contains("disrepute"), "the Welsh private suggestion keeps its reminder: {note}");
        }
        let case = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
        assert_eq!(case.status.as_str(), "initial-assessment");
    }
}

#[actix_web::test]
async fn an_override_needs_a_reason_and_only_the_monitoring_officer_concludes() {
    let app = TestApp::spawn_demo().await;
    let case = log(&app, "Alex Archer", "southvale", "facebook", "https://example.org/a", "Calls an officer a liar");
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let member = app.member_id("Alex Archer");
    let form = officer.get(&format!("/cases/{}/assessments/new?member={member}", case.reference)).await;
    form.assert_status(200).assert_contains("G1. Was the person a member");
    // Missing answers are refused with the summary and what was typed kept.
    let res = officer
        .post_form(
            &format!("/cases/{}/assessments", case.reference),
            &[("member", &member), ("answer_G1", "yes"), ("note_G1", "Elected May 2023")],
        )
        .await;
    res.assert_status(422)
        .assert_contains("Answer G2: yes, no or unclear")
        .assert_contains("value=\"Elected May 2023\"");
    let mut fields: Vec<(String, String)> = vec![("member".into(), member.clone())];
    for (k, v) in &answers(&["C3", "C6"], &[], None).answers {
        fields.push((format!("answer_{k}"), v.clone()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = officer.post_form(&format!("/cases/{}/assessments", case.reference), &refs).await;
    res.assert_status(303);
    let page = officer.follow(&res).await;
    page.assert_status(200)
        .assert_contains("Suggested: Official capacity")
        .assert_contains("Rule R3b")
        .assert_lacks("Your conclusion");
    let id = res.location().unwrap().rsplit('/').next().unwrap().to_string();
    // A case officer may not conclude.
    officer
        .post_form(
            &format!("/cases/{}/assessments/{id}/conclude", case.reference),
            &[("outcome", "OFFICIAL"), ("authority", &app.authority_id("southvale"))],
        )
        .await
        .assert_status(403);

    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&format!("/cases/{}/assessments/{id}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Your conclusion");
    let differ = mo
        .post_form(
            &format!("/cases/{}/assessments/{id}/conclude", case.reference),
            &[("outcome", "PRIVATE"), ("authority", &app.authority_id("southvale")), ("reason", "")],
        )
        .await;
    differ.assert_status(422).assert_contains("Give the reason for concluding differently from the suggestion");
    let a = standards_desk::models::assessment::find_assessment(&mut app.conn(), &id).unwrap().unwrap();
    assert!(a.concluded_at.is_none(), "nothing concluded without the reason");
    let ok = mo
        .post_form(
            &format!("/cases/{}/assessments/{id}/conclude", case.reference),
            &[
                ("outcome", "PRIVATE"),
                ("authority", &app.authority_id("southvale")),
                ("reason", "The page is run by his agent, not him"),
            ],
        )
        .await;
    ok.assert_status(303);
    mo.follow(&ok)
        .await
        .assert_status(200)
        .assert_contains("Capacity concluded")
        .assert_contains("The page is run by his agent");

    // Reassessment makes a new version; the first stays readable.
    let res = officer.post_form(&format!("/cases/{}/assessments", case.reference), &refs).await;
    res.assert_status(303);
    officer.follow(&res).await.assert_status(200).assert_contains("version 2").assert_contains("Version 1");
    officer
        .get(&format!("/cases/{}/assessments/{id}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("(superseded)")
        .assert_contains("The page is run by his agent");
}

#[actix_web::test]
async fn the_decision_needs_concluded_assessments_and_a_monitoring_officer_and_moves_the_case() {
    let app = TestApp::spawn_demo().await;
    let case = log(&app, "Alex Archer", "southvale", "facebook", "https://example.org/a", "Calls an officer a liar");
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&format!("/cases/{}/decision", case.reference)).await.assert_status(403);
    officer
        .post_form(&format!("/cases/{}/decision", case.reference), &[("outcome", "investigation"), ("reasons", "x")])
        .await
        .assert_status(403);

    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&format!("/cases/{}/decision", case.reference)).await.assert_status(200).assert_contains("not concluded");
    let early = mo
        .post_form(
            &format!("/cases/{}/decision", case.reference),
            &[("outcome", "investigation"), ("reasons", "Serious")],
        )
        .await;
    early.assert_status(422).assert_contains("Conclude the capacity assessment first for: Alex Archer");

    let mo_user = app.user("mo@southvale.example");
    let actor = Actor::user(&mo_user.id, &mo_user.name, None);
    let a = assessment::assess(
        &mut app.conn(),
        &actor,
        &mo_user,
        &case.reference,
        &app.member_id("Alex Archer"),
        &answers(&["C3", "C6"], &[], None),
    )
    .unwrap();
    assessment::conclude(&mut app.conn(), &actor, &mo_user, &a.id, "OFFICIAL", &app.authority_id("southvale"), "")
        .unwrap();

    let missing = mo
        .post_form(&format!("/cases/{}/decision", case.reference), &[("outcome", "no-further-action"), ("reasons", "")])
        .await;
    missing
        .assert_status(422)
        .assert_contains("Select why no further action is needed")
        .assert_contains("Give the reasons for the decision");
    let res = mo
        .post_form(
            &format!("/cases/{}/decision", case.reference),
            &[
                ("outcome", "investigation"),
                ("reasons", "Calling a named officer a liar on a councillor page needs investigating."),
                ("notice_reason", "The member is abroad and cannot be reached; the police asked us to act now."),
            ],
        )
        .await;
    res.assert_status(303);
    let case_now = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    assert_eq!(case_now.status.as_str(), "investigation");
    assert!(case_now.assessed_on.is_some());
    // The notices are drafted for review, not yet sent.
    let notices_page = mo.follow(&res).await;
    notices_page
        .assert_status(200)
        .assert_contains("To Jo Public (Complainant)")
        .assert_contains("To Alex Archer (Councillor complained about)")
        .assert_contains("Investigation");
    assert!(app.emails().iter().all(|m| m.template != "decision_notice"));
    let pairs: Vec<(String, String)> = {
        let body = &notices_page.body;
        let mut out = Vec::new();
        for part in body.split("name=\"subject_").skip(1) {
            let id = part.split('"').next().unwrap().to_string();
            out.push((format!("subject_{id}"), "Decision on your complaint".to_string()));
            out.push((format!("body_{id}"), "Edited by the officer: an investigation will follow.".to_string()));
        }
        out
    };
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let path = res.location().unwrap().to_string();
    mo.post_form(&path, &refs).await.assert_status(303);
    let sent: Vec<_> = app.emails().into_iter().filter(|m| m.template == "decision_notice").collect();
    assert_eq!(sent.len(), 2, "to the complainant and to the member");
    assert!(sent.iter().all(|m| m.body_text == "Edited by the officer: an investigation will follow."));
    mo.get(&path).await.assert_status(200).assert_contains("sent by email");
    // A second decision at this stage is refused.
    mo.post_form(&format!("/cases/{}/decision", case.reference), &[("outcome", "investigation"), ("reasons", "Again")])
        .await
        .assert_status(422)
        .assert_contains("has been decided");
}

#[actix_web::test]
async fn an_ip_sees_only_the_case_they_are_consulted_on_and_records_their_view() {
    let app = TestApp::spawn_demo().await;
    let a = log(&app, "Alex Archer", "southvale", "facebook", "https://example.org/a", "One");
    let b = log(&app, "Dave Dunn", "southvale", "x", "https://example.org/b", "Two");
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    ip.get(&format!("/cases/{}", a.reference)).await.assert_status(404);

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&format!("/cases/{}/ip", a.reference)).await.assert_status(200).assert_contains("Iris Penrose");
    let ip_id = app.user("ip@southvale.example").id;
    officer
        .post_form(
            &format!("/cases/{}/ip", a.reference),
            &[("ip", &ip_id), ("stage", "initial-assessment"), ("question", "")],
        )
        .await
        .assert_status(422)
        .assert_contains("Enter what you are asking");
    officer
        .post_form(
            &format!("/cases/{}/ip", a.reference),
            &[("ip", &ip_id), ("stage", "initial-assessment"), ("question", "Should this be investigated?")],
        )
        .await
        .assert_status(303);
    let email = app.emails().into_iter().find(|m| m.template == "ip_request").expect("the IP is emailed");
    assert_eq!(email.to_address, "ip@southvale.example");

    let page = ip.get(&format!("/cases/{}", a.reference)).await;
    page.assert_status(200).assert_contains("Should this be investigated?").assert_contains("Record my view");
    ip.get(&format!("/cases/{}", b.reference)).await.assert_status(404);
    let list = ip.get("/cases").await;
    list.assert_status(200).assert_contains(&a.reference).assert_lacks(&b.reference);
    let consultation =
        standards_desk::models::assessment::consultations_for_case(&mut app.conn(), &a.id).unwrap().remove(0).id;
    // Nobody else may record the IP's view.
    officer
        .post_form(&format!("/cases/{}/ip/{consultation}/view", a.reference), &[("view", "Officer pretending")])
        .await
        .assert_status(403);
    ip.post_form(
        &format!("/cases/{}/ip/{consultation}/view", a.reference),
        &[("view", "Yes: the language is aimed at an officer who cannot reply.")],
    )
    .await
    .assert_status(303);
    let on_case = officer.get(&format!("/cases/{}", a.reference)).await;
    on_case.assert_status(200).assert_contains("View given").assert_contains("aimed at an officer who cannot reply");
}

#[actix_web::test]
async fn the_summary_flags_follow_the_rules_the_actions_refuse_with() {
    let app = TestApp::spawn_demo().await;
    let case = log(&app, "Alex Archer", "southvale", "facebook", "https://example.org/a", "Calls an officer a liar");
    let (officer, mo, ip) = (
        user(&app, "officer@southvale.example"),
        user(&app, "mo@southvale.example"),
        user(&app, "ip@southvale.example"),
    );
    let by = |u: &User| Actor::user(&u.id, &u.name, None);

    let s = assessment::summary(&mut app.conn(), &officer, &case).unwrap();
    assert!(s.actions.can_assess && s.members[0].can_assess && s.actions.can_ask_ip && s.actions.can_record_review);
    assert!(!s.actions.can_decide, "a case officer does not sign off the decision");
    assert!(assessment::summary(&mut app.conn(), &mo, &case).unwrap().actions.can_decide);
    assert!(
        matches!(assessment::summary(&mut app.conn(), &ip, &case), Err(ServiceError::NotFound)),
        "an IP not consulted does not see the case"
    );

    let c = assessment::request_ip_view(
        &mut app.conn(),
        &by(&officer),
        &officer,
        &case.reference,
        &ip.id,
        "post-investigation",
        "Is this serious?",
    )
    .unwrap();
    let s = assessment::summary(&mut app.conn(), &officer, &case).unwrap();
    assert_eq!(s.consultations[0].stage, "After the investigation", "the stage in words");
    assert!(!s.consultations[0].can_record_view, "only the IP asked records a view");
    let s = assessment::summary(&mut app.conn(), &ip, &case).unwrap();
    assert!(s.consultations[0].can_record_view && s.consultations[0].mine);
    assert!(!s.actions.can_assess && !s.actions.can_ask_ip && !s.actions.can_decide && !s.actions.can_record_review);
    assessment::record_ip_view(&mut app.conn(), &by(&ip), &ip, &case.reference, &c.id, "Yes.").unwrap();
    let s = assessment::summary(&mut app.conn(), &ip, &case).unwrap();
    assert!(!s.consultations[0].can_record_view);
    assert!(matches!(
        assessment::record_ip_view(&mut app.conn(), &by(&ip), &ip, &case.reference, &c.id, "Again."),
        Err(ServiceError::Refused(m)) if m == "Your view has already been recorded"
    ));

    let a = assessment::assess(
        &mut app.conn(),
        &by(&mo),
        &mo,
        &case.reference,
        &member_id(&app, "Alex Archer"),
        &answers(&["C3", "C6"], &[], None),
    )
    .unwrap();
    let detail = assessment::detail(&mut app.conn(), &officer, &case.reference, &a.id).unwrap();
    assert!(!detail.actions.can_conclude && !detail.actions.can_record_article10 && detail.actions.can_reassess);
    assert!(assessment::detail(&mut app.conn(), &mo, &case.reference, &a.id).unwrap().actions.can_conclude);
    assessment::conclude(&mut app.conn(), &by(&mo), &mo, &a.id, "OFFICIAL", &authority_id(&app, "southvale"), "")
        .unwrap();
    let detail = assessment::detail(&mut app.conn(), &officer, &case.reference, &a.id).unwrap();
    assert!(detail.article10_applies && detail.actions.can_record_article10 && !detail.actions.can_conclude);

    crate::gates::told_and_responded(&app, &case);
    let input = DecisionInput { outcome: "investigation".into(), reasons: "Serious.".into(), ..Default::default() };
    decisions::decide(&mut app.conn(), &by(&mo), &mo, &case.reference, &input, chrono::Utc::now().date_naive())
        .unwrap();
    let case = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    let s = assessment::summary(&mut app.conn(), &mo, &case).unwrap();
    assert!(!s.actions.can_decide, "decided once");
    assert!(s.decisions[0].can_record_review);
    assert_eq!(s.decisions[0].notices_pending, 2);
    assert!(matches!(
        decisions::decide(&mut app.conn(), &by(&mo), &mo, &case.reference, &input, chrono::Utc::now().date_naive()),
        Err(ServiceError::Invalid(e)) if e.has("outcome")
    ));
}

#[actix_web::test]
async fn a_member_on_two_councils_is_assessed_only_with_the_council_chosen_and_why() {
    let app = TestApp::spawn_demo().await;
    let case =
        log(&app, "Bev Bailey", "southvale", "facebook", "https://example.org/b", "A rude remark to a neighbour");
    let mo = user(&app, "mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let member = member_id(&app, "Bev Bailey");
    // Nothing in the register settles which council's role was used: the officer must choose.
    let refused =
        assessment::assess(&mut app.conn(), &actor, &mo, &case.reference, &member, &answers(&["C3"], &[], None));
    assert!(matches!(&refused, Err(ServiceError::Invalid(e)) if e.has("role_used") && e.has("role_used_reason")));
    let southvale = authority_id(&app, "southvale");
    let a = assessment::assess(
        &mut app.conn(),
        &actor,
        &mo,
        &case.reference,
        &member,
        &answers(&["C3"], &[], Some(&southvale)),
    )
    .unwrap();
    assert!(a.dual_hatted);
    assert_eq!(a.suggested_authority_id.as_deref(), Some(southvale.as_str()), "the officer's choice");
    let browser = app.new_browser();
    browser.login("mo@southvale.example", "demo-password").await;
    browser
        .get(&format!("/cases/{}/assessments/{}", case.reference, a.id))
        .await
        .assert_status(200)
        .assert_contains("Your conclusion")
        .assert_contains("The post concerns that council")
        .assert_contains("Choose a council");
}

#[actix_web::test]
async fn a_notice_left_empty_is_shown_again_with_what_was_typed() {
    let app = TestApp::spawn_demo().await;
    let case = log(&app, "Alex Archer", "southvale", "facebook", "https://example.org/a", "Calls an officer a liar");
    let mo_user = user(&app, "mo@southvale.example");
    let actor = Actor::user(&mo_user.id, &mo_user.name, None);
    let member = member_id(&app, "Alex Archer");
    let a =
        assessment::assess(&mut app.conn(), &actor, &mo_user, &case.reference, &member, &answers(&["C3"], &[], None))
            .unwrap();
    assessment::conclude(&mut app.conn(), &actor, &mo_user, &a.id, "OFFICIAL", &authority_id(&app, "southvale"), "")
        .unwrap();
    crate::gates::told_and_responded(&app, &case);
    let input = DecisionInput { outcome: "investigation".into(), reasons: "Serious.".into(), ..Default::default() };
    let d =
        decisions::decide(&mut app.conn(), &actor, &mo_user, &case.reference, &input, chrono::Utc::now().date_naive())
            .unwrap();
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/decisions/{}/notices", case.reference, d.id);
    let page = mo.get(&path).await;
    let id = page.body.split("name=\"subject_").nth(1).unwrap().split('"').next().unwrap().to_string();
    let (subject, body) = (format!("subject_{id}"), format!("body_{id}"));
    mo.post_form(&path, &[(&subject, "Kept subject"), (&body, "  ")])
        .await
        .assert_status(422)
        .assert_contains("A notice needs a subject and a text")
        .assert_contains("value=\"Kept subject\"");
    assert!(app.emails().iter().all(|m| m.template != "decision_notice"), "nothing sent");
    mo.post_form(&path, &[(&subject, "Decision"), (&body, "An investigation will follow.")]).await.assert_status(303);
    let again = mo.post_form(&path, &[]).await;
    again.assert_status(303);
    mo.follow(&again).await.assert_status(200).assert_contains("These notices have been sent");
}

#[actix_web::test]
async fn a_refusal_redirects_to_a_path_with_control_characters_encoded_not_a_500() {
    // Found by the fuzz test: actix decodes `%0D%0A` in the path, the refusal sent the browser back
    // to a path built from it, and a header cannot hold a line break, so the answer was a 500.
    let app = TestApp::spawn_demo().await;
    let case = log(&app, "Alex Archer", "southvale", "facebook", "https://example.org/p/1", "Abuse of an officer");
    let mo = user(&app, "mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let a = assessment::assess(
        &mut app.conn(),
        &actor,
        &mo,
        &case.reference,
        &member_id(&app, "Alex Archer"),
        &answers(&["C3", "C6"], &[], None),
    )
    .unwrap();
    assessment::conclude(&mut app.conn(), &actor, &mo, &a.id, "OFFICIAL", &authority_id(&app, "southvale"), "")
        .unwrap();
    let browser = app.new_browser();
    browser.login("mo@southvale.example", "demo-password").await;
    let res = browser
        .post_form(
            &format!("/cases/a%0D%0Ab%20%C3%A9/assessments/{}/conclude", a.id),
            &[("outcome", "PRIVATE"), ("authority", &authority_id(&app, "southvale")), ("reason", "Changed my mind")],
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some(format!("/cases/a%0D%0Ab%20%C3%A9/assessments/{}", a.id).as_str()));
}
