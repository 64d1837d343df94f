//! The complainant's and the member's own page (issue 21): access through emailed single-use
//! links into a party session for one case, what each side sees and sends, and what officers
//! see and do about it on the case page.

use crate::fixtures::{complaint, submit_public, with, PNG};
use crate::harness::TestApp;
use diesel::prelude::*;
use standards_desk::db::schema::{
    custody_log, evidence_files, evidence_items, evidence_versions, party_items, party_links,
};
use standards_desk::models::case::Case;
use standards_desk::services::audit::Actor;
use standards_desk::services::auth::sha256_hex;

const DEMO: &str = "demo-password";

/// The first address in a letter's text that starts with `BASE_URL` + `path`.
pub(crate) fn link_in(body: &str, path: &str) -> String {
    let at = body.find(path).unwrap_or_else(|| panic!("no {path} link in:\n{body}"));
    body[at..].split_whitespace().next().expect("a link").to_string()
}

/// The newest email of a template to an address.
fn newest(app: &TestApp, template: &str, to: &str) -> standards_desk::models::outbox::OutboxMessage {
    app.emails()
        .into_iter()
        .rfind(|m| m.template == template && m.to_address == to)
        .unwrap_or_else(|| panic!("no {template} email to {to}"))
}

/// Uses an invitation from a letter, then the emailed sign-in link: the party's browser, signed
/// in to their page.
pub(crate) async fn sign_in_with(app: &TestApp, invitation: &str, email: &str) -> TestApp {
    let party = app.new_browser();
    party.get(invitation).await.assert_status(200).assert_contains("Email me a link to sign in");
    party.post_form(invitation, &[]).await.assert_status(200).assert_contains("Check your email");
    let sign_in = link_in(&newest(app, "party_sign_in", email).body_text, "/my-case/sign-in/");
    party.get(&sign_in).await.assert_status(200).assert_contains("Continue to your page");
    let res = party.post_form(&sign_in, &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/my-case"));
    party
}

/// The complainant of a public complaint, signed in through the link in their acknowledgement.
pub(crate) async fn complainant_signed_in(app: &TestApp, email: &str) -> TestApp {
    let invitation = link_in(&newest(app, "acknowledgement", email).body_text, "/my-case/");
    sign_in_with(app, &invitation, email).await
}

/// Tells Alex Archer of the complaint (as the officer) and signs them in through the link in
/// the notification.
pub(crate) async fn member_signed_in(app: &TestApp, case: &Case) -> TestApp {
    let officer = app.user("officer@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    // A case walked to its hearing has told the member already (a decision waits for that).
    match standards_desk::services::cases::notify_member(
        &mut app.conn(),
        &actor,
        &officer,
        &case.reference,
        &app.member_id("Alex Archer"),
    ) {
        Ok(()) | Err(standards_desk::services::ServiceError::Refused(_)) => {}
        Err(e) => panic!("member notified: {e:?}"),
    }
    let letter = newest(app, "member_notification", "alex.archer@southvale.example");
    let invitation = link_in(&letter.body_text, "/my-case/");
    sign_in_with(app, &invitation, "alex.archer@southvale.example").await
}

fn path_of(link: &str) -> String {
    let after = link.split_once("://").map(|(_, r)| r).unwrap_or(link);
    format!("/{}", after.split_once('/').map(|(_, p)| p).unwrap_or_default())
}

async fn officer(app: &TestApp) -> TestApp {
    let b = app.new_browser();
    b.login("officer@southvale.example", DEMO).await;
    b
}

fn party_item(app: &TestApp, case_id: &str, kind: &str) -> String {
    party_items::table
        .filter(party_items::case_id.eq(case_id))
        .filter(party_items::kind.eq(kind))
        .select(party_items::id)
        .first(&mut app.conn())
        .expect("a party item")
}

#[actix_web::test]
async fn a_complainant_sends_a_screenshot_and_a_message_and_the_officer_accepts_the_screenshot_as_evidence() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    // The acknowledgement carries the link, which works once, for 30 days.
    let letter = newest(&app, "acknowledgement", "jo@example.com");
    assert!(letter.body_text.contains("This link works once, for 30 days"), "{}", letter.body_text);
    let party = sign_in_with(&app, &path_of(&link_in(&letter.body_text, "/my-case/")), "jo@example.com").await;
    // Only the token's hash is stored.
    let stored: Vec<String> = party_links::table.select(party_links::id).load(&mut app.conn()).unwrap();
    assert!(stored.iter().all(|h| !letter.body_text.contains(h.as_str())));
    // The invitation is used up.
    let used = link_in(&letter.body_text, "/my-case/");
    party.get(&used).await.assert_status(410).assert_contains("already been used");

    let shot = [PNG, b"a screenshot of the reply".as_slice()].concat();
    let page = party.get("/my-case").await;
    page.assert_status(200)
        .assert_contains(&case.reference)
        .assert_contains("Called a named planning officer incompetent and a liar.")
        .assert_contains("What happens next")
        .assert_contains("The Monitoring Officer will decide whether the complaint should be taken further");
    party
        .post_multipart(
            "/my-case/evidence",
            &[("description", "Screenshot of the reply he posted")],
            &[("files", "reply.png", &shot)],
        )
        .await
        .assert_status(303);
    party
        .post_multipart("/my-case/messages", &[("message", "I have found another witness.")], &[])
        .await
        .assert_status(303);
    party.get("/my-case").await.assert_status(200).assert_contains("I have found another witness.");

    // The officers are told there is something, not what.
    let told: Vec<_> = app.emails().into_iter().filter(|m| m.template == "party_message").collect();
    assert!(!told.is_empty());
    assert!(told.iter().all(|m| m.subject == format!("You have a new message about {}", case.reference)));
    assert!(told.iter().all(|m| !m.body_text.contains("another witness") && !m.body_text.contains("reply he posted")));

    let officer = officer(&app).await;
    let page = format!("/cases/{}", case.reference);
    officer
        .get(&page)
        .await
        .assert_status(200)
        .assert_contains("I have found another witness.")
        .assert_contains("Screenshot of the reply he posted")
        .assert_contains("Accept as evidence")
        .assert_contains("Viewed their page");
    let item = party_item(&app, &case.id, "evidence");
    let before: i64 =
        evidence_items::table.filter(evidence_items::case_id.eq(&case.id)).count().get_result(&mut app.conn()).unwrap();
    let res = officer
        .post_form(&format!("/cases/{}/party-items/{item}/decide", case.reference), &[("decision", "accept")])
        .await;
    res.assert_status(303);
    officer.follow(&res).await.assert_status(200).assert_contains("Evidence accepted as E");
    // It is evidence now, with its SHA-256, and a custody entry naming who supplied it.
    let sha = sha256_hex(&shot);
    let (item_id, source): (String, String) = evidence_items::table
        .inner_join(evidence_files::table)
        .filter(evidence_items::case_id.eq(&case.id))
        .filter(evidence_files::sha256.eq(&sha))
        .select((evidence_items::id, evidence_items::source))
        .first(&mut app.conn())
        .expect("an evidence item with the screenshot");
    assert_eq!(source, "complainant");
    let after: i64 =
        evidence_items::table.filter(evidence_items::case_id.eq(&case.id)).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(after, before + 1);
    let details: Vec<String> = custody_log::table
        .filter(custody_log::item_id.eq(&item_id))
        .select(custody_log::details)
        .load(&mut app.conn())
        .unwrap();
    assert!(details.iter().any(|d| d.contains("the complainant, Jo Public")), "{details:?}");
    // Accepting twice is refused.
    officer
        .post_form(&format!("/cases/{}/party-items/{item}/decide", case.reference), &[("decision", "accept")])
        .await
        .assert_status(303);
    // The complainant sees it accepted.
    party.get("/my-case").await.assert_status(200).assert_contains("Accepted as evidence");
    // Every access is in the access audit the Monitoring Officer reads.
    let mo = app.new_browser();
    mo.login("mo@southvale.example", DEMO).await;
    mo.get("/access-log")
        .await
        .assert_status(200)
        .assert_contains("The complainant (their own page)")
        .assert_contains("Opened the page of their link")
        .assert_contains("Signed in")
        .assert_contains("Viewed their page")
        .assert_contains("Sent something");
}

#[actix_web::test]
async fn an_expired_or_revoked_link_refuses_with_a_clear_page() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let letter = newest(&app, "acknowledgement", "jo@example.com");
    let invitation = link_in(&letter.body_text, "/my-case/");
    // Expired.
    diesel::update(party_links::table)
        .set(party_links::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::days(1)))
        .execute(&mut app.conn())
        .unwrap();
    let b = app.new_browser();
    b.get(&invitation)
        .await
        .assert_status(410)
        .assert_contains("This link has expired.")
        .assert_contains("Ask for a new link");
    b.post_form(&invitation, &[]).await.assert_status(410).assert_contains("This link has expired.");
    assert!(app.emails().iter().all(|m| m.template != "party_sign_in"));
    // A made-up link.
    b.get(&format!("/my-case/{}", "ab".repeat(32))).await.assert_status(404).assert_contains("not recognised");
    b.get("/my-case/not-a-token").await.assert_status(404);

    // A new link asked for with the reference and address, then revoked by the officer.
    b.get("/my-case").await.assert_status(200);
    b.post_form("/my-case/new-link", &[("reference", &case.reference), ("email", "JO@example.com")])
        .await
        .assert_status(200)
        .assert_contains("Check your email");
    // The same answer for an address not on the case, and nothing sent.
    let sent = app.emails().iter().filter(|m| m.template == "party_sign_in").count();
    b.post_form("/my-case/new-link", &[("reference", &case.reference), ("email", "someone@example.com")])
        .await
        .assert_status(200)
        .assert_contains("Check your email");
    assert_eq!(app.emails().iter().filter(|m| m.template == "party_sign_in").count(), sent);
    // Bad input is shown on the form, kept.
    b.post_form("/my-case/new-link", &[("reference", ""), ("email", "not an address")])
        .await
        .assert_status(422)
        .assert_contains("Enter your reference number")
        .assert_contains("not an address");

    let sign_in = link_in(&newest(&app, "party_sign_in", "jo@example.com").body_text, "/my-case/sign-in/");
    // A session from an earlier sign-in ends when the officer revokes.
    let earlier = {
        let s = app.new_browser();
        s.get("/my-case").await;
        s.post_form("/my-case/new-link", &[("reference", &case.reference), ("email", "jo@example.com")]).await;
        let l = link_in(&newest(&app, "party_sign_in", "jo@example.com").body_text, "/my-case/sign-in/");
        s.get(&l).await.assert_status(200);
        s.post_form(&l, &[]).await.assert_status(303);
        s.get("/my-case").await.assert_status(200).assert_contains("Your complaint");
        s
    };
    let officer = officer(&app).await;
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    let res =
        officer.post_form(&format!("/cases/{}/parties/complainant/{complaint_id}/revoke", case.reference), &[]).await;
    res.assert_status(303);
    officer.follow(&res).await.assert_status(200).assert_contains("Links withdrawn");
    b.get(&sign_in).await.assert_status(410).assert_contains("withdrawn by the Monitoring Officer");
    earlier
        .get("/my-case")
        .await
        .assert_status(200)
        .assert_contains("Your session has ended")
        .assert_lacks("Your complaint as you sent it");
    assert!(crate::rows::audited(&app, "party.links_revoked") == 1);
}

