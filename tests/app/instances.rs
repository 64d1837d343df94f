//! Several instances on one database (issue 20): two real server processes started at once on
//! one empty database (migrations taken in turn), a complaint sent to one seen on the other, a
//! session made on one used on the other, each outbox message delivered once at a real SMTP
//! server; and, with two app states on one database, the outbox claimed in disjoint sets and
//! the hourly housekeeping run once.

use crate::harness::{TestApp, TestDb};
use crate::ops::http_client::{between, Client};
use crate::ops::{cookies, councillor, references_in, submit_once, Server};
use crate::smtp::SmtpServer;
use standards_desk::config::Config;
use standards_desk::models::outbox::{self as outbox_rows, OutboxMessage};
use standards_desk::{db, AppState};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Another instance of the application on the test app's database and evidence store (its
/// own pool, as a second process has), with changes to its configuration.
pub fn second_instance(app: &TestApp, configure: impl FnOnce(&mut Config)) -> AppState {
    let pool = db::build_pool(&app.db.url, 4).expect("pool");
    let mut config = (*app.state.config).clone();
    configure(&mut config);
    AppState::new(pool, config).expect("app state")
}

/// The Message-ID of each delivered message, with how many times it arrived.
fn deliveries(smtp: &SmtpServer) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in smtp.delivered() {
        let id = m
            .data
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("message-id").then(|| v.trim().to_string())
            })
            .expect("a Message-ID");
        *seen.entry(id).or_default() += 1;
    }
    seen
}

fn queued_message(n: usize) -> OutboxMessage {
    let t = standards_desk::models::now();
    OutboxMessage {
        id: standards_desk::models::new_id(),
        case_id: None,
        template: "test".into(),
        to_address: format!("reader{n}@example.com"),
        to_name: Some(format!("Reader {n}")),
        subject: format!("Message {n}"),
        body_text: format!("Body {n}"),
        body_html: None,
        status: outbox_rows::QUEUED.into(),
        attempts: 0,
        next_attempt_at: t,
        last_error: None,
        created_at: t,
        sent_at: None,
    }
}

#[actix_web::test]
async fn two_workers_send_each_queued_message_exactly_once() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::builder().configure(move |c| c.smtp_url = Some(url)).spawn().await;
    let other = second_instance(&app, |_| {});
    const MESSAGES: usize = 45;
    for n in 0..MESSAGES {
        outbox_rows::insert(&mut app.conn(), &queued_message(n)).unwrap();
    }
    // Both workers at once, each allowed every message, each round repeated.
    let (a, b) = (app.state.clone(), other.clone());
    let (da, db_) = futures_util::future::join(
        async move {
            let mut sent = 0;
            for _ in 0..3 {
                sent += a.send_due_mail().await.expect("worker A").sent;
            }
            sent
        },
        async move {
            let mut sent = 0;
            for _ in 0..3 {
                sent += b.send_due_mail().await.expect("worker B").sent;
            }
            sent
        },
    )
    .await;
    assert_eq!(da + db_, MESSAGES, "A sent {da}, B sent {db_}");
    let seen = deliveries(&smtp);
    assert_eq!(seen.len(), MESSAGES, "every message arrived");
    assert!(seen.values().all(|n| *n == 1), "none twice: {seen:?}");
    assert!(app.emails().iter().all(|m| m.status == outbox_rows::SENT && m.attempts == 1));
}

#[actix_web::test]
async fn the_hourly_housekeeping_runs_on_one_instance() {
    let app = TestApp::spawn().await;
    let other = second_instance(&app, |_| {});
    let (a, b) = (app.state.clone(), other.clone());
    let (ra, rb) = futures_util::future::join(a.housekeeping(), b.housekeeping()).await;
    let (ra, rb) = (ra.expect("A"), rb.expect("B"));
    assert!(ra ^ rb, "exactly one instance ran it (A: {ra}, B: {rb})");
    // Within the hour neither runs it again.
    assert!(!app.state.housekeeping().await.unwrap());
    assert!(!other.housekeeping().await.unwrap());
    let last = standards_desk::services::jobs::last_started(&mut app.conn(), standards_desk::HOUSEKEEPING_JOB)
        .unwrap()
        .expect("the run is recorded");
    assert!(standards_desk::models::now() - last < chrono::Duration::minutes(1));
}

