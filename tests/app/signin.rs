//! Staff sign-in (issue 22): password rules, password reset by email, session control and
//! two-factor sign-in.

use crate::harness::{TestApp, PASSWORD};
use crate::rows;
use standards_desk::models::user::Role;

/// The reset link in the newest email to `address`: (path, the email's text).
fn reset_link(app: &TestApp, address: &str) -> (String, String) {
    let mail = app.emails().into_iter().rev().find(|m| m.to_address == address).expect("an email to the user");
    let at = mail.body_text.find("/password-reset/").expect("a link in the email");
    let path = mail.body_text[at..at + "/password-reset/".len() + 64].to_string();
    (path, mail.body_text)
}

#[actix_web::test]
async fn common_passwords_and_the_persons_own_email_are_refused() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let add = |password: &'static str| {
        let fields = [
            ("name", "Iris Example"),
            ("email", "iris.example@council.example"),
            ("role", "case-officer"),
            ("password", password),
        ];
        let app = &app;
        async move { app.post_form("/admin/users/new", &fields).await }
    };
    add("qwerty123456").await.assert_status(422).assert_contains("list of commonly used passwords");
    add("Q1W2E3R4T5Y6").await.assert_status(422).assert_contains("list of commonly used passwords");
    add("iris.example@council.example").await.assert_status(422).assert_contains("not your email address or name");
    add("eleven char").await.assert_status(422).assert_contains("at least 12 characters");
    assert_eq!(rows::count(&app, "users"), 1, "none of them created");
    add("a long enough password").await.assert_status(303);
}

#[actix_web::test]
async fn a_reset_gives_the_same_answer_for_any_address_and_its_link_works_once() {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    // The officer is signed in elsewhere: the reset ends that session.
    let elsewhere = app.new_browser();
    elsewhere.login("officer@council.example", PASSWORD).await;

    app.get("/login").await.assert_status(200).assert_contains("href=\"/password-reset\"");
    app.get("/password-reset").await.assert_status(200);
    let unknown = app.post_form("/password-reset", &[("email", "nobody@council.example")]).await;
    unknown.assert_status(303);
    let known = app.post_form("/password-reset", &[("email", "Officer@Council.example")]).await;
    known.assert_status(303);
    assert_eq!(unknown.location(), known.location(), "the same answer");
    app.follow(&known).await.assert_status(200).assert_contains("If the address you entered belongs to an account");
    let mails = app.emails();
    assert_eq!(mails.len(), 1, "one email, to the account that exists");
    assert_eq!(mails[0].template, "password_reset");
    // Asking again at once sends nothing more (no one fills a colleague's inbox).
    app.post_form("/password-reset", &[("email", "officer@council.example")]).await.assert_status(303);
    assert_eq!(app.emails().len(), 1);
    app.post_form("/password-reset", &[("email", "not an address")])
        .await
        .assert_status(422)
        .assert_contains("Enter an email address in the correct format")
        .assert_contains("value=\"not an address\"");

    let (link, text) = reset_link(&app, "officer@council.example");
    assert!(text.contains("works once, for 30 minutes"), "{text}");
    let token = link.trim_start_matches("/password-reset/");
    assert!(!rows::stored_values(&app, "password_resets", "id").iter().any(|v| v == token), "only the hash is stored");
    app.get(&link).await.assert_status(200).assert_contains("Choose a new password");
    let mismatch = app.post_form(&link, &[("password", "a brand new passphrase"), ("confirm", "something else")]).await;
    mismatch.assert_status(422).assert_contains("Enter the same password twice");
    app.post_form(&link, &[("password", "password123"), ("confirm", "password123")])
        .await
        .assert_status(422)
        .assert_contains("at least 12 characters");
    let done =
        app.post_form(&link, &[("password", "a brand new passphrase"), ("confirm", "a brand new passphrase")]).await;
    done.assert_status(303);
    assert_eq!(done.location(), Some("/login"));
    assert_eq!(rows::sessions_of(&app, &officer.id), 0, "every session ended");
    let signed_out = elsewhere.get("/dashboard").await;
    signed_out.assert_status(303);
    assert!(signed_out.location().unwrap().starts_with("/login"));
    assert_eq!(rows::audited_for(&app, "user.password_reset", &officer.id), 1);

    // The link works once.
    app.get(&link).await.assert_status(404).assert_contains("This link no longer works");
    app.post_form(&link, &[("password", "yet another passphrase"), ("confirm", "yet another passphrase")])
        .await
        .assert_status(404);
    app.try_login("officer@council.example", PASSWORD).await.assert_status(422);
    app.login("officer@council.example", "a brand new passphrase").await;
}

