//! Cases: the state machine, assignment, notes, member notification, moving a complaint to the
//! case about the same conduct, deadlines, the case list with its filters and search, and the
//! dashboard.

use crate::db::schema::{allegations, cases, complaints, members, users};
use crate::db::DbConnection;
use crate::emails::{self};
use crate::models::case::{self as rows, Case, CaseChanges, CaseNote, CaseStatus};
use crate::models::complaint::{self as complaint_rows, Complainant, Complaint};
use crate::models::member as member_rows;
use crate::models::outbox as outbox_rows;
use crate::models::user::{self as user_rows, User};
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::outbox::{self, To};
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

/// Moves a case to another state, refusing a transition the journey does not allow, and audits
/// it. Call inside the transaction of the change that causes it.
pub fn transition(conn: &mut DbConnection, actor: &Actor, case: &Case, to: CaseStatus, why: &str) -> ServiceResult<()> {
    let from = case.status;
    if !from.next().contains(&to) {
        return Err(ServiceError::Refused(format!(
            "A case that is {} cannot move to {}",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        )));
    }
    let t = now();
    let mut changes = CaseChanges { status: Some(to), updated_at: Some(t), ..Default::default() };
    if to == CaseStatus::Closed {
        changes.closed_at = Some(Some(t));
        changes.closure_reason = Some(Some(why.to_string()));
    }
    rows::update(conn, &case.id, &changes)?;
    audit::record(
        conn,
        actor,
        Event::new("case.status_changed", "case", &case.id)
            .case(&case.id)
            .summary(format!(
                "Status {} → {}{}",
                from.label(),
                to.label(),
                if why.is_empty() { String::new() } else { format!(": {why}") }
            ))
            .details(serde_json::json!({ "from": from.as_str(), "to": to.as_str() })),
    )?;
    Ok(())
}

/// Rebuilds the lower-cased text the case list searches.
pub fn refresh_search_text(conn: &mut DbConnection, case_id: &str) -> QueryResult<()> {
    let case = rows::find(conn, case_id)?.ok_or(diesel::result::Error::NotFound)?;
    let mut parts = vec![case.reference.clone(), case.summary.clone()];
    for (c, who) in complaint_rows::list_for_case(conn, case_id)? {
        parts.extend([who.name, c.what_happened, c.why_official, c.post_urls]);
        parts.extend(c.unlisted_member_name);
    }
    for m in member_rows::list_for_case(conn, case_id)? {
        parts.push(m.full_name);
    }
    let text = parts.join("\n").to_lowercase();
    diesel::update(cases::table.find(case_id)).set(cases::search_text.eq(text)).execute(conn)?;
    Ok(())
}

/// Where a deadline stands, in working days.
#[derive(Debug, Clone, Serialize)]
pub struct Deadline {
    pub label: &'static str,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub overdue: bool,
    /// Working days left (positive) or overdue by (negative); none when done.
    pub working_days: Option<i64>,
}

