use crate::harness::TestApp;
use standards_desk::models::user::Role;

#[actix_web::test]
async fn every_template_parses_and_is_registered() {
    let tera = standards_desk::templates::build_tera().expect("templates parse");
    let sources = standards_desk::templates::template_sources();
    assert!(sources.len() >= 10, "templates found: {}", sources.len());
    for (name, _) in sources {
        assert!(tera.contains_template(&name), "{name} is not registered");
    }
}

#[actix_web::test]
async fn the_start_page_is_public_and_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    res.assert_status(200).assert_contains("Complain about a councillor").assert_contains("/static/css/app.css");
    let csp = res.header("content-security-policy").expect("CSP");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("referrer-policy"), Some("same-origin"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!(app.has_cookie("sd_csrf"), "an anonymous CSRF cookie is set");
}

#[actix_web::test]
async fn static_assets_are_served_without_gov_uk_branding() {
    let app = TestApp::spawn().await;
    let css = app.get("/static/css/app.css").await;
    css.assert_status(200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.body.contains(".govuk-button"), "GOV.UK Frontend styles are compiled in");
    assert!(!css.body.contains("GDS Transport"), "the GDS Transport font is for GOV.UK only");
    assert!(!css.body.contains("@font-face"));
    assert!(!css.body.contains("govuk-crest"));
    app.get("/static/js/govuk-frontend.min.js").await.assert_status(200);
    app.get("/static/js/app.js").await.assert_status(200);
    app.get("/static/css/../js/app.js").await.assert_status(404);
    app.get("/static/nothing.css").await.assert_status(404);
}

#[actix_web::test]
async fn healthz_answers_ok_when_the_database_does() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    res.assert_status(200);
    assert_eq!(res.body, "ok");
}

#[actix_web::test]
async fn unknown_pages_get_a_404_page() {
    let app = TestApp::spawn().await;
    app.get("/no/such/page").await.assert_status(404).assert_contains("Page not found");
}

#[actix_web::test]
async fn the_dashboard_needs_sign_in_and_shows_deadlines() {
    let app = TestApp::spawn().await;
    let res = app.get("/dashboard").await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/login?next=%2Fdashboard"));
    app.login_as(Role::IndependentPerson).await;
    let dash = app.get("/dashboard").await;
    dash.assert_status(200).assert_contains("Acknowledge by").assert_contains("Independent Person");
    // An IP sees no admin link in the navigation.
    dash.assert_lacks("href=\"/admin\"");
}

#[actix_web::test]
async fn navigation_follows_the_role() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    app.get("/dashboard").await.assert_status(200).assert_contains("href=\"/admin\"");
}
