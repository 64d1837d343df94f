use crate::fixtures::{complaint, refs, submit_public, with, PNG};
use crate::harness::TestApp;
use crate::rows;
use crate::smtp::SmtpServer;
use chrono::Duration;
use standards_desk::models::now;
use standards_desk::models::user::Role;
use standards_desk::services::outbox::{MAX_ATTEMPTS, STUCK_MINUTES};

#[actix_web::test]
async fn the_acknowledgement_is_delivered_over_real_smtp_and_shown_as_sent() {
    let smtp = SmtpServer::start();
    let smtp_url = smtp.url();
    let app = TestApp::builder()
        .demo()
        .configure(|c| {
            c.smtp_url = Some(smtp_url);
            c.mail_from = "Southvale Standards <standards@southvale.example>".into();
        })
        .spawn()
        .await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let delivery = app.state.send_due_mail().await.expect("outbox runs");
    assert_eq!(delivery.sent, 1);
    let got = smtp.delivered();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].from, "standards@southvale.example");
    assert_eq!(got[0].to, vec!["jo@example.com".to_string()]);
    assert!(
        got[0].data.contains(&format!("Subject: Your complaint about a councillor: reference {}", case.reference)),
        "{}",
        got[0].data
    );
    assert!(got[0].data.contains("Dear Jo Public"));
    let m = &app.emails()[0];
    assert!(
        got[0].data.contains(&format!("Message-ID: <{}@southvale.example>", m.id)),
        "the Message-ID is made from the outbox row: {}",
        got[0].data
    );
    assert_eq!(m.status.as_str(), "sent");
    assert!(m.sent_at.is_some());
    // Nothing is sent twice.
    assert_eq!(app.state.send_due_mail().await.unwrap().sent, 0);
    assert_eq!(smtp.delivered().len(), 1);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("govuk-tag--green\">Sent</strong>");
}

#[actix_web::test]
async fn undeliverable_mail_is_retried_then_marked_failed() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = TestApp::builder()
        .demo()
        .configure(move |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}")))
        .spawn()
        .await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let first = app.state.send_due_mail().await.unwrap();
    assert_eq!((first.sent, first.retrying), (0, 1));
    let m = &app.emails()[0];
    assert_eq!((m.status.as_str(), m.attempts), ("queued", 1));
    assert!(m.last_error.is_some());
    assert!(m.next_attempt_at > m.created_at, "the retry waits");
    // Not due yet: nothing is tried.
    assert_eq!(app.state.send_due_mail().await.unwrap(), Default::default());
    for _ in 1..MAX_ATTEMPTS {
        rows::outbox_due_at(&app, m.created_at);
        app.state.send_due_mail().await.unwrap();
    }
    let m = &app.emails()[0];
    assert_eq!((m.status.as_str(), m.attempts), ("failed", MAX_ATTEMPTS));
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Failed</strong> after 6 attempts");
}

#[actix_web::test]
async fn without_smtp_mail_is_written_to_files_in_the_data_directory() {
    let app = TestApp::spawn_demo().await;
    submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    assert_eq!(app.state.send_due_mail().await.unwrap().sent, 1);
    let dir = app.state.config.data_dir.join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("To: \"Jo Public\" <jo@example.com>") || text.contains("To: Jo Public <jo@example.com>"),
        "{text}"
    );
}

/// The `.eml` files the file transport wrote.
fn mail_files(app: &TestApp) -> Vec<String> {
    let dir = app.state.config.data_dir.join("mail");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect())
        .unwrap_or_default();
    texts.sort();
    texts
}

fn headers(eml: &str) -> &str {
    eml.split("\r\n\r\n").next().unwrap()
}

fn message_id_header(eml: &str) -> String {
    let line = headers(eml).lines().find(|l| l.to_ascii_lowercase().starts_with("message-id:")).expect("a Message-ID");
    line.split_once(':').unwrap().1.trim().to_string()
}

