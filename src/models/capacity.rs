use crate::db::schema::{capacity_questions, capacity_test_versions};
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = capacity_test_versions)]
pub struct CapacityTestVersion {
    pub id: String,
    pub version: i32,
    pub title: String,
    pub definition: String,
    pub checksum: String,
    pub loaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = capacity_questions)]
pub struct CapacityQuestion {
    pub id: String,
    pub test_version_id: String,
    pub code: String,
    pub position: i32,
    pub section: String,
    pub question: String,
    pub guidance: String,
    pub weight: String,
    pub points_to: String,
}

pub fn find_version(conn: &mut DbConnection, version: i32) -> QueryResult<Option<CapacityTestVersion>> {
    capacity_test_versions::table
        .filter(capacity_test_versions::version.eq(version))
        .select(CapacityTestVersion::as_select())
        .first(conn)
        .optional()
}

pub fn latest_version(conn: &mut DbConnection) -> QueryResult<Option<CapacityTestVersion>> {
    capacity_test_versions::table
        .order(capacity_test_versions::version.desc())
        .select(CapacityTestVersion::as_select())
        .first(conn)
        .optional()
}

pub fn insert_version(conn: &mut DbConnection, v: &CapacityTestVersion) -> QueryResult<()> {
    diesel::insert_into(capacity_test_versions::table).values(v).execute(conn).map(|_| ())
}

pub fn insert_question(conn: &mut DbConnection, q: &CapacityQuestion) -> QueryResult<()> {
    diesel::insert_into(capacity_questions::table).values(q).execute(conn).map(|_| ())
}

/// The stored definition (JSON, as loaded from seeds) of a test version.
pub fn definition_text(conn: &mut DbConnection, test_version_id: &str) -> QueryResult<String> {
    capacity_test_versions::table.find(test_version_id).select(capacity_test_versions::definition).first(conn)
}

/// The version number of a loaded test version.
pub fn version_number(conn: &mut DbConnection, test_version_id: &str) -> QueryResult<i32> {
    capacity_test_versions::table.find(test_version_id).select(capacity_test_versions::version).first(conn)
}

/// Every loaded test version, oldest first.
pub fn list_versions(conn: &mut DbConnection) -> QueryResult<Vec<CapacityTestVersion>> {
    capacity_test_versions::table
        .order(capacity_test_versions::version.asc())
        .select(CapacityTestVersion::as_select())
        .load(conn)
}
