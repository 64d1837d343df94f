//! Letters people can act on (issue 17): staff emails link to the exact page under `BASE_URL`,
//! public and member letters carry the reference, what happens next and where to reply (a
//! council's reply address), every email goes as plain text and HTML, and the takedown request
//! and the member's notification say everything the recipient needs.

use crate::fixtures::{complaint, consult_ip, submit_public, CaseBuilder, PNG};
use crate::harness::TestApp;
use crate::rows;
use crate::smtp::SmtpServer;
use chrono::NaiveDate;
use standards_desk::emails::long_date;
use standards_desk::models::case::Case;
use standards_desk::models::outbox::OutboxMessage;
use standards_desk::services::audit::Actor;
use standards_desk::services::calendar::Calendar;
use standards_desk::services::takedown::{self, RequestInput};

const BASE: &str = "https://standards.southvale.example";

async fn app_at_base_url() -> TestApp {
    TestApp::builder().demo().configure(|c| c.base_url = BASE.into()).spawn().await
}

fn email(app: &TestApp, template: &str) -> OutboxMessage {
    app.emails().into_iter().rev().find(|m| m.template == template).unwrap_or_else(|| panic!("no {template} email"))
}

/// The admin sets Southvale's reply address on the council's letters page.
async fn set_reply_address(app: &TestApp, address: &str) {
    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    let id = app.authority_id("southvale");
    let path = format!("/admin/councils/{id}/letters");
    admin.get(&format!("/admin/councils/{id}")).await.assert_status(200).assert_contains(&path);
    admin.get(&path).await.assert_status(200).assert_contains("Reply address");
    admin.post_form(&path, &[("reply_to", address)]).await.assert_status(303);
}

#[actix_web::test]
async fn a_council_reply_address_is_validated_kept_on_error_and_for_admins_only() {
    let app = TestApp::spawn_demo().await;
    let id = app.authority_id("southvale");
    let path = format!("/admin/councils/{id}/letters");
    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    admin
        .post_form(&path, &[("reply_to", "not an address")])
        .await
        .assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("value=\"not an address\"");
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&path).await.assert_status(403);
    officer.post_form(&path, &[("reply_to", "x@evil.example")]).await.assert_status(403);
    admin.post_form(&path, &[("reply_to", "standards@southvale.example")]).await.assert_status(303);
    admin.get(&path).await.assert_status(200).assert_contains("value=\"standards@southvale.example\"");
    assert_eq!(rows::audited(&app, "council.reply_address_changed"), 1, "the refused attempts changed nothing");
}

#[actix_web::test]
async fn public_letters_carry_the_reference_what_happens_next_and_the_council_reply_address() {
    let app = TestApp::spawn_demo().await;
    set_reply_address(&app, "standards@southvale.example").await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let ack = email(&app, "acknowledgement");
    assert!(ack.body_text.contains(&case.reference));
    assert!(ack.body_text.contains(&long_date(case.assessment_due_on)), "{}", ack.body_text);
    assert!(ack.body_text.contains("email standards@southvale.example and quote the reference"), "{}", ack.body_text);
    let html = ack.body_html.expect("an HTML alternative");
    assert!(html.contains("<h2") && html.contains("What happens next"), "{html}");
    assert!(html.contains("Southvale District Council"), "the council heads the letter: {html}");
    assert!(html.contains(&case.reference));
}

#[actix_web::test]
async fn without_a_reply_address_letters_say_to_reply_to_the_email() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let ack = email(&app, "acknowledgement");
    assert!(
        ack.body_text.contains(&format!("reply to this email and quote the reference {}", case.reference)),
        "{}",
        ack.body_text
    );
}

#[actix_web::test]
async fn staff_emails_link_to_the_exact_page_under_base_url() {
    let app = app_at_base_url().await;
    let case = CaseBuilder::new().log(&app);
    consult_ip(&app, &case, "Is the page official?");
    let ip = email(&app, "ip_request");
    let link = format!("{BASE}/cases/{}#ip", case.reference);
    assert!(ip.body_text.contains(&link), "{}", ip.body_text);
    assert!(ip.body_html.unwrap().contains(&format!("href=\"{link}\"")));

    // A takedown request to the member, overdue: the officer's reminder links to it.
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let officer = app.user("officer@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    let input = RequestInput {
        items: rows::evidence_item_ids(&app, &case.id),
        addressee_kind: "member".into(),
        addressee_name: "Alex Archer".into(),
        channel: "email".into(),
        to_address: "alex.archer@southvale.example".into(),
        request_text: "Please remove the post.".into(),
        ..Default::default()
    };
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    takedown::request(&mut app.conn(), &actor, &officer, &case.reference, &input, start).unwrap();
    let queued = app.state.queue_reminders().await.unwrap();
    assert!(queued >= 1);
    let reminder = email(&app, "takedown_reminder");
    let link = format!("{BASE}/cases/{}/takedowns/T1", case.reference);
    assert!(reminder.body_text.contains(&link), "{}", reminder.body_text);
}

