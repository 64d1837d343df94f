//! Evidence items: captured posts and account profiles with their files, corrections as new
//! versions (earlier versions stay), links to allegations, and whether each post was still online
//! when last checked. Every change is written to the item's custody log in the same transaction.

use super::custody::{self, append_custody, with_retry, CustodyAction, GENESIS};
use super::drafts::{self, Keep};
use super::form::{check, Checked, EvidenceForm};
use super::rules;
use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::evidence::{
    self as rows, EvidenceFile, EvidenceItem, EvidenceKind, EvidenceSource, EvidenceStatus, EvidenceVersion,
};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::files::{commit_all, FileStore, Kind, Received, StoredUpload, UploadError};
use crate::services::{clean, urls, FieldError, FieldErrors, ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde::Serialize;

/// An item with what the pages show of it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub item: EvidenceItem,
    pub reference: String,
    pub current: EvidenceVersion,
    pub files: Vec<EvidenceFile>,
}

/// The files of a submitted form: those received (hashed and sniffed, not yet in the store) and
/// those refused on arrival (wrong type, too large), with the reason.
#[derive(Debug, Default)]
pub struct Uploads {
    pub received: Vec<Received>,
    pub refused: Vec<UploadError>,
}

impl Uploads {
    /// The refusals as messages on the form's `field`.
    pub fn refusals(&self, field: &str) -> Vec<FieldError> {
        self.refused.iter().map(|e| FieldError { field: field.into(), message: e.to_string() }).collect()
    }
}

fn case_allegation_ids(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<String>> {
    Ok(complaint_rows::list_allegations_for_case(conn, case_id)?.into_iter().map(|a| a.id).collect())
}

fn insert_files(conn: &mut DbConnection, actor: &Actor, item_id: &str, files: &[StoredUpload]) -> QueryResult<()> {
    for f in files {
        let row = EvidenceFile {
            id: new_id(),
            item_id: item_id.to_string(),
            sha256: f.sha256.clone(),
            original_name: f.original_name.clone(),
            media_type: f.media_type.clone(),
            size_bytes: f.size_bytes,
            added_by_label: actor.label.clone(),
            added_at: now(),
        };
        rows::insert_file(conn, &row)?;
        // The entry records the file row, its name, type and size (and its SHA-256 in the entry's
        // own column), so verification can tell a row pointed at another file.
        let details = custody::Uploaded {
            file: &f.original_name,
            file_id: &row.id,
            media_type: &f.media_type,
            size: f.size_bytes,
        };
        append_custody(conn, actor, item_id, CustodyAction::Uploaded, Some(&f.sha256), &details)?;
    }
    Ok(())
}

fn create_item(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    checked: Checked,
    complaint_id: Option<&str>,
    files: &[StoredUpload],
) -> QueryResult<EvidenceItem> {
    let t = now();
    let item = EvidenceItem {
        id: new_id(),
        case_id: case.id.clone(),
        number: rows::next_number(conn, &case.id)?,
        kind: checked.kind,
        source: checked.source,
        status: EvidenceStatus::Unknown,
        status_checked_at: None,
        current_version: 1,
        complaint_id: complaint_id.map(str::to_string),
        created_by_user_id: actor.user_id.clone(),
        created_at: t,
        custody_head: GENESIS.into(),
        custody_count: 0,
        member_account_id: super::account_link::registered_account(conn, &checked.version)?.map(|a| a.id),
    };
    rows::insert_item(conn, &item)?;
    let mut version = checked.version;
    version.item_id = item.id.clone();
    rows::insert_version(conn, &version)?;
    for a in &checked.allegations {
        rows::link_allegation(conn, &item.id, a)?;
    }
    let captured = custody::Captured::of(&version);
    let details = custody::Created {
        captured: &captured,
        kind: item.kind.as_str(),
        source: item.source.as_str(),
        title: &version.title,
        url: version.url.as_deref(),
    };
    append_custody(conn, actor, &item.id, CustodyAction::Created, None, &details)?;
    insert_files(conn, actor, &item.id, files)?;
    audit::record(
        conn,
        actor,
        Event::new("evidence.added", "evidence_item", &item.id).case(&case.id).summary(format!(
            "Evidence E{} added: {} ({} file{})",
            item.number,
            version.title,
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )),
    )?;
    rows::find_item(conn, &item.id)?.ok_or(diesel::result::Error::NotFound)
}

/// Checks the form and saves the item with its files (the caller has checked the officer may).
fn add_to_case(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    form: &EvidenceForm,
    files: &[StoredUpload],
    today: NaiveDate,
) -> ServiceResult<EvidenceItem> {
    let allegations = case_allegation_ids(conn, &case.id)?;
    let checked = check(form, &allegations, actor, false, today);
    if files.is_empty() {
        let mut errors = match checked {
            Err(ServiceError::Invalid(e)) => e,
            Err(other) => return Err(other),
            Ok(_) => FieldErrors::default(),
        };
        errors.add("files", "Attach at least one file: a screenshot, PDF, saved page or web archive");
        return Err(ServiceError::Invalid(errors));
    }
    Ok(create_item(conn, actor, case, checked?, None, files)?)
}

/// An officer records a captured post or profile, with at least one file already in the store.
pub fn add(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    form: &EvidenceForm,
    files: &[StoredUpload],
    today: NaiveDate,
) -> ServiceResult<EvidenceItem> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        rules::may_change(user, &case)?;
        add_to_case(conn, actor, &case, form, files, today)
    })
}

