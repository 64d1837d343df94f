use crate::fixtures::{complaint, consult_ip, declare_conflict, submit_public, PDF, PNG};
use crate::harness::TestApp;
use crate::rows;
use sha2::{Digest, Sha256};
use standards_desk::models::case::Case;
use standards_desk::models::evidence as evidence_rows;
use std::io::{Read, Write};

const HTML: &[u8] =
    b"<!DOCTYPE html><html><head><title>Cllr A</title><script>alert(1)</script></head><body>Post</body></html>";
const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0";

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn warc_gz() -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n").unwrap();
    enc.finish().unwrap()
}

fn wacz() -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    z.start_file("datapackage.json", zip::write::SimpleFileOptions::default()).unwrap();
    z.write_all(b"{\"profile\": \"data-package\", \"resources\": []}").unwrap();
    z.start_file("archive/data.warc", zip::write::SimpleFileOptions::default()).unwrap();
    z.write_all(b"WARC/1.1\r\n").unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

fn capture_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", "post"),
        ("source", "officer"),
        ("title", "Facebook post calling an officer a liar"),
        ("platform", "facebook"),
        ("url", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc?fbclid=1"),
        ("account_handle", "CllrArcherNorthfield"),
        ("display_name", "Cllr A – Northfield Ward"),
        ("account_bio", "Your councillor for Northfield"),
        ("post_text", "The planning officer is incompetent and a liar."),
        ("posted_day", "3"),
        ("posted_month", "11"),
        ("posted_year", "2026"),
        ("posted_time", "21:15"),
        ("captured_day", "4"),
        ("captured_month", "11"),
        ("captured_year", "2026"),
        ("captured_time", "09:30"),
    ]
}

async fn case_with_officer(app: &TestApp) -> (Case, TestApp) {
    let case = submit_public(app, &complaint(app), &[("files", "from-complainant.png", PNG)]).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    (case, officer)
}

async fn add_capture(officer: &TestApp, case: &Case, files: &[(&str, &str, &[u8])]) -> String {
    officer.get(&format!("/cases/{}/evidence/new", case.reference)).await.assert_status(200);
    let res =
        officer.post_multipart(&format!("/cases/{}/evidence/new", case.reference), &capture_fields(), files).await;
    res.assert_status(303);
    res.location().unwrap().to_string()
}

#[actix_web::test]
async fn files_are_hashed_stored_once_and_logged_in_custody() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    // The complainant's screenshot became evidence E1, unverified.
    let e1 = officer.get(&format!("/cases/{}/evidence/E1", case.reference)).await;
    e1.assert_status(200).assert_contains("From the complainant: not verified").assert_contains(&hex(PNG));

    let warc = warc_gz();
    let wacz = wacz();
    let at = add_capture(
        &officer,
        &case,
        &[
            ("files", "same-shot.png", PNG),
            ("files", "page.html", HTML),
            ("files", "crawl.warc.gz", &warc),
            ("files", "crawl.wacz", &wacz),
        ],
    )
    .await;
    assert_eq!(at, format!("/cases/{}/evidence/E2", case.reference));
    let page = officer.get(&at).await;
    page.assert_status(200)
        .assert_contains("Evidence E2 added")
        .assert_contains(&hex(PNG))
        .assert_contains(&hex(HTML))
        .assert_contains(&hex(&warc))
        .assert_contains(&hex(&wacz))
        .assert_contains("Captured by an officer")
        .assert_contains("Web archive (WACZ)");
    assert_eq!(rows::count(&app, "stored_files"), 4, "the PNG already sent by the complainant is stored once");
    let item = rows::evidence_item_id(&app, &case.id, 2);
    let actions = rows::custody_actions(&app, &item);
    assert_eq!(actions, vec!["created", "uploaded", "uploaded", "uploaded", "uploaded", "viewed"][..5].to_vec());
    // The case page shows thumbnails and hashes.
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("class=\"sd-thumb\"")
        .assert_contains(&hex(HTML));
}

