use crate::harness::{TestApp, PASSWORD};
use crate::rows;
use standards_desk::models::user::{self as user_rows, Role};

#[actix_web::test]
async fn an_admin_adds_a_user_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    app.get("/admin/users/new").await.assert_status(200).assert_contains("Add a user");
    let res = app
        .post_form(
            "/admin/users/new",
            &[
                ("name", "Iris Penrose"),
                ("email", "Iris@Council.example"),
                ("role", "independent-person"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    res.assert_status(303);
    app.follow(&res).await.assert_status(200).assert_contains("Iris Penrose can now sign in as iris@council.example");
    let user = user_rows::find_by_email(&mut app.conn(), "iris@council.example").unwrap().expect("stored");
    assert_eq!(user.role(), Some(Role::IndependentPerson));
    assert!(user.password_hash.starts_with("$argon2id$"), "argon2id hash, got {}", user.password_hash);
    assert_eq!(rows::audited_for(&app, "user.created", &user.id), 1);
    app.post_form("/logout", &[]).await;
    app.login("iris@council.example", "a long enough password").await.assert_status(303);
}

#[actix_web::test]
async fn an_invalid_new_user_is_shown_again_with_every_value_kept() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let res = app
        .post_form(
            "/admin/users/new",
            &[("name", "Sam Smith"), ("email", "not-an-email"), ("role", ""), ("password", "short")],
        )
        .await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("Enter an email address in the correct format")
        .assert_contains("Select a role")
        .assert_contains("at least 12 characters")
        .assert_contains("value=\"Sam Smith\"")
        .assert_contains("value=\"not-an-email\"")
        .assert_contains("href=\"#email\"");
    assert_eq!(rows::count(&app, "users"), 1, "only the admin exists");
    let dup = app
        .post_form(
            "/admin/users/new",
            &[
                ("name", "Again"),
                ("email", "admin@council.example"),
                ("role", "admin"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    dup.assert_status(422).assert_contains("already exists");
}

#[actix_web::test]
async fn changing_a_role_and_deactivating_take_effect_at_once() {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    // The officer signs in on another browser.
    let other = app.new_browser();
    other.login("officer@council.example", PASSWORD).await.assert_status(303);
    other.get("/dashboard").await.assert_status(200);

    app.login_as(Role::Admin).await;
    app.post_form(
        &format!("/admin/users/{}", officer.id),
        &[("name", "Olive Officer"), ("role", "monitoring-officer")],
    )
    .await
    .assert_status(303);
    let changed = user_rows::find(&mut app.conn(), &officer.id).unwrap().unwrap();
    assert_eq!((changed.name.as_str(), changed.role()), ("Olive Officer", Some(Role::MonitoringOfficer)));

    let res = app.post_form(&format!("/admin/users/{}/deactivate", officer.id), &[]).await;
    res.assert_status(303);
    app.follow(&res).await.assert_status(200).assert_contains("Olive Officer has been deactivated and signed out");
    assert_eq!(rows::sessions_of(&app, &officer.id), 0);
    let bounced = other.get("/dashboard").await;
    bounced.assert_status(303);
    other.clear_cookies();
    other.try_login("officer@council.example", PASSWORD).await.assert_status(403).assert_contains("deactivated");

    app.post_form(&format!("/admin/users/{}/reactivate", officer.id), &[]).await.assert_status(303);
    // Now a Monitoring Officer, they set up two-factor sign-in on the way in.
    let back = other.login("officer@council.example", PASSWORD).await;
    back.assert_status(200).assert_contains("Your recovery codes");
}

#[actix_web::test]
async fn the_last_admin_cannot_be_demoted_or_deactivate_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let res = app
        .post_form(&format!("/admin/users/{}", admin.id), &[("name", "Still Admin"), ("role", "case-officer")])
        .await;
    res.assert_status(422).assert_contains("only active administrator");
    let res = app.post_form(&format!("/admin/users/{}/deactivate", admin.id), &[]).await;
    res.assert_status(422).assert_contains("You cannot deactivate your own account");
    let me = user_rows::find(&mut app.conn(), &admin.id).unwrap().unwrap();
    assert!(me.active);
    assert_eq!(me.role(), Some(Role::Admin));
}

#[actix_web::test]
async fn roles_other_than_admin_are_refused_the_admin_pages() {
    let app = TestApp::spawn().await;
    let anonymous = app.get("/admin/users").await;
    anonymous.assert_status(303);
    assert_eq!(anonymous.location(), Some("/login?next=%2Fadmin%2Fusers"));
    app.login_as(Role::MonitoringOfficer).await;
    app.get("/admin/users").await.assert_status(403).assert_contains("You do not have access to this page");
    let res = app
        .post_form(
            "/admin/users/new",
            &[
                ("name", "Sneaky"),
                ("email", "sneaky@council.example"),
                ("role", "admin"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    res.assert_status(403);
    assert!(user_rows::find_by_email(&mut app.conn(), "sneaky@council.example").unwrap().is_none());
}

#[actix_web::test]
async fn the_admin_services_refuse_other_roles() {
    use standards_desk::services::audit::Actor;
    use standards_desk::services::calendar::{self, ClosureForm};
    use standards_desk::services::settings::{self, DeadlinesForm};
    use standards_desk::services::users::{self, UserInput};
    use standards_desk::services::ServiceError;
    let app = TestApp::spawn().await;
    let mo = app.create_user(Role::MonitoringOfficer, "mo@council.example");
    let officer = app.create_user(Role::CaseOfficer, "officer@council.example");
    let actor = Actor::user(&mo.id, &mo.name, None);
    let conn = &mut app.conn();
    let forbidden = |r: Result<(), ServiceError>| assert!(matches!(r, Err(ServiceError::Forbidden)), "{r:?}");
    forbidden(users::list(conn, &mo).map(|_| ()));
    forbidden(users::edit_user_page(conn, &mo, &officer.id, None).map(|_| ()));
    forbidden(users::set_active(conn, &actor, &mo, &officer.id, false).map(|_| ()));
    let input = UserInput {
        email: "new@council.example".into(),
        name: "New".into(),
        role: "admin".into(),
        password: PASSWORD.into(),
    };
    forbidden(users::add(conn, &actor, &mo, &input).map(|_| ()));
    forbidden(settings::deadlines_page(conn, &mo, None).map(|_| ()));
    let deadlines = DeadlinesForm {
        acknowledge: "3".into(),
        assessment: "20".into(),
        member_response: "10".into(),
        takedown: "5".into(),
    };
    forbidden(settings::set_deadlines(conn, &actor, &mo, &deadlines).map(|_| ()));
    let today = chrono::Utc::now().date_naive();
    forbidden(calendar::closure_days_page(conn, &mo, today, ClosureForm::default()).map(|_| ()));
    let closure = ClosureForm {
        closure_day: "29".into(),
        closure_month: "12".into(),
        closure_year: "2025".into(),
        reason: "Christmas closure".into(),
    };
    forbidden(calendar::add_closure_day(conn, &actor, &mo, &closure).map(|_| ()));
    assert!(user_rows::find(conn, &officer.id).unwrap().unwrap().active);
    assert_eq!(settings::deadlines(conn).unwrap().acknowledge, 5);
}

#[actix_web::test]
async fn roles_are_shown_by_their_labels_and_the_own_account_cannot_be_deactivated() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let ip = app.create_user(Role::IndependentPerson, "ip@council.example");
    app.get("/admin/users")
        .await
        .assert_status(200)
        .assert_contains("Independent Person")
        .assert_lacks(">independent-person<");
    app.get(&format!("/admin/users/{}", admin.id))
        .await
        .assert_status(200)
        .assert_contains("You cannot deactivate your own account.")
        .assert_lacks("/deactivate\"");
    app.get(&format!("/admin/users/{}", ip.id))
        .await
        .assert_status(200)
        .assert_contains(&format!("/admin/users/{}/deactivate", ip.id));
}
