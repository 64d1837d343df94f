//! Documents as PDF (issue 17): the hearing bundle and decision notices, parsed back with lopdf;
//! the notice's PDF attached to the email that sends it, delivered over real SMTP.

use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use crate::smtp::SmtpServer;
use lopdf::{Document, Object};
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;
use standards_desk::services::decisions::{self, DecisionInput};
use standards_desk::services::files::StoredUpload;

const POST_PNG: &[u8] = include_bytes!("files/post.png");
const POST_JPG: &[u8] = include_bytes!("files/post.jpg");

/// The images drawn on the PDF's pages (soft masks not counted).
fn image_count(doc: &Document) -> usize {
    doc.get_pages().values().map(|id| doc.get_page_images(*id).map(|i| i.len()).unwrap_or(0)).sum()
}

fn text_of(doc: &Document, page: u32) -> String {
    doc.extract_text(&[page]).unwrap_or_default()
}

/// The catalog's entry `key`.
fn catalog(doc: &Document, key: &[u8]) -> Option<Object> {
    let root = doc.trailer.get(b"Root").ok()?.as_reference().ok()?;
    doc.get_dictionary(root).ok()?.get(key).ok().cloned()
}

fn assert_tagged_english(doc: &Document) {
    match catalog(doc, b"Lang") {
        Some(Object::String(s, _)) => assert_eq!(String::from_utf8_lossy(&s), "en-GB"),
        other => panic!("no language: {other:?}"),
    }
    assert!(catalog(doc, b"StructTreeRoot").is_some(), "the PDF is tagged");
}

/// Puts bytes in the store (as an upload would) and describes them as an upload.
fn stored(app: &TestApp, bytes: &[u8], name: &str, media_type: &str) -> StoredUpload {
    let sha = standards_desk::services::auth::sha256_hex(bytes);
    let path = app.state.files.path_for(&sha);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    standards_desk::models::file::insert_stored_if_missing(
        &mut app.conn(),
        &standards_desk::models::file::StoredFile {
            sha256: sha.clone(),
            size_bytes: bytes.len() as i64,
            media_type: media_type.into(),
            created_at: standards_desk::models::now(),
        },
    )
    .unwrap();
    StoredUpload {
        sha256: sha,
        original_name: name.into(),
        media_type: media_type.into(),
        size_bytes: bytes.len() as i64,
    }
}

#[actix_web::test]
async fn the_bundle_pdf_has_an_index_with_page_numbers_the_images_and_each_hash() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::at_hearing(&app).await;
    let officer = app.user("officer@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    let before = crate::rows::evidence_item_ids(&app, &case.id).len();
    let png = stored(&app, POST_PNG, "post.png", "image/png");
    let jpg = stored(&app, POST_JPG, "reply.jpg", "image/jpeg");
    for (title, text, file) in [
        ("The post about the planning officer", "The planning officer is a liar and should be sacked.", &png),
        ("The reply under the post", "I stand by every word.", &jpg),
    ] {
        let form = standards_desk::services::evidence::EvidenceForm {
            kind: "post".into(),
            source: "officer".into(),
            title: title.into(),
            platform: "facebook".into(),
            url: "https://www.facebook.com/alex.archer/posts/1".into(),
            post_text: text.into(),
            captured_day: "3".into(),
            captured_month: "11".into(),
            captured_year: "2026".into(),
            ..Default::default()
        };
        standards_desk::services::evidence::add(
            &mut app.conn(),
            &actor,
            &officer,
            &case.reference,
            &form,
            std::slice::from_ref(file),
            chrono::Utc::now().date_naive(),
        )
        .unwrap();
    }
    let browser = app.new_browser();
    browser.login("officer@southvale.example", "demo-password").await;
    browser
        .get(&format!("/cases/{}/hearing/bundle", case.reference))
        .await
        .assert_status(200)
        .assert_contains(&format!("href=\"/cases/{}/hearing/bundle/pdf\"", case.reference));
    let res = browser.get(&format!("/cases/{}/hearing/bundle/pdf", case.reference)).await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/pdf"));
    let doc = Document::load_mem(&res.bytes).expect("a valid PDF");
    assert_tagged_english(&doc);
    let pages = doc.get_pages().len() as u32;
    // The index page, one page per section, one per evidence item, the hash list.
    let items = before + 2;
    assert!(pages as usize >= 1 + 5 + items, "{pages} pages");
    assert_eq!(image_count(&doc), 2, "each capture's image is embedded (the fixture's broken PNG is not)");
    let index = text_of(&doc, 1);
    assert!(index.contains("Index"), "{index}");
    // Every index entry's page number is the page its section starts on.
    let mut checked = 0;
    for (entry, expect) in [
        ("The complaint and the allegations", "1. The complaint and the allegations"),
        ("Capacity and Article 10 assessments", "2. Capacity and Article 10 assessments"),
        ("The investigation report", "3. The investigation report"),
        ("4. The evidence", "4. The evidence"),
        ("E{before1}: The post about the planning officer", "The planning officer is a liar"),
        ("E{before2}: The reply under the post", "I stand by every word."),
        ("The member's response", "5. The member's response"),
    ] {
        let entry =
            entry.replace("{before1}", &(before + 1).to_string()).replace("{before2}", &(before + 2).to_string());
        let at = index.find(&entry).unwrap_or_else(|| panic!("index lacks {entry:?}: {index}"));
        let after = &index[at + entry.len()..];
        let page: u32 = after
            .split("page ")
            .nth(1)
            .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no page number after {entry:?}: {after}"));
        assert!(page > 1 && page <= pages, "{entry}: page {page}");
        let text = text_of(&doc, page);
        assert!(text.contains(expect), "page {page} should hold {expect:?}: {text}");
        checked += 1;
    }
    assert_eq!(checked, 7);
    // Each image's file sits with its SHA-256 beside it.
    let all = doc.extract_text(&(1..=pages).collect::<Vec<_>>()).unwrap();
    for f in [&png, &jpg] {
        let flat = all.split_whitespace().collect::<String>();
        assert!(flat.contains(&format!("{},SHA-256{}", f.original_name, f.sha256)), "{all}");
    }
    assert_eq!(crate::rows::audited(&app, "hearing.bundle_downloaded"), 1);
    // Someone who may not see the bundle cannot have its PDF either.
    let outsider = app.new_browser();
    outsider.login("committee2@southvale.example", "demo-password").await;
    outsider.get(&format!("/cases/{}/hearing/bundle/pdf", case.reference)).await.assert_status(404);
}

