//! CSV import of the register: members with their memberships, and accounts. The uploaded file
//! is stored (`register_imports`) and previewed: each row added, changed (which fields),
//! unchanged or refused with the reason; nothing is written until the import is confirmed. The
//! confirm re-reads the stored file against the register as it is then and applies every row
//! that is not refused in one transaction (all or nothing); refused rows are skipped and listed.
//! Importing the same file again changes nothing: a person is matched by email when the row has
//! one, else by exact name and council; a membership by person, council, role and start date;
//! an account by platform and handle.

use super::accounts::normalise_handle;
use super::rules::{self, may_edit, MembershipCheck};
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::member::{
    self as member_rows, AccountChanges, Member, MemberAccount, MemberChanges, Membership, MembershipChanges,
};
use crate::models::register::{self as reg_rows, RegisterImport, Ward};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::sha256_hex;
use crate::services::urls;
use crate::services::vocab::{self, Choice, PLATFORMS};
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::HashMap;
use validator::ValidateEmail;

pub const KINDS: [(&str, &str); 2] =
    [("members", "Members and their memberships"), ("accounts", "Members’ social media accounts")];

/// New rows per INSERT statement (under both backends' limits on bound values).
const BATCH: usize = 400;

/// The most data rows a file may hold.
pub const MAX_ROWS: usize = 20_000;

mod accounts;
mod members;
mod plan;
mod table;

use accounts::*;
use members::*;
use plan::*;
pub use table::parse_csv;
use table::*;

#[derive(Debug, Clone, Default, Serialize)]
pub struct UploadForm {
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecentImport {
    pub id: String,
    pub kind_label: String,
    pub filename: String,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportPage {
    pub form: UploadForm,
    pub kinds: Vec<Choice>,
    pub recent: Vec<RecentImport>,
}

pub fn import_page(conn: &mut DbConnection, user: &User, form: UploadForm) -> ServiceResult<ImportPage> {
    may_edit(user)?;
    let recent = reg_rows::list_recent_imports(conn, 10)?
        .into_iter()
        .map(|i| RecentImport {
            kind_label: vocab::label(&KINDS, &i.kind).to_string(),
            id: i.id,
            filename: i.filename,
            created_at: i.created_at,
            applied_at: i.applied_at,
            summary: i.summary,
        })
        .collect();
    Ok(ImportPage { form, kinds: Choice::list(&KINDS), recent })
}

/// Stores an uploaded file for preview. Nothing in the register changes.
pub fn upload(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    kind: &str,
    file: Option<(String, Vec<u8>)>,
) -> ServiceResult<RegisterImport> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    if !vocab::is_code(&KINDS, kind) {
        e.add("kind", "Select what the file holds");
    }
    let text = match &file {
        None => {
            e.add("file", "Select a CSV file");
            None
        }
        Some((_, bytes)) => match String::from_utf8(bytes.clone()) {
            Ok(t) => Some(t),
            Err(_) => {
                e.add("file", "The file must be CSV saved as UTF-8 (in Excel: Save as, CSV UTF-8)");
                None
            }
        },
    };
    if let Some(t) = &text {
        let columns = if kind == "accounts" { ACCOUNT_COLUMNS } else { MEMBER_COLUMNS };
        if vocab::is_code(&KINDS, kind) {
            if let Err(m) = read_table(t, columns) {
                e.add("file", m);
            }
        }
    }
    e.into_result()?;
    let (filename, bytes) = file.unwrap_or_default();
    let csv = text.unwrap_or_default();
    crate::db::write(conn, |conn| {
        let i = RegisterImport {
            id: new_id(),
            kind: kind.to_string(),
            filename: filename.chars().take(200).collect(),
            csv: csv.clone(),
            sha256: sha256_hex(&bytes),
            created_by: user.id.clone(),
            created_at: now(),
            applied_at: None,
            summary: None,
        };
        reg_rows::insert_import(conn, &i)?;
        audit::record(
            conn,
            actor,
            Event::new("register.import_uploaded", "register_import", &i.id).summary(format!(
                "{} uploaded for preview ({})",
                i.filename,
                vocab::label(&KINDS, &i.kind)
            )),
        )?;
        Ok(i)
    })
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub refused: usize,
}

impl Counts {
    fn of(rows: &[PreviewRow]) -> Self {
        let mut c = Counts::default();
        for r in rows {
            match r.outcome {
                Outcome::Added => c.added += 1,
                Outcome::Changed => c.changed += 1,
                Outcome::Unchanged => c.unchanged += 1,
                Outcome::Refused => c.refused += 1,
            }
        }
        c
    }

