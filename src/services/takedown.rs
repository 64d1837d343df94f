//! Takedown (removal) requests and informal resolution. A removal counts as verified only with
//! evidence of its own: an officer's re-capture showing the post gone, kept as an evidence item
//! with its hash; the original evidence stays.

use crate::db::schema::{takedown_events, takedown_requests};
use crate::db::DbConnection;
use crate::emails::{self, Email};
use crate::models::case::CaseStatus;
use crate::models::case::{self as case_rows, Case};
use crate::models::evidence as evidence_rows;
use crate::models::takedown::{
    self as rows, InformalAction, Recheck, TakedownEvent, TakedownFigures, TakedownRequest, TakedownStatus,
};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access;
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::cases;
use crate::services::evidence::{self, EvidenceForm};
use crate::services::files::StoredUpload;
use crate::services::outbox::{self, To};
use crate::services::vocab;
use crate::services::{clean, settings, FieldErrors, ServiceError, ServiceResult};
use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

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

/// The request text proposed for a case (from the template), for the officer to edit.
pub fn default_text(case: &Case, member: Option<&str>) -> String {
    let letter = emails::TakedownRequest {
        reference: case.reference.clone(),
        member: member.unwrap_or("Councillor").to_string(),
    };
    letter.render().map(|r| r.body_text).unwrap_or_default()
}

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
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let items = evidence_rows::list_items(conn, &case.id)?;
        let mut e = FieldErrors::default();
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
            let subject = format!("Request to remove social media posts: {}", case.reference);
            let to = To::new(address.as_deref().unwrap_or_default(), &request.addressee_name);
            let m = outbox::queue_text(conn, Some(&case.id), "takedown_request", to, &subject, &request.request_text)?;
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

