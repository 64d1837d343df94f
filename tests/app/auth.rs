use crate::harness::{TestApp, PASSWORD};
use crate::rows;
use standards_desk::models::user::Role;

#[actix_web::test]
async fn sign_in_with_the_right_password_opens_a_session() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    let res = app.login("Officer@Council.example ", PASSWORD).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/dashboard"));
    assert!(app.has_cookie("sd_session"));
    let cookie = res.header("set-cookie").unwrap_or_default().to_string();
    let all: Vec<_> = res.headers.get_all("set-cookie").filter_map(|v| v.to_str().ok()).collect();
    assert!(
        all.iter().any(|c| c.starts_with("sd_session=") && c.contains("HttpOnly") && c.contains("SameSite=Lax")),
        "{cookie}"
    );
    let dash = app.get("/dashboard").await;
    dash.assert_status(200).assert_contains("Signed in as Test Case officer").assert_lacks("Sign in</h1>");
    dash.assert_contains("Test Case officer");
    assert_eq!(rows::count(&app, "sessions"), 1);
    assert_eq!(rows::audited(&app, "user.signed_in"), 1);
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_clear_message() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    let wrong = app.try_login("officer@council.example", "not the password").await;
    wrong
        .assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("Enter a correct email address and password");
    wrong.assert_contains("value=\"officer@council.example\"");
    let unknown = app.try_login("nobody@council.example", "whatever it is").await;
    unknown.assert_status(422).assert_contains("Enter a correct email address and password");
    assert!(!app.has_cookie("sd_session"));
    let empty = app.post_form("/login", &[("email", ""), ("password", "")]).await;
    empty.assert_status(422).assert_contains("Enter your email address").assert_contains("Enter your password");
}

#[actix_web::test]
async fn an_address_is_refused_for_an_account_after_five_failures_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    app.create_user(Role::CaseOfficer, "other@council.example");
    for _ in 0..5 {
        app.try_login("officer@council.example", "wrong password").await.assert_status(422);
    }
    let locked = app.try_login("officer@council.example", PASSWORD).await;
    locked.assert_status(429).assert_contains("too many failed attempts to sign in");
    assert!(!app.has_cookie("sd_session"));
    // Another account from the same address is not locked by these.
    app.login("other@council.example", PASSWORD).await.assert_status(303);
}

/// 30 wrong passwords for one account from one address, all at once: the count and the attempt
/// are one write transaction (the account locked first), so exactly the limit are checked.
#[actix_web::test]
async fn thirty_concurrent_wrong_passwords_from_one_address_check_only_five() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    let attempts: Vec<_> = (0..30)
        .map(|_| {
            let browser = app.new_browser();
            actix_web::rt::spawn(async move {
                let res = browser.try_login("officer@council.example", "wrong password").await;
                (res.status.as_u16(), res.body.contains("too many failed attempts to sign in"))
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.expect("the attempt ran"));
    }
    let checked = statuses.iter().filter(|(s, _)| *s == 422).count();
    let refused = statuses.iter().filter(|(s, throttled)| *s == 429 && *throttled).count();
    assert_eq!((checked, refused), (5, 25), "{statuses:?}");
    assert_eq!(rows::failed_sign_ins(&app, "officer@council.example"), 5);
}

/// An attacker's failures from other addresses slow the account down (a bounded delay) but never
/// stop the officer signing in from their own address; the attacker's addresses stay refused.
#[actix_web::test]
async fn an_attack_from_elsewhere_delays_but_never_locks_out_the_officer() {
    let delay = std::time::Duration::from_millis(300);
    let app = TestApp::builder().configure(move |c| c.login_delay_max = delay).spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    let attacker = app.new_browser();
    for address in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        *attacker.peer.borrow_mut() = format!("{address}:5000");
        for _ in 0..5 {
            attacker.try_login("officer@council.example", "wrong password").await.assert_status(422);
        }
    }
    // Each of the attacker's addresses is refused for this account, even with the right password.
    attacker.try_login("officer@council.example", PASSWORD).await.assert_status(429);
    assert!(!attacker.has_cookie("sd_session"));

    // 15 failures on the account: the officer, from their own address, waits, then signs in.
    let officer = app.new_browser();
    *officer.peer.borrow_mut() = "198.51.100.20:6000".into();
    let started = std::time::Instant::now();
    officer.login("officer@council.example", PASSWORD).await;
    let took = started.elapsed();
    assert!(took >= delay, "an account under attack is slowed down ({took:?})");
    assert!(took < delay * 10, "the delay is bounded ({took:?})");
    // The officer's success forgives their own address only: the attacker's stay refused.
    attacker.try_login("officer@council.example", PASSWORD).await.assert_status(429);
}

#[actix_web::test]
async fn an_address_is_refused_after_twenty_failures_across_accounts() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    for i in 0..20 {
        app.try_login(&format!("guess{i}@council.example"), "wrong password").await.assert_status(422);
    }
    app.try_login("officer@council.example", PASSWORD).await.assert_status(429);
}