#[actix_web::test]
async fn a_bad_message_fails_at_once_and_the_worker_goes_on_with_the_others() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let t = now();
    // Rows stored before intake refused line breaks: the first can never be sent (its address is
    // broken), the second can, once its name and subject are put on one line.
    let evil = "Jo\r\nBcc: name@evil.example";
    let bad = rows::insert_outbox(&app, Some(&case.id), "jo@\r\nexample.com", evil, t - Duration::hours(1));
    let good = rows::insert_outbox(&app, Some(&case.id), "sam@example.com", evil, t - Duration::minutes(30));
    let delivery = app.state.send_due_mail().await.expect("the worker carries on past a bad message");
    assert_eq!((delivery.sent, delivery.retrying, delivery.failed), (2, 0, 1));
    let m = rows::outbox_message(&app, &bad);
    assert_eq!((m.status.as_str(), m.attempts), ("failed", 1), "an address that can never work is not retried");
    let reason = m.last_error.expect("the reason is kept");
    assert!(reason.starts_with("The email address") && reason.contains("is not valid"), "{reason}");
    assert_eq!(rows::outbox_message(&app, &good).status, "sent");
    let files = mail_files(&app);
    let sam = files.iter().find(|t| t.contains("sam@example.com")).expect("the good message was written");
    let head = headers(sam);
    assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "no header is injected: {head}");
    assert!(head.contains("Subject: Your complaint Bcc: subject@evil.example"), "{head}");
    assert!(sam.contains("Dear complainant,\r\nThank you."), "the body keeps its line breaks: {sam}");
    // The worker is still there for the next round.
    assert_eq!(app.state.send_due_mail().await.expect("next round"), Default::default());
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Failed</strong> after 1 attempt:")
        .assert_contains("is not valid");
}

#[actix_web::test]
async fn failed_mail_is_listed_for_admins_only_and_can_be_sent_again() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let bad = rows::insert_outbox(&app, Some(&case.id), "not an address", "Jo", now() - Duration::hours(1));
    app.state.send_due_mail().await.unwrap();
    assert_eq!(rows::outbox_message(&app, &bad).status, "failed");

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get("/admin/mail").await.assert_status(403);
    officer.get("/dashboard").await.assert_status(200);
    officer.post_form(&format!("/admin/mail/{bad}/send-again"), &[]).await.assert_status(403);
    assert_eq!(rows::outbox_message(&app, &bad).status, "failed", "a non-admin changes nothing");

    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    admin.get("/admin").await.assert_status(200).assert_contains("href=\"/admin/mail\"");
    let page = admin.get("/admin/mail").await;
    page.assert_status(200)
        .assert_contains("Outgoing mail")
        .assert_contains("not an address")
        .assert_contains(&format!("href=\"/cases/{}\"", case.reference))
        .assert_contains("is not valid")
        .assert_contains(&format!("action=\"/admin/mail/{bad}/send-again\""));
    let failed_count = page.body.split("Failed</th>").nth(1).unwrap().split("</td>").next().unwrap();
    assert!(failed_count.ends_with(">1"), "{failed_count}");

    // Without the CSRF token nothing happens.
    admin.post_form_raw(&format!("/admin/mail/{bad}/send-again"), &[]).await.assert_status(403);
    assert_eq!(rows::outbox_message(&app, &bad).status, "failed");

    let res = admin.post_form(&format!("/admin/mail/{bad}/send-again"), &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/admin/mail"));
    admin.follow(&res).await.assert_status(200).assert_contains("The email to not an address will be sent again");
    let m = rows::outbox_message(&app, &bad);
    assert_eq!((m.status.as_str(), m.attempts, m.last_error), ("queued", 0, None));
    assert_eq!(rows::audited_for(&app, "mail.requeued", &bad), 1);
    admin
        .get("/admin/mail")
        .await
        .assert_status(200)
        .assert_contains("No failed messages.")
        .assert_contains("Waiting to send");
    // A message that has not failed is not sent again.
    let res = admin.post_form(&format!("/admin/mail/{bad}/send-again"), &[]).await;
    res.assert_status(303);
    admin.follow(&res).await.assert_status(200).assert_contains("This email has not failed");
    assert_eq!(rows::audited_for(&app, "mail.requeued", &bad), 1);
    admin.post_form("/admin/mail/no-such-message/send-again", &[]).await.assert_status(404);
}

