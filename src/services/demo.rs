//! Demo data (`seeds/demo/southvale.json`): a district council, its parishes, members with their
//! social media accounts and staff users of every role. Loaded once; loading again does nothing.

use crate::db::DbConnection;
use crate::models::authority::{self as authorities, AuthorityChanges};
use crate::models::code::{self as codes, AuthorityCode};
use crate::models::member::{self as members, AccountChanges, MemberChanges, Membership};
use crate::models::user::{self as users, Role};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::hash_password;
use crate::services::register::accounts::{self as register_accounts, CheckedAccount};
use crate::services::register::{councils, members as register_members, rules};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;

const DEMO_JSON: &str = include_str!("../../seeds/demo/southvale.json");

#[derive(Deserialize)]
struct Demo {
    password: String,
    code_adopted_on: NaiveDate,
    authorities: Vec<DemoAuthority>,
    members: Vec<DemoMember>,
    users: Vec<DemoUser>,
    #[serde(default)]
    cases: Vec<DemoCase>,
}

#[derive(Deserialize)]
struct DemoCase {
    member: String,
    council: String,
    platform: String,
    url: String,
    complainant: String,
    email: String,
    #[serde(default)]
    address: String,
    days_ago: i64,
    provisions: Vec<String>,
    what: String,
    why: String,
}

#[derive(Deserialize)]
struct DemoAuthority {
    slug: String,
    name: String,
    tier: String,
    nation: String,
    principal: Option<String>,
    clerk_name: Option<String>,
    clerk_email: Option<String>,
}

#[derive(Deserialize)]
struct DemoMember {
    name: String,
    party: Option<String>,
    email: Option<String>,
    memberships: Vec<DemoMembership>,
    accounts: Vec<DemoAccount>,
}

#[derive(Deserialize)]
struct DemoMembership {
    authority: String,
    ward: Option<String>,
    role: String,
    from: NaiveDate,
}

#[derive(Deserialize)]
struct DemoAccount {
    platform: String,
    handle: String,
    display_name: Option<String>,
    url: Option<String>,
    official: bool,
}

#[derive(Deserialize)]
struct DemoUser {
    email: String,
    name: String,
    role: String,
    /// The councillor on the register this user is (committee members), by name.
    #[serde(default)]
    member: Option<String>,
}

/// What was loaded, and how to sign in.
#[derive(Debug)]
pub struct DemoReport {
    pub already_loaded: bool,
    pub password: String,
    pub users: Vec<(String, String, Role)>,
}

impl DemoReport {
    pub fn sign_in_details(&self) -> String {
        let mut s = String::from("Demo sign-in details (every account has the same password):\n");
        for (email, name, role) in &self.users {
            s.push_str(&format!("  {:<34} {:<16} {}\n", email, name, role.label()));
        }
        s.push_str(&format!("  password: {}\n", self.password));
        s.push_str(&format!(
            "Administrators and Monitoring Officers also enter a code: add the demo key {} to an\n\
             authenticator app (time-based), or run `standards-desk demo-code` for the current code.\n",
            crate::services::two_factor::DEMO_SECRET
        ));
        s
    }
}

pub const DEMO_AUTHORITY_SLUG: &str = "southvale";

pub fn is_loaded(conn: &mut DbConnection) -> diesel::QueryResult<bool> {
    Ok(authorities::find_by_slug(conn, DEMO_AUTHORITY_SLUG)?.is_some())
}

/// Loads the demo data unless it is already there. Reference data must be loaded first.
pub fn load(conn: &mut DbConnection) -> Result<DemoReport, String> {
    load_with(conn, true)
}

