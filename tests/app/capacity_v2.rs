//! Capacity test version 2 (issue 15): the points where version 1 suggested the wrong outcome,
//! as facts -> answers -> expected outcome through the real service; version 1 assessments
//! still read as they were, labelled with their version; the help page drawn from the
//! definitions.

use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use standards_desk::models::assessment::{self as assessment_rows, CapacityAnswer, CapacityAssessment};
use standards_desk::models::capacity as test_rows;
use standards_desk::models::case::Case;
use standards_desk::models::{new_id, now};
use standards_desk::services::assessment::engine::{self, describe, Answer, Nation};
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;
use standards_desk::services::reference::{self, CapacityDefinition};
use std::collections::BTreeMap;

const CODES: [&str; 15] = ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"];

fn log(app: &TestApp, member: &str, council: &str, url: &str, what: &str) -> Case {
    CaseBuilder::new()
        .member(member, council)
        .platform("facebook")
        .url(url)
        .what(what)
        .field("why_official", "See the post.")
        .received(chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap())
        .log(app)
}

/// The gates yes and every other question no, then the given answers.
fn answers(given: &[(&str, &str)]) -> AnswerInput {
    let mut input = AnswerInput::default();
    for code in CODES {
        let a = given.iter().find(|(c, _)| *c == code).map(|(_, a)| *a);
        let a = a.unwrap_or(if code.starts_with('G') { "yes" } else { "no" });
        input.answers.insert(code.into(), a.into());
    }
    input
}

fn definition(version: i32) -> CapacityDefinition {
    reference::capacity_definitions().unwrap().into_iter().find(|(d, _)| d.version == version).unwrap().0
}

/// One point of issue 15, as a case: the facts, the answers they give on version 2, and the
/// outcome and rule expected (with what version 1 suggested from the same answers).
struct Point {
    point: &'static str,
    member: &'static str,
    council: &'static str,
    facts: &'static str,
    answers: &'static [(&'static str, &'static str)],
    outcome: &'static str,
    rule: &'static str,
    version_1: &'static str,
}

const POINTS: &[Point] = &[
    Point {
        point: "attribution disproved is out of jurisdiction, not unclear",
        member: "Alex Archer",
        council: "southvale",
        facts: "A parody account '@CllrArcherTruth' mocks a planning officer; the platform confirmed it is run by someone else",
        answers: &[("G2", "no"), ("C3", "yes"), ("C6", "yes")],
        outcome: "OUT_OF_JURISDICTION",
        rule: "R1c",
        version_1: "UNCLEAR",
    },
    Point {
        point: "a doubtful membership is unclear whatever else is answered",
        member: "Alex Archer",
        council: "southvale",
        facts: "Speaking on the council's live stream the day after the election, before the declaration of acceptance of office was signed",
        answers: &[("G1", "unclear"), ("C1", "yes"), ("C7", "yes")],
        outcome: "UNCLEAR",
        rule: "R1b",
        version_1: "OFFICIAL",
    },
    Point {
        point: "posting purely as a party candidate, with no official indicator, is private",
        member: "Dave Dunn",
        council: "southvale",
        facts: "A campaign photo on a personal account as the party's candidate for a county division; no council title, channel or business",
        answers: &[("P2", "yes")],
        outcome: "PRIVATE",
        rule: "R5",
        version_1: "UNCLEAR",
    },
    Point {
        point: "a comment about a meeting is council business as a topic (C6), not C1",
        member: "Dave Dunn",
        council: "southvale",
        facts: "On a personal profile with no council title, a comment about last night's planning committee decision",
        answers: &[("C6", "yes")],
        outcome: "UNCLEAR",
        rule: "R4b",
        // Version 1 asked C1 "at or about a meeting": the officer answered C1 yes.
        version_1: "UNCLEAR",
    },
    Point {
        point: "being addressed as 'Cllr' does not block a private suggestion on a wholly private topic",
        member: "Dave Dunn",
        council: "southvale",
        facts: "In the ward WhatsApp group, where replies call him 'Cllr Dunn', he posts about his daughter's netball team",
        answers: &[("C8", "yes"), ("P1", "yes")],
        outcome: "PRIVATE",
        rule: "R5",
        version_1: "UNCLEAR",
    },
    Point {
        point: "being addressed as 'Cllr' still counts with council business",
        member: "Bo Brennan",
        council: "northfield",
        facts: "A name-only profile in the ward group, addressed as 'Cllr B', calls the council's bin consultation a sham",
        answers: &[("C6", "yes"), ("C8", "yes")],
        outcome: "OFFICIAL",
        rule: "R4a",
        version_1: "OFFICIAL",
    },
    Point {
        point: "a 'Cllr' handle on a wholly private topic is a rebuttable presumption: unclear",
        member: "Chris Cole",
        council: "southvale",
        facts: "'@CllrC' posts abuse about a football referee; nothing about the council",
        answers: &[("C3", "yes"), ("P1", "yes")],
        outcome: "UNCLEAR",
        rule: "R3a",
        version_1: "UNCLEAR",
    },
    Point {
        point: "a Welsh private conclusion keeps the disrepute reminder",
        member: "Gwen Hughes",
        council: "llanfair",
        facts: "A Welsh community councillor's abusive reply in a neighbour dispute on a personal profile, no reference to the role",
        answers: &[("P1", "yes")],
        outcome: "PRIVATE",
        rule: "R5",
        version_1: "PRIVATE",
    },
    Point {
        point: "attribution unclear: establish attribution first",
        member: "Dana Doyle",
        council: "southvale",
        facts: "An anonymous account attacks officers; the complainant says Cllr D runs it, on circumstantial evidence",
        answers: &[("G2", "unclear"), ("C2", "yes")],
        outcome: "UNCLEAR",
        rule: "R1d",
        version_1: "UNCLEAR",
    },
];

