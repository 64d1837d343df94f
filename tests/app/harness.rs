//! `TestApp`: the real application on its own database (a temporary SQLite file, or a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` is set), copied from a migrated, seeded template
//! (see `template_db.rs`), driven through actix's test service with a cookie jar, as a browser
//! would.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, Method, StatusCode};
use actix_web::test;
use diesel::prelude::*;
use diesel::{Connection, PgConnection};
use standards_desk::config::Config;
use standards_desk::db::{self, Backend, DatabaseUrl, DbConnection, DbManager};
use standards_desk::models::user::{self as user_rows, Role, User};
use standards_desk::{build_app, AppState};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

#[path = "template_db.rs"]
pub mod template_db;
pub use template_db::Seed;

pub const PASSWORD: &str = "correct horse battery";
pub const DEFAULT_PEER: &str = "203.0.113.7:40000";

/// The PostgreSQL server URL tests run against, if any.
fn test_database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A database of its own for one test, removed afterwards.
pub struct TestDb {
    pub url: DatabaseUrl,
    pub dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    /// An empty database: no migrations, no data (for the migration checks).
    pub fn empty() -> Self {
        Self::create(None, test_database_url())
    }

    /// An empty database of this backend, whatever TEST_DATABASE_URL says; None for PostgreSQL
    /// when TEST_DATABASE_URL is not set.
    pub fn empty_of(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::create(None, None)),
            Backend::Postgres => test_database_url().map(|url| Self::create(None, Some(url))),
        }
    }

    /// A copy of the migrated, seeded template (see [`template_db`]).
    pub fn from_template(seed: Seed) -> Self {
        Self::create(Some(seed), test_database_url())
    }

    /// On PostgreSQL when `admin_url` is given, else SQLite.
    fn create(template: Option<Seed>, admin_url: Option<String>) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match admin_url {
            Some(admin_url) => {
                let name = format!("sd_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL connects");
                let create = match template {
                    Some(seed) => template_db::pg_create_from_template(&admin_url, seed, &name),
                    None => format!("CREATE DATABASE {name}"),
                };
                diesel::sql_query(&create).execute(&mut admin).unwrap_or_else(|e| panic!("{create}: {e}"));
                let url = DatabaseUrl::parse(&template_db::pg_url(&admin_url, &name)).expect("postgres url");
                TestDb { url, dir, pg_admin: Some((admin_url, name)) }
            }
            None => {
                let path = dir.path().join("test.db");
                if let Some(seed) = template {
                    template_db::copy_sqlite_template(seed, &path);
                }
                let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("sqlite url");
                TestDb { url, dir, pg_admin: None }
            }
        }
    }

    pub fn connect(&self) -> DbConnection {
        DbManager::new(self.url.clone()).establish().expect("test database connects")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg_admin {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    /// The body as text (lossily decoded), and as sent.
    pub body: String,
    pub bytes: Vec<u8>,
    /// Set by [`Response::assert_status`]: content checks refuse to run before it, so a page is
    /// never judged by its text alone (an error page can contain the text looked for, or lack it).
    status_checked: std::cell::Cell<bool>,
}

impl Response {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body:\n{}", self.body);
        self.status_checked.set(true);
        self
    }

    #[track_caller]
    fn require_status_checked(&self) {
        assert!(
            self.status_checked.get(),
            "assert the status ({}) before the content of a response",
            self.status.as_u16()
        );
    }

    /// The body of a 200 response, the status asserted first.
    #[track_caller]
    pub fn ok_body(self) -> String {
        self.assert_status(200);
        self.body
    }

    /// The page contains `text`. Call [`Response::assert_status`] first.
    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        self.require_status_checked();
        assert!(self.body.contains(text), "expected {text:?} in the page:\n{}", self.body);
        self
    }

    /// The page does not contain `text`. Call [`Response::assert_status`] first.
    #[track_caller]
    pub fn assert_lacks(&self, text: &str) -> &Self {
        self.require_status_checked();
        assert!(!self.body.contains(text), "did not expect {text:?} in the page:\n{}", self.body);
        self
    }

    /// The page's CSRF token, from its forms.
    pub fn csrf_token(&self) -> Option<String> {
        let at = self.body.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
        Some(self.body[at..at + 64].to_string())
    }
}