#[actix_web::test]
async fn an_executable_renamed_png_is_refused_and_nothing_else_is_lost() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    officer.get(&format!("/cases/{}/evidence/new", case.reference)).await;
    let res = officer
        .post_multipart(
            &format!("/cases/{}/evidence/new", case.reference),
            &capture_fields(),
            &[("files", "screenshot.png", EXE)],
        )
        .await;
    res.assert_status(422)
        .assert_contains("screenshot.png must be a screenshot")
        .assert_contains("value=\"Facebook post calling an officer a liar\"")
        .assert_contains("The planning officer is incompetent and a liar.</textarea>");
    assert_eq!(rows::count(&app, "evidence_items"), 1, "only the complainant's item");
    assert_eq!(rows::count(&app, "stored_files"), 1);
}

#[actix_web::test]
async fn a_file_altered_on_disk_is_reported_by_verify_and_by_the_command() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "page.html", HTML)]).await;
    let ok = officer.post_form(&format!("/cases/{}/evidence/E2/verify", case.reference), &[]).await;
    ok.assert_status(200).assert_contains("Verified: 1 file matches its SHA-256 fingerprint");
    let cli_ok = verify_command(&app);
    assert!(cli_ok.status.success(), "{}", String::from_utf8_lossy(&cli_ok.stdout));

    let path = app.state.files.path_for(&hex(HTML));
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"<html>doctored</html>").unwrap();

    let bad = officer.post_form(&format!("/cases/{}/evidence/E2/verify", case.reference), &[]).await;
    bad.assert_status(200)
        .assert_contains("Verification failed")
        .assert_contains("page.html: the file has changed on disk");
    let cli = verify_command(&app);
    assert_eq!(cli.status.code(), Some(1));
    let out = String::from_utf8_lossy(&cli.stdout);
    assert!(out.contains(&format!("MISMATCH {}/E2", case.reference)) && out.contains("changed on disk"), "{out}");
    // The failed check is on the case timeline.
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Verification of E2 found problems");
}

fn verify_command(app: &TestApp) -> std::process::Output {
    let url = match app.db.url.backend {
        standards_desk::db::Backend::Sqlite => format!("sqlite://{}", app.db.url.target),
        standards_desk::db::Backend::Postgres => app.db.url.target.clone(),
    };
    std::process::Command::new(env!("CARGO_BIN_EXE_standards-desk"))
        .arg("verify-evidence")
        .env("DATABASE_URL", url)
        .env("DATA_DIR", &app.state.config.data_dir)
        .env("EVIDENCE_DIR", app.state.files.root())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[actix_web::test]
async fn an_edited_or_deleted_custody_entry_breaks_the_chain() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    let item = rows::evidence_item_id(&app, &case.id, 1);
    rows::alter_custody_entry(&app, &item, 1, "Someone else");
    let res = officer.post_form(&format!("/cases/{}/evidence/E1/verify", case.reference), &[]).await;
    res.assert_status(200)
        .assert_contains("Verification failed")
        .assert_contains("custody entry 1 (created) has been altered");
    assert_eq!(verify_command(&app).status.code(), Some(1));

    // Deleting the newest entries is caught too.
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    let item = rows::evidence_item_id(&app, &case.id, 1);
    rows::delete_newest_custody_entry(&app, &item);
    officer
        .post_form(&format!("/cases/{}/evidence/E1/verify", case.reference), &[])
        .await
        .assert_status(200)
        .assert_contains("entries are missing");
}

