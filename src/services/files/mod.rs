//! The file store: every uploaded file is hashed
//! (SHA-256) as it streams in, its type is sniffed from its bytes, and it is kept under its hash,
//! written once and never overwritten. The same bytes uploaded twice are stored once.

use crate::db::DbConnection;
use crate::models::file::{self as rows, StoredFile};
use crate::models::now;
use crate::services::auth::{hex, random_token};
use crate::services::bucket::Bucket;
use crate::services::ServiceResult;
use chrono::NaiveDateTime;
use diesel::QueryResult;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// How many leading bytes are kept to sniff the type.
const SNIFF_BYTES: usize = 8192;

mod sniff;
pub use sniff::{sniff, sniff_file, Kind, COMPLAINT_KINDS, EVIDENCE_KINDS};

/// Where evidence and party files are kept: a local directory, or an S3-compatible bucket
/// ([`Bucket`]; the directory then only receives uploads while they are hashed). Everything that
/// stores or reads a file goes through here.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
    bucket: Option<Bucket>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum UploadError {
    #[error("{name} is larger than {limit_mb} MB")]
    TooLarge { name: String, limit_mb: u64 },
    #[error("{name} must be a PNG, JPEG, WebP or GIF image, a PDF, or a saved page (MHTML)")]
    WrongType { name: String },
    #[error("{name} must be a screenshot (PNG, JPEG, WebP, GIF), a PDF, a saved page (HTML or MHTML) or a web archive (WARC or WACZ)")]
    WrongEvidenceType { name: String },
    #[error("{name} is empty")]
    Empty { name: String },
    #[error("the file could not be saved: {0}")]
    Io(String),
}

/// A file being received: bytes go to a temporary file while the hash is computed.
pub struct UploadSink {
    tmp_path: PathBuf,
    file: tokio::fs::File,
    hasher: Sha256,
    head: Vec<u8>,
    size: u64,
    limit: u64,
    name: String,
    exceeded: bool,
}

/// A received file, hashed and sniffed, not yet in the store. Its temporary file is deleted when
/// it is dropped without being committed, so a refused or failed submission stores nothing.
#[derive(Debug)]
pub struct Received {
    pub tmp_path: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub kind: Kind,
    pub original_name: String,
}

impl Received {
    /// Deletes the temporary file (a refused submission stores nothing).
    pub fn discard(self) {
        drop(self);
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        // Committed files have been moved into the store: nothing is left to remove then.
        let _ = std::fs::remove_file(&self.tmp_path);
    }
}

impl UploadSink {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            self.exceeded = true;
            return Ok(()); // the rest of the field is read and dropped
        }
        if self.head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await.map_err(|e| UploadError::Io(e.to_string()))
    }

    /// Checks size and type; on any refusal the temporary file is removed.
    pub async fn finish(mut self, allowed: &[Kind]) -> Result<Received, UploadError> {
        let refuse = |e: UploadError, path: &Path| {
            let _ = std::fs::remove_file(path);
            Err(e)
        };
        if self.exceeded {
            return refuse(
                UploadError::TooLarge { name: self.name.clone(), limit_mb: self.limit / (1024 * 1024) },
                &self.tmp_path,
            );
        }
        if self.size == 0 {
            return refuse(UploadError::Empty { name: self.name.clone() }, &self.tmp_path);
        }
        if let Err(e) = self.file.flush().await {
            return refuse(UploadError::Io(e.to_string()), &self.tmp_path);
        }
        let (head, path) = (std::mem::take(&mut self.head), self.tmp_path.clone());
        let kind = tokio::task::spawn_blocking(move || sniff_file(&head, &path)).await.ok().flatten();
        let Some(kind) = kind.filter(|k| allowed.contains(k)) else {
            let all_documents = allowed.contains(&Kind::Html);
            let name = self.name.clone();
            let error =
                if all_documents { UploadError::WrongEvidenceType { name } } else { UploadError::WrongType { name } };
            return refuse(error, &self.tmp_path);
        };
        Ok(Received {
            tmp_path: self.tmp_path,
            sha256: hex(&self.hasher.finalize()),
            size: self.size,
            kind,
            original_name: self.name,
        })
    }
}

/// A file already in the store, to attach to an item.
#[derive(Debug, Clone)]
pub struct StoredUpload {
    pub sha256: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
}

fn stored_row(received: &Received) -> StoredFile {
    StoredFile {
        sha256: received.sha256.clone(),
        size_bytes: received.size as i64,
        media_type: received.kind.media_type().to_string(),
        created_at: now(),
    }
}

/// Moves received files into the store and records them, inside the caller's transaction: how a
/// service attaches the files of a form (evidence, re-captures, complaints) to what it saves.
/// `Received` in, `StoredUpload` (what items and complaints refer to) out. If the transaction
/// rolls back, the bytes stay in the store unrecorded; the same bytes arriving again are recorded
/// then.
pub fn commit_all(
    conn: &mut DbConnection,
    store: &FileStore,
    received: &[Received],
) -> ServiceResult<Vec<StoredUpload>> {
    crate::db::lock_file_store(conn, false)?;
    let mut out = Vec::with_capacity(received.len());
    for r in received {
        store.place(r).map_err(crate::services::ServiceError::Internal)?;
        let row = stored_row(r);
        rows::insert_stored_if_missing(conn, &row)?;
        out.push(StoredUpload {
            sha256: row.sha256,
            original_name: r.original_name.clone(),
            media_type: row.media_type,
            size_bytes: row.size_bytes,
        });
    }
    Ok(out)
}