#[actix_web::test]
async fn one_address_asks_for_at_most_ten_links_an_hour() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    for i in 0..10 {
        app.post_form("/password-reset", &[("email", &format!("guess{i}@council.example"))]).await.assert_status(303);
    }
    app.post_form("/password-reset", &[("email", "officer@council.example")])
        .await
        .assert_status(422)
        .assert_contains("too many requests for password links");
    assert!(app.emails().is_empty(), "nothing sent past the limit");
    // Another address is not affected.
    let other = app.new_browser();
    *other.peer.borrow_mut() = "198.51.100.5:4000".into();
    other.post_form("/password-reset", &[("email", "officer@council.example")]).await.assert_status(303);
    assert_eq!(app.emails().len(), 1);
}

#[actix_web::test]
async fn a_reset_link_expires_after_thirty_minutes() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    app.post_form("/password-reset", &[("email", "officer@council.example")]).await.assert_status(303);
    let (link, _) = reset_link(&app, "officer@council.example");
    rows::expire_password_links(&app);
    app.get(&link).await.assert_status(404).assert_contains("This link has expired or has already been used");
    app.post_form(&link, &[("password", "a brand new passphrase"), ("confirm", "a brand new passphrase")])
        .await
        .assert_status(404);
    app.login("officer@council.example", PASSWORD).await;
}

#[actix_web::test]
async fn an_admin_sends_a_link_instead_of_setting_a_password() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    let page = app.get(&format!("/admin/users/{}", officer.id)).await;
    page.assert_status(200).assert_contains("Send a password link");
    let res = app.post_form(&format!("/admin/users/{}/password-link", officer.id), &[]).await;
    res.assert_status(303);
    app.follow(&res)
        .await
        .assert_status(200)
        .assert_contains("A link to set a password has been sent to officer@council.example");
    let (link, text) = reset_link(&app, "officer@council.example");
    assert!(text.contains(&format!("{}, an administrator", admin.name)), "{text}");
    assert_eq!(rows::audited_for(&app, "user.password_reset_sent", &officer.id), 1);
    // A case officer cannot send one.
    let other = app.new_browser();
    other.login("officer@council.example", PASSWORD).await;
    other.post_form(&format!("/admin/users/{}/password-link", admin.id), &[]).await.assert_status(403);
    let visitor = app.new_browser();
    visitor.get(&link).await.assert_status(200);
    visitor
        .post_form(&link, &[("password", "chosen by the officer"), ("confirm", "chosen by the officer")])
        .await
        .assert_status(303);
    visitor.login("officer@council.example", "chosen by the officer").await;
}

const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// A browser of the app with this User-Agent, from this address.
fn browser(app: &TestApp, user_agent: &str, address: &str) -> TestApp {
    let b = app.new_browser();
    b.headers.borrow_mut().push(("user-agent".into(), user_agent.into()));
    *b.peer.borrow_mut() = format!("{address}:5000");
    b
}