pub fn find(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    number: &str,
) -> ServiceResult<(Case, TakedownRequest)> {
    let case = cases::find_visible(conn, user, reference)?;
    let n: i32 = number.trim_start_matches(['T', 't']).parse().map_err(|_| ServiceError::NotFound)?;
    let r = rows::list_for_case(conn, &case.id)?.into_iter().find(|r| r.number == n).ok_or(ServiceError::NotFound)?;
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
    conn.transaction(|conn| {
        let (case, r) = find(conn, user, at.reference, at.number)?;
        cases::find_workable(conn, user, &case.reference)?;
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
                    if item.source != "officer" || v.captured_at.date() < r.requested_on {
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
                        kind: "post".into(),
                        source: "officer".into(),
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
                    evidence_rows::set_status(conn, &item.id, "removed", now())?;
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
                evidence::with_retry(conn, |conn| {
                    evidence_rows::set_status(conn, &item, "removed", now())?;
                    evidence::append_custody(conn, actor, &item, "status_changed", None, serde_json::json!({ "to": "removed", "takedown": r.number }))
                })?;
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
                rows::insert_recheck(conn, &Recheck { id: new_id(), request_id: r.id.clone(), due_on: today + Duration::days(days), done_on: None, result: None })?;
            }
        }
        audit::record(
            conn,
            actor,
            Event::new("takedown.updated", "takedown_request", &r.id)
                .case(&case.id)
                .summary(format!("Takedown T{}: {} → {}", r.number, r.status.label(), to.label())),
        )?;
        rows::list_for_case(conn, &case.id)?.into_iter().find(|x| x.id == r.id).ok_or(ServiceError::NotFound)
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
    conn.transaction(|conn| {
        let (case, r) = find(conn, user, at.reference, at.number)?;
        cases::find_workable(conn, user, &case.reference)?;
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

/// Queues one reminder per request that has passed its due date (run by the background worker;
/// the claim makes it once, however often it runs).
pub fn queue_overdue_reminders(conn: &mut DbConnection, today: NaiveDate) -> ServiceResult<usize> {
    conn.transaction(|conn| {
        let claimed = rows::claim_overdue(conn, today, now())?;
        let actor = Actor::system("takedown reminders");
        for r in &claimed {
            let case = case_rows::find(conn, &r.case_id)?.ok_or(diesel::result::Error::NotFound)?;
            let to = match &case.assigned_user_id {
                Some(id) => crate::models::user::find(conn, id)?,
                None => None,
            };
            let recipients: Vec<User> = match to {
                Some(u) => vec![u],
                None => crate::models::user::list_for_role(conn, crate::models::user::Role::MonitoringOfficer)?,
            };
            for u in recipients {
                let letter = emails::TakedownReminder {
                    name: u.name.clone(),
                    reference: case.reference.clone(),
                    number: r.number,
                    addressee: r.addressee_name.clone(),
                    due_on: emails::long_date(r.due_on),
                };
                outbox::queue(conn, Some(&case.id), To::new(&u.email, &u.name), &letter)?;
            }
            audit::record(
                conn,
                &actor,
                Event::new("takedown.reminder_queued", "takedown_request", &r.id)
                    .case(&case.id)
                    .summary(format!("Takedown T{} is overdue: reminder sent", r.number)),
            )?;
        }
        Ok(claimed.len())
    })
}

/// Open requests past their due date, for the dashboard (cases the user may see).
pub fn overdue_for(conn: &mut DbConnection, user: &User, today: NaiveDate) -> QueryResult<Vec<serde_json::Value>> {
    let due: Vec<TakedownRequest> = takedown_requests::table
        .filter(takedown_requests::status.eq_any(TakedownStatus::open()))
        .filter(takedown_requests::due_on.lt(today))
        .order(takedown_requests::due_on.asc())
        .limit(100)
        .select(TakedownRequest::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for r in due {
        if !access::can_view_case(conn, user, &r.case_id)? {
            continue;
        }
        if let Some(case) = case_rows::find(conn, &r.case_id)? {
            out.push(serde_json::json!({ "reference": case.reference, "number": r.number, "addressee": r.addressee_name, "due_on": r.due_on }));
        }
    }
    Ok(out)
}

/// Takedown figures for requests made between the dates, grouped by platform or by addressee,
/// counted by the database.
pub fn figures(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    by_platform: bool,
) -> QueryResult<Vec<TakedownFigures>> {
    use std::collections::BTreeMap;
    let mut table: BTreeMap<String, [i64; 6]> = BTreeMap::new();
    let removed = ["removed", "partly-removed"];
    let open = ["requested", "acknowledged", "reinstated"];
    // Three grouped counts, each a GROUP BY in the database; the few grouped rows are combined here.
    macro_rules! grouped_by {
        ($col:expr, $t:ty) => {{
            let by_status: Vec<($t, String, i64)> = takedown_requests::table
                .filter(takedown_requests::requested_on.between(from, to))
                .group_by(($col, takedown_requests::status))
                .select(($col, takedown_requests::status, diesel::dsl::count_star()))
                .load(conn)?;
            let in_time: Vec<($t, i64)> = takedown_requests::table
                .filter(takedown_requests::requested_on.between(from, to))
                .filter(takedown_requests::status.eq_any(removed))
                .filter(takedown_requests::resolved_on.le(takedown_requests::due_on.nullable()))
                .group_by($col)
                .select(($col, diesel::dsl::count_star()))
                .load(conn)?;
            let reinstated: Vec<($t, i64)> = takedown_requests::table
                .filter(takedown_requests::requested_on.between(from, to))
                .filter(diesel::dsl::exists(
                    takedown_events::table
                        .filter(takedown_events::request_id.eq(takedown_requests::id))
                        .filter(takedown_events::to_status.eq(TakedownStatus::Reinstated)),
                ))
                .group_by($col)
                .select(($col, diesel::dsl::count_star()))
                .load(conn)?;
            let group = |g: $t| -> Option<String> { Option::<String>::from(g) };
            (
                by_status.into_iter().map(|(g, s, n)| (group(g), s, n)).collect::<Vec<_>>(),
                in_time.into_iter().map(|(g, n)| (group(g), n)).collect::<Vec<_>>(),
                reinstated.into_iter().map(|(g, n)| (group(g), n)).collect::<Vec<_>>(),
            )
        }};
    }
    let (by_status, in_time, reinstated) = if by_platform {
        grouped_by!(takedown_requests::platform, Option<String>)
    } else {
        grouped_by!(takedown_requests::addressee_kind, String)
    };
    let key = |g: Option<String>| g.unwrap_or_else(|| "unknown".into());
    for (g, status, n) in by_status {
        let row = table.entry(key(g)).or_insert([0; 6]);
        row[0] += n;
        if removed.contains(&status.as_str()) {
            row[2] += n; // late for now; those in time are moved below
        }
        if status == "refused" {
            row[3] += n;
        }
        if open.contains(&status.as_str()) {
            row[5] += n;
        }
    }
    for (g, n) in in_time {
        let row = table.entry(key(g)).or_insert([0; 6]);
        row[1] += n;
        row[2] -= n;
    }
    for (g, n) in reinstated {
        table.entry(key(g)).or_insert([0; 6])[4] += n;
    }
    Ok(table
        .into_iter()
        .map(|(group, n)| TakedownFigures {
            group,
            requests: n[0],
            removed_in_time: n[1],
            removed_late: n[2],
            refused: n[3],
            reinstated: n[4],
            open: n[5],
        })
        .collect())
}

/// Informal resolution: the agreed actions, each tracked to done.
pub fn add_action(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    kind: &str,
    description: &str,
    due: Option<NaiveDate>,
) -> ServiceResult<InformalAction> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        if case.status != CaseStatus::InformalResolution {
            return Err(ServiceError::Refused("Actions are agreed once the decision is informal resolution".into()));
        }
        let mut e = FieldErrors::default();
        if !vocab::INFORMAL_ACTION_KINDS.iter().any(|(v, _)| *v == kind) {
            e.add("kind", "Select the kind of action");
        }
        if clean(description).is_none() {
            e.add("description", "Describe the agreed action");
        }
        e.into_result()?;
        let a = InformalAction {
            id: new_id(),
            case_id: case.id.clone(),
            kind: kind.into(),
            description: description.trim().into(),
            due_on: due,
            done_on: None,
            done_note: None,
            created_by_user_id: user.id.clone().into(),
            created_at: now(),
        };
        rows::insert_action(conn, &a)?;
        audit::record(
            conn,
            actor,
            Event::new("informal.action_agreed", "informal_action", &a.id).case(&case.id).summary(format!(
                "Agreed action: {} ({})",
                a.description,
                vocab::label(&vocab::INFORMAL_ACTION_KINDS, kind)
            )),
        )?;
        Ok(a)
    })
}

pub fn complete_action(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    action_id: &str,
    on: NaiveDate,
    note: &str,
) -> ServiceResult<()> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let a = rows::actions(conn, &case.id)?.into_iter().find(|a| a.id == action_id).ok_or(ServiceError::NotFound)?;
        if a.done_on.is_some() {
            return Err(ServiceError::Refused("That action is already done".into()));
        }
        rows::complete_action(conn, &a.id, on, clean(note).as_deref())?;
        audit::record(
            conn,
            actor,
            Event::new("informal.action_done", "informal_action", &a.id)
                .case(&case.id)
                .summary(format!("Action done: {}", a.description)),
        )?;
        Ok(())
    })
}