#[actix_web::test]
async fn a_name_with_a_line_break_is_refused_on_the_public_form_and_nothing_is_stored() {
    let app = TestApp::spawn_demo().await;
    let fields = with(&complaint(&app), "complainant_name", "Jo Public\r\nBcc: name@evil.example");
    app.get("/complaints/new").await.assert_status(200);
    let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "s.png", PNG)]).await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("href=\"#complainant_name\"")
        .assert_contains("Enter the name on one line")
        .assert_contains("value=\"jo@example.com\"");
    assert_eq!(rows::count(&app, "cases"), 0, "nothing is submitted");
    assert_eq!(rows::count(&app, "complainants"), 0);
    assert!(app.emails().is_empty());
    // Other single-line fields are checked the same way; multi-line text keeps its line breaks.
    let fields = with(&complaint(&app), "complainant_phone", "01234\t567890");
    let fields = with(&fields, "what_happened", "Line one.\r\nLine two.");
    let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "s.png", PNG)]).await;
    res.assert_status(422)
        .assert_contains("Enter the telephone number on one line")
        .assert_lacks("href=\"#what_happened\"");
}

#[actix_web::test]
async fn a_staff_name_with_a_line_break_is_refused_in_admin() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    app.get("/admin/users/new").await.assert_status(200);
    let before = rows::count(&app, "users");
    let res = app
        .post_form(
            "/admin/users/new",
            &[
                ("name", "Pat\nOfficer"),
                ("email", "pat@council.example"),
                ("role", "case-officer"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    res.assert_status(422)
        .assert_contains("Enter the name on one line")
        .assert_contains("value=\"pat@council.example\"");
    assert_eq!(rows::count(&app, "users"), before, "nothing is stored");
    app.get("/admin/closure-days").await.assert_status(200);
    let res = app
        .post_form(
            "/admin/closure-days",
            &[("closure_day", "29"), ("closure_month", "12"), ("closure_year", "2027"), ("reason", "Office\r\nmove")],
        )
        .await;
    res.assert_status(422).assert_contains("Enter the reason on one line");
    assert_eq!(rows::count(&app, "closure_days"), 0);
}

#[actix_web::test]
async fn every_attempt_carries_the_same_message_id_so_a_resend_after_a_crash_is_recognisable() {
    let app = TestApp::spawn_demo().await;
    submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    assert_eq!(app.state.send_due_mail().await.unwrap().sent, 1);
    let id = app.emails()[0].id.clone();
    let first = mail_files(&app);
    assert_eq!(first.len(), 1);
    let message_id = message_id_header(&first[0]);
    assert!(message_id.starts_with(&format!("<{id}@")) && message_id.ends_with('>'), "{message_id}");
    // The worker crashed after the server accepted the message but before recording it as sent.
    // Within the stuck timeout nothing is sent again...
    rows::outbox_left_sending(&app, &id, now() - Duration::minutes(STUCK_MINUTES - 1));
    assert_eq!(app.state.send_due_mail().await.unwrap().sent, 0);
    assert_eq!(mail_files(&app).len(), 1);
    // ...after it, the message is sent once more, with the same Message-ID.
    rows::outbox_left_sending(&app, &id, now() - Duration::minutes(STUCK_MINUTES + 1));
    assert_eq!(app.state.send_due_mail().await.unwrap().sent, 1);
    let files = mail_files(&app);
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| message_id_header(f) == message_id), "{files:?}");
    let m = rows::outbox_message(&app, &id);
    assert_eq!((m.status.as_str(), m.attempts), ("sent", 2), "each attempt is recorded");
}

#[actix_web::test]
async fn staff_forms_refuse_line_breaks_in_single_line_fields_and_keep_them_in_text() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/evidence/new", case.reference);
    officer.get(&path).await.assert_status(200);
    let before = rows::count(&app, "evidence_items");
    let mut fields = vec![
        ("kind", "post"),
        ("source", "officer"),
        ("title", "Facebook post"),
        ("platform", "facebook"),
        ("url", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc"),
        ("display_name", "Cllr A\r\nNorthfield"),
        ("post_text", "First line.\r\nSecond line."),
        ("captured_day", "4"),
        ("captured_month", "11"),
        ("captured_year", "2026"),
        ("captured_time", "09:30"),
    ];
    let res = officer.post_multipart(&path, &fields, &[("files", "s.png", PNG)]).await;
    res.assert_status(422)
        .assert_contains("href=\"#display_name\"")
        .assert_contains("Enter the display name on one line")
        .assert_lacks("href=\"#post_text\"");
    assert_eq!(rows::count(&app, "evidence_items"), before, "nothing is stored");
    fields.retain(|(k, _)| *k != "display_name");
    fields.push(("display_name", "Cllr A Northfield"));
    officer.post_multipart(&path, &fields, &[("files", "s.png", PNG)]).await.assert_status(303);
    assert_eq!(rows::count(&app, "evidence_items"), before + 1, "line breaks in the post text are accepted");
}
