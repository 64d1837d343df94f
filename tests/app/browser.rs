//! Real-browser journeys: the real server, Debian's Chromium driven through chromedriver, and
//! axe-core run on every page visited (any WCAG 2.x A/AA violation fails the test). Screenshots
//! of key pages go to target/browser-screenshots/.
//!
//! Ignored by default (they need chromium, chromium-driver and `npm ci` in static/build for
//! axe-core); `.ci/run` installs those and runs them with `--include-ignored`.

use crate::fixtures::PNG;
use crate::harness::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use standards_desk::build_app;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A Chrome DevTools Protocol command, through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// The narrowest viewport every page must fit without scrolling sideways (WCAG 1.4.10 Reflow:
/// 1280 CSS pixels at 400 % zoom).
const REFLOW_WIDTH: u64 = 320;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn axe_source() -> String {
    let path = std::env::var("AXE_PATH")
        .unwrap_or_else(|_| format!("{}/static/build/node_modules/axe-core/axe.min.js", env!("CARGO_MANIFEST_DIR")));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core not found at {path} ({e}): run npm ci in static/build"))
}

struct Browser {
    client: Client,
    base: String,
    axe: String,
    _driver: Driver,
    javascript: bool,
    shots: std::path::PathBuf,
    pages_checked: std::cell::Cell<usize>,
}

impl Browser {
    /// Starts the real server for this app and a headless Chromium.
    async fn start(app: &TestApp, javascript: bool) -> Browser {
        let state = app.state.clone();
        let server = actix_web::HttpServer::new(move || build_app!(state)).workers(1).bind(("127.0.0.1", 0)).unwrap();
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());

