//! What each person on a case sees of its file (issue 13, items 2 and 17): one rule for a
//! confidential complainant's identity, client addresses for administrators only, and per part
//! (Independent Person, investigator, panel member) only the sections that part needs, field by
//! field, on the pages and at the sub-pages' own addresses.

use crate::fixtures::{complaint, consult_ip, with, CaseBuilder};
use crate::harness::{TestApp, DEFAULT_PEER};
use crate::hearing::{at_hearing, at_hearing_with};
use crate::rows;
use standards_desk::models::case::Case;
use standards_desk::models::user::Role;
use standards_desk::services::access::{self, Part};

const NAME: &str = "Quinn Secret";
const EMAIL: &str = "quinn.secret@example.com";
const PHONE: &str = "07700 900123";
const ADDRESS: &str = "1 Hidden Lane";
const REASON: &str = "I work with the councillor";
const WITNESS: &str = "Wendy Witness";

/// A public complaint from a complainant who asked for confidentiality, taken to a fixed hearing.
async fn confidential_at_hearing(app: &TestApp) -> Case {
    let mut answers = complaint(app);
    for (k, v) in [
        ("confidential", "yes"),
        ("confidential_reason", REASON),
        ("complainant_name", NAME),
        ("complainant_email", EMAIL),
        ("complainant_phone", PHONE),
        ("complainant_address", "1 Hidden Lane\nSouthvale"),
        ("witnesses", "Wendy Witness, 01632 960111"),
        ("what_happened", "I, Quinn Secret, saw the post calling the planning officer a liar."),
    ] {
        answers = with(&answers, k, v);
    }
    at_hearing_with(app, &answers).await
}

async fn signed_in(app: &TestApp, email: &str) -> TestApp {
    let b = app.new_browser();
    b.login(email, "demo-password").await;
    b
}

/// The public submitter's address as the custody log recorded it (the test client's).
fn submitter_ip() -> &'static str {
    DEFAULT_PEER.split(':').next().unwrap()
}

#[actix_web::test]
async fn a_confidential_complainant_is_seen_only_by_officers_and_the_client_address_by_no_page() {
    let app = TestApp::spawn_demo().await;
    let case = confidential_at_hearing(&app).await;
    let page = format!("/cases/{}", case.reference);
    let item = rows::evidence_item_id(&app, &case.id, 1);
    // An officer's question to the Independent Person names the complainant.
    consult_ip(&app, &case, &format!("Does the complaint of {NAME} show a breach?"));
    let asked: Vec<_> = app.emails().into_iter().filter(|m| m.template == "ip_request").collect();
    assert!(asked.iter().all(|m| !m.body_text.contains(NAME)), "the IP is emailed the name");
    assert!(asked.iter().any(|m| m.body_text.contains("Does the complaint of [the complainant] show a breach?")));
    // The address is on record, and the acknowledgement went to the complainant's email.
    assert!(rows::custody_ip_addresses(&app, &item).contains(&submitter_ip().to_string()));
    assert!(app.emails().iter().any(|m| m.template == "acknowledgement" && m.to_address == EMAIL));

    // Officers working the case see who complained and how to reach them, field by field.
    let officer = signed_in(&app, "officer@southvale.example").await;
    let res = officer.get(&page).await;
    res.assert_status(200)
        .assert_contains(NAME)
        .assert_contains(EMAIL)
        .assert_contains(PHONE)
        .assert_contains(ADDRESS)
        .assert_contains(REASON)
        .assert_contains(WITNESS)
        .assert_contains(&format!("Acknowledgement to {NAME}"))
        .assert_contains("I, Quinn Secret, saw the post")
        .assert_contains("Does the complaint of Quinn Secret show a breach?")
        .assert_lacks(submitter_ip());
    // The emails list names the complainant's address for officers.
    assert!(res.body.contains(&format!("<td class=\"govuk-table__cell sd-break\">{EMAIL}</td>")));
    // An officer is not an administrator: the custody log names "Member of the public", no address.
    officer
        .get(&format!("{page}/evidence/E1"))
        .await
        .assert_status(200)
        .assert_contains("Member of the public")
        .assert_lacks(submitter_ip());
    officer
        .get("/cases?q=quinn")
        .await
        .assert_status(200)
        .assert_contains(&case.reference)
        .assert_contains(">Officer</th>")
        .assert_contains("Unassigned");

    // The Independent Person, the investigator and the panel see none of it, wherever they look.
    for email in ["ip@southvale.example", "investigator@southvale.example", "committee@southvale.example"] {
        let b = signed_in(&app, email).await;
        let res = b.get(&page).await;
        res.assert_status(200);
        for secret in [NAME, EMAIL, PHONE, ADDRESS, REASON, WITNESS, submitter_ip()] {
            assert!(!res.body.contains(secret), "{email} sees {secret} on the case page");
        }
        if email.starts_with("ip") {
            res.assert_contains("Does the complaint of [the complainant] show a breach?");
        }
        let bundle = b.get(&format!("{page}/hearing/bundle")).await;
        bundle.assert_status(200).assert_contains("[Redacted: the complainant asked for confidentiality]");
        for secret in [NAME, EMAIL, PHONE, ADDRESS, WITNESS, submitter_ip()] {
            assert!(!bundle.body.contains(secret), "{email} sees {secret} in the bundle");
        }
        let evidence = b.get(&format!("{page}/evidence/E1")).await;
        if email.starts_with("committee") {
            evidence.assert_status(404);
        } else {
            evidence.assert_status(200).assert_lacks(submitter_ip()).assert_lacks(NAME);
        }
        // Searching for the complainant's name does not tell them who complained, and the case
        // summary in the list quotes the complaint without the name.
        b.get("/cases?q=quinn").await.assert_status(200).assert_lacks(&case.reference);
        b.get("/cases")
            .await
            .assert_status(200)
            .assert_contains(&case.reference)
            .assert_lacks(NAME)
            .assert_lacks(">Officer</th>")
            .assert_lacks("Unassigned");
        b.get(&format!("/cases?q={}", case.reference)).await.assert_status(200).assert_contains(&case.reference);
    }
}