#[actix_web::test]
async fn an_officer_signs_out_a_party_who_has_used_every_link() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let letter = newest(&app, "acknowledgement", "jo@example.com");
    let party = sign_in_with(&app, &path_of(&link_in(&letter.body_text, "/my-case/")), "jo@example.com").await;
    party.get("/my-case").await.assert_status(200).assert_contains("Your complaint");
    // The invitation and the sign-in link are both used: no link works, but the session does,
    // and the officer can still end it.
    let officer = officer(&app).await;
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("signed in now")
        .assert_contains("Withdraw links and sign out");
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    officer
        .post_form(&format!("/cases/{}/parties/complainant/{complaint_id}/revoke", case.reference), &[])
        .await
        .assert_status(303);
    // Whoever still holds the withdrawn session's cookie cannot leave words on the party's page.
    party
        .post_multipart("/my-case/messages", &[("message", "Planted words")], &[])
        .await
        .assert_status(200)
        .assert_contains("Your session has ended")
        .assert_lacks("We have kept what you wrote");
    let drafts: i64 = standards_desk::db::schema::party_drafts::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(drafts, 0);
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_lacks("signed in now")
        .assert_lacks("Withdraw links and sign out");
}

#[actix_web::test]
async fn a_partys_files_count_against_a_daily_upload_quota() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let letter = newest(&app, "acknowledgement", "jo@example.com");
    let party = sign_in_with(&app, &path_of(&link_in(&letter.body_text, "/my-case/")), "jo@example.com").await;
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    // A day's quota already used by this party.
    standards_desk::models::file::insert_anonymous_upload(
        &mut app.conn(),
        "used-today",
        &format!("party:complainant:{complaint_id}"),
        standards_desk::services::rate_limit::ANONYMOUS_UPLOAD_FILES_PER_DAY as i32,
        1024,
        chrono::Utc::now().naive_utc(),
    )
    .unwrap();
    let before: i64 = party_items::table.count().get_result(&mut app.conn()).unwrap();
    party
        .post_multipart("/my-case/evidence", &[("description", "One more screenshot")], &[("files", "more.png", PNG)])
        .await
        .assert_status(422)
        .assert_contains("The files were not added")
        .assert_contains("One more screenshot");
    let after: i64 = party_items::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(before, after, "nothing is kept from a refused send");
}

