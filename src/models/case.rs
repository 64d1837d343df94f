use crate::db::schema::{case_notes, cases, sequences};
use crate::db::DbConnection;
pub use crate::models::enums::CaseStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cases)]
pub struct Case {
    pub id: String,
    pub reference: String,
    pub status: CaseStatus,
    pub summary: String,
    pub authority_id: String,
    pub assigned_user_id: Option<String>,
    pub received_on: NaiveDate,
    pub ack_due_on: NaiveDate,
    pub acknowledged_on: Option<NaiveDate>,
    pub assessment_due_on: NaiveDate,
    pub assessed_on: Option<NaiveDate>,
    pub closed_at: Option<NaiveDateTime>,
    pub closure_reason: Option<String>,
    pub retain_until: Option<NaiveDate>,
    pub destroyed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub search_text: String,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub status: Option<CaseStatus>,
    pub summary: Option<String>,
    pub assigned_user_id: Option<Option<String>>,
    pub acknowledged_on: Option<Option<NaiveDate>>,
    pub assessed_on: Option<Option<NaiveDate>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
    pub closure_reason: Option<Option<String>>,
    pub search_text: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, c: &Case) -> QueryResult<()> {
    diesel::insert_into(cases::table).values(c).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Case>> {
    cases::table.find(id).select(Case::as_select()).first(conn).optional()
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> QueryResult<Option<Case>> {
    cases::table.filter(cases::reference.eq(reference)).select(Case::as_select()).first(conn).optional()
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &CaseChanges) -> QueryResult<usize> {
    diesel::update(cases::table.find(id)).set(changes).execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    cases::table.count().get_result(conn)
}

/// Increments a named counter inside the caller's transaction and returns the new value. The
/// UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before the read, so two
/// transactions never get the same number.
pub fn next_in_sequence(conn: &mut DbConnection, name: &str) -> QueryResult<i64> {
    let updated =
        diesel::update(sequences::table.find(name)).set(sequences::value.eq(sequences::value + 1)).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(sequences::table)
            .values((sequences::name.eq(name), sequences::value.eq(1i64)))
            .execute(conn)?;
    }
    sequences::table.find(name).select(sequences::value).first(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = case_notes)]
pub struct CaseNote {
    pub id: String,
    pub case_id: String,
    pub author_user_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_note(conn: &mut DbConnection, n: &CaseNote) -> QueryResult<()> {
    diesel::insert_into(case_notes::table).values(n).execute(conn).map(|_| ())
}

pub fn list_notes(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<CaseNote>> {
    case_notes::table
        .filter(case_notes::case_id.eq(case_id))
        .order(case_notes::created_at.desc())
        .select(CaseNote::as_select())
        .load(conn)
}