#[actix_web::test]
async fn files_are_404_for_users_who_may_not_see_the_case() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    let file_id: String =
        evidence_rows::files(&mut app.conn(), &rows::evidence_item_id(&app, &case.id, 1)).unwrap()[0].id.clone();
    let path = format!("/cases/{}/evidence/E1/files/{file_id}", case.reference);
    officer.get(&path).await.assert_status(200);
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    ip.get(&path).await.assert_status(404);
    ip.get(&format!("/cases/{}/evidence/E1", case.reference)).await.assert_status(404);
    let anonymous = app.new_browser();
    let res = anonymous.get(&path).await;
    res.assert_status(303);
    // A declared conflict removes access too.
    declare_conflict(&app, &case, &app.user("officer@southvale.example").id, "Family");
    officer.get(&path).await.assert_status(404);
}

#[actix_web::test]
async fn saved_html_is_served_sandboxed_and_images_inline() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "page.html", HTML)]).await;
    let item = rows::evidence_item_id(&app, &case.id, 2);
    let f = &evidence_rows::files(&mut app.conn(), &item).unwrap()[0];
    let res = officer.get(&format!("/cases/{}/evidence/E2/files/{}", case.reference, f.id)).await;
    res.assert_status(200);
    let csp = res.header("content-security-policy").unwrap();
    assert!(csp.starts_with("sandbox") && csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("allow-scripts"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert!(res.header("content-disposition").unwrap().starts_with("inline"));
    assert_eq!(res.body.as_bytes(), HTML);
    let dl = officer.get(&format!("/cases/{}/evidence/E2/files/{}?download=1", case.reference, f.id)).await;
    dl.assert_status(200);
    assert!(dl.header("content-disposition").unwrap().starts_with("attachment; filename=\"page.html\""));
    let actions = rows::custody_actions(&app, &item);
    assert_eq!(&actions[actions.len() - 2..], &["viewed".to_string(), "downloaded".to_string()]);
}

#[actix_web::test]
async fn the_export_bundle_manifest_matches_the_files() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "page.html", HTML), ("files", "shot.png", PNG)]).await;
    let res = officer.get(&format!("/cases/{}/evidence.zip", case.reference)).await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/zip"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(res.bytes.clone())).unwrap();
    let mut manifest = String::new();
    zip.by_name("manifest.json").unwrap().read_to_string(&mut manifest).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["case"], case.reference.as_str());
    let items = manifest["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let mut checked = 0;
    for item in items {
        for f in item["files"].as_array().unwrap() {
            let mut content = Vec::new();
            zip.by_name(f["path"].as_str().unwrap()).unwrap().read_to_end(&mut content).unwrap();
            assert_eq!(hex(&content), f["sha256"].as_str().unwrap());
            checked += 1;
        }
        let custody = item["custody"].as_array().unwrap();
        assert_eq!(custody.last().unwrap()["action"], "exported");
    }
    assert_eq!(checked, 3);
    let mut index = String::new();
    zip.by_name("index.html").unwrap().read_to_string(&mut index).unwrap();
    assert!(index.contains(&hex(HTML)));
    assert!(zip.by_name("custody/E2.json").is_ok());

    // An Independent Person consulted on the case sees it, but the service refuses them a bundle.
    let ip = app.user("ip@southvale.example");
    consult_ip(&app, &case, "Is the evidence enough to go on?");
    assert!(standards_desk::services::access::can_view_case(&mut app.conn(), &ip, &case.id).unwrap());
    let out = std::fs::File::create(app.db.dir.path().join("ip.zip")).unwrap();
    let refused = standards_desk::services::evidence::export(
        &mut app.conn(),
        &app.state.files,
        &standards_desk::services::audit::Actor::user(&ip.id, &ip.name, None),
        &ip,
        &case.reference,
        out,
    );
    assert!(matches!(refused, Err(standards_desk::services::ServiceError::Forbidden)));
}

