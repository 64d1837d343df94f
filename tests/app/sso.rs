//! Single sign-on (issue 22): staff passwords switched off (`PASSWORD_SIGN_IN=off`).

use crate::harness::{TestApp, TestAppBuilder, PASSWORD};
use crate::rows;
use standards_desk::config::{OidcConfig, Secret};
use standards_desk::models::user::Role;
use standards_desk::services::audit::Actor;
use standards_desk::services::password_reset;

/// Single sign-on configured for a provider at `issuer` (client `standards-desk`).
pub fn oidc_config(issuer: &str) -> OidcConfig {
    OidcConfig {
        issuer: issuer.to_string(),
        client_id: "standards-desk".into(),
        client_secret: Secret::new(CLIENT_SECRET.into()),
        email_claim: "email".into(),
        create_users: false,
        provider_name: "Southvale account".into(),
    }
}

fn staff_passwords_off(builder: TestAppBuilder) -> TestAppBuilder {
    builder.configure(|c| {
        c.password_sign_in = false;
        // Nothing listens there: these tests never reach the provider.
        c.oidc = Some(oidc_config("http://127.0.0.1:9"));
    })
}

#[actix_web::test]
async fn with_staff_passwords_off_a_monitoring_officer_is_refused_and_an_independent_person_signs_in() {
    let app = staff_passwords_off(TestApp::builder()).spawn().await;
    let mo = app.create_user(Role::MonitoringOfficer, "mo@council.example");
    app.create_user(Role::IndependentPerson, "ip@council.example");

    app.get("/login")
        .await
        .assert_status(200)
        .assert_contains("Sign in with Southvale account")
        .assert_contains("href=\"/auth/oidc/start?next=")
        .assert_contains("Independent Persons and committee members");

    // A wrong password gets the usual answer (it tells no one what the account is)…
    app.try_login("mo@council.example", "not the password at all")
        .await
        .assert_status(422)
        .assert_contains("Enter a correct email address and password");
    // …and the right one is refused too, with no session opened.
    app.try_login("mo@council.example", PASSWORD)
        .await
        .assert_status(403)
        .assert_contains("Council staff cannot sign in with a password here");
    assert_eq!(rows::sessions_of(&app, &mo.id), 0);
    assert_eq!(rows::audited_for(&app, "user.password_sign_in_refused", &mo.id), 1);
    app.get("/dashboard").await.assert_status(303);

    // The Independent Person keeps their password.
    app.login("ip@council.example", PASSWORD).await;
}

#[actix_web::test]
async fn with_staff_passwords_off_staff_get_no_password_links() {
    let app = staff_passwords_off(TestApp::builder()).spawn().await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    let admin = app.create_user(Role::Admin, "admin@council.example");
    app.create_user(Role::CommitteeMember, "member@council.example");

    let staff = app.post_form("/password-reset", &[("email", "officer@council.example")]).await;
    staff.assert_status(303);
    let member = app.new_browser().post_form("/password-reset", &[("email", "member@council.example")]).await;
    member.assert_status(303);
    assert_eq!(staff.location(), member.location(), "the same answer");
    app.follow(&staff).await.assert_status(200).assert_contains("Council staff do not have a password here");
    let mails = app.emails();
    assert!(mails.iter().all(|m| m.to_address != "officer@council.example"), "nothing sent to staff");
    assert_eq!(mails.iter().filter(|m| m.to_address == "member@council.example").count(), 1);
    assert_eq!(rows::audited_for(&app, "user.password_reset_refused", &officer.id), 1);

    // An administrator cannot send one either.
    let actor = Actor::user(&admin.id, &admin.name, None);
    let refused =
        password_reset::send_by_admin(&mut app.conn(), &actor, &admin, &officer.id, "http://localhost", false);
    assert!(refused.is_err(), "a password link for staff was sent");

    // A link sent while passwords were on no longer works for staff once they are off.
    password_reset::send_by_admin(&mut app.conn(), &actor, &admin, &officer.id, "http://localhost", true)
        .expect("a link while passwords are on");
    let mail = app.emails().into_iter().rev().find(|m| m.to_address == "officer@council.example").expect("the link");
    let at = mail.body_text.find("/password-reset/").expect("a link in the email");
    let link = mail.body_text[at..at + "/password-reset/".len() + 64].to_string();
    app.get(&link).await.assert_status(404);
    app.post_form(&link, &[("password", "a brand new passphrase"), ("confirm", "a brand new passphrase")])
        .await
        .assert_status(404);
    assert_eq!(rows::audited_for(&app, "user.password_reset", &officer.id), 0);
}

