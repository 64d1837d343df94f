//! Complaints logged by officers (received by email, post, telephone or in person): the form,
//! choosing the open case about the same conduct, and logging.

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::file::{self as file_rows, DraftFile};
use crate::models::now;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases::may_log_complaint;
use crate::services::files::FileStore;
use crate::services::intake::create::{create, matching_cases};
use crate::services::intake::drafts::{keep, open_draft};
use crate::services::intake::form::{check, Channel, ComplaintForm};
use crate::services::intake::page::{self, FormPage};
use crate::services::intake::public::FormPost;
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;

/// The officer's form, empty (received today) or continuing this browser's draft.
pub fn form_page(
    conn: &mut DbConnection,
    user: &User,
    owner: &str,
    draft_id: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<FormPage> {
    may_log_complaint(user)?;
    let page = match open_draft(conn, draft_id, owner)? {
        Some(d) => page::build(conn, Channel::Staff, d.form, Some((d.id, d.files)), &[], today)?,
        None => page::build(conn, Channel::Staff, ComplaintForm::received_on(today), None, &[], today)?,
    };
    Ok(page)
}

#[derive(Debug)]
pub enum Posted {
    Logged(Box<Case>),
    /// The complaint may be about conduct an open case covers: the officer chooses.
    ChooseCase(Box<FormPage>),
    Invalid(Box<FormPage>, FieldErrors),
}

/// Receives the officer's form: keeps the answers and files in the draft, then logs the
/// complaint, or asks which case it goes on, or shows the form again with the errors.
pub fn receive(
    conn: &mut DbConnection,
    store: &FileStore,
    user: &User,
    actor: &Actor,
    owner: &str,
    post: FormPost,
    today: NaiveDate,
) -> ServiceResult<Posted> {
    if let Err(e) = may_log_complaint(user) {
        post.attachments.discard();
        return Err(e);
    }
    let FormPost { form, attachments, file_errors, .. } = post;
    let (draft_id, files) = keep(conn, store, owner, &form, attachments)?;
    let logged = if file_errors.is_empty() {
        crate::db::write(conn, |conn| {
            let logged = log_by_staff(conn, actor, &form, &files, today)?;
            if let Logged::Created(case) = &logged {
                file_rows::mark_draft_submitted(conn, &draft_id, &case.reference, now())?;
            }
            Ok(logged)
        })
    } else {
        // Check the rest too, so every problem is shown at once.
        let mut errors = match check(conn, &form, Channel::Staff, files.len(), today) {
            Err(ServiceError::Invalid(e)) => e,
            _ => FieldErrors::default(),
        };
        for message in file_errors {
            errors.0.push(crate::services::FieldError { field: "files".into(), message });
        }
        Err(ServiceError::Invalid(errors))
    };
    match logged {
        Ok(Logged::Created(case)) => Ok(Posted::Logged(case)),
        Ok(Logged::ChooseCase(matches)) => {
            let page = page::build(conn, Channel::Staff, form, Some((draft_id, files)), &matches, today)?;
            Ok(Posted::ChooseCase(Box::new(page)))
        }
        Err(ServiceError::Invalid(errors)) => {
            let page = page::build(conn, Channel::Staff, form, Some((draft_id, files)), &[], today)?;
            Ok(Posted::Invalid(Box::new(page), errors))
        }
        Err(e) => Err(e),
    }
}

/// What an officer logging a complaint is asked when the complaint may be about conduct that
/// an open case already covers.
#[derive(Debug)]
pub enum Logged {
    Created(Box<Case>),
    /// Choose: add to one of these cases, or open a new one (`case_choice` = case id or "new").
    ChooseCase(Vec<Case>),
}

/// Logs a complaint received by email, post or phone. Its deadlines run from the date it was
/// actually received. Files are stored already (`files` names them).
pub fn log_by_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    form: &ComplaintForm,
    files: &[DraftFile],
    today: NaiveDate,
) -> ServiceResult<Logged> {
    crate::db::write(conn, |conn| {
        let checked = check(conn, form, Channel::Staff, files.len(), today)?;
        let matches = matching_cases(conn, &checked, None)?;
        let into = match form.case_choice.as_str() {
            "new" => None,
            "" if matches.is_empty() => None,
            "" => return Ok(Logged::ChooseCase(matches)),
            id => {
                let chosen = matches.iter().find(|c| c.id == id).cloned();
                match chosen {
                    Some(c) => Some(c),
                    None => {
                        return Err(ServiceError::Invalid(FieldErrors::single(
                            "case_choice",
                            "Choose one of the cases listed, or to open a new case",
                        )))
                    }
                }
            }
        };
        let adding = into.is_some();
        let (case, _, _) = create(conn, actor, &checked, into, files)?;
        if adding {
            audit::record(
                conn,
                actor,
                Event::new("case.complaint_added", "case", &case.id)
                    .case(&case.id)
                    .summary(format!("A further complaint about the same conduct added to {}", case.reference)),
            )?;
        }
        Ok(Logged::Created(Box::new(case)))
    })
}
