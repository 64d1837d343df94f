//! The custody log: every upload, view, download, export, verification and status change of an
//! item, each entry hash-chained to the one before, so that an edited or deleted entry shows.

use crate::db::DbConnection;
use crate::models::evidence::{self as rows, CustodyEntry, EvidenceVersion};
use crate::models::{new_id, now};
use crate::services::audit::Actor;
use crate::services::auth::sha256_hex;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

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
    /// The tombstone left when the item's case was destroyed under the retention schedule: the
    /// first entry of a new chain (see SECURITY.md).
    Destroyed,
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
            CustodyAction::Destroyed => "destroyed",
        }
    }
}

/// How an entry is linked to the one before: a plain SHA-256, or an HMAC-SHA256 keyed with
/// `EVIDENCE_KEY` (recorded per entry in `hash_scheme`).
pub const PLAIN: &str = "sha256";
pub const KEYED: &str = "hmac-sha256";

/// The shortest `EVIDENCE_KEY` accepted (characters).
pub const MIN_KEY_LEN: usize = 32;

static EVIDENCE_KEY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// Sets the process's `EVIDENCE_KEY` (once, at start-up, from the configuration): from then on
/// every new custody entry is linked with an HMAC under it, and verification can check keyed
/// entries. A process without the key writes plain links and cannot check keyed ones.
pub fn use_key(key: &[u8]) -> Result<(), String> {
    if key.len() < MIN_KEY_LEN {
        return Err(format!("EVIDENCE_KEY must be at least {MIN_KEY_LEN} characters"));
    }
    match EVIDENCE_KEY.get() {
        Some(k) if k.as_slice() != key => Err("EVIDENCE_KEY is already set to another key".into()),
        Some(_) => Ok(()),
        None => {
            let _ = EVIDENCE_KEY.set(key.to_vec());
            Ok(())
        }
    }
}

/// The key in use, if any.
pub fn key() -> Option<&'static [u8]> {
    EVIDENCE_KEY.get().map(Vec::as_slice)
}

/// What an entry's link covers: its contents (the details hold what was recorded: the file's
/// name and size, the item's captured metadata) and the hash of the entry before it.
fn link_input(prev: &str, e: &CustodyEntry) -> String {
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
}

/// The plain hash of an entry: its contents and the hash of the entry before it.
pub fn chain_hash(prev: &str, e: &CustodyEntry) -> String {
    sha256_hex(link_input(prev, e).as_bytes())
}

/// The keyed hash of an entry (HMAC-SHA256 of what [`chain_hash`] covers).
pub fn keyed_hash(key: &[u8], prev: &str, e: &CustodyEntry) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(link_input(prev, e).as_bytes());
    crate::services::auth::hex(&mac.finalize().into_bytes())
}

/// Whether an entry's stored hash matches its contents, under its recorded scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Matches,
    Altered,
    /// Keyed with `EVIDENCE_KEY`, which this process does not have.
    NeedsKey,
    /// A scheme this version does not know.
    Unknown,
}

pub fn check_link(e: &CustodyEntry, key: Option<&[u8]>) -> Link {
    let expected = match (e.hash_scheme.as_str(), key) {
        (PLAIN, _) => chain_hash(&e.prev_hash, e),
        (KEYED, Some(k)) => keyed_hash(k, &e.prev_hash, e),
        (KEYED, None) => return Link::NeedsKey,
        _ => return Link::Unknown,
    };
    if crate::services::auth::tokens_match(&expected, &e.entry_hash) {
        Link::Matches
    } else {
        Link::Altered
    }
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
        hash_scheme: if key().is_some() { KEYED } else { PLAIN }.to_string(),
    };
    entry.entry_hash = match key() {
        Some(k) => keyed_hash(k, &prev, &entry),
        None => chain_hash(&prev, &entry),
    };
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

// The details recorded with each kind of entry. Those that verification compares with the rows
// (created, uploaded, corrected) are read back with every field optional: entries written before
// a field was recorded still read.

