//! Evidence: captured posts and account profiles with their files, corrections as new versions,
//! links to allegations, and the custody log: every upload, view, download, export, verification
//! and status change, each entry hash-chained to the one before.

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::evidence::{self as rows, CustodyEntry, EvidenceFile, EvidenceItem, EvidenceVersion};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::sha256_hex;
use crate::services::cases;
use crate::services::files::{FileStore, Kind, StoredUpload};
use crate::services::vocab;
use crate::services::{clean, urls, FieldErrors, ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The evidence form, as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct EvidenceForm {
    pub kind: String,
    pub source: String,
    pub title: String,
    pub platform: String,
    pub url: String,
    pub account_handle: String,
    pub display_name: String,
    pub account_bio: String,
    pub post_text: String,
    pub posted_day: String,
    pub posted_month: String,
    pub posted_year: String,
    pub posted_time: String,
    pub captured_day: String,
    pub captured_month: String,
    pub captured_year: String,
    pub captured_time: String,
    pub notes: String,
    pub allegations: Vec<String>,
    pub change_reason: String,
}

impl EvidenceForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = EvidenceForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "kind" => f.kind = v,
                "source" => f.source = v,
                "title" => f.title = v,
                "platform" => f.platform = v,
                "url" => f.url = v,
                "account_handle" => f.account_handle = v,
                "display_name" => f.display_name = v,
                "account_bio" => f.account_bio = v,
                "post_text" => f.post_text = v,
                "posted_day" => f.posted_day = v,
                "posted_month" => f.posted_month = v,
                "posted_year" => f.posted_year = v,
                "posted_time" => f.posted_time = v,
                "captured_day" => f.captured_day = v,
                "captured_month" => f.captured_month = v,
                "captured_year" => f.captured_year = v,
                "captured_time" => f.captured_time = v,
                "notes" => f.notes = v,
                "allegations" => f.allegations.push(v),
                "change_reason" => f.change_reason = v,
                _ => {}
            }
        }
        f
    }

    /// The form filled in from a version (for corrections).
    pub fn from_version(item: &EvidenceItem, v: &EvidenceVersion, allegations: Vec<String>) -> Self {
        let date_parts = |t: Option<NaiveDateTime>| match t {
            Some(t) => (
                t.format("%-d").to_string(),
                t.format("%-m").to_string(),
                t.format("%Y").to_string(),
                t.format("%H:%M").to_string(),
            ),
            None => Default::default(),
        };
        let (pd, pm, py, pt) = date_parts(v.posted_at);
        let (cd, cm, cy, ct) = date_parts(Some(v.captured_at));
        EvidenceForm {
            kind: item.kind.clone(),
            source: item.source.clone(),
            title: v.title.clone(),
            platform: v.platform.clone().unwrap_or_default(),
            url: v.url.clone().unwrap_or_default(),
            account_handle: v.account_handle.clone().unwrap_or_default(),
            display_name: v.display_name.clone().unwrap_or_default(),
            account_bio: v.account_bio.clone().unwrap_or_default(),
            post_text: v.post_text.clone().unwrap_or_default(),
            posted_day: pd,
            posted_month: pm,
            posted_year: py,
            posted_time: pt,
            captured_day: cd,
            captured_month: cm,
            captured_year: cy,
            captured_time: ct,
            notes: v.notes.clone().unwrap_or_default(),
            allegations,
            change_reason: String::new(),
        }
    }
}

fn parse_time(raw: &str) -> Result<NaiveTime, &'static str> {
    let t = raw.trim().to_ascii_lowercase().replace('.', ":");
    if t.is_empty() {
        return Ok(NaiveTime::from_hms_opt(0, 0, 0).expect("midnight"));
    }
    for f in ["%H:%M", "%H:%M:%S", "%I:%M%p", "%I%p", "%I:%M %p", "%I %p"] {
        if let Ok(parsed) = NaiveTime::parse_from_str(&t, f) {
            return Ok(parsed);
        }
    }
    Err("Enter the time like 14:05 or 2:05pm")
}

