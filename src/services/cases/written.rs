//! Written complaints (s.28(9) Localism Act 2011; issue 16): a complaint an officer took by
//! telephone or in person is an allegation only once the complainant has confirmed it in
//! writing. Until its written confirmation (an email recorded, or a letter or signed statement
//! uploaded) is attached, the case's assessment does not start: the capacity assessment and
//! the initial-assessment decision are refused with [`require_confirmed`].

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::complaint::{self as complaint_rows, Complaint, ComplaintFile};
use crate::models::written_confirmation::{self as rows, WrittenConfirmation};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases::find::{find_visible, find_workable};
use crate::services::cases::rules::may_work;
use crate::services::evidence::Uploads;
use crate::services::files::{self, FileStore, Kind, UploadError};
use crate::services::vocab;
use crate::services::{clean, FieldError, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// The files a written confirmation may be: a scan or photo of a letter, or a PDF.
pub const CONFIRMATION_FILE_KINDS: [Kind; 5] = [Kind::Pdf, Kind::Png, Kind::Jpeg, Kind::Webp, Kind::Gif];

/// Whether a complaint received this way needs its written confirmation.
pub fn needs_confirmation(source: &str) -> bool {
    vocab::UNWRITTEN_SOURCES.contains(&source)
}

/// The case's complaints still waiting for their written confirmation, each named as on the
/// case page ("complaint 1, taken by telephone on 3 December 2026").
pub fn unconfirmed(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<String>> {
    let confirmed: Vec<String> = rows::list_for_case(conn, &case.id)?.into_iter().map(|w| w.complaint_id).collect();
    Ok(complaint_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .enumerate()
        .filter(|(_, (c, _))| needs_confirmation(&c.source) && !confirmed.contains(&c.id))
        .map(|(i, (c, _))| {
            format!(
                "complaint {}, taken {} on {}",
                i + 1,
                if c.source == "phone" { "by telephone" } else { "in person" },
                long_date(c.received_on)
            )
        })
        .collect())
}

/// The message for a case whose assessment cannot start yet (`None` when it can).
pub fn gap(conn: &mut DbConnection, case: &Case) -> QueryResult<Option<String>> {
    let missing = unconfirmed(conn, case)?;
    Ok((!missing.is_empty()).then(|| {
        format!(
            "The complainant's written confirmation is not attached yet for {}: a complaint made by telephone or in person must be confirmed in writing (an email or a letter) before the assessment starts",
            missing.join("; ")
        )
    }))
}

/// The gate itself: refused (nothing changed) while a complaint of the case needs its written
/// confirmation.
pub fn require_confirmed(conn: &mut DbConnection, case: &Case) -> ServiceResult<()> {
    match gap(conn, case)? {
        Some(message) => Err(ServiceError::Refused(message)),
        None => Ok(()),
    }
}

/// The written confirmation as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ConfirmationInput {
    pub kind: String,
    pub received_day: String,
    pub received_month: String,
    pub received_year: String,
    pub detail: String,
}

/// The form for attaching a complaint's written confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationPage {
    pub reference: String,
    pub complaint_id: String,
    pub complaint_number: usize,
    pub source: &'static str,
    pub received_on: NaiveDate,
}

/// A complaint's written confirmation as the case page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationView {
    pub kind: &'static str,
    pub received_on: NaiveDate,
    pub detail: String,
    pub file: Option<ComplaintFile>,
}

/// Attaching a written confirmation: officers working the case, for a complaint taken by
/// telephone or in person, once.
pub fn may_attach(
    user: &crate::models::user::User,
    case: &Case,
    complaint: &Complaint,
    existing: Option<&WrittenConfirmation>,
) -> ServiceResult<()> {
    may_work(user, case)?;
    if !needs_confirmation(&complaint.source) {
        return Err(ServiceError::Refused(
            "This complaint was made in writing: it needs no written confirmation".into(),
        ));
    }
    if existing.is_some() {
        return Err(ServiceError::Refused("The written confirmation of this complaint is already attached".into()));
    }
    Ok(())
}

fn complaint_of(conn: &mut DbConnection, case: &Case, complaint_id: &str) -> ServiceResult<(usize, Complaint)> {
    complaint_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .enumerate()
        .find(|(_, (c, _))| c.id == complaint_id)
        .map(|(i, (c, _))| (i + 1, c))
        .ok_or(ServiceError::NotFound)
}

/// The attach form.
pub fn page(
    conn: &mut DbConnection,
    user: &crate::models::user::User,
    reference: &str,
    complaint_id: &str,
) -> ServiceResult<ConfirmationPage> {
    let case = find_visible(conn, user, reference)?;
    let (number, complaint) = complaint_of(conn, &case, complaint_id)?;
    let existing = rows::for_complaint(conn, &complaint.id)?;
    may_attach(user, &case, &complaint, existing.as_ref())?;
    Ok(ConfirmationPage {
        reference: case.reference,
        complaint_id: complaint.id,
        complaint_number: number,
        source: vocab::label(&vocab::COMPLAINT_SOURCES, &complaint.source),
        received_on: complaint.received_on,
    })
}