#[actix_web::test]
async fn asking_for_new_links_sends_a_party_at_most_three_an_hour_whoever_asks() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let sent = || app.emails().iter().filter(|m| m.template == "party_sign_in").count();
    for n in 0..5 {
        // A different connection each time: the per-address limit does not apply.
        let b = app.new_browser();
        *b.peer.borrow_mut() = format!("198.51.100.{n}:4000");
        b.get("/my-case").await.assert_status(200);
        b.post_form("/my-case/new-link", &[("reference", &case.reference), ("email", "jo@example.com")])
            .await
            .assert_status(200)
            .assert_contains("Check your email");
    }
    assert_eq!(sent(), 3);
}

#[actix_web::test]
async fn on_a_closed_case_the_officer_still_withdraws_links_and_opens_files_but_decides_nothing() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let letter = newest(&app, "acknowledgement", "jo@example.com");
    let party = sign_in_with(&app, &path_of(&link_in(&letter.body_text, "/my-case/")), "jo@example.com").await;
    party
        .post_multipart("/my-case/evidence", &[("description", "Late screenshot")], &[("files", "late.png", PNG)])
        .await
        .assert_status(303);
    diesel::update(standards_desk::db::schema::cases::table.filter(standards_desk::db::schema::cases::id.eq(&case.id)))
        .set(standards_desk::db::schema::cases::status.eq("closed"))
        .execute(&mut app.conn())
        .unwrap();
    let officer = officer(&app).await;
    let page = officer.get(&format!("/cases/{}", case.reference)).await;
    page.assert_status(200).assert_contains("Late screenshot").assert_lacks("Accept as evidence");
    let file: String = standards_desk::db::schema::party_files::table
        .select(standards_desk::db::schema::party_files::id)
        .first(&mut app.conn())
        .unwrap();
    officer.get(&format!("/cases/{}/party-files/{file}", case.reference)).await.assert_status(200);
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    let res =
        officer.post_form(&format!("/cases/{}/parties/complainant/{complaint_id}/revoke", case.reference), &[]).await;
    res.assert_status(303);
    officer.follow(&res).await.assert_status(200).assert_contains("Links withdrawn");
    party.get("/my-case").await.assert_status(200).assert_contains("Your session has ended");
}