struct Checked {
    version: EvidenceVersion,
    kind: String,
    source: String,
    allegations: Vec<String>,
}

/// Checks the form. `case_allegations` are the allegation ids the item may link to.
fn check(
    form: &EvidenceForm,
    case_allegations: &[String],
    actor: &Actor,
    correction: bool,
    today: NaiveDate,
) -> ServiceResult<Checked> {
    let mut e = FieldErrors::default();
    if !vocab::EVIDENCE_KINDS.iter().any(|(v, _)| *v == form.kind) {
        e.add("kind", "Select whether this is a post or an account profile");
    }
    if !vocab::EVIDENCE_SOURCES.iter().any(|(v, _)| *v == form.source) {
        e.add("source", "Select who captured it");
    }
    if !form.platform.is_empty() && !vocab::PLATFORMS.iter().any(|(v, _)| *v == form.platform) {
        e.add("platform", "Select the platform from the list");
    }
    let url = clean(&form.url);
    let canonical = match &url {
        Some(u) => match urls::canonicalize(u) {
            Some(c) => Some(c),
            None => {
                e.add("url", "Enter a web address starting https://");
                None
            }
        },
        None => None,
    };
    let posted_at = if [&form.posted_day, &form.posted_month, &form.posted_year].iter().all(|s| s.trim().is_empty()) {
        None
    } else {
        match (
            vocab::parse_date(&form.posted_day, &form.posted_month, &form.posted_year),
            parse_time(&form.posted_time),
        ) {
            (Ok(d), Ok(t)) if d <= today => Some(d.and_time(t)),
            (Ok(_), Ok(_)) => {
                e.add("posted", "The date posted must be today or in the past");
                None
            }
            (Err(m), _) | (_, Err(m)) => {
                e.add("posted", m);
                None
            }
        }
    };
    let captured_at = match (
        vocab::parse_date(&form.captured_day, &form.captured_month, &form.captured_year),
        parse_time(&form.captured_time),
    ) {
        (Ok(d), Ok(t)) if d <= today => Some(d.and_time(t)),
        (Ok(_), Ok(_)) => {
            e.add("captured", "The date captured must be today or in the past");
            None
        }
        (Err(m), _) | (_, Err(m)) => {
            e.add("captured", if m == "Enter a date" { "Enter the date it was captured" } else { m });
            None
        }
    };
    if let (Some(p), Some(c)) = (posted_at, captured_at) {
        if p.date() > c.date() {
            e.add("posted", "The date posted must be on or before the date captured");
        }
    }
    let title = clean(&form.title);
    if title.is_none() {
        e.add("title", "Enter a short title, like 'Facebook post calling an officer a liar'");
    }
    for a in &form.allegations {
        if !case_allegations.contains(a) {
            e.add("allegations", "Select allegations from this case");
        }
    }
    if correction && clean(&form.change_reason).is_none() {
        e.add("change_reason", "Explain what is being corrected and why");
    }
    for (field, value) in [("account_bio", &form.account_bio), ("post_text", &form.post_text), ("notes", &form.notes)] {
        if value.chars().count() > 50_000 {
            e.add(field, "Use 50,000 characters or fewer");
        }
    }
    e.into_result()?;
    let t = now();
    Ok(Checked {
        kind: form.kind.clone(),
        source: form.source.clone(),
        allegations: form.allegations.clone(),
        version: EvidenceVersion {
            id: new_id(),
            item_id: String::new(),
            version: 1,
            title: title.unwrap_or_default(),
            platform: clean(&form.platform),
            url,
            canonical_url: canonical,
            account_handle: clean(&form.account_handle),
            display_name: clean(&form.display_name),
            account_bio: clean(&form.account_bio),
            post_text: clean(&form.post_text),
            posted_at,
            captured_at: captured_at.unwrap_or(t),
            captured_by: actor.label.clone(),
            notes: clean(&form.notes),
            change_reason: if correction { clean(&form.change_reason) } else { None },
            created_by_user_id: actor.user_id.clone(),
            created_by_label: actor.label.clone(),
            created_at: t,
        },
    })
}

