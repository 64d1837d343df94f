//! The written confirmation of a complaint taken by telephone or in person (s.28(9), issue 16):
//! an email recorded, or a letter or signed statement kept as one of the complaint's files.

use crate::db::schema::{complaints, written_confirmations};
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = written_confirmations)]
pub struct WrittenConfirmation {
    pub id: String,
    pub complaint_id: String,
    /// `email` or `document` (vocab::WRITTEN_CONFIRMATION_KINDS).
    pub kind: String,
    pub received_on: NaiveDate,
    /// The email as received (sender and text), or what the document is.
    pub detail: String,
    /// The uploaded letter or statement, a row of `complaint_files`.
    pub complaint_file_id: Option<String>,
    pub recorded_by_user_id: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, w: &WrittenConfirmation) -> QueryResult<()> {
    diesel::insert_into(written_confirmations::table).values(w).execute(conn).map(|_| ())
}

pub fn list_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<WrittenConfirmation>> {
    written_confirmations::table
        .inner_join(complaints::table)
        .filter(complaints::case_id.eq(case_id))
        .select(WrittenConfirmation::as_select())
        .load(conn)
}

pub fn for_complaint(conn: &mut DbConnection, complaint_id: &str) -> QueryResult<Option<WrittenConfirmation>> {
    written_confirmations::table
        .filter(written_confirmations::complaint_id.eq(complaint_id))
        .select(WrittenConfirmation::as_select())
        .first(conn)
        .optional()
}

/// Removes the confirmations of these complaints (retention: their files go with the complaint's).
pub fn delete_for_complaints(conn: &mut DbConnection, complaint_ids: &[String]) -> QueryResult<usize> {
    diesel::delete(written_confirmations::table.filter(written_confirmations::complaint_id.eq_any(complaint_ids)))
        .execute(conn)
}
