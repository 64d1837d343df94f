//! Use of the register (issues 14 and 15): the public form's councillor list, evidence linked to
//! a registered account, G1 pre-filled from the memberships on the date, and the engaged council
//! suggested from the account used (never from words in the post), with the officer choosing and
//! saying why when the member sat on two councils.

use crate::fixtures::{complaint, refs, submit_public, with, CaseBuilder, PNG};
use crate::harness::TestApp;
use chrono::NaiveDate;
use diesel::prelude::*;
use standards_desk::db::schema::memberships;
use standards_desk::models::case::Case;
use standards_desk::models::evidence as evidence_rows;
use standards_desk::models::member::{self as member_rows, Member, MemberAccount, Membership};
use standards_desk::models::{new_id, now};
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;
use standards_desk::services::{urls, ServiceError};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Pat Parker: a district councillor of Southvale and chair of Northfield Parish Council since
/// 4 May 2023 (and a former Easton town councillor), with the parish's chair account on X and a
/// personal X account.
struct Pat {
    member: String,
    district: String,
    parish: String,
    former: String,
    parish_account: String,
    personal_account: String,
}

fn register_pat(app: &TestApp) -> Pat {
    let conn = &mut app.conn();
    let member = Member {
        id: new_id(),
        full_name: "Pat Parker".into(),
        party: Some("Independent".into()),
        email: Some("pat@example.org".into()),
        phone: None,
        created_at: now(),
        updated_at: now(),
        title: Some("Cllr".into()),
        postal_address: None,
    };
    member_rows::insert(conn, &member).unwrap();
    let membership = |slug: &str, role: &str, from: NaiveDate, to: Option<NaiveDate>| Membership {
        id: new_id(),
        member_id: member.id.clone(),
        authority_id: app.authority_id(slug),
        ward: None,
        role: role.into(),
        started_on: from,
        ended_on: to,
        created_at: now(),
        end_reason: to.map(|_| "term-ended".into()),
        updated_at: now(),
    };
    let district = membership("southvale", "member", day(2023, 5, 4), None);
    let parish = membership("northfield", "chair", day(2023, 5, 4), None);
    let former = membership("easton", "member", day(2019, 5, 2), Some(day(2023, 5, 3)));
    for m in [&district, &parish, &former] {
        member_rows::insert_membership(conn, m).unwrap();
    }
    let account = |handle: &str, council: Option<String>| MemberAccount {
        id: new_id(),
        member_id: member.id.clone(),
        platform: "x".into(),
        handle: handle.into(),
        display_name: None,
        profile_url: Some(format!("https://x.com/{handle}")),
        canonical_url: urls::canonicalize(&format!("https://x.com/{handle}")),
        declared_official: council.is_some(),
        notes: None,
        created_at: now(),
        presents_role: council.as_ref().map(|_| "Chair of Northfield Parish Council".into()),
        authority_id: council,
        in_use_from: Some(day(2023, 5, 4)),
        in_use_to: None,
        updated_at: now(),
    };
    let parish_account = account("PatChairNorthfield", Some(app.authority_id("northfield")));
    let personal_account = account("patparker", None);
    member_rows::insert_account(conn, &parish_account).unwrap();
    member_rows::insert_account(conn, &personal_account).unwrap();
    Pat {
        member: member.id,
        district: district.id,
        parish: parish.id,
        former: former.id,
        parish_account: parish_account.id,
        personal_account: personal_account.id,
    }
}

/// A public complaint about Pat (as parish chair) with a screenshot of the post at `url`, made on 3 March 2026.
async fn public_complaint(app: &TestApp, membership: &str, url: &str) -> Case {
    let fields = with(&complaint(app), "councillor", membership);
    let fields = with(&fields, "post_urls", url);
    let fields = with(&fields, "platform", "x");
    let fields = with(&fields, "conduct_day", "3");
    let fields = with(&fields, "conduct_month", "3");
    let fields = with(&fields, "conduct_year", "2026");
    submit_public(app, &fields, &[("files", "post.png", PNG)]).await
}

/// G1, G2 and C3 yes (every other question of the loaded test no, see [`fill_unanswered`]);
/// `cite` is cited for G1.
fn answers(cite: Option<&str>) -> AnswerInput {
    let mut input = AnswerInput::default();
    for q in ["G1", "G2", "C3"] {
        input.answers.insert(q.into(), "yes".into());
    }
    if let Some(item) = cite {
        input.evidence.insert("G1".into(), vec![item.to_string()]);
    }
    input
}

fn fill_unanswered(app: &TestApp, input: &mut AnswerInput) {
    // Every question of the loaded test is answered (no for those not set above).
    let def = standards_desk::models::capacity::latest_version(&mut app.conn()).unwrap().unwrap();
    let text = standards_desk::models::capacity::definition_text(&mut app.conn(), &def.id).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for q in json["questions"].as_array().unwrap() {
        let code = q["code"].as_str().unwrap().to_string();
        input.answers.entry(code).or_insert_with(|| "no".into());
    }
    input.answers.retain(|code, _| json["questions"].as_array().unwrap().iter().any(|q| q["code"] == *code));
}

