use crate::db::schema::{authority_codes, code_provisions, code_versions, codes_of_conduct};
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = codes_of_conduct)]
pub struct CodeOfConduct {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    /// The council that owns a local code or protocol; `None` for a national model code.
    pub authority_id: Option<String>,
    /// `code` (a code of conduct) or `protocol` (a social media protocol adopted beside it).
    pub kind: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = code_versions)]
pub struct CodeVersion {
    pub id: String,
    pub code_id: String,
    pub version_label: String,
    pub published_on: NaiveDate,
    pub source: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = code_provisions)]
pub struct CodeProvision {
    pub id: String,
    pub code_version_id: String,
    pub number: String,
    pub heading: String,
    pub summary: String,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = authority_codes)]
pub struct AuthorityCode {
    pub id: String,
    pub authority_id: String,
    pub code_version_id: String,
    pub adopted_on: NaiveDate,
    pub superseded_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

pub fn find_code_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<CodeOfConduct>> {
    codes_of_conduct::table
        .filter(codes_of_conduct::slug.eq(slug))
        .select(CodeOfConduct::as_select())
        .first(conn)
        .optional()
}

pub fn insert_code(conn: &mut DbConnection, c: &CodeOfConduct) -> QueryResult<()> {
    diesel::insert_into(codes_of_conduct::table).values(c).execute(conn).map(|_| ())
}

pub fn find_version(conn: &mut DbConnection, code_id: &str, label: &str) -> QueryResult<Option<CodeVersion>> {
    code_versions::table
        .filter(code_versions::code_id.eq(code_id))
        .filter(code_versions::version_label.eq(label))
        .select(CodeVersion::as_select())
        .first(conn)
        .optional()
}

pub fn insert_version(conn: &mut DbConnection, v: &CodeVersion) -> QueryResult<()> {
    diesel::insert_into(code_versions::table).values(v).execute(conn).map(|_| ())
}

pub fn insert_provision(conn: &mut DbConnection, p: &CodeProvision) -> QueryResult<()> {
    diesel::insert_into(code_provisions::table).values(p).execute(conn).map(|_| ())
}

pub fn list_provisions(conn: &mut DbConnection, code_version_id: &str) -> QueryResult<Vec<CodeProvision>> {
    code_provisions::table
        .filter(code_provisions::code_version_id.eq(code_version_id))
        .order(code_provisions::position.asc())
        .select(CodeProvision::as_select())
        .load(conn)
}

pub fn insert_adoption(conn: &mut DbConnection, a: &AuthorityCode) -> QueryResult<()> {
    diesel::insert_into(authority_codes::table).values(a).execute(conn).map(|_| ())
}

pub const KIND_CODE: &str = "code";
pub const KIND_PROTOCOL: &str = "protocol";

/// The code version an authority had in force on `day`: adopted on or before it and not
/// superseded by then; the latest adoption wins.
pub fn version_in_force(
    conn: &mut DbConnection,
    authority_id: &str,
    day: NaiveDate,
) -> QueryResult<Option<CodeVersion>> {
    authority_codes::table
        .inner_join(code_versions::table.inner_join(codes_of_conduct::table))
        .filter(codes_of_conduct::kind.eq(KIND_CODE))
        .filter(authority_codes::authority_id.eq(authority_id))
        .filter(authority_codes::adopted_on.le(day))
        .filter(authority_codes::superseded_on.is_null().or(authority_codes::superseded_on.gt(day)))
        .order(authority_codes::adopted_on.desc())
        .select(CodeVersion::as_select())
        .first(conn)
        .optional()
}

/// The social media protocol an authority had adopted beside its code on `day`, if any (the
/// same rule as [`version_in_force`], for codes of kind `protocol`).
pub fn protocol_in_force(
    conn: &mut DbConnection,
    authority_id: &str,
    day: NaiveDate,
) -> QueryResult<Option<CodeVersion>> {
    authority_codes::table
        .inner_join(code_versions::table.inner_join(codes_of_conduct::table))
        .filter(codes_of_conduct::kind.eq(KIND_PROTOCOL))
        .filter(authority_codes::authority_id.eq(authority_id))
        .filter(authority_codes::adopted_on.le(day))
        .filter(authority_codes::superseded_on.is_null().or(authority_codes::superseded_on.gt(day)))
        .order(authority_codes::adopted_on.desc())
        .select(CodeVersion::as_select())
        .first(conn)
        .optional()
}

/// The provisions with these ids (any code version).
pub fn find_provisions(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<CodeProvision>> {
    code_provisions::table.filter(code_provisions::id.eq_any(ids)).select(CodeProvision::as_select()).load(conn)
}

/// Every adoption of a council, with its version and code, newest first.
pub fn list_adoptions(
    conn: &mut DbConnection,
    authority_id: &str,
) -> QueryResult<Vec<(AuthorityCode, CodeVersion, CodeOfConduct)>> {
    authority_codes::table
        .inner_join(code_versions::table.inner_join(codes_of_conduct::table))
        .filter(authority_codes::authority_id.eq(authority_id))
        .order(authority_codes::adopted_on.desc())
        .select((AuthorityCode::as_select(), CodeVersion::as_select(), CodeOfConduct::as_select()))
        .load(conn)
}

/// Ends a council's adoptions of this kind still open and adopted before `on`, on `on`.
pub fn supersede_open(conn: &mut DbConnection, authority_id: &str, kind: &str, on: NaiveDate) -> QueryResult<usize> {
    let ids: Vec<String> = authority_codes::table
        .inner_join(code_versions::table.inner_join(codes_of_conduct::table))
        .filter(authority_codes::authority_id.eq(authority_id))
        .filter(codes_of_conduct::kind.eq(kind))
        .filter(authority_codes::superseded_on.is_null())
        .filter(authority_codes::adopted_on.lt(on))
        .select(authority_codes::id)
        .load(conn)?;
    diesel::update(authority_codes::table.filter(authority_codes::id.eq_any(&ids)))
        .set(authority_codes::superseded_on.eq(Some(on)))
        .execute(conn)
}

/// Every version of every national code (no owning council), with its code.
pub fn list_national_versions(conn: &mut DbConnection) -> QueryResult<Vec<(CodeVersion, CodeOfConduct)>> {
    code_versions::table
        .inner_join(codes_of_conduct::table)
        .filter(codes_of_conduct::authority_id.is_null())
        .order((codes_of_conduct::title.asc(), code_versions::published_on.desc()))
        .select((CodeVersion::as_select(), CodeOfConduct::as_select()))
        .load(conn)
}

pub fn find_version_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<(CodeVersion, CodeOfConduct)>> {
    code_versions::table
        .inner_join(codes_of_conduct::table)
        .filter(code_versions::id.eq(id))
        .select((CodeVersion::as_select(), CodeOfConduct::as_select()))
        .first(conn)
        .optional()
}

pub fn update_provision(
    conn: &mut DbConnection,
    id: &str,
    number: &str,
    heading: &str,
    summary: &str,
) -> QueryResult<usize> {
    diesel::update(code_provisions::table.find(id))
        .set((
            code_provisions::number.eq(number),
            code_provisions::heading.eq(heading),
            code_provisions::summary.eq(summary),
        ))
        .execute(conn)
}