/// Two server processes, started at the same moment on one empty database with one evidence
/// store and one SMTP server.
#[test]
fn two_server_processes_on_one_database() {
    let db = TestDb::empty();
    let smtp = SmtpServer::start();
    let smtp_url = smtp.url();
    let evidence = db.dir.path().join("shared-evidence");
    let evidence_dir = evidence.display().to_string();
    let env = [
        ("SMTP_URL", smtp_url.as_str()),
        ("OUTBOX_INTERVAL_SECONDS", "1"),
        ("EVIDENCE_DIR", evidence_dir.as_str()),
        ("METRICS_TOKEN", "metrics-token-for-the-test"),
    ];
    let (data_a, data_b) = (db.dir.path().join("a"), db.dir.path().join("b"));
    // Started together: both find an empty database; one migrates and loads, the other waits.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(&db, &data_a, &env));
        let b = s.spawn(|| Server::start(&db, &data_b, &env));
        (a.join().expect("instance A"), b.join().expect("instance B"))
    });

    // Complaints to each instance.
    let (mut ca, mut cb) = (a.client(), b.client());
    let councillor = councillor(&mut ca);
    let mut on_a = Vec::new();
    let mut on_b = Vec::new();
    for n in 0..4 {
        let o = submit_once(&mut ca, &councillor, 100 + n).expect("submitted on A");
        on_a.push(o.reference.unwrap_or_else(|| panic!("a reference from A: {:?}", o.statuses)));
        let o = submit_once(&mut cb, &councillor, 200 + n).expect("submitted on B");
        on_b.push(o.reference.unwrap_or_else(|| panic!("a reference from B: {:?}", o.statuses)));
    }
    let stored = references_in(&db.url);
    assert!(on_a.iter().chain(&on_b).all(|r| stored.contains(r)), "all stored: {stored:?}");

    // Signed in on A; the same session works on B, and each sees the other's complaints.
    let form = ca.request("GET", "/login", &[], None).unwrap();
    let cookie = cookies(&form);
    let csrf = between(&form.body, "name=\"_csrf\" value=\"", "\"").unwrap().to_string();
    let body = format!("_csrf={csrf}&email=officer%40southvale.example&password=demo-password");
    let signed_in = ca
        .request("POST", "/login", &[("Cookie", &cookie)], Some(("application/x-www-form-urlencoded", body.as_bytes())))
        .unwrap();
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.header("location"), Some("/dashboard"));
    let session = cookies(&signed_in);
    for (client, reference, label) in [(&mut cb, &on_a[0], "B shows A's complaint"), (&mut ca, &on_b[0], "A shows B's")]
    {
        let page = client.request("GET", &format!("/cases/{reference}"), &[("Cookie", &session)], None).unwrap();
        assert_eq!(page.status, 200, "{label}: {}", page.body);
        assert!(page.body.contains(reference.as_str()) && page.body.contains("Signed in as"), "{label}");
    }

    // The outbox drains, each message delivered once whichever instance sent it.
    let started = Instant::now();
    let emails = loop {
        let mut conn = db.connect();
        let all = outbox_rows::list_all(&mut conn).unwrap();
        if !all.is_empty() && all.iter().all(|m| m.status == outbox_rows::SENT) {
            break all;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the outbox did not drain: {all:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(1500));
    let seen = deliveries(&smtp);
    assert!(emails.len() >= 8, "an acknowledgement per complaint at least: {}", emails.len());
    assert_eq!(seen.len(), emails.len(), "every message arrived");
    assert!(seen.values().all(|n| *n == 1), "none twice: {seen:?}");

    // Each instance's own tally, from its metrics.
    let sent_by = |c: &mut Client| -> u64 {
        let m = c.request("GET", "/metrics", &[("Authorization", "Bearer metrics-token-for-the-test")], None).unwrap();
        assert_eq!(m.status, 200);
        between(&m.body, "\nsd_outbox_sent_total ", "\n").and_then(|v| v.trim().parse().ok()).expect("the tally")
    };
    let (sa, sb) = (sent_by(&mut ca), sent_by(&mut cb));
    assert_eq!(sa + sb, emails.len() as u64, "A sent {sa}, B sent {sb}");
    drop((a, b));
}