fn chain_hash(prev: &str, e: &CustodyEntry) -> String {
    sha256_hex(
        format!(
            "{prev}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            e.item_id,
            e.seq,
            e.action,
            e.file_sha256.as_deref().unwrap_or(""),
            e.actor_user_id.as_deref().unwrap_or(""),
            e.actor_label,
            e.ip_address.as_deref().unwrap_or(""),
            e.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f"),
            e.details,
        )
        .as_bytes(),
    )
}

/// Appends a custody entry to the item's chain (inside the caller's transaction).
pub fn append_custody(
    conn: &mut DbConnection,
    actor: &Actor,
    item_id: &str,
    action: &str,
    file_sha256: Option<&str>,
    details: serde_json::Value,
) -> QueryResult<CustodyEntry> {
    let last = rows::last_custody(conn, item_id)?;
    let (prev, seq) = match &last {
        Some(l) => (l.entry_hash.clone(), l.seq + 1),
        None => (GENESIS.to_string(), 1),
    };
    let mut entry = CustodyEntry {
        id: new_id(),
        item_id: item_id.to_string(),
        seq,
        action: action.to_string(),
        file_sha256: file_sha256.map(str::to_string),
        actor_user_id: actor.user_id.clone(),
        actor_label: actor.label.clone(),
        ip_address: actor.ip.clone(),
        occurred_at: now(),
        details: details.to_string(),
        prev_hash: prev.clone(),
        entry_hash: String::new(),
    };
    entry.entry_hash = chain_hash(&prev, &entry);
    rows::insert_custody(conn, &entry)?;
    rows::set_custody_head(conn, item_id, &entry.entry_hash, seq)?;
    Ok(entry)
}

/// Runs a transaction, trying again when a concurrent writer got in first (two custody entries
/// for one item at the same moment).
pub fn with_retry<T>(
    conn: &mut DbConnection,
    mut f: impl FnMut(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    use diesel::result::{DatabaseErrorKind, Error};
    let mut attempt = 0;
    loop {
        match conn.transaction(&mut f) {
            Err(Error::DatabaseError(kind, info))
                if attempt < 5
                    && (matches!(
                        kind,
                        DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::SerializationFailure
                    ) || info.message().contains("locked")
                        || info.message().contains("busy")) =>
            {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
            }
            other => return other,
        }
    }
}

/// An item with what the pages show of it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub item: EvidenceItem,
    pub reference: String,
    pub current: EvidenceVersion,
    pub files: Vec<EvidenceFile>,
}

fn case_allegation_ids(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<String>> {
    Ok(complaint_rows::list_allegations_for_case(conn, case_id)?.into_iter().map(|a| a.id).collect())
}

fn insert_files(conn: &mut DbConnection, actor: &Actor, item_id: &str, files: &[StoredUpload]) -> QueryResult<()> {
    for f in files {
        rows::insert_file(
            conn,
            &EvidenceFile {
                id: new_id(),
                item_id: item_id.to_string(),
                sha256: f.sha256.clone(),
                original_name: f.original_name.clone(),
                media_type: f.media_type.clone(),
                size_bytes: f.size_bytes,
                added_by_label: actor.label.clone(),
                added_at: now(),
            },
        )?;
        append_custody(
            conn,
            actor,
            item_id,
            "uploaded",
            Some(&f.sha256),
            serde_json::json!({ "file": f.original_name, "media_type": f.media_type, "size": f.size_bytes }),
        )?;
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
        status: "unknown".into(),
        status_checked_at: None,
        current_version: 1,
        complaint_id: complaint_id.map(str::to_string),
        created_by_user_id: actor.user_id.clone(),
        created_at: t,
        custody_head: GENESIS.into(),
        custody_count: 0,
    };
    rows::insert_item(conn, &item)?;
    let mut version = checked.version;
    version.item_id = item.id.clone();
    rows::insert_version(conn, &version)?;
    for a in &checked.allegations {
        rows::link_allegation(conn, &item.id, a)?;
    }
    append_custody(
        conn,
        actor,
        &item.id,
        "created",
        None,
        serde_json::json!({ "title": version.title, "source": item.source, "kind": item.kind, "url": version.url }),
    )?;
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

/// Checks an evidence form without saving anything (to show every problem at once when an upload
/// was refused).
pub fn validate(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    form: &EvidenceForm,
    today: NaiveDate,
) -> ServiceResult<()> {
    let case = cases::find_workable(conn, user, reference)?;
    let allegations = case_allegation_ids(conn, &case.id)?;
    check(form, &allegations, actor, false, today).map(|_| ())
}

/// An officer records a captured post or profile, with at least one file.
pub fn add(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    form: &EvidenceForm,
    files: &[StoredUpload],
    today: NaiveDate,
) -> ServiceResult<EvidenceItem> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
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
        Ok(create_item(conn, actor, &case, checked?, None, files)?)
    })
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
            kind: "post".into(),
            source: "complainant".into(),
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

