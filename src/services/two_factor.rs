//! Two-factor sign-in: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew
//! either side, each step accepted once) with a QR code, and recovery codes shown once and kept
//! only as salted SHA-256. Required for administrators, Monitoring Officers and deputies, and for
//! everyone when an administrator turns on [`REQUIRE_ALL_KEY`]; optional otherwise. A lost device
//! is reset by an administrator (audited), after which the user enrols again at their next
//! sign-in.

use crate::db::DbConnection;
use crate::models::recovery_code::{self as codes, RecoveryCode};
use crate::models::session as sessions;
use crate::models::setting;
use crate::models::user::{self as users, Role, User};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::sha256_hex;
use crate::services::settings::may_administer;
use crate::services::{ServiceError, ServiceResult};
use diesel::QueryResult;
use rand::RngCore;
use serde::Serialize;
use totp_rs::{Builder, Secret, Totp};

pub const ISSUER: &str = "Standards Desk";
/// The setting that requires two-factor sign-in of every staff account ("on" or "off").
pub const REQUIRE_ALL_KEY: &str = "sign_in.two_factor_for_all";
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The published secret of the demo accounts that need a second factor (`serve --demo` only; see
/// README): `standards-desk demo-code` prints its current code.
pub const DEMO_SECRET: &str = "STANDARDSDESKDEMOSECRET234567ABC";

/// Roles that always need a second factor.
pub fn role_requires(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Admin | Role::MonitoringOfficer | Role::DeputyMonitoringOfficer))
}

pub fn required_for_all(conn: &mut DbConnection) -> QueryResult<bool> {
    Ok(setting::get(conn, REQUIRE_ALL_KEY)?.as_deref() == Some("on"))
}

/// Whether the user must pass a second factor to sign in.
pub fn required_for(conn: &mut DbConnection, user: &User) -> QueryResult<bool> {
    Ok(role_requires(user.role()) || required_for_all(conn)?)
}

fn totp(secret: &str, account: &str) -> Result<Totp, ServiceError> {
    let bytes = Secret::try_from_base32(secret)
        .map_err(|e| ServiceError::Internal(format!("stored TOTP secret is not base32: {e:?}")))?;
    Builder::new()
        .with_secret(bytes)
        .with_account_name(account.replace(':', ""))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| ServiceError::Internal(format!("TOTP: {e:?}")))
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The code of a base32 secret at a time (for the demo command and the tests).
pub fn code_at(secret: &str, unix_seconds: u64) -> Result<String, ServiceError> {
    Ok(totp(secret, "code")?.generate(unix_seconds).to_string())
}

/// The code of a base32 secret now.
pub fn current_code(secret: &str) -> Result<String, ServiceError> {
    code_at(secret, unix_now())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes.to_vec()).to_base32()
}

/// What a user needs to add Standards Desk to an authenticator app.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolment {
    /// The secret in groups of four, for typing in.
    pub secret: String,
    /// The otpauth:// address, as an SVG QR code in a `data:` URL for an `<img>`.
    pub qr_data_url: String,
}

/// The user's enrolment: the secret being set up (made now if there is none), as text and QR code.
/// Refused for a user already enrolled.
pub fn enrolment(conn: &mut DbConnection, user: &User) -> ServiceResult<Enrolment> {
    if user.two_factor_enabled() {
        return Err(ServiceError::Refused("Two-factor sign-in is already set up".into()));
    }
    let secret = match &user.totp_secret {
        Some(s) => s.clone(),
        None => {
            let s = new_secret();
            crate::db::write(conn, |conn| users::set_totp(conn, &user.id, Some(&s), None))?;
            s
        }
    };
    let url = totp(&secret, &user.email)?.to_url().map_err(|e| ServiceError::Internal(format!("TOTP: {e:?}")))?;
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| ServiceError::Internal(format!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let encoded: String = form_urlencoded::byte_serialize(svg.as_bytes()).collect();
    let grouped = secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>();
    Ok(Enrolment {
        secret: grouped.join(" "),
        qr_data_url: format!("data:image/svg+xml,{}", encoded.replace('+', "%20")),
    })
}

fn normalise(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_lowercase()
}

fn recovery_hash(id: &str, code: &str) -> String {
    sha256_hex(format!("{id}:{}", normalise(code)).as_bytes())
}

/// A new recovery code: 20 characters from a 31-letter alphabet with no look-alikes (about 99
/// bits), in groups of five.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Replaces the user's recovery codes with new ones, in the caller's transaction; returns them
/// (shown once).
fn make_recovery_codes(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    codes::delete_for_user(conn, user_id)?;
    let t = now();
    let mut shown = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code = new_recovery_code();
        let id = new_id();
        codes::insert(
            conn,
            &RecoveryCode {
                code_hash: recovery_hash(&id, &code),
                id,
                user_id: user_id.to_string(),
                created_at: t,
                used_at: None,
            },
        )?;
        shown.push(code);
    }
    Ok(shown)
}

