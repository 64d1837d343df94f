//! The public complaint form: abuse protection (the rate limits and the honeypot), drafts with
//! their files, checking, the check-your-answers page, submitting and the confirmation.

use crate::db::DbConnection;
use crate::models::case::{self as case_rows, Case};
use crate::models::file::{self as file_rows, DraftFile};
use crate::models::now;
use crate::services::audit::Actor;
use crate::services::cases;
use crate::services::files::FileStore;
use crate::services::intake::create::create;
use crate::services::intake::drafts::{find_draft, keep, open_draft, Attachments};
use crate::services::intake::form::{check, Channel, ComplaintForm};
use crate::services::intake::page::{self, FormPage};
use crate::services::rate_limit;
use crate::services::vocab;
use crate::services::{FieldError, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use serde::Serialize;

/// Who is sending the form: their address (for the rate limits) and their browser (whose drafts
/// they may continue: `drafts::owner_hash`).
#[derive(Debug, Clone)]
pub struct Sender {
    pub ip: String,
    pub owner: String,
}

/// A post of the complaint form, as read from the request.
#[derive(Debug, Default)]
pub struct FormPost {
    pub form: ComplaintForm,
    /// The field people leave empty and form-filling robots do not.
    pub honeypot: String,
    pub attachments: Attachments,
    /// Files refused as they arrived (their type or size), as messages for the form.
    pub file_errors: Vec<String>,
}

impl FormPost {
    fn file_errors(&self) -> Vec<FieldError> {
        self.file_errors.iter().map(|m| FieldError { field: "files".into(), message: m.clone() }).collect()
    }
}

/// The id of the public form's Continue button (where the summary sends a message about no field).
pub const SEND_BUTTON: &str = "continue";

/// Why the form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Again {
    /// Answers to correct (everything typed and uploaded is kept).
    Invalid,
    /// The honeypot field was filled in: nothing was sent (the draft and its files are kept).
    Honeypot,
    /// Too many posts from the address in the last hour: nothing was stored.
    TooMany,
}

#[derive(Debug)]
pub enum Posted {
    /// Saved and complete: on to check the answers.
    Ready {
        draft_id: String,
    },
    Again {
        why: Again,
        page: Box<FormPage>,
        errors: FieldErrors,
    },
}

/// The form, empty or continuing this browser's draft.
pub fn form_page(
    conn: &mut DbConnection,
    owner: &str,
    draft_id: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<FormPage> {
    let page = match open_draft(conn, draft_id, owner)? {
        Some(d) => page::build(conn, Channel::Public, d.form, Some((d.id, d.files)), &[], today)?,
        None => page::build(conn, Channel::Public, ComplaintForm::default(), None, &[], today)?,
    };
    Ok(page)
}

/// Receives a post of the form: refuses (storing nothing) beyond the rate limit; otherwise keeps
/// the answers and files in the draft and checks them (a filled-in honeypot field never goes on
/// to be sent, and is never named).
pub fn receive(
    conn: &mut DbConnection,
    store: &FileStore,
    sender: &Sender,
    post: FormPost,
    today: NaiveDate,
) -> ServiceResult<Posted> {
    // Abuse protection first: a refused post stores nothing.
    let allowed = rate_limit::allows(conn, rate_limit::COMPLAINT_FORM_POSTS, &sender.ip)?;
    rate_limit::record(conn, rate_limit::COMPLAINT_FORM_POSTS, &sender.ip)?;
    // Filled in by a robot, or by a browser's autofill: nothing is sent, but what was typed and
    // uploaded is kept in the draft like any other post, and the message names no field.
    let honeypot = !post.honeypot.trim().is_empty();
    if !allowed {
        let FormPost { form, attachments, .. } = post;
        let draft_id = attachments.draft_id.clone();
        attachments.discard();
        let draft = open_draft(conn, draft_id.as_deref(), &sender.owner)?.map(|d| (d.id, d.files));
        let errors = FieldErrors::single(
            "complainant_name",
            "This form has been sent too many times from your connection in the last hour. Nothing new was saved. Wait an hour and send it again, or phone the council",
        );
        let page = page::build(conn, Channel::Public, form, draft, &[], today)?;
        return Ok(Posted::Again { why: Again::TooMany, page: Box::new(page), errors });
    }

    let mut file_errors = post.file_errors();
    let FormPost { form, mut attachments, .. } = post;
    // The address's daily upload quota: over it, the files of this post are not stored (what was
    // typed is), and the upload field says why. Checked and counted in the transaction that keeps
    // the files.
    let (draft_id, files) = crate::db::write(conn, |conn| {
        let bytes: i64 = attachments.received.iter().map(|r| r.size as i64).sum();
        let count = attachments.received.len() as i64;
        if let Some(refusal) = rate_limit::take_upload_quota(conn, &sender.ip, count, bytes)? {
            for r in attachments.received.drain(..) {
                r.discard();
            }
            file_errors.push(FieldError { field: "files".into(), message: refusal });
        }
        keep(conn, store, &sender.owner, &form, attachments)
    })?;
    let mut errors = match check(conn, &form, Channel::Public, files.len(), today) {
        Ok(_) => FieldErrors::default(),
        Err(ServiceError::Invalid(e)) => e,
        Err(e) => return Err(e),
    };
    if !file_errors.is_empty() {
        errors.0.retain(|e| e.field != "files");
        errors.0.extend(file_errors);
    }
    if honeypot {
        // Nothing that tells a robot which field gave it away; the summary's link goes to the
        // button that sends the form again.
        errors.0.insert(
            0,
            FieldError {
                field: SEND_BUTTON.into(),
                message: "Your complaint has not been sent yet. Check your answers, then select Continue".into(),
            },
        );
        let page = page::build(conn, Channel::Public, form, Some((draft_id, files)), &[], today)?;
        return Ok(Posted::Again { why: Again::Honeypot, page: Box::new(page), errors });
    }
    if errors.is_empty() {
        return Ok(Posted::Ready { draft_id });
    }
    let page = page::build(conn, Channel::Public, form, Some((draft_id, files)), &[], today)?;
    Ok(Posted::Again { why: Again::Invalid, page: Box::new(page), errors })
}

/// The answers to check before sending, with what they refer to looked up.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub draft_id: String,
    pub form: ComplaintForm,
    pub files: Vec<DraftFile>,
    pub complainant_type: &'static str,
    pub platform: &'static str,
    pub councillors: Vec<String>,
    pub council: String,
    pub conduct_on: NaiveDate,
    pub links: Vec<String>,
    pub provisions: Vec<String>,
    /// The privacy notice of the council concerned.
    pub privacy: crate::services::privacy::PrivacyNotice,
}