#[actix_web::test]
async fn the_public_form_lists_current_members_under_each_council_and_officers_also_see_former_ones() {
    let app = TestApp::spawn_demo().await;
    let pat = register_pat(&app);
    let public = app.get("/complaints/new").await;
    public
        .assert_status(200)
        .assert_contains(&format!("value=\"{}\"", pat.district))
        .assert_contains(&format!("value=\"{}\"", pat.parish))
        .assert_contains("<optgroup label=\"Northfield Parish Council\">")
        .assert_contains("<optgroup label=\"Southvale District Council\">")
        .assert_lacks(&format!("value=\"{}\"", pat.former));
    // Pat appears under both councils: once in each group.
    let parish_group = public.body.split("<optgroup label=\"Northfield Parish Council\">").nth(1).unwrap();
    let parish_group = parish_group.split("</optgroup>").next().unwrap();
    assert!(parish_group.contains(&pat.parish) && parish_group.contains("Pat Parker"));
    let district_group = public.body.split("<optgroup label=\"Southvale District Council\">").nth(1).unwrap();
    let district_group = district_group.split("</optgroup>").next().unwrap();
    assert!(district_group.contains(&pat.district) && district_group.contains("Pat Parker"));

    // A former membership cannot be chosen on the public form, even by sending its id.
    let fields = with(&complaint(&app), "councillor", &pat.former);
    app.post_multipart("/complaints/new", &refs(&fields), &[("files", "post.png", PNG)])
        .await
        .assert_status(422)
        .assert_contains("Select a councillor from the list");

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get("/cases/new")
        .await
        .assert_status(200)
        .assert_contains(&format!("value=\"{}\"", pat.former))
        .assert_contains("Pat Parker (former, until 3 May 2023)");
}