#[actix_web::test]
async fn each_point_of_issue_15_gives_its_outcome_on_version_2() {
    let app = TestApp::spawn_demo().await;
    let officer = app.user("officer@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    let v1 = definition(1);
    for (n, p) in POINTS.iter().enumerate() {
        let case = log(&app, p.member, p.council, &format!("https://example.org/issue15/{n}"), p.facts);
        let input = answers(p.answers);
        let a =
            assessment::assess(&mut app.conn(), &actor, &officer, &case.reference, &app.member_id(p.member), &input)
                .unwrap_or_else(|e| panic!("{}: {e:?}", p.point));
        assert_eq!((a.suggested_outcome.as_str(), a.suggested_rule.as_str()), (p.outcome, p.rule), "{}", p.point);
        let v2 = test_rows::find_version(&mut app.conn(), 2).unwrap().unwrap();
        assert_eq!(a.test_version_id, v2.id, "{}: new assessments use the latest version", p.point);
        // What version 1 made of the same answers (kept as it was).
        let by_code: BTreeMap<String, Answer> =
            input.answers.iter().map(|(k, v)| (k.clone(), Answer::parse(v))).collect();
        assert_eq!(engine::evaluate(&v1, &by_code, Nation::England).outcome, p.version_1, "{}: version 1", p.point);
    }
    // Version 2 asks C1 about conducting council business, and puts meetings under C6.
    let v2 = definition(2);
    let question = |code: &str| v2.questions.iter().find(|q| q.code == code).unwrap().question.clone();
    assert!(!question("C1").contains("about a meeting") && question("C1").contains("conducting council business"));
    assert!(question("C6").contains("meetings"));
    assert!(question("P1").contains("wholly private"));
    assert!(question("P2").contains("candidate or activist"));
    assert!(v1.questions.iter().find(|q| q.code == "C1").unwrap().question.contains("at or about a meeting"));
}

#[actix_web::test]
async fn a_welsh_private_suggestion_and_conclusion_show_the_disrepute_reminder() {
    let app = TestApp::spawn_demo().await;
    let mo = app.user("mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let reminder = "disrepute paragraph (6(1)(a)) can apply outside official capacity";
    let welsh = log(&app, "Gwen Hughes", "llanfair", "https://example.org/w", "Abusive reply in a neighbour dispute");
    let a = assessment::assess(
        &mut app.conn(),
        &actor,
        &mo,
        &welsh.reference,
        &app.member_id("Gwen Hughes"),
        &answers(&[("P1", "yes")]),
    )
    .unwrap();
    let browser = app.new_browser();
    browser.login("mo@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/assessments/{}", welsh.reference, a.id);
    browser
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("Suggested: Private capacity")
        .assert_contains(reminder);
    browser
        .post_form(&format!("{path}/conclude"), &[("outcome", "PRIVATE"), ("authority", &app.authority_id("llanfair"))])
        .await
        .assert_status(303);
    let page = browser.get(&path).await;
    page.assert_status(200);
    let conclusion = page.body.split("<h2 class=\"govuk-heading-m\">Conclusion</h2>").nth(1).expect("concluded");
    assert!(conclusion.contains(reminder), "the conclusion keeps the reminder");

    // The committee report counts conclusions by the version of the test they answered.
    let today = chrono::Utc::now().date_naive();
    let period = format!("{today}:{today}");
    let report = browser.get(&format!("/reports?period={period}")).await;
    report.assert_status(200).assert_contains("Capacity conclusions by capacity test version");
    let table =
        report.body.split("id=\"table-capacity-version\"").nth(1).expect("the table").split("</table>").next().unwrap();
    assert!(table.contains("Version 2: Private capacity: the code does not apply"), "{table}");
    let csv = browser.get(&format!("/reports/figures.csv?period={period}")).await.ok_body();
    assert!(csv.contains("Version 2: Private capacity: the code does not apply"), "{csv}");

    // In England the same answers close the allegation, with no Welsh reminder.
    let english = log(&app, "Dave Dunn", "southvale", "https://example.org/e", "Abuse of rival football fans");
    let a = assessment::assess(
        &mut app.conn(),
        &actor,
        &mo,
        &english.reference,
        &app.member_id("Dave Dunn"),
        &answers(&[("P1", "yes")]),
    )
    .unwrap();
    browser
        .get(&format!("/cases/{}/assessments/{}", english.reference, a.id))
        .await
        .assert_status(200)
        .assert_contains("Suggested: Private capacity")
        .assert_contains("close this allegation")
        .assert_lacks(reminder);
}

/// A version 1 assessment, as one made before version 2 was published (written as the service
/// wrote it then: the rule version 1 suggested, the answers given).
fn version_1_assessment(app: &TestApp, case: &Case, member: &str, yes: &[&str], rule: &str, outcome: &str) -> String {
    let mut conn = app.conn();
    let v1 = test_rows::find_version(&mut conn, 1).unwrap().unwrap();
    let a = CapacityAssessment {
        id: new_id(),
        case_id: case.id.clone(),
        member_id: app.member_id(member),
        version: 1,
        test_version_id: v1.id,
        role_used_authority_id: None,
        role_used_reason: None,
        suggested_outcome: outcome.into(),
        suggested_rule: rule.into(),
        suggested_authority_id: None,
        dual_hatted: false,
        concluded_outcome: None,
        engaged_authority_id: None,
        conclusion_reason: None,
        concluded_by_user_id: None,
        concluded_at: None,
        created_by_user_id: None,
        created_at: now(),
    };
    assessment_rows::insert_assessment(&mut conn, &a).unwrap();
    for code in CODES {
        let answer = if code.starts_with('G') || yes.contains(&code) { "yes" } else { "no" };
        assessment_rows::insert_answer(
            &mut conn,
            &CapacityAnswer {
                id: new_id(),
                assessment_id: a.id.clone(),
                question_code: code.into(),
                answer: answer.into(),
                note: Some(format!("Note on {code}")),
            },
        )
        .unwrap();
    }
    a.id
}

#[actix_web::test]
async fn a_version_1_assessment_reads_as_before_and_a_reassessment_uses_version_2() {
    let app = TestApp::spawn_demo().await;
    let case = log(
        &app,
        "Dave Dunn",
        "southvale",
        "https://example.org/v1",
        "Known as Cllr in the ward group; a post about his allotment",
    );
    // Version 1 let C8 block a private suggestion: R9, unclear.
    let old = version_1_assessment(&app, &case, "Dave Dunn", &["C8", "P1"], "R9", "UNCLEAR");
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let page = officer.get(&format!("/cases/{}/assessments/{old}", case.reference)).await;
    page.assert_status(200)
        .assert_contains("on capacity test version 1")
        .assert_contains("Suggested: Unclear: needs investigation")
        .assert_contains("Rule R9 of")
        .assert_contains("No rule settles capacity")
        // Version 1's wording of the questions, as answered.
        .assert_contains("at or about a meeting");
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("(capacity test version 1)");

    // The reassessment form is version 2's; reworded questions are answered afresh.
    let member = app.member_id("Dave Dunn");
    let form = officer.get(&format!("/cases/{}/assessments/new?member={member}", case.reference)).await;
    form.assert_status(200)
        .assert_contains("version 2")
        .assert_contains("The previous assessment used capacity test version 1")
        .assert_contains("C1, C6, C8, P1, P2")
        .assert_contains("value=\"Note on C3\"")
        .assert_lacks("value=\"Note on P1\"");
    let mut fields: Vec<(String, String)> = vec![("member".into(), member.clone())];
    for (k, v) in &answers(&[("C8", "yes"), ("P1", "yes")]).answers {
        fields.push((format!("answer_{k}"), v.clone()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = officer.post_form(&format!("/cases/{}/assessments", case.reference), &refs).await;
    res.assert_status(303);
    officer
        .follow(&res)
        .await
        .assert_status(200)
        .assert_contains("on capacity test version 2")
        .assert_contains("Suggested: Private capacity")
        .assert_contains("Rule R5 of")
        .assert_contains("Version 1</a>, ")
        .assert_contains("(capacity test version 1)")
        .assert_contains("(capacity test version 2)");
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("(capacity test version 2)");
    // The version 1 assessment still reads as it did.
    officer
        .get(&format!("/cases/{}/assessments/{old}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("(superseded), on capacity test version 1")
        .assert_contains("Rule R9 of");
}

#[actix_web::test]
async fn the_help_page_explains_every_version_from_its_definition() {
    let app = TestApp::spawn_demo().await;
    let res = app.get("/help/capacity-test").await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/login?next=%2Fhelp%2Fcapacity-test"));

    let committee = app.new_browser();
    committee.login("committee@southvale.example", "demo-password").await;
    let page = committee.get("/help/capacity-test").await;
    page.assert_status(200)
        .assert_contains("href=\"/help/capacity-test\"")
        .assert_contains("Version 2 (current)")
        .assert_contains("id=\"version-1\"")
        .assert_contains("Livingstone v APE [2006] EWHC 2533 (Admin)");
    for version in [1, 2] {
        let def = definition(version);
        let section = page.body.split(&format!("id=\"version-{version}\"")).nth(1).unwrap();
        let section = section.split("<section").next().unwrap();
        for r in &def.rules {
            let when = describe(r.when.as_ref().unwrap());
            assert!(section.contains(&format!("Rule {}.</strong> If {when}", r.id)), "version {version} rule {}", r.id);
        }
        assert!(section.contains(&format!("Rule {}.</strong> Otherwise", def.default.as_ref().unwrap().id)));
        for q in &def.questions {
            assert!(section.contains(&format!("<strong>{}</strong>", q.code)), "version {version} question {}", q.code);
        }
    }
    // Version 2's Welsh reminder and sources are on the page.
    page.assert_contains("disrepute paragraph (6(1)(a)) can apply outside official capacity")
        .assert_contains("Source: Livingstone v APE");

    // The assessment page links to it.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let case = log(&app, "Alex Archer", "southvale", "https://example.org/h", "Calls an officer a liar");
    let member = app.member_id("Alex Archer");
    officer
        .get(&format!("/cases/{}/assessments/new?member={member}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("href=\"/help/capacity-test#version-2\"");
}