/// The demo council, members and staff, with or without the demo cases (tests that count cases
/// start without them).
pub fn load_with(conn: &mut DbConnection, with_cases: bool) -> Result<DemoReport, String> {
    let demo: Demo = serde_json::from_str(DEMO_JSON).map_err(|e| format!("seeds/demo/southvale.json: {e}"))?;
    let mut user_list = Vec::new();
    for u in &demo.users {
        let role: Role = u.role.parse().map_err(|e| format!("seeds/demo: {e}"))?;
        user_list.push((u.email.clone(), u.name.clone(), role));
    }
    let report =
        |already_loaded| DemoReport { already_loaded, password: demo.password.clone(), users: user_list.clone() };
    if is_loaded(conn).map_err(|e| e.to_string())? {
        return Ok(report(true));
    }
    let hash = hash_password(&demo.password)?;
    let actor = Actor::system("demo data");
    crate::db::write(conn, |conn| -> diesel::QueryResult<()> {
        let t = now();
        let lga = codes::find_code_by_slug(conn, "lga-model-code-2020")?.ok_or(diesel::result::Error::NotFound)?;
        let version = codes::find_version(conn, &lga.id, "2020")?.ok_or(diesel::result::Error::NotFound)?;
        let mut ids: HashMap<&str, String> = HashMap::new();
        for a in &demo.authorities {
            // Through the register's services, as an administrator would add them.
            let row = councils::create_with_slug(
                conn,
                &actor,
                AuthorityChanges {
                    name: a.name.clone(),
                    short_name: None,
                    tier: a.tier.clone(),
                    nation: a.nation.clone(),
                    principal_authority_id: a.principal.as_deref().and_then(|p| ids.get(p).cloned()),
                    clerk_name: a.clerk_name.clone(),
                    clerk_email: a.clerk_email.clone(),
                },
                a.slug.clone(),
            )
            .map_err(service_to_db)?;
            codes::insert_adoption(
                conn,
                &AuthorityCode {
                    id: new_id(),
                    authority_id: row.id.clone(),
                    code_version_id: version.id.clone(),
                    adopted_on: demo.code_adopted_on,
                    superseded_on: None,
                    created_at: t,
                },
            )?;
            ids.insert(&a.slug, row.id);
        }
        let mut member_ids: HashMap<&str, String> = HashMap::new();
        for m in &demo.members {
            let member = register_members::create(
                conn,
                &actor,
                MemberChanges {
                    full_name: m.name.clone(),
                    title: None,
                    party: m.party.as_deref().and_then(rules::clean_party),
                    email: m.email.clone(),
                    phone: None,
                    postal_address: None,
                    updated_at: t,
                },
            )?;
            member_ids.insert(&m.name, member.id.clone());
            for ms in &m.memberships {
                let council_id = ids.get(ms.authority.as_str()).cloned().ok_or(diesel::result::Error::NotFound)?;
                let council = authorities::find(conn, &council_id)?.ok_or(diesel::result::Error::NotFound)?;
                crate::services::register::memberships::insert_membership(
                    conn,
                    &actor,
                    &member,
                    &council,
                    Membership {
                        id: new_id(),
                        member_id: member.id.clone(),
                        authority_id: council_id,
                        ward: ms.ward.clone(),
                        role: rules::parse_role(&ms.role).unwrap_or_else(|| ms.role.clone()),
                        started_on: ms.from,
                        ended_on: None,
                        created_at: t,
                        end_reason: None,
                        updated_at: t,
                    },
                )?;
            }
            for a in &m.accounts {
                register_accounts::insert(
                    conn,
                    &actor,
                    &member,
                    CheckedAccount {
                        platform: a.platform.clone(),
                        handle: a.handle.clone(),
                        changes: AccountChanges {
                            display_name: a.display_name.clone(),
                            profile_url: a.url.clone(),
                            canonical_url: a.url.as_deref().and_then(crate::services::urls::canonicalize),
                            declared_official: a.official,
                            authority_id: None,
                            presents_role: None,
                            in_use_from: None,
                            in_use_to: None,
                            updated_at: t,
                        },
                    },
                )?;
            }
        }
        for (email, name, role) in &user_list {
            if users::find_by_email(conn, email)?.is_some() {
                continue;
            }
            let id = new_id();
            users::insert(
                conn,
                &users::NewUser {
                    id: &id,
                    email,
                    name,
                    role: role.as_str(),
                    password_hash: &hash,
                    active: true,
                    created_at: t,
                    updated_at: t,
                },
            )?;
            // The accounts that must use two-factor sign-in share the published demo secret.
            if crate::services::two_factor::role_requires(Some(*role)) {
                users::set_totp(conn, &id, Some(crate::services::two_factor::DEMO_SECRET), Some(t))?;
            }
            let councillor = demo.users.iter().find(|u| &u.email == email).and_then(|u| u.member.as_deref());
            if let Some(name) = councillor {
                let member_id = member_ids.get(name).ok_or(diesel::result::Error::NotFound)?;
                crate::models::hearing::set_member_of_user(conn, &id, Some(member_id))?;
            }
        }
        audit::record(
            conn,
            &actor,
            Event::new("demo.loaded", "authority", ids.get(DEMO_AUTHORITY_SLUG).map(String::as_str).unwrap_or(""))
                .summary("Demo data loaded: Southvale District Council, its parishes, members and staff"),
        )?;
        Ok(())
    })
    .map_err(|e| format!("loading demo data: {e}"))?;
    if with_cases {
        load_cases(conn, &demo.cases)?;
    }
    Ok(report(false))
}

/// The demo loader's transaction speaks diesel errors; a register refusal there is a fault in
/// the seed file.
fn service_to_db(e: crate::services::ServiceError) -> diesel::result::Error {
    match e {
        crate::services::ServiceError::Db(e) => e,
        other => diesel::result::Error::QueryBuilderError(format!("demo data: {other}").into()),
    }
}

/// A few complaints, logged through the intake service as an officer would log them.
fn load_cases(conn: &mut DbConnection, cases: &[DemoCase]) -> Result<(), String> {
    use crate::services::intake::{self, ComplaintForm};
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let actor = Actor::system("demo data");
    for c in cases {
        let membership = members::find_membership_id(conn, &c.member, &c.council)
            .map_err(|e| format!("demo case for {}: {e}", c.member))?
            .ok_or_else(|| format!("demo case for {}: no membership of {}", c.member, c.council))?;
        let received = today - chrono::Duration::days(c.days_ago);
        let conduct = received - chrono::Duration::days(2);
        let form = ComplaintForm {
            complainant_name: c.complainant.clone(),
            complainant_email: c.email.clone(),
            complainant_address: c.address.clone(),
            complainant_type: "public".into(),
            confidential: "no".into(),
            councillor: membership,
            conduct_day: conduct.day().to_string(),
            conduct_month: conduct.month().to_string(),
            conduct_year: conduct.year().to_string(),
            platform: c.platform.clone(),
            post_urls: c.url.clone(),
            what_happened: c.what.clone(),
            why_official: c.why.clone(),
            provisions: c.provisions.clone(),
            source: if c.email.is_empty() { "post".into() } else { "email".into() },
            received_day: received.day().to_string(),
            received_month: received.month().to_string(),
            received_year: received.year().to_string(),
            case_choice: "new".into(),
            ..Default::default()
        };
        intake::log_by_staff(conn, &actor, &form, &[], today)
            .map_err(|e| format!("demo case for {}: {e:?}", c.member))?;
    }
    Ok(())
}
