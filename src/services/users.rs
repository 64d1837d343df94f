//! Staff accounts: create, change role or name, deactivate and reactivate. Each change is audited
//! in the same transaction. Only administrators manage accounts (`settings::may_administer`); the
//! command line, run by whoever runs the server, creates accounts and sets passwords directly
//! ([`create`], [`set_password`]).

use crate::db::DbConnection;
use crate::models::session as sessions;
use crate::models::user::{self as users, NewUser, Role, User, UserChanges};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::hash_password;
use crate::services::passwords;
use crate::services::settings::may_administer;
use crate::services::text::check_one_line;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

// ---------------------------------------------------------------------------------------------
// Rules

/// Whether `admin` may deactivate `target`'s account (the reason if not). An administrator
/// cannot lock themselves out.
pub fn may_deactivate(admin: &User, target: &User) -> Result<(), String> {
    if admin.id == target.id {
        return Err("You cannot deactivate your own account".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Views

pub use crate::services::vocab::Choice;

/// Every role, by its label.
pub fn role_choices() -> Vec<Choice> {
    Role::ALL.iter().map(|r| Choice { value: r.as_str().into(), label: r.label().into() }).collect()
}

/// What an administrator may do with an account.
#[derive(Debug, Clone, Serialize)]
pub struct UserActions {
    pub can_deactivate: bool,
    /// Why an active account cannot be deactivated, when it cannot.
    pub deactivate_refusal: Option<String>,
    pub can_reactivate: bool,
}

/// An account as the admin pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role_label: String,
    pub active: bool,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// Two-factor sign-in is set up (or being set up).
    pub two_factor: bool,
    pub actions: UserActions,
}

impl UserView {
    fn of(admin: &User, u: &User) -> Self {
        let deactivate = may_deactivate(admin, u);
        UserView {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            role_label: u.role().map(|r| r.label()).unwrap_or("No role yet").into(),
            active: u.active,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
            two_factor: u.totp_secret.is_some(),
            actions: UserActions {
                can_deactivate: u.active && deactivate.is_ok(),
                deactivate_refusal: if u.active { deactivate.err() } else { None },
                can_reactivate: !u.active,
            },
        }
    }
}

/// Every account, active ones first.
pub fn list(conn: &mut DbConnection, admin: &User) -> ServiceResult<Vec<UserView>> {
    may_administer(admin)?;
    Ok(users::list_all(conn)?.iter().map(|u| UserView::of(admin, u)).collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct NewUserPage {
    pub form: UserInput,
    pub roles: Vec<Choice>,
}

/// The new-user form with the values given (empty, or as submitted).
pub fn new_user_page(admin: &User, form: UserInput) -> ServiceResult<NewUserPage> {
    may_administer(admin)?;
    Ok(NewUserPage { form, roles: role_choices() })
}

#[derive(Debug, Clone, Serialize)]
pub struct EditUserPage {
    pub user: UserView,
    pub form: UserUpdate,
    pub roles: Vec<Choice>,
    /// Councillors on the register, for linking a committee member to one.
    pub members: Vec<Choice>,
}

/// The page to change an account: with the stored values, or with `form` as submitted.
pub fn edit_user_page(
    conn: &mut DbConnection,
    admin: &User,
    id: &str,
    form: Option<UserUpdate>,
) -> ServiceResult<EditUserPage> {
    may_administer(admin)?;
    let user = users::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    let form = match form {
        Some(f) => f,
        None => UserUpdate {
            name: user.name.clone(),
            role: user.role.clone(),
            member: crate::models::hearing::member_of_user(conn, id)?.unwrap_or_default(),
        },
    };
    let members = crate::services::cases::member_choices(conn)?
        .into_iter()
        .map(|(value, label)| Choice { value, label })
        .collect();
    Ok(EditUserPage { user: UserView::of(admin, &user), form, roles: role_choices(), members })
}

// ---------------------------------------------------------------------------------------------
// Changes

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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

fn parse_role(raw: &str, errors: &mut FieldErrors) -> Option<Role> {
    match raw.parse::<Role>() {
        Ok(r) => Some(r),
        Err(_) => {
            errors.add("role", "Select a role");
            None
        }
    }
}

/// An administrator adds an account.
pub fn add(conn: &mut DbConnection, actor: &Actor, admin: &User, input: &UserInput) -> ServiceResult<User> {
    may_administer(admin)?;
    create(conn, actor, input)
}

/// Creates an account. For the command line and [`add`]: it does not check who asks.
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
    check_one_line(&mut errors, "email", &input.email, "the email address");
    check_one_line(&mut errors, "name", &input.name, "the name");
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
    passwords::validate(&mut errors, "password", &input.password, &email, name.as_deref().unwrap_or_default());
    if !errors.has("email") && users::find_by_email(conn, &email)?.is_some() {
        errors.add("email", "A user with this email address already exists");
    }
    errors.into_result()?;
    let (name, role) = (name.unwrap_or_default(), role.unwrap_or(Role::CaseOfficer));
    let hash = hash(&input.password).map_err(ServiceError::Internal)?;
    let id = new_id();
    let t = now();
    crate::db::write(conn, |conn| {
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

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    id: &str,
    input: &UserUpdate,
) -> ServiceResult<User> {
    may_administer(admin)?;
    let user = users::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    let mut errors = FieldErrors::default();
    check_one_line(&mut errors, "name", &input.name, "the name");
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
    crate::db::write(conn, |conn| {
        if user.role() == Some(Role::Admin)
            && role != Role::Admin
            && user.active
            && users::count_active_with_role(conn, Role::Admin)? <= 1
        {
            return Err(ServiceError::invalid(
                "role",
                "This is the only active administrator: make someone else an administrator first",
            ));
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

/// Deactivates (signing the user out everywhere) or reactivates an account. A refusal is an
/// error on the page's access section (`active`).
pub fn set_active(conn: &mut DbConnection, actor: &Actor, admin: &User, id: &str, active: bool) -> ServiceResult<User> {
    may_administer(admin)?;
    let user = users::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    if !active {
        may_deactivate(admin, &user).map_err(|m| ServiceError::invalid("active", m))?;
    }
    crate::db::write(conn, |conn| {
        if !active
            && user.active
            && user.role() == Some(Role::Admin)
            && users::count_active_with_role(conn, Role::Admin)? <= 1
        {
            return Err(ServiceError::invalid(
                "active",
                "This is the only active administrator and cannot be deactivated",
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

/// Sets a new password, signing the user out everywhere. For the command line: it does not
/// check who asks.
pub fn set_password(conn: &mut DbConnection, actor: &Actor, id: &str, password: &str) -> ServiceResult<()> {
    let user = users::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    let mut errors = FieldErrors::default();
    passwords::validate(&mut errors, "password", password, &user.email, &user.name);
    errors.into_result()?;
    let hash = hash_password(password).map_err(ServiceError::Internal)?;
    crate::db::write(conn, |conn| {
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
