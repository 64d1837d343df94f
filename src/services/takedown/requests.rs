//! Takedown (removal) requests: made to the member, a group leader or the platform, due in
//! working days, and followed up to removal, refusal or lapse. A removal counts as verified only
//! with evidence of its own: an officer's re-capture showing the post gone, kept as an evidence
//! item with its hash; the original evidence stays. Removed posts are re-checked after 7 and 30
//! days; one found again reopens the request.

use super::rules;
use crate::db::DbConnection;
use crate::emails;
use crate::models::case::Case;
use crate::models::evidence::{self as evidence_rows, EvidenceKind, EvidenceSource, EvidenceStatus};
use crate::models::takedown::{self as rows, Recheck, TakedownEvent, TakedownRequest, TakedownStatus};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::cases;
use crate::services::evidence::{self, EvidenceForm, StoredUpload, Uploads};
use crate::services::files::{commit_all, FileStore};
use crate::services::outbox::{self, To};
use crate::services::vocab;
use crate::services::{clean, settings, FieldErrors, ServiceError, ServiceResult};
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The request form, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RequestInput {
    pub items: Vec<String>,
    pub addressee_kind: String,
    pub addressee_name: String,
    pub platform_reference: String,
    pub channel: String,
    pub to_address: String,
    pub request_text: String,
}

impl RequestInput {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut r = RequestInput::default();
        for (k, v) in pairs {
            match k.as_str() {
                "items" => r.items.push(v.clone()),
                "addressee_kind" => r.addressee_kind = v.clone(),
                "addressee_name" => r.addressee_name = v.clone(),
                "platform_reference" => r.platform_reference = v.clone(),
                "channel" => r.channel = v.clone(),
                "to_address" => r.to_address = v.clone(),
                "request_text" => r.request_text = v.clone(),
                _ => {}
            }
        }
        r
    }
}

/// The request's words proposed for a case (from the template, worded for the case's stage),
/// for the officer to edit. The posts and the due date are added from the record when it is sent.
pub fn default_text(conn: &mut DbConnection, case: &Case, member: Option<&str>) -> ServiceResult<String> {
    let draft = emails::TakedownDraft {
        reference: case.reference.clone(),
        member: member.unwrap_or("Councillor").to_string(),
        stage: case.status.as_str(),
        days: settings::deadlines(conn)?.takedown,
    };
    draft.render(&crate::services::letters::letterhead(conn, Some(&case.id))?)
}

/// The posts a request names, as the letter lists them: platform, address, date, an excerpt of
/// the text, and each captured file's name and SHA-256 with the capture's date.
pub fn post_lines(
    conn: &mut DbConnection,
    items: &[evidence_rows::EvidenceItem],
) -> diesel::QueryResult<Vec<emails::PostLine>> {
    let mut out = Vec::new();
    for item in items {
        let v = evidence_rows::current_version(conn, item)?;
        let files = evidence_rows::files(conn, &item.id)?
            .into_iter()
            .map(|f| emails::FileLine { name: f.original_name, sha256: f.sha256 })
            .collect();
        out.push(emails::PostLine {
            number: item.number,
            platform: vocab::platform_label(v.platform.as_deref()).to_string(),
            url: v.url.clone(),
            posted_on: v.posted_at.map(|t| emails::long_date(t.date())),
            excerpt: v.post_text.as_deref().map(|t| vocab::excerpt(t, POST_EXCERPT_CHARS)).filter(|t| !t.is_empty()),
            captured_on: emails::long_date(v.captured_at.date()),
            files,
        });
    }
    Ok(out)
}

/// How much of a post's text a letter quotes.
pub const POST_EXCERPT_CHARS: usize = 280;

