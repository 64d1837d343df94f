use crate::db::schema::password_resets;
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = password_resets)]
pub struct PasswordReset {
    /// SHA-256 (hex) of the token in the link.
    pub id: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub requested_by_user_id: Option<String>,
}

pub fn insert(conn: &mut DbConnection, reset: &PasswordReset) -> QueryResult<()> {
    diesel::insert_into(password_resets::table).values(reset).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PasswordReset>> {
    password_resets::table.find(id).select(PasswordReset::as_select()).first(conn).optional()
}

/// When the newest link for the user was made, if any.
pub fn latest_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<NaiveDateTime>> {
    password_resets::table
        .filter(password_resets::user_id.eq(user_id))
        .select(diesel::dsl::max(password_resets::created_at))
        .first(conn)
}

/// Marks every unused link of the user used (the one just used, and any others).
pub fn use_all_for_user(conn: &mut DbConnection, user_id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        password_resets::table.filter(password_resets::user_id.eq(user_id)).filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(at))
    .execute(conn)
}

/// Marks this link used, if it was not already: 1 if this call used it, 0 if it had been.
pub fn mark_used(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(password_resets::table.find(id).filter(password_resets::used_at.is_null()))
        .set(password_resets::used_at.eq(at))
        .execute(conn)
}

pub fn delete_expired_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(password_resets::table.filter(password_resets::expires_at.lt(before))).execute(conn)
}