#[actix_web::test]
async fn a_correction_adds_a_version_and_keeps_the_original() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "page.html", HTML)]).await;
    let path = format!("/cases/{}/evidence/E2/correct", case.reference);
    officer.get(&path).await.assert_status(200).assert_contains("value=\"Facebook post calling an officer a liar\"");
    let mut fields: Vec<(&str, &str)> = capture_fields();
    fields.retain(|(k, _)| *k != "post_text");
    fields.push(("post_text", "The planning officer is incompetent and a liar!!"));
    let missing_reason = officer.post_form(&path, &fields).await;
    missing_reason.assert_status(422).assert_contains("Explain what is being corrected and why");
    fields.push(("change_reason", "Transcribed the punctuation wrongly"));
    officer.post_form(&path, &fields).await.assert_status(303);
    let page = officer.get(&format!("/cases/{}/evidence/E2", case.reference)).await;
    page.assert_status(200)
        .assert_contains("Details (version 2)")
        .assert_contains("liar!!")
        .assert_contains("Version 1,");
    let item = rows::evidence_item_id(&app, &case.id, 2);
    let versions = evidence_rows::versions(&mut app.conn(), &item).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].post_text.as_deref(), Some("The planning officer is incompetent and a liar."));
    assert_eq!(versions[1].change_reason.as_deref(), Some("Transcribed the punctuation wrongly"));
}

#[actix_web::test]
async fn status_checks_are_recorded_in_custody() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    officer
        .post_form(
            &format!("/cases/{}/evidence/E1/status", case.reference),
            &[("status", "removed"), ("note", "Checked from a council laptop")],
        )
        .await
        .assert_status(303);
    let item = rows::evidence_item_id(&app, &case.id, 1);
    let found = evidence_rows::find_item(&mut app.conn(), &item).unwrap().unwrap();
    assert_eq!(found.status.as_str(), "removed");
    assert!(found.status_checked_at.is_some());
    let last = evidence_rows::last_custody(&mut app.conn(), &item).unwrap().unwrap();
    assert_eq!(last.action, "status_changed");
    assert!(last.details.contains("\"to\":\"removed\""));
    officer
        .post_form(&format!("/cases/{}/evidence/E1/status", case.reference), &[("status", "deleted")])
        .await
        .assert_status(422)
        .assert_contains("Select live, removed or unknown");
}

#[actix_web::test]
async fn a_form_shown_again_keeps_its_uploads_until_the_item_is_saved() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    let path = format!("/cases/{}/evidence/new", case.reference);
    officer.get(&path).await.assert_status(200);
    let mut fields = capture_fields();
    fields.retain(|(k, _)| *k != "title");
    let res = officer.post_multipart(&path, &fields, &[("files", "page.html", HTML), ("files", "shot.png", PNG)]).await;
    res.assert_status(422)
        .assert_contains("Enter a short title")
        .assert_contains("Remove page.html")
        .assert_contains("Remove shot.png");
    let value_before = |text: &str| {
        let before = &res.body[..res.body.find(text).unwrap()];
        let at = before.rfind("value=\"").unwrap() + "value=\"".len();
        before[at..at + before[at..].find('"').unwrap()].to_string()
    };
    let draft = {
        let at = res.body.find("name=\"draft\" value=\"").unwrap() + "name=\"draft\" value=\"".len();
        res.body[at..at + res.body[at..].find('"').unwrap()].to_string()
    };
    assert!(!draft.is_empty(), "the form keeps a draft");
    let shot = value_before("Remove shot.png");

    // Sent again with the title, taking one of the kept files off: the item has the other.
    let mut fields: Vec<(&str, &str)> = capture_fields();
    fields.extend([("draft", draft.as_str()), ("remove_file", shot.as_str())]);
    let res = officer.post_multipart(&path, &fields, &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some(format!("/cases/{}/evidence/E2", case.reference).as_str()));
    let item = rows::evidence_item_id(&app, &case.id, 2);
    let files = evidence_rows::files(&mut app.conn(), &item).unwrap();
    assert_eq!(files.iter().map(|f| f.original_name.as_str()).collect::<Vec<_>>(), ["page.html"]);
    // The draft is spent: sending it again does not bring its files back.
    let again = officer.post_multipart(&path, &fields, &[]).await;
    again.assert_status(422).assert_contains("Attach at least one file");
}