/// An item's captured metadata as recorded (one version), compared with its version row by
/// verification. Times are written as `YYYY-MM-DDTHH:MM:SS.ffffff` (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captured {
    pub account_bio: Option<String>,
    pub account_handle: Option<String>,
    pub canonical_url: Option<String>,
    pub captured_at: String,
    pub captured_by: String,
    pub display_name: Option<String>,
    pub notes: Option<String>,
    pub platform: Option<String>,
    pub post_text: Option<String>,
    pub posted_at: Option<String>,
    pub title: String,
    pub url: Option<String>,
    pub version: i32,
}

pub fn timestamp(t: &chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

impl Captured {
    pub fn of(v: &EvidenceVersion) -> Self {
        Captured {
            account_bio: v.account_bio.clone(),
            account_handle: v.account_handle.clone(),
            canonical_url: v.canonical_url.clone(),
            captured_at: timestamp(&v.captured_at),
            captured_by: v.captured_by.clone(),
            display_name: v.display_name.clone(),
            notes: v.notes.clone(),
            platform: v.platform.clone(),
            post_text: v.post_text.clone(),
            posted_at: v.posted_at.as_ref().map(timestamp),
            title: v.title.clone(),
            url: v.url.clone(),
            version: v.version,
        }
    }
}

#[derive(Serialize)]
pub(super) struct Created<'a> {
    pub captured: &'a Captured,
    pub kind: &'a str,
    pub source: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
}

/// A `created` entry as read back (before details were kept, only kind, source, title and link).
#[derive(Debug, Default, Deserialize)]
pub struct RecordedCreated {
    pub captured: Option<Captured>,
    pub kind: Option<String>,
    pub source: Option<String>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub url: Option<Option<String>>,
}

/// A field that may be absent (None) or present and null (Some(None)).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Serialize)]
pub(super) struct Uploaded<'a> {
    pub file: &'a str,
    pub file_id: &'a str,
    pub media_type: &'a str,
    pub size: i64,
}

/// An `uploaded` entry as read back (the SHA-256 is the entry's own column; before the file row's
/// id was recorded, files are matched by SHA-256 and name).
#[derive(Debug, Default, Deserialize)]
pub struct RecordedUpload {
    pub file: Option<String>,
    pub file_id: Option<String>,
    pub media_type: Option<String>,
    pub size: Option<i64>,
}

#[derive(Serialize)]
pub(super) struct Corrected<'a> {
    pub captured: &'a Captured,
    pub reason: Option<&'a str>,
    pub version: i32,
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordedCorrection {
    pub captured: Option<Captured>,
    pub version: Option<i32>,
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
        let uploaded = Uploaded { file: "a.png", file_id: "f1", media_type: "image/png", size: 3 };
        assert_eq!(
            serde_json::to_string(&uploaded).unwrap(),
            r#"{"file":"a.png","file_id":"f1","media_type":"image/png","size":3}"#
        );
        let checked = StatusChecked { from: "unknown", note: None, to: "removed" };
        assert_eq!(serde_json::to_string(&checked).unwrap(), r#"{"from":"unknown","note":null,"to":"removed"}"#);
        // Entries written before details were kept still read back.
        let old: RecordedCreated =
            serde_json::from_str(r#"{"kind":"post","source":"officer","title":"T","url":null}"#).unwrap();
        assert!(old.captured.is_none());
        assert_eq!((old.title.as_deref(), old.url), (Some("T"), Some(None)));
        let older: RecordedCreated = serde_json::from_str(r#"{"title":"T"}"#).unwrap();
        assert_eq!(older.url, None);
        let upload: RecordedUpload =
            serde_json::from_str(r#"{"file":"a.png","media_type":"image/png","size":3}"#).unwrap();
        assert_eq!((upload.file_id, upload.size), (None, Some(3)));
    }

    #[test]
    fn the_keyed_link_is_hmac_sha256() {
        use hmac::{KeyInit, Mac};
        // RFC 4231 test case 2.
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            crate::services::auth::hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