/// The evidence form as submitted: what was typed, the files that came with it, the draft that
/// keeps earlier uploads, and the earlier uploads to take off.
#[derive(Debug)]
pub struct Submission {
    pub form: EvidenceForm,
    pub draft_id: Option<String>,
    /// The draft's owner: [`drafts::owner_of`] the browser session.
    pub owner: String,
    pub uploads: Uploads,
    pub remove_files: Vec<String>,
}

/// What became of a submitted evidence form.
#[derive(Debug)]
pub enum Submitted {
    Added(EvidenceItem),
    /// Not saved: the problems, and the draft that keeps what was typed and uploaded for the form
    /// shown again.
    Returned {
        draft_id: String,
        errors: FieldErrors,
    },
}

/// The "add evidence" form: the files received are stored and kept in the form's draft (so a
/// form shown again with problems keeps them), then the item is saved with every file of the
/// draft. Every problem shows at once, refused uploads included.
pub fn submit(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    user: &User,
    reference: &str,
    mut s: Submission,
    today: NaiveDate,
) -> ServiceResult<Submitted> {
    let case = cases::find_visible(conn, user, reference)?;
    rules::may_change(user, &case)?;
    let keep = Keep {
        draft_id: s.draft_id.as_deref().filter(|d| !d.is_empty()),
        owner: &s.owner,
        form: &s.form,
        received: std::mem::take(&mut s.uploads.received),
        removals: &s.remove_files,
    };
    let (draft_id, files) = drafts::keep(conn, store, keep)?;
    if !s.uploads.refused.is_empty() {
        // Check the rest as well (saving nothing), so every problem shows at once.
        let allegations = case_allegation_ids(conn, &case.id)?;
        let mut errors = match check(&s.form, &allegations, actor, false, today) {
            Err(ServiceError::Invalid(e)) => e,
            Err(other) => return Err(other),
            Ok(_) => FieldErrors::default(),
        };
        errors.0.retain(|e| e.field != "files");
        errors.0.extend(s.uploads.refusals("files"));
        return Ok(Submitted::Returned { draft_id, errors });
    }
    let uploads: Vec<StoredUpload> = files
        .into_iter()
        .map(|f| StoredUpload {
            sha256: f.sha256,
            original_name: f.original_name,
            media_type: f.media_type,
            size_bytes: f.size_bytes,
        })
        .collect();
    let added = crate::db::write(conn, |conn| {
        let item = add_to_case(conn, actor, &case, &s.form, &uploads, today)?;
        drafts::mark_submitted(conn, &draft_id, &format!("E{}", item.number))?;
        Ok(item)
    });
    match added {
        Ok(item) => Ok(Submitted::Added(item)),
        Err(ServiceError::Invalid(errors)) => Ok(Submitted::Returned { draft_id, errors }),
        Err(e) => Err(e),
    }
}