#[actix_web::test]
async fn the_investigator_is_sent_the_investigation_page() {
    let app = app_at_base_url().await;
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    crate::hearing::appoint(&app, &case);
    let appointed = email(&app, "investigator_appointed");
    let link = format!("{BASE}/cases/{}/investigation", case.reference);
    assert!(appointed.body_text.contains(&link), "{}", appointed.body_text);
}

#[actix_web::test]
async fn the_takedown_email_lists_every_post_with_its_hash_and_the_configured_deadline() {
    let app = TestApp::spawn_demo().await;
    set_reply_address(&app, "standards@southvale.example").await;
    // The takedown target is a setting: 7 working days here, not the default 5.
    let admin = app.new_browser();
    admin.login("admin@southvale.example", "demo-password").await;
    admin
        .post_form(
            "/admin/settings",
            &[
                ("deadline.acknowledge", "5"),
                ("deadline.assessment", "20"),
                ("deadline.member_response", "10"),
                ("deadline.takedown", "7"),
            ],
        )
        .await
        .assert_status(303);
    let fields = crate::fixtures::with(&complaint(&app), "post_urls", "https://x.com/cllr_archer/status/1234567890");
    let case = submit_public(&app, &fields, &[("files", "post.png", PNG)]).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let form = officer.get(&format!("/cases/{}/takedowns/new", case.reference)).await;
    form.assert_status(200).assert_contains("within 7 working days");
    let items = rows::evidence_item_ids(&app, &case.id);
    let mut fields: Vec<(&str, &str)> = items.iter().map(|i| ("items", i.as_str())).collect();
    fields.extend([
        ("addressee_kind", "member"),
        ("addressee_name", "Alex Archer"),
        ("channel", "email"),
        ("to_address", "alex.archer@southvale.example"),
        ("request_text", "Dear Councillor Archer,\r\n\r\nPlease remove the posts listed below."),
    ]);
    officer.post_form(&format!("/cases/{}/takedowns", case.reference), &fields).await.assert_status(303);

    let sent = email(&app, "takedown_request");
    let text = &sent.body_text;
    assert!(text.starts_with("Dear Councillor Archer,"), "the officer's words come first: {text}");
    let calendar = Calendar::load(&mut app.conn()).unwrap();
    let today = chrono::Utc::now().date_naive();
    let due = long_date(calendar.add_working_days(today, 7));
    assert!(text.contains(&format!("Please remove the posts by {due}")), "{text}");
    let mut hashes = 0;
    for id in &items {
        let item = standards_desk::models::evidence::list_items(&mut app.conn(), &case.id)
            .unwrap()
            .into_iter()
            .find(|i| &i.id == id)
            .unwrap();
        let version = standards_desk::models::evidence::current_version(&mut app.conn(), &item).unwrap();
        assert!(text.contains(&format!("E{}:", item.number)), "{text}");
        if let Some(url) = version.url {
            assert!(text.contains(&url), "{url} in {text}");
        }
        assert!(text.contains(&format!("Captured on {}", long_date(version.captured_at.date()))), "{text}");
        for f in standards_desk::models::evidence::files(&mut app.conn(), &item.id).unwrap() {
            assert!(text.contains(&f.sha256), "{} in {text}", f.sha256);
            hashes += 1;
        }
    }
    assert!(hashes >= 1, "the screenshot's hash is listed");
    assert!(text.contains("https://x.com/cllr_archer/status/1234567890"), "{text}");
    assert!(text.contains("email standards@southvale.example"), "{text}");
    let html = sent.body_html.expect("HTML alternative");
    assert!(html.contains("href=\"https://x.com/cllr_archer/status/1234567890\""), "{html}");
}

#[actix_web::test]
async fn the_takedown_draft_is_worded_for_the_stage_of_the_case() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::investigated(&app, "Alex Archer", "southvale").await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get(&format!("/cases/{}/takedowns/new", case.reference))
        .await
        .assert_status(200)
        .assert_contains("is being investigated")
        .assert_lacks("is assessing it");
}

#[actix_web::test]
async fn the_member_is_told_the_allegations_the_deadline_and_the_independent_person() {
    let app = TestApp::spawn_demo().await;
    let case: Case = CaseBuilder::new()
        .confidential("Fear of reprisal")
        .what("Jo Public says the councillor called a planning officer a liar.")
        .log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let member_id = app.member_id("Alex Archer");
    officer.post_form(&format!("/cases/{}/members/{member_id}/notify", case.reference), &[]).await.assert_status(303);
    let notice = email(&app, "member_notification");
    let text = &notice.body_text;
    assert!(text.contains("Paragraph 1, Respect"), "{text}");
    assert!(text.contains("Paragraph 3, Impartiality of officers of the council"), "{text}");
    let calendar = Calendar::load(&mut app.conn()).unwrap();
    let due = calendar.add_working_days(chrono::Utc::now().date_naive(), 10);
    assert!(text.contains(&format!("by {}", long_date(due))), "{text}");
    assert!(text.contains("Iris Penrose"), "the Independent Person is named: {text}");
    assert!(!text.contains("Jo Public"), "the confidential complainant is not named anywhere: {text}");
    assert!(text.contains(&case.reference));
}