/// Records a takedown request, due in working days (the takedown target), sending it by email
/// through the outbox when that is the channel.
pub fn request(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &RequestInput,
    today: NaiveDate,
) -> ServiceResult<TakedownRequest> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let items = evidence_rows::list_items(conn, &case.id)?;
        rules::may_request(user, &case, items.len() as i64)?;
        let mut e = FieldErrors::default();
        for (field, value, what) in [
            ("addressee_name", &input.addressee_name, "the name"),
            ("platform_reference", &input.platform_reference, "the reference"),
            ("to_address", &input.to_address, "the email address"),
        ] {
            crate::services::text::check_one_line(&mut e, field, value, what);
        }
        if input.items.is_empty() {
            e.add("items", "Select the posts to be removed");
        }
        if input.items.iter().any(|i| !items.iter().any(|x| &x.id == i)) {
            e.add("items", "Select posts from this case's evidence");
        }
        if !vocab::TAKEDOWN_ADDRESSEES.iter().any(|(v, _)| *v == input.addressee_kind) {
            e.add("addressee_kind", "Select who the request is to");
        }
        if clean(&input.addressee_name).is_none() {
            e.add("addressee_name", "Enter who the request is addressed to");
        }
        if !vocab::TAKEDOWN_CHANNELS.iter().any(|(v, _)| *v == input.channel) {
            e.add("channel", "Select how the request is made");
        }
        let address = clean(&input.to_address);
        if input.channel == "email" {
            match &address {
                Some(a) if validator::ValidateEmail::validate_email(a) => {}
                _ => e.add("to_address", "Enter the email address to send the request to"),
            }
        }
        if clean(&input.request_text).is_none() {
            e.add("request_text", "Enter the text of the request");
        }
        e.into_result()?;
        let calendar = Calendar::load(conn)?;
        let days = settings::deadlines(conn)?.takedown;
        let platform = items
            .iter()
            .filter(|x| input.items.contains(&x.id))
            .find_map(|x| evidence_rows::current_version(conn, x).ok().and_then(|v| v.platform));
        let mut request = TakedownRequest {
            id: new_id(),
            case_id: case.id.clone(),
            number: rows::next_number(conn, &case.id)?,
            addressee_kind: input.addressee_kind.clone(),
            addressee_name: input.addressee_name.trim().to_string(),
            platform,
            platform_reference: clean(&input.platform_reference),
            channel: input.channel.clone(),
            to_address: address.clone(),
            request_text: input.request_text.trim().to_string(),
            requested_on: today,
            due_on: calendar.add_working_days(today, days),
            status: TakedownStatus::Requested,
            resolved_on: None,
            outbox_id: None,
            reminder_queued_at: None,
            created_by_user_id: user.id.clone().into(),
            created_at: now(),
        };
        if input.channel == "email" {
            let named: Vec<_> = items.iter().filter(|x| input.items.contains(&x.id)).cloned().collect();
            let letter = emails::TakedownRequest {
                reference: case.reference.clone(),
                number: request.number,
                text: request.request_text.clone(),
                posts: post_lines(conn, &named)?,
                due_on: emails::long_date(request.due_on),
            };
            let to = To::new(address.as_deref().unwrap_or_default(), &request.addressee_name);
            let m = outbox::queue(conn, Some(&case.id), to, &letter)?;
            request.outbox_id = Some(m.id);
        }
        rows::insert(conn, &request)?;
        for i in &input.items {
            rows::link_item(conn, &request.id, i)?;
        }
        audit::record(
            conn,
            actor,
            Event::new("takedown.requested", "takedown_request", &request.id).case(&case.id).summary(format!(
                "Takedown request T{} to {} ({}), due {}",
                request.number,
                request.addressee_name,
                vocab::label(&vocab::TAKEDOWN_CHANNELS, &request.channel),
                request.due_on.format("%-d %B %Y")
            )),
        )?;
        Ok(request)
    })
}

/// Finds a request by case reference and number ("T2" or "2") for a user who may see the
/// case's takedown work.
pub fn find(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    number: &str,
) -> ServiceResult<(Case, TakedownRequest)> {
    let case = cases::find_visible(conn, user, reference)?;
    // Takedown work is the officers' (`access::Sections::takedown`).
    if !crate::services::access::sections(conn, user, &case.id)?.takedown {
        return Err(ServiceError::NotFound);
    }
    let n: i32 = number.trim_start_matches(['T', 't']).parse().map_err(|_| ServiceError::NotFound)?;
    let r = rows::find_by_number(conn, &case.id, n)?.ok_or(ServiceError::NotFound)?;
    Ok((case, r))
}