// ---------------------------------------------------------------------------------------------
// The flow against a real OpenID provider (`oidc-provider` from npm, tests/oidc/provider.mjs)

use openidconnect::ureq;
use standards_desk::services::sso::{self, SsoError};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const CLIENT_SECRET: &str = "test-client-secret-long-enough-0123456789";
const REDIRECT_URI: &str = "http://localhost/auth/oidc/callback";

/// The provider, running; stopped when dropped.
struct TestProvider {
    child: Child,
    issuer: String,
    /// Kept open: the provider logs to it.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider with these accounts (email, name) on a free port of 127.0.0.1. `None`
/// (the test is skipped, and says so) when its node modules are not installed, except under
/// `CI=true`, where that fails the test.
fn start_provider(accounts: &[(&str, &str)]) -> Option<TestProvider> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    if !dir.join("node_modules/oidc-provider").is_dir() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("tests/oidc/node_modules is missing: run `npm ci` in tests/oidc (as .ci/run does)");
        }
        eprintln!("SKIPPED: the single sign-on tests need `npm ci` in tests/oidc");
        return None;
    }
    let accounts: Vec<_> = accounts.iter().map(|(e, n)| serde_json::json!({ "email": e, "name": n })).collect();
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(&dir)
        .env("OIDC_TEST_CLIENT_ID", "standards-desk")
        .env("OIDC_TEST_CLIENT_SECRET", CLIENT_SECRET)
        .env("OIDC_TEST_REDIRECT_URI", REDIRECT_URI)
        .env("OIDC_TEST_ACCOUNTS", serde_json::Value::Array(accounts).to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs tests/oidc/provider.mjs");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut line).expect("the provider's first line");
    let issuer =
        line.trim().strip_prefix("listening ").unwrap_or_else(|| panic!("the provider said {line:?}")).to_string();
    Some(TestProvider { child, issuer, _stdout: stdout })
}

/// A browser's visits to the provider: its cookies, no redirects followed.
#[derive(Default)]
struct ProviderBrowser {
    cookies: std::collections::BTreeMap<String, String>,
}

impl ProviderBrowser {
    /// (status, Location, body).
    fn send(&mut self, method: &str, url: &str, form: Option<&[(&str, &str)]>) -> (u16, Option<String>, String) {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let req = agent.request(method, url).set("Cookie", &cookie);
        let res = match form {
            Some(fields) => req.send_form(fields),
            None => req.call(),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {url}: {e}"),
        };
        for c in res.all("set-cookie") {
            if let Some((name, rest)) = c.split_once('=') {
                let value = rest.split(';').next().unwrap_or_default();
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
        let status = res.status();
        // A Location may be relative to the provider: made absolute.
        let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        let location =
            res.header("location").map(|l| if l.starts_with('/') { format!("{origin}{l}") } else { l.to_string() });
        (status, location, res.into_string().unwrap_or_default())
    }
}

/// Starts single sign-on at the app, signs in at the provider as `email` through its sign-in
/// form, and returns the callback path the provider sends the browser back to (not yet visited).
async fn through_the_provider(app: &TestApp, provider: &TestProvider, email: &str, next: &str) -> String {
    let start = app.get(&format!("/auth/oidc/start?next={next}")).await;
    start.assert_status(303);
    let authorize = start.location().expect("to the provider").to_string();
    assert!(authorize.starts_with(&format!("{}/auth?", provider.issuer)), "{authorize}");
    for part in ["code_challenge_method=S256", "code_challenge=", "nonce=", "state=", "scope=openid+email+profile"] {
        assert!(authorize.contains(part), "{part} missing from {authorize}");
    }
    let mut browser = ProviderBrowser::default();
    let (status, interaction, _) = browser.send("GET", &authorize, None);
    assert_eq!(status, 303);
    let interaction = interaction.expect("to the sign-in form");
    let (status, _, page) = browser.send("GET", &interaction, None);
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\""), "{page}");
    let (status, resume, page) = browser.send("POST", &format!("{interaction}/login"), Some(&[("email", email)]));
    assert_eq!(status, 303, "{page}");
    let (status, callback, page) = browser.send("GET", &resume.expect("back to the authorisation"), None);
    assert_eq!(status, 303, "{page}");
    let callback = callback.expect("back to Standards Desk");
    callback
        .strip_prefix("http://localhost")
        .unwrap_or_else(|| panic!("not to the redirect URI: {callback}"))
        .to_string()
}

