//! Verification: every file of an item re-hashed against its recorded SHA-256, and its custody
//! chain re-walked; on request from an item's page (recorded in its log) and for the whole store
//! from the `verify-evidence` command.

use super::custody::{
    self, append_custody, with_retry, Captured, CustodyAction, Link, RecordedCorrection, RecordedCreated,
    RecordedUpload, GENESIS,
};
use super::items::find;
use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::evidence::{self as rows, CustodyEntry, EvidenceFile, EvidenceItem, EvidenceVersion};
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::files::FileStore;
use crate::services::ServiceResult;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;

/// The SHA-256 of a stored file, read in chunks (never whole into memory).
pub fn hash_stored(store: &FileStore, sha256: &str) -> std::io::Result<String> {
    let mut file = store.open(sha256)?;
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
    /// Differences from the record: verification failed.
    pub problems: Vec<String>,
    /// What could not be checked and why (entries recorded before details were kept): not a
    /// failure, said so on the page and by the command.
    pub notes: Vec<String>,
    /// `EVIDENCE_KEY` is set and the newest entries are not keyed (one of the problems): the
    /// chain was written before the key was set, or rebuilt without it.
    pub unsealed: bool,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// "3 March 2026".
fn day(t: &chrono::NaiveDateTime) -> String {
    t.format("%-d %B %Y").to_string()
}

/// "entry 3" or "entries 3 to 7".
fn entry_range(from: i32, to: i32) -> String {
    if from == to {
        format!("custody entry {from}")
    } else {
        format!("custody entries {from} to {to}")
    }
}

/// Walks the chain: each entry follows the one before, its hash matches its contents under its
/// recorded scheme, and the item's head is the last entry. With `EVIDENCE_KEY` set, the newest
/// entry must be keyed (a keyed entry covers every entry before it through `prev_hash`).
fn check_chain(item: &EvidenceItem, entries: &[CustodyEntry], key: Option<&[u8]>, report: &mut VerifyReport) {
    let mut prev = GENESIS.to_string();
    let mut needs_key: Vec<i32> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i32 + 1;
        if e.seq != expected_seq {
            report.problems.push(format!("custody entry {expected_seq} is missing (found entry {} next)", e.seq));
            break;
        }
        if e.prev_hash != prev {
            report.problems.push(format!(
                "custody entry {} does not follow entry {}: the chain is broken",
                e.seq,
                e.seq - 1
            ));
        }
        match custody::check_link(e, key) {
            Link::Matches => {}
            Link::Altered if e.hash_scheme == custody::KEYED => report.problems.push(format!(
                "custody entry {} ({}) has been altered, or EVIDENCE_KEY is not the key it was sealed with: \
                 its hash does not match its contents",
                e.seq, e.action
            )),
            Link::Altered => report.problems.push(format!(
                "custody entry {} ({}) has been altered: its hash does not match its contents",
                e.seq, e.action
            )),
            Link::NeedsKey => needs_key.push(e.seq),
            Link::Unknown => report.problems.push(format!(
                "custody entry {} has an unknown hash scheme ({:?}) and cannot be checked",
                e.seq, e.hash_scheme
            )),
        }
        prev = e.entry_hash.clone();
    }
    if let (Some(first), Some(last)) = (needs_key.first(), needs_key.last()) {
        report.problems.push(format!(
            "{} {} sealed with EVIDENCE_KEY and cannot be checked without it: set EVIDENCE_KEY to verify this item",
            entry_range(*first, *last),
            if first == last { "was" } else { "were" }
        ));
    }
    if entries.len() as i32 != item.custody_count || prev != item.custody_head {
        report.problems.push(format!(
            "the custody log ends at entry {} but {} entries were recorded: entries are missing",
            entries.len(),
            item.custody_count
        ));
    }
    if key.is_some() {
        let last_keyed = entries.iter().rev().find(|e| e.hash_scheme == custody::KEYED).map(|e| e.seq).unwrap_or(0);
        let newest = entries.last().map(|e| e.seq).unwrap_or(0);
        if newest > last_keyed {
            report.unsealed = true;
            report.problems.push(format!(
                "{} {} not sealed with EVIDENCE_KEY: anyone with access to the database could have rewritten {}. \
                 If they were written before the key was set, run `standards-desk verify-evidence --seal` once",
                entry_range(last_keyed + 1, newest),
                if newest == last_keyed + 1 { "is" } else { "are" },
                if newest == last_keyed + 1 { "it" } else { "them" },
            ));
        }
    }
}