#[actix_web::test]
async fn the_member_opens_the_draft_report_they_are_asked_to_comment_on() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    crate::hearing::appoint(&app, &case);
    let inv = app.new_browser();
    inv.login("investigator@southvale.example", "demo-password").await;
    let now = chrono::Utc::now();
    inv.post_multipart(
        &format!("/cases/{}/investigation/entries", case.reference),
        &[
            ("kind", "draft-report"),
            ("title", "Draft report"),
            ("body", ""),
            ("occurred_day", &now.format("%-d").to_string()),
            ("occurred_month", &now.format("%-m").to_string()),
            ("occurred_year", &now.format("%Y").to_string()),
        ],
        &[("file", "draft.pdf", crate::fixtures::PDF)],
    )
    .await
    .assert_status(303);
    let member = member_signed_in(&app, &case).await;
    member
        .get("/my-case")
        .await
        .assert_status(200)
        .assert_contains("The draft investigation report")
        .assert_contains("href=\"/my-case/report\"");
    let res = member.get("/my-case/report").await;
    res.assert_status(200);
    assert_eq!(res.bytes, crate::fixtures::PDF);
    // Not the complainant's to open.
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    jo.get("/my-case/report").await.assert_status(404);
}

#[actix_web::test]
async fn a_complainants_session_reads_neither_another_case_nor_the_members_response_until_it_is_shared() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    *app.peer.borrow_mut() = "203.0.113.9:40000".into();
    let other = submit_public(
        &app,
        &with(&complaint(&app), "complainant_email", "other@example.com"),
        &[("files", "post.png", PNG)],
    )
    .await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    let someone = complainant_signed_in(&app, "other@example.com").await;
    someone
        .post_multipart(
            "/my-case/messages",
            &[("message", "Private to the other case")],
            &[("message_files", "mine.png", PNG)],
        )
        .await
        .assert_status(303);
    // The other case's file and page are not Jo's.
    let file_id: String = standards_desk::db::schema::party_files::table
        .select(standards_desk::db::schema::party_files::id)
        .first(&mut app.conn())
        .unwrap();
    jo.get(&format!("/my-case/files/{file_id}")).await.assert_status(404);
    someone.get(&format!("/my-case/files/{file_id}")).await.assert_status(200);
    jo.get("/my-case")
        .await
        .assert_status(200)
        .assert_contains(&case.reference)
        .assert_lacks(&other.reference)
        .assert_lacks("Private to the other case");
    // A party session is not a staff session.
    let staff = jo.get(&format!("/cases/{}", other.reference)).await;
    staff.assert_status(303);
    assert!(staff.location().unwrap_or_default().starts_with("/login"));
    jo.get(&format!("/cases/{}/party-files/{file_id}", other.reference)).await.assert_status(303);

    // The member responds; the complainant does not see it until an officer shares it.
    let member = member_signed_in(&app, &case).await;
    member
        .post_multipart(
            "/my-case/response",
            &[("response", "I posted it as a private person.")],
            &[("response_files", "statement.png", PNG)],
        )
        .await
        .assert_status(303);
    let member_file: String = standards_desk::db::schema::party_files::table
        .filter(standards_desk::db::schema::party_files::original_name.eq("statement.png"))
        .select(standards_desk::db::schema::party_files::id)
        .first(&mut app.conn())
        .unwrap();
    jo.get(&format!("/my-case/files/{member_file}")).await.assert_status(404);
    jo.get("/my-case").await.assert_status(200).assert_lacks("I posted it as a private person.");
    let officer = officer(&app).await;
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Share with the complainant");
    let item = party_item(&app, &case.id, "response");
    officer.post_form(&format!("/cases/{}/party-items/{item}/share", case.reference), &[]).await.assert_status(303);
    jo.get("/my-case").await.assert_status(200).assert_contains("I posted it as a private person.");
    // A complainant cannot send a member's response, nor a member a withdrawal.
    jo.post_multipart("/my-case/response", &[("response", "Not mine to send")], &[]).await.assert_status(404);
    member.post_form("/my-case/withdraw", &[("reason", "no"), ("confirm", "yes")]).await.assert_status(404);
}