#[actix_web::test]
async fn the_register_links_evidence_prefills_g1_and_suggests_the_council_the_account_presents() {
    let app = TestApp::spawn_demo().await;
    let pat = register_pat(&app);
    // The complaint's link is to the post on twitter.com: it canonicalises under the parish account.
    let case = public_complaint(&app, &pat.parish, "https://twitter.com/PatChairNorthfield/status/17001?s=20").await;
    let items = evidence_rows::list_items(&mut app.conn(), &case.id).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].member_account_id.as_deref(),
        Some(pat.parish_account.as_str()),
        "linked to the parish account"
    );

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get(&format!("/cases/{}/evidence/E1", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Captured from @PatChairNorthfield (X")
        .assert_contains("registered as the official account of Northfield Parish Council");

    let form = officer.get(&format!("/cases/{}/assessments/new?member={}", case.reference, pat.member)).await;
    form.assert_status(200)
        .assert_contains("Suggested answer to G1: <strong>Yes</strong>")
        .assert_contains("Northfield Parish Council: Chair, from 4 May 2023 (current)")
        .assert_contains("Read on 3 March 2026, the date of the conduct given in the complaint")
        .assert_contains("E1 was captured from @PatChairNorthfield, registered as presenting Northfield Parish Council")
        .assert_contains(
            "Northfield Parish Council, because the account @PatChairNorthfield presents Northfield Parish Council",
        )
        .assert_contains("name=\"answer_G1\" type=\"radio\" value=\"yes\" checked")
        .assert_lacks("name=\"role_used_reason\"");

    let user = app.user("officer@southvale.example");
    let actor = Actor::user(&user.id, &user.name, None);
    let mut input = answers(Some(&items[0].id));
    fill_unanswered(&app, &mut input);
    let a = assessment::assess(&mut app.conn(), &actor, &user, &case.reference, &pat.member, &input).unwrap();
    assert_eq!(a.suggested_authority_id.as_deref(), Some(app.authority_id("northfield").as_str()));
    assert!(a.dual_hatted, "a member of two councils on the date");
    assert_eq!(a.role_used_reason, None, "the account settles it: no choice needed");
    officer
        .get(&format!("/cases/{}/assessments/{}", case.reference, a.id))
        .await
        .assert_status(200)
        .assert_contains("Suggested: Northfield Parish Council, because the account @PatChairNorthfield presents")
        .assert_contains("the date of the post in E1");

    // The day after the election of 7 May 2026, every membership ends; a post made afterwards
    // pre-fills G1 "no", showing the memberships and why none covers the date.
    diesel::update(memberships::table.filter(memberships::member_id.eq(&pat.member)))
        .filter(memberships::ended_on.is_null())
        .set((memberships::ended_on.eq(Some(day(2026, 5, 8))), memberships::end_reason.eq(Some("not-re-elected"))))
        .execute(&mut app.conn())
        .unwrap();
    let later = CaseBuilder::new()
        .member("Pat Parker", "northfield")
        .platform("x")
        .url("https://x.com/patparker/status/18002")
        .what("A post after the election")
        .conduct(day(2026, 6, 10))
        .log(&app);
    officer
        .get(&format!("/cases/{}/assessments/new?member={}", later.reference, pat.member))
        .await
        .assert_status(200)
        .assert_contains("Suggested answer to G1: <strong>No</strong>")
        .assert_contains("None of the memberships in the register covers 10 June 2026")
        .assert_contains("Northfield Parish Council: Chair, from 4 May 2023 to 8 May 2026")
        .assert_contains("Southvale District Council: Member, from 4 May 2023 to 8 May 2026")
        .assert_contains("name=\"answer_G1\" type=\"radio\" value=\"no\" checked");
}

#[actix_web::test]
async fn a_member_of_two_councils_posting_from_a_personal_account_needs_the_officer_to_choose_and_say_why() {
    let app = TestApp::spawn_demo().await;
    let pat = register_pat(&app);
    let case = public_complaint(&app, &pat.district, "https://x.com/patparker/status/17555").await;
    let items = evidence_rows::list_items(&mut app.conn(), &case.id).unwrap();
    assert_eq!(items[0].member_account_id.as_deref(), Some(pat.personal_account.as_str()));

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/assessments/new?member={}", case.reference, pat.member);
    officer
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("registered as a personal account")
        .assert_contains("no suggestion: member of 2 councils on 3 March 2026")
        .assert_contains("choose whose role was used and say why")
        .assert_contains("name=\"role_used_reason\"");

    let user = app.user("officer@southvale.example");
    let actor = Actor::user(&user.id, &user.name, None);
    let mut input = answers(Some(&items[0].id));
    fill_unanswered(&app, &mut input);
    let refused = assessment::assess(&mut app.conn(), &actor, &user, &case.reference, &pat.member, &input);
    assert!(
        matches!(&refused, Err(ServiceError::Invalid(e)) if e.has("role_used") && e.has("role_used_reason")),
        "{refused:?}"
    );
    input.role_used = app.authority_id("northfield");
    let refused = assessment::assess(&mut app.conn(), &actor, &user, &case.reference, &pat.member, &input);
    assert!(matches!(&refused, Err(ServiceError::Invalid(e)) if e.has("role_used_reason") && !e.has("role_used")));

    // Through the page: the summary names the missing reason and keeps what was chosen.
    let mut fields: Vec<(String, String)> = vec![("member".into(), pat.member.clone())];
    for (k, v) in &input.answers {
        fields.push((format!("answer_{k}"), v.clone()));
    }
    fields.push(("role_used".into(), input.role_used.clone()));
    let res = officer.post_form(&format!("/cases/{}/assessments", case.reference), &refs(&fields)).await;
    res.assert_status(422).assert_contains("Say why you chose that council");
    assert_eq!(assessment_count(&app, &case), 0, "nothing saved");

    input.role_used_reason = "The post was about the parish allotments".into();
    let a = assessment::assess(&mut app.conn(), &actor, &user, &case.reference, &pat.member, &input).unwrap();
    assert_eq!(a.suggested_authority_id.as_deref(), Some(app.authority_id("northfield").as_str()));
    assert_eq!(a.role_used_reason.as_deref(), Some("The post was about the parish allotments"));
    officer
        .get(&format!("/cases/{}/assessments/{}", case.reference, a.id))
        .await
        .assert_status(200)
        .assert_contains("the officer chose Northfield Parish Council")
        .assert_contains("The officer's reason: The post was about the parish allotments");
}

fn assessment_count(app: &TestApp, case: &Case) -> usize {
    standards_desk::models::assessment::assessments_for_case(&mut app.conn(), &case.id).unwrap().len()
}

#[actix_web::test]
async fn evidence_captured_by_an_officer_is_linked_by_platform_and_handle() {
    let app = TestApp::spawn_demo().await;
    let pat = register_pat(&app);
    let case = CaseBuilder::new().member("Pat Parker", "northfield").platform("x").conduct(day(2026, 3, 3)).log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/evidence/new", case.reference);
    officer.get(&path).await.assert_status(200);
    let fields = [
        ("kind", "post"),
        ("source", "officer"),
        ("title", "Post from the chair's account"),
        ("platform", "x"),
        // The web link names no handle: only the handle captured matches the register.
        ("url", "https://x.com/i/web/status/17999"),
        ("account_handle", "@patchairnorthfield"),
        ("post_text", "Allotment rents are going up."),
        ("posted_day", "3"),
        ("posted_month", "3"),
        ("posted_year", "2026"),
        ("posted_time", "10:00"),
        ("captured_day", "4"),
        ("captured_month", "3"),
        ("captured_year", "2026"),
        ("captured_time", "09:30"),
    ];
    officer.post_multipart(&path, &fields, &[("files", "post.png", PNG)]).await.assert_status(303);
    let items = evidence_rows::list_items(&mut app.conn(), &case.id).unwrap();
    let item = items.last().unwrap();
    assert_eq!(item.member_account_id.as_deref(), Some(pat.parish_account.as_str()));
    officer
        .get(&format!("/cases/{}/evidence/E{}", case.reference, item.number))
        .await
        .assert_status(200)
        .assert_contains("registered as the official account of Northfield Parish Council");
}
