//! Evidence in an S3-compatible bucket (issue 20): against a real S3 server on loopback speaking
//! S3 over HTTP (moto's standalone server from PyPI: `S3_TEST_ENDPOINT` when `.ci/run` started
//! one, else the harness starts `moto_server` itself). Each test has a bucket of its own. Under
//! CI=true a missing server fails the tests rather than skipping them.

use crate::fixtures::{complaint, submit_public, PDF, PNG};
use crate::harness::TestApp;
use crate::instances::second_instance;
use crate::ops::http_client::Client;
use crate::rows;
use object_store::ObjectStoreExt;
use standards_desk::config::S3Settings;
use standards_desk::models::evidence as evidence_rows;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

fn hex(bytes: &[u8]) -> String {
    standards_desk::services::auth::sha256_hex(bytes)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// `moto_server` on a free loopback port, for the life of the test process: it is started under
/// a shell that kills it when the test process's end closes the shell's standard input.
fn start_moto() -> Option<String> {
    if !on_path("moto_server") {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = std::env::temp_dir().join(format!("moto-{port}.log"));
    let child = Command::new("sh")
        .args([
            "-c",
            "moto_server -H 127.0.0.1 -p \"$1\" >\"$2\" 2>&1 & pid=$!; read _; kill $pid",
            "sh",
            &port.to_string(),
            &log.display().to_string(),
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("sh starts");
    static KEEP: OnceLock<Mutex<Child>> = OnceLock::new();
    let _ = KEEP.set(Mutex::new(child));
    let base = format!("127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(mut c) = Client::connect(&base) {
            if c.request("GET", "/", &[], None).map(|r| r.status == 200).unwrap_or(false) {
                return Some(format!("http://{base}"));
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "moto_server did not start:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The S3 server's endpoint, or None (the test is skipped, said on stderr) outside CI.
fn endpoint() -> Option<String> {
    if let Ok(e) = std::env::var("S3_TEST_ENDPOINT") {
        return Some(e);
    }
    static STARTED: OnceLock<Option<String>> = OnceLock::new();
    let found = STARTED.get_or_init(start_moto).clone();
    if found.is_none() {
        assert!(
            std::env::var("CI").map(|v| v != "true").unwrap_or(true),
            "CI=true: the S3 tests need S3_TEST_ENDPOINT or moto_server on PATH (pip install 'moto[server]')"
        );
        eprintln!("SKIPPED: no S3 server (set S3_TEST_ENDPOINT or put moto_server on PATH)");
    }
    found
}

/// A new bucket on the test server, and the settings of a store under `prefix` in it.
fn new_bucket(prefix: &str) -> Option<S3Settings> {
    let endpoint = endpoint()?;
    let bucket = format!("sd-test-{}", uuid::Uuid::new_v4().simple());
    let mut c = Client::connect(endpoint.trim_start_matches("http://")).expect("the S3 server answers");
    let made = c.request("PUT", &format!("/{bucket}"), &[("Content-Length", "0")], None).expect("create bucket");
    assert_eq!(made.status, 200, "creating the bucket: {}", made.body);
    Some(S3Settings {
        url: format!("s3://{bucket}/{prefix}"),
        endpoint: Some(endpoint),
        region: Some("eu-west-2".into()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some(standards_desk::config::Secret::new("testing".into())),
        allow_http: false,
    })
}

/// `verify-evidence` run as a command on the test app's database and bucket.
fn verify_command(app: &TestApp, s3: &S3Settings) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_standards-desk"))
        .arg("verify-evidence")
        .env("DATABASE_URL", crate::ops::database_url(&app.db.url))
        .env("DATA_DIR", &app.state.config.data_dir)
        .env("EVIDENCE_STORE", &s3.url)
        .env("AWS_ENDPOINT_URL", s3.endpoint.as_deref().unwrap())
        .env("AWS_REGION", s3.region.as_deref().unwrap())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn app_on(s3: &S3Settings) -> TestApp {
    let s3 = s3.clone();
    TestApp::builder().demo().configure(move |c| c.evidence_s3 = Some(s3)).spawn().await
}

#[actix_web::test]
async fn a_screenshot_sent_with_the_public_form_is_kept_in_the_bucket_served_and_verified() {
    let Some(s3) = new_bucket("southvale/evidence") else { return };
    let app = app_on(&s3).await;
    let case = submit_public(&app, &complaint(&app), &[("files", "screenshot.png", PNG)]).await;
    let sha = hex(PNG);
    assert_eq!(rows::stored_hashes(&app), vec![sha.clone()]);

    // In the bucket under its hash (and the prefix), nothing on the instance's disk.
    let bucket = app.state.files.bucket().expect("an S3 store");
    let key = bucket.key_for(&sha);
    assert_eq!(key.as_ref(), format!("southvale/evidence/{}/{}/{sha}", &sha[0..2], &sha[2..4]));
    let object = bucket.object_store().get(&key).await.expect("the object").bytes().await.unwrap();
    assert_eq!(&object[..], PNG);
    assert!(!app.state.files.path_for(&sha).exists(), "no copy on local disk");
    let leftovers = std::fs::read_dir(app.state.files.root().join("tmp")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "the received upload is not left behind");

    // An officer opens and downloads it: the bytes come back from the bucket.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let item = rows::evidence_item_id(&app, &case.id, 1);
    let file = evidence_rows::files(&mut app.conn(), &item).unwrap().remove(0);
    let dl = officer.get(&format!("/cases/{}/evidence/E1/files/{}?download=1", case.reference, file.id)).await;
    dl.assert_status(200);
    assert_eq!(dl.bytes, PNG);
    assert_eq!(dl.header("X-Content-SHA256"), Some(sha.as_str()));

    // Verified by the page and by the command; /readyz checks the bucket.
    officer.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    let verify = format!("/cases/{}/evidence/E1/verify", case.reference);
    officer.post_form(&verify, &[]).await.assert_status(200).assert_contains("Verified: 1 file matches");
    let (code, out) = verify_command(&app, &s3);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("All match."), "{out}");
    app.get("/readyz").await.assert_status(200).assert_contains("evidence store: ok");

    // Someone with access to the bucket replaces the object: the page and the command say so.
    bucket.object_store().put(&key, b"\x89PNG doctored".to_vec().into()).await.unwrap();
    officer
        .post_form(&verify, &[])
        .await
        .assert_status(200)
        .assert_contains("Verification failed")
        .assert_contains("screenshot.png: the file has changed");
    let (code, out) = verify_command(&app, &s3);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("MISMATCH {}/E1", case.reference)), "{out}");
}

#[actix_web::test]
async fn a_large_file_goes_up_in_parts_and_comes_back_whole() {
    let Some(s3) = new_bucket("") else { return };
    let app = app_on(&s3).await;
    let case = submit_public(&app, &complaint(&app), &[("files", "shot.png", PNG)]).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    // 20 MiB: more than two parts of the multipart upload.
    let mut big = PDF.to_vec();
    big.extend((0..20 * 1024 * 1024u32).map(|i| (i % 251) as u8));
    let fields = [
        ("kind", "post"),
        ("source", "officer"),
        ("title", "Facebook post calling an officer a liar"),
        ("platform", "facebook"),
        ("url", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc"),
        ("account_handle", "CllrArcherNorthfield"),
        ("display_name", "Cllr A"),
        ("account_bio", ""),
        ("post_text", "The planning officer is incompetent and a liar."),
        ("posted_day", "3"),
        ("posted_month", "11"),
        ("posted_year", "2026"),
        ("posted_time", "21:15"),
        ("captured_day", "4"),
        ("captured_month", "11"),
        ("captured_year", "2026"),
        ("captured_time", "09:30"),
    ];
    officer.get(&format!("/cases/{}/evidence/new", case.reference)).await.assert_status(200);
    let res = officer
        .post_multipart(&format!("/cases/{}/evidence/new", case.reference), &fields, &[("files", "minutes.pdf", &big)])
        .await;
    res.assert_status(303);
    let sha = hex(&big);
    let bucket = app.state.files.bucket().unwrap();
    let meta = bucket.object_store().head(&bucket.key_for(&sha)).await.expect("in the bucket");
    assert_eq!(meta.size, big.len() as u64);
    let item = rows::evidence_item_id(&app, &case.id, 2);
    let file = evidence_rows::files(&mut app.conn(), &item).unwrap().remove(0);
    let dl = officer.get(&format!("/cases/{}/evidence/E2/files/{}?download=1", case.reference, file.id)).await;
    dl.assert_status(200);
    assert!(dl.bytes == big, "the download is the upload, byte for byte");
    let (code, out) = verify_command(&app, &s3);
    assert_eq!(code, Some(0), "{out}");
}

#[actix_web::test]
async fn two_instances_on_one_database_and_one_bucket_see_each_others_evidence() {
    let Some(s3) = new_bucket("shared") else { return };
    let a = app_on(&s3).await;
    // The second instance has a disk of its own: only the database and the bucket are shared.
    let scratch = a.db.dir.path().join("instance-b");
    let b = a.other_instance(second_instance(&a, move |c| c.evidence_dir = scratch)).await;

    // A complaint with a screenshot on A, opened on B.
    let case = submit_public(&a, &complaint(&a), &[("files", "screenshot.png", PNG)]).await;
    b.login("officer@southvale.example", "demo-password").await;
    let item = rows::evidence_item_id(&a, &case.id, 1);
    let file = evidence_rows::files(&mut a.conn(), &item).unwrap().remove(0);
    let dl = b.get(&format!("/cases/{}/evidence/E1/files/{}?download=1", case.reference, file.id)).await;
    dl.assert_status(200);
    assert_eq!(dl.bytes, PNG);

    // A complaint with a PDF on B, opened on A.
    let second = submit_public(&b.new_browser(), &complaint(&b), &[("files", "letter.pdf", PDF)]).await;
    let officer_a = a.new_browser();
    officer_a.login("officer@southvale.example", "demo-password").await;
    let item = rows::evidence_item_id(&a, &second.id, 1);
    let file = evidence_rows::files(&mut a.conn(), &item).unwrap().remove(0);
    let dl = officer_a.get(&format!("/cases/{}/evidence/E1/files/{}?download=1", second.reference, file.id)).await;
    dl.assert_status(200);
    assert_eq!(dl.bytes, PDF);
    b.get(&format!("/cases/{}", case.reference)).await.assert_status(200);
    let verify = format!("/cases/{}/evidence/E1/verify", case.reference);
    b.post_form(&verify, &[]).await.assert_status(200).assert_contains("Verified: 1 file matches");
}