/// Attaches the written confirmation: an email (its sender and text recorded) or a letter or
/// signed statement (the file uploaded, kept as one of the complaint's files). Audited in the
/// same transaction; every file not kept is deleted.
#[allow(clippy::too_many_arguments)]
pub fn attach(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &crate::models::user::User,
    store: &FileStore,
    reference: &str,
    complaint_id: &str,
    input: &ConfirmationInput,
    uploads: Uploads,
    today: NaiveDate,
) -> ServiceResult<WrittenConfirmation> {
    let Uploads { received, refused } = uploads;
    let result = crate::db::write(conn, |conn| {
        let case = find_workable(conn, user, reference)?;
        let (_, complaint) = complaint_of(conn, &case, complaint_id)?;
        let existing = rows::for_complaint(conn, &complaint.id)?;
        may_attach(user, &case, &complaint, existing.as_ref())?;
        let mut e = FieldErrors::default();
        if !vocab::is_code(&vocab::WRITTEN_CONFIRMATION_KINDS, &input.kind) {
            e.add("kind", "Select how the complainant confirmed the complaint in writing");
        }
        let received_on = match vocab::parse_date(&input.received_day, &input.received_month, &input.received_year) {
            Ok(d) if d > today => {
                e.add("received", "The date the confirmation arrived must be today or in the past");
                None
            }
            Ok(d) if d < complaint.received_on => {
                e.add("received", "The confirmation cannot have arrived before the complaint was made");
                None
            }
            Ok(d) => Some(d),
            Err(m) => {
                e.add("received", if m == "Enter a date" { "Enter the date the confirmation arrived" } else { m });
                None
            }
        };
        let detail = clean(&input.detail);
        if detail.is_none() {
            e.add(
                "detail",
                if input.kind == "document" {
                    "Say what the document is (for example, a signed letter of 3 December)"
                } else {
                    "Enter who the email came from and what it says"
                },
            );
        }
        for r in &refused {
            let message = match r {
                UploadError::WrongType { name } | UploadError::WrongEvidenceType { name } => {
                    format!("{name} must be a PDF or an image (PNG, JPEG, WebP or GIF)")
                }
                other => other.to_string(),
            };
            e.0.push(FieldError { field: "file".into(), message });
        }
        if received.len() > 1 {
            e.add("file", "Upload one file: the letter or statement");
        }
        if input.kind == "document" && received.is_empty() && refused.is_empty() {
            e.add("file", "Choose the letter or signed statement to upload");
        }
        e.into_result()?;
        let file = match received.first() {
            Some(_) if input.kind == "document" => {
                let stored = files::commit_all(conn, store, &received[..1])?.remove(0);
                let row = ComplaintFile {
                    id: new_id(),
                    complaint_id: complaint.id.clone(),
                    sha256: stored.sha256,
                    original_name: files::clean_file_name(&stored.original_name),
                    media_type: stored.media_type,
                    size_bytes: stored.size_bytes,
                    uploaded_at: now(),
                };
                complaint_rows::insert_file(conn, &row)?;
                Some(row)
            }
            _ => None,
        };
        let confirmation = WrittenConfirmation {
            id: new_id(),
            complaint_id: complaint.id.clone(),
            kind: input.kind.clone(),
            received_on: received_on.expect("checked"),
            detail: detail.expect("checked"),
            complaint_file_id: file.as_ref().map(|f| f.id.clone()),
            recorded_by_user_id: user.id.clone(),
            recorded_at: now(),
        };
        rows::insert(conn, &confirmation)?;
        let details = serde_json::json!({ "sha256": file.as_ref().map(|f| f.sha256.clone()) });
        audit::record(
            conn,
            actor,
            Event::new("complaint.written_confirmation", "complaint", &complaint.id)
                .case(&case.id)
                .summary(format!(
                    "Written confirmation of the complaint received {} attached: {}",
                    long_date(complaint.received_on),
                    vocab::label(&vocab::WRITTEN_CONFIRMATION_KINDS, &confirmation.kind).to_lowercase()
                ))
                .details(details),
        )?;
        Ok(confirmation)
    });
    // A committed file has left its temporary path; anything else is deleted.
    for f in received {
        f.discard();
    }
    result
}

/// The uploaded letter or statement of a complaint's written confirmation: for officers working
/// cases who see the case.
pub fn confirmation_file(
    conn: &mut DbConnection,
    user: &crate::models::user::User,
    reference: &str,
    complaint_id: &str,
) -> ServiceResult<ComplaintFile> {
    let case = find_visible(conn, user, reference)?;
    if !crate::services::access::can(user, crate::services::access::Permission::WorkCases) {
        return Err(ServiceError::NotFound);
    }
    let (_, complaint) = complaint_of(conn, &case, complaint_id)?;
    let w = rows::for_complaint(conn, &complaint.id)?.ok_or(ServiceError::NotFound)?;
    let file_id = w.complaint_file_id.ok_or(ServiceError::NotFound)?;
    complaint_rows::list_files_for_case(conn, &case.id)?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(ServiceError::NotFound)
}

/// The written confirmations of a case's complaints, by complaint id, as the case page shows them.
pub fn views(
    conn: &mut DbConnection,
    case: &Case,
    files: &[ComplaintFile],
) -> QueryResult<Vec<(String, ConfirmationView)>> {
    Ok(rows::list_for_case(conn, &case.id)?
        .into_iter()
        .map(|w| {
            let file = w.complaint_file_id.as_ref().and_then(|id| files.iter().find(|f| &f.id == id).cloned());
            (
                w.complaint_id.clone(),
                ConfirmationView {
                    kind: vocab::label(&vocab::WRITTEN_CONFIRMATION_KINDS, &w.kind),
                    received_on: w.received_on,
                    detail: w.detail,
                    file,
                },
            )
        })
        .collect())
}

fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}
