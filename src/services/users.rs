//! Staff accounts: create, change role or name, deactivate and reactivate. Each change is audited
//! in the same transaction.

use crate::db::schema::users as users_table;
use crate::db::DbConnection;
use crate::models::session as sessions;
use crate::models::user::{self as users, NewUser, Role, User, UserChanges};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::{hash_password, MIN_PASSWORD_LENGTH};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use diesel::prelude::*;
use validator::ValidateEmail;

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct UserInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default, skip_serializing)]
    pub password: String,
}

pub fn validate_password(password: &str, errors: &mut FieldErrors) {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        errors.add("password", format!("Enter a password of at least {MIN_PASSWORD_LENGTH} characters"));
    } else if password.len() > 1024 {
        errors.add("password", "Enter a password of 1,024 characters or fewer");
    }
}

fn parse_role(raw: &str, errors: &mut FieldErrors) -> Option<Role> {
    match raw.parse::<Role>() {
        Ok(r) => Some(r),
        Err(_) => {
            errors.add("role", "Select a role");
            None
        }
    }
}

pub fn create(conn: &mut DbConnection, actor: &Actor, input: &UserInput) -> ServiceResult<User> {
    create_with_hasher(conn, actor, input, hash_password)
}

/// [`create`], with the password hashed by `hash` instead of [`hash_password`] (the tests reuse
/// one argon2id hash of their test password, made once per process by `hash_password`).
pub fn create_with_hasher(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &UserInput,
    hash: impl FnOnce(&str) -> Result<String, String>,
) -> ServiceResult<User> {
    let mut errors = FieldErrors::default();
    let email = input.email.trim().to_lowercase();
    if email.is_empty() {
        errors.add("email", "Enter an email address");
    } else if !email.validate_email() {
        errors.add("email", "Enter an email address in the correct format, like name@example.gov.uk");
    }
    let name = clean(&input.name);
    if name.is_none() {
        errors.add("name", "Enter the person's full name");
    }
    let role = parse_role(&input.role, &mut errors);
    validate_password(&input.password, &mut errors);
    if !errors.has("email") && users::find_by_email(conn, &email)?.is_some() {
        errors.add("email", "A user with this email address already exists");
    }
    errors.into_result()?;
    let (name, role) = (name.unwrap_or_default(), role.unwrap_or(Role::CaseOfficer));
    let hash = hash(&input.password).map_err(ServiceError::Internal)?;
    let id = new_id();
    let t = now();
    conn.transaction(|conn| {
        users::insert(
            conn,
            &NewUser {
                id: &id,
                email: &email,
                name: &name,
                role: role.as_str(),
                password_hash: &hash,
                active: true,
                created_at: t,
                updated_at: t,
            },
        )?;
        audit::record(
            conn,
            actor,
            Event::new("user.created", "user", &id)
                .summary(format!("User {name} <{email}> created as {}", role.label())),
        )?;
        users::find(conn, &id)?.ok_or(diesel::result::Error::NotFound)
    })
    .map_err(ServiceError::from)
}

fn active_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    users_table::table
        .filter(users_table::role.eq(Role::Admin.as_str()))
        .filter(users_table::active.eq(true))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct UserUpdate {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    /// The councillor on the register this person is (for committee members: the hearing
    /// conflict check uses their party and ward). Empty for none.
    #[serde(default)]
    pub member: String,
}

/// Changes name and role. The last active admin cannot give up the admin role.
pub fn update(conn: &mut DbConnection, actor: &Actor, id: &str, input: &UserUpdate) -> ServiceResult<User> {
    let user = users::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    let mut errors = FieldErrors::default();
    let name = clean(&input.name);
    if name.is_none() {
        errors.add("name", "Enter the person's full name");
    }
    let role = parse_role(&input.role, &mut errors);
    let member = match clean(&input.member) {
        Some(id) => match crate::models::member::find(conn, &id)? {
            Some(m) => Some(m),
            None => {
                errors.add("member", "Select a councillor from the register, or none");
                None
            }
        },
        None => None,
    };
    errors.into_result()?;
    let (name, role) = (name.unwrap_or_default(), role.unwrap_or(Role::CaseOfficer));
    conn.transaction(|conn| {
        if user.role() == Some(Role::Admin) && role != Role::Admin && user.active && active_admins(conn)? <= 1 {
            return Err(ServiceError::Invalid(FieldErrors::single(
                "role",
                "This is the only active administrator: make someone else an administrator first",
            )));
        }
        users::update(
            conn,
            id,
            &UserChanges {
                name: Some(&name),
                role: Some(role.as_str()),
                updated_at: Some(now()),
                ..Default::default()
            },
        )?;
        let mut changes = Vec::new();
        if user.name != name {
            changes.push(format!("name {} → {}", user.name, name));
        }
        if user.role != role.as_str() {
            changes.push(format!("role {} → {}", user.role().map(|r| r.label()).unwrap_or("unknown"), role.label()));
        }
        let linked = crate::models::hearing::member_of_user(conn, id)?;
        if linked.as_deref() != member.as_ref().map(|m| m.id.as_str()) {
            crate::models::hearing::set_member_of_user(conn, id, member.as_ref().map(|m| m.id.as_str()))?;
            changes.push(match &member {
                Some(m) => format!("is councillor {}", m.full_name),
                None => "not a councillor on the register".into(),
            });
        }
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                Event::new("user.updated", "user", id).summary(format!("User {}: {}", user.email, changes.join("; "))),
            )?;
        }
        users::find(conn, id)?.ok_or(ServiceError::NotFound)
    })
}

/// Deactivates (signing the user out everywhere) or reactivates an account.
pub fn set_active(conn: &mut DbConnection, actor: &Actor, id: &str, active: bool) -> ServiceResult<User> {
    let user = users::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    if actor.user_id.as_deref() == Some(id) && !active {
        return Err(ServiceError::Refused("You cannot deactivate your own account".into()));
    }
    conn.transaction(|conn| {
        if !active && user.active && user.role() == Some(Role::Admin) && active_admins(conn)? <= 1 {
            return Err(ServiceError::Refused(
                "This is the only active administrator and cannot be deactivated".into(),
            ));
        }
        users::update(conn, id, &UserChanges { active: Some(active), updated_at: Some(now()), ..Default::default() })?;
        if !active {
            sessions::delete_for_user(conn, id)?;
        }
        if user.active != active {
            let (action, verb) =
                if active { ("user.reactivated", "reactivated") } else { ("user.deactivated", "deactivated") };
            audit::record(conn, actor, Event::new(action, "user", id).summary(format!("User {} {verb}", user.email)))?;
        }
        users::find(conn, id)?.ok_or(ServiceError::NotFound)
    })
}

/// Sets a new password (from the command line or an admin), signing the user out everywhere.
pub fn set_password(conn: &mut DbConnection, actor: &Actor, id: &str, password: &str) -> ServiceResult<()> {
    let mut errors = FieldErrors::default();
    validate_password(password, &mut errors);
    errors.into_result()?;
    let hash = hash_password(password).map_err(ServiceError::Internal)?;
    conn.transaction(|conn| {
        let n = users::update(
            conn,
            id,
            &UserChanges { password_hash: Some(&hash), updated_at: Some(now()), ..Default::default() },
        )?;
        if n == 0 {
            return Err(ServiceError::NotFound);
        }
        sessions::delete_for_user(conn, id)?;
        audit::record(conn, actor, Event::new("user.password_set", "user", id).summary("Password changed"))?;
        Ok(())
    })
}