#[actix_web::test]
async fn a_decision_notice_is_a_pdf_and_goes_with_its_email() {
    let smtp = SmtpServer::start();
    let smtp_url = smtp.url();
    let app = TestApp::builder().demo().configure(|c| c.smtp_url = Some(smtp_url)).spawn().await;
    let case = CaseBuilder::new()
        .member("Alex Archer", "southvale")
        .platform("facebook")
        .url("https://example.org/a")
        .what("Calls an officer a liar")
        .field("why_official", "See the post.")
        .received(chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap())
        .log(&app);
    let mo = app.user("mo@southvale.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let mut answers = AnswerInput::default();
    for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        let yes = code.starts_with('G') || code == "C3";
        answers.answers.insert(code.into(), if yes { "yes" } else { "no" }.into());
    }
    let member = app.member_id("Alex Archer");
    let a = assessment::assess(&mut app.conn(), &actor, &mo, &case.reference, &member, &answers).unwrap();
    assessment::conclude(&mut app.conn(), &actor, &mo, &a.id, "OFFICIAL", &app.authority_id("southvale"), "").unwrap();
    crate::gates::told_and_responded(&app, &case);
    let input = DecisionInput { outcome: "investigation".into(), reasons: "Serious.".into(), ..Default::default() };
    let d = decisions::decide(&mut app.conn(), &actor, &mo, &case.reference, &input, chrono::Utc::now().date_naive())
        .unwrap();
    let browser = app.new_browser();
    browser.login("mo@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/decisions/{}/notices", case.reference, d.id);
    let page = browser.get(&path).await;
    page.assert_status(200).assert_contains("as PDF</a>");
    // The draft downloads as a PDF.
    let id = page.body.split("name=\"subject_").nth(1).unwrap().split('"').next().unwrap().to_string();
    let draft = browser.get(&format!("{path}/{id}/pdf")).await;
    draft.assert_status(200);
    let doc = Document::load_mem(&draft.bytes).expect("a valid PDF");
    assert_tagged_english(&doc);
    assert!(text_of(&doc, 1).contains(&case.reference), "{}", text_of(&doc, 1));

    browser.post_form(&path, &[]).await.assert_status(303);
    let sent: Vec<_> = app.emails().into_iter().filter(|m| m.template == "decision_notice").collect();
    assert!(!sent.is_empty());
    app.state.send_due_mail().await.expect("outbox runs");
    let delivered = smtp.delivered();
    let mut attached = 0;
    for m in &sent {
        let got = delivered
            .iter()
            .find(|g| g.data.contains(&format!("Message-ID: <{}@", m.id)))
            .unwrap_or_else(|| panic!("{} was not delivered", m.id));
        assert!(got.data.contains("multipart/mixed"), "{}", got.data);
        assert!(got.data.contains("Content-Type: application/pdf"), "{}", got.data);
        let name = format!("decision-notice-{}-", case.reference);
        assert!(got.data.contains(&name), "the attachment is named: {}", got.data);
        let pdf = pdf_part(&got.data).expect("the PDF part decodes");
        let doc = Document::load_mem(&pdf).expect("the attachment is a valid PDF");
        let text = doc.extract_text(&doc.get_pages().keys().copied().collect::<Vec<_>>()).unwrap();
        assert!(text.contains(&case.reference), "{text}");
        assert!(text.contains(m.subject.split_whitespace().next().unwrap()), "{text}");
        attached += 1;
    }
    assert_eq!(attached, sent.len());
}

/// The base64 body of the message's `application/pdf` part.
fn pdf_part(data: &str) -> Option<Vec<u8>> {
    let start = data.find("Content-Type: application/pdf")?;
    let rest = &data[start..];
    let body_start = rest.find("\r\n\r\n").map(|i| i + 4).or_else(|| rest.find("\n\n").map(|i| i + 2))?;
    let body = &rest[body_start..];
    let end = body.find("\n--").unwrap_or(body.len());
    Some(base64_decode(&body[..end]))
}

fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else { continue };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