fn sso_app(provider: &TestProvider, passwords: bool, create_users: bool) -> TestAppBuilder {
    let issuer = provider.issuer.clone();
    TestApp::builder().configure(move |c| {
        c.password_sign_in = passwords;
        c.oidc = Some(OidcConfig { create_users, ..oidc_config(&issuer) });
    })
}

#[actix_web::test]
async fn a_known_user_signs_in_through_the_provider_without_the_local_second_factor() {
    let Some(provider) =
        start_provider(&[("mo@council.example", "Morgan Officer"), ("stranger@elsewhere.example", "A Stranger")])
    else {
        return;
    };
    let app = sso_app(&provider, false, false).spawn().await;
    let mo = app.create_user(Role::MonitoringOfficer, "mo@council.example");

    let callback = through_the_provider(&app, &provider, "mo@council.example", "/account").await;
    assert!(callback.starts_with("/auth/oidc/callback?code="), "{callback}");
    let done = app.get(&callback).await;
    done.assert_status(303);
    // Straight in: no two-factor page, although a Monitoring Officer needs it with a password.
    assert_eq!(done.location(), Some("/account"));
    app.get("/dashboard").await.assert_status(200).assert_contains("Signed in as");
    app.get("/account").await.assert_status(200).assert_contains("through single sign-on");
    assert_eq!(rows::sessions_of(&app, &mo.id), 1);
    assert_eq!(rows::count(&app, "oidc_sign_ins"), 0, "the pre-session is used up");
    assert_eq!(rows::audited_for(&app, "user.signed_in", &mo.id), 1);

    // The same callback again (a replay) signs no one in.
    let again = app.new_browser();
    again.get(&callback).await.assert_status(400).assert_contains("This sign-in has expired");
    assert_eq!(rows::sessions_of(&app, &mo.id), 1);

    // Someone the provider knows but Standards Desk does not is refused, and it is audited.
    let stranger = app.new_browser();
    let callback = through_the_provider(&stranger, &provider, "stranger@elsewhere.example", "/dashboard").await;
    stranger
        .get(&callback)
        .await
        .assert_status(403)
        .assert_contains("There is no Standards Desk account for stranger@elsewhere.example");
    stranger.get("/dashboard").await.assert_status(303);
    assert_eq!(rows::count(&app, "users"), 1);
    assert_eq!(rows::audited(&app, "user.sso_refused"), 1);
}

#[actix_web::test]
async fn a_callback_from_another_browser_or_with_another_state_signs_no_one_in() {
    let Some(provider) = start_provider(&[("officer@council.example", "Olive Officer")]) else { return };
    let app = sso_app(&provider, true, false).spawn().await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    app.get("/login").await.assert_status(200).assert_contains("Sign in with Southvale account");

    let callback = through_the_provider(&app, &provider, "officer@council.example", "/dashboard").await;
    // Another browser (no pre-session cookie): refused.
    app.new_browser().get(&callback).await.assert_status(400);
    // The right browser with the state altered: refused, and the pre-session is spent.
    let altered = callback.replace("state=", "state=x");
    app.get(&altered).await.assert_status(400);
    app.get(&callback).await.assert_status(400);
    assert_eq!(rows::sessions_of(&app, &officer.id), 0);
    // The provider saying no.
    app.get("/auth/oidc/start").await.assert_status(303);
    let pending = sso::latest_pending(&mut app.conn()).unwrap().expect("a pre-session");
    app.get(&format!("/auth/oidc/callback?error=access_denied&state={}", pending.state))
        .await
        .assert_status(403)
        .assert_contains("did not sign you in");
    assert_eq!(rows::sessions_of(&app, &officer.id), 0);
}

#[actix_web::test]
async fn with_create_users_a_new_address_gets_an_account_with_no_role_that_opens_nothing() {
    let Some(provider) = start_provider(&[("newcomer@council.example", "Nia Newcomer")]) else { return };
    let app = sso_app(&provider, true, true).spawn().await;
    let callback = through_the_provider(&app, &provider, "newcomer@council.example", "/dashboard").await;
    app.get(&callback).await.assert_status(403).assert_contains("has no role yet");
    let user = app.user("newcomer@council.example");
    assert_eq!(user.name, "Nia Newcomer");
    assert!(user.role().is_none());
    assert_eq!(rows::sessions_of(&app, &user.id), 0);
    assert_eq!(rows::audited_for(&app, "user.created_by_sso", &user.id), 1);
    // Once an administrator gives a role, the same sign-in works.
    standards_desk::models::user::update(
        &mut app.conn(),
        &user.id,
        &standards_desk::models::user::UserChanges { role: Some("case-officer"), ..Default::default() },
    )
    .unwrap();
    let callback = through_the_provider(&app, &provider, "newcomer@council.example", "/dashboard").await;
    app.get(&callback).await.assert_status(303);
    assert_eq!(rows::sessions_of(&app, &user.id), 1);
}