#[actix_web::test]
async fn the_one_rule_lets_only_officers_see_confidential_identities_and_only_admins_client_addresses() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().confidential("Fear of reprisal").log(&app);
    for (email, identity) in [
        ("mo@southvale.example", true),
        ("deputy@southvale.example", true),
        ("officer@southvale.example", true),
        ("ip@southvale.example", false),
        ("investigator@southvale.example", false),
        ("committee@southvale.example", false),
        ("admin@southvale.example", false),
    ] {
        let user = app.user(email);
        assert_eq!(access::may_see_confidential_identity(&user), identity, "{email}");
        assert_eq!(access::may_see_client_ip(&user), email.starts_with("admin"), "{email}");
        let s = access::sections(&mut app.conn(), &user, &case.id).unwrap();
        assert_eq!(s.confidential_identities, identity, "{email}");
    }
    // A part on the case gives no sight of a confidential identity.
    let ip = app.user("ip@southvale.example");
    access::grant(&mut app.conn(), &case.id, &ip.id, Part::IndependentPerson, &ip.id).unwrap();
    let s = access::sections(&mut app.conn(), &ip, &case.id).unwrap();
    assert!(s.complaints && !s.confidential_identities && !s.contact_details && !s.notes);
}

#[actix_web::test]
async fn each_participant_sees_only_their_part_of_the_file() {
    let app = TestApp::spawn_demo().await;
    let case = at_hearing(&app).await;
    let page = format!("/cases/{}", case.reference);
    let note = "Internal: the agent keeps phoning the office";
    let officer = signed_in(&app, "officer@southvale.example").await;
    officer.post_form(&format!("{page}/notes"), &[("note", note)]).await.assert_status(303);
    let assessment = format!("{page}/assessments/{}", rows::assessment_id(&app, &case.id));
    let report = format!("{page}/investigation/entries/{}", rows::investigation_entry_id(&app, "final-report"));
    let (phone, email, witness) = ("01234 567890", "jo@example.com", "Sam Neighbour");
    let (notes_h, emails_h, timeline_h) = (">Notes</h2>", ">Emails</h2>", ">Timeline</h2>");

    // Officers see everything: contact details, witnesses, notes, emails and the timeline.
    officer
        .get(&page)
        .await
        .assert_status(200)
        .assert_contains("Jo Public")
        .assert_contains(phone)
        .assert_contains(email)
        .assert_contains(witness)
        .assert_contains(note)
        .assert_contains(emails_h)
        .assert_contains(timeline_h)
        .assert_contains(">Deadlines</h2>")
        .assert_contains("Initial assessment")
        .assert_contains("Takedown requests");
    officer.get(&assessment).await.assert_status(200);
    officer.get(&format!("{page}/investigation")).await.assert_status(200);

    // The panel: the hearing and its bundle; of the case page the councillors and the links only.
    let panel = signed_in(&app, "committee@southvale.example").await;
    let res = panel.get(&page).await;
    res.assert_status(200)
        .assert_contains("Alex Archer")
        .assert_contains(&format!("{page}/hearing/bundle"))
        .assert_contains(&format!("href=\"{page}/hearing\""));
    for hidden in [
        phone,
        email,
        witness,
        note,
        "Jo Public",
        notes_h,
        emails_h,
        timeline_h,
        ">Deadlines</h2>",
        ">Complaints</h2>",
        "Initial assessment",
        "Takedown requests",
        "The page is called Cllr A",
        ">Officer</dt>",
    ] {
        assert!(!res.body.contains(hidden), "the panel sees {hidden}");
    }
    panel.get(&format!("{page}/hearing")).await.assert_status(200).assert_contains("Committee Room 1");
    panel
        .get(&format!("{page}/hearing/bundle"))
        .await
        .assert_status(200)
        .assert_contains("The page is called Cllr A")
        .assert_lacks(phone)
        .assert_lacks(email);
    panel.get(&report).await.assert_status(200);
    panel.get(&format!("{page}/evidence/E1")).await.assert_status(404);
    panel.get(&assessment).await.assert_status(404);
    panel.get(&format!("{page}/investigation")).await.assert_status(404);
    panel.get(&format!("{page}/evidence.zip")).await.assert_status(403);

    // The Independent Person: the summary, complaints, evidence and assessments; no notes, emails,
    // timeline or contact details.
    let ip = signed_in(&app, "ip@southvale.example").await;
    let res = ip.get(&page).await;
    res.assert_status(200)
        .assert_contains("The page is called Cllr A")
        .assert_contains("Jo Public")
        .assert_contains("Initial assessment")
        .assert_contains("Should this go to a hearing?")
        .assert_contains("/evidence/E1");
    for hidden in [phone, email, witness, note, notes_h, emails_h, timeline_h, ">Deadlines</h2>", "Takedown requests"] {
        assert!(!res.body.contains(hidden), "the IP sees {hidden}");
    }
    ip.get(&assessment).await.assert_status(200);
    ip.get(&format!("{page}/evidence/E1")).await.assert_status(200);
    ip.get(&format!("{page}/investigation")).await.assert_status(404);

    // The investigator: their investigation, the complaint with the contacts and witnesses they
    // interview, the evidence; no notes, emails, timeline, assessments or takedown work.
    let inv = signed_in(&app, "investigator@southvale.example").await;
    let res = inv.get(&page).await;
    res.assert_status(200)
        .assert_contains("The page is called Cllr A")
        .assert_contains(phone)
        .assert_contains(email)
        .assert_contains(witness)
        .assert_contains("/evidence/E1");
    for hidden in [note, notes_h, emails_h, timeline_h, "Initial assessment", "Takedown requests"] {
        assert!(!res.body.contains(hidden), "the investigator sees {hidden}");
    }
    inv.get(&format!("{page}/investigation"))
        .await
        .assert_status(200)
        .assert_contains("Whether the post breached paragraphs 1 and 3.");
    inv.get(&report).await.assert_status(200);
    inv.get(&assessment).await.assert_status(404);
    inv.get(&format!("{page}/evidence/E1")).await.assert_status(200);
}

