//! Letters each council can edit (issue 17): an administrator words a council's letter, with
//! the values it may use listed and a preview with a real case; a letter that does not render
//! is refused with the error shown and the input kept; every version is kept; the council's
//! letter is used for that council's cases only, and each letter records the version it used.

use crate::fixtures::{consult_ip, CaseBuilder};
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::letter_template as template_rows;
use standards_desk::models::outbox::OutboxMessage;

fn ip_letter(app: &TestApp, case_id: &str) -> OutboxMessage {
    app.emails()
        .into_iter()
        .rev()
        .find(|m| m.template == "ip_request" && m.case_id.as_deref() == Some(case_id))
        .expect("an ip_request letter about the case")
}

async fn admin(app: &TestApp) -> TestApp {
    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    admin
}

#[actix_web::test]
async fn a_councils_own_letter_is_used_for_its_cases_only_and_each_letter_records_its_version() {
    let app = TestApp::spawn_demo().await;
    let admin = admin(&app).await;
    let southvale = app.authority_id("southvale");
    let list = format!("/admin/councils/{southvale}/letters");
    let path = format!("{list}/ip_request");
    admin.get(&list).await.assert_status(200).assert_contains(&path).assert_contains("Shipped letter");
    admin
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains("Values the letter may use")
        .assert_contains("{{ question }}")
        .assert_contains("{{ letterhead.signature }}")
        .assert_contains("The letter shipped with Standards Desk is in use");

    let save = |body: &'static str| {
        let admin = &admin;
        let path = path.clone();
        async move {
            admin
                .post_form(
                    &path,
                    &[("subject", "Southvale asks your view: {{ reference }}"), ("body", body), ("action", "save")],
                )
                .await
        }
    };
    save("Dear {{ name }},\r\n\r\nSouthvale's first words.\r\n").await.assert_status(303);
    save("Dear {{ name }},\r\n\r\nSouthvale's own words: {{ question }}\r\n\r\n{{ how_to_reply }}\r\n")
        .await
        .assert_status(303);
    let versions = template_rows::versions(&mut app.conn(), &southvale, "ip_request").unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2, 1], "both versions are kept");
    assert_eq!(rows::audited(&app, "letter_template.saved"), 2);
    admin.get(&list).await.assert_status(200).assert_contains("Edited (version 2)");

    let south = CaseBuilder::new().log(&app);
    consult_ip(&app, &south, "Was the page official?");
    let east = CaseBuilder::new().member("Erin Evans", "easton").log(&app);
    consult_ip(&app, &east, "Was the page official?");

    let letter = ip_letter(&app, &south.id);
    assert_eq!(letter.subject, format!("Southvale asks your view: {}", south.reference));
    assert!(letter.body_text.contains("Southvale's own words: Was the page official?"), "{}", letter.body_text);
    assert!(letter.body_text.contains(&format!("quote the reference {}", south.reference)), "{}", letter.body_text);
    assert!(letter.body_html.as_deref().unwrap().contains("Southvale&#39;s own words"), "the HTML version too");
    assert_eq!(letter.letter_template_id.as_deref(), Some(versions[0].id.as_str()), "the letter records version 2");

    let other = ip_letter(&app, &east.id);
    assert!(!other.body_text.contains("Southvale's own words"), "Easton's letter is the shipped one");
    assert!(!other.subject.starts_with("Southvale asks"), "{}", other.subject);
    assert_eq!(other.letter_template_id, None);

    // The preview is written with a real case: the latest of Southvale's.
    admin
        .get(&path)
        .await
        .assert_status(200)
        .assert_contains(&south.reference)
        .assert_contains("Southvale&#39;s own words: Was the page official?")
        .assert_contains("This council's own version is in use");

    // Back to the shipped letter: a version of its own, and the next letter is the shipped one.
    admin.post_form(&format!("{path}/shipped"), &[]).await.assert_status(303);
    assert_eq!(template_rows::versions(&mut app.conn(), &southvale, "ip_request").unwrap().len(), 3);
    consult_ip(&app, &south, "And the second post?");
    let again = ip_letter(&app, &south.id);
    assert!(!again.body_text.contains("Southvale's own words"), "{}", again.body_text);
    assert_eq!(again.letter_template_id, None);
}