fn b64url_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut out, mut buf, mut bits) = (Vec::new(), 0u32, 0);
    for c in s.bytes() {
        buf = (buf << 6) | A.iter().position(|&a| a == c).expect("base64url") as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

fn b64url_encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut out, mut buf, mut bits) = (String::new(), 0u32, 0);
    for &b in data {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(A[((buf >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(A[((buf << (6 - bits)) & 63) as usize] as char);
    }
    out
}

/// `Basic …` (standard base64, padded).
fn basic_auth(user: &str, password: &str) -> String {
    let mut encoded = b64url_encode(format!("{user}:{password}").as_bytes()).replace('-', "+").replace('_', "/");
    while !encoded.len().is_multiple_of(4) {
        encoded.push('=');
    }
    format!("Basic {encoded}")
}

#[actix_web::test]
async fn id_tokens_signed_by_the_provider_are_checked_for_signature_issuer_audience_nonce_and_expiry() {
    let Some(provider) = start_provider(&[("mo@council.example", "Morgan Officer")]) else { return };
    let app = sso_app(&provider, true, false).spawn().await;
    // A real ID token for this app's sign-in: the test plays the app's part of the exchange with
    // the pre-session's verifier.
    let callback = through_the_provider(&app, &provider, "mo@council.example", "/dashboard").await;
    let code = form_urlencoded::parse(callback.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let pending = sso::latest_pending(&mut app.conn()).unwrap().expect("the pre-session");
    let answer = ureq::post(&format!("{}/token", provider.issuer))
        .set("Authorization", &basic_auth("standards-desk", CLIENT_SECRET))
        .send_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &pending.pkce_verifier),
        ])
        .expect("the token endpoint answers")
        .into_string()
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON from the token endpoint");
    let raw = answer["id_token"].as_str().expect("an ID token").to_string();

    let provider_sso = app.state.sso.clone().expect("single sign-on configured");
    let metadata = provider_sso.metadata(false).expect("discovery");
    let now = chrono::Utc::now();
    let (_, identity) =
        provider_sso.verify_id_token(&metadata, &raw, &pending.nonce, now).expect("the token as issued");
    assert_eq!(identity.email, "mo@council.example");
    assert_eq!(identity.name.as_deref(), Some("Morgan Officer"));

    let refused = |r: Result<_, SsoError>, what: &str| match r {
        Err(SsoError::Token(why)) => eprintln!("{what}: refused ({why})"),
        Err(other) => panic!("{what}: refused for the wrong reason: {other}"),
        Ok(_) => panic!("{what}: accepted"),
    };
    // Tampered: another email in the payload, the provider's signature kept.
    let parts: Vec<&str> = raw.split('.').collect();
    let payload = String::from_utf8(b64url_decode(parts[1])).unwrap();
    assert!(payload.contains("mo@council.example"));
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64url_encode(payload.replace("mo@council.example", "admin@council.example").as_bytes()),
        parts[2]
    );
    refused(provider_sso.verify_id_token(&metadata, &forged, &pending.nonce, now), "a tampered payload");
    // Unsigned ("alg": "none").
    let unsigned = format!("{}.{}.", b64url_encode(br#"{"alg":"none"}"#), parts[1]);
    refused(provider_sso.verify_id_token(&metadata, &unsigned, &pending.nonce, now), "an unsigned token");
    // Another sign-in's nonce.
    refused(provider_sso.verify_id_token(&metadata, &raw, "another-nonce", now), "a wrong nonce");
    // Expired (an hour after issue, it is).
    refused(
        provider_sso.verify_id_token(&metadata, &raw, &pending.nonce, now + chrono::Duration::hours(2)),
        "an expired token",
    );
    // Issued for another client.
    let other_client = sso::Sso::new(
        OidcConfig { client_id: "another-application".into(), ..oidc_config(&provider.issuer) },
        "http://localhost",
    );
    refused(other_client.verify_id_token(&metadata, &raw, &pending.nonce, now), "a wrong audience");
    // From another issuer than the one configured.
    let other_issuer = sso::Sso::new(oidc_config("http://127.0.0.1:9/other"), "http://localhost");
    refused(other_issuer.verify_id_token(&metadata, &raw, &pending.nonce, now), "a wrong issuer");
}