#[actix_web::test]
async fn a_view_is_recorded_once_per_user_item_and_day_and_every_download_is() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "one.png", PNG), ("files", "two.pdf", PDF)]).await;
    let item = rows::evidence_item_id(&app, &case.id, 2);
    let files = evidence_rows::files(&mut app.conn(), &item).unwrap();
    let image = files.iter().find(|f| f.original_name == "one.png").unwrap();
    let count = |action: &str| rows::custody_actions(&app, &item).iter().filter(|a| *a == action).count();
    // The case page shows the thumbnail on every visit; the image is opened again too.
    for _ in 0..3 {
        officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
        officer.get(&format!("/cases/{}/evidence/E2/files/{}", case.reference, image.id)).await.assert_status(200);
    }
    assert_eq!(count("viewed"), 1, "one view today for this officer and item");
    // Another user's view is their own event.
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&format!("/cases/{}/evidence/E2/files/{}", case.reference, image.id)).await.assert_status(200);
    assert_eq!(count("viewed"), 2);
    // Downloads are always recorded.
    for _ in 0..2 {
        let dl = officer.get(&format!("/cases/{}/evidence/E2/files/{}?download=1", case.reference, image.id)).await;
        dl.assert_status(200);
    }
    assert_eq!(count("downloaded"), 2);
}

/// Verifying evidence reads no body: a multipart POST without the token first is still refused
/// before the handler runs, and no custody entry is written.
#[actix_web::test]
async fn verifying_evidence_by_multipart_without_a_token_is_refused_and_logs_nothing() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    let item = rows::evidence_item_id(&app, &case.id, 1);
    let before = rows::custody_actions(&app, &item);
    let path = format!("/cases/{}/evidence/E1/verify", case.reference);
    officer.post_multipart_raw(&path, &[("note", "x")], &[]).await.assert_status(403);
    officer.post_multipart_raw(&path, &[], &[]).await.assert_status(403);
    assert_eq!(rows::custody_actions(&app, &item), before, "nothing was logged");
    officer.get(&format!("/cases/{}/evidence/E1", case.reference)).await.assert_status(200);
    officer.post_multipart(&path, &[], &[]).await.assert_status(200).assert_contains("Verif");
}

const MHTML: &[u8] = b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://www.facebook.com/CllrArcher/posts/1\r\nSubject: Cllr A\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype=\"text/html\";\r\n\tboundary=\"----MultipartBoundary--abc----\"\r\n\r\n------MultipartBoundary--abc----\r\nContent-Type: text/html\r\nContent-Location: https://www.facebook.com/CllrArcher/posts/1\r\n\r\n<html><body><script>alert(1)</script>Post</body></html>\r\n------MultipartBoundary--abc------\r\n";

/// The MHTML file is stored, listed as a saved page and only ever downloaded.
async fn assert_mhtml_is_a_download(app: &TestApp, officer: &TestApp, case: &Case, number: i32) {
    let item = rows::evidence_item_id(app, &case.id, number);
    let files = evidence_rows::files(&mut app.conn(), &item).unwrap();
    let f = files.iter().find(|f| f.sha256 == hex(MHTML)).expect("the MHTML file is an evidence file");
    assert!(app.state.files.path_for(&f.sha256).exists());
    for query in ["", "?download=1"] {
        let res = officer.get(&format!("/cases/{}/evidence/E{number}/files/{}{query}", case.reference, f.id)).await;
        res.assert_status(200);
        assert!(res.header("content-disposition").unwrap().starts_with("attachment"), "never shown inline");
        assert_eq!(res.header("content-type"), Some("application/octet-stream"));
        assert_eq!(res.body.as_bytes(), MHTML);
    }
}