/// Files that arrived with a complaint become evidence items of its case, one per file (source:
/// complainant, unverified). Called in the intake transaction.
pub fn from_complaint(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    complaint: &complaint_rows::Complaint,
    files: &[StoredUpload],
) -> QueryResult<()> {
    let first_link = complaint.post_urls.lines().next().map(str::to_string);
    let allegations: Vec<String> = complaint_rows::list_allegations_for_case(conn, &case.id)?
        .into_iter()
        .filter(|a| a.complaint_id == complaint.id)
        .map(|a| a.id)
        .collect();
    for f in files {
        let checked = Checked {
            kind: EvidenceKind::Post,
            source: EvidenceSource::Complainant,
            allegations: allegations.clone(),
            version: EvidenceVersion {
                id: new_id(),
                item_id: String::new(),
                version: 1,
                title: format!("{} (sent with the complaint)", f.original_name),
                platform: complaint.platform.clone(),
                canonical_url: first_link.as_deref().and_then(urls::canonicalize),
                url: first_link.clone(),
                account_handle: None,
                display_name: None,
                account_bio: None,
                post_text: None,
                posted_at: complaint.conduct_on.map(|d| d.and_time(NaiveTime::MIN)),
                captured_at: complaint.created_at,
                captured_by: "Complainant".into(),
                notes: Some("Supplied by the complainant; not verified.".into()),
                change_reason: None,
                created_by_user_id: actor.user_id.clone(),
                created_by_label: actor.label.clone(),
                created_at: now(),
            },
        };
        create_item(conn, actor, case, checked, Some(&complaint.id), std::slice::from_ref(f))?;
    }
    Ok(())
}

/// Files a party sent from their own page, accepted by an officer: one evidence item, its source
/// the complainant (unverified) or the officer's capture, its custody log saying who supplied
/// it and who accepted it. Called in the caller's transaction.
pub fn from_party(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    complaint_id: Option<&str>,
    supplied_by: &str,
    description: &str,
    files: &[StoredUpload],
) -> QueryResult<EvidenceItem> {
    let t = now();
    // The evidence is read by the IP, the investigator and the panel: a complainant who asked not
    // to be named may have named themselves in what they wrote.
    let hidden =
        crate::services::notices::withheld_from_viewer(conn, &case.id, &crate::services::access::HEARING_BUNDLE)?;
    let description = crate::services::notices::anonymise(description, &hidden);
    let title = crate::services::vocab::excerpt(&description, 120);
    let checked = Checked {
        kind: EvidenceKind::Post,
        source: EvidenceSource::Complainant,
        allegations: Vec::new(),
        version: EvidenceVersion {
            id: new_id(),
            item_id: String::new(),
            version: 1,
            title: if title.is_empty() { format!("Sent by {supplied_by}") } else { title },
            platform: None,
            canonical_url: None,
            url: None,
            account_handle: None,
            display_name: None,
            account_bio: None,
            post_text: None,
            posted_at: None,
            captured_at: t,
            captured_by: supplied_by.to_string(),
            notes: Some(format!(
                "Supplied by {supplied_by} from their case page; not verified. Accepted by {}. What they said: {description}",
                actor.label
            )),
            change_reason: None,
            created_by_user_id: actor.user_id.clone(),
            created_by_label: actor.label.clone(),
            created_at: t,
        },
    };
    create_item(conn, actor, case, checked, complaint_id, files)
}

