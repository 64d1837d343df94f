//! Drafts, for every form that takes files (the public complaint form, the officer's complaint
//! form, the evidence form): what was typed and the files uploaded are kept while the form comes
//! back with problems, so nothing has to be typed or chosen again. A draft belongs to the browser
//! that made it (a hash of its CSRF token, never the token); its files are committed to the store
//! in the same transaction as the draft row.

use crate::db::{self, DbConnection};
use crate::models::file::{self as rows, ComplaintDraft, DraftFile};
use crate::models::{new_id, now};
use crate::services::auth::{random_token, sha256_hex};
use crate::services::files::{commit_all, FileStore, Received};
use crate::services::ServiceResult;
use chrono::Duration;
use diesel::QueryResult;

/// Which form a draft belongs to (a browser's drafts of two forms never mix).
#[derive(Debug, Clone, Copy)]
pub enum Form {
    Complaint,
    Evidence,
}

/// Who owns a draft of this form: a hash of the browser's token.
pub fn owner(form: Form, browser_token: &str) -> String {
    let purpose = match form {
        Form::Complaint => "complaint-draft",
        Form::Evidence => "evidence-draft",
    };
    sha256_hex(format!("{purpose}:{browser_token}").as_bytes())
}

/// The owner's draft (submitted or not); `None` for someone else's.
pub fn find(conn: &mut DbConnection, id: &str, owner: &str) -> QueryResult<Option<ComplaintDraft>> {
    Ok(rows::find_draft(conn, id)?.filter(|d| d.owner_hash == owner))
}

/// The owner's draft that is still being filled in, with its files.
pub fn open(
    conn: &mut DbConnection,
    id: Option<&str>,
    owner: &str,
) -> QueryResult<Option<(ComplaintDraft, Vec<DraftFile>)>> {
    let Some(id) = id.filter(|i| !i.is_empty()) else { return Ok(None) };
    match find(conn, id, owner)?.filter(|d| d.submitted_at.is_none()) {
        Some(d) => {
            let files = rows::list_draft_files(conn, &d.id)?;
            Ok(Some((d, files)))
        }
        None => Ok(None),
    }
}

/// What a form post brings besides its values: the draft it continues, the files received with it
/// (in the store's temporary area) and the attached files to take off.
#[derive(Debug, Default)]
pub struct Attachments {
    pub draft_id: Option<String>,
    pub received: Vec<Received>,
    pub remove: Vec<String>,
}

impl Attachments {
    /// Deletes the received files (a refused post keeps nothing).
    pub fn discard(self) {
        for r in self.received {
            r.discard();
        }
    }
}

/// Saves the form's values (`data`, JSON) and the newly received files (committed to the store)
/// in the owner's open draft, creating it if need be, and takes off the files asked to be
/// removed, in one write transaction. Returns the draft's id and its files.
pub fn keep(
    conn: &mut DbConnection,
    store: &FileStore,
    owner: &str,
    data: &str,
    attachments: Attachments,
) -> ServiceResult<(String, Vec<DraftFile>)> {
    let Attachments { draft_id, received, remove } = attachments;
    db::write(conn, |conn| {
        // Before the draft row is touched, so housekeeping (which takes the lock first, then
        // deletes drafts) and this never wait on each other.
        db::lock_file_store(conn, false)?;
        let t = now();
        let draft_id = match open(conn, draft_id.as_deref(), owner)? {
            Some((d, _)) => {
                rows::update_draft_data(conn, &d.id, data, t)?;
                d.id
            }
            None => {
                let d = ComplaintDraft {
                    id: random_token()[..40].to_string(),
                    owner_hash: owner.to_string(),
                    data: data.to_string(),
                    created_at: t,
                    updated_at: t,
                    submitted_at: None,
                    case_reference: None,
                };
                rows::insert_draft(conn, &d)?;
                d.id
            }
        };
        for f in commit_all(conn, store, &received)? {
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
        for id in &remove {
            rows::delete_draft_file(conn, &draft_id, id)?;
        }
        let files = rows::list_draft_files(conn, &draft_id)?;
        Ok((draft_id, files))
    })
}

/// The draft became `label` (a case reference, an evidence item "E3").
pub fn mark_submitted(conn: &mut DbConnection, draft_id: &str, label: &str) -> QueryResult<()> {
    rows::mark_draft_submitted(conn, draft_id, label, now()).map(|_| ())
}

/// How long a draft left alone is kept.
pub const DRAFT_DAYS: i64 = 7;

/// Drafts untouched for a week are removed (their files by [`housekeeping`]).
pub fn purge_stale(conn: &mut DbConnection) -> QueryResult<usize> {
    rows::delete_stale_drafts(conn, now() - Duration::days(DRAFT_DAYS))
}

/// What housekeeping removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub drafts: usize,
    pub files: usize,
    pub rate_events: usize,
}

/// Housekeeping (run by the server's background loop): deletes drafts left unsubmitted for a week
/// and then every stored file nothing refers to any more (a file an expired draft shared with a
/// case, another draft, evidence or a report stays), and prunes rate-limit events and upload
/// counts older than any limit needs. One write transaction.
pub fn housekeeping(conn: &mut DbConnection, store: &FileStore) -> QueryResult<Swept> {
    db::write(conn, |conn| {
        // First: no transaction storing files is in flight while drafts and files are deleted.
        db::lock_file_store(conn, true)?;
        let drafts = purge_stale(conn)?;
        // Files stored in the last hour are left alone (a form may be on its way to refer to them).
        let files = crate::services::files::delete_unreferenced(conn, store, now() - Duration::hours(1))?;
        let rate_events = crate::services::rate_limit::prune(conn)?;
        Ok(Swept { drafts, files, rate_events })
    })
}
