use crate::fixtures::{complaint, submit_public, PNG};
use crate::harness::TestApp;
use crate::rows;
use crate::smtp::SmtpServer;
use standards_desk::services::outbox::MAX_ATTEMPTS;

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
