//! Evidence items, their versions and files, their links to allegations, and the custody log.

use crate::db::schema::{
    allegations, code_provisions, custody_log, evidence_allegations, evidence_files, evidence_items, evidence_versions,
    members,
};
use crate::db::DbConnection;
pub use crate::models::enums::{EvidenceKind, EvidenceSource, EvidenceStatus};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evidence_items)]
pub struct EvidenceItem {
    pub id: String,
    pub case_id: String,
    pub number: i32,
    pub kind: EvidenceKind,
    pub source: EvidenceSource,
    pub status: EvidenceStatus,
    pub status_checked_at: Option<NaiveDateTime>,
    pub current_version: i32,
    pub complaint_id: Option<String>,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub custody_head: String,
    pub custody_count: i32,
    /// The registered account the item was captured from (matched by URL or platform and handle).
    pub member_account_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evidence_versions)]
pub struct EvidenceVersion {
    pub id: String,
    pub item_id: String,
    pub version: i32,
    pub title: String,
    pub platform: Option<String>,
    pub url: Option<String>,
    pub canonical_url: Option<String>,
    pub account_handle: Option<String>,
    pub display_name: Option<String>,
    pub account_bio: Option<String>,
    pub post_text: Option<String>,
    pub posted_at: Option<NaiveDateTime>,
    pub captured_at: NaiveDateTime,
    pub captured_by: String,
    pub notes: Option<String>,
    pub change_reason: Option<String>,
    pub created_by_user_id: Option<String>,
    pub created_by_label: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evidence_files)]
pub struct EvidenceFile {
    pub id: String,
    pub item_id: String,
    pub sha256: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub added_by_label: String,
    pub added_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = custody_log)]
pub struct CustodyEntry {
    pub id: String,
    pub item_id: String,
    pub seq: i32,
    pub action: String,
    pub file_sha256: Option<String>,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub ip_address: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub details: String,
    pub prev_hash: String,
    pub entry_hash: String,
    /// `sha256` or `hmac-sha256` (keyed with `EVIDENCE_KEY`): see `services::evidence::custody`.
    pub hash_scheme: String,
}

pub fn insert_item(conn: &mut DbConnection, i: &EvidenceItem) -> QueryResult<()> {
    diesel::insert_into(evidence_items::table).values(i).execute(conn).map(|_| ())
}

/// Links the item to the registered account it was captured from (or unlinks it).
pub fn set_member_account(conn: &mut DbConnection, item_id: &str, account_id: Option<&str>) -> QueryResult<usize> {
    diesel::update(evidence_items::table.find(item_id))
        .set(evidence_items::member_account_id.eq(account_id))
        .execute(conn)
}

pub fn insert_version(conn: &mut DbConnection, v: &EvidenceVersion) -> QueryResult<()> {
    diesel::insert_into(evidence_versions::table).values(v).execute(conn).map(|_| ())
}

pub fn insert_file(conn: &mut DbConnection, f: &EvidenceFile) -> QueryResult<()> {
    diesel::insert_into(evidence_files::table).values(f).execute(conn).map(|_| ())
}

pub fn insert_custody(conn: &mut DbConnection, e: &CustodyEntry) -> QueryResult<()> {
    diesel::insert_into(custody_log::table).values(e).execute(conn).map(|_| ())
}

pub fn link_allegation(conn: &mut DbConnection, item_id: &str, allegation_id: &str) -> QueryResult<()> {
    diesel::insert_into(evidence_allegations::table)
        .values((evidence_allegations::item_id.eq(item_id), evidence_allegations::allegation_id.eq(allegation_id)))
        .execute(conn)
        .map(|_| ())
}

pub fn unlink_allegations(conn: &mut DbConnection, item_id: &str) -> QueryResult<usize> {
    diesel::delete(evidence_allegations::table.filter(evidence_allegations::item_id.eq(item_id))).execute(conn)
}

pub fn allegations_of(conn: &mut DbConnection, item_id: &str) -> QueryResult<Vec<String>> {
    evidence_allegations::table
        .filter(evidence_allegations::item_id.eq(item_id))
        .select(evidence_allegations::allegation_id)
        .load(conn)
}

pub fn find_item(conn: &mut DbConnection, id: &str) -> QueryResult<Option<EvidenceItem>> {
    evidence_items::table.find(id).select(EvidenceItem::as_select()).first(conn).optional()
}