/// Closes the case as resolved: only when every agreed action is done.
pub fn close_resolved(conn: &mut DbConnection, actor: &Actor, user: &User, reference: &str) -> ServiceResult<()> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        if case.status != CaseStatus::InformalResolution {
            return Err(ServiceError::Refused("Only a case in informal resolution can be closed as resolved".into()));
        }
        let actions = rows::actions(conn, &case.id)?;
        if actions.is_empty() {
            return Err(ServiceError::Refused("Record the agreed actions first".into()));
        }
        let open: Vec<_> = actions.iter().filter(|a| a.done_on.is_none()).map(|a| a.description.clone()).collect();
        if !open.is_empty() {
            return Err(ServiceError::Refused(format!("These actions are not done yet: {}", open.join("; "))));
        }
        cases::transition(conn, actor, &case, CaseStatus::Closed, "Resolved informally")
    })
}

/// The member refused informal resolution: the case goes back for a decision (investigation or no
/// further action).
pub fn member_refused(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    note: &str,
) -> ServiceResult<()> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        if case.status != CaseStatus::InformalResolution {
            return Err(ServiceError::Refused("The case is not in informal resolution".into()));
        }
        let note = clean(note)
            .ok_or_else(|| ServiceError::Invalid(FieldErrors::single("refusal_note", "Say what the member refused")))?;
        cases::transition(
            conn,
            actor,
            &case,
            CaseStatus::InitialAssessment,
            &format!("Member refused informal resolution: {note}"),
        )?;
        Ok(())
    })
}
