//! Verification: every file of an item re-hashed against its recorded SHA-256, and its custody
//! chain re-walked; on request from an item's page (recorded in its log) and for the whole store
//! from the `verify-evidence` command.

use super::custody::{self, append_custody, chain_hash, with_retry, CustodyAction, GENESIS};
use super::items::find;
use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::evidence::{self as rows, EvidenceItem};
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
