use crate::db::schema::{known_browsers, login_attempts, sessions, signed_out_forms};
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    /// SHA-256 (hex) of the token in the cookie.
    pub id: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The password was right but the second factor is still to come: the session opens only
    /// the two-factor page (see `services::two_factor`).
    pub second_factor_pending: bool,
    /// Opened by single sign-on (the session list says so).
    pub via_sso: bool,
}

pub fn insert(conn: &mut DbConnection, session: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table).values(session).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Session>> {
    sessions::table.find(id).select(Session::as_select()).first(conn).optional()
}

pub fn touch(conn: &mut DbConnection, id: &str, seen: NaiveDateTime, expires: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set((sessions::last_seen_at.eq(seen), sessions::expires_at.eq(expires)))
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id)).execute(conn)
}

pub fn delete_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

pub fn delete_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.lt(now))).execute(conn)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = login_attempts)]
pub struct NewLoginAttempt<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub ip_address: &'a str,
    pub succeeded: bool,
    pub attempted_at: NaiveDateTime,
}

pub fn record_attempt(conn: &mut DbConnection, attempt: &NewLoginAttempt) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table).values(attempt).execute(conn).map(|_| ())
}

/// Failed attempts for this email since `since`, and the oldest of them.
pub fn failures_for_email(
    conn: &mut DbConnection,
    email: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.ge(since))
        .select((diesel::dsl::count_star(), diesel::dsl::min(login_attempts::attempted_at)))
        .first(conn)
}

/// Failed attempts from this address since `since`, and the oldest of them.
pub fn failures_for_address(
    conn: &mut DbConnection,
    ip: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    login_attempts::table
        .filter(login_attempts::ip_address.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.ge(since))
        .select((diesel::dsl::count_star(), diesel::dsl::min(login_attempts::attempted_at)))
        .first(conn)
}

/// Failed attempts on this account from this address since `since`, and the oldest of them.
pub fn failures_for_pair(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::ip_address.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.ge(since))
        .select((diesel::dsl::count_star(), diesel::dsl::min(login_attempts::attempted_at)))
        .first(conn)
}

/// An attempt (counted as a failure until its password was checked) succeeded.
pub fn mark_succeeded(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::update(login_attempts::table.find(id)).set(login_attempts::succeeded.eq(true)).execute(conn)
}

/// A successful sign-in clears the failures of the account from that address.
pub fn clear_failures_for_pair(conn: &mut DbConnection, email: &str, ip: &str) -> QueryResult<usize> {
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::ip_address.eq(ip))
            .filter(login_attempts::succeeded.eq(false)),
    )
    .execute(conn)
}

pub fn delete_attempts_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::attempted_at.lt(before))).execute(conn)
}

/// A form sent after its sender's session had expired, kept for them (`services::signed_out`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signed_out_forms)]
pub struct SignedOutForm {
    pub id: String,
    pub user_id: String,
    /// The path the form was sent to.
    pub action: String,
    /// The page the form was on (path and query), where it comes back.
    pub return_to: String,
    /// The fields sent (JSON: an array of [name, value] pairs, without the CSRF token).
    pub fields: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_signed_out_form(conn: &mut DbConnection, form: &SignedOutForm) -> QueryResult<()> {
    diesel::insert_into(signed_out_forms::table).values(form).execute(conn).map(|_| ())
}

pub fn find_signed_out_form(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SignedOutForm>> {
    signed_out_forms::table.find(id).select(SignedOutForm::as_select()).first(conn).optional()
}

pub fn delete_signed_out_form(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(signed_out_forms::table.find(id)).execute(conn)
}

/// Deletes a user's kept forms sent to `action` (a newer one replaces them).
pub fn delete_signed_out_forms_for(conn: &mut DbConnection, user_id: &str, action: &str) -> QueryResult<usize> {
    diesel::delete(
        signed_out_forms::table
            .filter(signed_out_forms::user_id.eq(user_id))
            .filter(signed_out_forms::action.eq(action)),
    )
    .execute(conn)
}

pub fn delete_expired_signed_out_forms(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(signed_out_forms::table.filter(signed_out_forms::expires_at.lt(now))).execute(conn)
}

/// A user's sessions, most recently used first.
pub fn list_for_user(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .order(sessions::last_seen_at.desc())
        .select(Session::as_select())
        .load(conn)
}

/// Deletes one of the user's sessions (none if the session is someone else's).
pub fn delete_of_user(conn: &mut DbConnection, id: &str, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id).filter(sessions::user_id.eq(user_id))).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = known_browsers)]
pub struct KnownBrowser {
    pub id: String,
    pub user_id: String,
    /// SHA-256 (hex) of the token in the browser's cookie.
    pub token_hash: String,
    pub user_agent: Option<String>,
    pub first_seen_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn find_browser(conn: &mut DbConnection, user_id: &str, token_hash: &str) -> QueryResult<Option<KnownBrowser>> {
    known_browsers::table
        .filter(known_browsers::user_id.eq(user_id))
        .filter(known_browsers::token_hash.eq(token_hash))
        .select(KnownBrowser::as_select())
        .first(conn)
        .optional()
}

pub fn count_browsers(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    known_browsers::table.filter(known_browsers::user_id.eq(user_id)).count().get_result(conn)
}

pub fn insert_browser(conn: &mut DbConnection, browser: &KnownBrowser) -> QueryResult<()> {
    diesel::insert_into(known_browsers::table).values(browser).execute(conn).map(|_| ())
}

pub fn touch_browser(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(known_browsers::table.find(id)).set(known_browsers::last_seen_at.eq(at)).execute(conn)
}

/// Deletes a session that is still waiting for its second factor (when it passes, a new session
/// with a new token replaces it).
pub fn delete_pending(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id).filter(sessions::second_factor_pending.eq(true))).execute(conn)
}