/// Deletes stored files recorded before `before` that nothing refers to (see
/// [`rows::unreferenced_stored`]): their rows, then their bytes, inside the caller's write
/// transaction after [`crate::db::lock_file_store`] (exclusive). Returns how many went.
pub fn delete_unreferenced(conn: &mut DbConnection, store: &FileStore, before: NaiveDateTime) -> QueryResult<usize> {
    crate::db::lock_file_store(conn, true)?;
    let mut deleted = 0;
    for sha256 in rows::unreferenced_stored(conn, before, 1000)? {
        rows::delete_stored(conn, &sha256)?;
        if let Err(e) = store.remove(&sha256) {
            tracing::warn!(sha256 = %sha256, store = %store.describe(), error = %e, "an unreferenced stored file could not be deleted")
        }
        deleted += 1;
    }
    Ok(deleted)
}

/// A file name safe to show and to offer as a download name.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>')).take(200).collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned.trim().to_string()
    }
}

impl FileStore {
    /// A store in a local directory.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), bucket: None }
    }

    /// The store `EVIDENCE_STORE` names (see [`crate::config::Config::evidence_dir`]).
    pub fn from_config(config: &crate::config::Config) -> Result<Self, String> {
        let bucket = config.evidence_s3.as_ref().map(Bucket::new).transpose()?;
        Ok(Self { root: config.evidence_dir.clone(), bucket })
    }

    /// The bucket, when the store is one.
    pub fn bucket(&self) -> Option<&Bucket> {
        self.bucket.as_ref()
    }

    /// The local directory: the store itself, or (with a bucket) where uploads are received.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the bytes with this hash live in a local store: `ab/cd/abcd…` (in a bucket, the
    /// object [`Bucket::key_for`] names).
    pub fn path_for(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
    }

    pub async fn begin(&self, original_name: &str, limit: u64) -> Result<UploadSink, UploadError> {
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(|e| UploadError::Io(e.to_string()))?;
        let tmp_path = tmp_dir.join(format!("upload-{}", &random_token()[..32]));
        let file = tokio::fs::File::create(&tmp_path).await.map_err(|e| UploadError::Io(e.to_string()))?;
        Ok(UploadSink {
            tmp_path,
            file,
            hasher: Sha256::new(),
            head: Vec::with_capacity(SNIFF_BYTES),
            size: 0,
            limit,
            name: clean_file_name(original_name),
            exceeded: false,
        })
    }

    /// Moves a received file into the store under its hash (unless those bytes are already
    /// there: nothing is ever overwritten) and records it. Blocking: call from the blocking pool.
    /// Services attach files with [`commit_all`].
    pub fn commit(&self, conn: &mut DbConnection, received: &Received) -> Result<StoredFile, String> {
        crate::db::lock_file_store(conn, false).map_err(|e| e.to_string())?;
        self.place(received)?;
        let row = stored_row(received);
        rows::insert_stored_if_missing(conn, &row).map_err(|e| e.to_string())?;
        Ok(row)
    }

    /// Puts the received bytes at their place in the store (read-only), or drops them when the
    /// same bytes are there already.
    fn place(&self, received: &Received) -> Result<(), String> {
        if let Some(bucket) = &self.bucket {
            bucket
                .put_file(&received.sha256, &received.tmp_path)
                .map_err(|e| format!("storing {} in {}: {e}", received.sha256, bucket.url()))?;
            let _ = std::fs::remove_file(&received.tmp_path);
            return Ok(());
        }
        let dest = self.path_for(&received.sha256);
        if dest.exists() {
            let _ = std::fs::remove_file(&received.tmp_path);
            return Ok(());
        }
        let parent = dest.parent().expect("hash path has a parent");
        std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
        std::fs::rename(&received.tmp_path, &dest).map_err(|e| format!("storing {}: {e}", dest.display()))?;
        let mut perms = std::fs::metadata(&dest).map_err(|e| e.to_string())?.permissions();
        perms.set_readonly(true);
        let _ = std::fs::set_permissions(&dest, perms);
        Ok(())
    }

    /// Writes a small file in the store, reads it back and removes it (the readiness check).
    pub fn probe(&self) -> std::io::Result<()> {
        let dir = self.root.join("tmp");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("probe-{}", &random_token()[..16]));
        std::fs::write(&path, b"ready")?;
        let back = std::fs::read(&path);
        let _ = std::fs::remove_file(&path);
        if back? != b"ready" {
            return Err(std::io::Error::other("the probe file read back differently"));
        }
        match &self.bucket {
            Some(bucket) => bucket.probe(),
            None => Ok(()),
        }
    }

    /// The whole file (small files and tests only: everything else streams with [`Self::open`]).
    pub fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut self.open(sha256)?, &mut out)?;
        Ok(out)
    }

    /// The stored bytes, read in chunks (blocking: from the blocking pool or a command).
    pub fn open(&self, sha256: &str) -> std::io::Result<Box<dyn std::io::Read + Send>> {
        if let Some(bucket) = &self.bucket {
            return bucket.open(sha256);
        }
        Ok(Box::new(std::fs::File::open(self.path_for(sha256))?))
    }

    /// Whether the bytes with this hash are in the store (blocking).
    pub fn exists(&self, sha256: &str) -> std::io::Result<bool> {
        if let Some(bucket) = &self.bucket {
            return bucket.exists(sha256);
        }
        self.path_for(sha256).try_exists()
    }

    /// Removes the bytes with this hash; bytes already gone are not an error (blocking).
    pub fn remove(&self, sha256: &str) -> std::io::Result<()> {
        if let Some(bucket) = &self.bucket {
            return bucket.remove(sha256);
        }
        match std::fs::remove_file(self.path_for(sha256)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Stores bytes made here (a subject access export) under their hash, unless they are there
    /// already (blocking). The caller has computed `sha256` from `bytes`.
    pub fn put_bytes(&self, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(bucket) = &self.bucket {
            return bucket.put_bytes(sha256, bytes);
        }
        let dest = self.path_for(sha256);
        if dest.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(dest.parent().expect("hash path has a parent"))?;
        let tmp = self.root.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let partial = tmp.join(format!("put-{}", &random_token()[..32]));
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, &dest)
    }

    /// Stores a file of a backup under its hash, unless those bytes are there already (blocking).
    pub fn put_file(&self, sha256: &str, from: &Path) -> std::io::Result<()> {
        if let Some(bucket) = &self.bucket {
            return bucket.put_file(sha256, from);
        }
        let dest = self.path_for(sha256);
        if dest.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(dest.parent().expect("hash path has a parent"))?;
        std::fs::copy(from, &dest).map(|_| ())
    }

    /// The size of the stored bytes.
    pub async fn size(&self, sha256: &str) -> std::io::Result<u64> {
        if let Some(bucket) = &self.bucket {
            return bucket.size(sha256).await;
        }
        Ok(tokio::fs::metadata(self.path_for(sha256)).await?.len())
    }

    /// The stored bytes as a stream of chunks, for a download (memory stays flat).
    pub async fn stream(&self, sha256: &str) -> std::io::Result<ByteStream> {
        if let Some(bucket) = &self.bucket {
            return bucket.stream(sha256).await;
        }
        let file = tokio::fs::File::open(self.path_for(sha256)).await?;
        Ok(stream_file(file))
    }

    /// Where the store is, for messages (a directory, or `s3://bucket/prefix`).
    pub fn describe(&self) -> String {
        match &self.bucket {
            Some(bucket) => bucket.url().to_string(),
            None => self.root.display().to_string(),
        }
    }
}