#[actix_web::test]
async fn a_user_sees_their_sessions_and_ending_one_signs_that_browser_out_at_once() {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    let laptop = browser(&app, FIREFOX, "198.51.100.20");
    laptop.login("officer@council.example", PASSWORD).await;
    let phone = browser(&app, SAFARI, "198.51.100.99");
    phone.login("officer@council.example", PASSWORD).await;

    let page = laptop.get("/account").await;
    page.assert_status(200)
        .assert_contains("Where you are signed in")
        .assert_contains("Firefox on Windows")
        .assert_contains("Safari on iOS")
        .assert_contains("198.51.100.99")
        .assert_contains("This browser");
    // The phone's session, by the form that ends it.
    let at = page.body.find("Safari on iOS").unwrap();
    let form = page.body[at..].find("/account/sessions/").unwrap() + at + "/account/sessions/".len();
    let id = page.body[form..form + 64].to_string();

    // Someone else cannot end it.
    let other = app.new_browser();
    app.create_user(Role::CaseOfficer, "other@council.example");
    other.login("other@council.example", PASSWORD).await;
    other.post_form(&format!("/account/sessions/{id}/end"), &[]).await.assert_status(404);
    phone.get("/dashboard").await.assert_status(200);

    let res = laptop.post_form(&format!("/account/sessions/{id}/end"), &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/account"));
    laptop
        .follow(&res)
        .await
        .assert_status(200)
        .assert_lacks("Safari on iOS")
        .assert_contains("That session has ended");
    let out = phone.get("/dashboard").await;
    out.assert_status(303);
    assert!(out.location().unwrap().starts_with("/login"), "the phone is signed out at once");
    assert_eq!(rows::sessions_of(&app, &officer.id), 1);
    assert_eq!(rows::audited_for(&app, "user.session_ended", &officer.id), 1);

    // Ending the current session signs this browser out.
    let page = laptop.get("/account").await;
    page.assert_status(200);
    let form = page.body.find("/account/sessions/").unwrap() + "/account/sessions/".len();
    let own = page.body[form..form + 64].to_string();
    let res = laptop.post_form(&format!("/account/sessions/{own}/end"), &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/login"));
    assert_eq!(rows::sessions_of(&app, &officer.id), 0);
}

#[actix_web::test]
async fn an_admin_ends_all_of_a_users_sessions() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    let one = browser(&app, FIREFOX, "198.51.100.20");
    one.login("officer@council.example", PASSWORD).await;
    let two = browser(&app, SAFARI, "198.51.100.21");
    two.login("officer@council.example", PASSWORD).await;
    // The officer cannot do it to the admin.
    one.post_form(&format!("/admin/users/{}/sessions/end", officer.id), &[]).await.assert_status(403);
    assert_eq!(rows::sessions_of(&app, &officer.id), 2);
    app.get(&format!("/admin/users/{}", officer.id)).await.assert_status(200).assert_contains("End all sessions of");
    let res = app.post_form(&format!("/admin/users/{}/sessions/end", officer.id), &[]).await;
    res.assert_status(303);
    app.follow(&res).await.assert_status(200).assert_contains("2 sessions of Test Case officer ended");
    for b in [&one, &two] {
        let r = b.get("/dashboard").await;
        r.assert_status(303);
        assert!(r.location().unwrap().starts_with("/login"));
    }
    assert_eq!(rows::audited_for(&app, "user.sessions_ended", &officer.id), 1);
    app.get("/dashboard").await.assert_status(200);
}

#[actix_web::test]
async fn a_sign_in_from_a_new_browser_is_emailed_to_the_user() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    let laptop = browser(&app, FIREFOX, "198.51.100.20");
    laptop.login("officer@council.example", PASSWORD).await;
    assert_eq!(app.emails().len(), 0, "the first browser an account is used from is not news");
    laptop.post_form("/logout", &[]).await.assert_status(303);
    laptop.login("officer@council.example", PASSWORD).await;
    assert_eq!(app.emails().len(), 0, "the same browser again is known");

    let stranger = browser(&app, SAFARI, "192.0.2.44");
    stranger.login("officer@council.example", PASSWORD).await;
    let mails = app.emails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!((mail.template.as_str(), mail.to_address.as_str()), ("new_sign_in", "officer@council.example"));
    assert!(mail.subject.contains("New sign-in"), "{}", mail.subject);
    for text in ["Safari on iOS", "192.0.2.44", "/account", "end that session"] {
        assert!(mail.body_text.contains(text), "{text} in:\n{}", mail.body_text);
    }
}

/// A 6-digit code that is not the current one (nor the ones either side of it).
fn wrong_code(app: &TestApp, email: &str) -> String {
    let secret = app.user(email).totp_secret.expect("a secret");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let near: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| standards_desk::services::two_factor::code_at(&secret, *t).unwrap())
        .collect();
    (0..1000).map(|i| format!("{:06}", 123_457 + i * 7)).find(|c| !near.contains(c)).unwrap()
}

/// The recovery codes shown on the page.
fn codes_on(page: &crate::harness::Response) -> Vec<String> {
    page.body.split("<code>").skip(1).map(|s| s.split("</code>").next().unwrap().to_string()).collect()
}