const WRONG_CODE: &str = "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes";

/// A code that passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    Totp,
    /// A recovery code, now used up; how many are left.
    Recovery {
        left: usize,
    },
}

/// Checks a code of an enrolled user, in the caller's transaction: a TOTP code of a step not yet
/// used, or an unused recovery code (used up now). `Invalid` on the `code` field otherwise.
pub fn check_code(conn: &mut DbConnection, user_id: &str, code: &str) -> ServiceResult<Passed> {
    let user = users::find(conn, user_id)?.ok_or(ServiceError::NotFound)?;
    let (Some(secret), true) = (&user.totp_secret, user.two_factor_enabled()) else {
        return Err(ServiceError::invalid("code", WRONG_CODE));
    };
    let code = normalise(code);
    if code.is_empty() {
        return Err(ServiceError::invalid("code", "Enter the code from your authenticator app"));
    }
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(step) = totp(secret, &user.email)?.check(&code, unix_now()) {
            if users::use_totp_step(conn, &user.id, step as i64)? == 1 {
                return Ok(Passed::Totp);
            }
            return Err(ServiceError::invalid(
                "code",
                "That code has already been used. Wait for your app to show a new one",
            ));
        }
        return Err(ServiceError::invalid("code", WRONG_CODE));
    }
    let unused = codes::unused_for_user(conn, &user.id)?;
    let t = now();
    for c in &unused {
        if crate::services::auth::tokens_match(&c.code_hash, &recovery_hash(&c.id, &code))
            && codes::mark_used(conn, &c.id, t)? == 1
        {
            return Ok(Passed::Recovery { left: unused.len() - 1 });
        }
    }
    Err(ServiceError::invalid("code", WRONG_CODE))
}

/// Completes enrolment with a code from the app: two-factor is on, and the recovery codes made
/// now are returned (shown once). In the caller's transaction.
pub fn confirm_enrolment(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
    code: &str,
) -> ServiceResult<Vec<String>> {
    let user = users::find(conn, user_id)?.ok_or(ServiceError::NotFound)?;
    if user.two_factor_enabled() {
        return Err(ServiceError::Refused("Two-factor sign-in is already set up".into()));
    }
    let Some(secret) = &user.totp_secret else {
        return Err(ServiceError::invalid("code", "Scan the QR code again: the set-up was restarted"));
    };
    let code = normalise(code);
    if code.is_empty() {
        return Err(ServiceError::invalid("code", "Enter the 6-digit code your authenticator app shows"));
    }
    let Some(step) = totp(secret, &user.email)?.check(&code, unix_now()) else {
        return Err(ServiceError::invalid(
            "code",
            "Enter the 6-digit code your authenticator app shows now for Standards Desk",
        ));
    };
    users::set_totp(conn, &user.id, Some(secret), Some(now()))?;
    users::use_totp_step(conn, &user.id, step as i64)?;
    let shown = make_recovery_codes(conn, &user.id)?;
    audit::record(
        conn,
        actor,
        Event::new("user.two_factor_enabled", "user", &user.id)
            .summary(format!("{} set up two-factor sign-in", user.name)),
    )?;
    Ok(shown)
}

/// A signed-in user sets up two-factor sign-in from their account page (with the first code of
/// their app); returns the recovery codes, shown once.
pub fn enrol(conn: &mut DbConnection, actor: &Actor, user: &User, code: &str) -> ServiceResult<Vec<String>> {
    crate::db::write(conn, |conn| confirm_enrolment(conn, actor, &user.id, code))
}