#[actix_web::test]
async fn mail_goes_over_smtp_as_plain_text_and_html_alternatives() {
    let smtp = SmtpServer::start();
    let smtp_url = smtp.url();
    let app = TestApp::builder().demo().configure(move |c| c.smtp_url = Some(smtp_url)).spawn().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    assert_eq!(app.state.send_due_mail().await.unwrap().sent, 1);
    let data = smtp.delivered().remove(0).data;
    assert!(data.contains("Content-Type: multipart/alternative"), "{data}");
    let plain = part(&data, "text/plain");
    let html = part(&data, "text/html");
    assert!(plain.contains(&format!("Your reference number is {}", case.reference)), "{plain}");
    assert!(!plain.contains("<p"), "{plain}");
    assert!(html.contains("<p style=") && html.contains(&case.reference), "{html}");
    assert!(html.contains("<!DOCTYPE html>"), "{html}");
}

/// The decoded body of the MIME part of this content type (7bit or quoted-printable).
fn part(data: &str, content_type: &str) -> String {
    let start = data.find(&format!("Content-Type: {content_type}")).unwrap_or_else(|| panic!("{content_type} part"));
    let rest = &data[start..];
    let headers_end = rest.find("\r\n\r\n").expect("part headers end");
    let headers = &rest[..headers_end];
    let body = &rest[headers_end + 4..];
    let body = &body[..body.find("\r\n--").unwrap_or(body.len())];
    if headers.contains("quoted-printable") {
        quoted_printable(body)
    } else {
        body.to_string()
    }
}

fn quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[actix_web::test]
async fn the_bundle_shows_each_capture_with_its_image_text_and_answers_in_words() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::at_hearing(&app).await;
    let panel = app.new_browser();
    panel.login("committee3@southvale.example", "demo-password").await;
    let bundle = panel.get(&format!("/cases/{}/hearing/bundle", case.reference)).await;
    bundle.assert_status(200).assert_contains("4. The evidence");
    let items = standards_desk::models::evidence::list_items(&mut app.conn(), &case.id).unwrap();
    assert!(!items.is_empty());
    for item in &items {
        let version = standards_desk::models::evidence::current_version(&mut app.conn(), item).unwrap();
        bundle.assert_contains(&format!("id=\"E{}\"", item.number));
        if let Some(text) = version.post_text {
            bundle.assert_contains(&text);
        }
        for f in standards_desk::models::evidence::files(&mut app.conn(), &item.id).unwrap() {
            let src = format!("/cases/{}/hearing/bundle/E{}/{}", case.reference, item.number, f.id);
            if f.media_type.starts_with("image/") {
                bundle.assert_contains(&format!("<img src=\"{src}\""));
                // The panel may open the image the bundle shows.
                let image = panel.get(&src).await;
                image.assert_status(200);
                assert_eq!(image.header("content-type"), Some(f.media_type.as_str()));
                assert_eq!(image.bytes.len() as i64, f.size_bytes);
                // Not on the panel: no image.
                let other = app.new_browser();
                other.login("committee2@southvale.example", "demo-password").await;
                other.get(&src).await.assert_status(404);
            }
        }
    }
    // Capacity answers in words, in the test's order (G1 before G2 before C1).
    let g1 = bundle.body.find("G1: ").expect("G1 answered");
    let g2 = bundle.body.find("G2: ").expect("G2 answered");
    let c1 = bundle.body.find("C1: ").expect("C1 answered");
    assert!(g1 < g2 && g2 < c1);
    bundle
        .assert_contains("<td class=\"govuk-table__cell\">Yes</td>")
        .assert_lacks("<td class=\"govuk-table__cell\">yes</td>");
}

#[actix_web::test]
async fn case_summaries_are_cut_at_a_word_with_an_ellipsis() {
    let app = TestApp::spawn_demo().await;
    let long = "The councillor posted that the planning committee chair is a disgrace to the borough and \
                should resign immediately before the next elections are held in the spring";
    let case = CaseBuilder::new().what(long).log(&app);
    assert!(case.summary.ends_with('…'), "{}", case.summary);
    assert!(case.summary.contains("The councillor posted that"));
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let list = officer.get("/cases").await;
    list.assert_status(200);
    let row = list.body.split(&case.reference).nth(2).expect("the row's summary follows its link");
    let cell = row.split("<td class=\"govuk-table__cell\">").nth(1).unwrap().split("<br>").next().unwrap();
    assert!(cell.ends_with('…'), "{cell}");
    let before = cell.trim_end_matches('…');
    assert!(long.contains(before.rsplit(": ").next().unwrap()), "cut at a word: {cell}");
    assert!(long.contains(&format!("{} ", before.rsplit(' ').next().unwrap())), "ends on a whole word: {cell}");
}