/// Finds an item by case reference and number ("E3" or "3") for a user who may see the case.
pub fn find(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    number: &str,
) -> ServiceResult<(Case, EvidenceItem)> {
    let case = cases::find_visible(conn, user, reference)?;
    // A panel member sees the case but not its evidence pages (the bundle lists the evidence).
    if !crate::services::access::sections(conn, user, &case.id)?.evidence {
        return Err(ServiceError::NotFound);
    }
    // A case destroyed under the retention schedule has no evidence left to show or change.
    if case.status == crate::models::enums::CaseStatus::Destroyed {
        return Err(ServiceError::NotFound);
    }
    let n: i32 = number.trim_start_matches(['E', 'e']).parse().map_err(|_| ServiceError::NotFound)?;
    let item = rows::find_item_by_number(conn, &case.id, n)?.ok_or(ServiceError::NotFound)?;
    Ok((case, item))
}

pub fn view(conn: &mut DbConnection, case: &Case, item: EvidenceItem) -> QueryResult<ItemView> {
    let current = rows::current_version(conn, &item)?;
    let files = rows::files(conn, &item.id)?;
    Ok(ItemView { reference: format!("{}/E{}", case.reference, item.number), item, current, files })
}

/// Every item of the case with its current version and files (the caller has checked the user
/// may see the case).
pub fn list_for_case(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<ItemView>> {
    rows::list_items(conn, &case.id)?.into_iter().map(|i| view(conn, case, i)).collect()
}

/// More files for an item, stored in the same transaction.
pub fn add_files(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    user: &User,
    reference: &str,
    number: &str,
    uploads: Uploads,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let (case, item) = find(conn, user, reference, number)?;
        rules::may_change(user, &case)?;
        if !uploads.refused.is_empty() {
            return Err(ServiceError::Invalid(FieldErrors(uploads.refusals("files"))));
        }
        if uploads.received.is_empty() {
            return Err(ServiceError::invalid("files", "Choose at least one file"));
        }
        let files = commit_all(conn, store, &uploads.received)?;
        insert_files(conn, actor, &item.id, &files)?;
        audit::record(
            conn,
            actor,
            Event::new("evidence.files_added", "evidence_item", &item.id).case(&case.id).summary(format!(
                "{} file(s) added to E{}",
                files.len(),
                item.number
            )),
        )?;
        Ok(())
    })
}

/// A correction: a new version of the metadata; earlier versions stay.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    number: &str,
    form: &EvidenceForm,
    today: NaiveDate,
) -> ServiceResult<EvidenceItem> {
    crate::db::write(conn, |conn| {
        let (case, item) = find(conn, user, reference, number)?;
        rules::may_change(user, &case)?;
        let allegations = case_allegation_ids(conn, &case.id)?;
        let mut form = form.clone();
        form.kind = item.kind.as_str().to_string();
        form.source = item.source.as_str().to_string();
        let checked = check(&form, &allegations, actor, true, today)?;
        let mut version = checked.version;
        version.item_id = item.id.clone();
        version.version = item.current_version + 1;
        let current = rows::current_version(conn, &item)?;
        version.captured_by = current.captured_by.clone();
        rows::insert_version(conn, &version)?;
        rows::set_current_version(conn, &item.id, version.version)?;
        let account = super::account_link::registered_account(conn, &version)?;
        rows::set_member_account(conn, &item.id, account.as_ref().map(|a| a.id.as_str()))?;
        rows::unlink_allegations(conn, &item.id)?;
        for a in &checked.allegations {
            rows::link_allegation(conn, &item.id, a)?;
        }
        let captured = custody::Captured::of(&version);
        let details = custody::Corrected {
            captured: &captured,
            reason: version.change_reason.as_deref(),
            version: version.version,
        };
        append_custody(conn, actor, &item.id, CustodyAction::Corrected, None, &details)?;
        audit::record(
            conn,
            actor,
            Event::new("evidence.corrected", "evidence_item", &item.id).case(&case.id).summary(format!(
                "E{} corrected (version {}): {}",
                item.number,
                version.version,
                version.change_reason.as_deref().unwrap_or("")
            )),
        )?;
        rows::find_item(conn, &item.id)?.ok_or(ServiceError::NotFound)
    })
}