/// A metadata field as recorded and as it is now.
fn compare(
    problems: &mut Vec<String>,
    what: &str,
    recorded: Option<&str>,
    current: Option<&str>,
    version: i32,
    single: bool,
    when: &str,
) {
    if recorded != current {
        let of = if single { String::new() } else { format!(" of version {version}") };
        problems.push(format!("the {what}{of} differs from what was recorded {when}"));
    }
}

/// The item's versions compared with the metadata its `created` and `corrected` entries recorded.
fn check_metadata(
    item: &EvidenceItem,
    versions: &[EvidenceVersion],
    entries: &[CustodyEntry],
    report: &mut VerifyReport,
) {
    // version number -> (what was recorded, when, how it was recorded)
    let mut recorded: Vec<(i32, Option<Captured>, &CustodyEntry, Option<RecordedCreated>)> = Vec::new();
    for e in entries {
        if e.action == CustodyAction::Created.as_str() {
            let details: RecordedCreated = serde_json::from_str(&e.details).unwrap_or_default();
            if details.kind.as_deref().is_some_and(|k| k != item.kind.as_str()) {
                report.problems.push(format!(
                    "the kind of evidence differs from what was recorded when it was added on {}",
                    day(&e.occurred_at)
                ));
            }
            if details.source.as_deref().is_some_and(|s| s != item.source.as_str()) {
                report.problems.push(format!(
                    "who captured it (the source) differs from what was recorded when it was added on {}",
                    day(&e.occurred_at)
                ));
            }
            recorded.push((1, details.captured.clone(), e, Some(details)));
        } else if e.action == CustodyAction::Corrected.as_str() {
            let details: RecordedCorrection = serde_json::from_str(&e.details).unwrap_or_default();
            if let Some(v) = details.version.or(details.captured.as_ref().map(|c| c.version)) {
                recorded.push((v, details.captured, e, None));
            }
        }
    }
    let single = versions.len() == 1;
    for v in versions {
        let Some((_, captured, entry, created)) = recorded.iter().find(|(n, ..)| *n == v.version) else {
            report.problems.push(format!(
                "version {} of the captured details (dated {}) is not in the custody record",
                v.version,
                day(&v.created_at)
            ));
            continue;
        };
        let when = if v.version == 1 {
            format!("when it was added on {}", day(&entry.occurred_at))
        } else {
            format!("at its correction on {}", day(&entry.occurred_at))
        };
        match captured {
            Some(c) => {
                let p = &mut report.problems;
                compare(p, "title", Some(&c.title), Some(&v.title), v.version, single, &when);
                compare(p, "link", c.url.as_deref(), v.url.as_deref(), v.version, single, &when);
                compare(
                    p,
                    "canonical link",
                    c.canonical_url.as_deref(),
                    v.canonical_url.as_deref(),
                    v.version,
                    single,
                    &when,
                );
                compare(p, "platform", c.platform.as_deref(), v.platform.as_deref(), v.version, single, &when);
                compare(
                    p,
                    "account handle",
                    c.account_handle.as_deref(),
                    v.account_handle.as_deref(),
                    v.version,
                    single,
                    &when,
                );
                compare(
                    p,
                    "account name",
                    c.display_name.as_deref(),
                    v.display_name.as_deref(),
                    v.version,
                    single,
                    &when,
                );
                compare(p, "account bio", c.account_bio.as_deref(), v.account_bio.as_deref(), v.version, single, &when);
                compare(p, "post text", c.post_text.as_deref(), v.post_text.as_deref(), v.version, single, &when);
                let posted = v.posted_at.as_ref().map(custody::timestamp);
                compare(p, "time posted", c.posted_at.as_deref(), posted.as_deref(), v.version, single, &when);
                let captured_at = custody::timestamp(&v.captured_at);
                compare(p, "time captured", Some(&c.captured_at), Some(&captured_at), v.version, single, &when);
                compare(p, "captured by", Some(&c.captured_by), Some(&v.captured_by), v.version, single, &when);
                compare(p, "notes", c.notes.as_deref(), v.notes.as_deref(), v.version, single, &when);
            }
            None => {
                // Recorded before details were kept: check what the entry did record.
                let mut checked = Vec::new();
                if let Some(created) = created {
                    if let Some(title) = &created.title {
                        compare(&mut report.problems, "title", Some(title), Some(&v.title), v.version, single, &when);
                        checked.push("title");
                    }
                    if let Some(url) = &created.url {
                        compare(
                            &mut report.problems,
                            "link",
                            url.as_deref(),
                            v.url.as_deref(),
                            v.version,
                            single,
                            &when,
                        );
                        checked.push("link");
                    }
                }
                report.notes.push(format!(
                    "version {} was recorded on {} before the custody log kept the captured details: {}",
                    v.version,
                    day(&entry.occurred_at),
                    if checked.is_empty() {
                        "its text and times cannot be checked against the record".to_string()
                    } else {
                        format!("only its {} could be checked; its text and times cannot be", checked.join(" and "))
                    }
                ));
            }
        }
    }
    for (n, _, entry, _) in &recorded {
        if !versions.iter().any(|v| v.version == *n) {
            report.problems.push(format!(
                "version {n} of the captured details, recorded on {}, is missing",
                day(&entry.occurred_at)
            ));
        }
    }
    let newest = recorded.iter().map(|(n, ..)| *n).max().unwrap_or(1);
    if item.current_version != newest {
        report.problems.push(format!(
            "the item shows version {} of its details but the custody record's latest is version {newest}",
            item.current_version
        ));
    }
}

