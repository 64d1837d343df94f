use crate::db::schema::recovery_codes;
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recovery_codes)]
pub struct RecoveryCode {
    /// Random; also the salt of the hash.
    pub id: String,
    pub user_id: String,
    /// SHA-256 (hex) of the id and the code.
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, code: &RecoveryCode) -> QueryResult<()> {
    diesel::insert_into(recovery_codes::table).values(code).execute(conn).map(|_| ())
}

pub fn unused_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<RecoveryCode>> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .select(RecoveryCode::as_select())
        .load(conn)
}

/// Marks a code used, if it was not: 1 if this call used it.
pub fn mark_used(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(recovery_codes::table.find(id).filter(recovery_codes::used_at.is_null()))
        .set(recovery_codes::used_at.eq(at))
        .execute(conn)
}

pub fn delete_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))).execute(conn)
}
