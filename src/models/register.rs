//! Wards of a council and stored register imports (the CSV kept between preview and confirm).

use crate::db::schema::{register_imports, wards};
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = wards)]
pub struct Ward {
    pub id: String,
    pub authority_id: String,
    pub name: String,
    pub retired_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

pub fn insert_ward(conn: &mut DbConnection, w: &Ward) -> QueryResult<()> {
    diesel::insert_into(wards::table).values(w).execute(conn).map(|_| ())
}

pub fn find_ward(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Ward>> {
    wards::table.find(id).select(Ward::as_select()).first(conn).optional()
}

/// Every ward of a council (retired ones too), by name.
pub fn list_wards(conn: &mut DbConnection, authority_id: &str) -> QueryResult<Vec<Ward>> {
    wards::table
        .filter(wards::authority_id.eq(authority_id))
        .order(wards::name.asc())
        .select(Ward::as_select())
        .load(conn)
}

/// Every ward of every council (for an import's checks).
pub fn list_all_wards(conn: &mut DbConnection) -> QueryResult<Vec<Ward>> {
    wards::table.order(wards::name.asc()).select(Ward::as_select()).load(conn)
}

pub fn retire_ward(conn: &mut DbConnection, id: &str, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(wards::table.find(id)).set(wards::retired_on.eq(Some(on))).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = register_imports)]
pub struct RegisterImport {
    pub id: String,
    /// `members` or `accounts`.
    pub kind: String,
    pub filename: String,
    pub csv: String,
    pub sha256: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    pub summary: Option<String>,
}

pub fn insert_import(conn: &mut DbConnection, i: &RegisterImport) -> QueryResult<()> {
    diesel::insert_into(register_imports::table).values(i).execute(conn).map(|_| ())
}

pub fn find_import(conn: &mut DbConnection, id: &str) -> QueryResult<Option<RegisterImport>> {
    register_imports::table.find(id).select(RegisterImport::as_select()).first(conn).optional()
}

/// Marks an import applied, once: 0 rows when another request applied it first.
pub fn mark_import_applied(conn: &mut DbConnection, id: &str, at: NaiveDateTime, summary: &str) -> QueryResult<usize> {
    diesel::update(register_imports::table.find(id).filter(register_imports::applied_at.is_null()))
        .set((register_imports::applied_at.eq(Some(at)), register_imports::summary.eq(Some(summary))))
        .execute(conn)
}

/// The latest imports, newest first.
pub fn list_recent_imports(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<RegisterImport>> {
    register_imports::table
        .order(register_imports::created_at.desc())
        .limit(limit)
        .select(RegisterImport::as_select())
        .load(conn)
}