#[actix_web::test]
async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let fields = [
        ("name", "Eve Example"),
        ("email", "eve@council.example"),
        ("role", "case-officer"),
        ("password", "a long enough password"),
    ];
    let missing = app.post_form_raw("/admin/users/new", &fields).await;
    missing.assert_status(403).assert_contains("You do not have access to this page");
    let mut wrong = vec![("_csrf", "0000000000000000000000000000000000000000000000000000000000000000")];
    wrong.extend_from_slice(&fields);
    app.post_form_raw("/admin/users/new", &wrong).await.assert_status(403);
    let users = app.get("/admin/users").await;
    users.assert_status(200).assert_lacks("eve@council.example");
    // The same form with the token works.
    app.post_form("/admin/users/new", &fields).await.assert_status(303);
    app.get("/admin/users").await.assert_status(200).assert_contains("eve@council.example");
}

#[actix_web::test]
async fn sign_in_itself_needs_the_browser_csrf_token() {
    let app = TestApp::spawn().await;
    app.create_user(Role::CaseOfficer, "officer@council.example");
    let res = app.post_form_raw("/login", &[("email", "officer@council.example"), ("password", PASSWORD)]).await;
    res.assert_status(403);
    assert!(!app.has_cookie("sd_session"));
}

#[actix_web::test]
async fn an_expired_session_is_sent_to_sign_in_with_a_message() {
    let app = TestApp::spawn().await;
    app.login_as(Role::CaseOfficer).await;
    rows::expire_sessions(&app);
    let res = app.get("/dashboard").await;
    res.assert_status(303);
    let to = res.location().unwrap().to_string();
    assert!(to.starts_with("/login?next=%2Fdashboard") && to.contains("expired=idle"), "{to}");
    assert!(!app.has_cookie("sd_session"));
    app.follow(&res)
        .await
        .assert_status(200)
        .assert_contains("You were signed out after 30 minutes without activity. Sign in again to continue.");
    // Kept for a day only to recognise a form sent from its pages; it never signs anyone in.
    assert_eq!(rows::count(&app, "sessions"), 1);
    let again = app.get("/dashboard").await;
    again.assert_status(303);
    assert!(again.location().unwrap().starts_with("/login"));
    standards_desk::services::auth::purge_expired(&mut app.conn()).unwrap();
    assert_eq!(rows::count(&app, "sessions"), 1, "housekeeping deletes it after a day");
}

#[actix_web::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.login_as(Role::CaseOfficer).await;
    let res = app.post_form("/logout", &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/login"));
    app.follow(&res).await.assert_status(200).assert_contains("You have signed out");
    assert_eq!(rows::count(&app, "sessions"), 0);
    let after = app.get("/dashboard").await;
    after.assert_status(303);
    assert!(after.location().unwrap().starts_with("/login"));
}

#[actix_web::test]
async fn after_sign_in_only_local_paths_are_followed() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Admin, "admin@council.example");
    app.get("/login?next=/admin/users").await;
    let res = app
        .post_form("/login", &[("email", "admin@council.example"), ("password", PASSWORD), ("next", "/admin/users")])
        .await;
    let res = app.pass_second_factor("admin@council.example", res).await;
    assert_eq!(res.location(), Some("/admin/users"));
    app.follow(&res).await.assert_status(200);
    app.post_form("/logout", &[]).await.assert_status(303);
    app.get("/login").await;
    let res = app
        .post_form(
            "/login",
            &[("email", "admin@council.example"), ("password", PASSWORD), ("next", "//evil.example/x")],
        )
        .await;
    let res = app.pass_second_factor("admin@council.example", res).await;
    assert_eq!(res.location(), Some("/dashboard"));
}

/// Each `next` that a browser would take off-site (tabs and newlines are stripped, a backslash is
/// a slash), or that holds control characters, goes to the dashboard; local paths and queries are
/// kept.
#[actix_web::test]
async fn a_next_that_a_browser_would_follow_off_site_goes_to_the_dashboard() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Admin, "admin@council.example");
    let cases = [
        ("/\t/evil.example", "/dashboard"),
        ("/\t\\evil.example", "/dashboard"),
        ("\\evil.example", "/evil.example"),
        ("/\\evil.example", "/dashboard"),
        ("/\n/evil.example/x", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("/cases?q=a\u{1}b", "/cases?q=a%01b"),
        ("/admin/users?page=2", "/admin/users?page=2"),
    ];
    for (next, expected) in cases {
        // The query string as a browser sends it (percent-encoded).
        let query: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let shown = app.get(&format!("/login?next={query}")).await;
        shown.assert_status(200);
        let res = app
            .post_form("/login", &[("email", "admin@council.example"), ("password", PASSWORD), ("next", next)])
            .await;
        let res = app.pass_second_factor("admin@council.example", res).await;
        res.assert_status(303);
        assert_eq!(res.location(), Some(expected), "next = {next:?}");
        // Signed in, the sign-in page redirects by the same rule.
        let again = app.get(&format!("/login?next={query}")).await;
        again.assert_status(303);
        assert_eq!(again.location(), Some(expected), "next = {next:?} when signed in");
        app.get("/dashboard").await.assert_status(200); // for the session's CSRF token
        app.post_form("/logout", &[]).await.assert_status(303);
    }
}

