//! The `settings` table: values an admin can change, by key.

use crate::db::schema::settings;
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    settings::table.find(key).select(settings::value).first(conn).optional()
}

/// Sets a value, adding the key if it is not there yet.
pub fn put(
    conn: &mut DbConnection,
    key: &str,
    value: &str,
    at: NaiveDateTime,
    by_user_id: Option<&str>,
) -> QueryResult<()> {
    let updated = diesel::update(settings::table.find(key))
        .set((settings::value.eq(value), settings::updated_at.eq(at), settings::updated_by_user_id.eq(by_user_id)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values((
                settings::key.eq(key),
                settings::value.eq(value),
                settings::updated_at.eq(at),
                settings::updated_by_user_id.eq(by_user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Removes a key (its default applies again).
pub fn delete(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(settings::table.find(key)).execute(conn)
}