/// For the demo and the tests (whoever runs the server): enrols the user with a known secret and
/// no recovery codes.
pub fn enrol_with_secret(conn: &mut DbConnection, actor: &Actor, user_id: &str, secret: &str) -> ServiceResult<()> {
    Secret::try_from_base32(secret).map_err(|_| ServiceError::invalid("secret", "The secret must be base32"))?;
    crate::db::write(conn, |conn| {
        if users::set_totp(conn, user_id, Some(secret), Some(now()))? == 0 {
            return Err(ServiceError::NotFound);
        }
        audit::record(
            conn,
            actor,
            Event::new("user.two_factor_enabled", "user", user_id)
                .summary("Two-factor sign-in set up with a known secret"),
        )?;
        Ok(())
    })
}

/// A user turns off their own two-factor sign-in (only where it is not required), with a code.
pub fn turn_off(conn: &mut DbConnection, actor: &Actor, user: &User, code: &str) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        if required_for(conn, user)? {
            return Err(ServiceError::Refused("Your account must use two-factor sign-in".into()));
        }
        check_code(conn, &user.id, code)?;
        users::set_totp(conn, &user.id, None, None)?;
        codes::delete_for_user(conn, &user.id)?;
        audit::record(
            conn,
            actor,
            Event::new("user.two_factor_disabled", "user", &user.id)
                .summary(format!("{} turned off two-factor sign-in", user.name)),
        )?;
        Ok(())
    })
}

/// An administrator resets a user's two-factor sign-in (a lost phone): the secret and recovery
/// codes go, every session ends, and the user sets it up again at their next sign-in.
pub fn admin_reset(conn: &mut DbConnection, actor: &Actor, admin: &User, user_id: &str) -> ServiceResult<User> {
    may_administer(admin)?;
    let user = users::find(conn, user_id)?.ok_or(ServiceError::NotFound)?;
    if user.id == admin.id {
        return Err(ServiceError::Refused(
            "You cannot reset your own two-factor sign-in: ask another administrator".into(),
        ));
    }
    if user.totp_secret.is_none() {
        return Err(ServiceError::Refused(format!("{} has not set up two-factor sign-in", user.name)));
    }
    crate::db::write(conn, |conn| {
        users::set_totp(conn, &user.id, None, None)?;
        codes::delete_for_user(conn, &user.id)?;
        let ended = sessions::delete_for_user(conn, &user.id)?;
        audit::record(
            conn,
            actor,
            Event::new("user.two_factor_reset", "user", &user.id).summary(format!(
                "{} reset the two-factor sign-in of {}; {ended} session(s) ended",
                admin.name, user.email
            )),
        )?;
        Ok(user.clone())
    })
}

/// The admin setting: two-factor for every staff account.
pub fn set_required_for_all(conn: &mut DbConnection, actor: &Actor, admin: &User, on: bool) -> ServiceResult<()> {
    may_administer(admin)?;
    crate::db::write(conn, |conn| {
        if required_for_all(conn)? == on {
            return Ok(());
        }
        setting::put(conn, REQUIRE_ALL_KEY, if on { "on" } else { "off" }, now(), actor.user_id.as_deref())?;
        audit::record(
            conn,
            actor,
            Event::new("settings.two_factor_changed", "settings", REQUIRE_ALL_KEY).summary(if on {
                "Two-factor sign-in required for every staff account"
            } else {
                "Two-factor sign-in required for administrators, Monitoring Officers and deputies only"
            }),
        )?;
        Ok(())
    })
}

/// The account page's two-factor section.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub enabled: bool,
    pub required: bool,
    pub recovery_codes_left: usize,
}

pub fn status(conn: &mut DbConnection, user: &User) -> ServiceResult<Status> {
    Ok(Status {
        enabled: user.two_factor_enabled(),
        required: required_for(conn, user)?,
        recovery_codes_left: if user.two_factor_enabled() { codes::unused_for_user(conn, &user.id)?.len() } else { 0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1, 59 s: 94287082 (8 digits); the last six are the 6-digit code.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1111111109).unwrap(), "081804");
        assert_eq!(current_code(DEMO_SECRET).unwrap().len(), 6);
    }

    #[test]
    fn recovery_codes_are_long_and_compared_without_dashes_or_case() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 23, "{code}");
        assert_eq!(recovery_hash("id", &code), recovery_hash("id", &code.to_uppercase().replace('-', " ")));
        assert_ne!(recovery_hash("id", &code), recovery_hash("other", &code), "salted");
    }
}
