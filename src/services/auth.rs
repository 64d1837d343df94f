//! Staff sign-in: argon2id password hashes, login throttling and server-side sessions.
//!
//! Everything here is blocking (argon2 is deliberately slow): the web layer calls it through
//! `web::block`, never on the async threads.

use crate::db::DbConnection;
use crate::models::session::{self as rows, NewLoginAttempt, Session};
use crate::models::user::{self as users, User, UserChanges};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::FieldErrors;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Failed attempts on one account from one address, within [`THROTTLE_WINDOW_MINUTES`], before
/// that address is refused for that account (for the rest of the window).
pub const MAX_PAIR_FAILURES: i64 = 5;
/// Failed attempts from one address (on any accounts), within the window, before it is refused.
pub const MAX_ADDRESS_FAILURES: i64 = 20;
/// Failed attempts on one account from anywhere, within the window, after which every further
/// attempt on it waits before its password is checked (a delay, never a lockout: the officer
/// signing in from their own address gets in, later).
pub const ACCOUNT_DELAY_AFTER: i64 = 10;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// How long an expired session is kept (unusable) to recognise forms sent from its pages, and
/// how long such a form is kept for its user (`services::signed_out`).
pub const EXPIRED_SESSION_KEPT_HOURS: i64 = 24;

pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Whether `user` may sign in with a password (and set one through a reset link): always, unless
/// password sign-in is off for staff (`PASSWORD_SIGN_IN=off`), when only Independent Persons and
/// committee members may. An account with no role yet (made by single sign-on) is staff.
pub fn password_allowed(user: &User, password_sign_in: bool) -> bool {
    password_sign_in || user.role().is_some_and(|r| r.keeps_password_without_staff_passwords())
}

/// A real hash of a random password, checked for unknown users so that a sign-in takes the same
/// time whether or not the account exists.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&random_token()).expect("argon2 hashes a random password"));

/// 32 random bytes as 64 hex characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Constant-time comparison for tokens.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionPolicy {
    pub fn new(idle_minutes: i64, absolute_hours: i64) -> Self {
        Self { idle: Duration::minutes(idle_minutes), absolute: Duration::hours(absolute_hours) }
    }

    fn expiry(&self, created: NaiveDateTime, seen: NaiveDateTime) -> NaiveDateTime {
        (seen + self.idle).min(created + self.absolute)
    }
}

#[derive(Debug)]
pub enum LoginError {
    /// An empty field, or a wrong email or password (the message never says which).
    Invalid(FieldErrors),
    /// The account or address has had too many failures; try again after this many minutes.
    Throttled {
        minutes: i64,
    },
    /// The password is right but the account has been deactivated.
    Deactivated,
    /// The password is right but staff sign in only through single sign-on (`PASSWORD_SIGN_IN=off`).
    PasswordsOff,
    Db(diesel::result::Error),
    /// Anything else that went wrong (an email that would not render).
    Failed(crate::services::ServiceError),
}

impl LoginError {
    fn wrong_credentials() -> Self {
        LoginError::Invalid(FieldErrors::single("email", "Enter a correct email address and password"))
    }

    /// What the sign-in form says about a refusal (nothing for a database fault).
    pub fn errors(&self) -> FieldErrors {
        match self {
            LoginError::Invalid(errors) => errors.clone(),
            LoginError::Throttled { minutes } => {
                let plural = if *minutes == 1 { "" } else { "s" };
                FieldErrors::single(
                    "email",
                    format!(
                        "There have been too many failed attempts to sign in. Try again in {minutes} minute{plural}"
                    ),
                )
            }
            LoginError::Deactivated => FieldErrors::single(
                "email",
                "This account has been deactivated. Ask your administrator if you need access",
            ),
            LoginError::PasswordsOff => FieldErrors::single(
                "email",
                "Council staff cannot sign in with a password here. Use the single sign-on button on this page",
            ),
            LoginError::Db(_) | LoginError::Failed(_) => FieldErrors::default(),
        }
    }
}

impl From<diesel::result::Error> for LoginError {
    fn from(e: diesel::result::Error) -> Self {
        LoginError::Db(e)
    }
}