#[actix_web::test]
async fn a_participant_role_without_a_part_sees_nothing_and_sections_follow_the_part() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().log(&app);
    let member = app.create_user(Role::CommitteeMember, "member@council.example");
    let s = access::sections(&mut app.conn(), &member, &case.id).unwrap();
    assert!(!s.members && !s.complaints, "no part, no sight");
    access::grant(&mut app.conn(), &case.id, &member.id, Part::PanelMember, &member.id).unwrap();
    let s = access::sections(&mut app.conn(), &member, &case.id).unwrap();
    assert!(s.members && !s.complaints && !s.notes && !s.evidence);
    access::revoke(&mut app.conn(), &case.id, &member.id, Part::PanelMember).unwrap();
    let s = access::sections(&mut app.conn(), &member, &case.id).unwrap();
    assert!(!s.members);
}

#[actix_web::test]
async fn a_decision_notice_names_a_confidential_complainant_to_no_one_but_them() {
    use standards_desk::services::assessment::{self, AnswerInput};
    use standards_desk::services::audit::Actor;
    use standards_desk::services::decisions::{self, DecisionInput};
    let app = TestApp::spawn_demo().await;
    let case =
        CaseBuilder::new().complainant(NAME, EMAIL).field("complainant_phone", PHONE).confidential(REASON).log(&app);
    let mo = app.user("mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let mut answers = AnswerInput::default();
    for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        let yes = ["G1", "G2", "C3", "C6"].contains(&code);
        answers.answers.insert(code.into(), if yes { "yes".into() } else { "no".into() });
    }
    answers.notes.insert("G1".into(), format!("{NAME} says the page is his official one"));
    let member = app.member_id("Alex Archer");
    let a = assessment::assess(&mut app.conn(), &actor, &mo, &case.reference, &member, &answers).unwrap();
    assessment::conclude(&mut app.conn(), &actor, &mo, &a.id, "OFFICIAL", &app.authority_id("southvale"), "").unwrap();
    crate::gates::told_and_responded(&app, &case);
    let input = DecisionInput {
        outcome: "investigation".into(),
        reasons: format!("{NAME} ({EMAIL}, {PHONE}) sent a clear screenshot."),
        ..Default::default()
    };
    decisions::decide(&mut app.conn(), &actor, &mo, &case.reference, &input, chrono::Utc::now().date_naive()).unwrap();
    let to_member = rows::notice_body(&app, "member", "%");
    for secret in [NAME, EMAIL, PHONE] {
        assert!(!to_member.contains(secret), "the member's notice carries {secret}: {to_member}");
    }
    assert!(to_member.contains("[the complainant] ([the complainant], [the complainant]) sent a clear screenshot."));
    // The complainant's own notice is addressed to them.
    assert!(rows::notice_body(&app, "complainant", "%").contains(NAME));

    // An officer's note on the assessment names the complainant: only officers read the name.
    let path = format!("/cases/{}/assessments/{}", case.reference, a.id);
    let officer = signed_in(&app, "officer@southvale.example").await;
    officer.get(&path).await.assert_status(200).assert_contains(&format!("{NAME} says the page"));
    consult_ip(&app, &case, "Is this official conduct?");
    let ip = signed_in(&app, "ip@southvale.example").await;
    ip.get(&path).await.assert_status(200).assert_contains("[the complainant] says the page").assert_lacks(NAME);
}

