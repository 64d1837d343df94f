//! The evidence form's drafts: [`crate::services::drafts`] with the values typed as an
//! [`EvidenceForm`]. A draft belongs to the browser session that made it.

use super::form::EvidenceForm;
use crate::db::DbConnection;
use crate::models::file::DraftFile;
use crate::services::drafts::{self, Attachments, Form};
use crate::services::files::{FileStore, Received};
use crate::services::{ServiceError, ServiceResult};
use diesel::QueryResult;

/// Who owns a draft: a hash of the browser session's token (never the token itself).
pub fn owner_of(browser_token: &str) -> String {
    drafts::owner(Form::Evidence, browser_token)
}

/// The files attached to the owner's draft (none for someone else's).
pub fn files(conn: &mut DbConnection, draft_id: &str, owner: &str) -> QueryResult<Vec<DraftFile>> {
    Ok(drafts::open(conn, Some(draft_id), owner)?.map(|(_, files)| files).unwrap_or_default())
}

/// What a form brings to its draft.
pub(super) struct Keep<'a> {
    pub draft_id: Option<&'a str>,
    pub owner: &'a str,
    pub form: &'a EvidenceForm,
    pub received: Vec<Received>,
    pub removals: &'a [String],
}

/// Saves the typed values and the newly received files (committed to the store) in the draft,
/// creating it if need be, and takes off the files the officer asked to remove. Returns the
/// draft's id and its files.
pub(super) fn keep(conn: &mut DbConnection, store: &FileStore, k: Keep) -> ServiceResult<(String, Vec<DraftFile>)> {
    let data = serde_json::to_string(k.form).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let attachments =
        Attachments { draft_id: k.draft_id.map(str::to_string), received: k.received, remove: k.removals.to_vec() };
    drafts::keep(conn, store, k.owner, &data, attachments)
}

/// The draft became the item `label` ("E3").
pub(super) fn mark_submitted(conn: &mut DbConnection, draft_id: &str, label: &str) -> QueryResult<()> {
    drafts::mark_submitted(conn, draft_id, label)
}