#[actix_web::test]
async fn a_member_responds_before_the_deadline_and_it_shows_on_the_case_and_in_the_bundle() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::at_hearing(&app).await;
    let member = member_signed_in(&app, &case).await;
    let page = member.get("/my-case").await;
    page.assert_status(200)
        .assert_contains("The complaint about you")
        .assert_contains("Please send your response by")
        .assert_contains("Committee Room 1, Southvale House")
        .assert_lacks("This date has passed");
    // Nothing typed: the error summary, nothing recorded.
    member
        .post_multipart("/my-case/response", &[("response", "   ")], &[])
        .await
        .assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("Enter your response");
    member
        .post_multipart(
            "/my-case/response",
            &[("response", "I was acting as a private individual on my own page.")],
            &[("response_files", "statement.pdf", crate::fixtures::PDF)],
        )
        .await
        .assert_status(303);
    member.get("/my-case").await.assert_status(200).assert_contains("You sent this on");
    let officer = officer(&app).await;
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("I was acting as a private individual on my own page.")
        .assert_contains("statement.pdf");
    officer
        .get(&format!("/cases/{}/hearing", case.reference))
        .await
        .assert_status(200)
        .assert_contains("I was acting as a private individual on my own page.");
    let assessment = crate::rows::assessment_id(&app, &case.id);
    officer
        .get(&format!("/cases/{}/assessments/{assessment}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("id=\"member-response\"")
        .assert_contains("I was acting as a private individual on my own page.");
    officer
        .get(&format!("/cases/{}/hearing/bundle", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Response from Alex Archer")
        .assert_contains("I was acting as a private individual on my own page.")
        .assert_contains(&sha256_hex(crate::fixtures::PDF));
    assert_eq!(crate::rows::audited(&app, "party.response"), 1);
}

#[actix_web::test]
async fn a_confidential_complainants_identity_never_appears_on_the_members_page() {
    let app = TestApp::spawn_demo().await;
    let mut answers = complaint(&app);
    for (k, v) in [
        ("confidential", "yes"),
        ("confidential_reason", "I work with the councillor"),
        ("complainant_name", "Quinn Secret"),
        ("complainant_email", "quinn.secret@example.com"),
        ("complainant_phone", "07700 900123"),
        ("what_happened", "I, Quinn Secret, saw the post calling the planning officer a liar."),
    ] {
        answers = with(&answers, k, v);
    }
    let case = submit_public(&app, &answers, &[("files", "post.png", PNG)]).await;
    let member = member_signed_in(&app, &case).await;
    let page = member.get("/my-case").await;
    page.assert_status(200)
        .assert_contains("A complainant who asked not to be named")
        .assert_lacks("Quinn")
        .assert_lacks("quinn.secret@example.com")
        .assert_lacks("07700 900123")
        .assert_lacks("I work with the councillor");
    // Nor after the complainant writes, nor in the member's emails.
    let quinn = complainant_signed_in(&app, "quinn.secret@example.com").await;
    quinn.post_multipart("/my-case/messages", &[("message", "Quinn Secret here again")], &[]).await.assert_status(303);
    member.get("/my-case").await.assert_status(200).assert_lacks("Quinn");
    // Her further evidence becomes evidence the IP and the panel read: her name is not carried
    // into its title or notes.
    quinn
        .post_multipart(
            "/my-case/evidence",
            &[("description", "I, Quinn Secret, took this screenshot")],
            &[("files", "later.png", PNG)],
        )
        .await
        .assert_status(303);
    let item = party_item(&app, &case.id, "evidence");
    officer(&app)
        .await
        .post_form(&format!("/cases/{}/party-items/{item}/decide", case.reference), &[("decision", "accept")])
        .await
        .assert_status(303);
    let words: Vec<(String, Option<String>)> = evidence_versions::table
        .inner_join(evidence_items::table.on(evidence_items::id.eq(evidence_versions::item_id)))
        .filter(evidence_items::case_id.eq(&case.id))
        .select((evidence_versions::title, evidence_versions::notes))
        .load(&mut app.conn())
        .unwrap();
    assert!(words.iter().any(|(t, _)| t.contains("took this screenshot")), "{words:?}");
    assert!(
        words.iter().all(|(t, n)| !t.contains("Quinn") && !n.as_deref().unwrap_or("").contains("Quinn")),
        "{words:?}"
    );
    // Nor into the member's response as the IP and the panel read it.
    member
        .post_multipart("/my-case/response", &[("response", "Quinn Secret has a grudge against me.")], &[])
        .await
        .assert_status(303);
    let hidden = standards_desk::services::notices::withheld_from_viewer(
        &mut app.conn(),
        &case.id,
        &standards_desk::services::access::HEARING_BUNDLE,
    )
    .unwrap();
    let responses =
        standards_desk::services::parties::officer::member_responses(&mut app.conn(), &case.id, &hidden).unwrap();
    assert_eq!(responses.len(), 1);
    assert!(
        responses[0].body.contains("has a grudge against me") && !responses[0].body.contains("Quinn"),
        "{responses:?}"
    );
    assert!(app
        .emails()
        .iter()
        .filter(|m| m.to_address == "alex.archer@southvale.example")
        .all(|m| !m.body_text.contains("Quinn")));
}

#[actix_web::test]
async fn a_message_typed_when_the_session_ended_is_kept_and_given_back_after_signing_in_again() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    jo.get("/my-case").await.assert_status(200);
    diesel::update(standards_desk::db::schema::party_sessions::table)
        .set(
            standards_desk::db::schema::party_sessions::expires_at
                .eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)),
        )
        .execute(&mut app.conn())
        .unwrap();
    jo.post_multipart("/my-case/messages", &[("message", "A long message I do not want to lose")], &[])
        .await
        .assert_status(200)
        .assert_contains("We have kept what you wrote");
    assert_eq!(crate::rows::count(&app, "party_items"), 0);
    jo.post_form("/my-case/new-link", &[("reference", &case.reference), ("email", "jo@example.com")])
        .await
        .assert_status(200);
    let l = link_in(&newest(&app, "party_sign_in", "jo@example.com").body_text, "/my-case/sign-in/");
    jo.get(&l).await.assert_status(200);
    jo.post_form(&l, &[]).await.assert_status(303);
    jo.get("/my-case").await.assert_status(200).assert_contains("A long message I do not want to lose");
}

#[actix_web::test]
async fn the_officer_replies_and_the_party_is_emailed_a_notification_without_the_content() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    let officer = officer(&app).await;
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    officer
        .post_multipart(
            &format!("/cases/{}/parties/complainant/{complaint_id}/reply", case.reference),
            &[("reply", "Thank you: could you send the date of the post?")],
            &[],
        )
        .await
        .assert_status(303);
    let mail = newest(&app, "party_message", "jo@example.com");
    assert_eq!(mail.subject, format!("You have a new message about {}", case.reference));
    assert!(!mail.body_text.contains("date of the post"), "{}", mail.body_text);
    assert!(mail.body_text.contains("/my-case/"));
    jo.get("/my-case")
        .await
        .assert_status(200)
        .assert_contains("Thank you: could you send the date of the post?")
        .assert_contains("Monitoring Officer");
}