/// Every Set-Cookie of a response.
fn set_cookies(res: &crate::harness::Response) -> Vec<String> {
    res.headers.get_all("set-cookie").map(|v| v.to_str().unwrap().to_string()).collect()
}

/// Over HTTPS: HSTS on every response, and the session, CSRF and flash cookies (and their
/// removals) carry the `__Host-` prefix with `Secure`, `Path=/` and no `Domain`. Over HTTP: neither.
#[actix_web::test]
async fn over_https_cookies_are_host_prefixed_and_secure_and_hsts_is_sent() {
    let app = TestApp::builder().configure(|c| c.base_url = "https://standards.example".into()).spawn().await;
    app.create_user(Role::Admin, "admin@council.example");
    let mut seen = Vec::new();
    let page = app.get("/login").await;
    page.assert_status(200);
    assert_eq!(page.header("strict-transport-security"), Some("max-age=31536000; includeSubDomains"));
    let css = app.get("/static/css/app.css").await;
    css.assert_status(200);
    assert!(css.header("strict-transport-security").is_some(), "static files too");
    seen.extend(set_cookies(&page));
    let res = app.login("admin@council.example", PASSWORD).await;
    seen.extend(set_cookies(&res));
    app.get("/dashboard").await.assert_status(200);
    let out = app.post_form("/logout", &[]).await;
    out.assert_status(303);
    seen.extend(set_cookies(&out));
    for name in ["sd_session", "sd_csrf", "sd_flash"] {
        let with: Vec<_> = seen.iter().filter(|c| c.contains(name)).collect();
        assert!(!with.is_empty(), "{name} was set: {seen:?}");
        for c in with {
            assert!(c.starts_with(&format!("__Host-{name}=")), "{c}");
            assert!(c.contains("Secure") && c.contains("Path=/") && !c.contains("Domain"), "{c}");
        }
    }
    assert!(
        out.headers.get_all("set-cookie").any(|v| v.to_str().unwrap().starts_with("__Host-sd_session=;")),
        "the session cookie is removed"
    );

    let plain = TestApp::spawn().await;
    let page = plain.get("/login").await;
    page.assert_status(200);
    assert!(page.header("strict-transport-security").is_none());
    assert!(
        set_cookies(&page).iter().all(|c| c.starts_with("sd_") && !c.contains("Secure")),
        "{:?}",
        set_cookies(&page)
    );
}

/// A multipart POST is refused (403, nothing changed) before any handler runs unless its first part
/// is a valid `_csrf`: also on handlers that never read the body.
#[actix_web::test]
async fn a_multipart_post_without_a_token_first_is_refused_before_the_handler_runs() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let active = app.create_user(Role::CaseOfficer, "active@council.example");
    let inactive = app.create_user(Role::CaseOfficer, "inactive@council.example");
    app.post_form(&format!("/admin/users/{}/deactivate", inactive.id), &[]).await.assert_status(303);
    app.post_form(
        "/admin/closure-days",
        &[("closure_day", "29"), ("closure_month", "12"), ("closure_year", "2025"), ("reason", "Christmas closure")],
    )
    .await
    .assert_status(303);
    let token = app.get("/dashboard").await.csrf_token().expect("a token");
    let (users, days, sessions) =
        (rows::count(&app, "users"), rows::count(&app, "closure_days"), rows::sessions_of(&app, &admin.id));
    let paths = [
        format!("/admin/users/{}/deactivate", active.id),
        format!("/admin/users/{}/reactivate", inactive.id),
        "/admin/closure-days/2025-12-29/delete".to_string(),
        "/logout".to_string(),
    ];
    let bodies: [&[(&str, &str)]; 4] = [
        &[],
        &[("note", "no token")],
        &[("_csrf", "0000000000000000000000000000000000000000000000000000000000000000")],
        &[("note", "token second"), ("_csrf", token.as_str())],
    ];
    for path in &paths {
        for fields in bodies {
            let res = app.post_multipart_raw(path, fields, &[]).await;
            res.assert_status(403);
        }
        // A file first, the token after it.
        let res = app.post_multipart_raw(path, &[], &[("files", "a.png", b"x")]).await;
        res.assert_status(403);
    }
    assert!(app.user(&active.email).active, "not deactivated");
    assert!(!app.user(&inactive.email).active, "not reactivated");
    assert_eq!(rows::count(&app, "closure_days"), days, "the closure day is kept");
    assert_eq!(rows::count(&app, "users"), users);
    assert_eq!(rows::sessions_of(&app, &admin.id), sessions, "still signed in");
    app.get("/dashboard").await.assert_status(200);
    // With the token first, the same multipart request is accepted.
    let res = app.post_multipart(&paths[0], &[], &[]).await;
    res.assert_status(303);
    assert!(!app.user(&active.email).active, "deactivated with the token");
}