#[actix_web::test]
async fn a_monitoring_officer_must_enter_a_code_and_a_wrong_or_used_one_is_refused() {
    let app = TestApp::spawn().await;
    let mo = app.create_user(Role::MonitoringOfficer, "mo@council.example");
    assert!(mo.two_factor_enabled());
    let res = app.try_login("mo@council.example", PASSWORD).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/login/two-factor?next=%2Fdashboard"));
    // The password alone opens nothing else.
    let blocked = app.get("/cases").await;
    blocked.assert_status(303);
    assert!(blocked.location().unwrap().starts_with("/login"));
    assert_eq!(rows::audited(&app, "user.signed_in"), 0);

    app.get("/login/two-factor?next=%2Fdashboard").await.assert_status(200).assert_contains("Enter your code");
    let wrong = app
        .post_form("/login/two-factor", &[("code", &wrong_code(&app, "mo@council.example")), ("next", "/dashboard")])
        .await;
    wrong.assert_status(422).assert_contains("There is a problem").assert_contains("Enter the 6-digit code");
    app.get("/cases").await.assert_status(303);
    assert_eq!(rows::failed_sign_ins(&app, "mo@council.example"), 1, "a wrong code counts as a failed sign-in");

    let code = app.totp_code("mo@council.example");
    let ok = app.post_form("/login/two-factor", &[("code", &code), ("next", "/dashboard")]).await;
    ok.assert_status(303);
    assert_eq!(ok.location(), Some("/dashboard"));
    app.get("/cases").await.assert_status(200);
    assert_eq!(rows::audited_for(&app, "user.signed_in", &mo.id), 1);
    assert_eq!(rows::sessions_of(&app, &mo.id), 1, "the waiting session was replaced");

    // The same code again, in another browser, within its 30 seconds: refused.
    let other = app.new_browser();
    other.try_login("mo@council.example", PASSWORD).await.assert_status(303);
    other.get("/login/two-factor").await.assert_status(200);
    other
        .post_form("/login/two-factor", &[("code", &code), ("next", "/dashboard")])
        .await
        .assert_status(422)
        .assert_contains("already been used");
    other.get("/dashboard").await.assert_status(303);
}

#[actix_web::test]
async fn five_wrong_codes_end_the_waiting_sign_in() {
    let app = TestApp::spawn().await;
    app.create_user(Role::DeputyMonitoringOfficer, "deputy@council.example");
    app.try_login("deputy@council.example", PASSWORD).await.assert_status(303);
    app.get("/login/two-factor").await.assert_status(200);
    let wrong = wrong_code(&app, "deputy@council.example");
    for _ in 0..4 {
        app.post_form("/login/two-factor", &[("code", &wrong)]).await.assert_status(422);
    }
    app.post_form("/login/two-factor", &[("code", &wrong)])
        .await
        .assert_status(429)
        .assert_contains("too many failed attempts to sign in");
    assert_eq!(rows::count(&app, "sessions"), 0, "the waiting session is ended");
    app.try_login("deputy@council.example", PASSWORD).await.assert_status(429);
}

#[actix_web::test]
async fn a_user_sets_up_two_factor_and_a_recovery_code_works_once() {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    app.login("officer@council.example", PASSWORD).await;
    app.get("/account").await.assert_status(200).assert_contains("Set up two-factor sign-in");
    let setup = app.get("/account/two-factor").await;
    setup.assert_status(200).assert_contains("src=\"data:image/svg+xml,").assert_contains("Code from the app");
    let secret = app.user("officer@council.example").totp_secret.expect("a secret being set up");
    assert!(setup.body.contains(&secret[..4]), "the key is shown for typing in");
    app.post_form("/account/two-factor", &[("code", &wrong_code(&app, "officer@council.example"))])
        .await
        .assert_status(422)
        .assert_contains("Enter the 6-digit code your authenticator app shows now");
    assert!(!app.user("officer@council.example").two_factor_enabled());
    let done = app.post_form("/account/two-factor", &[("code", &app.totp_code("officer@council.example"))]).await;
    done.assert_status(200).assert_contains("Your recovery codes").assert_contains("only time these codes are shown");
    let codes = codes_on(&done);
    assert_eq!(codes.len(), 10, "{codes:?}");
    let stored = rows::stored_values(&app, "recovery_codes", "code_hash");
    assert_eq!(stored.len(), 10);
    assert!(codes.iter().all(|c| !stored.iter().any(|h| h.contains(c.as_str()))), "stored hashed");
    assert_eq!(rows::audited_for(&app, "user.two_factor_enabled", &officer.id), 1);
    app.get("/account").await.assert_status(200).assert_contains("10 unused recovery codes");

    // Next sign-in: the code is asked for; a recovery code passes, once.
    app.post_form("/logout", &[]).await.assert_status(303);
    app.try_login("officer@council.example", PASSWORD).await.assert_status(303);
    app.get("/login/two-factor").await.assert_status(200);
    let used = codes[3].to_uppercase().replace('-', " ");
    let res = app.post_form("/login/two-factor", &[("code", &used)]).await;
    res.assert_status(303);
    app.follow(&res).await.assert_status(200).assert_contains("You have 9 left");
    assert_eq!(rows::audited_for(&app, "user.recovery_code_used", &officer.id), 1);
    app.post_form("/logout", &[]).await.assert_status(303);
    app.try_login("officer@council.example", PASSWORD).await.assert_status(303);
    app.get("/login/two-factor").await.assert_status(200);
    app.post_form("/login/two-factor", &[("code", &codes[3])]).await.assert_status(422);
    app.post_form("/login/two-factor", &[("code", &codes[4])]).await.assert_status(303);

    // Optional for a case officer: turned off with a code.
    app.get("/account").await.assert_status(200).assert_contains("Turn off two-factor sign-in");
    app.post_form("/account/two-factor/off", &[("code", &app.totp_code("officer@council.example"))])
        .await
        .assert_status(303);
    assert!(!app.user("officer@council.example").two_factor_enabled());
    assert_eq!(rows::count(&app, "recovery_codes"), 0);
}