#[actix_web::test]
async fn the_outgoing_mail_page_withholds_a_confidential_complainant_from_administrators() {
    use diesel::prelude::*;
    use standards_desk::db::schema::outbox;
    let app = TestApp::spawn_demo().await;
    let case = confidential_at_hearing(&app).await;
    // The acknowledgement bounced, and the mail server's answer quoted the address.
    let ack: String = outbox::table
        .filter(outbox::case_id.eq(&case.id))
        .filter(outbox::to_address.eq(EMAIL))
        .select(outbox::id)
        .first(&mut app.conn())
        .expect("the acknowledgement to the complainant");
    diesel::update(outbox::table.find(&ack))
        .set((outbox::status.eq("failed"), outbox::last_error.eq(format!("550 5.1.1 <{EMAIL}>: {NAME} unknown"))))
        .execute(&mut app.conn())
        .unwrap();
    let admin = signed_in(&app, "admin@southvale.example").await;
    let page = admin.get("/admin/mail").await;
    page.assert_status(200)
        .assert_contains("Complainant (withheld)")
        .assert_contains(&format!("/admin/mail/{ack}/send-again"))
        .assert_contains(&case.reference)
        .assert_lacks(EMAIL)
        .assert_lacks(NAME);
    // Messages to everyone else keep their addresses.
    page.assert_contains("@southvale.example");
}