        let port = free_port();
        let driver = Driver(
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver is installed"),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let profile = tempfile::tempdir().unwrap().keep();
        let mut prefs = serde_json::json!({});
        if !javascript {
            prefs = serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())],
                "prefs": prefs,
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .expect("a Chromium session");
        let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            client,
            base: format!("http://{addr}"),
            axe: axe_source(),
            _driver: driver,
            javascript,
            shots,
            pages_checked: 0.into(),
        }
    }

    async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.check_page().await;
    }

    async fn cdp(&self, cmd: &'static str, params: serde_json::Value) -> serde_json::Value {
        self.client.issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// The page at 320 CSS pixels wide must not scroll sideways (WCAG 1.4.10): its width there
    /// (`document.documentElement.scrollWidth`; without JavaScript, the layout's content width).
    async fn check_reflow(&self) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": REFLOW_WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
        let width = if self.javascript {
            self.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap().as_u64()
        } else {
            let metrics = self.cdp("Page.getLayoutMetrics", serde_json::json!({})).await;
            metrics["cssContentSize"]["width"].as_f64().map(|w| w.ceil() as u64)
        };
        let url = self.client.current_url().await.unwrap();
        let mut culprits = String::new();
        if width.is_some_and(|w| w > REFLOW_WIDTH) && self.javascript {
            // The innermost elements that reach past the edge (not those scrolling in a region).
            let found = self
                .client
                .execute(
                    r#"const wide = (el) => el.getBoundingClientRect().right > arguments[0] + 1;
                       return [...document.body.querySelectorAll('*')]
                         .filter((el) => wide(el) && ![...el.children].some(wide))
                         .slice(0, 8)
                         .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px): ${el.textContent.trim().slice(0, 60)}`)
                         .join('\n');"#,
                    vec![serde_json::json!(REFLOW_WIDTH)],
                )
                .await
                .unwrap();
            culprits = found.as_str().unwrap_or_default().to_string();
        }
        if width.is_some_and(|w| w > REFLOW_WIDTH) {
            let name = format!("reflow-{}", url.path().trim_matches('/').replace('/', "-"));
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
        }
        self.cdp("Emulation.clearDeviceMetricsOverride", serde_json::json!({})).await;
        let width = width.expect("the page's width");
        assert!(
            width <= REFLOW_WIDTH,
            "{url} is {width} CSS px wide at {REFLOW_WIDTH} px: it scrolls sideways. Too wide:\n{culprits}"
        );
    }

    /// The current page's accessibility tree, as Chromium gives it to assistive technology.
    async fn accessibility_tree(&self) -> Vec<serde_json::Value> {
        let tree = self.cdp("Accessibility.getFullAXTree", serde_json::json!({})).await;
        tree["nodes"].as_array().cloned().unwrap_or_default()
    }

    /// Runs axe-core on the current page; fails on any WCAG 2.x A or AA violation. (Without
    /// JavaScript axe cannot run: those pages are checked in the journeys with it.) Every page is
    /// also checked for reflow at 320 CSS pixels.
    async fn check_page(&self) {
        self.check_reflow().await;
        if !self.javascript {
            self.pages_checked.set(self.pages_checked.get() + 1);
            return;
        }
        self.client.execute(&self.axe, vec![]).await.expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                      .then(r => done(JSON.stringify(r.violations.map(v => ({ id: v.id, help: v.help, nodes: v.nodes.map(n => n.html).slice(0, 3) })))))
                      .catch(e => done(JSON.stringify([{ id: 'axe-error', help: String(e), nodes: [] }])));"#,
                vec![],
            )
            .await
            .expect("axe runs");
        let violations: serde_json::Value = serde_json::from_str(result.as_str().unwrap_or("[]")).unwrap();
        let url = self.client.current_url().await.unwrap();
        assert_eq!(violations.as_array().map(Vec::len), Some(0), "axe-core violations on {url}: {violations:#}");
        self.pages_checked.set(self.pages_checked.get() + 1);
    }

    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// A screenshot of one element, whole (a long report or bundle, say).
    async fn shot_of(&self, css: &str, name: &str) {
        // Element screenshots stop at the window's edge: make the window as tall as the page.
        let height = self.client.execute("return document.documentElement.scrollHeight", vec![]).await.unwrap();
        let height = height.as_u64().unwrap_or(1000).clamp(1000, 16000) as u32;
        self.client.set_window_size(1280, height + 100).await.unwrap();
        let png = self.client.find(Locator::Css(css)).await.unwrap().screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
        self.client.set_window_size(1280, 1000).await.unwrap();
    }

    async fn fill(&self, id: &str, value: &str) {
        let el = self.client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
    }

    async fn select(&self, id: &str, value: &str) {
        self.client.find(Locator::Css(&format!("#{id} option[value='{value}']"))).await.unwrap().click().await.unwrap();
    }

    /// Clicks a submit button or link, waits until the browser has left the current document
    /// (its root element goes stale) and the next page has loaded, then checks that page.
    async fn submit(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        self.click(css).await;
        let mut left = false;
        for _ in 0..400 {
            if old.tag_name().await.is_err() {
                left = true;
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(left, "clicking {css} did not lead to another page");
        self.client.wait().for_element(Locator::Css("main")).await.unwrap();
        self.check_page().await;
    }

    async fn text(&self) -> String {
        self.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap()
    }

    async fn close(self) -> usize {
        let n = self.pages_checked.get();
        self.client.close().await.unwrap();
        n
    }
}

fn screenshot_file(dir: &std::path::Path) -> String {
    let path = dir.join("screenshot.png");
    std::fs::write(&path, PNG).unwrap();
    path.display().to_string()
}

async fn file_a_complaint(b: &Browser, app: &TestApp, upload: &str) -> String {
    b.goto("/").await;
    b.shot("01-start").await;
    b.submit("main a.govuk-button--start").await;
    // Sending it empty shows the error summary.
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("There is a problem"));
    b.shot("02-form-errors").await;
    b.fill("complainant_name", "Jo Public").await;
    b.fill("complainant_email", "jo@example.com").await;
    b.click("#complainant_type").await;
    b.click("input[name=confidential][value=no]").await;
    b.select("councillor", &app.membership("Alex Archer", "southvale")).await;
    b.fill("conduct", "3").await;
    b.fill("conduct-month", "11").await;
    b.fill("conduct-year", "2026").await;
    b.select("platform", "facebook").await;
    b.fill("post_urls", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc").await;
    b.client.find(Locator::Id("files")).await.unwrap().send_keys(upload).await.unwrap();
    b.fill("what_happened", "Called a named planning officer incompetent and a liar.").await;
    b.fill("why_official", "The page is called Cllr A – Northfield Ward.").await;
    b.click("#provisions").await;
    b.click("#declaration").await;
    b.submit("main form button[type=submit]").await;
    let check = b.text().await;
    assert!(check.contains("Check your answers"), "{check}");
    assert!(check.contains("screenshot.png"));
    b.shot("03-check-answers").await;
    b.submit("main form button[type=submit]").await;
    let done = b.text().await;
    assert!(done.contains("Complaint sent"), "{done}");
    b.shot("04-confirmation").await;
    done.split("Your reference number").nth(1).unwrap().split_whitespace().next().unwrap().to_string()
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn a_member_of_the_public_files_a_complaint_with_a_screenshot() {
    let app = TestApp::spawn_demo().await;
    let b = Browser::start(&app, true).await;
    let dir = tempfile::tempdir().unwrap();
    let reference = file_a_complaint(&b, &app, &screenshot_file(dir.path())).await;
    assert!(reference.starts_with("SD-"), "{reference}");
    assert!(standards_desk::models::case::find_by_reference(&mut app.conn(), &reference).unwrap().is_some());
    assert!(b.close().await >= 5);
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_public_journey_works_without_javascript() {
    let app = TestApp::spawn_demo().await;
    let b = Browser::start(&app, false).await;
    let dir = tempfile::tempdir().unwrap();
    let reference = file_a_complaint(&b, &app, &screenshot_file(dir.path())).await;
    assert!(standards_desk::models::case::find_by_reference(&mut app.conn(), &reference).unwrap().is_some());
    b.close().await;
}

/// Signs in as a demo user; one who needs a second factor then enters the code of the demo
/// secret, as their phone would (the two-factor page is checked with axe on the way).
async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.goto("/login").await;
    sign_in_here(b, app, email).await;
    let path = b.client.current_url().await.unwrap().path().to_string();
    assert!(!path.starts_with("/login"), "signed in as {email}, on {path}");
}

/// Signs in on the sign-in page the browser is on (its `next` kept), answering the two-factor
/// step when the role needs it.
async fn sign_in_here(b: &Browser, app: &TestApp, email: &str) {
    b.fill("email", email).await;
    b.fill("password", "demo-password").await;
    b.submit("main form button[type=submit]").await;
    if b.client.current_url().await.unwrap().path() == "/login/two-factor" {
        b.fill("code", &app.totp_code(email)).await;
        b.submit("main form button[type=submit]").await;
    }
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn officers_capture_assess_request_removal_and_the_mo_decides() {
    let app = TestApp::spawn_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let upload = screenshot_file(dir.path());
    let public = Browser::start(&app, true).await;
    let reference = file_a_complaint(&public, &app, &upload).await;
    public.close().await;

    let b = Browser::start(&app, true).await;
    sign_in(&b, &app, "officer@southvale.example").await;
    b.shot("10-dashboard").await;
    b.goto("/cases?q=liar").await;
    assert!(b.text().await.contains(&reference));
    b.submit(&format!("a[href='/cases/{reference}']")).await;
    b.shot("11-case").await;

    // Capture the post.
    b.goto(&format!("/cases/{reference}/evidence/new")).await;
    b.client.find(Locator::Id("files")).await.unwrap().send_keys(&upload).await.unwrap();
    b.fill("title", "Facebook post calling an officer a liar").await;
    b.fill("url", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc").await;
    b.fill("account_handle", "CllrArcherNorthfield").await;
    b.fill("post_text", "The planning officer is incompetent and a liar.").await;
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("Evidence E2 added"));
    b.shot("12-evidence").await;
    b.submit("form[action$='/verify'] button").await;
    assert!(b.text().await.contains("Verified"));

    // Assess capacity.
    let member = app.member_id("Alex Archer");
    b.goto(&format!("/cases/{reference}/assessments/new?member={member}")).await;
    for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
        let answer = if ["G1", "G2", "C3", "C6"].contains(&code) { "yes" } else { "no" };
        b.click(&format!("input[name=answer_{code}][value={answer}]")).await;
    }
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("Suggested: Official capacity"));
    b.shot("13-assessment").await;
    // How the capacity test works: every version, from the definitions.
    b.goto("/help/capacity-test").await;
    assert!(b.text().await.contains("Version 2 (current)"));
    b.shot("13b-capacity-test-help").await;

    // Request removal, then record it with a re-capture.
    b.goto(&format!("/cases/{reference}/takedowns/new")).await;
    b.click("#items").await;
    b.click("input[name=channel][value=letter]").await;
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("Takedown request T1"));
    b.click("input[name=status][value=removed]").await;
    b.client.find(Locator::Id("verification")).await.unwrap().send_keys(&upload).await.unwrap();
    b.submit("form[action$='/update'] button[type=submit]").await;
    assert!(b.text().await.contains("Removed (verified)"));
    b.shot("14-takedown").await;
    b.close().await;

    // The member has been told of the complaint and has responded (a decision waits for that).
    let case = standards_desk::models::case::find_by_reference(&mut app.conn(), &reference).unwrap().unwrap();
    crate::gates::told_and_responded(&app, &case);

    // The Monitoring Officer concludes and decides.
    let mo = Browser::start(&app, true).await;
    sign_in(&mo, &app, "mo@southvale.example").await;
    mo.goto(&format!("/cases/{reference}")).await;
    mo.submit("a[href*='/assessments/']").await;
    mo.submit("form[action$='/conclude'] button").await;
    assert!(mo.text().await.contains("Capacity concluded"));
    mo.goto(&format!("/cases/{reference}/decision")).await;
    mo.click("input[name=outcome][value=investigation]").await;
    mo.fill("reasons", "Calling a named officer a liar on a councillor page needs investigating.").await;
    mo.submit("main form button[type=submit]").await;
    assert!(mo.text().await.contains("Decision notices"));
    mo.shot("15-decision-notices").await;
    mo.submit("main form button[type=submit]").await;
    assert!(mo.text().await.contains("decision notice(s) sent"));

    // The committee report for the year so far, then saved as presented to the committee.
    mo.submit("a[href='/reports']").await;
    mo.submit("main form[action='/reports'] button[type=submit]").await;
    let report = mo.text().await;
    assert!(report.contains("Initial assessment decisions"), "{report}");
    assert!(report.contains("Code of Conduct complaints"));
    assert!(!report.contains("Jo Public"), "no complainant in the report");
    mo.shot_of(".sd-report", "16-committee-report").await;
    mo.fill("meeting", "Standards Committee").await;
    mo.fill("meeting_on", "14").await;
    mo.fill("meeting_on-month", "12").await;
    mo.fill("meeting_on-year", "2026").await;
    mo.submit("form[action='/reports/snapshots'] button[type=submit]").await;
    assert!(mo.text().await.contains("Unchanged since it was saved"));
    // The figures saved are this journey's: one complaint, sent for investigation.
    let saved = crate::rows::snapshot_figures_csv(&app);
    assert!(saved.contains("Summary,Complaints received,1,0"), "{saved}");
    assert!(saved.contains("Initial assessment decisions,Investigation,1,0"), "{saved}");
    mo.shot("17-report-as-presented").await;
    mo.close().await;
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_hearing_is_decided_and_its_sanctions_followed_up_in_the_browser() {
    let app = TestApp::spawn_demo().await;
    let case = crate::hearing::at_hearing(&app).await;
    let reference = case.reference.clone();

    // A panel member reads the bundle.
    let panel = Browser::start(&app, true).await;
    sign_in(&panel, &app, "committee@southvale.example").await;
    panel.goto(&format!("/cases/{reference}/hearing")).await;
    panel.submit(&format!("a[href='/cases/{reference}/hearing/bundle']")).await;
    let bundle = panel.text().await;
    assert!(bundle.contains("Evidence list with SHA-256 hashes"));
    panel.shot_of(".sd-bundle", "20-hearing-bundle").await;
    panel.close().await;

    let b = Browser::start(&app, true).await;
    sign_in(&b, &app, "officer@southvale.example").await;
    b.goto(&format!("/cases/{reference}/investigation")).await;
    b.shot("21-investigation").await;
    b.goto(&format!("/cases/{reference}/hearing")).await;
    // Sending the findings empty shows the error summary.
    b.submit("form[action$='/hearing/findings'] button[type=submit]").await;
    assert!(b.text().await.contains("There is a problem"));
    let ids: Vec<String> = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    for id in &ids {
        b.click(&format!("input[name='finding_{id}'][value=breach]")).await;
        b.fill(&format!("reasons_{id}"), "A personal attack on a named officer.").await;
        b.fill(&format!("article10_{id}"), "Gratuitous abuse of an officer has little protection.").await;
    }
    b.submit("form[action$='/hearing/findings'] button[type=submit]").await;
    assert!(b.text().await.contains("Findings recorded"));
    b.click("input[name=kind][value=training]").await;
    b.fill("detail", "Social media training within two months.").await;
    b.fill("proportionality", "The least restrictive way to prevent a repeat.").await;
    let follow = chrono::Utc::now().date_naive() + chrono::Duration::days(60);
    b.fill("follow_up", &follow.format("%-d").to_string()).await;
    b.fill("follow_up-month", &follow.format("%-m").to_string()).await;
    b.fill("follow_up-year", &follow.format("%Y").to_string()).await;
    b.submit("form[action$='/hearing/sanctions'] button[type=submit]").await;
    assert!(b.text().await.contains("Sanction added"));
    b.shot("22-hearing-outcome").await;
    b.submit("button[formaction$='/hearing/decision']").await;
    // Nothing in these findings names a complainant, so the publication version claims no
    // anonymisation.
    let notices = b.text().await;
    assert!(notices.contains("Publication version") && !notices.contains("(anonymised)"), "{notices}");
    b.shot("23-hearing-notices").await;
    b.submit("main form button[type=submit]").await;
    b.goto(&format!("/cases/{reference}/hearing")).await;
    b.click("input[name=compliance][value=complied]").await;
    b.submit("form[action*='/sanctions/'] button[type=submit]").await;
    assert!(b.text().await.contains("the case is closed"));
    b.shot("24-closed-after-sanctions").await;
    b.close().await;
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn an_admin_sees_failed_mail_and_sends_it_again() {
    let app = TestApp::spawn_demo().await;
    let case =
        crate::fixtures::submit_public(&app, &crate::fixtures::complaint(&app), &[("files", "s.png", PNG)]).await;
    let at = standards_desk::models::now() - chrono::Duration::hours(1);
    let bad = crate::rows::insert_outbox(&app, Some(&case.id), "not an address", "Jo", at);
    app.state.send_due_mail().await.unwrap();
    let b = Browser::start(&app, true).await;
    sign_in(&b, &app, "admin@southvale.example").await;
    // The users table was the widest admin page (797 px): it scrolls in its region at 320 px.
    b.goto("/admin/users").await;
    b.goto("/admin").await;
    b.submit("main a[href='/admin/mail']").await;
    let page = b.text().await;
    assert!(page.contains("is not valid") && page.contains(&case.reference), "{page}");
    b.shot("admin-mail").await;
    b.submit(&format!("form[action='/admin/mail/{bad}/send-again'] button")).await;
    let page = b.text().await;
    assert!(page.contains("will be sent again") && page.contains("No failed messages."), "{page}");
    assert_eq!(crate::rows::outbox_message(&app, &bad).status, "queued");
    b.close().await;
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn an_admin_sets_up_a_parish_and_imports_its_members_from_the_example_csv() {
    let app = TestApp::spawn_demo().await;
    let b = Browser::start(&app, true).await;
    sign_in(&b, &app, "admin@southvale.example").await;
    b.goto("/admin/councils").await;
    b.submit("main a[href='/admin/councils/new']").await;
    // Sent empty: the error summary.
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("There is a problem"));
    b.fill("name", "Hollowell Parish Council").await;
    b.fill("short_name", "Hollowell PC").await;
    b.click("input[name=tier][value=parish]").await;
    b.click("input[name=nation][value=england]").await;
    b.select("principal", &app.authority_id("southvale")).await;
    b.fill("clerk_name", "Dana Reed").await;
    b.fill("clerk_email", "clerk@hollowell-pc.example").await;
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("Hollowell Parish Council added"));
    for ward in ["North", "South"] {
        b.fill("ward_name", ward).await;
        b.submit("form[action$='/wards'] button[type=submit]").await;
    }
    b.shot("register-01-council").await;

    b.goto("/admin/import").await;
    b.click("input[name=kind][value=members]").await;
    let example = format!("{}/seeds/examples/members.csv", env!("CARGO_MANIFEST_DIR"));
    b.client.find(Locator::Id("file")).await.unwrap().send_keys(&example).await.unwrap();
    b.submit("main form button[type=submit]").await;
    let preview = b.text().await;
    assert!(preview.contains("6 to add, 0 to change, 0 unchanged, 0 refused"), "{preview}");
    b.shot("register-02-preview").await;
    assert_eq!(crate::rows::count(&app, "register_imports"), 1);
    let before = crate::rows::count(&app, "members");
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("Import applied: 6 added"));
    assert_eq!(crate::rows::count(&app, "members"), before + 6);

    b.goto(&format!("/admin/members?council={}", app.authority_id("hollowell-parish-council"))).await;
    let list = b.text().await;
    assert!(list.contains("Harriet Lowe") && list.contains("Hollowell Parish Council (Chair)"), "{list}");
    b.shot("register-03-members").await;
    b.goto(&format!("/admin/members/{}", app.member_id("Harriet Lowe"))).await;
    assert!(b.text().await.contains("Hollowell Parish Council"));
    b.shot("register-04-member").await;
    assert!(b.close().await >= 11);
}

impl Browser {
    /// Waits (up to 10 s) until `script` returns true.
    async fn wait_until(&self, script: &str, what: &str) {
        for _ in 0..200 {
            let v = self.client.execute(script, vec![]).await.unwrap();
            if v.as_bool() == Some(true) {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting until {what}");
    }

    async fn displayed(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).is_displayed().await.unwrap()
    }

    async fn selected(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).is_selected().await.unwrap()
    }

    async fn value_of(&self, id: &str) -> String {
        self.client.find(Locator::Id(id)).await.unwrap().prop("value").await.unwrap().unwrap_or_default()
    }
}

/// The names Chromium gives assistive technology for the nodes of the current page.
fn ax_names(tree: &[serde_json::Value]) -> Vec<String> {
    tree.iter().filter_map(|n| n["name"]["value"].as_str()).map(str::to_string).collect()
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_honeypot_is_not_in_the_accessibility_tree() {
    let app = TestApp::spawn_demo().await;
    let b = Browser::start(&app, true).await;
    b.goto("/complaints/new").await;
    let names = ax_names(&b.accessibility_tree().await);
    assert!(names.iter().any(|n| n == "Full name"), "the tree is the form's: {names:?}");
    assert!(!names.iter().any(|n| n.contains("Leave this field empty")), "{names:?}");
    // Nor after the form comes back with errors, nor in the tab order.
    b.submit("main form button[type=submit]").await;
    let names = ax_names(&b.accessibility_tree().await);
    assert!(names.iter().any(|n| n == "There is a problem"), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("Leave this field empty")), "{names:?}");
    assert!(!b.displayed("#website").await);
    b.close().await;
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_timeout_warning_keeps_the_session_and_a_decision_sent_after_it_comes_back() {
    let app = TestApp::spawn_demo().await;
    let case = crate::accessibility::ready_for_decision(&app);
    let path = format!("/cases/{}/decision", case.reference);
    let b = Browser::start(&app, true).await;
    sign_in(&b, &app, "mo@southvale.example").await;

    // Two minutes or less before the end: the warning opens, focus on "Stay signed in".
    crate::accessibility::sessions_end_in(&app, 100);
    b.goto(&path).await;
    b.wait_until("return document.getElementById('sd-timeout').open", "the warning opens").await;
    b.check_page().await;
    assert!(b.text().await.contains("Initial assessment decision"));
    let dialog = b.client.find(Locator::Id("sd-timeout")).await.unwrap().text().await.unwrap();
    assert!(dialog.contains("You are about to be signed out") && dialog.contains("Stay signed in"), "{dialog}");
    let focused = b.client.execute("return document.activeElement.hasAttribute('data-sd-stay')", vec![]).await.unwrap();
    assert_eq!(focused.as_bool(), Some(true), "focus is on Stay signed in");
    b.shot("30-timeout-warning").await;
    b.click("[data-sd-stay]").await;
    b.wait_until("return !document.getElementById('sd-timeout').open", "the warning closes").await;
    let mo = app.user("mo@southvale.example");
    let expiry = crate::accessibility::session_end(&app, &mo.id);
    assert!(expiry > standards_desk::models::now() + chrono::Duration::minutes(25), "renewed: {expiry}");

    // Not renewed: the page says so, and what is typed on it is not lost.
    crate::accessibility::sessions_end_in(&app, 3);
    b.goto(&path).await;
    b.wait_until(
        "return !document.querySelector('[data-sd-timeout=ended]').hidden && document.getElementById('sd-timeout').open",
        "the page says the user was signed out",
    )
    .await;
    // The page counts whole seconds: wait until the server's end has passed too, so that the
    // form below is sent on an expired session however fast the browser is.
    while crate::accessibility::session_end(&app, &mo.id) >= standards_desk::models::now() {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.check_page().await;
    b.shot("31-timeout-signed-out").await;
    b.click("[data-sd-close]").await;
    b.click("input[name=outcome][value=no-further-action]").await;
    assert!(b.displayed("#conditional-outcome-2").await, "the follow-up question is revealed");
    assert!(!b.displayed("#conditional-outcome-5").await);
    b.click("input[name=reason_category][value=trivial]").await;
    b.fill("reasons", "A single intemperate remark, already removed.").await;
    b.submit("main form button[type=submit]").await;
    let login = b.text().await;
    assert!(login.contains("You were signed out after 30 minutes without activity."), "{login}");
    assert_eq!(crate::rows::count(&app, "decisions"), 0, "nothing recorded");
    b.shot("32-signed-out-form-kept").await;
    sign_in_here(&b, &app, "mo@southvale.example").await;
    assert!(b.text().await.contains("Your answers are filled in below"));
    assert!(b.selected("input[name=outcome][value=no-further-action]").await);
    assert!(b.selected("input[name=reason_category][value=trivial]").await);
    assert!(b.displayed("#conditional-outcome-2").await);
    assert_eq!(b.value_of("reasons").await, "A single intemperate remark, already removed.");
    assert_eq!(crate::rows::count(&app, "decisions"), 0, "still nothing recorded");
    b.shot("33-form-given-back").await;
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("Decision notices"));
    assert_eq!(crate::rows::count(&app, "decisions"), 1);
    b.close().await;
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn without_javascript_the_decision_form_reveals_its_questions_and_comes_back_after_sign_in() {
    let app = TestApp::spawn_demo().await;
    let case = crate::accessibility::ready_for_decision(&app);
    let path = format!("/cases/{}/decision", case.reference);
    let b = Browser::start(&app, false).await;
    sign_in(&b, &app, "mo@southvale.example").await;
    b.goto(&path).await;
    assert!(!b.displayed("#conditional-outcome-2").await, "hidden until its option is chosen");
    b.click("input[name=outcome][value=referral]").await;
    assert!(b.displayed("#conditional-outcome-5").await);
    assert!(!b.displayed("#conditional-outcome-2").await);
    b.click("input[name=referral_body][value=police]").await;
    b.fill("reasons", "A possible offence under section 34 of the Localism Act.").await;
    crate::rows::expire_sessions(&app);
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("You were signed out after 30 minutes without activity."));
    sign_in_here(&b, &app, "mo@southvale.example").await;
    assert!(b.text().await.contains("Your answers are filled in below"));
    assert!(b.selected("input[name=outcome][value=referral]").await);
    assert!(b.selected("input[name=referral_body][value=police]").await);
    assert!(b.displayed("#conditional-outcome-5").await);
    assert_eq!(crate::rows::count(&app, "decisions"), 0);
    b.close().await;
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_data_protection_pages_pass_axe_for_the_mo_the_admin_and_the_public() {
    let today = chrono::NaiveDate::from_ymd_opt(2022, 1, 11).unwrap();
    let app = TestApp::builder().demo().configure(move |c| c.fixed_today = Some(today)).spawn().await;
    let case = crate::fixtures::CaseBuilder::new()
        .member("Dave Dunn", "southvale")
        .received(chrono::NaiveDate::from_ymd_opt(2020, 1, 2).unwrap())
        .conduct(chrono::NaiveDate::from_ymd_opt(2019, 12, 30).unwrap())
        .on(chrono::NaiveDate::from_ymd_opt(2020, 1, 2).unwrap())
        .complainant("Pat Complainant", "pat@example.com")
        .log(&app);
    let closed = chrono::NaiveDate::from_ymd_opt(2020, 1, 10).unwrap();
    standards_desk::models::case::update(
        &mut app.conn(),
        &case.id,
        &standards_desk::models::case::CaseChanges {
            status: Some(standards_desk::models::case::CaseStatus::Closed),
            closed_at: Some(Some(closed.and_hms_opt(12, 0, 0).unwrap())),
            closure_reason: Some(Some("No further action: no breach".into())),
            ..Default::default()
        },
    )
    .unwrap();
    standards_desk::services::retention::on_case_closed(&mut app.conn(), &case.id, "No further action", closed)
        .unwrap();

    let b = Browser::start(&app, true).await;
    b.goto("/privacy").await;
    b.goto("/privacy/southvale").await;
    sign_in(&b, &app, "mo@southvale.example").await;
    b.goto(&format!("/cases/{}", case.reference)).await;
    b.goto("/retention").await;
    let page = b.text().await;
    assert!(page.contains(&case.reference) && page.contains("kept 2 years after closure"), "{page}");
    b.shot("retention-due").await;
    b.goto("/subject-access?email=pat%40example.com").await;
    assert!(b.text().await.contains("1 case mentions this person"));
    b.goto("/access-log").await;
    b.close().await;

    let admin = Browser::start(&app, true).await;
    sign_in(&admin, &app, "admin@southvale.example").await;
    admin.goto("/admin/retention").await;
    admin.goto(&format!("/admin/councils/{}/privacy", app.authority_id("southvale"))).await;
    admin.close().await;
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn an_admin_words_a_councils_takedown_letter_and_the_officers_request_uses_it() {
    let app = TestApp::spawn_demo().await;
    let case =
        crate::fixtures::submit_public(&app, &crate::fixtures::complaint(&app), &[("files", "s.png", PNG)]).await;
    let southvale = app.authority_id("southvale");
    let admin = Browser::start(&app, true).await;
    sign_in(&admin, &app, "admin@southvale.example").await;
    admin.goto(&format!("/admin/councils/{southvale}/letters")).await;
    admin.submit("main a[href$='/letters/takedown_request']").await;
    assert!(admin.text().await.contains("Values the letter may use"));
    admin.fill("subject", "Southvale: please take these posts down ({{ reference }})").await;
    admin
        .fill(
            "body",
            "{{ text }}\n\nThe posts Southvale asks you to remove\n{% for p in posts %}\n- E{{ p.number }}: {{ p.url }}, SHA-256 {% for f in p.files %}{{ f.sha256 }}{% endfor %}{% endfor %}\n\nPlease remove them by {{ due_on }}.\n\n{{ how_to_reply }}\n\nWith thanks from Southvale's standards team",
        )
        .await;
    admin.submit("button[name=action][value=preview]").await;
    let page = admin.text().await;
    assert!(page.contains("Preview"), "{page}");
    admin.submit("button[name=action][value=save]").await;
    assert!(admin.text().await.contains("Letter saved as version 1"));
    admin.close().await;

    let officer = Browser::start(&app, true).await;
    sign_in(&officer, &app, "officer@southvale.example").await;
    officer.goto(&format!("/cases/{}/takedowns/new", case.reference)).await;
    officer.click("#items").await;
    officer.click("input[name=channel][value=email]").await;
    officer.fill("to_address", "alex.archer@southvale.example").await;
    officer.submit("main form button[type=submit]").await;
    assert!(officer.text().await.contains("Takedown request T1"));
    officer.close().await;

    let sent = app.emails().into_iter().rev().find(|m| m.template == "takedown_request").expect("the request");
    assert_eq!(sent.subject, format!("Southvale: please take these posts down ({})", case.reference));
    assert!(sent.body_text.contains("The posts Southvale asks you to remove"), "{}", sent.body_text);
    assert!(sent.body_text.contains("With thanks from Southvale's standards team"), "{}", sent.body_text);
    assert!(sent.letter_template_id.is_some(), "the letter records the council's version");
}

/// A party's link from the newest email of `template` to `to`, as a path on the test server.
fn party_link(app: &TestApp, template: &str, to: &str, path: &str) -> String {
    let mail = app.emails().into_iter().rfind(|m| m.template == template && m.to_address == to).expect("the email");
    crate::parties::link_in(&mail.body_text, path)
}

/// Opens an invitation, asks for the sign-in link and uses it: ends on the party's page.
async fn party_signs_in(b: &Browser, app: &TestApp, invitation: &str, email: &str) {
    b.goto(invitation).await;
    b.submit("main form button[type=submit]").await;
    assert!(b.text().await.contains("Check your email"));
    b.goto(&party_link(app, "party_sign_in", email, "/my-case/sign-in/")).await;
    b.submit("main form button[type=submit]").await;
    assert_eq!(b.client.current_url().await.unwrap().path(), "/my-case");
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_complainant_and_the_member_use_their_own_pages_and_the_officer_answers_with_axe_on_every_page() {
    let app = TestApp::spawn_demo().await;
    let case =
        crate::fixtures::submit_public(&app, &crate::fixtures::complaint(&app), &[("files", "post.png", PNG)]).await;
    let b = Browser::start(&app, true).await;
    let dir = tempfile::tempdir().unwrap();
    let upload = screenshot_file(dir.path());

    // The complainant.
    let invitation = party_link(&app, "acknowledgement", "jo@example.com", "/my-case/");
    party_signs_in(&b, &app, &invitation, "jo@example.com").await;
    assert!(b.text().await.contains("Where the complaint is now"));
    b.shot("parties-01-complainant").await;
    b.submit("form[action='/my-case/messages'] button[type=submit]").await;
    assert!(b.text().await.contains("Enter your message"));
    b.fill("message", "I have found another witness.").await;
    b.submit("form[action='/my-case/messages'] button[type=submit]").await;
    b.fill("description", "Screenshot of his reply").await;
    b.client.find(Locator::Id("files")).await.unwrap().send_keys(&upload).await.unwrap();
    b.submit("form[action='/my-case/evidence'] button[type=submit]").await;
    assert!(b.text().await.contains("Your evidence has been sent"));
    b.submit("form[action='/my-case/withdraw'] button[type=submit]").await;
    assert!(b.text().await.contains("Confirm that you want to withdraw"));
    // A used link gives a clear page.
    b.goto(&invitation).await;
    assert!(b.text().await.contains("This link no longer works"));

    // The officer accepts the screenshot and replies.
    sign_in(&b, &app, "officer@southvale.example").await;
    b.goto(&format!("/cases/{}", case.reference)).await;
    assert!(b.text().await.contains("I have found another witness."));
    b.shot("parties-02-case-page").await;
    b.submit("button[value=accept]").await;
    assert!(b.text().await.contains("Evidence accepted as E"));
    let complaint_id = crate::rows::complaint_ids(&app, &case.id).remove(0);
    b.fill(&format!("reply-{complaint_id}"), "Thank you: when was the post made?").await;
    b.submit(&format!(
        "form[action='/cases/{}/parties/complainant/{complaint_id}/reply'] button[type=submit]",
        case.reference
    ))
    .await;

    // The member.
    let officer = app.user("officer@southvale.example");
    standards_desk::services::cases::notify_member(
        &mut app.conn(),
        &standards_desk::services::audit::Actor::user(&officer.id, &officer.name, None),
        &officer,
        &case.reference,
        &app.member_id("Alex Archer"),
    )
    .unwrap();
    let invitation = party_link(&app, "member_notification", "alex.archer@southvale.example", "/my-case/");
    party_signs_in(&b, &app, &invitation, "alex.archer@southvale.example").await;
    assert!(b.text().await.contains("The complaint about you"));
    b.shot("parties-03-member").await;
    b.submit("form[action='/my-case/response'] button[type=submit]").await;
    assert!(b.text().await.contains("Enter your response"));
    b.fill("response", "I posted it as a private person.").await;
    b.submit("form[action='/my-case/response'] button[type=submit]").await;
    assert!(b.text().await.contains("You sent this on"));
    b.submit("form[action='/my-case/sign-out'] button[type=submit]").await;
    assert!(b.close().await >= 15);
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_complainants_page_works_without_javascript() {
    let app = TestApp::spawn_demo().await;
    crate::fixtures::submit_public(&app, &crate::fixtures::complaint(&app), &[("files", "post.png", PNG)]).await;
    let b = Browser::start(&app, false).await;
    let invitation = party_link(&app, "acknowledgement", "jo@example.com", "/my-case/");
    party_signs_in(&b, &app, &invitation, "jo@example.com").await;
    b.fill("message", "Sent without JavaScript.").await;
    b.submit("form[action='/my-case/messages'] button[type=submit]").await;
    assert!(b.text().await.contains("Sent without JavaScript."));
    b.fill("reason", "It has been sorted out.").await;
    b.submit("form[action='/my-case/withdraw'] button[type=submit]").await;
    assert!(b.text().await.contains("Confirm that you want to withdraw"));
    b.click("#confirm").await;
    b.submit("form[action='/my-case/withdraw'] button[type=submit]").await;
    assert!(b.text().await.contains("You have asked to withdraw the complaint"));
    b.close().await;
}