#[actix_web::test]
async fn an_mhtml_capture_labelled_multipart_related_is_accepted_as_a_file_on_both_forms() {
    let app = TestApp::spawn_demo().await;
    // The public form: a browser labels a .mhtml file multipart/related.
    let fields = complaint(&app);
    app.get("/complaints/new").await.assert_status(200);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app
        .post_multipart_typed("/complaints/new", &refs, &[("files", "post.mhtml", "multipart/related", MHTML)])
        .await;
    res.assert_status(303);
    let check = app.follow(&res).await;
    check.assert_status(200).assert_contains("post.mhtml");
    let sent = app.post_form(res.location().unwrap(), &[]).await;
    sent.assert_status(303);
    let confirmation = app.follow(&sent).await;
    confirmation.assert_status(200).assert_contains("Complaint sent");
    let reference = confirmation.body.split("<strong>").nth(1).unwrap().split("</strong>").next().unwrap();
    let case = standards_desk::models::case::find_by_reference(&mut app.conn(), reference).unwrap().unwrap();
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    assert_mhtml_is_a_download(&app, &officer, &case, 1).await;

    // The staff evidence form, labelled message/rfc822 and multipart/related.
    officer.get(&format!("/cases/{}/evidence/new", case.reference)).await.assert_status(200);
    let res = officer
        .post_multipart_typed(
            &format!("/cases/{}/evidence/new", case.reference),
            &capture_fields(),
            &[
                ("files", "capture.mhtml", "multipart/related; boundary=\"----MultipartBoundary--abc----\"", MHTML),
                ("files", "capture.mht", "message/rfc822", MHTML),
            ],
        )
        .await;
    res.assert_status(303);
    officer
        .follow(&res)
        .await
        .assert_status(200)
        .assert_contains("capture.mhtml")
        .assert_contains("Saved web page (MHTML)");
    assert_mhtml_is_a_download(&app, &officer, &case, 2).await;
}

fn verify_command_with(app: &TestApp, args: &[&str], key: Option<&str>) -> (Option<i32>, String) {
    let url = match app.db.url.backend {
        standards_desk::db::Backend::Sqlite => format!("sqlite://{}", app.db.url.target),
        standards_desk::db::Backend::Postgres => app.db.url.target.clone(),
    };
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_standards-desk"));
    c.arg("verify-evidence")
        .args(args)
        .env("DATABASE_URL", url)
        .env("DATA_DIR", &app.state.config.data_dir)
        .env("EVIDENCE_DIR", app.state.files.root())
        .env("RUST_LOG", "warn")
        .env_remove("EVIDENCE_KEY");
    if let Some(k) = key {
        c.env("EVIDENCE_KEY", k);
    }
    let out = c.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

fn today_in_words() -> String {
    chrono::Utc::now().format("%-d %B %Y").to_string()
}

async fn verify_page(officer: &TestApp, case: &Case, number: i32) -> String {
    let res = officer.post_form(&format!("/cases/{}/evidence/E{number}/verify", case.reference), &[]).await;
    res.assert_status(200);
    res.body.clone()
}

#[actix_web::test]
async fn substituted_files_and_edited_details_are_reported_by_verify_and_the_command() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    // E2 to E7: one capture each with a screenshot and a saved page.
    for _ in 2..=7 {
        add_capture(&officer, &case, &[("files", "shot.png", PNG), ("files", "page.html", HTML)]).await;
    }
    let item = |n| rows::evidence_item_id(&app, &case.id, n);
    let file = |n, name: &str| {
        evidence_rows::files(&mut app.conn(), &item(n)).unwrap().into_iter().find(|f| f.original_name == name).unwrap()
    };
    // Untouched evidence passes, on the page and by the command.
    let body = verify_page(&officer, &case, 2).await;
    assert!(
        body.contains("Verified: 2 files match") && body.contains("its details and files are as recorded"),
        "{body}"
    );
    let (code, out) = verify_command_with(&app, &[], None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("All match."), "{out}");

    let on = today_in_words();
    rows::point_evidence_file_at(&app, &file(2, "page.html").id, &hex(PNG));
    rows::edit_evidence_version(&app, &item(3), "title");
    rows::edit_evidence_version(&app, &item(4), "post_text");
    rows::edit_evidence_version(&app, &item(5), "captured_at");
    rows::delete_evidence_file(&app, &file(6, "shot.png").id);
    rows::add_evidence_file_row(&app, &file(7, "shot.png"), "extra.png");

    let expected = [
        (2, format!("page.html: the file is not the one recorded at upload on {on}")),
        (3, format!("the title differs from what was recorded when it was added on {on}")),
        (4, format!("the post text differs from what was recorded when it was added on {on}")),
        (5, format!("the time captured differs from what was recorded when it was added on {on}")),
        (6, format!("a file recorded at upload on {on} is missing: shot.png")),
        (7, "a file is not in the custody record: extra.png".to_string()),
    ];
    for (n, message) in &expected {
        let body = verify_page(&officer, &case, *n).await;
        assert!(body.contains("Verification failed"), "E{n}: {body}");
        assert!(body.contains(message.as_str()), "E{n} should say {message:?}");
    }
    // The complainant's item was left alone and still passes.
    assert!(verify_page(&officer, &case, 1).await.contains("Verified: 1 file matches"));
    let (code, out) = verify_command_with(&app, &[], None);
    assert_eq!(code, Some(1), "{out}");
    for (n, message) in &expected {
        assert!(out.contains(&format!("MISMATCH {}/E{n}: {message}", case.reference)), "{out}");
    }
    assert!(!out.contains(&format!("MISMATCH {}/E1:", case.reference)), "{out}");
    assert!(out.contains("6 item(s) FAILED verification"), "{out}");
}

