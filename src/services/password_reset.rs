//! Password reset by email: a single-use link, valid for [`RESET_MINUTES`], whose token is kept
//! only as its SHA-256. Asking for one gives the same answer whether or not the address has an
//! account; using one sets the password and ends every session of the account. An administrator
//! can send the same link instead of setting a password.

use crate::db::DbConnection;
use crate::emails::PasswordReset as ResetEmail;
use crate::models::now;
use crate::models::password_reset::{self as rows, PasswordReset};
use crate::models::session as sessions;
use crate::models::user::{self as users, User, UserChanges};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::{hash_password, password_allowed, random_token, sha256_hex};
use crate::services::outbox::{self, To};
use crate::services::settings::may_administer;
use crate::services::{passwords, rate_limit, FieldErrors, ServiceError, ServiceResult};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

/// How long a link works.
pub const RESET_MINUTES: i64 = 30;
/// A second link asked for within this many seconds of the last is not sent (no one can fill a
/// colleague's inbox from the sign-in page).
pub const RESEND_AFTER_SECONDS: i64 = 60;

fn link(base_url: &str, token: &str) -> String {
    format!("{}/password-reset/{token}", base_url.trim_end_matches('/'))
}

/// Makes a link for `user` and queues the email, in the caller's transaction.
fn issue(conn: &mut DbConnection, user: &User, sent_by: Option<&User>, base_url: &str) -> ServiceResult<()> {
    let token = random_token();
    let t = now();
    rows::insert(
        conn,
        &PasswordReset {
            id: sha256_hex(token.as_bytes()),
            user_id: user.id.clone(),
            created_at: t,
            expires_at: t + Duration::minutes(RESET_MINUTES),
            used_at: None,
            requested_by_user_id: sent_by.map(|u| u.id.clone()),
        },
    )?;
    outbox::queue(
        conn,
        None,
        To::new(&user.email, &user.name),
        &ResetEmail {
            name: user.name.clone(),
            link: link(base_url, &token),
            minutes: RESET_MINUTES,
            sent_by: sent_by.map(|u| u.name.clone()),
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RequestForm {
    #[serde(default)]
    pub email: String,
}

/// Someone asks for a link on the sign-in page. Only a malformed address is refused: for an
/// address with no active account, or of staff who may not use a password
/// (`PASSWORD_SIGN_IN=off`), nothing is sent and the answer is the same.
pub fn request(
    conn: &mut DbConnection,
    actor: &Actor,
    form: &RequestForm,
    base_url: &str,
    password_sign_in: bool,
) -> ServiceResult<()> {
    let email = form.email.trim().to_lowercase();
    if email.is_empty() {
        return Err(ServiceError::invalid("email", "Enter your email address"));
    }
    if email.chars().count() > 320 || !email.validate_email() {
        return Err(ServiceError::invalid(
            "email",
            "Enter an email address in the correct format, like name@example.gov.uk",
        ));
    }
    let address = actor.ip.clone().unwrap_or_default();
    if !rate_limit::allows(conn, rate_limit::PASSWORD_LINK_REQUESTS, &address)? {
        return Err(ServiceError::invalid(
            "email",
            "There have been too many requests for password links from your connection. Try again in an hour",
        ));
    }
    rate_limit::record(conn, rate_limit::PASSWORD_LINK_REQUESTS, &address)?;
    crate::db::write(conn, |conn| {
        let Some(user) = users::find_by_email(conn, &email)?.filter(|u| u.active) else { return Ok(()) };
        if !password_allowed(&user, password_sign_in) {
            audit::record(
                conn,
                actor,
                Event::new("user.password_reset_refused", "user", &user.id).summary(format!(
                    "No password link was sent to {}: staff sign in through single sign-on",
                    user.email
                )),
            )?;
            return Ok(());
        }
        if rows::latest_for_user(conn, &user.id)?.is_some_and(|at| now() - at < Duration::seconds(RESEND_AFTER_SECONDS))
        {
            return Ok(());
        }
        issue(conn, &user, None, base_url)?;
        audit::record(
            conn,
            actor,
            Event::new("user.password_reset_requested", "user", &user.id)
                .summary(format!("A password reset link was sent to {}", user.email)),
        )?;
        Ok(())
    })
}

/// An administrator sends a user a link to set their password.
pub fn send_by_admin(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    user_id: &str,
    base_url: &str,
    password_sign_in: bool,
) -> ServiceResult<User> {
    may_administer(admin)?;
    let user = users::find(conn, user_id)?.ok_or(ServiceError::NotFound)?;
    if !user.active {
        return Err(ServiceError::invalid("reset", "Reactivate the account before sending a password link"));
    }
    if !password_allowed(&user, password_sign_in) {
        return Err(ServiceError::invalid(
            "reset",
            "Staff sign in through single sign-on: password links are only for Independent Persons and committee members",
        ));
    }
    crate::db::write(conn, |conn| {
        issue(conn, &user, Some(admin), base_url)?;
        audit::record(
            conn,
            actor,
            Event::new("user.password_reset_sent", "user", &user.id)
                .summary(format!("{} sent a password link to {}", admin.name, user.email)),
        )?;
        Ok(user.clone())
    })
}

/// Why a link no longer works (the page says so; it never says whose link it was).
pub const LINK_DEAD: &str = "This link has expired or has already been used. Ask for a new one from the sign-in page.";

/// The account a live link is for (a link sent before staff passwords were switched off no longer
/// works for staff).
pub fn find_live(conn: &mut DbConnection, token: &str, password_sign_in: bool) -> ServiceResult<(PasswordReset, User)> {
    let reset = rows::find(conn, &sha256_hex(token.as_bytes()))?.ok_or(ServiceError::NotFound)?;
    if reset.used_at.is_some() || reset.expires_at <= now() {
        return Err(ServiceError::NotFound);
    }
    let user = users::find(conn, &reset.user_id)?
        .filter(|u| u.active && password_allowed(u, password_sign_in))
        .ok_or(ServiceError::NotFound)?;
    Ok((reset, user))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct NewPasswordForm {
    #[serde(default, skip_serializing)]
    pub password: String,
    #[serde(default, skip_serializing)]
    pub confirm: String,
}

/// Sets the password through a live link: the link (and any other of the account's) is used up,
/// and every session of the account ends. `NotFound` if the link is dead.
pub fn complete(
    conn: &mut DbConnection,
    actor: &Actor,
    token: &str,
    form: &NewPasswordForm,
    password_sign_in: bool,
) -> ServiceResult<User> {
    let (reset, user) = find_live(conn, token, password_sign_in)?;
    let mut errors = FieldErrors::default();
    if form.password.is_empty() {
        errors.add("password", "Enter a new password");
    } else {
        passwords::validate(&mut errors, "password", &form.password, &user.email, &user.name);
    }
    if !errors.has("password") && form.password != form.confirm {
        errors.add("confirm", "Enter the same password twice");
    }
    errors.into_result()?;
    let hash = hash_password(&form.password).map_err(ServiceError::Internal)?;
    crate::db::write(conn, |conn| {
        let t = now();
        // Used by a concurrent request first: refused, nothing changed.
        if rows::mark_used(conn, &reset.id, t)? == 0 {
            return Err(ServiceError::NotFound);
        }
        rows::use_all_for_user(conn, &user.id, t)?;
        users::update(
            conn,
            &user.id,
            &UserChanges { password_hash: Some(&hash), updated_at: Some(t), ..Default::default() },
        )?;
        let ended = sessions::delete_for_user(conn, &user.id)?;
        let actor = Actor::user(&user.id, &user.name, actor.ip.clone());
        audit::record(
            conn,
            &actor,
            Event::new("user.password_reset", "user", &user.id)
                .summary(format!("Password set through an emailed link; {ended} session(s) ended")),
        )?;
        Ok(user.clone())
    })
}
