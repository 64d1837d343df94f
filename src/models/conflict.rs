//! `conflict_declarations`: a user's declared conflict of interest on a case (which removes their
//! access, `services::access`), and the Monitoring Officer's finding that it is not disqualifying.

use crate::db::schema::conflict_declarations;
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = conflict_declarations)]
pub struct ConflictDeclaration {
    pub id: String,
    pub case_id: String,
    pub user_id: String,
    pub reason: String,
    pub declared_at: NaiveDateTime,
    pub cleared_by_user_id: Option<String>,
    pub cleared_at: Option<NaiveDateTime>,
    pub cleared_reason: Option<String>,
}

pub fn insert(conn: &mut DbConnection, d: &ConflictDeclaration) -> QueryResult<()> {
    diesel::insert_into(conflict_declarations::table).values(d).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ConflictDeclaration>> {
    conflict_declarations::table.find(id).select(ConflictDeclaration::as_select()).first(conn).optional()
}

/// A case's declarations, oldest first.
pub fn for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<ConflictDeclaration>> {
    conflict_declarations::table
        .filter(conflict_declarations::case_id.eq(case_id))
        .order((conflict_declarations::declared_at.asc(), conflict_declarations::id.asc()))
        .select(ConflictDeclaration::as_select())
        .load(conn)
}

/// Records that the declaration is not disqualifying.
pub fn clear(conn: &mut DbConnection, id: &str, by: &str, at: NaiveDateTime, reason: &str) -> QueryResult<usize> {
    diesel::update(conflict_declarations::table.find(id))
        .set((
            conflict_declarations::cleared_by_user_id.eq(Some(by)),
            conflict_declarations::cleared_at.eq(Some(at)),
            conflict_declarations::cleared_reason.eq(Some(reason)),
        ))
        .execute(conn)
}
