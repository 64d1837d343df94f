use crate::db::schema::{
    anonymous_uploads, complaint_drafts, complaint_files, custody_log, disclosures, draft_files, evidence_files,
    investigation_entries, party_files, party_items, rate_limit_events, stored_files,
};
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = stored_files)]
pub struct StoredFile {
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub created_at: NaiveDateTime,
}

pub fn find_stored(conn: &mut DbConnection, sha256: &str) -> QueryResult<Option<StoredFile>> {
    stored_files::table.find(sha256).select(StoredFile::as_select()).first(conn).optional()
}

/// Records a stored file once; the same bytes arriving again change nothing. Call inside a write
/// transaction: the hash is locked first, so two uploads of the same bytes at once (a screenshot
/// shared in a viral spike) do not both insert it (on PostgreSQL; SQLite's writers queue anyway).
pub fn insert_stored_if_missing(conn: &mut DbConnection, f: &StoredFile) -> QueryResult<bool> {
    crate::db::lock_keys(conn, &[&format!("stored-file:{}", f.sha256)])?;
    if find_stored(conn, &f.sha256)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(stored_files::table).values(f).execute(conn).map(|_| true)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = complaint_drafts)]
pub struct ComplaintDraft {
    pub id: String,
    pub owner_hash: String,
    pub data: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub case_reference: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = draft_files)]
pub struct DraftFile {
    pub id: String,
    pub draft_id: String,
    pub sha256: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uploaded_at: NaiveDateTime,
}

pub fn find_draft(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ComplaintDraft>> {
    complaint_drafts::table.find(id).select(ComplaintDraft::as_select()).first(conn).optional()
}

pub fn insert_draft(conn: &mut DbConnection, d: &ComplaintDraft) -> QueryResult<()> {
    diesel::insert_into(complaint_drafts::table).values(d).execute(conn).map(|_| ())
}

pub fn update_draft_data(conn: &mut DbConnection, id: &str, data: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(complaint_drafts::table.find(id))
        .set((complaint_drafts::data.eq(data), complaint_drafts::updated_at.eq(at)))
        .execute(conn)
}

pub fn mark_draft_submitted(
    conn: &mut DbConnection,
    id: &str,
    reference: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(complaint_drafts::table.find(id).filter(complaint_drafts::submitted_at.is_null()))
        .set((complaint_drafts::submitted_at.eq(Some(at)), complaint_drafts::case_reference.eq(Some(reference))))
        .execute(conn)
}

pub fn insert_draft_file(conn: &mut DbConnection, f: &DraftFile) -> QueryResult<()> {
    diesel::insert_into(draft_files::table).values(f).execute(conn).map(|_| ())
}

pub fn list_draft_files(conn: &mut DbConnection, draft_id: &str) -> QueryResult<Vec<DraftFile>> {
    draft_files::table
        .filter(draft_files::draft_id.eq(draft_id))
        .order(draft_files::uploaded_at.asc())
        .select(DraftFile::as_select())
        .load(conn)
}

pub fn delete_draft_file(conn: &mut DbConnection, draft_id: &str, file_id: &str) -> QueryResult<usize> {
    diesel::delete(draft_files::table.filter(draft_files::draft_id.eq(draft_id)).filter(draft_files::id.eq(file_id)))
        .execute(conn)
}

/// Drafts never submitted and untouched since `before` (their files stay in the store only if
/// something else refers to them).
pub fn delete_stale_drafts(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let stale: Vec<String> = complaint_drafts::table
        .filter(complaint_drafts::updated_at.lt(before))
        .select(complaint_drafts::id)
        .load(conn)?;
    diesel::delete(draft_files::table.filter(draft_files::draft_id.eq_any(&stale))).execute(conn)?;
    diesel::delete(complaint_drafts::table.filter(complaint_drafts::id.eq_any(&stale))).execute(conn)
}

pub fn count_rate_events(
    conn: &mut DbConnection,
    bucket: &str,
    subject: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    rate_limit_events::table
        .filter(rate_limit_events::bucket.eq(bucket))
        .filter(rate_limit_events::subject.eq(subject))
        .filter(rate_limit_events::occurred_at.ge(since))
        .count()
        .get_result(conn)
}

pub fn insert_rate_event(
    conn: &mut DbConnection,
    id: &str,
    bucket: &str,
    subject: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(rate_limit_events::table)
        .values((
            rate_limit_events::id.eq(id),
            rate_limit_events::bucket.eq(bucket),
            rate_limit_events::subject.eq(subject),
            rate_limit_events::occurred_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_rate_events_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(rate_limit_events::table.filter(rate_limit_events::occurred_at.lt(before))).execute(conn)
}

/// Stored files recorded before `before` that nothing refers to: no draft, complaint, evidence
/// file, custody entry or investigation entry (at most `limit` of them). Every table with a
/// column naming a stored file must be listed here.
pub fn unreferenced_stored(conn: &mut DbConnection, before: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    use diesel::dsl::not;
    stored_files::table
        .filter(stored_files::created_at.lt(before))
        .filter(not(stored_files::sha256.eq_any(draft_files::table.select(draft_files::sha256))))
        .filter(not(stored_files::sha256.eq_any(complaint_files::table.select(complaint_files::sha256))))
        .filter(not(stored_files::sha256.eq_any(evidence_files::table.select(evidence_files::sha256))))
        .filter(not(stored_files::sha256.eq_any(disclosures::table.select(disclosures::sha256))))
        // A file of further evidence an officer declined is no longer kept (its record keeps the
        // name and SHA-256): only the files of items not declined hold theirs.
        .filter(not(stored_files::sha256.eq_any(
            party_files::table
                .filter(
                    party_files::party_item_id
                        .eq_any(party_items::table.filter(party_items::status.ne("declined")).select(party_items::id)),
                )
                .select(party_files::sha256),
        )))
        .filter(not(stored_files::sha256.nullable().eq_any(
            custody_log::table.filter(custody_log::file_sha256.is_not_null()).select(custody_log::file_sha256),
        )))
        .filter(not(stored_files::sha256.nullable().eq_any(
            investigation_entries::table
                .filter(investigation_entries::sha256.is_not_null())
                .select(investigation_entries::sha256),
        )))
        .order(stored_files::created_at.asc())
        .limit(limit)
        .select(stored_files::sha256)
        .load(conn)
}

pub fn delete_stored(conn: &mut DbConnection, sha256: &str) -> QueryResult<usize> {
    diesel::delete(stored_files::table.find(sha256)).execute(conn)
}

/// Files and bytes an address has uploaded through the public form since `since`.
pub fn anonymous_uploads_since(
    conn: &mut DbConnection,
    subject: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let rows: Vec<(i32, i64)> = anonymous_uploads::table
        .filter(anonymous_uploads::subject.eq(subject))
        .filter(anonymous_uploads::occurred_at.ge(since))
        .select((anonymous_uploads::files, anonymous_uploads::bytes))
        .load(conn)?;
    Ok(rows.iter().fold((0, 0), |(f, b), (files, bytes)| (f + i64::from(*files), b + bytes)))
}

pub fn insert_anonymous_upload(
    conn: &mut DbConnection,
    id: &str,
    subject: &str,
    files: i32,
    bytes: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(anonymous_uploads::table)
        .values((
            anonymous_uploads::id.eq(id),
            anonymous_uploads::subject.eq(subject),
            anonymous_uploads::files.eq(files),
            anonymous_uploads::bytes.eq(bytes),
            anonymous_uploads::occurred_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_anonymous_uploads_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(anonymous_uploads::table.filter(anonymous_uploads::occurred_at.lt(before))).execute(conn)
}