/// The item's file rows compared with the files its `uploaded` entries recorded.
fn check_files(files: &[EvidenceFile], entries: &[CustodyEntry], report: &mut VerifyReport) {
    struct Upload<'a> {
        entry: &'a CustodyEntry,
        sha256: &'a str,
        details: RecordedUpload,
        matched: bool,
    }
    let mut uploads: Vec<Upload> = entries
        .iter()
        .filter(|e| e.action == CustodyAction::Uploaded.as_str())
        .map(|e| Upload {
            entry: e,
            sha256: e.file_sha256.as_deref().unwrap_or(""),
            details: serde_json::from_str(&e.details).unwrap_or_default(),
            matched: false,
        })
        .collect();
    let mut legacy = false;
    for f in files {
        // The entry that recorded this row (by its id), else (entries from before the row's id
        // was recorded) an unmatched entry with the same SHA-256 and name.
        let by_id = uploads.iter().position(|u| !u.matched && u.details.file_id.as_deref() == Some(f.id.as_str()));
        let found = by_id.or_else(|| {
            uploads.iter().position(|u| {
                !u.matched
                    && u.details.file_id.is_none()
                    && u.sha256 == f.sha256
                    && u.details.file.as_deref().is_none_or(|n| n == f.original_name)
            })
        });
        let Some(i) = found else {
            report.problems.push(format!(
                "a file is not in the custody record: {} (SHA-256 {}), no upload of it was recorded for this item",
                f.original_name, f.sha256
            ));
            continue;
        };
        let u = &mut uploads[i];
        u.matched = true;
        legacy |= u.details.file_id.is_none();
        let when = day(&u.entry.occurred_at);
        if u.sha256 != f.sha256 {
            report.problems.push(format!(
                "{}: the file is not the one recorded at upload on {when} (SHA-256 now {}, recorded {})",
                f.original_name, f.sha256, u.sha256
            ));
        }
        if u.details.file.as_deref().is_some_and(|n| n != f.original_name) {
            report.problems.push(format!(
                "{}: the file's name differs from what was recorded at upload on {when} ({})",
                f.original_name,
                u.details.file.as_deref().unwrap_or("")
            ));
        }
        if u.details.size.is_some_and(|s| s != f.size_bytes) {
            report.problems.push(format!(
                "{}: the file's size differs from what was recorded at upload on {when}",
                f.original_name
            ));
        }
        if u.details.media_type.as_deref().is_some_and(|m| m != f.media_type) {
            report.problems.push(format!(
                "{}: the file's type differs from what was recorded at upload on {when}",
                f.original_name
            ));
        }
    }
    for u in uploads.iter().filter(|u| !u.matched) {
        report.problems.push(format!(
            "a file recorded at upload on {} is missing: {} (SHA-256 {})",
            day(&u.entry.occurred_at),
            u.details.file.as_deref().unwrap_or("a file"),
            u.sha256
        ));
    }
    if legacy {
        report.notes.push(
            "some files were recorded before the custody log kept which file row they are: they were matched by \
             SHA-256 and name"
                .to_string(),
        );
    }
}

