//! Drafts of the evidence form: what was typed and the files uploaded, kept while the form comes
//! back with problems so that nothing has to be chosen again. A draft belongs to the browser
//! session that made it.

use super::form::EvidenceForm;
use super::store::{commit_all, FileStore, Received};
use crate::db::DbConnection;
use crate::models::file::{self as rows, ComplaintDraft, DraftFile};
use crate::models::{new_id, now};
use crate::services::auth::{random_token, sha256_hex};
use crate::services::ServiceResult;
use diesel::prelude::*;

/// Who owns a draft: a hash of the browser session's token (never the token itself).
pub fn owner_of(browser_token: &str) -> String {
    sha256_hex(format!("evidence-draft:{browser_token}").as_bytes())
}

/// A draft of the owner's that is still being filled in.
fn open_draft(conn: &mut DbConnection, id: &str, owner: &str) -> QueryResult<Option<ComplaintDraft>> {
    Ok(rows::find_draft(conn, id)?.filter(|d| d.owner_hash == owner && d.submitted_at.is_none()))
}

/// The files attached to the owner's draft (none for someone else's).
pub fn files(conn: &mut DbConnection, draft_id: &str, owner: &str) -> QueryResult<Vec<DraftFile>> {
    match open_draft(conn, draft_id, owner)? {
        Some(d) => rows::list_draft_files(conn, &d.id),
        None => Ok(Vec::new()),
    }
}

/// What a form brings to its draft.
pub(super) struct Keep<'a> {
    pub draft_id: Option<&'a str>,
    pub owner: &'a str,
    pub form: &'a EvidenceForm,
    pub received: &'a [Received],
    pub removals: &'a [String],
}

/// Saves the typed values and the newly received files (committed to the store) in the draft,
/// creating it if need be, and takes off the files the officer asked to remove. Returns the
/// draft's id and its files.
pub(super) fn keep(conn: &mut DbConnection, store: &FileStore, k: Keep) -> ServiceResult<(String, Vec<DraftFile>)> {
    let data = serde_json::to_string(k.form).map_err(|e| crate::services::ServiceError::Internal(e.to_string()))?;
    conn.transaction(|conn| {
        let t = now();
        let existing = match k.draft_id {
            Some(id) => open_draft(conn, id, k.owner)?,
            None => None,
        };
        let draft_id = match existing {
            Some(d) => {
                rows::update_draft_data(conn, &d.id, &data, t)?;
                d.id
            }
            None => {
                let d = ComplaintDraft {
                    id: random_token()[..40].to_string(),
                    owner_hash: k.owner.to_string(),
                    data: data.clone(),
                    created_at: t,
                    updated_at: t,
                    submitted_at: None,
                    case_reference: None,
                };
                rows::insert_draft(conn, &d)?;
                d.id
            }
        };
        for f in commit_all(conn, store, k.received)? {
            rows::insert_draft_file(
                conn,
                &DraftFile {
                    id: new_id(),
                    draft_id: draft_id.clone(),
                    sha256: f.sha256,
                    original_name: f.original_name,
                    media_type: f.media_type,
                    size_bytes: f.size_bytes,
                    uploaded_at: t,
                },
            )?;
        }
        for id in k.removals {
            rows::delete_draft_file(conn, &draft_id, id)?;
        }
        let files = rows::list_draft_files(conn, &draft_id)?;
        Ok((draft_id, files))
    })
}

/// The draft became the item `label` ("E3").
pub(super) fn mark_submitted(conn: &mut DbConnection, draft_id: &str, label: &str) -> QueryResult<()> {
    rows::mark_draft_submitted(conn, draft_id, label, now()).map(|_| ())
}
