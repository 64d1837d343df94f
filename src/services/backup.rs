//! Backups of a SQLite deployment: a consistent copy of the database (`VACUUM INTO`, taken while
//! the service keeps running), every evidence file the copy knows of, and a manifest of SHA-256s
//! (`MANIFEST.sha256`, in `sha256sum -c` format). Restoring checks the manifest, then puts the
//! copy into an empty data directory. On PostgreSQL the database is backed up with `pg_dump`
//! (README); the evidence store is the same either way.

use crate::db::{DatabaseUrl, DbConnection, DbManager};
use crate::services::auth::hex;
use crate::services::files::FileStore;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "MANIFEST.sha256";
pub const DATABASE_FILE: &str = "standards-desk.db";
pub const EVIDENCE_DIR: &str = "evidence";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("database: {0}")]
    Db(String),
    #[error("the backup does not match its manifest: {0}")]
    Mismatch(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.to_path_buf(), source }
}

/// What a backup wrote.
#[derive(Debug, Default)]
pub struct BackupReport {
    pub files: usize,
    pub bytes: u64,
    /// Files the copy of the database lists that the store no longer had (removed by
    /// housekeeping after the copy was taken: nothing referred to them).
    pub missing: Vec<String>,
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<(String, u64), BackupError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), size))
}

fn empty_or_missing(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(BackupError::Io { path: dir.to_path_buf(), source: e }),
    }
}

#[derive(QueryableByName)]
struct Sha {
    #[diesel(sql_type = diesel::sql_types::Text)]
    sha256: String,
}

/// Writes a backup of the SQLite database at `url` and of `store` into `to` (which must be empty
/// or not exist yet). The service may keep running: the database copy is one consistent
/// snapshot, and evidence files are never changed once stored.
pub fn backup(url: &DatabaseUrl, store: &FileStore, to: &Path) -> Result<BackupReport, BackupError> {
    if url.sqlite_file().is_none() {
        return Err(BackupError::Refused(
            "backup copies a SQLite database; on PostgreSQL use pg_dump for the database (see README, \"Backups\")"
                .into(),
        ));
    }
    if !empty_or_missing(to)? {
        return Err(BackupError::Refused(format!("{} is not empty: back up into a new directory", to.display())));
    }
    std::fs::create_dir_all(to.join(EVIDENCE_DIR)).map_err(io(to))?;
    let db_copy = to.join(DATABASE_FILE);
    let mut conn = DbManager::new(url.clone()).establish().map_err(|e| BackupError::Db(e.to_string()))?;
    let DbConnection::Sqlite(sqlite) = &mut conn else { unreachable!("checked above") };
    let target = db_copy.to_str().ok_or_else(|| BackupError::Refused("the backup path is not UTF-8".into()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(target)
        .execute(sqlite)
        .map_err(|e| BackupError::Db(format!("VACUUM INTO: {e}")))?;
    drop(conn);

    // Every file the snapshot knows of, from the live store (files are never overwritten).
    let copy_url = DatabaseUrl::parse(&format!("sqlite://{target}")).map_err(|e| BackupError::Db(e.to_string()))?;
    let mut copy = DbManager::new(copy_url).establish().map_err(|e| BackupError::Db(e.to_string()))?;
    let shas: Vec<Sha> = diesel::sql_query("SELECT sha256 FROM stored_files ORDER BY sha256")
        .load(&mut copy)
        .map_err(|e| BackupError::Db(e.to_string()))?;
    drop(copy);
    let backup_store = FileStore::new(to.join(EVIDENCE_DIR));
    let mut report = BackupReport::default();
    let mut manifest = String::new();
    for Sha { sha256 } in shas {
        let mut from = match store.open(&sha256) {
            Ok(from) => from,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.missing.push(sha256);
                continue;
            }
            Err(e) => return Err(BackupError::Io { path: PathBuf::from(store.describe()).join(&sha256), source: e }),
        };
        let dest = backup_store.path_for(&sha256);
        std::fs::create_dir_all(dest.parent().expect("hash path has a parent")).map_err(io(&dest))?;
        let mut out = std::fs::File::create(&dest).map_err(io(&dest))?;
        std::io::copy(&mut from, &mut out).map_err(io(&dest))?;
        drop(out);
        let (hash, size) = sha256_file(&dest)?;
        if hash != sha256 {
            return Err(BackupError::Mismatch(format!("the stored file {sha256} has the SHA-256 {hash}")));
        }
        report.files += 1;
        report.bytes += size;
        let rel = dest.strip_prefix(to).expect("inside the backup").display().to_string();
        manifest.push_str(&format!("{hash}  {rel}\n"));
    }
    let (db_hash, db_size) = sha256_file(&db_copy)?;
    report.bytes += db_size;
    let manifest = format!("{db_hash}  {DATABASE_FILE}\n{manifest}");
    std::fs::write(to.join(MANIFEST), manifest).map_err(io(to))?;
    Ok(report)
}

/// Checks every file the manifest lists against its SHA-256; the number of files checked.
pub fn check(from: &Path) -> Result<usize, BackupError> {
    let manifest_path = from.join(MANIFEST);
    let manifest = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
    let mut checked = 0;
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, rel) = line
            .split_once("  ")
            .ok_or_else(|| BackupError::Mismatch(format!("a manifest line is malformed: {line}")))?;
        if rel.contains("..") || rel.starts_with('/') {
            return Err(BackupError::Mismatch(format!("the manifest names a path outside the backup: {rel}")));
        }
        let (actual, _) = sha256_file(&from.join(rel))?;
        if actual != hash {
            return Err(BackupError::Mismatch(format!("{rel} has the SHA-256 {actual}, the manifest says {hash}")));
        }
        checked += 1;
    }
    if !manifest.lines().any(|l| l.ends_with(&format!("  {DATABASE_FILE}"))) {
        return Err(BackupError::Mismatch("the manifest lists no database".into()));
    }
    Ok(checked)
}

/// Restores the backup in `from` into the SQLite file of `url` and the store at `evidence`,
/// both of which must be empty or missing; the backup is checked against its manifest first.
/// The caller then verifies the evidence (`verify-evidence`).
pub fn restore(from: &Path, url: &DatabaseUrl, evidence: &Path) -> Result<usize, BackupError> {
    let Some(db_file) = url.sqlite_file() else {
        return Err(BackupError::Refused(
            "restore writes a SQLite database; on PostgreSQL restore the database with pg_restore (see README)".into(),
        ));
    };
    let db_file = PathBuf::from(db_file);
    if db_file.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists: restore into an empty data directory",
            db_file.display()
        )));
    }
    if !empty_or_missing(evidence)? {
        return Err(BackupError::Refused(format!(
            "the evidence store {} is not empty: restore into an empty data directory",
            evidence.display()
        )));
    }
    let checked = check(from)?;
    if let Some(parent) = db_file.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    copy_tree(&from.join(EVIDENCE_DIR), evidence)?;
    // The database last, through a temporary name: a restore cut short leaves no database that
    // looks complete.
    let partial = db_file.with_extension("db.restoring");
    std::fs::copy(from.join(DATABASE_FILE), &partial).map_err(io(&partial))?;
    std::fs::rename(&partial, &db_file).map_err(io(&db_file))?;
    Ok(checked)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), BackupError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if entry.file_type().map_err(io(&path))?.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest).map_err(io(&path))?;
        }
    }
    Ok(())
}
