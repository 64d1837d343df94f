//! The custody log: every upload, view, download, export, verification and status change of an
//! item, each entry hash-chained to the one before, so that an edited or deleted entry shows.

use crate::db::DbConnection;
use crate::models::evidence::{self as rows, CustodyEntry};
use crate::models::{new_id, now};
use crate::services::audit::Actor;
use crate::services::auth::sha256_hex;
use diesel::prelude::*;
use serde::Serialize;

/// The hash an item's chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to an item (stored as its code: the log keeps whatever was written, so the
/// stored column stays text and old entries always read back for verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustodyAction {
    Created,
    Uploaded,
    Viewed,
    Downloaded,
    Exported,
    Verified,
    StatusChanged,
    Corrected,
}

impl CustodyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CustodyAction::Created => "created",
            CustodyAction::Uploaded => "uploaded",
            CustodyAction::Viewed => "viewed",
            CustodyAction::Downloaded => "downloaded",
            CustodyAction::Exported => "exported",
            CustodyAction::Verified => "verified",
            CustodyAction::StatusChanged => "status_changed",
            CustodyAction::Corrected => "corrected",
        }
    }
}

/// The hash of an entry: its contents and the hash of the entry before it.
pub fn chain_hash(prev: &str, e: &CustodyEntry) -> String {
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

/// Appends an entry to the item's chain (inside the caller's transaction). `details` is stored as
/// JSON; detail structs list their fields in alphabetical order, as the log has always had them.
pub fn append_custody<D: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    item_id: &str,
    action: CustodyAction,
    file_sha256: Option<&str>,
    details: &D,
) -> QueryResult<CustodyEntry> {
    let details = serde_json::to_string(details).map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    let last = rows::last_custody(conn, item_id)?;
    let (prev, seq) = match &last {
        Some(l) => (l.entry_hash.clone(), l.seq + 1),
        None => (GENESIS.to_string(), 1),
    };
    let mut entry = CustodyEntry {
        id: new_id(),
        item_id: item_id.to_string(),
        seq,
        action: action.as_str().to_string(),
        file_sha256: file_sha256.map(str::to_string),
        actor_user_id: actor.user_id.clone(),
        actor_label: actor.label.clone(),
        ip_address: actor.ip.clone(),
        occurred_at: now(),
        details,
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
        match crate::db::write(conn, &mut f) {
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

// The details recorded with each kind of entry.

#[derive(Serialize)]
pub(super) struct Created<'a> {
    pub kind: &'a str,
    pub source: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct Uploaded<'a> {
    pub file: &'a str,
    pub media_type: &'a str,
    pub size: i64,
}

#[derive(Serialize)]
pub(super) struct Corrected<'a> {
    pub reason: Option<&'a str>,
    pub version: i32,
}

#[derive(Serialize)]
pub(super) struct StatusChecked<'a> {
    pub from: &'a str,
    pub note: Option<String>,
    pub to: &'a str,
}

#[derive(Serialize)]
pub(super) struct RemovedAfterTakedown<'a> {
    pub takedown: i32,
    pub to: &'a str,
}

#[derive(Serialize)]
pub(super) struct FileAccessed<'a> {
    pub file: &'a str,
}

#[derive(Serialize)]
pub(super) struct Checked<'a> {
    pub ok: bool,
    pub problems: &'a [String],
}

#[derive(Serialize)]
pub(super) struct Exported {
    pub bundle: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_json_with_their_keys_in_order() {
        let uploaded = Uploaded { file: "a.png", media_type: "image/png", size: 3 };
        assert_eq!(serde_json::to_string(&uploaded).unwrap(), r#"{"file":"a.png","media_type":"image/png","size":3}"#);
        let checked = StatusChecked { from: "unknown", note: None, to: "removed" };
        assert_eq!(serde_json::to_string(&checked).unwrap(), r#"{"from":"unknown","note":null,"to":"removed"}"#);
        let created = Created { kind: "post", source: "officer", title: "T", url: None };
        assert_eq!(
            serde_json::to_string(&created).unwrap(),
            r#"{"kind":"post","source":"officer","title":"T","url":null}"#
        );
    }
}