/// Re-hashes every file of the item, re-walks its custody chain, and compares the item's rows
/// (its details, versions and files) with what the chain recorded.
pub fn check_item(
    conn: &mut DbConnection,
    store: &FileStore,
    case: &Case,
    item: &EvidenceItem,
) -> QueryResult<VerifyReport> {
    let mut report = VerifyReport {
        reference: format!("{}/E{}", case.reference, item.number),
        files_checked: 0,
        entries_checked: 0,
        problems: Vec::new(),
        notes: Vec::new(),
        unsealed: false,
    };
    let files = rows::files(conn, &item.id)?;
    for f in &files {
        match hash_stored(store, &f.sha256) {
            Ok(actual) if actual == f.sha256 => {}
            Ok(actual) => report.problems.push(format!(
                "{}: the file has changed on disk (SHA-256 now {actual}, recorded {})",
                f.original_name, f.sha256
            )),
            Err(e) => report.problems.push(format!("{}: the stored file cannot be read ({e})", f.original_name)),
        }
    }
    let entries = rows::custody(conn, &item.id)?;
    check_chain(item, &entries, custody::key(), &mut report);
    let versions = rows::versions(conn, &item.id)?;
    match entries.first().filter(|e| e.action == CustodyAction::Destroyed.as_str()) {
        // Destroyed under the retention schedule: the tombstone starts a new chain, and no
        // details or files may be left.
        Some(stone) => {
            if !versions.is_empty() || !files.is_empty() {
                report.problems.push(format!(
                    "the item was destroyed on {} but {} of its details or files remain",
                    day(&stone.occurred_at),
                    versions.len() + files.len()
                ));
            }
            report.notes.push(format!(
                "destroyed under the retention schedule on {}: its details, files and earlier custody entries were \
                 removed; the tombstone records the earlier chain's head",
                day(&stone.occurred_at)
            ));
        }
        None => {
            check_metadata(item, &versions, &entries, &mut report);
            check_files(&files, &entries, &mut report);
        }
    }
    report.files_checked = files.len();
    report.entries_checked = entries.len();
    Ok(report)
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
        let details = custody::Checked { ok: report.ok(), problems: &report.problems };
        append_custody(conn, actor, &item.id, CustodyAction::Verified, None, &details)?;
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

/// Checks every item in the store (the `verify-evidence` command), and that each case's items
/// run E1, E2, … without a gap (a deleted item). With `seal` (`verify-evidence --seal`, only with
/// `EVIDENCE_KEY` set), an item whose only problem is that its newest entries are not keyed (they
/// were written before the key was set) gets a keyed `verified` entry, which covers them all.
pub fn verify_all(conn: &mut DbConnection, store: &FileStore, seal: Option<&Actor>) -> QueryResult<Vec<VerifyReport>> {
    let mut reports = Vec::new();
    let mut items = rows::list_all_items(conn)?;
    items.sort_by(|a, b| (&a.case_id, a.number).cmp(&(&b.case_id, b.number)));
    let mut last: Option<(String, i32)> = None;
    for item in items {
        let case = crate::models::case::find(conn, &item.case_id)?.ok_or(diesel::result::Error::NotFound)?;
        let expected = match &last {
            Some((case_id, n)) if *case_id == item.case_id => n + 1,
            _ => 1,
        };
        for missing in expected..item.number {
            reports.push(VerifyReport {
                reference: format!("{}/E{missing}", case.reference),
                files_checked: 0,
                entries_checked: 0,
                problems: vec![format!(
                    "evidence E{missing} is missing: the case's items go on to E{} (an item has been deleted)",
                    item.number
                )],
                notes: Vec::new(),
                unsealed: false,
            });
        }
        last = Some((item.case_id.clone(), item.number));
        let mut report = check_item(conn, store, &case, &item)?;
        if let Some(actor) = seal {
            if report.unsealed && report.problems.len() == 1 && custody::key().is_some() {
                with_retry(conn, |conn| {
                    let details = custody::Checked { ok: true, problems: &[] };
                    append_custody(conn, actor, &item.id, CustodyAction::Verified, None, &details).map(|_| ())
                })?;
                report.problems.clear();
                report.unsealed = false;
                report.notes.push("sealed now with EVIDENCE_KEY".into());
            }
        }
        reports.push(report);
    }
    Ok(reports)
}