/// The complainant of a public complaint on `case` and Alex Archer (told of it now if not yet),
/// each signed in to their page (for the fuzz test).
pub(crate) async fn both_signed_in(app: &TestApp, case: &Case) -> (TestApp, TestApp) {
    let ack = app
        .emails()
        .into_iter()
        .rfind(|m| m.template == "acknowledgement" && m.case_id.as_deref() == Some(case.id.as_str()))
        .expect("an acknowledgement");
    let complainant = sign_in_with(app, &link_in(&ack.body_text, "/my-case/"), &ack.to_address).await;
    let officer = app.user("officer@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    let mut refusals = Vec::new();
    for m in standards_desk::models::member::list_for_case(&mut app.conn(), &case.id).expect("members") {
        if let Err(e) =
            standards_desk::services::cases::notify_member(&mut app.conn(), &actor, &officer, &case.reference, &m.id)
        {
            refusals.push(format!("{}: {e:?}", m.full_name));
        }
    }
    let letter = app
        .emails()
        .into_iter()
        .rfind(|m| m.template == "member_notification" && m.case_id.as_deref() == Some(case.id.as_str()))
        .unwrap_or_else(|| panic!("a member notification ({refusals:?})"));
    let member = sign_in_with(app, &link_in(&letter.body_text, "/my-case/"), &letter.to_address).await;
    (complainant, member)
}

#[actix_web::test]
async fn an_administrator_sets_how_many_days_the_links_work() {
    let app = TestApp::spawn_demo().await;
    let admin = app.new_browser();
    admin.login("admin@southvale.example", DEMO).await;
    admin
        .get("/admin/settings")
        .await
        .assert_status(200)
        .assert_contains("Days a link works")
        .assert_contains("value=\"30\"");
    admin
        .post_form("/admin/settings/party-links", &[("party_link_days", "a fortnight")])
        .await
        .assert_status(422)
        .assert_contains("Enter a whole number of days from 1 to 365")
        .assert_contains("a fortnight");
    admin.post_form("/admin/settings/party-links", &[("party_link_days", "7")]).await.assert_status(303);
    assert_eq!(crate::rows::audited(&app, "settings.party_link_days_changed"), 1);
    submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let letter = newest(&app, "acknowledgement", "jo@example.com");
    assert!(letter.body_text.contains("This link works once, for 7 days"), "{}", letter.body_text);
    let expires: chrono::NaiveDateTime =
        party_links::table.select(party_links::expires_at).first(&mut app.conn()).unwrap();
    let days = (expires - chrono::Utc::now().naive_utc()).num_hours();
    assert!((7 * 24 - 2..=7 * 24).contains(&days), "{days} hours");
    // Only an administrator.
    let officer = officer(&app).await;
    officer.post_form("/admin/settings/party-links", &[("party_link_days", "300")]).await.assert_status(403);
}

/// What is in the textarea named `name` on a page.
fn textarea(body: &str, name: &str) -> String {
    let at = body.match_indices("<textarea").map(|(i, _)| i).find(|&i| {
        let tag_end = body[i..].find('>').map(|e| i + e).unwrap_or(body.len());
        body[i..tag_end].contains(&format!("name=\"{name}\""))
    });
    let at = at.unwrap_or_else(|| panic!("no textarea {name} in:\n{body}"));
    let open = at + body[at..].find('>').expect("the tag's end") + 1;
    let close = open + body[open..].find("</textarea>").expect("the textarea's end");
    body[open..close].to_string()
}

/// Ends every party session on time (as if its idle limit passed a minute ago).
fn time_out_sessions(app: &TestApp) {
    diesel::update(standards_desk::db::schema::party_sessions::table)
        .set(
            standards_desk::db::schema::party_sessions::expires_at
                .eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)),
        )
        .execute(&mut app.conn())
        .unwrap();
}

/// Asks for a new link on the signed-out page and signs in with it (in the same browser).
async fn sign_in_again(app: &TestApp, party: &TestApp, reference: &str, email: &str) {
    party.post_form("/my-case/new-link", &[("reference", reference), ("email", email)]).await.assert_status(200);
    let l = link_in(&newest(app, "party_sign_in", email).body_text, "/my-case/sign-in/");
    party.get(&l).await.assert_status(200);
    party.post_form(&l, &[]).await.assert_status(303);
}

#[actix_web::test]
async fn the_complainants_kept_drafts_go_back_into_the_box_they_were_typed_in_even_from_a_second_tab() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    jo.get("/my-case").await.assert_status(200);
    time_out_sessions(&app);
    // One tab is reloaded and shows the session has ended...
    jo.get("/my-case").await.assert_status(200).assert_contains("Your session has ended");
    // ...then the withdrawal and a message typed in other tabs are sent: both kept.
    jo.post_form("/my-case/withdraw", &[("reason", "I have settled it with the councillor"), ("confirm", "yes")])
        .await
        .assert_status(200)
        .assert_contains("We have kept what you wrote");
    jo.post_multipart("/my-case/messages", &[("message", "Please call me on Tuesday")], &[])
        .await
        .assert_status(200)
        .assert_contains("We have kept what you wrote");
    assert_eq!(crate::rows::count(&app, "party_items"), 0);
    sign_in_again(&app, &jo, &case.reference, "jo@example.com").await;
    let page = jo.get("/my-case").await.ok_body();
    assert_eq!(textarea(&page, "reason"), "I have settled it with the councillor");
    assert_eq!(textarea(&page, "message"), "Please call me on Tuesday");
    // Sending one form forgets its draft only.
    jo.post_multipart("/my-case/messages", &[("message", "Please call me on Tuesday")], &[]).await.assert_status(303);
    let page = jo.get("/my-case").await.ok_body();
    assert_eq!(textarea(&page, "message"), "");
    assert_eq!(textarea(&page, "reason"), "I have settled it with the councillor");
}