impl From<crate::services::ServiceError> for LoginError {
    fn from(e: crate::services::ServiceError) -> Self {
        match e {
            crate::services::ServiceError::Db(e) => LoginError::Db(e),
            other => LoginError::Failed(other),
        }
    }
}

/// A new session: the token goes in the cookie, the session row keeps only its hash; the
/// browser's cookie holds `browser_token` (see `sessions::recognise_browser`).
pub struct NewSession {
    pub token: String,
    pub session: Session,
    pub user: User,
    pub browser_token: String,
}

/// What a right password leads to.
pub enum PasswordPassed {
    /// Signed in.
    SignedIn(Box<NewSession>),
    /// A session that opens only the two-factor page (its token for the cookie).
    SecondFactor { token: String },
}

/// How long a session waiting for its second factor lasts.
pub const SECOND_FACTOR_MINUTES: i64 = 10;

/// Where a sign-in comes from.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub user_agent: Option<String>,
    /// The token of the browser's `sd_browser` cookie, if it sent one.
    pub browser: Option<String>,
}

/// Opens a signed-in session for `user`, in the caller's transaction: records the sign-in, knows
/// the browser (emailing the user about a new one) and audits it.
pub(crate) fn open_session(
    conn: &mut DbConnection,
    user: &User,
    client: &Client,
    policy: SessionPolicy,
    base_url: &str,
    via_sso: bool,
) -> Result<NewSession, crate::services::ServiceError> {
    let t = now();
    let token = random_token();
    let session = Session {
        id: sha256_hex(token.as_bytes()),
        user_id: user.id.clone(),
        csrf_token: random_token(),
        created_at: t,
        last_seen_at: t,
        expires_at: policy.expiry(t, t),
        ip_address: Some(client.ip.clone()),
        user_agent: client.user_agent.as_deref().map(|s| s.chars().take(300).collect()),
        second_factor_pending: false,
        via_sso,
    };
    rows::insert(conn, &session)?;
    users::update(conn, &user.id, &UserChanges { last_login_at: Some(t), ..Default::default() })?;
    let browser_token =
        crate::services::sessions::recognise_browser(conn, user, client.browser.as_deref(), &session, base_url)?;
    let how = if via_sso { " through single sign-on" } else { "" };
    audit::record(
        conn,
        &Actor::user(&user.id, &user.name, Some(client.ip.clone())),
        Event::new("user.signed_in", "user", &user.id).summary(format!("{} signed in{how}", user.name)),
    )?;
    Ok(NewSession { token, session, user: user.clone(), browser_token })
}

fn minutes_until(oldest: Option<NaiveDateTime>, now: NaiveDateTime) -> i64 {
    let until = oldest.unwrap_or(now) + Duration::minutes(THROTTLE_WINDOW_MINUTES);
    ((until - now).num_seconds() + 59).div_euclid(60).max(1)
}

/// The delay imposed on an account under attack: after [`ACCOUNT_DELAY_AFTER`] failures from
/// anywhere in the window, the first further attempt waits `first`, each one after that twice as
/// long as the one before, never longer than `max`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub first: std::time::Duration,
    pub max: std::time::Duration,
}

impl ThrottlePolicy {
    /// One second, doubling, at most `max`.
    pub fn new(max: std::time::Duration) -> Self {
        Self { first: std::time::Duration::from_secs(1).min(max), max }
    }