/// The application's service, initialised once and shared by a test's browsers (type-erased:
/// the service type `init_service` returns cannot be named).
type Service = Rc<dyn Fn(test::TestRequest) -> Pin<Box<dyn Future<Output = ServiceResponse<BoxBody>>>>>;

async fn init_service(state: &AppState) -> Service {
    let service = Rc::new(test::init_service(build_app!(state)).await);
    Rc::new(move |req: test::TestRequest| {
        let service = service.clone();
        Box::pin(async move { test::call_service(&*service, req.to_request()).await.map_into_boxed_body() })
    })
}

pub struct TestApp {
    // Fields drop in declaration order: the service and the state (each holding the pool) go
    // before the database, so no connection is left open when it is dropped.
    service: Service,
    pub state: AppState,
    cookies: RefCell<BTreeMap<String, String>>,
    csrf: RefCell<Option<String>>,
    /// The client address requests come from.
    pub peer: RefCell<String>,
    /// Headers sent with every request (as a proxy in front of the app would add them).
    pub headers: RefCell<Vec<(String, String)>>,
    pub db: Rc<TestDb>,
}

type Configure = Box<dyn FnOnce(&mut Config)>;

/// How a [`TestApp`] starts: `TestApp::builder().demo().configure(|c| …).spawn().await`.
#[must_use]
pub struct TestAppBuilder {
    seed: Seed,
    configure: Vec<Configure>,
}

impl TestAppBuilder {
    /// With the demo council, members and staff (not the demo cases).
    pub fn demo(mut self) -> Self {
        self.seed = Seed::Demo;
        self
    }

    /// With changes to the configuration (smaller upload limit, an SMTP server, …).
    pub fn configure(mut self, f: impl FnOnce(&mut Config) + 'static) -> Self {
        self.configure.push(Box::new(f));
        self
    }

    pub async fn spawn(self) -> TestApp {
        let db = TestDb::from_template(self.seed);
        let pool = db::build_pool(&db.url, 4).expect("pool");
        let mut config = Config::for_database(db.url.clone(), db.dir.path().join("data"));
        for f in self.configure {
            f(&mut config);
        }
        config.prepare_data_dir().expect("data dir");
        let state = AppState::new(pool, config).expect("app state");
        TestApp {
            service: init_service(&state).await,
            state,
            db: Rc::new(db),
            cookies: RefCell::default(),
            csrf: RefCell::default(),
            peer: RefCell::new(DEFAULT_PEER.into()),
            headers: RefCell::default(),
        }
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder { seed: Seed::Reference, configure: Vec::new() }
    }

    /// Migrated, with the reference data and no one in it.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// With the demo council, members and staff (`…@southvale.example`, password
    /// `demo-password`), not the demo cases.
    pub async fn spawn_demo() -> Self {
        Self::builder().demo().spawn().await
    }

    /// A second browser on the same application and database (its own cookies).
    pub fn new_browser(&self) -> TestApp {
        TestApp {
            state: self.state.clone(),
            db: self.db.clone(),
            service: self.service.clone(),
            cookies: RefCell::default(),
            csrf: RefCell::default(),
            peer: RefCell::new(DEFAULT_PEER.into()),
            headers: RefCell::default(),
        }
    }

    /// A browser on another instance of the application (its own state, as from
    /// `instances::second_instance`) on this one's database.
    pub async fn other_instance(&self, state: AppState) -> TestApp {
        TestApp {
            service: init_service(&state).await,
            state,
            db: self.db.clone(),
            cookies: RefCell::default(),
            csrf: RefCell::default(),
            peer: RefCell::new(DEFAULT_PEER.into()),
            headers: RefCell::default(),
        }
    }