#[actix_web::test]
async fn entries_recorded_before_details_were_kept_say_so_and_still_check_what_they_recorded() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "shot.png", PNG)]).await;
    let item = rows::evidence_item_id(&app, &case.id, 2);
    // The chain as the previous version wrote it: no captured details, no file row ids.
    let legacy = |e: &mut evidence_rows::CustodyEntry| {
        let mut details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
        let map = details.as_object_mut().unwrap();
        map.remove("captured");
        map.remove("file_id");
        e.details = serde_json::to_string(&details).unwrap();
    };
    rows::rebuild_custody_chain(&app, &item, legacy);
    let body = verify_page(&officer, &case, 2).await;
    assert!(body.contains("Verified: 1 file matches"), "not a false failure: {body}");
    assert!(body.contains("before the custody log kept the captured details: only its title and link could be checked"));
    assert!(body.contains("matched by SHA-256 and name"));
    let (code, out) = verify_command_with(&app, &[], None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("NOTE {}/E2: version 1 was recorded on", case.reference)), "{out}");

    // What the old entries did record is still compared: a changed title is caught.
    rows::edit_evidence_version(&app, &item, "title");
    let body = verify_page(&officer, &case, 2).await;
    assert!(body.contains("Verification failed") && body.contains("the title differs"), "{body}");
}