/// Records whether the post is live, removed or unknown, as last checked.
pub fn set_status(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    number: &str,
    status: &str,
    note: &str,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let (case, item) = find(conn, user, reference, number)?;
        rules::may_change(user, &case)?;
        let status = EvidenceStatus::parse(status)
            .ok_or_else(|| ServiceError::invalid("status", "Select live, removed or unknown"))?;
        if !crate::services::text::is_one_line(note) {
            return Err(ServiceError::invalid("note", crate::services::text::one_line_message("the note")));
        }
        rows::set_status(conn, &item.id, status, now())?;
        let details = custody::StatusChecked { from: item.status.as_str(), note: clean(note), to: status.as_str() };
        append_custody(conn, actor, &item.id, CustodyAction::StatusChanged, None, &details)?;
        audit::record(
            conn,
            actor,
            Event::new("evidence.status_changed", "evidence_item", &item.id).case(&case.id).summary(format!(
                "E{} checked: {} → {}",
                item.number,
                item.status.label(),
                status.label()
            )),
        )?;
        Ok(())
    })
}

/// The posts a takedown request named are recorded as removed once the removal is verified
/// (their files stay), each in its custody log.
pub fn mark_removed(conn: &mut DbConnection, actor: &Actor, item_id: &str, takedown_number: i32) -> QueryResult<()> {
    with_retry(conn, |conn| {
        rows::set_status(conn, item_id, EvidenceStatus::Removed, now())?;
        let details = custody::RemovedAfterTakedown { takedown: takedown_number, to: EvidenceStatus::Removed.as_str() };
        append_custody(conn, actor, item_id, CustodyAction::StatusChanged, None, &details)?;
        Ok(())
    })
}

/// Whether a file of this media type is shown in the browser (a screenshot, or a saved page in a
/// sandbox) rather than downloaded.
pub fn shown_inline(media_type: &str) -> bool {
    Kind::from_media_type(media_type).is_some_and(|k| k.is_image() || k == Kind::Html)
}

/// Returns a file of the item (only if it belongs to it) and whether it is shown inline, and
/// records the view or download in the custody log.
pub fn access_file(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    number: &str,
    file_id: &str,
    wants_download: bool,
) -> ServiceResult<(EvidenceFile, bool)> {
    let (_, item) = find(conn, user, reference, number)?;
    record_file_access(conn, actor, &item, file_id, wants_download)
}

/// A file of an item, its view or download written to the item's custody log, for a caller that
/// has checked the user may open it (the evidence pages, the hearing bundle's images).
pub fn record_file_access(
    conn: &mut DbConnection,
    actor: &Actor,
    item: &EvidenceItem,
    file_id: &str,
    wants_download: bool,
) -> ServiceResult<(EvidenceFile, bool)> {
    let file = rows::files(conn, &item.id)?.into_iter().find(|f| f.id == file_id).ok_or(ServiceError::NotFound)?;
    let inline = !wants_download && shown_inline(&file.media_type);
    let action = if inline { CustodyAction::Viewed } else { CustodyAction::Downloaded };
    // A view (a thumbnail on the case page, an image opened) is recorded once per user, item and
    // day, so the log keeps to real events; every download is recorded.
    let day_start = now().date().and_hms_opt(0, 0, 0).expect("midnight");
    let seen_today = match (&actor.user_id, inline) {
        (Some(user_id), true) => rows::has_custody_since(conn, &item.id, user_id, action.as_str(), day_start)?,
        _ => false,
    };
    if !seen_today {
        let details = custody::FileAccessed { file: &file.original_name };
        with_retry(conn, |conn| append_custody(conn, actor, &item.id, action, Some(&file.sha256), &details))?;
    }
    Ok((file, inline))
}