    pub fn conn(&self) -> db::PooledConn {
        self.state.pool.get().expect("pooled connection")
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<(&str, Vec<u8>)>) -> Response {
        let cookie_header =
            self.cookies.borrow().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut req = test::TestRequest::default()
            .method(method)
            .uri(path)
            .peer_addr(self.peer.borrow().parse().expect("address"));
        for (name, value) in self.headers.borrow().iter() {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        if !cookie_header.is_empty() {
            req = req.insert_header((header::COOKIE, cookie_header));
        }
        if let Some((content_type, bytes)) = body {
            req = req.insert_header((header::CONTENT_TYPE, content_type)).set_payload(bytes);
        }
        let res = (self.service)(req).await;
        let status = res.status();
        let headers = res.headers().clone();
        for value in headers.get_all(header::SET_COOKIE) {
            let c = actix_web::cookie::Cookie::parse(value.to_str().expect("ascii cookie").to_string())
                .expect("valid Set-Cookie");
            let removed = c.max_age().is_some_and(|a| a.is_zero() || a.is_negative()) || c.value().is_empty();
            if removed {
                self.cookies.borrow_mut().remove(c.name());
            } else {
                self.cookies.borrow_mut().insert(c.name().to_string(), c.value().to_string());
            }
        }
        let bytes = test::read_body(res).await;
        let response = Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
            status_checked: Default::default(),
        };
        if let Some(t) = response.csrf_token() {
            *self.csrf.borrow_mut() = Some(t);
        }
        response
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None).await
    }

    /// Follows a redirect response with a GET, as a browser does after a 303.
    pub async fn follow(&self, res: &Response) -> Response {
        let to = res.location().unwrap_or_else(|| panic!("expected a redirect, got {}:\n{}", res.status, res.body));
        self.get(to).await
    }

    /// POSTs a form with the CSRF token of the last page seen (fetching `/` first if none).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        if self.csrf.borrow().is_none() {
            self.get("/login").await;
        }
        let token = self.csrf.borrow().clone().expect("a CSRF token from a page");
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// POSTs exactly these fields (no CSRF token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).expect("form encoding");
        self.request(Method::POST, path, Some(("application/x-www-form-urlencoded", body.into_bytes()))).await
    }

    /// POSTs a multipart form: the CSRF token first (as browsers send hidden fields in order),
    /// then the fields, then the files as (input name, file name, bytes).
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Response {
        if self.csrf.borrow().is_none() {
            self.get("/login").await;
        }
        let token = self.csrf.borrow().clone().expect("a CSRF token from a page");
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_multipart_raw(path, &all, files).await
    }

    pub async fn post_multipart_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Response {
        let boundary = "----standardsdesktestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, filename, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.request(Method::POST, path, Some((content_type.as_str(), body))).await
    }

    /// POSTs a multipart form with the CSRF token first and each file part labelled with the
    /// given Content-Type, as a browser labels it: (input name, file name, content type, bytes).
    pub async fn post_multipart_typed(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Response {
        if self.csrf.borrow().is_none() {
            self.get("/login").await;
        }
        let token = self.csrf.borrow().clone().expect("a CSRF token from a page");
        let boundary = "----WebKitFormBoundaryQm9vZ3Rlc3RzZGVzaw";
        let mut body = Vec::new();
        for (name, value) in [("_csrf", token.as_str())].iter().chain(fields) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, filename, content_type, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.request(Method::POST, path, Some((content_type.as_str(), body))).await
    }

    /// Every message in the outbox, oldest first.
    pub fn emails(&self) -> Vec<standards_desk::models::outbox::OutboxMessage> {
        standards_desk::models::outbox::list_all(&mut self.conn()).expect("outbox")
    }

    /// The membership id (the form's value) of a demo member on a council.
    pub fn membership(&self, member: &str, council_slug: &str) -> String {
        use standards_desk::db::schema::{authorities, members, memberships};
        memberships::table
            .inner_join(members::table)
            .inner_join(authorities::table)
            .filter(members::full_name.eq(member))
            .filter(authorities::slug.eq(council_slug))
            .select(memberships::id)
            .first(&mut self.conn())
            .unwrap_or_else(|e| panic!("membership of {member} on {council_slug}: {e}"))
    }

    /// The id of a member on the register, by full name.
    pub fn member_id(&self, full_name: &str) -> String {
        use standards_desk::db::schema::members;
        members::table
            .filter(members::full_name.eq(full_name))
            .select(members::id)
            .first(&mut self.conn())
            .unwrap_or_else(|e| panic!("member {full_name}: {e}"))
    }

    /// The id of a council, by slug.
    pub fn authority_id(&self, slug: &str) -> String {
        standards_desk::models::authority::find_by_slug(&mut self.conn(), slug)
            .expect("authority lookup")
            .unwrap_or_else(|| panic!("no council {slug}"))
            .id
    }

    /// A user, by email.
    pub fn user(&self, email: &str) -> User {
        user_rows::find_by_email(&mut self.conn(), email)
            .expect("user lookup")
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.borrow().contains_key(name)
    }

    pub fn clear_cookies(&self) {
        self.cookies.borrow_mut().clear();
        *self.csrf.borrow_mut() = None;
    }

    /// Creates a user with the role (password [`PASSWORD`]) through the users service.
    pub fn create_user(&self, role: Role, email: &str) -> User {
        crate::fixtures::UserBuilder::new(role).email(email).create(self)
    }

    /// Signs in and checks that it worked: a 303 to the dashboard, and the dashboard then shows
    /// this user signed in. A user who needs a second factor answers it as their phone would
    /// ([`TestApp::pass_second_factor`]); one who must set it up first ends on the recovery codes
    /// page, whose link leads to the dashboard. The browser ends on that page (so it holds the
    /// session's CSRF token); the response that completed the sign-in is returned. Use
    /// [`TestApp::try_login`] for sign-ins meant to fail.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        let res = self.try_login(email, password).await;
        let res = self.pass_second_factor(email, res).await;
        if res.status == StatusCode::OK && res.body.contains("Your recovery codes") {
            res.assert_status(200).assert_contains("href=\"/dashboard\"");
        } else {
            assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in as {email} failed:\n{}", res.body);
            assert_eq!(res.location(), Some("/dashboard"), "sign-in as {email} went elsewhere");
        }
        let user = user_rows::find_by_email(&mut self.conn(), &email.trim().to_lowercase())
            .expect("user lookup")
            .unwrap_or_else(|| panic!("{email} signed in but is not a user"));
        let role = user.role().map(|r| r.label()).unwrap_or("Unknown role");
        let page = self.get("/dashboard").await;
        page.assert_status(200).assert_contains(&format!("Signed in as {} ({role}).", user.name));
        res
    }

    /// After a right password: if the response sends the browser to the two-factor page, opens it
    /// and answers with the user's current code ([`TestApp::totp_code`]), and returns that answer's
    /// response; any other response is returned as it is.
    pub async fn pass_second_factor(&self, email: &str, res: Response) -> Response {
        let Some(to) = res.location().filter(|l| l.starts_with("/login/two-factor")).map(str::to_string) else {
            return res;
        };
        self.get(&to).await.assert_status(200);
        let next = to
            .split_once('?')
            .and_then(|(_, q)| {
                form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "next").map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default();
        let code = self.totp_code(email);
        self.post_form("/login/two-factor", &[("code", &code), ("next", &next)]).await
    }

    /// The current TOTP code of a user's secret, as their authenticator app shows it. A code is
    /// accepted once: the user's record of the last step used is cleared first, so that a test
    /// can sign in twice within one 30-second step.
    pub fn totp_code(&self, email: &str) -> String {
        use standards_desk::db::schema::users;
        let email = email.trim().to_lowercase();
        diesel::update(users::table.filter(users::email.eq(&email)))
            .set(users::totp_last_step.eq(None::<i64>))
            .execute(&mut self.conn())
            .expect("clear the last TOTP step");
        let secret = self.user(&email).totp_secret.unwrap_or_else(|| panic!("{email} has no TOTP secret"));
        standards_desk::services::two_factor::current_code(&secret).expect("a TOTP code")
    }

    /// Posts the sign-in form (after opening it, for its CSRF token) and returns the response,
    /// whatever it is: for tests of refused sign-ins.
    pub async fn try_login(&self, email: &str, password: &str) -> Response {
        self.get("/login").await.assert_status(200);
        self.post_form("/login", &[("email", email), ("password", password)]).await
    }

    /// Creates a user with the role and signs in as them.
    pub async fn login_as(&self, role: Role) -> User {
        let user = crate::fixtures::UserBuilder::new(role).create(self);
        self.login(&user.email, PASSWORD).await;
        user
    }
}