    /// The wait before checking a password on an account with `failures` failures in the window.
    pub fn delay(&self, failures: i64) -> std::time::Duration {
        if failures < ACCOUNT_DELAY_AFTER {
            return std::time::Duration::ZERO;
        }
        let doublings = (failures - ACCOUNT_DELAY_AFTER).clamp(0, 20) as u32;
        self.first.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// A sign-in attempt admitted past the throttle and already counted as a failure (so concurrent
/// attempts see it); [`finish_login`] checks the password after `delay` and, if it is right,
/// records the attempt as a success.
#[derive(Debug, Clone)]
pub struct Attempt {
    id: String,
    email: String,
    ip: String,
    /// How long to wait before the password is checked (zero unless the account is under attack).
    pub delay: std::time::Duration,
}

/// Checks the form and the throttle, and counts the attempt, in one write transaction (the
/// account and the address locked first), so no two concurrent attempts can both be the one
/// under the limit. Refused attempts are not counted: a refusal never extends the window.
pub fn begin_login(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    ip: &str,
    throttle: ThrottlePolicy,
) -> Result<Attempt, LoginError> {
    let mut errors = FieldErrors::default();
    if email.trim().is_empty() {
        errors.add("email", "Enter your email address");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    if !errors.is_empty() {
        return Err(LoginError::Invalid(errors));
    }
    let email = email.trim().to_lowercase();
    crate::db::write(conn, |conn| {
        crate::db::lock_keys(conn, &[&format!("login-account:{email}"), &format!("login-address:{ip}")])?;
        let t = now();
        let since = t - Duration::minutes(THROTTLE_WINDOW_MINUTES);
        let (pair_failures, pair_oldest) = rows::failures_for_pair(conn, &email, ip, since)?;
        if pair_failures >= MAX_PAIR_FAILURES {
            return Err(LoginError::Throttled { minutes: minutes_until(pair_oldest, t) });
        }
        let (address_failures, address_oldest) = rows::failures_for_address(conn, ip, since)?;
        if address_failures >= MAX_ADDRESS_FAILURES {
            return Err(LoginError::Throttled { minutes: minutes_until(address_oldest, t) });
        }
        let (account_failures, _) = rows::failures_for_email(conn, &email, since)?;
        let id = new_id();
        rows::record_attempt(
            conn,
            &NewLoginAttempt { id: &id, email: &email, ip_address: ip, succeeded: false, attempted_at: t },
        )?;
        Ok(Attempt { id, email: email.clone(), ip: ip.to_string(), delay: throttle.delay(account_failures) })
    })
}

/// Checks the password of an attempt admitted by [`begin_login`] (after its delay) and opens a
/// session. A wrong password leaves the attempt counted as a failure.
pub fn finish_login(
    conn: &mut DbConnection,
    attempt: &Attempt,
    password: &str,
    client: &Client,
    policy: SessionPolicy,
    base_url: &str,
    password_sign_in: bool,
) -> Result<PasswordPassed, LoginError> {
    let Attempt { id: attempt_id, email, ip, .. } = attempt;
    let user = users::find_by_email(conn, email)?;
    let password_ok = match &user {
        Some(u) => verify_password(password, &u.password_hash),
        None => {
            verify_password(password, &DUMMY_HASH);
            false
        }
    };
    let Some(user) = user.filter(|_| password_ok) else {
        return Err(LoginError::wrong_credentials());
    };
    if !user.active {
        return Err(LoginError::Deactivated);
    }
    // Checked only after the password, so the answer tells no one without it what the account is.
    if !password_allowed(&user, password_sign_in) {
        crate::db::write(conn, |conn| {
            audit::record(
                conn,
                &Actor::user(&user.id, &user.name, Some(client.ip.clone())),
                Event::new("user.password_sign_in_refused", "user", &user.id).summary(format!(
                    "{} tried to sign in with a password; staff sign in through single sign-on",
                    user.name
                )),
            )
        })?;
        return Err(LoginError::PasswordsOff);
    }

    crate::db::write(conn, |conn| -> Result<PasswordPassed, crate::services::ServiceError> {
        rows::mark_succeeded(conn, attempt_id)?;
        // Only this address's failures on the account are forgiven: a success elsewhere does not
        // give an attacker's address a fresh allowance.
        rows::clear_failures_for_pair(conn, email, ip)?;
        if !(user.two_factor_enabled() || crate::services::two_factor::required_for(conn, &user)?) {
            return Ok(PasswordPassed::SignedIn(Box::new(open_session(conn, &user, client, policy, base_url, false)?)));
        }
        let t = now();
        let token = random_token();
        rows::insert(
            conn,
            &Session {
                id: sha256_hex(token.as_bytes()),
                user_id: user.id.clone(),
                csrf_token: random_token(),
                created_at: t,
                last_seen_at: t,
                expires_at: t + Duration::minutes(SECOND_FACTOR_MINUTES),
                ip_address: Some(client.ip.clone()),
                user_agent: client.user_agent.as_deref().map(|s| s.chars().take(300).collect()),
                second_factor_pending: true,
                via_sso: false,
            },
        )?;
        Ok(PasswordPassed::SecondFactor { token })
    })
    .map_err(LoginError::from)
}

/// What the two-factor page's code led to.
pub enum SecondFactorOutcome {
    /// Signed in (with the recovery codes to show once, if the user has just enrolled; and how
    /// many recovery codes are left, if one was used).
    SignedIn { new: Box<NewSession>, recovery_codes: Vec<String>, recovery_left: Option<usize> },
    /// A wrong code: the form again with the message.
    Wrong(FieldErrors),
    /// Too many wrong codes from this address: the waiting session is ended; sign in again later.
    Throttled { minutes: i64 },
}

/// Checks the code posted on the two-factor page of a waiting session (or, for a user who is
/// enrolling, the first code of their app) and, when it passes, replaces the waiting session
/// with a signed-in one. A wrong code counts as a failed sign-in of the account from this address;
/// at the limit the waiting session ends.
pub fn finish_second_factor(
    conn: &mut DbConnection,
    pending: &Session,
    code: &str,
    client: &Client,
    policy: SessionPolicy,
    base_url: &str,
) -> Result<SecondFactorOutcome, LoginError> {
    use crate::services::two_factor;
    use crate::services::ServiceError;
    let outcome = crate::db::write(conn, |conn| {
        let user = users::find(conn, &pending.user_id)?.filter(|u| u.active).ok_or(ServiceError::NotFound)?;
        let actor = Actor::user(&user.id, &user.name, Some(client.ip.clone()));
        let passed = if user.two_factor_enabled() {
            two_factor::check_code(conn, &user.id, code).map(|p| (Vec::new(), p))
        } else {
            two_factor::confirm_enrolment(conn, &actor, &user.id, code).map(|c| (c, two_factor::Passed::Totp))
        };
        match passed {
            Ok((recovery_codes, passed)) => {
                if rows::delete_pending(conn, &pending.id)? == 0 {
                    return Err(ServiceError::NotFound);
                }
                let recovery_left = match passed {
                    two_factor::Passed::Recovery { left } => {
                        audit::record(
                            conn,
                            &actor,
                            Event::new("user.recovery_code_used", "user", &user.id)
                                .summary(format!("{} signed in with a recovery code; {left} left", user.name)),
                        )?;
                        Some(left)
                    }
                    two_factor::Passed::Totp => None,
                };
                let refreshed = users::find(conn, &user.id)?.ok_or(ServiceError::NotFound)?;
                let new = Box::new(open_session(conn, &refreshed, client, policy, base_url, false)?);
                Ok(Ok(SecondFactorOutcome::SignedIn { new, recovery_codes, recovery_left }))
            }
            Err(ServiceError::Invalid(errors)) => Ok(Err(errors)),
            Err(e) => Err(e),
        }
    })
    .map_err(LoginError::from)?;
    let errors = match outcome {
        Ok(done) => return Ok(done),
        Err(errors) => errors,
    };
    // A wrong code: counted with the password failures of the account from this address.
    crate::db::write(conn, |conn| {
        let user = users::find(conn, &pending.user_id)?.ok_or(diesel::result::Error::NotFound)?;
        let t = now();
        crate::db::lock_keys(
            conn,
            &[&format!("login-account:{}", user.email), &format!("login-address:{}", client.ip)],
        )?;
        rows::record_attempt(
            conn,
            &NewLoginAttempt {
                id: &new_id(),
                email: &user.email,
                ip_address: &client.ip,
                succeeded: false,
                attempted_at: t,
            },
        )?;
        let since = t - Duration::minutes(THROTTLE_WINDOW_MINUTES);
        let (failures, oldest) = rows::failures_for_pair(conn, &user.email, &client.ip, since)?;
        if failures >= MAX_PAIR_FAILURES {
            rows::delete(conn, &pending.id)?;
            return Ok(SecondFactorOutcome::Throttled { minutes: minutes_until(oldest, t) });
        }
        Ok(SecondFactorOutcome::Wrong(errors))
    })
    .map_err(LoginError::Db)
}

#[derive(Debug)]
pub enum SessionLookup {
    Valid(Box<(Session, User)>),
    /// The cookie named a session that has expired (the session, as it was), or whose user was
    /// deactivated (`None`).
    Expired(Option<Box<Session>>),
    /// No such session.
    Unknown,
}

/// Looks up the session for a cookie token, and slides its idle expiry (at most once a minute,
/// to spare the database a write on every request).
pub fn load_session(conn: &mut DbConnection, token: &str, policy: SessionPolicy) -> QueryResult<SessionLookup> {
    let id = sha256_hex(token.as_bytes());
    let Some(session) = rows::find(conn, &id)? else { return Ok(SessionLookup::Unknown) };
    let t = now();
    if session.expires_at <= t {
        // An expired session stays (never usable again) for a while, so that a form sent from one
        // of its pages is recognised by its CSRF token and kept for its user (`signed_out`).
        if session.expires_at + Duration::hours(EXPIRED_SESSION_KEPT_HOURS) <= t {
            rows::delete(conn, &id)?;
            return Ok(SessionLookup::Unknown);
        }
        return Ok(SessionLookup::Expired(Some(Box::new(session))));
    }
    let Some(user) = users::find(conn, &session.user_id)?.filter(|u| u.active) else {
        rows::delete(conn, &id)?;
        return Ok(SessionLookup::Expired(None));
    };
    let mut session = session;
    if !session.second_factor_pending && t - session.last_seen_at >= Duration::seconds(60) {
        let expires = policy.expiry(session.created_at, t);
        rows::touch(conn, &id, t, expires)?;
        session.last_seen_at = t;
        session.expires_at = expires;
    }
    Ok(SessionLookup::Valid(Box::new((session, user))))
}

/// Renews a session now (the timeout warning's "Stay signed in"): its idle expiry counts from
/// now, never past its absolute limit. Returns the new expiry.
pub fn renew(conn: &mut DbConnection, session: &Session, policy: SessionPolicy) -> QueryResult<NaiveDateTime> {
    let t = now();
    let expires = policy.expiry(session.created_at, t);
    crate::db::write(conn, |conn| {
        rows::touch(conn, &session.id, t, expires)?;
        Ok(expires)
    })
}

pub fn logout(conn: &mut DbConnection, session: &Session, user: &User, ip: Option<String>) -> QueryResult<()> {
    crate::db::write(conn, |conn| {
        rows::delete(conn, &session.id)?;
        audit::record(
            conn,
            &Actor::user(&user.id, &user.name, ip),
            Event::new("user.signed_out", "user", &user.id).summary(format!("{} signed out", user.name)),
        )?;
        Ok(())
    })
}

/// Housekeeping: sessions expired more than a day ago, old sign-in attempts, forms kept past
/// their day and password links expired a day ago.
pub fn purge_expired(conn: &mut DbConnection) -> QueryResult<usize> {
    let t = now();
    Ok(rows::delete_expired(conn, t - Duration::hours(EXPIRED_SESSION_KEPT_HOURS))?
        + rows::delete_attempts_before(conn, t - Duration::days(30))?
        + rows::delete_expired_signed_out_forms(conn, t)?
        + crate::models::password_reset::delete_expired_before(conn, t - Duration::days(1))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration as StdDuration;

    #[test]
    fn the_delay_starts_after_ten_failures_doubles_and_is_capped() {
        let policy = ThrottlePolicy::new(StdDuration::from_secs(10));
        assert_eq!(policy.delay(0), StdDuration::ZERO);
        assert_eq!(policy.delay(ACCOUNT_DELAY_AFTER - 1), StdDuration::ZERO);
        assert_eq!(policy.delay(ACCOUNT_DELAY_AFTER), StdDuration::from_secs(1));
        assert_eq!(policy.delay(ACCOUNT_DELAY_AFTER + 1), StdDuration::from_secs(2));
        assert_eq!(policy.delay(ACCOUNT_DELAY_AFTER + 3), StdDuration::from_secs(8));
        assert_eq!(policy.delay(ACCOUNT_DELAY_AFTER + 4), StdDuration::from_secs(10));
        assert_eq!(policy.delay(100_000), StdDuration::from_secs(10));
        let short = ThrottlePolicy::new(StdDuration::from_millis(300));
        assert_eq!(short.delay(ACCOUNT_DELAY_AFTER + 5), StdDuration::from_millis(300));
        assert_eq!(ThrottlePolicy::new(StdDuration::ZERO).delay(50), StdDuration::ZERO);
    }
}
