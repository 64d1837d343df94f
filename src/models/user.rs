use crate::db::schema::users;
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Staff roles (DESIGN.md "Who uses it"). What each may do is decided in `services::access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    MonitoringOfficer,
    DeputyMonitoringOfficer,
    CaseOfficer,
    IndependentPerson,
    Investigator,
    CommitteeMember,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::MonitoringOfficer,
        Role::DeputyMonitoringOfficer,
        Role::CaseOfficer,
        Role::IndependentPerson,
        Role::Investigator,
        Role::CommitteeMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::MonitoringOfficer => "monitoring-officer",
            Role::DeputyMonitoringOfficer => "deputy-monitoring-officer",
            Role::CaseOfficer => "case-officer",
            Role::IndependentPerson => "independent-person",
            Role::Investigator => "investigator",
            Role::CommitteeMember => "committee-member",
        }
    }

    /// Whether people in this role keep a password when `PASSWORD_SIGN_IN=off`: Independent
    /// Persons and committee members, who are often outside the council's directory.
    pub fn keeps_password_without_staff_passwords(self) -> bool {
        matches!(self, Role::IndependentPerson | Role::CommitteeMember)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::MonitoringOfficer => "Monitoring Officer",
            Role::DeputyMonitoringOfficer => "Deputy Monitoring Officer",
            Role::CaseOfficer => "Case officer",
            Role::IndependentPerson => "Independent Person",
            Role::Investigator => "Investigator",
            Role::CommitteeMember => "Committee member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; roles are admin, monitoring-officer, deputy-monitoring-officer, case-officer, independent-person, investigator, committee-member")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    /// Base32; set and not yet enabled while the user is enrolling.
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<NaiveDateTime>,
    /// The last TOTP time step accepted: a code is accepted once.
    pub totp_last_step: Option<i64>,
}

impl User {
    /// Whether the user has set up two-factor sign-in.
    pub fn two_factor_enabled(&self) -> bool {
        self.totp_enabled_at.is_some() && self.totp_secret.is_some()
    }

    /// The role; a row with an unknown role string (never written by this program) has none.
    pub fn role(&self) -> Option<Role> {
        self.role.parse().ok()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub name: Option<&'a str>,
    pub role: Option<&'a str>,
    pub active: Option<bool>,
    pub password_hash: Option<&'a str>,
    pub last_login_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(email)).select(User::as_select()).first(conn).optional()
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table.order((users::active.desc(), users::name.asc())).select(User::as_select()).load(conn)
}

pub fn list_for_role(conn: &mut DbConnection, role: Role) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq(role.as_str()))
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .select(User::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, new: &NewUser) -> QueryResult<()> {
    diesel::insert_into(users::table).values(new).execute(conn).map(|_| ())
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &UserChanges) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(changes).execute(conn)
}

/// Active accounts with the role.
pub fn count_active_with_role(conn: &mut DbConnection, role: Role) -> QueryResult<i64> {
    users::table.filter(users::role.eq(role.as_str())).filter(users::active.eq(true)).count().get_result(conn)
}

/// Sets (or, with `None`, removes) the TOTP secret and whether it is enabled; forgets the last
/// step accepted.
pub fn set_totp(
    conn: &mut DbConnection,
    id: &str,
    secret: Option<&str>,
    enabled_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::totp_secret.eq(secret),
            users::totp_enabled_at.eq(enabled_at),
            users::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)
}

/// Records the TOTP step just accepted, if it is later than the last one: 1 if recorded, 0 if
/// that step (or a later one) was already used.
pub fn use_totp_step(conn: &mut DbConnection, id: &str, step: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id).filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step))))
        .set(users::totp_last_step.eq(step))
        .execute(conn)
}
