//! Accessibility beyond axe (issue 23): a form sent after the session expired is kept and given
//! back after sign-in (WCAG 2.2.1), the timeout warning, titles that tell pages apart (2.4.2),
//! conditional questions without JavaScript and tables in scroll regions (1.4.10). The real-browser
//! checks (reflow at 320 px, the warning opening, the honeypot out of the accessibility tree) are
//! in browser.rs.

use crate::fixtures::{complaint, submit_public, CaseBuilder, PNG};
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;
use standards_desk::services::signed_out;

/// A case whose capacity assessment the Monitoring Officer has concluded: ready for the decision.
pub fn ready_for_decision(app: &TestApp) -> Case {
    let case = concluded(app);
    crate::gates::told_and_responded(app, &case);
    case
}

/// A logged case whose member's capacity is concluded (official), the member not yet told.
pub fn concluded(app: &TestApp) -> Case {
    let case = CaseBuilder::new()
        .member("Alex Archer", "southvale")
        .platform("facebook")
        .url("https://example.org/a")
        .what("Calls an officer a liar")
        .field("why_official", "See the post.")
        .log(app);
    let mo = app.user("mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let mut input = AnswerInput::default();
    for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        let yes = code.starts_with('G') || code == "C3" || code == "C6";
        input.answers.insert(code.into(), if yes { "yes" } else { "no" }.into());
    }
    let a = assessment::assess(&mut app.conn(), &actor, &mo, &case.reference, &app.member_id("Alex Archer"), &input)
        .unwrap();
    assessment::conclude(&mut app.conn(), &actor, &mo, &a.id, "OFFICIAL", &app.authority_id("southvale"), "").unwrap();
    case
}

fn status_of(app: &TestApp, case: &Case) -> String {
    case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap().status.as_str().to_string()
}