/// The verification of a removal: a new re-capture (file and details) or an existing officer
/// capture made since the request.
pub enum Verification {
    Recapture { files: Vec<StoredUpload>, note: String },
    Existing(String),
    None,
}

/// Which request: a case reference and the request's number ("T1").
#[derive(Debug, Clone, Copy)]
pub struct RequestRef<'a> {
    pub reference: &'a str,
    pub number: &'a str,
}

/// What happened to a request.
pub struct Change<'a> {
    pub to: &'a str,
    pub note: &'a str,
    pub verification: Verification,
}

/// Moves a request on. Removal (full or partial) needs verification evidence; a reinstated post
/// reopens the request with a new due date.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    at: RequestRef,
    change: Change,
    today: NaiveDate,
) -> ServiceResult<TakedownRequest> {
    let Change { to, note, verification } = change;
    crate::db::write(conn, |conn| {
        let (case, r) = find(conn, user, at.reference, at.number)?;
        rules::may_work(user, &case)?;
        let Some(to) = TakedownStatus::parse(to) else {
            return Err(ServiceError::Invalid(FieldErrors::single("status", "Select what happened")));
        };
        if !r.status.can_move_to(to) {
            return Err(ServiceError::Refused(format!(
                "A request that is {} cannot become {}",
                r.status.label().to_lowercase(),
                to.label().to_lowercase()
            )));
        }
        let mut verification_item = None;
        if to.is_removal() {
            verification_item = Some(match verification {
                Verification::Existing(id) => {
                    let item = evidence_rows::find_item(conn, &id)?.filter(|i| i.case_id == case.id).ok_or_else(|| {
                        ServiceError::Invalid(FieldErrors::single("verification", "Choose evidence from this case"))
                    })?;
                    let v = evidence_rows::current_version(conn, &item)?;
                    if item.source != EvidenceSource::Officer || v.captured_at.date() < r.requested_on {
                        return Err(ServiceError::Invalid(FieldErrors::single(
                            "verification",
                            "The verification must be an officer's capture made after the request",
                        )));
                    }
                    item.id
                }
                Verification::Recapture { files, note: capture_note } => {
                    if files.is_empty() {
                        return Err(ServiceError::Invalid(FieldErrors::single("verification", "Upload the re-capture showing the post has gone")));
                    }
                    let t = chrono::Utc::now().naive_utc();
                    let form = EvidenceForm {
                        kind: EvidenceKind::Post.as_str().into(),
                        source: EvidenceSource::Officer.as_str().into(),
                        title: format!("Re-check for takedown T{}: post {}", r.number, if to == TakedownStatus::Removed { "removed" } else { "partly removed" }),
                        platform: r.platform.clone().unwrap_or_default(),
                        captured_day: today.day().to_string(),
                        captured_month: today.month().to_string(),
                        captured_year: today.year().to_string(),
                        captured_time: t.format("%H:%M").to_string(),
                        notes: capture_note,
                        ..Default::default()
                    };
                    let item = evidence::add(conn, actor, user, &case.reference, &form, &files, today)?;
                    evidence_rows::set_status(conn, &item.id, EvidenceStatus::Removed, now())?;
                    item.id
                }
                Verification::None => {
                    return Err(ServiceError::Invalid(FieldErrors::single(
                        "verification",
                        "A removal is only verified with evidence: upload a re-capture showing the post has gone, or choose one",
                    )))
                }
            });
            // The original posts are now recorded as removed (their files stay).
            for item in rows::items_of(conn, &r.id)? {
                evidence::mark_removed(conn, actor, &item, r.number)?;
            }
        }
        let reopening = to == TakedownStatus::Reinstated;
        let due = if reopening {
            let calendar = Calendar::load(conn)?;
            Some(calendar.add_working_days(today, settings::deadlines(conn)?.takedown))
        } else {
            None
        };
        let resolved = if to.is_open() { None } else { Some(today) };
        rows::set_status(conn, &r.id, to, resolved, due)?;
        rows::insert_event(
            conn,
            &TakedownEvent {
                id: new_id(),
                request_id: r.id.clone(),
                from_status: r.status,
                to_status: to,
                note: clean(note),
                verification_item_id: verification_item.clone(),
                actor_label: actor.label.clone(),
                occurred_on: today,
                created_at: now(),
            },
        )?;
        if to.is_removal() {
            for days in [7, 30] {
                rows::insert_recheck(
                    conn,
                    &Recheck {
                        id: new_id(),
                        request_id: r.id.clone(),
                        due_on: today + Duration::days(days),
                        done_on: None,
                        result: None,
                        reminder_queued_at: None,
                    },
                )?;
            }
        }
        audit::record(
            conn,
            actor,
            Event::new("takedown.updated", "takedown_request", &r.id).case(&case.id).summary(format!(
                "Takedown T{}: {} → {}",
                r.number,
                r.status.label(),
                to.label()
            )),
        )?;
        rows::find_by_number(conn, &case.id, r.number)?.ok_or(ServiceError::NotFound)
    })
}