#[actix_web::test]
async fn an_admin_resets_a_lost_device_and_the_user_sets_it_up_again_at_sign_in() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let mo = app.create_user(Role::MonitoringOfficer, "mo@council.example");
    let phone = app.new_browser();
    phone.login("mo@council.example", PASSWORD).await;
    let page = app.get(&format!("/admin/users/{}", mo.id)).await;
    page.assert_status(200).assert_contains("Reset two-factor sign-in of");
    let res = app.post_form(&format!("/admin/users/{}/two-factor/reset", mo.id), &[]).await;
    res.assert_status(303);
    app.follow(&res).await.assert_status(200).assert_contains("two-factor sign-in has been reset");
    assert_eq!(rows::audited_for(&app, "user.two_factor_reset", &mo.id), 1);
    assert!(app.user("mo@council.example").totp_secret.is_none());
    phone.get("/dashboard").await.assert_status(303);

    // A required role with nothing set up: set up at sign-in, before anything else opens.
    let res = phone.try_login("mo@council.example", PASSWORD).await;
    assert!(res.location().unwrap().starts_with("/login/two-factor"));
    phone.get("/login/two-factor").await.assert_status(200).assert_contains("Set up two-factor sign-in");
    phone.get("/cases").await.assert_status(303);
    let done = phone
        .post_form("/login/two-factor", &[("code", &phone.totp_code("mo@council.example")), ("next", "/cases")])
        .await;
    done.assert_status(200).assert_contains("Your recovery codes").assert_contains("href=\"/cases\"");
    assert_eq!(codes_on(&done).len(), 10);
    phone.get("/cases").await.assert_status(200);
    // The MO may not turn it off.
    let off = phone.post_form("/account/two-factor/off", &[("code", &phone.totp_code("mo@council.example"))]).await;
    off.assert_status(303);
    assert!(app.user("mo@council.example").two_factor_enabled());
}

#[actix_web::test]
async fn a_setting_requires_two_factor_of_every_staff_account() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    app.create_user(Role::IndependentPerson, "ip@council.example");
    let ip = app.new_browser();
    ip.login("ip@council.example", PASSWORD).await;
    ip.post_form("/logout", &[]).await.assert_status(303);
    app.get("/admin/settings").await.assert_status(200).assert_contains("Who must use two-factor sign-in?");
    app.post_form("/admin/settings/two-factor", &[("two_factor_for_all", "maybe")]).await.assert_status(422);
    app.post_form("/admin/settings/two-factor", &[("two_factor_for_all", "on")]).await.assert_status(303);
    assert_eq!(rows::audited(&app, "settings.two_factor_changed"), 1);
    let res = ip.try_login("ip@council.example", PASSWORD).await;
    assert!(res.location().unwrap().starts_with("/login/two-factor"), "{:?}", res.location());
    ip.get("/login/two-factor").await.assert_status(200).assert_contains("Set up two-factor sign-in");
    // Back off: the independent person signs in with the password alone again.
    app.post_form("/admin/settings/two-factor", &[("two_factor_for_all", "off")]).await.assert_status(303);
    let again = app.new_browser();
    again.try_login("ip@council.example", PASSWORD).await.assert_status(303);
    assert_eq!(again.get("/dashboard").await.status.as_u16(), 200);
}