/// Finds an item by case reference and number ("E3" or "3") for a user who may see the case.
pub fn find(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    number: &str,
) -> ServiceResult<(Case, EvidenceItem)> {
    let case = cases::find_visible(conn, user, reference)?;
    let n: i32 = number.trim_start_matches(['E', 'e']).parse().map_err(|_| ServiceError::NotFound)?;
    let item = rows::list_items(conn, &case.id)?.into_iter().find(|i| i.number == n).ok_or(ServiceError::NotFound)?;
    Ok((case, item))
}

pub fn view(conn: &mut DbConnection, case: &Case, item: EvidenceItem) -> QueryResult<ItemView> {
    let current = rows::current_version(conn, &item)?;
    let files = rows::files(conn, &item.id)?;
    Ok(ItemView { reference: format!("{}/E{}", case.reference, item.number), item, current, files })
}

pub fn list_for_case(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<ItemView>> {
    rows::list_items(conn, &case.id)?.into_iter().map(|i| view(conn, case, i)).collect()
}

pub fn add_files(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    number: &str,
    files: &[StoredUpload],
) -> ServiceResult<()> {
    if files.is_empty() {
        return Err(ServiceError::Invalid(FieldErrors::single("files", "Choose at least one file")));
    }
    conn.transaction(|conn| {
        let (case, item) = find(conn, user, reference, number)?;
        cases::find_workable(conn, user, &case.reference)?;
        insert_files(conn, actor, &item.id, files)?;
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
    conn.transaction(|conn| {
        let (case, item) = find(conn, user, reference, number)?;
        cases::find_workable(conn, user, &case.reference)?;
        let allegations = case_allegation_ids(conn, &case.id)?;
        let mut form = form.clone();
        form.kind = item.kind.clone();
        form.source = item.source.clone();
        let checked = check(&form, &allegations, actor, true, today)?;
        let mut version = checked.version;
        version.item_id = item.id.clone();
        version.version = item.current_version + 1;
        let current = rows::current_version(conn, &item)?;
        version.captured_by = current.captured_by.clone();
        rows::insert_version(conn, &version)?;
        rows::set_current_version(conn, &item.id, version.version)?;
        rows::unlink_allegations(conn, &item.id)?;
        for a in &checked.allegations {
            rows::link_allegation(conn, &item.id, a)?;
        }
        append_custody(
            conn,
            actor,
            &item.id,
            "corrected",
            None,
            serde_json::json!({ "version": version.version, "reason": version.change_reason }),
        )?;
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
    if !vocab::EVIDENCE_STATUSES.iter().any(|(v, _)| *v == status) {
        return Err(ServiceError::Invalid(FieldErrors::single("status", "Select live, removed or unknown")));
    }
    conn.transaction(|conn| {
        let (case, item) = find(conn, user, reference, number)?;
        cases::find_workable(conn, user, &case.reference)?;
        rows::set_status(conn, &item.id, status, now())?;
        append_custody(
            conn,
            actor,
            &item.id,
            "status_changed",
            None,
            serde_json::json!({ "from": item.status, "to": status, "note": clean(note) }),
        )?;
        audit::record(
            conn,
            actor,
            Event::new("evidence.status_changed", "evidence_item", &item.id)
                .case(&case.id)
                .summary(format!("E{} checked: {} → {}", item.number, item.status, status)),
        )?;
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
    let file = rows::files(conn, &item.id)?.into_iter().find(|f| f.id == file_id).ok_or(ServiceError::NotFound)?;
    let inline = !wants_download && shown_inline(&file.media_type);
    let action = if inline { "viewed" } else { "downloaded" };
    with_retry(conn, |conn| {
        append_custody(
            conn,
            actor,
            &item.id,
            action,
            Some(&file.sha256),
            serde_json::json!({ "file": file.original_name }),
        )
    })?;
    Ok((file, inline))
}

/// The SHA-256 of a stored file, read in chunks (never whole into memory).
pub fn hash_stored(store: &FileStore, sha256: &str) -> std::io::Result<String> {
    let mut file = std::fs::File::open(store.path_for(sha256))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(crate::services::auth::hex(&hasher.finalize()))
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub reference: String,
    pub files_checked: usize,
    pub entries_checked: usize,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Re-hashes every file of the item and re-walks its custody chain.
pub fn check_item(
    conn: &mut DbConnection,
    store: &FileStore,
    case: &Case,
    item: &EvidenceItem,
) -> QueryResult<VerifyReport> {
    let mut problems = Vec::new();
    let files = rows::files(conn, &item.id)?;
    for f in &files {
        match hash_stored(store, &f.sha256) {
            Ok(actual) if actual == f.sha256 => {}
            Ok(actual) => problems.push(format!(
                "{}: the file has changed on disk (SHA-256 now {actual}, recorded {})",
                f.original_name, f.sha256
            )),
            Err(e) => problems.push(format!("{}: the stored file cannot be read ({e})", f.original_name)),
        }
    }
    let entries = rows::custody(conn, &item.id)?;
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i32 + 1;
        if e.seq != expected_seq {
            problems.push(format!("custody entry {expected_seq} is missing (found entry {} next)", e.seq));
            break;
        }
        if e.prev_hash != prev {
            problems.push(format!("custody entry {} does not follow entry {}: the chain is broken", e.seq, e.seq - 1));
        }
        if chain_hash(&e.prev_hash, e) != e.entry_hash {
            problems.push(format!(
                "custody entry {} ({}) has been altered: its hash does not match its contents",
                e.seq, e.action
            ));
        }
        prev = e.entry_hash.clone();
    }
    if entries.len() as i32 != item.custody_count || prev != item.custody_head {
        problems.push(format!(
            "the custody log ends at entry {} but {} entries were recorded: entries are missing",
            entries.len(),
            item.custody_count
        ));
    }
    Ok(VerifyReport {
        reference: format!("{}/E{}", case.reference, item.number),
        files_checked: files.len(),
        entries_checked: entries.len(),
        problems,
    })
}

/// The "verify" action: checks the item and records the check in its custody log.
pub fn verify(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    user: &User,
    reference: &str,
    number: &str,
) -> ServiceResult<VerifyReport> {
    let (case, item) = find(conn, user, reference, number)?;
    let report = check_item(conn, store, &case, &item)?;
    with_retry(conn, |conn| {
        append_custody(
            conn,
            actor,
            &item.id,
            "verified",
            None,
            serde_json::json!({ "ok": report.ok(), "problems": report.problems }),
        )?;
        if !report.ok() {
            audit::record(
                conn,
                actor,
                Event::new("evidence.verification_failed", "evidence_item", &item.id).case(&case.id).summary(format!(
                    "Verification of E{} found problems: {}",
                    item.number,
                    report.problems.join("; ")
                )),
            )?;
        }
        Ok(())
    })?;
    Ok(report)
}

/// Checks every item in the store (the `verify-evidence` command), and stored files that no item
/// refers to.
pub fn verify_all(conn: &mut DbConnection, store: &FileStore) -> QueryResult<Vec<VerifyReport>> {
    let mut reports = Vec::new();
    for item in rows::list_all_items(conn)? {
        let case = crate::models::case::find(conn, &item.case_id)?.ok_or(diesel::result::Error::NotFound)?;
        reports.push(check_item(conn, store, &case, &item)?);
    }
    Ok(reports)
}

/// The manifest of an evidence bundle, and its files' paths inside the zip.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub case: String,
    pub exported_at: NaiveDateTime,
    pub exported_by: String,
    pub items: Vec<ManifestItem>,
}

#[derive(Debug, Serialize)]
pub struct ManifestItem {
    pub reference: String,
    pub kind: String,
    pub source: String,
    pub status: String,
    pub versions: Vec<EvidenceVersion>,
    pub files: Vec<ManifestFile>,
    pub custody: Vec<CustodyEntry>,
}

#[derive(Debug, Serialize)]
pub struct ManifestFile {
    pub path: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Writes a zip of the case's evidence (files, manifest.json, index.html, custody logs) to `out`,
/// recording the export in each item's custody log first.
pub fn export(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    user: &User,
    reference: &str,
    out: std::fs::File,
) -> ServiceResult<()> {
    // Closed cases can be exported too (for a hearing or the Ombudsman), but only by officers.
    let case = cases::find_visible(conn, user, reference)?;
    if !crate::services::access::can(user, crate::services::access::Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    let items = rows::list_items(conn, &case.id)?;
    for item in &items {
        with_retry(conn, |conn| {
            append_custody(
                conn,
                actor,
                &item.id,
                "exported",
                None,
                serde_json::json!({ "bundle": format!("{}-evidence.zip", case.reference) }),
            )
        })?;
    }
    let mut manifest = Manifest {
        case: case.reference.clone(),
        exported_at: now(),
        exported_by: actor.label.clone(),
        items: Vec::new(),
    };
    for item in &items {
        let files = rows::files(conn, &item.id)?;
        manifest.items.push(ManifestItem {
            reference: format!("E{}", item.number),
            kind: item.kind.clone(),
            source: item.source.clone(),
            status: item.status.clone(),
            versions: rows::versions(conn, &item.id)?,
            files: files
                .iter()
                .map(|f| ManifestFile {
                    path: format!("files/E{}/{}-{}", item.number, &f.sha256[..12], f.original_name),
                    original_name: f.original_name.clone(),
                    media_type: f.media_type.clone(),
                    size_bytes: f.size_bytes,
                    sha256: f.sha256.clone(),
                })
                .collect(),
            custody: rows::custody(conn, &item.id)?,
        });
    }
    audit::record(
        conn,
        actor,
        Event::new("evidence.exported", "case", &case.id)
            .case(&case.id)
            .summary(format!("Evidence bundle exported ({} items)", items.len())),
    )?;
    write_bundle(store, &manifest, out).map_err(|e| ServiceError::Internal(format!("writing the evidence bundle: {e}")))
}

fn write_bundle(store: &FileStore, manifest: &Manifest, out: std::fs::File) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(out);
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
    zip.start_file("manifest.json", deflated)?;
    zip.write_all(serde_json::to_string_pretty(manifest)?.as_bytes())?;
    zip.start_file("index.html", deflated)?;
    zip.write_all(bundle_index(manifest)?.as_bytes())?;
    for item in &manifest.items {
        zip.start_file(format!("custody/{}.json", item.reference), deflated)?;
        zip.write_all(serde_json::to_string_pretty(&item.custody)?.as_bytes())?;
        for f in &item.files {
            zip.start_file(f.path.as_str(), stored)?;
            let mut src = std::fs::File::open(store.path_for(&f.sha256))?;
            std::io::copy(&mut src, &mut zip)?;
        }
    }
    zip.finish()?;
    Ok(())
}

fn bundle_index(manifest: &Manifest) -> Result<String, tera::Error> {
    let mut c = tera::Context::new();
    c.insert("manifest", manifest);
    crate::templates::TEMPLATES.render("evidence/bundle_index.html", &c)
}
