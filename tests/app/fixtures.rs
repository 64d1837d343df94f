//! Fixtures shared by the tests and the benchmarks: a complete complaint, the public form driven
//! from start to confirmation, and builders that make valid data through the real services
//! (users through the users service, cases through intake) rather than rows written by hand.

use crate::harness::{TestApp, PASSWORD};
use chrono::NaiveDate;
use diesel::prelude::*;
use standards_desk::models::assessment::IpConsultation;
use standards_desk::models::case::{self as case_rows, Case};
use standards_desk::models::user::{Role, User};
use standards_desk::models::{new_id, now};
use standards_desk::services::assessment;
use standards_desk::services::audit::Actor;
use standards_desk::services::auth;
use standards_desk::services::intake::{self, ComplaintForm, Logged};
use standards_desk::services::two_factor;
use standards_desk::services::users::{self as user_service, UserInput};

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// The answers of a complete public complaint about Alex Archer's Facebook post (domain.md
/// scenario 1), with the councillor left to fill in.
const COMPLAINT: &[(&str, &str)] = &[
    ("complainant_name", "Jo Public"),
    ("complainant_email", "jo@example.com"),
    ("complainant_phone", "01234 567890"),
    ("complainant_address", ""),
    ("complainant_type", "public"),
    ("confidential", "no"),
    ("confidential_reason", ""),
    ("councillor", ""),
    ("councillor_2", ""),
    ("conduct_day", "3"),
    ("conduct_month", "11"),
    ("conduct_year", "2026"),
    ("platform", "facebook"),
    ("post_urls", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc?fbclid=IwAR0"),
    ("what_happened", "Called a named planning officer incompetent and a liar."),
    ("why_official", "The page is called Cllr A – Northfield Ward."),
    ("provisions", "1"),
    ("provisions", "3"),
    ("witnesses", "Sam Neighbour"),
    ("outcome_sought", "An apology"),
    ("declaration", "yes"),
];

/// A complete public complaint about Alex Archer's Facebook post (domain.md scenario 1).
pub fn complaint(app: &TestApp) -> Vec<(String, String)> {
    let m = app.membership("Alex Archer", "southvale");
    COMPLAINT.iter().map(|(k, v)| (k.to_string(), if *k == "councillor" { m.clone() } else { v.to_string() })).collect()
}

pub fn with(fields: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| k != key).cloned().collect();
    out.push((key.to_string(), value.to_string()));
    out
}

pub fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Fills in and sends the public form, then confirms on the check-answers page.
pub async fn submit_public(app: &TestApp, fields: &[(String, String)], files: &[(&str, &str, &[u8])]) -> Case {
    app.get("/complaints/new").await.assert_status(200);
    let res = app.post_multipart("/complaints/new", &refs(fields), files).await;
    res.assert_status(303);
    let check_path = res.location().unwrap().to_string();
    assert!(check_path.starts_with("/complaints/check/"), "{check_path}");
    app.get(&check_path).await.assert_status(200).assert_contains("Check your answers");
    let sent = app.post_form(&check_path, &[]).await;
    sent.assert_status(303);
    let confirmation = app.follow(&sent).await;
    confirmation.assert_status(200).assert_contains("Complaint sent");
    let reference = confirmation.body.split("<strong>").nth(1).unwrap().split("</strong>").next().unwrap().to_string();
    case_rows::find_by_reference(&mut app.conn(), &reference).unwrap().expect("the case exists")
}

/// A staff user, created through the users service (validated, hashed, audited).
#[must_use]
pub struct UserBuilder {
    role: Role,
    email: Option<String>,
}

impl UserBuilder {
    /// Email `<role>@council.example`, name `Test <role label>`, password [`PASSWORD`]; the roles
    /// that must use two-factor sign-in are enrolled with [`TEST_TOTP_SECRET`] (as if their phone
    /// had scanned it), so `TestApp::login` can answer with the current code.
    pub fn new(role: Role) -> Self {
        UserBuilder { role, email: None }
    }

    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.into());
        self
    }

    pub fn create(self, app: &TestApp) -> User {
        let input = UserInput {
            email: self.email.unwrap_or_else(|| format!("{}@council.example", self.role.as_str())),
            name: format!("Test {}", self.role.label()),
            role: self.role.as_str().into(),
            password: PASSWORD.into(),
        };
        let user = user_service::create_with_hasher(&mut app.conn(), &Actor::system("test"), &input, hash_password)
            .expect("user created");
        if two_factor::role_requires(Some(self.role)) {
            two_factor::enrol_with_secret(&mut app.conn(), &Actor::system("test"), &user.id, TEST_TOTP_SECRET)
                .expect("enrolled");
            return app.user(&user.email);
        }
        user
    }
}

/// The TOTP secret of test users who need a second factor (base32, 20 bytes).
pub const TEST_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Argon2id is slow on purpose: the test password is hashed once per process (by the app's own
/// `hash_password`, with its production settings) and that hash reused; any other password is
/// hashed afresh.
fn hash_password(password: &str) -> Result<String, String> {
    static TEST_PASSWORD_HASH: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| auth::hash_password(PASSWORD).expect("argon2 hashes the test password"));
    if password == PASSWORD {
        Ok(TEST_PASSWORD_HASH.clone())
    } else {
        auth::hash_password(password)
    }
}

