//! What officers do from the case page: assign, add a note, acknowledge a complaint, tell the
//! member, and move a complaint to the case about the same conduct. Each action refuses through
//! the rule in `rules` that also sets the case page's flag.

use crate::db::DbConnection;
use crate::emails;
use crate::models::case::{self as rows, Case, CaseChanges, CaseNote, CaseStatus};
use crate::models::complaint::{self as complaint_rows, Complainant, Complaint};
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, User};
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases::deadlines::member_response_due;
use crate::services::cases::find::{find_visible, find_workable};
use crate::services::cases::list::refresh_search_text;
use crate::services::cases::rules::{
    may_acknowledge, may_acknowledge_by_email, may_add_note, may_assign, may_move, may_notify,
};
use crate::services::cases::state::transition;
use crate::services::outbox::{self, To};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};

pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    assignee_id: &str,
) -> ServiceResult<Case> {
    crate::db::write(conn, |conn| {
        let case = find_visible(conn, user, reference)?;
        may_assign(user, &case)?;
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
    crate::db::write(conn, |conn| {
        let case = find_visible(conn, user, reference)?;
        may_add_note(user, &case)?;
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
    crate::db::write(conn, |conn| {
        let case = find_workable(conn, user, reference)?;
        let (complaint, complainant) = complaint_rows::list_for_case(conn, &case.id)?
            .into_iter()
            .find(|(c, _)| c.id == complaint_id)
            .ok_or(ServiceError::NotFound)?;
        if by_post {
            may_acknowledge(user, &case, &complaint)?;
        } else {
            may_acknowledge_by_email(user, &case, &complaint, &complainant)?;
        }
        acknowledge(conn, actor, &case, &complaint, &complainant, by_post)?;
        Ok(())
    })
}

/// Sends (queues) the acknowledgement by email, or records one sent by post; moves a newly
/// received case to acknowledged. The caller has checked that it may (public submissions are
/// acknowledged as they arrive).
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
        let privacy = crate::services::privacy::notice_for(conn, &complaint.authority_id)?;
        let base_url = crate::services::letters::base_url(conn)?;
        let party = crate::services::parties::Party::complainant(&case.id, &complaint.id);
        let (page_link, link_days) = crate::services::parties::links::invite(conn, &party, &base_url)?;
        let letter = emails::Acknowledgement {
            name: complainant.name.clone(),
            reference: case.reference.clone(),
            received_on: emails::long_date(complaint.received_on),
            assessment_due_on: emails::long_date(case.assessment_due_on),
            confidential: complaint.confidentiality_requested,
            privacy_council: privacy.as_ref().map(|p| p.council.clone()).unwrap_or_default(),
            privacy_notice: privacy.as_ref().map(|p| p.plain_text()).unwrap_or_default(),
            privacy_url: privacy.and_then(|p| p.url),
            page_link: Some(page_link),
            link_days,
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
    crate::db::write(conn, |conn| {
        let case = find_workable(conn, user, reference)?;
        let member = member_rows::list_for_case(conn, &case.id)?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or(ServiceError::NotFound)?;
        let notifications = complaint_rows::list_notifications_for_case(conn, &case.id)?;
        may_notify(user, &case, &member, notifications.iter().find(|n| n.member_id == member.id))?;
        let email = member.email.clone().unwrap_or_default();
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
        // A complainant who asked not to be named is not named anywhere in the letter.
        let withheld: Vec<_> = complaints.iter().filter(|(c, _)| c.confidentiality_requested).cloned().collect();
        let hidden = crate::services::notices::redactions(&withheld);
        let allegations = allegation_lines(conn, &case.id, &member.id)?;
        let response_due_on = member_response_due(conn, now().date())?;
        let independent_persons =
            user_rows::list_for_role(conn, user_rows::Role::IndependentPerson)?.into_iter().map(|u| u.name).collect();
        let base_url = crate::services::letters::base_url(conn)?;
        let party = crate::services::parties::Party::member(&case.id, &member.id);
        let (page_link, link_days) = crate::services::parties::links::invite(conn, &party, &base_url)?;
        let letter = emails::MemberNotification {
            member_name: member.full_name.clone(),
            reference: case.reference.clone(),
            complainants,
            summary: crate::services::notices::anonymise(&case.summary, &hidden),
            allegations,
            response_due_on: emails::long_date(response_due_on),
            independent_persons,
            page_link: Some(page_link),
            link_days,
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
    crate::db::write(conn, |conn| {
        let source = find_workable(conn, user, reference)?;
        let target = find_workable(conn, user, target_reference)?;
        may_move(user, &source, &target)?;
        let complaint = complaint_rows::find(conn, complaint_id)?
            .filter(|c| c.case_id == source.id)
            .ok_or(ServiceError::NotFound)?;
        complaint_rows::move_to_case(conn, &complaint.id, &target.id)?;
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

/// The allegations against a member on a case, each with its code paragraph ("3.1 Respect"), in
/// the code's order.
pub fn allegation_lines(
    conn: &mut DbConnection,
    case_id: &str,
    member_id: &str,
) -> diesel::QueryResult<Vec<emails::AllegationLine>> {
    let ids: Vec<String> = complaint_rows::list_allegations_for_case(conn, case_id)?
        .into_iter()
        .filter(|a| a.member_id == member_id)
        .map(|a| a.code_provision_id)
        .collect();
    let mut provisions = crate::models::code::find_provisions(conn, &ids)?;
    provisions.sort_by(|a, b| (a.position, &a.number).cmp(&(b.position, &b.number)));
    provisions.dedup_by(|a, b| a.id == b.id);
    Ok(provisions
        .into_iter()
        .map(|p| emails::AllegationLine { paragraph: p.number, heading: p.heading, summary: p.summary })
        .collect())
}