#[actix_web::test]
async fn a_letter_that_does_not_render_is_refused_with_the_error_shown_and_the_input_kept() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().log(&app);
    consult_ip(&app, &case, "Was the page official?");
    let admin = admin(&app).await;
    let southvale = app.authority_id("southvale");
    let path = format!("/admin/councils/{southvale}/letters/ip_request");
    for (body, says) in [
        ("Dear {{ name }\r\nUnclosed.", "The letter"),
        ("Dear {{ nobody.here }},", &format!("cannot be written with case {}", case.reference) as &str),
        ("{% include \"emails/_reply.txt\" %}", "The letter"),
        ("{% for i in range(end=100000000) %}again {% endfor %}", "The letter"),
    ] {
        let res =
            admin.post_form(&path, &[("subject", "About {{ reference }}"), ("body", body), ("action", "save")]).await;
        res.assert_status(422).assert_contains("There is a problem").assert_contains(says);
        let kept = body.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace("\r\n", "\n");
        assert!(
            res.body.replace("&#39;", "'").replace("\r\n", "\n").contains(&kept),
            "the input is kept: {kept}\n{}",
            res.body
        );
    }
    admin
        .post_form(&path, &[("subject", ""), ("body", "Dear {{ name }},"), ("action", "save")])
        .await
        .assert_status(422)
        .assert_contains("Enter the subject");
    // A preview saves nothing.
    admin
        .post_form(
            &path,
            &[("subject", "About {{ reference }}"), ("body", "Dear {{ name }}, a preview."), ("action", "preview")],
        )
        .await
        .assert_status(200)
        .assert_contains("Dear Iris Penrose, a preview.");
    assert_eq!(rows::count(&app, "letter_templates"), 0, "nothing refused or previewed was saved");
    assert_eq!(rows::audited(&app, "letter_template.saved"), 0);

    // For administrators only.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&path).await.assert_status(403);
    officer.post_form(&path, &[("subject", "S"), ("body", "B"), ("action", "save")]).await.assert_status(403);
    admin.get(&format!("/admin/councils/{southvale}/letters/password_reset")).await.assert_status(404);
}

#[actix_web::test]
async fn the_letterhead_gives_the_councils_address_and_the_monitoring_officers_signature() {
    let app = TestApp::spawn_demo().await;
    let admin = admin(&app).await;
    let southvale = app.authority_id("southvale");
    admin
        .post_form(
            &format!("/admin/councils/{southvale}/letters"),
            &[
                ("reply_to", ""),
                ("council_name", "Southvale District Council Standards"),
                ("address", "Council Offices\r\nHigh Street\r\nSouthvale SV1 1AA"),
                ("signature", "Morgan Oakes\r\nMonitoring Officer, Southvale District Council"),
            ],
        )
        .await
        .assert_status(303);
    let case = CaseBuilder::new().log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let member_id = app.member_id("Alex Archer");
    officer.post_form(&format!("/cases/{}/members/{member_id}/notify", case.reference), &[]).await.assert_status(303);
    let notice = app.emails().into_iter().rev().find(|m| m.template == "member_notification").unwrap();
    assert!(
        notice.body_text.contains("Morgan Oakes\nMonitoring Officer, Southvale District Council"),
        "{}",
        notice.body_text
    );
    let html = notice.body_html.unwrap();
    assert!(html.contains("Southvale District Council Standards"), "{html}");
    assert!(html.contains("Council Offices<br>High Street"), "{html}");
    admin
        .post_form(&format!("/admin/councils/{southvale}/letters"), &[("reply_to", ""), ("address", "Bad\u{7}bell")])
        .await
        .assert_status(422)
        .assert_contains("without tabs or other special characters");
}
