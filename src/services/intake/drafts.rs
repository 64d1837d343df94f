//! The complaint form's drafts: [`crate::services::drafts`] with the values typed as a
//! [`ComplaintForm`].

use crate::db::DbConnection;
use crate::models::file::{ComplaintDraft, DraftFile};
pub use crate::services::drafts::Attachments;
use crate::services::drafts::{self, Form};
use crate::services::files::FileStore;
use crate::services::intake::form::ComplaintForm;
use crate::services::{ServiceError, ServiceResult};
use diesel::QueryResult;

/// The browser that owns a draft (hash of its CSRF cookie token).
pub fn owner_hash(browser_token: &str) -> String {
    drafts::owner(Form::Complaint, browser_token)
}

/// Finds a draft of this browser's (never another's: `None` then), with its values.
pub fn find_draft(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
) -> QueryResult<Option<(ComplaintDraft, ComplaintForm)>> {
    Ok(drafts::find(conn, id, owner)?.map(|d| {
        let form = serde_json::from_str(&d.data).unwrap_or_default();
        (d, form)
    }))
}

/// A draft still being filled in: this browser's and not yet submitted, with its files.
#[derive(Debug, Clone)]
pub struct OpenDraft {
    pub id: String,
    pub form: ComplaintForm,
    pub files: Vec<DraftFile>,
}

/// The draft `id`, if it is this browser's and not yet submitted.
pub fn open_draft(conn: &mut DbConnection, id: Option<&str>, owner: &str) -> QueryResult<Option<OpenDraft>> {
    Ok(drafts::open(conn, id, owner)?.map(|(d, files)| OpenDraft {
        form: serde_json::from_str(&d.data).unwrap_or_default(),
        id: d.id,
        files,
    }))
}

/// Commits the received files to the store and keeps them, with the form, in this browser's
/// draft (created if needed), in one transaction. Returns the draft's id and its files.
pub fn keep(
    conn: &mut DbConnection,
    store: &FileStore,
    owner: &str,
    form: &ComplaintForm,
    attachments: Attachments,
) -> ServiceResult<(String, Vec<DraftFile>)> {
    let data = serde_json::to_string(form).map_err(|e| ServiceError::Internal(e.to_string()))?;
    drafts::keep(conn, store, owner, &data, attachments)
}

/// Unsubmitted drafts older than a week are removed.
pub fn purge_stale_drafts(conn: &mut DbConnection) -> QueryResult<usize> {
    drafts::purge_stale(conn)
}