    fn sentence(&self) -> String {
        format!(
            "{} added, {} changed, {} unchanged, {} refused and skipped",
            self.added, self.changed, self.unchanged, self.refused
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewPage {
    pub id: String,
    pub filename: String,
    pub kind_label: String,
    pub sha256: String,
    pub rows: Vec<PreviewRow>,
    pub counts: Counts,
    pub applied_at: Option<NaiveDateTime>,
    pub summary: Option<String>,
    /// Whether confirming would change anything.
    pub can_confirm: bool,
}

pub fn preview(conn: &mut DbConnection, user: &User, id: &str) -> ServiceResult<PreviewPage> {
    may_edit(user)?;
    let import = reg_rows::find_import(conn, id)?.ok_or(ServiceError::NotFound)?;
    let plan = plan_for(conn, &import, now())?;
    let counts = Counts::of(&plan.rows);
    Ok(PreviewPage {
        id: import.id.clone(),
        filename: import.filename.clone(),
        kind_label: vocab::label(&KINDS, &import.kind).to_string(),
        sha256: import.sha256.clone(),
        can_confirm: import.applied_at.is_none() && !plan.writes.is_empty(),
        rows: plan.rows,
        counts,
        applied_at: import.applied_at,
        summary: import.summary.clone(),
    })
}

/// Applies a previewed import: every row that is not refused, in one transaction, with one
/// audit entry. Returns the summary.
pub fn confirm(conn: &mut DbConnection, actor: &Actor, user: &User, id: &str) -> ServiceResult<String> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let import = reg_rows::find_import(conn, id)?.ok_or(ServiceError::NotFound)?;
        if import.applied_at.is_some() {
            return Err(ServiceError::refused("This import has already been applied"));
        }
        let t = now();
        let plan = plan_for(conn, &import, t)?;
        let counts = Counts::of(&plan.rows);
        // New rows go in batches (one statement per few hundred rows, not per row: a round trip
        // each is what makes a large file slow on PostgreSQL); changes one by one.
        let (mut new_members, mut new_memberships, mut new_accounts) = (Vec::new(), Vec::new(), Vec::new());
        for w in &plan.writes {
            match w {
                Write::NewMember(m) => new_members.push(m.clone()),
                Write::NewMembership(ms) => new_memberships.push(ms.clone()),
                Write::NewAccount(a) => new_accounts.push(a.clone()),
                _ => {}
            }
        }
        for chunk in new_members.chunks(BATCH) {
            member_rows::insert_many(conn, chunk)?;
        }
        for chunk in new_memberships.chunks(BATCH) {
            member_rows::insert_memberships(conn, chunk)?;
        }
        for chunk in new_accounts.chunks(BATCH) {
            member_rows::insert_accounts(conn, chunk)?;
        }
        for w in &plan.writes {
            match w {
                Write::MemberChanges(id, c) => member_rows::update(conn, id, c).map(|_| ())?,
                Write::MembershipChanges(id, c) => member_rows::update_membership(conn, id, c).map(|_| ())?,
                Write::AccountChanges(id, c) => member_rows::update_account(conn, id, c).map(|_| ())?,
                _ => {}
            }
        }
        let summary = counts.sentence();
        if reg_rows::mark_import_applied(conn, &import.id, t, &summary)? == 0 {
            return Err(ServiceError::refused("This import has already been applied"));
        }
        let refused_lines: Vec<usize> =
            plan.rows.iter().filter(|r| r.outcome == Outcome::Refused).map(|r| r.line).collect();
        audit::record(
            conn,
            actor,
            Event::new("register.imported", "register_import", &import.id)
                .summary(format!("{} imported: {summary}", import.filename))
                .details(serde_json::json!({ "sha256": import.sha256, "refused_lines": refused_lines })),
        )?;
        Ok(summary)
    })
}