/// A complaint logged by staff through the intake service, opening a new case: the complaint of
/// [`complaint`] (about Alex Archer of Southvale, by email, received today) unless changed.
/// Needs the demo council and members ([`TestApp::spawn_demo`]).
#[must_use]
pub struct CaseBuilder {
    member: (String, String),
    fields: Vec<(String, String)>,
    actor: Actor,
    today: NaiveDate,
}

impl Default for CaseBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl CaseBuilder {
    pub fn new() -> Self {
        let today = chrono::Utc::now().date_naive();
        let fields = COMPLAINT
            .iter()
            .filter(|(k, _)| *k != "councillor")
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("source".to_string(), "email".to_string()), ("case_choice".to_string(), "new".to_string())])
            .collect();
        CaseBuilder { member: ("Alex Archer".into(), "southvale".into()), fields, actor: Actor::system("test"), today }
            .received(today)
    }

    /// Any field of the staff complaint form.
    pub fn field(mut self, key: &str, value: &str) -> Self {
        self.fields = with(&self.fields, key, value);
        self
    }

    /// The councillor complained about, by name and council slug.
    pub fn member(mut self, name: &str, council: &str) -> Self {
        self.member = (name.into(), council.into());
        self
    }

    pub fn platform(self, platform: &str) -> Self {
        self.field("platform", platform)
    }

    pub fn url(self, url: &str) -> Self {
        self.field("post_urls", url)
    }

    pub fn what(self, what_happened: &str) -> Self {
        self.field("what_happened", what_happened)
    }

    /// How it arrived: email, post, phone …
    pub fn source(self, source: &str) -> Self {
        self.field("source", source)
    }

    pub fn received(self, on: NaiveDate) -> Self {
        self.date("received", on)
    }

    pub fn conduct(self, on: NaiveDate) -> Self {
        self.date("conduct", on)
    }

    pub fn complainant(self, name: &str, email: &str) -> Self {
        self.field("complainant_name", name).field("complainant_email", email)
    }

    /// The complainant asks not to be named, for this reason.
    pub fn confidential(self, reason: &str) -> Self {
        self.field("confidential", "yes").field("confidential_reason", reason)
    }

    /// Who logs it (default: the system actor "test").
    pub fn by(mut self, actor: &Actor) -> Self {
        self.actor = actor.clone();
        self
    }

    /// The day it is logged on, for the deadline rules (default: today).
    pub fn on(mut self, today: NaiveDate) -> Self {
        self.today = today;
        self
    }

    fn date(self, prefix: &str, on: NaiveDate) -> Self {
        self.field(&format!("{prefix}_day"), &on.format("%-d").to_string())
            .field(&format!("{prefix}_month"), &on.format("%-m").to_string())
            .field(&format!("{prefix}_year"), &on.format("%Y").to_string())
    }

    pub fn log(self, app: &TestApp) -> Case {
        let fields = with(&self.fields, "councillor", &app.membership(&self.member.0, &self.member.1));
        let form = ComplaintForm::from_pairs(&fields);
        match intake::log_by_staff(&mut app.conn(), &self.actor, &form, &[], self.today).expect("complaint logged") {
            Logged::Created(case) => *case,
            Logged::ChooseCase(_) => panic!("case_choice=new opens a case"),
        }
    }
}

/// The demo Independent Person is consulted on the case by the demo case officer, through the
/// assessment service (which gives the IP access to the case and emails them).
pub fn consult_ip(app: &TestApp, case: &Case, question: &str) -> IpConsultation {
    let officer = app.user("officer@southvale.example");
    let ip = app.user("ip@southvale.example");
    let actor = Actor::user(&officer.id, &officer.name, None);
    assessment::request_ip_view(
        &mut app.conn(),
        &actor,
        &officer,
        &case.reference,
        &ip.id,
        "initial-assessment",
        question,
    )
    .expect("IP consulted")
}

/// A user's declared conflict of interest on a case (they lose access to it). No service or page
/// records one yet, so this writes the row the access checks read.
pub fn declare_conflict(app: &TestApp, case: &Case, user_id: &str, reason: &str) {
    use standards_desk::db::schema::conflict_declarations as c;
    diesel::insert_into(c::table)
        .values((
            c::id.eq(new_id()),
            c::case_id.eq(&case.id),
            c::user_id.eq(user_id),
            c::reason.eq(reason),
            c::declared_at.eq(now()),
        ))
        .execute(&mut app.conn())
        .expect("conflict declared");
}

/// A part in a case for a user (`investigator`, `panel-member`, …), as the workflows that appoint
/// them grant it, without the rest of those workflows (no service grants a part on its own).
pub fn grant_part(app: &TestApp, case: &Case, user_id: &str, part: &str) {
    use standards_desk::db::schema::case_participants as p;
    diesel::insert_into(p::table)
        .values((
            p::id.eq(new_id()),
            p::case_id.eq(&case.id),
            p::user_id.eq(user_id),
            p::part.eq(part),
            p::granted_at.eq(now()),
        ))
        .execute(&mut app.conn())
        .expect("part granted");
}
