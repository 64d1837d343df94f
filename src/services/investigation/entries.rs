//! What the investigation gathers: interview notes, the member's comments on the draft, and the
//! draft and final reports (PDFs, stored by hash like evidence).

use super::forms::date_field;
use super::rules::may_add_entry;
use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::hearing::{self as rows, Investigation, InvestigationEntry};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::files::{FileStore, Received, UploadError};
use crate::services::vocab;
use crate::services::{clean, FieldError, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EntryInput {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub day: String,
    pub month: String,
    pub year: String,
}

impl EntryInput {
    /// The blank form: interview notes, dated today.
    pub fn blank(today: NaiveDate) -> Self {
        EntryInput {
            kind: "interview".into(),
            day: today.format("%-d").to_string(),
            month: today.format("%-m").to_string(),
            year: today.format("%Y").to_string(),
            ..Default::default()
        }
    }

    fn is_report(&self) -> bool {
        self.kind.ends_with("-report")
    }
}

/// The files sent with an entry: those received (not yet in the store) and those refused on
/// the way in (too large, not a PDF).
#[derive(Debug, Default)]
pub struct EntryFiles {
    pub received: Vec<Received>,
    pub refused: Vec<UploadError>,
}

/// The case and its investigation, for someone who may add to it.
fn workable(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<(Case, Investigation)> {
    let case = cases::find_visible(conn, user, reference)?;
    let inv = rows::investigation_for_case(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
    may_add_entry(user, &case, &inv)?;
    Ok((case, inv))
}

#[derive(Serialize)]
struct EntryDetails<'a> {
    sha256: Option<&'a str>,
}

/// Adds interview notes, the member's comments on the draft, or a draft or final report. A
/// report's PDF goes into the store inside the same transaction; a note never keeps a file, and
/// every file not kept is deleted.
#[allow(clippy::too_many_arguments)]
pub fn add_entry(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &EntryInput,
    files: EntryFiles,
    store: &FileStore,
    today: NaiveDate,
) -> ServiceResult<InvestigationEntry> {
    let EntryFiles { received, refused } = files;
    let result = crate::db::write(conn, |conn| {
        let (case, inv) = workable(conn, user, reference)?;
        let mut e = FieldErrors::default();
        if !vocab::is_code(&vocab::INVESTIGATION_ENTRY_KINDS, &input.kind) {
            e.add("kind", "Select what you are adding");
        }
        let is_report = input.is_report();
        crate::services::text::check_one_line(&mut e, "title", &input.title, "who was interviewed, or the title,");
        let title = clean(&input.title);
        if title.is_none() && input.kind == "interview" {
            e.add("title", "Enter who was interviewed");
        }
        let body = clean(&input.body);
        if body.is_none() && !is_report {
            e.add(
                "body",
                if input.kind == "member-comments" { "Enter the member's comments" } else { "Enter the notes" },
            );
        }
        let on = date_field(&mut e, "occurred", &input.day, &input.month, &input.year);
        if on.is_some_and(|d| d > today) {
            e.add("occurred", "The date must be today or in the past");
        }
        for r in &refused {
            let message = match r {
                UploadError::WrongType { name } => format!("{name} must be a PDF"),
                other => other.to_string(),
            };
            e.0.push(FieldError { field: "file".into(), message });
        }
        if received.len() > 1 {
            e.0.push(FieldError { field: "file".into(), message: "Upload one report at a time".into() });
        }
        if is_report && received.is_empty() {
            e.add("file", "Choose the report (a PDF) to upload");
        }
        e.into_result()?;
        let upload = match received.first() {
            Some(f) if is_report => {
                let stored = store.commit(conn, f).map_err(ServiceError::Internal)?;
                Some((stored.sha256, f.original_name.clone()))
            }
            _ => None,
        };
        let title = title.unwrap_or_else(|| vocab::label(&vocab::INVESTIGATION_ENTRY_KINDS, &input.kind).to_string());
        let (sha256, file_name) = upload.unzip();
        let entry = InvestigationEntry {
            id: new_id(),
            investigation_id: inv.id.clone(),
            kind: input.kind.clone(),
            title,
            body: body.unwrap_or_default(),
            occurred_on: on.expect("checked"),
            sha256,
            file_name,
            created_by_user_id: Some(user.id.clone()),
            created_at: now(),
        };
        rows::insert_entry(conn, &entry)?;
        let details = serde_json::to_value(EntryDetails { sha256: entry.sha256.as_deref() })
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        audit::record(
            conn,
            actor,
            Event::new("investigation.entry_added", "investigation_entry", &entry.id)
                .case(&case.id)
                .summary(format!(
                    "{} added: {}",
                    vocab::label(&vocab::INVESTIGATION_ENTRY_KINDS, &entry.kind),
                    entry.title
                ))
                .details(details),
        )?;
        Ok(entry)
    });
    // A committed file has left its temporary path; anything else is deleted.
    for f in received {
        f.discard();
    }
    result
}

/// The kinds of investigation file a hearing bundle contains.
const IN_THE_BUNDLE: [&str; 3] = ["final-report", "member-comments", "interview"];

/// A report or other investigation file: for those who see the investigation file (officers,
/// the investigator: `access::Sections::investigation`); the final report also for an Independent
/// Person consulted on the case (`access::Sections::reports`); others who see the case (the panel)
/// only the files the hearing bundle contains, once there is a hearing.
pub fn entry_file(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    entry_id: &str,
) -> ServiceResult<InvestigationEntry> {
    let case = cases::find_visible(conn, user, reference)?;
    let inv = rows::investigation_for_case(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
    let sections = access::sections(conn, user, &case.id)?;
    let whole_file = sections.investigation;
    let bundled = rows::hearing_for_case(conn, &case.id)?.is_some();
    rows::entries(conn, &inv.id)?
        .into_iter()
        .find(|e| e.id == entry_id && e.sha256.is_some())
        .filter(|e| {
            whole_file
                || (sections.reports && e.kind == "final-report")
                || (bundled && IN_THE_BUNDLE.contains(&e.kind.as_str()))
        })
        .ok_or(ServiceError::NotFound)
}