/// Chunks of a stored file on their way to a download.
pub type ByteStream = futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>;

/// A local file read in 64 KiB chunks.
pub fn stream_file(file: tokio::fs::File) -> ByteStream {
    use futures_util::StreamExt;
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_goes_by_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Kind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None, "a Windows executable is not accepted");
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), None);
        assert_eq!(sniff(b"hello"), None);
        assert_eq!(sniff(b"<!DOCTYPE html><html><body>x"), Some(Kind::Html));
        assert_eq!(sniff(b"\n  <html lang=en>"), Some(Kind::Html));
        assert_eq!(sniff(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n"), Some(Kind::Warc));
        assert_eq!(
            sniff(b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype=\"text/html\""),
            Some(Kind::Mhtml)
        );
    }

    /// Housekeeping deletes stored files nothing refers to: a new column naming a stored file
    /// must be added to `models::file::unreferenced_stored`, then here.
    #[test]
    fn every_column_naming_a_stored_file_is_known_to_housekeeping() {
        let schema = include_str!("../../db/schema.rs");
        let mut table = "";
        let mut found = Vec::new();
        for line in schema.lines() {
            if let Some(name) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(" {")) {
                if !name.starts_with(' ') {
                    table = name.split(' ').next().unwrap_or("");
                }
            }
            if line.trim_start().starts_with("sha256 ->") || line.trim_start().starts_with("file_sha256 ->") {
                found.push(table);
            }
        }
        found.sort();
        assert_eq!(
            found,
            [
                "complaint_files",
                "custody_log",
                // Subject access exports kept as disclosed.
                "disclosures",
                "draft_files",
                "evidence_files",
                "investigation_entries",
                // What the parties send from their own pages (issue 21).
                "party_files",
                // Not stored files: the hash of an import's CSV (kept in the row itself) and of a
                // snapshot's own page and CSV.
                "register_imports",
                "report_snapshots",
                "stored_files",
            ]
        );
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\me\\shot.png"), "shot.png");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b<c>.png"), "abc.png");
        assert_eq!(clean_file_name(""), "file");
    }
}