#[actix_web::test]
async fn with_evidence_key_a_chain_rebuilt_without_the_key_fails() {
    const KEY: &str = "k7Qw9-test-evidence-key-0123456789abcdef";
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "shot.png", PNG)]).await;
    let item = rows::evidence_item_id(&app, &case.id, 2);

    // Written before the key was set: with the key, not yet sealed.
    let (code, out) = verify_command_with(&app, &[], Some(KEY));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not sealed with EVIDENCE_KEY"), "{out}");
    // Too short a key is refused.
    let (code, out) = verify_command_with(&app, &[], Some("short"));
    assert_eq!(code, Some(1));
    assert!(out.contains("EVIDENCE_KEY must be at least 32 characters"), "{out}");
    // Sealed once, it passes with the key, and cannot be checked without it.
    let (code, out) = verify_command_with(&app, &["--seal"], Some(KEY));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("sealed now with EVIDENCE_KEY"), "{out}");
    let (code, out) = verify_command_with(&app, &[], Some(KEY));
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = verify_command_with(&app, &[], None);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("sealed with EVIDENCE_KEY and cannot be checked without it"), "{out}");
    // The same on the page of a server without the key: not a pass.
    let body = verify_page(&officer, &case, 2).await;
    assert!(body.contains("Verification failed"), "{body}");
    assert!(body.contains("custody entry 3 was sealed with EVIDENCE_KEY and cannot be checked without it"), "{body}");
    let (code, out) = verify_command_with(&app, &[], Some("another-key-of-enough-length-0123456789"));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("or EVIDENCE_KEY is not the key it was sealed with"), "{out}");

    // Someone with the database but not the key edits the title and rebuilds the chain to match.
    rows::edit_evidence_version(&app, &item, "title");
    rows::rebuild_custody_chain(&app, &item, |e| {
        e.details = e.details.replace("Facebook post calling an officer a liar", "A harmless post");
    });
    // Without the key such a rebuild cannot be told from the real thing (as documented) …
    let (_, out) = verify_command_with(&app, &[], None);
    assert!(!out.contains(&format!("MISMATCH {}/E2", case.reference)), "{out}");
    // … with it, it fails.
    let (code, out) = verify_command_with(&app, &[], Some(KEY));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("MISMATCH {}/E2: custody entries 1 to", case.reference)), "{out}");
    assert!(out.contains("not sealed with EVIDENCE_KEY"), "{out}");
    // Labelling the rebuilt entries as keyed does not help.
    rows::rebuild_custody_chain(&app, &item, |_| {});
    diesel_label_all_keyed(&app, &item);
    let (code, out) = verify_command_with(&app, &[], Some(KEY));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("has been altered"), "{out}");
}

fn diesel_label_all_keyed(app: &TestApp, item: &str) {
    rows::set_custody_scheme(app, item, standards_desk::services::evidence::custody::KEYED);
}

#[actix_web::test]
async fn a_deleted_item_leaves_a_gap_the_command_reports() {
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    add_capture(&officer, &case, &[("files", "shot.png", PNG)]).await;
    add_capture(&officer, &case, &[("files", "page.html", HTML)]).await;
    rows::delete_evidence_item(&app, &rows::evidence_item_id(&app, &case.id, 2));
    let (code, out) = verify_command_with(&app, &[], None);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("MISMATCH {}/E2: evidence E2 is missing", case.reference)), "{out}");
}

#[actix_web::test]
async fn the_export_holds_a_file_added_twice_to_an_item_once() {
    // Found by the fuzz test: a second entry of the same name made the zip writer fail (a 500).
    let app = TestApp::spawn_demo().await;
    let (case, officer) = case_with_officer(&app).await;
    let e1 = format!("/cases/{}/evidence/E1", case.reference);
    officer.get(&e1).await.assert_status(200);
    let res = officer
        .post_multipart(&format!("{e1}/files"), &[], &[("files", "post.png", PNG), ("files", "post.png", PNG)])
        .await;
    res.assert_status(303);
    let res = officer.get(&format!("/cases/{}/evidence.zip", case.reference)).await;
    res.assert_status(200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(res.bytes.clone())).unwrap();
    let mut manifest = String::new();
    zip.by_name("manifest.json").unwrap().read_to_string(&mut manifest).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let paths: Vec<&str> =
        manifest["items"][0]["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    let png = paths.iter().find(|p| p.ends_with("-post.png")).expect("the added file is in the manifest");
    let mut content = Vec::new();
    zip.by_name(png).unwrap().read_to_end(&mut content).unwrap();
    assert_eq!(content, PNG);
    let entries = zip.file_names().filter(|n| matches!(n, Ok(name) if name == png)).count();
    assert_eq!(entries, 1, "{png} is in the zip once");
}
