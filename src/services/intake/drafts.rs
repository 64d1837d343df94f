//! Drafts: whatever was typed or uploaded is kept, so a form shown again with errors loses
//! nothing. A draft belongs to the browser that made it (a hash of its CSRF cookie token).

use crate::db::DbConnection;
use crate::models::file::{self as file_rows, ComplaintDraft, DraftFile};
use crate::models::{new_id, now};
use crate::services::files::{FileStore, Received, StoredUpload};
use crate::services::intake::form::ComplaintForm;
use crate::services::{ServiceError, ServiceResult};
use chrono::Duration;
use diesel::{Connection, QueryResult};

/// The browser that owns a draft (hash of its CSRF cookie token).
pub fn owner_hash(browser_token: &str) -> String {
    crate::services::auth::sha256_hex(format!("complaint-draft:{browser_token}").as_bytes())
}

/// Finds a draft of this browser's (never another's: `None` then).
pub fn find_draft(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
) -> QueryResult<Option<(ComplaintDraft, ComplaintForm)>> {
    Ok(file_rows::find_draft(conn, id)?.filter(|d| d.owner_hash == owner).map(|d| {
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
    let Some(id) = id.filter(|i| !i.is_empty()) else { return Ok(None) };
    Ok(match find_draft(conn, id, owner)? {
        Some((d, form)) if d.submitted_at.is_none() => {
            let files = file_rows::list_draft_files(conn, &d.id)?;
            Some(OpenDraft { id: d.id, form, files })
        }
        _ => None,
    })
}

/// Saves what was typed (creating the draft if needed) and attaches newly stored files.
pub fn save_draft(
    conn: &mut DbConnection,
    draft_id: Option<&str>,
    owner: &str,
    form: &ComplaintForm,
    new_files: &[(String, String, i64, String)],
) -> QueryResult<(ComplaintDraft, Vec<DraftFile>)> {
    save_draft_data(conn, draft_id, owner, &serde_json::to_string(form).expect("form serialises"), new_files)
}

/// Saves any form's values (as JSON) and files in a draft owned by this browser.
pub fn save_draft_data(
    conn: &mut DbConnection,
    draft_id: Option<&str>,
    owner: &str,
    data: &str,
    new_files: &[(String, String, i64, String)],
) -> QueryResult<(ComplaintDraft, Vec<DraftFile>)> {
    let t = now();
    let data = data.to_string();
    conn.transaction(|conn| {
        let existing = match draft_id {
            Some(id) => file_rows::find_draft(conn, id)?.filter(|d| d.owner_hash == owner && d.submitted_at.is_none()),
            None => None,
        };
        let draft = match existing {
            Some(d) => {
                file_rows::update_draft_data(conn, &d.id, &data, t)?;
                d
            }
            None => {
                let d = ComplaintDraft {
                    id: crate::services::auth::random_token()[..40].to_string(),
                    owner_hash: owner.to_string(),
                    data: data.clone(),
                    created_at: t,
                    updated_at: t,
                    submitted_at: None,
                    case_reference: None,
                };
                file_rows::insert_draft(conn, &d)?;
                d
            }
        };
        for (sha256, name, size, media_type) in new_files {
            file_rows::insert_draft_file(
                conn,
                &DraftFile {
                    id: new_id(),
                    draft_id: draft.id.clone(),
                    sha256: sha256.clone(),
                    original_name: name.clone(),
                    media_type: media_type.clone(),
                    size_bytes: *size,
                    uploaded_at: t,
                },
            )?;
        }
        let files = file_rows::list_draft_files(conn, &draft.id)?;
        Ok((draft, files))
    })
}

/// What a complaint form post carries besides its answers: the draft it continues, the files
/// received with it (in the store's temporary area) and the attached files to remove.
#[derive(Debug, Default)]
pub struct Attachments {
    pub draft_id: Option<String>,
    pub received: Vec<Received>,
    pub remove: Vec<String>,
}

impl Attachments {
    /// Deletes the received files (a refused post stores nothing).
    pub fn discard(self) {
        for r in self.received {
            r.discard();
        }
    }
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
    let Attachments { draft_id, received, remove } = attachments;
    conn.transaction(|conn| {
        let stored: Vec<(String, String, i64, String)> = commit_received(conn, store, received)?
            .into_iter()
            .map(|u| (u.sha256, u.original_name, u.size_bytes, u.media_type))
            .collect();
        let (draft, _) = save_draft(conn, draft_id.as_deref(), owner, form, &stored)?;
        for id in &remove {
            file_rows::delete_draft_file(conn, &draft.id, id)?;
        }
        let files = file_rows::list_draft_files(conn, &draft.id)?;
        Ok((draft.id, files))
    })
}

/// Moves received files into the store (each recorded once, by its hash).
fn commit_received(
    conn: &mut DbConnection,
    store: &FileStore,
    received: Vec<Received>,
) -> ServiceResult<Vec<StoredUpload>> {
    let mut stored = Vec::new();
    let mut pending = received.into_iter();
    while let Some(r) = pending.next() {
        match store.commit(conn, &r) {
            Ok(row) => stored.push(StoredUpload {
                sha256: row.sha256,
                original_name: r.original_name.clone(),
                media_type: row.media_type,
                size_bytes: row.size_bytes,
            }),
            Err(e) => {
                pending.for_each(Received::discard);
                return Err(ServiceError::Internal(e));
            }
        }
    }
    Ok(stored)
}

/// Unsubmitted drafts older than a week are removed.
pub fn purge_stale_drafts(conn: &mut DbConnection) -> QueryResult<usize> {
    file_rows::delete_stale_drafts(conn, now() - Duration::days(7))
}