pub fn list_items(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<EvidenceItem>> {
    evidence_items::table
        .filter(evidence_items::case_id.eq(case_id))
        .order(evidence_items::number.asc())
        .select(EvidenceItem::as_select())
        .load(conn)
}

/// An item of the case by its number (E3 is number 3).
pub fn find_item_by_number(conn: &mut DbConnection, case_id: &str, number: i32) -> QueryResult<Option<EvidenceItem>> {
    evidence_items::table
        .filter(evidence_items::case_id.eq(case_id))
        .filter(evidence_items::number.eq(number))
        .select(EvidenceItem::as_select())
        .first(conn)
        .optional()
}

pub fn count_items(conn: &mut DbConnection, case_id: &str) -> QueryResult<i64> {
    evidence_items::table.filter(evidence_items::case_id.eq(case_id)).count().get_result(conn)
}

/// An allegation of a case as evidence can be linked to it: its id, the member's name and the
/// code provision's number and heading, in the order the allegations were made.
#[derive(Debug, Clone, Queryable)]
pub struct AllegationOption {
    pub id: String,
    pub member_name: String,
    pub provision_number: String,
    pub provision_heading: String,
}

pub fn allegation_options(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<AllegationOption>> {
    allegations::table
        .inner_join(members::table)
        .inner_join(code_provisions::table)
        .filter(allegations::case_id.eq(case_id))
        .order((allegations::created_at.asc(), allegations::id.asc()))
        .select((allegations::id, members::full_name, code_provisions::number, code_provisions::heading))
        .load(conn)
}

pub fn list_all_items(conn: &mut DbConnection) -> QueryResult<Vec<EvidenceItem>> {
    evidence_items::table.order(evidence_items::created_at.asc()).select(EvidenceItem::as_select()).load(conn)
}

pub fn next_number(conn: &mut DbConnection, case_id: &str) -> QueryResult<i32> {
    let max: Option<i32> = evidence_items::table
        .filter(evidence_items::case_id.eq(case_id))
        .select(diesel::dsl::max(evidence_items::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn versions(conn: &mut DbConnection, item_id: &str) -> QueryResult<Vec<EvidenceVersion>> {
    evidence_versions::table
        .filter(evidence_versions::item_id.eq(item_id))
        .order(evidence_versions::version.asc())
        .select(EvidenceVersion::as_select())
        .load(conn)
}

pub fn current_version(conn: &mut DbConnection, item: &EvidenceItem) -> QueryResult<EvidenceVersion> {
    evidence_versions::table
        .filter(evidence_versions::item_id.eq(&item.id))
        .filter(evidence_versions::version.eq(item.current_version))
        .select(EvidenceVersion::as_select())
        .first(conn)
}

pub fn files(conn: &mut DbConnection, item_id: &str) -> QueryResult<Vec<EvidenceFile>> {
    evidence_files::table
        .filter(evidence_files::item_id.eq(item_id))
        .order(evidence_files::added_at.asc())
        .select(EvidenceFile::as_select())
        .load(conn)
}

pub fn custody(conn: &mut DbConnection, item_id: &str) -> QueryResult<Vec<CustodyEntry>> {
    custody_log::table
        .filter(custody_log::item_id.eq(item_id))
        .order(custody_log::seq.asc())
        .select(CustodyEntry::as_select())
        .load(conn)
}

/// Whether the user has a custody entry of `action` on the item since the time.
pub fn has_custody_since(
    conn: &mut DbConnection,
    item_id: &str,
    user_id: &str,
    action: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    let n: i64 = custody_log::table
        .filter(custody_log::item_id.eq(item_id))
        .filter(custody_log::actor_user_id.eq(user_id))
        .filter(custody_log::action.eq(action))
        .filter(custody_log::occurred_at.ge(since))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn last_custody(conn: &mut DbConnection, item_id: &str) -> QueryResult<Option<CustodyEntry>> {
    custody_log::table
        .filter(custody_log::item_id.eq(item_id))
        .order(custody_log::seq.desc())
        .select(CustodyEntry::as_select())
        .first(conn)
        .optional()
}

pub fn set_custody_head(conn: &mut DbConnection, item_id: &str, head: &str, count: i32) -> QueryResult<usize> {
    diesel::update(evidence_items::table.find(item_id))
        .set((evidence_items::custody_head.eq(head), evidence_items::custody_count.eq(count)))
        .execute(conn)
}

pub fn set_status(
    conn: &mut DbConnection,
    item_id: &str,
    status: EvidenceStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(evidence_items::table.find(item_id))
        .set((evidence_items::status.eq(status), evidence_items::status_checked_at.eq(Some(at))))
        .execute(conn)
}

pub fn set_current_version(conn: &mut DbConnection, item_id: &str, version: i32) -> QueryResult<usize> {
    diesel::update(evidence_items::table.find(item_id)).set(evidence_items::current_version.eq(version)).execute(conn)
}