#[actix_web::test]
async fn the_members_response_and_comments_typed_as_the_session_ended_are_kept_in_their_own_boxes() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    crate::hearing::appoint(&app, &case);
    let inv = app.new_browser();
    inv.login("investigator@southvale.example", "demo-password").await;
    let now = chrono::Utc::now();
    inv.post_multipart(
        &format!("/cases/{}/investigation/entries", case.reference),
        &[
            ("kind", "draft-report"),
            ("title", "Draft report"),
            ("body", ""),
            ("occurred_day", &now.format("%-d").to_string()),
            ("occurred_month", &now.format("%-m").to_string()),
            ("occurred_year", &now.format("%Y").to_string()),
        ],
        &[("file", "draft.pdf", crate::fixtures::PDF)],
    )
    .await
    .assert_status(303);
    let member = member_signed_in(&app, &case).await;
    member.get("/my-case").await.assert_status(200).assert_contains("The draft investigation report");
    time_out_sessions(&app);
    member
        .post_multipart("/my-case/response", &[("response", "I was not acting as a councillor.")], &[])
        .await
        .assert_status(200)
        .assert_contains("We have kept what you wrote");
    member
        .post_form("/my-case/report-comments", &[("comments", "Paragraph 4 misquotes my post.")])
        .await
        .assert_status(200)
        .assert_contains("We have kept what you wrote");
    sign_in_again(&app, &member, &case.reference, "alex.archer@southvale.example").await;
    let page = member.get("/my-case").await.ok_body();
    assert_eq!(textarea(&page, "response"), "I was not acting as a councillor.");
    assert_eq!(textarea(&page, "comments"), "Paragraph 4 misquotes my post.");
    assert_eq!(textarea(&page, "message"), "");
}

#[actix_web::test]
async fn text_sent_with_no_session_at_all_is_shown_back_to_copy() {
    let app = TestApp::spawn_demo().await;
    submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let stranger = app.new_browser();
    stranger
        .post_form("/my-case/withdraw", &[("reason", "Words I typed for an hour"), ("confirm", "yes")])
        .await
        .assert_status(200)
        .assert_contains("this was not sent")
        .assert_contains("Words I typed for an hour");
    assert_eq!(crate::rows::count(&app, "party_drafts"), 0);
}

#[actix_web::test]
async fn the_officers_reply_keeps_its_text_when_a_file_is_refused() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let officer = officer(&app).await;
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    let res = officer
        .post_multipart(
            &format!("/cases/{}/parties/complainant/{complaint_id}/reply", case.reference),
            &[("reply", "Here is the form you asked for")],
            &[("files", "form.png", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0")],
        )
        .await;
    res.assert_status(422).assert_contains("There is a problem");
    assert_eq!(textarea(&res.body, "reply"), "Here is the form you asked for");
    assert!(res.body.contains(&format!("href=\"#reply-files-{complaint_id}\"")), "{}", res.body);
    assert_eq!(crate::rows::count(&app, "party_items"), 0);
}

#[actix_web::test]
async fn opening_the_case_page_marks_nothing_read_an_officer_does() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    jo.post_multipart("/my-case/messages", &[("message", "Any news?")], &[]).await.assert_status(303);
    let unread = |app: &TestApp| -> i64 {
        party_items::table
            .filter(party_items::case_id.eq(&case.id))
            .filter(party_items::from_party.eq(true))
            .filter(party_items::read_at.is_null())
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    let officer = officer(&app).await;
    let page = format!("/cases/{}", case.reference);
    for _ in 0..2 {
        officer
            .get(&page)
            .await
            .assert_status(200)
            .assert_contains("1 new from the parties")
            .assert_contains("Mark as read");
    }
    assert_eq!(unread(&app), 1);
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    officer
        .post_form(&format!("/cases/{}/parties/complainant/{complaint_id}/read", case.reference), &[])
        .await
        .assert_status(303);
    assert_eq!(unread(&app), 0);
    officer.get(&page).await.assert_status(200).assert_lacks("new from the parties").assert_lacks("Mark as read");
    assert_eq!(crate::rows::audited(&app, "party.marked_read"), 1);
    // Replying reads what they sent.
    jo.post_multipart("/my-case/messages", &[("message", "Hello again")], &[]).await.assert_status(303);
    assert_eq!(unread(&app), 1);
    officer
        .post_multipart(
            &format!("/cases/{}/parties/complainant/{complaint_id}/reply", case.reference),
            &[("reply", "Nothing new yet")],
            &[],
        )
        .await
        .assert_status(303);
    assert_eq!(unread(&app), 0);
}

#[actix_web::test]
async fn an_administrator_sets_how_long_party_sessions_and_sign_in_links_last_and_how_many_links_are_sent() {
    let app = TestApp::spawn_demo().await;
    let admin = app.new_browser();
    admin.login("admin@southvale.example", DEMO).await;
    admin
        .get("/admin/settings")
        .await
        .assert_status(200)
        .assert_contains("Minutes without activity before a party is signed out")
        .assert_contains("name=\"party.session_idle_minutes\" type=\"text\" value=\"60\"");
    let limits = |idle: &'static str| {
        [
            ("party.session_idle_minutes", idle),
            ("party.session_hours", "2"),
            ("party.sign_in_minutes", "15"),
            ("party.new_link_requests", "10"),
            ("party.sign_in_emails", "1"),
        ]
    };
    admin
        .post_form("/admin/settings/party-limits", &limits("a while"))
        .await
        .assert_status(422)
        .assert_contains("Enter a whole number from 5 to 240")
        .assert_contains("a while");
    assert_eq!(crate::rows::audited(&app, "settings.party_limits_changed"), 0);
    admin.post_form("/admin/settings/party-limits", &limits("20")).await.assert_status(303);
    assert_eq!(crate::rows::audited(&app, "settings.party_limits_changed"), 1);
    let officer = officer(&app).await;
    officer.post_form("/admin/settings/party-limits", &limits("30")).await.assert_status(403);

    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    let sign_in = newest(&app, "party_sign_in", "jo@example.com");
    assert!(sign_in.body_text.contains("15 minutes"), "{}", sign_in.body_text);
    let link_expires: chrono::NaiveDateTime = party_links::table
        .filter(party_links::purpose.eq("sign-in"))
        .select(party_links::expires_at)
        .first(&mut app.conn())
        .unwrap();
    let minutes = (link_expires - chrono::Utc::now().naive_utc()).num_minutes();
    assert!((13..=15).contains(&minutes), "the sign-in link works {minutes} minutes");
    jo.get("/my-case").await.assert_status(200);
    use standards_desk::db::schema::party_sessions;
    let expires: chrono::NaiveDateTime =
        party_sessions::table.select(party_sessions::expires_at).first(&mut app.conn()).unwrap();
    let minutes = (expires - chrono::Utc::now().naive_utc()).num_minutes();
    assert!((18..=20).contains(&minutes), "the session lasts {minutes} idle minutes");
    // One sign-in email an hour to a party on request.
    let sent = || app.emails().iter().filter(|m| m.template == "party_sign_in").count();
    let before = sent();
    for n in 0..3 {
        let b = app.new_browser();
        *b.peer.borrow_mut() = format!("198.51.100.{n}:4000");
        b.get("/my-case").await.assert_status(200);
        b.post_form("/my-case/new-link", &[("reference", &case.reference), ("email", "jo@example.com")])
            .await
            .assert_status(200);
    }
    assert_eq!(sent() - before, 1);
}