#[derive(Debug)]
pub enum CheckAnswers {
    Ready(Box<CheckView>),
    /// Something changed since (a councillor left the register): back to the form.
    BackToForm {
        draft_id: String,
    },
}

/// The check-your-answers page for this browser's draft (`NotFound` for any other).
pub fn check_answers(
    conn: &mut DbConnection,
    owner: &str,
    draft_id: &str,
    today: NaiveDate,
) -> ServiceResult<CheckAnswers> {
    let draft = open_draft(conn, Some(draft_id), owner)?.ok_or(ServiceError::NotFound)?;
    let checked = match check(conn, &draft.form, Channel::Public, draft.files.len(), today) {
        Ok(c) => c,
        Err(_) => return Ok(CheckAnswers::BackToForm { draft_id: draft.id }),
    };
    let form = draft.form;
    Ok(CheckAnswers::Ready(Box::new(CheckView {
        complainant_type: vocab::label(&vocab::COMPLAINANT_TYPES, &form.complainant_type),
        platform: vocab::label(&vocab::PLATFORMS, &form.platform),
        councillors: checked.members.iter().map(|(m, _)| m.full_name.clone()).collect(),
        council: checked.authority.name.clone(),
        conduct_on: checked.conduct_on,
        links: checked.links.iter().map(|(u, _, _)| u.clone()).collect(),
        provisions: checked.provisions.iter().map(|p| format!("{}. {}", p.number, p.heading)).collect(),
        privacy: crate::services::privacy::notice(conn, &checked.authority)?,
        draft_id: draft.id,
        form,
        files: draft.files,
    })))
}

#[derive(Debug)]
pub enum Sent {
    Sent(Box<Case>),
    /// Too many complaints from the address in the last hour: the message says what to do.
    TooMany(&'static str),
    /// The answers no longer pass the checks: back to the form.
    BackToForm,
}

/// Sends the checked draft (within the submissions rate limit).
pub fn send(
    conn: &mut DbConnection,
    actor: &Actor,
    sender: &Sender,
    draft_id: &str,
    today: NaiveDate,
) -> ServiceResult<Sent> {
    if !rate_limit::allows(conn, rate_limit::COMPLAINT_SUBMISSIONS, &sender.ip)? {
        return Ok(Sent::TooMany(
            "Too many complaints have been sent from your connection in the last hour. Your answers are saved: wait an hour and send them again from the same browser.",
        ));
    }
    match submit_public(conn, actor, draft_id, &sender.owner, today) {
        Ok(case) => {
            rate_limit::record(conn, rate_limit::COMPLAINT_SUBMISSIONS, &sender.ip)?;
            Ok(Sent::Sent(Box::new(case)))
        }
        Err(ServiceError::Invalid(_)) => Ok(Sent::BackToForm),
        Err(e) => Err(e),
    }
}

/// Submits a checked draft from the public form: opens the case, records the complaint and
/// queues the acknowledgement, in one transaction.
pub fn submit_public(
    conn: &mut DbConnection,
    actor: &Actor,
    draft_id: &str,
    owner: &str,
    today: NaiveDate,
) -> ServiceResult<Case> {
    crate::db::write(conn, |conn| {
        let (draft, form) = find_draft(conn, draft_id, owner)?.ok_or(ServiceError::NotFound)?;
        if let Some(reference) = draft.case_reference {
            return case_rows::find_by_reference(conn, &reference)?.ok_or(ServiceError::NotFound);
        }
        let files = file_rows::list_draft_files(conn, &draft.id)?;
        let checked = check(conn, &form, Channel::Public, files.len(), today)?;
        let (case, complaint, complainant) = create(conn, actor, &checked, None, &files)?;
        if complainant.email.is_some() {
            cases::acknowledge(conn, &Actor::system("acknowledgement"), &case, &complaint, &complainant, false)?;
        }
        file_rows::mark_draft_submitted(conn, &draft.id, &case.reference, now())?;
        case_rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)
    })
}

/// The confirmation page: the reference of the case the draft was sent as.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    pub reference: String,
    /// Where the acknowledgement went ("" when none was given).
    pub email: String,
}

pub fn confirmation(conn: &mut DbConnection, owner: &str, draft_id: &str) -> ServiceResult<Confirmation> {
    let (draft, form) = find_draft(conn, draft_id, owner)?.ok_or(ServiceError::NotFound)?;
    let reference = draft.case_reference.ok_or(ServiceError::NotFound)?;
    Ok(Confirmation { reference, email: form.complainant_email.trim().to_string() })
}