/// The "record what happened" form: the new status, a note, and the removal's verification (a
/// re-capture uploaded with the form, or an officer capture already in the evidence).
#[derive(Debug, Default)]
pub struct Outcome {
    pub status: String,
    pub note: String,
    /// An existing evidence item's id ("" for none).
    pub verification_item: String,
    pub recapture: Uploads,
}

/// Records what happened to a request from its page: a re-capture uploaded with the form is
/// stored and becomes an evidence item in the same transaction as the change.
pub fn record(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    user: &User,
    at: RequestRef,
    outcome: Outcome,
    today: NaiveDate,
) -> ServiceResult<TakedownRequest> {
    crate::db::write(conn, |conn| {
        let (case, _) = find(conn, user, at.reference, at.number)?;
        rules::may_work(user, &case)?;
        if !outcome.recapture.refused.is_empty() {
            return Err(ServiceError::Invalid(FieldErrors(outcome.recapture.refusals("verification"))));
        }
        let files = commit_all(conn, store, &outcome.recapture.received)?;
        let verification = if !files.is_empty() {
            Verification::Recapture { files, note: outcome.note.clone() }
        } else if !outcome.verification_item.is_empty() {
            Verification::Existing(outcome.verification_item.clone())
        } else {
            Verification::None
        };
        update(conn, actor, user, at, Change { to: &outcome.status, note: &outcome.note, verification }, today)
    })
}

/// A scheduled re-check: still gone, or back (which reopens the request).
pub fn recheck(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    at: RequestRef,
    recheck_id: &str,
    still_removed: bool,
    today: NaiveDate,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let (case, r) = find(conn, user, at.reference, at.number)?;
        rules::may_work(user, &case)?;
        let c = rows::rechecks(conn, &r.id)?.into_iter().find(|c| c.id == recheck_id).ok_or(ServiceError::NotFound)?;
        if c.done_on.is_some() {
            return Err(ServiceError::Refused("This re-check has been recorded".into()));
        }
        rows::complete_recheck(conn, &c.id, today, if still_removed { "still removed" } else { "reinstated" })?;
        audit::record(
            conn,
            actor,
            Event::new("takedown.rechecked", "takedown_request", &r.id).case(&case.id).summary(format!(
                "Takedown T{} re-checked: {}",
                r.number,
                if still_removed { "still removed" } else { "the post is back" }
            )),
        )?;
        Ok(())
    })?;
    if !still_removed {
        let change =
            Change { to: "reinstated", note: "Found again at a scheduled re-check", verification: Verification::None };
        update(conn, actor, user, at, change, today)?;
    }
    Ok(())
}