#[actix_web::test]
async fn declined_evidence_leaves_the_store_and_its_record_keeps_the_name_and_hash() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    let declined: Vec<u8> = [PNG, b"a screenshot the officer declines".as_slice()].concat();
    jo.post_multipart(
        "/my-case/evidence",
        &[("description", "An unrelated screenshot")],
        &[("files", "unrelated.png", &declined), ("files", "post-again.png", PNG)],
    )
    .await
    .assert_status(303);
    let sha = sha256_hex(&declined);
    assert!(app.state.files.path_for(&sha).exists());
    let officer = officer(&app).await;
    let item = party_item(&app, &case.id, "evidence");
    officer
        .post_form(&format!("/cases/{}/party-items/{item}/decide", case.reference), &[("decision", "decline")])
        .await
        .assert_status(303);
    assert!(!app.state.files.path_for(&sha).exists(), "a declined file is deleted from the store");
    // The same bytes as the complaint's own evidence stay: something else holds them.
    assert!(app.state.files.path_for(&sha256_hex(PNG)).exists());
    let kept: Vec<String> = standards_desk::db::schema::party_files::table
        .select(standards_desk::db::schema::party_files::sha256)
        .load(&mut app.conn())
        .unwrap();
    assert!(kept.contains(&sha), "the record keeps the hash");
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("unrelated.png (deleted from the store when declined")
        .assert_contains(&sha);
    jo.get("/my-case").await.assert_status(200).assert_contains("unrelated.png (not kept: the evidence was declined)");
    assert_eq!(crate::rows::audited(&app, "party.evidence_declined"), 1);
}

#[actix_web::test]
async fn a_subject_access_export_holds_the_messages_and_files_a_party_sent_from_their_page() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let jo = complainant_signed_in(&app, "jo@example.com").await;
    let sent: Vec<u8> = [PNG, b"jo's second screenshot".as_slice()].concat();
    jo.post_multipart(
        "/my-case/messages",
        &[("message", "I saw it again on Tuesday evening")],
        &[("message_files", "tuesday.png", &sent)],
    )
    .await
    .assert_status(303);
    let officer = officer(&app).await;
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    officer
        .post_multipart(
            &format!("/cases/{}/parties/complainant/{complaint_id}/reply", case.reference),
            &[("reply", "Thank you for telling us")],
            &[],
        )
        .await
        .assert_status(303);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", DEMO).await;
    let res = mo
        .post_form(
            "/subject-access/export",
            &[("name", ""), ("email", "jo@example.com"), ("phone", ""), ("address", "")],
        )
        .await;
    res.assert_status(200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(res.bytes.clone())).expect("a zip");
    let mut text = String::new();
    let mut files = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        if name.ends_with(".txt") {
            text.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            files.push((name, bytes));
        }
    }
    assert!(text.contains("I saw it again on Tuesday evening"), "{text}");
    assert!(text.contains("Thank you for telling us"), "{text}");
    assert!(text.contains(&sha256_hex(&sent)), "{text}");
    assert!(
        files.iter().any(|(n, b)| n == &format!("{}-files/1-tuesday.png", case.reference) && b == &sent),
        "{:?}",
        files.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
}