#[actix_web::test]
async fn a_decision_sent_after_the_session_expired_is_kept_and_given_back_after_sign_in() {
    let app = TestApp::spawn_demo().await;
    let case = ready_for_decision(&app);
    let path = format!("/cases/{}/decision", case.reference);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&path).await.assert_status(200);
    let before = status_of(&app, &case);
    let audit_before = rows::count(&app, "audit_log");

    // The officer types, goes away, and sends the form after the idle timeout.
    rows::expire_sessions(&app);
    let reasons = "Trivial: a single intemperate remark, already removed & apologised for.";
    let sent = mo
        .post_form(&path, &[("outcome", "no-further-action"), ("reason_category", "trivial"), ("reasons", reasons)])
        .await;
    sent.assert_status(303);
    let to = sent.location().unwrap().to_string();
    assert!(to.starts_with("/login?next=%2Fcases%2F"), "{to}");
    assert!(to.contains("expired=idle") && to.contains("kept=1"), "{to}");
    // Nothing is recorded: the case, the decisions and the audit log are as they were.
    assert_eq!(status_of(&app, &case), before);
    assert_eq!(rows::count(&app, "decisions"), 0);
    assert_eq!(rows::count(&app, "audit_log"), audit_before);
    assert_eq!(rows::count(&app, "signed_out_forms"), 1, "what was sent is kept");

    let login = mo.follow(&sent).await;
    login
        .assert_status(200)
        .assert_contains("You were signed out after 30 minutes without activity.")
        .assert_contains("What you sent has not been saved yet");
    let next = login.body.split("name=\"next\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(next.starts_with(&format!("{path}?restore=")), "{next}");
    let id = next.split("restore=").nth(1).unwrap().to_string();

    // The kept form is its sender's only.
    let officer = app.user("officer@southvale.example");
    assert!(signed_out::take(&mut app.conn(), &id, &officer.id, &path).unwrap().is_none());

    // Signing in goes back to the form, filled in as it was sent, once.
    let password = mo
        .post_form("/login", &[("email", "mo@southvale.example"), ("password", "demo-password"), ("next", &next)])
        .await;
    // The Monitoring Officer's second factor keeps where the sign-in goes next.
    let signed_in = mo.pass_second_factor("mo@southvale.example", password).await;
    assert_eq!(signed_in.location(), Some(next.as_str()));
    let form = mo.follow(&signed_in).await;
    form.assert_status(200)
        .assert_contains("You were signed out before your form was sent, so nothing was saved.")
        .assert_contains("Your answers are filled in below")
        .assert_contains(r#"value="no-further-action" checked"#)
        .assert_contains(r#"value="trivial" checked"#)
        .assert_contains("Trivial: a single intemperate remark, already removed &amp; apologised for.</textarea>");
    // Each follow-up question sits under its option (the stylesheet shows it while the option is
    // chosen: browser.rs checks that, with and without JavaScript).
    let nfa = form.body.find(r#"value="no-further-action" checked"#).unwrap();
    let question = form.body.find(r#"<div class="govuk-radios__conditional" id="conditional-outcome-2">"#).unwrap();
    let next_option = form.body.find(r#"value="informal-resolution""#).unwrap();
    assert!(nfa < question && question < next_option);
    assert!(form.body[question..next_option].contains("Why is no further action needed?"));
    form.assert_contains(r#"<div class="govuk-radios__conditional" id="conditional-outcome-5">"#);
    assert_eq!(rows::count(&app, "signed_out_forms"), 0, "given back once");
    mo.get(&path).await.assert_status(200).assert_lacks("nothing was saved").assert_lacks(r#"value="trivial" checked"#);
    assert_eq!(status_of(&app, &case), before, "still nothing recorded");
    assert_eq!(rows::count(&app, "decisions"), 0);

    // Sent again, it is recorded.
    let res = mo
        .post_form(&path, &[("outcome", "no-further-action"), ("reason_category", "trivial"), ("reasons", reasons)])
        .await;
    res.assert_status(303);
    assert_eq!(rows::count(&app, "decisions"), 1);
    assert_eq!(status_of(&app, &case), "closed");
}

#[actix_web::test]
async fn a_form_on_an_expired_session_without_its_token_is_refused_and_not_kept() {
    let app = TestApp::spawn_demo().await;
    let case = ready_for_decision(&app);
    let path = format!("/cases/{}/decision", case.reference);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    rows::expire_sessions(&app);
    let res = mo
        .post_form_raw(&path, &[("_csrf", &"0".repeat(64)), ("outcome", "investigation"), ("reasons", "Forged")])
        .await;
    res.assert_status(403);
    assert_eq!(rows::count(&app, "signed_out_forms"), 0);
    assert_eq!(rows::count(&app, "decisions"), 0);
}

#[actix_web::test]
async fn a_form_with_files_sent_after_the_session_expired_goes_to_sign_in_and_says_it_was_not_kept() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/evidence/new", case.reference);
    officer.get(&path).await.assert_status(200);
    let files_before = rows::count(&app, "stored_files");
    rows::expire_sessions(&app);
    let res = officer.post_multipart(&path, &[("title", "A post")], &[("files", "shot.png", PNG)]).await;
    res.assert_status(303);
    let to = res.location().unwrap().to_string();
    assert!(to.starts_with("/login?next=%2Fcases%2F") && to.contains("lost=1"), "{to}");
    officer
        .follow(&res)
        .await
        .assert_status(200)
        .assert_contains("You were signed out after 30 minutes without activity.")
        .assert_contains("The form you sent had files, so it could not be kept.");
    assert_eq!(rows::count(&app, "stored_files"), files_before, "no file is stored");
    assert_eq!(rows::count(&app, "signed_out_forms"), 0);
}

#[actix_web::test]
async fn staff_pages_carry_the_timeout_warning_and_stay_signed_in_renews_the_session() {
    let app = TestApp::spawn_demo().await;
    let public = app.get("/").await;
    public.assert_status(200).assert_lacks("sd-timeout");
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let page = mo.get("/dashboard").await;
    page.assert_status(200)
        .assert_contains(r#"<dialog class="sd-timeout" id="sd-timeout""#)
        .assert_contains(r#"data-warn-before="120""#)
        .assert_contains("Stay signed in")
        .assert_contains("you are signed out after 30 minutes without activity");
    let expires_in: i64 =
        page.body.split("data-expires-in=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    assert!((1700..=1800).contains(&expires_in), "{expires_in}");

    let res = mo.post_form("/session/keep-alive", &[]).await;
    res.assert_status(200);
    assert!(res.body.contains("\"expires_in_seconds\":"), "{}", res.body);
    // Once expired, "Stay signed in" is refused (the page then says the user was signed out).
    rows::expire_sessions(&app);
    mo.post_form("/session/keep-alive", &[]).await.assert_status(403);
    assert_eq!(rows::count(&app, "signed_out_forms"), 0, "a keep-alive is not a form to keep");
}

#[actix_web::test]
async fn signing_out_after_the_session_expired_signs_out() {
    let app = TestApp::spawn_demo().await;
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    rows::expire_sessions(&app);
    let res = mo.post_form("/logout", &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/login"));
    assert_eq!(rows::count(&app, "signed_out_forms"), 0);
}

#[actix_web::test]
async fn page_titles_tell_pages_apart() {
    let app = TestApp::spawn_demo().await;
    let title = |body: &str| body.split("<title>").nth(1).unwrap().split("</title>").next().unwrap().to_string();
    let start = title(&app.get("/").await.ok_body());
    let form = title(&app.get("/complaints/new").await.ok_body());
    assert_ne!(start, form);
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    for _ in 0..25 {
        CaseBuilder::new().member("Alex Archer", "southvale").what("Another post").log(&app);
    }
    let all = title(&officer.get("/cases").await.ok_body());
    assert_eq!(all, "Cases, page 1 of 2 – Standards Desk");
    let second = title(&officer.get("/cases?page=2").await.ok_body());
    assert_eq!(second, "Cases, page 2 of 2 – Standards Desk");
    let filtered = title(&officer.get("/cases?q=liar&status=acknowledged").await.ok_body());
    assert_eq!(filtered, "Cases (matching \u{201c}liar\u{201d}, status Acknowledged) – Standards Desk");
    let members = title(&officer.get(&format!("/admin/members?council={}", app.authority_id("southvale"))).await.body);
    assert!(members.starts_with("Register of members, Southvale"), "{members}");
    // An evidence page names the item, its title and the case.
    let evidence = title(&officer.get(&format!("/cases/{}/evidence/E1", case.reference)).await.ok_body());
    assert!(
        evidence.starts_with("E1: ") && evidence.ends_with(&format!(", case {} – Standards Desk", case.reference)),
        "{evidence}"
    );
}

#[actix_web::test]
async fn tables_scroll_in_their_own_labelled_focusable_region() {
    let app = TestApp::spawn_demo().await;
    CaseBuilder::new().member("Alex Archer", "southvale").what("Calls an officer a liar").log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let list = officer.get("/cases").await;
    list.assert_status(200)
        .assert_contains(r#"<div class="sd-table-region" role="region" aria-label="Cases" tabindex="0">"#);
    let tables = list.body.matches("<table").count();
    assert_eq!(list.body.matches(r#"class="sd-table-region" role="region""#).count(), tables);
}

/// Tampering, for the timeout tests: every session was last used now and ends this many seconds
/// from now (a request within the next minute does not renew it).
pub fn sessions_end_in(app: &TestApp, seconds: i64) {
    use diesel::prelude::*;
    use standards_desk::db::schema::sessions;
    let now = chrono::Utc::now().naive_utc();
    let at = now + chrono::Duration::seconds(seconds);
    diesel::update(sessions::table)
        .set((sessions::last_seen_at.eq(now), sessions::expires_at.eq(at)))
        .execute(&mut app.conn())
        .expect("sessions");
}

/// When the user's latest session ends.
pub fn session_end(app: &TestApp, user_id: &str) -> chrono::NaiveDateTime {
    use diesel::prelude::*;
    use standards_desk::db::schema::sessions;
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .select(diesel::dsl::max(sessions::expires_at))
        .first::<Option<chrono::NaiveDateTime>>(&mut app.conn())
        .expect("sessions")
        .expect("a session")
}