pub fn deadline(
    calendar: &Calendar,
    label: &'static str,
    due_on: NaiveDate,
    done_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Deadline {
    let working_days = match done_on {
        Some(_) => None,
        None if today <= due_on => Some(calendar.working_days_between(today, due_on)),
        None => Some(-calendar.working_days_between(due_on, today)),
    };
    let overdue = match done_on {
        Some(d) => d > due_on,
        None => today > due_on,
    };
    Deadline { label, due_on, done_on, overdue, working_days }
}

pub fn deadlines_of(calendar: &Calendar, case: &Case, today: NaiveDate) -> Vec<Deadline> {
    vec![
        deadline(calendar, "Acknowledge", case.ack_due_on, case.acknowledged_on, today),
        deadline(calendar, "Initial assessment", case.assessment_due_on, case.assessed_on, today),
    ]
}

/// Finds a case by reference if the user may see it (else `NotFound`, never `Forbidden`: a case's
/// existence is itself confidential).
pub fn find_visible(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<Case> {
    let case = rows::find_by_reference(conn, reference)?.ok_or(ServiceError::NotFound)?;
    if !access::can_view_case(conn, user, &case.id)? {
        return Err(ServiceError::NotFound);
    }
    Ok(case)
}

/// As [`find_visible`], for someone who must also be able to work on cases.
pub fn find_workable(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<Case> {
    let case = find_visible(conn, user, reference)?;
    if !access::can(user, Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    if !case.status.is_open() {
        return Err(ServiceError::Refused(format!("Case {} is closed", case.reference)));
    }
    Ok(case)
}

pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    assignee_id: &str,
) -> ServiceResult<Case> {
    conn.transaction(|conn| {
        let case = find_workable(conn, user, reference)?;
        let assignee = match assignee_id.trim() {
            "" => None,
            id => {
                let u = user_rows::find(conn, id)?.filter(|u| u.active && access::can(u, Permission::WorkCases));
                match u {
                    Some(u) if access::can_view_case(conn, &u, &case.id)? => Some(u),
                    Some(_) => {
                        return Err(ServiceError::Invalid(FieldErrors::single(
                            "assignee",
                            "That officer has declared a conflict on this case",
                        )))
                    }
                    None => {
                        return Err(ServiceError::Invalid(FieldErrors::single(
                            "assignee",
                            "Select an officer who works on cases",
                        )))
                    }
                }
            }
        };
        if case.assigned_user_id.as_deref() == assignee.as_ref().map(|u| u.id.as_str()) {
            return Ok(case);
        }
        rows::update(
            conn,
            &case.id,
            &CaseChanges {
                assigned_user_id: Some(assignee.as_ref().map(|u| u.id.clone())),
                updated_at: Some(now()),
                ..Default::default()
            },
        )?;
        let summary = match &assignee {
            Some(u) => format!("Assigned to {}", u.name),
            None => "Unassigned".to_string(),
        };
        audit::record(conn, actor, Event::new("case.assigned", "case", &case.id).case(&case.id).summary(summary))?;
        rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)
    })
}

pub fn add_note(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    body: &str,
) -> ServiceResult<CaseNote> {
    let body = clean(body).ok_or_else(|| ServiceError::Invalid(FieldErrors::single("note", "Enter the note")))?;
    if body.chars().count() > 20_000 {
        return Err(ServiceError::Invalid(FieldErrors::single("note", "Use 20,000 characters or fewer")));
    }
    conn.transaction(|conn| {
        let case = find_visible(conn, user, reference)?;
        if !access::can(user, Permission::WorkCases) {
            return Err(ServiceError::Forbidden);
        }
        let note = CaseNote {
            id: new_id(),
            case_id: case.id.clone(),
            author_user_id: user.id.clone(),
            body,
            created_at: now(),
        };
        rows::insert_note(conn, &note)?;
        audit::record(
            conn,
            actor,
            Event::new("case.note_added", "case_note", &note.id).case(&case.id).summary("Note added"),
        )?;
        Ok(note)
    })
}

/// Acknowledges one complaint of the case: by email (queued) or recorded as sent by post.
pub fn acknowledge_complaint(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    complaint_id: &str,
    by_post: bool,
) -> ServiceResult<()> {
    conn.transaction(|conn| {
        let case = find_workable(conn, user, reference)?;
        let (complaint, complainant) = complaint_rows::list_for_case(conn, &case.id)?
            .into_iter()
            .find(|(c, _)| c.id == complaint_id)
            .ok_or(ServiceError::NotFound)?;
        if complaint.acknowledged_at.is_some() {
            return Err(ServiceError::Refused("This complaint has already been acknowledged".into()));
        }
        if !by_post && complainant.email.is_none() {
            return Err(ServiceError::Refused(
                "The complainant gave no email address: send the acknowledgement by post and record it".into(),
            ));
        }
        acknowledge(conn, actor, &case, &complaint, &complainant, by_post)?;
        Ok(())
    })
}

/// Sends (queues) the acknowledgement by email, or records one sent by post; moves a newly
/// received case to acknowledged.
pub fn acknowledge(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    complaint: &Complaint,
    complainant: &Complainant,
    by_post: bool,
) -> ServiceResult<()> {
    let t = now();
    let how = if by_post {
        "recorded as sent by post".to_string()
    } else {
        let email = complainant.email.as_deref().ok_or(diesel::result::Error::NotFound)?;
        let letter = emails::Acknowledgement {
            name: complainant.name.clone(),
            reference: case.reference.clone(),
            received_on: emails::long_date(complaint.received_on),
            assessment_due_on: emails::long_date(case.assessment_due_on),
            confidential: complaint.confidentiality_requested,
        };
        outbox::queue(conn, Some(&case.id), To::new(email, &complainant.name), &letter)?;
        format!("queued by email to {email}")
    };
    complaint_rows::mark_acknowledged(conn, &complaint.id, t)?;
    let mut changes = CaseChanges { updated_at: Some(t), ..Default::default() };
    if case.acknowledged_on.is_none() {
        changes.acknowledged_on = Some(Some(t.date()));
    }
    rows::update(conn, &case.id, &changes)?;
    if case.status == CaseStatus::Received {
        transition(conn, actor, case, CaseStatus::Acknowledged, "")?;
    }
    audit::record(
        conn,
        actor,
        Event::new("complaint.acknowledged", "complaint", &complaint.id)
            .case(&case.id)
            .summary(format!("Acknowledgement to {} {how}", complainant.name)),
    )?;
    Ok(())
}

/// Tells a member about the complaint (only when an officer decides to: domain.md §a step 4).
/// The complainant is named unless they asked for confidentiality.
pub fn notify_member(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    member_id: &str,
) -> ServiceResult<()> {
    conn.transaction(|conn| {
        let case = find_workable(conn, user, reference)?;
        let member = member_rows::list_for_case(conn, &case.id)?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or(ServiceError::NotFound)?;
        if let Some(n) =
            complaint_rows::list_notifications_for_case(conn, &case.id)?.iter().find(|n| n.member_id == member.id)
        {
            return Err(ServiceError::Refused(format!(
                "{} was told of this complaint on {}",
                member.full_name,
                n.notified_at.format("%-d %B %Y")
            )));
        }
        let email = member.email.clone().ok_or_else(|| {
            ServiceError::Refused(format!("There is no email address for {} in the members register", member.full_name))
        })?;
        let complaints = complaint_rows::list_for_case(conn, &case.id)?;
        let complainants: Vec<String> = complaints
            .iter()
            .map(|(c, who)| {
                if c.confidentiality_requested {
                    "A complainant who asked not to be named".to_string()
                } else {
                    who.name.clone()
                }
            })
            .collect();
        let letter = emails::MemberNotification {
            member_name: member.full_name.clone(),
            reference: case.reference.clone(),
            complainants,
            summary: case.summary.clone(),
        };
        let message = outbox::queue(conn, Some(&case.id), To::new(&email, &member.full_name), &letter)?;
        complaint_rows::insert_notification(
            conn,
            &complaint_rows::MemberNotification {
                id: new_id(),
                case_id: case.id.clone(),
                member_id: member.id.clone(),
                outbox_id: message.id.clone(),
                notified_by_user_id: user.id.clone(),
                notified_at: now(),
            },
        )?;
        audit::record(
            conn,
            actor,
            Event::new("member.notified", "member", &member.id)
                .case(&case.id)
                .summary(format!("{} told of the complaint by email", member.full_name)),
        )?;
        Ok(())
    })
}

/// Moves a complaint (with its allegations) to another open case about the same conduct. A case
/// left with no complaints is closed as merged.
pub fn move_complaint(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    complaint_id: &str,
    target_reference: &str,
) -> ServiceResult<Case> {
    conn.transaction(|conn| {
        let source = find_workable(conn, user, reference)?;
        let target = find_workable(conn, user, target_reference)?;
        if source.id == target.id {
            return Err(ServiceError::Refused("The complaint is already on that case".into()));
        }
        let complaint = complaint_rows::find(conn, complaint_id)?
            .filter(|c| c.case_id == source.id)
            .ok_or(ServiceError::NotFound)?;
        diesel::update(complaints::table.find(&complaint.id)).set(complaints::case_id.eq(&target.id)).execute(conn)?;
        diesel::update(allegations::table.filter(allegations::complaint_id.eq(&complaint.id)))
            .set(allegations::case_id.eq(&target.id))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Event::new("complaint.moved", "complaint", &complaint.id)
                .case(&target.id)
                .summary(format!("Complaint moved here from {} (same conduct)", source.reference)),
        )?;
        audit::record(
            conn,
            actor,
            Event::new("complaint.moved", "complaint", &complaint.id)
                .case(&source.id)
                .summary(format!("Complaint moved to {} (same conduct)", target.reference)),
        )?;
        if target.acknowledged_on.is_none() && complaint.acknowledged_at.is_some() {
            rows::update(
                conn,
                &target.id,
                &CaseChanges {
                    acknowledged_on: Some(complaint.acknowledged_at.map(|t| t.date())),
                    ..Default::default()
                },
            )?;
        }
        if complaint_rows::count_for_case(conn, &source.id)? == 0 {
            let source = rows::find(conn, &source.id)?.ok_or(ServiceError::NotFound)?;
            transition(conn, actor, &source, CaseStatus::Closed, &format!("Merged into {}", target.reference))?;
        }
        refresh_search_text(conn, &source.id)?;
        refresh_search_text(conn, &target.id)?;
        rows::find(conn, &target.id)?.ok_or(ServiceError::NotFound)
    })
}

/// Filters and sorting for the case list (from the query string).
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct CaseQuery {
    pub q: String,
    pub status: String,
    pub authority: String,
    pub member: String,
    pub assigned: String,
    pub overdue: String,
    pub sort: String,
    pub page: i64,
}

pub const PAGE_SIZE: i64 = 25;

#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub reference: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_colour: &'static str,
    pub summary: String,
    pub authority: String,
    pub assigned: Option<String>,
    pub received_on: NaiveDate,
    pub next_deadline: Option<Deadline>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CasePage {
    pub rows: Vec<CaseRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

type Boxed<'a> = cases::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// The cases the user may see (the one definition in `access`), filtered as asked. Search terms
/// must all appear.
fn filtered<'a>(user: &User, q: &CaseQuery, today: NaiveDate) -> Boxed<'a> {
    let mut query = cases::table.into_boxed().filter(access::visible_cases(user));
    match q.status.as_str() {
        "" => {}
        "open" => query = query.filter(cases::status.eq_any(CaseStatus::open())),
        s => query = query.filter(cases::status.eq(s.to_string())),
    }
    if !q.authority.is_empty() {
        query = query.filter(cases::authority_id.eq(q.authority.clone()));
    }
    match q.assigned.as_str() {
        "" => {}
        "none" => query = query.filter(cases::assigned_user_id.is_null()),
        "me" => query = query.filter(cases::assigned_user_id.eq(user.id.clone())),
        id => query = query.filter(cases::assigned_user_id.eq(id.to_string())),
    }
    if !q.member.is_empty() {
        query = query.filter(diesel::dsl::exists(
            allegations::table
                .filter(allegations::case_id.eq(cases::id))
                .filter(allegations::member_id.eq(q.member.clone())),
        ));
    }
    if q.overdue == "yes" {
        query = query.filter(cases::status.eq_any(CaseStatus::open())).filter(
            (cases::acknowledged_on.is_null().and(cases::ack_due_on.lt(today)))
                .or(cases::assessed_on.is_null().and(cases::assessment_due_on.lt(today))),
        );
    }
    for term in q.q.split_whitespace().take(8) {
        let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        query = query.filter(cases::search_text.like(format!("%{escaped}%")).escape('\\'));
    }
    query
}

pub fn list(conn: &mut DbConnection, user: &User, q: &CaseQuery, today: NaiveDate) -> QueryResult<CasePage> {
    let total: i64 = filtered(user, q, today).count().get_result(conn)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = q.page.clamp(1, pages);
    let mut query = filtered(user, q, today);
    query = match q.sort.as_str() {
        "oldest" => query.order((cases::received_on.asc(), cases::reference.asc())),
        "reference" => query.order(cases::reference.asc()),
        "ack-due" => query.order((cases::ack_due_on.asc(), cases::reference.asc())),
        "assessment-due" => query.order((cases::assessment_due_on.asc(), cases::reference.asc())),
        _ => query.order((cases::received_on.desc(), cases::reference.desc())),
    };
    // Sort and page on the ids alone (a narrow sort), then load the page's rows.
    let ids: Vec<String> = query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).select(cases::id).load(conn)?;
    let found = load_in_order(conn, &ids)?;
    let calendar = Calendar::load(conn)?;
    let rows = to_rows(conn, &calendar, found, today)?;
    Ok(CasePage { rows, total, page, pages })
}

fn load_in_order(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Case>> {
    let mut rows: Vec<Case> = cases::table.filter(cases::id.eq_any(ids)).select(Case::as_select()).load(conn)?;
    rows.sort_by_key(|c| ids.iter().position(|id| id == &c.id));
    Ok(rows)
}

fn to_rows(
    conn: &mut DbConnection,
    calendar: &Calendar,
    found: Vec<Case>,
    today: NaiveDate,
) -> QueryResult<Vec<CaseRow>> {
    let authority_names: std::collections::HashMap<String, String> =
        crate::models::authority::list_all(conn)?.into_iter().map(|a| (a.id, a.name)).collect();
    let user_names: std::collections::HashMap<String, String> =
        users::table.select((users::id, users::name)).load::<(String, String)>(conn)?.into_iter().collect();
    Ok(found
        .into_iter()
        .map(|c| {
            let status = c.status;
            let next_deadline = if status.is_open() {
                deadlines_of(calendar, &c, today).into_iter().find(|d| d.done_on.is_none())
            } else {
                None
            };
            CaseRow {
                status_label: status.label(),
                status_colour: status.colour(),
                authority: authority_names.get(&c.authority_id).cloned().unwrap_or_default(),
                assigned: c.assigned_user_id.as_ref().and_then(|id| user_names.get(id).cloned()),
                reference: c.reference,
                status: c.status.as_str(),
                summary: c.summary,
                received_on: c.received_on,
                next_deadline,
            }
        })
        .collect())
}

/// The dashboard: my open cases, deadlines in the next 5 working days, and what is overdue.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub mine: Vec<CaseRow>,
    pub due_soon: Vec<CaseRow>,
    pub overdue: Vec<CaseRow>,
}

pub fn dashboard(conn: &mut DbConnection, user: &User, today: NaiveDate) -> QueryResult<Dashboard> {
    let calendar = Calendar::load(conn)?;
    let horizon = calendar.add_working_days(today, 5);
    let open = CaseQuery { status: "open".into(), ..Default::default() };
    let mine: Vec<String> = filtered(user, &CaseQuery { assigned: "me".into(), ..open.clone() }, today)
        .order(cases::received_on.asc())
        .limit(50)
        .select(cases::id)
        .load(conn)?;
    let mine = load_in_order(conn, &mine)?;
    let due_soon: Vec<String> = filtered(user, &open, today)
        .filter(
            (cases::acknowledged_on.is_null().and(cases::ack_due_on.between(today, horizon)))
                .or(cases::assessed_on.is_null().and(cases::assessment_due_on.between(today, horizon))),
        )
        .order(cases::ack_due_on.asc())
        .limit(50)
        .select(cases::id)
        .load(conn)?;
    let due_soon = load_in_order(conn, &due_soon)?;
    let overdue: Vec<String> = filtered(user, &CaseQuery { overdue: "yes".into(), ..open }, today)
        .order(cases::ack_due_on.asc())
        .limit(50)
        .select(cases::id)
        .load(conn)?;
    let overdue = load_in_order(conn, &overdue)?;
    Ok(Dashboard {
        mine: to_rows(conn, &calendar, mine, today)?,
        due_soon: to_rows(conn, &calendar, due_soon, today)?,
        overdue: to_rows(conn, &calendar, overdue, today)?,
    })
}

/// Everything the case page shows, with confidential complainant details left out for roles
/// that may not see them.
pub fn detail(conn: &mut DbConnection, user: &User, case: &Case, today: NaiveDate) -> QueryResult<serde_json::Value> {
    let calendar = Calendar::load(conn)?;
    let see_confidential = access::can(user, Permission::WorkCases);
    let authority = crate::models::authority::find(conn, &case.authority_id)?;
    let assigned = match &case.assigned_user_id {
        Some(id) => user_rows::find(conn, id)?,
        None => None,
    };
    let files = complaint_rows::list_files_for_case(conn, &case.id)?;
    let links = complaint_rows::list_links_for_case(conn, &case.id)?;
    let allegation_rows = complaint_rows::list_allegations_for_case(conn, &case.id)?;
    let mut complaint_views = Vec::new();
    for (c, who) in complaint_rows::list_for_case(conn, &case.id)? {
        let hidden = c.confidentiality_requested && !see_confidential;
        let my_links: Vec<_> = links.iter().filter(|l| l.complaint_id == c.id).collect();
        let canonical: Vec<String> = my_links.iter().map(|l| l.canonical_url.clone()).collect();
        let member_ids: Vec<String> =
            allegation_rows.iter().filter(|a| a.complaint_id == c.id).map(|a| a.member_id.clone()).collect();
        let mut matches = Vec::new();
        if see_confidential && case.status.is_open() {
            for id in complaint_rows::cases_matching(conn, &canonical, &member_ids, Some(&case.id))? {
                if let Some(m) = rows::find(conn, &id)? {
                    if access::can_view_case(conn, user, &m.id)? {
                        matches.push(m.reference);
                    }
                }
            }
        }
        complaint_views.push(serde_json::json!({
            "id": c.id,
            "source": vocab::label(&vocab::COMPLAINT_SOURCES, &c.source),
            "received_on": c.received_on,
            "conduct_on": c.conduct_on,
            "platform": c.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)),
            "links": my_links,
            "what_happened": c.what_happened,
            "why_official": c.why_official,
            "outcome_sought": c.outcome_sought,
            "witnesses": if hidden { None } else { c.witnesses.clone() },
            "unlisted_member_name": c.unlisted_member_name,
            "confidential": c.confidentiality_requested,
            "confidentiality_reason": if see_confidential { c.confidentiality_reason.clone() } else { None },
            "acknowledged_at": c.acknowledged_at,
            "complainant": if hidden { serde_json::Value::Null } else { serde_json::json!({
                "name": who.name, "email": who.email, "phone": who.phone, "address": who.address,
                "type": vocab::label(&vocab::COMPLAINANT_TYPES, &who.complainant_type),
            }) },
            "files": files.iter().filter(|f| f.complaint_id == c.id).collect::<Vec<_>>(),
            "matches": matches,
        }));
    }
    // Only the provisions this case's allegations name.
    let named: Vec<&String> = allegation_rows.iter().map(|a| &a.code_provision_id).collect();
    let provisions: std::collections::HashMap<String, (String, String)> = crate::db::schema::code_provisions::table
        .filter(crate::db::schema::code_provisions::id.eq_any(named))
        .select((
            crate::db::schema::code_provisions::id,
            crate::db::schema::code_provisions::number,
            crate::db::schema::code_provisions::heading,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, n, h)| (id, (n, h)))
        .collect();
    let notifications = complaint_rows::list_notifications_for_case(conn, &case.id)?;
    let mut member_views = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let councils: Vec<String> = member_rows::list_memberships_for_member(conn, &m.id)?
            .into_iter()
            .filter_map(|ms| {
                crate::models::authority::find(conn, &ms.authority_id)
                    .ok()
                    .flatten()
                    .map(|a| format!("{} ({})", a.name, ms.role))
            })
            .collect();
        let alleged: Vec<String> = allegation_rows
            .iter()
            .filter(|a| a.member_id == m.id)
            .filter_map(|a| provisions.get(&a.code_provision_id).map(|(n, h)| format!("{n}. {h}")))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let notified = notifications.iter().filter(|n| n.member_id == m.id).map(|n| n.notified_at).max();
        member_views.push(serde_json::json!({
            "id": m.id, "name": m.full_name, "party": m.party, "has_email": m.email.is_some(),
            "councils": councils, "allegations": alleged, "notified_at": notified,
        }));
    }
    let notes: Vec<_> = rows::list_notes(conn, &case.id)?
        .into_iter()
        .map(|n| {
            let author = user_rows::find(conn, &n.author_user_id).ok().flatten().map(|u| u.name).unwrap_or_default();
            serde_json::json!({ "body": n.body, "created_at": n.created_at, "author": author })
        })
        .collect();
    let emails: Vec<_> = outbox_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .map(|m| {
            let hidden = !see_confidential && m.template == "acknowledgement";
            serde_json::json!({
                "to": if hidden { "Complainant".to_string() } else { m.to_address },
                "subject": m.subject, "status": m.status, "attempts": m.attempts,
                "created_at": m.created_at, "sent_at": m.sent_at, "last_error": m.last_error,
            })
        })
        .collect();
    let timeline: Vec<_> = crate::models::audit::list_for_case(conn, &case.id)?
        .into_iter()
        .rev()
        .map(|e| {
            // Audit summaries may name a confidential complainant (acknowledgements).
            let summary = if !see_confidential && e.action == "complaint.acknowledged" {
                "Acknowledgement sent".to_string()
            } else {
                e.summary
            };
            serde_json::json!({ "at": e.occurred_at, "who": e.actor_label, "summary": summary, "action": e.action })
        })
        .collect();
    let evidence: Vec<_> = crate::services::evidence::list_for_case(conn, case)?
        .into_iter()
        .map(|v| {
            let files: Vec<_> = v
                .files
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "id": f.id, "name": f.original_name, "sha256": f.sha256, "size": f.size_bytes,
                        "is_image": f.media_type.starts_with("image/"), "media_type": f.media_type,
                    })
                })
                .collect();
            serde_json::json!({
                "number": v.item.number, "title": v.current.title, "kind": v.item.kind, "source": v.item.source,
                "status": v.item.status, "complaint_id": v.item.complaint_id, "captured_at": v.current.captured_at,
                "platform": v.current.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)), "files": files,
                "version": v.item.current_version,
            })
        })
        .collect();
    let takedowns: Vec<_> = crate::models::takedown::list_for_case(conn, &case.id)?
        .into_iter()
        .map(|t| {
            let open = t.status.is_open();
            serde_json::json!({
                "number": t.number, "addressee": t.addressee_name, "due_on": t.due_on,
                "status": t.status.label(), "overdue": open && t.due_on < today,
            })
        })
        .collect();
    let actions: Vec<_> = crate::models::takedown::actions(conn, &case.id)?
        .into_iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id, "kind": vocab::label(&vocab::INFORMAL_ACTION_KINDS, &a.kind), "description": a.description,
                "due_on": a.due_on, "done_on": a.done_on, "done_note": a.done_note,
            })
        })
        .collect();
    let action_kinds: Vec<_> =
        vocab::INFORMAL_ACTION_KINDS.iter().map(|(v, l)| serde_json::json!({ "value": v, "label": l })).collect();
    let status = case.status;
    Ok(serde_json::json!({
        "takedowns": takedowns,
        "actions": actions,
        "action_kinds": action_kinds,
        "evidence": evidence,
        "reference": case.reference,
        "status": case.status,
        "status_label": status.label(),
        "status_colour": status.colour(),
        "is_open": status.is_open(),
        "summary": case.summary,
        "authority": authority.map(|a| a.name),
        "assigned": assigned.map(|u| serde_json::json!({ "id": u.id, "name": u.name })),
        "received_on": case.received_on,
        "closed_at": case.closed_at,
        "closure_reason": case.closure_reason,
        "deadlines": deadlines_of(&calendar, case, today),
        "complaints": complaint_views,
        "members": member_views,
        "notes": notes,
        "emails": emails,
        "timeline": timeline,
        "allegation_count": allegation_rows.len(),
    }))
}

/// Officers who may be assigned cases.
pub fn officers(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    Ok(user_rows::list_all(conn)?.into_iter().filter(|u| u.active && access::can(u, Permission::WorkCases)).collect())
}

/// Members for the case-list filter.
pub fn member_choices(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    members::table.order(members::full_name.asc()).select((members::id, members::full_name)).load(conn)
}
