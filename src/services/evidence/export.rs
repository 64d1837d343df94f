//! The evidence bundle of a case: a zip with every file, `manifest.json` (metadata, versions,
//! SHA-256 of each file), `index.html` to read it, and each item's custody log.

use super::custody::{self, append_custody, with_retry, CustodyAction};
use super::rules;
use crate::db::DbConnection;
use crate::models::evidence::{
    self as rows, CustodyEntry, EvidenceKind, EvidenceSource, EvidenceStatus, EvidenceVersion,
};
use crate::models::now;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::files::FileStore;
use crate::services::{ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::Serialize;

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
    pub kind: EvidenceKind,
    pub source: EvidenceSource,
    pub status: EvidenceStatus,
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
    rules::may_export(user)?;
    if case.status == crate::models::enums::CaseStatus::Destroyed {
        return Err(crate::services::ServiceError::refused(
            "This case was destroyed under the retention schedule: its evidence is gone",
        ));
    }
    crate::services::retention::access_log::record(
        conn,
        user,
        crate::services::retention::access_log::Opened::Export,
        &format!("{}-evidence.zip", case.reference),
        Some(&case.id),
    )?;
    let items = rows::list_items(conn, &case.id)?;
    let details = custody::Exported { bundle: format!("{}-evidence.zip", case.reference) };
    for item in &items {
        with_retry(conn, |conn| append_custody(conn, actor, &item.id, CustodyAction::Exported, None, &details))?;
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
            kind: item.kind,
            source: item.source,
            status: item.status,
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
            // Client IP addresses stay out of the bundle (shown to administrators only).
            custody: super::pages::custody_shown(conn, user, &item.id)?,
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
    // An item can hold the same file (same hash, same name) more than once; its path names
    // those bytes, so it is written once (a zip refuses a second entry of the same name).
    let mut written = std::collections::HashSet::new();
    for item in &manifest.items {
        zip.start_file(format!("custody/{}.json", item.reference), deflated)?;
        zip.write_all(serde_json::to_string_pretty(&item.custody)?.as_bytes())?;
        for f in &item.files {
            if !written.insert(f.path.as_str()) {
                continue;
            }
            zip.start_file(f.path.as_str(), stored)?;
            let mut src = store.open(&f.sha256)?;
            std::io::copy(&mut src, &mut zip)?;
        }
    }
    zip.finish()?;
    Ok(())
}

/// An item as `index.html` shows it: the manifest's, with words for its codes.
#[derive(Serialize)]
struct IndexItem<'a> {
    #[serde(flatten)]
    item: &'a ManifestItem,
    source_label: &'static str,
    status_label: &'static str,
}

fn bundle_index(manifest: &Manifest) -> Result<String, tera::Error> {
    let items: Vec<IndexItem> = manifest
        .items
        .iter()
        .map(|item| IndexItem { item, source_label: item.source.label(), status_label: item.status.label() })
        .collect();
    let mut c = tera::Context::new();
    c.insert("manifest", manifest);
    c.insert("items", &items);
    crate::templates::TEMPLATES.render("evidence/bundle_index.html", &c)
}
