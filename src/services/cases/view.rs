//! The case page's own parts, as a typed view: summary, deadlines, complaints, councillors and
//! allegations, notes, emails and the timeline, each with the flags of what the user may do
//! (from `rules`, the same functions the actions refuse with). Confidential complainant details
//! are left out for roles that may not see them.

use crate::db::DbConnection;
use crate::models::authority as authority_rows;
use crate::models::case::{self as rows, Case, CaseStatus};
use crate::models::code as code_rows;
use crate::models::complaint::{self as complaint_rows, ComplaintFile, ComplaintLink};
use crate::models::member as member_rows;
use crate::models::outbox as outbox_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::access::{self, Permission};
use crate::services::calendar::Calendar;
use crate::services::cases::deadlines::{deadlines_of, Deadline};
use crate::services::cases::rules::{
    may_acknowledge, may_acknowledge_by_email, may_add_note, may_assign, may_move, may_notify, may_work,
};
use crate::services::vocab;
use crate::services::{ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub reference: String,
    pub status: CaseStatus,
    pub status_label: &'static str,
    pub status_colour: &'static str,
    pub is_open: bool,
    pub summary: String,
    pub authority: Option<String>,
    pub assigned: Option<Officer>,
    pub received_on: NaiveDate,
    pub closed_at: Option<NaiveDateTime>,
    pub closure_reason: Option<String>,
    pub deadlines: Vec<Deadline>,
    pub complaints: Vec<ComplaintView>,
    pub members: Vec<MemberView>,
    pub notes: Vec<NoteView>,
    pub emails: Vec<EmailView>,
    pub timeline: Vec<TimelineEntry>,
    pub allegation_count: usize,
    pub actions: CaseActions,
}

/// What the user may do to the case as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct CaseActions {
    pub can_assign: bool,
    pub can_add_note: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Officer {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplaintView {
    pub id: String,
    pub source: &'static str,
    pub received_on: NaiveDate,
    pub conduct_on: Option<NaiveDate>,
    pub platform: Option<&'static str>,
    pub links: Vec<ComplaintLink>,
    pub what_happened: String,
    pub why_official: String,
    pub outcome_sought: Option<String>,
    /// Withheld with the complainant's details.
    pub witnesses: Option<String>,
    pub unlisted_member_name: Option<String>,
    pub confidential: bool,
    pub confidentiality_reason: Option<String>,
    pub acknowledged_at: Option<NaiveDateTime>,
    /// `None` when withheld: the complainant asked for confidentiality.
    pub complainant: Option<ComplainantView>,
    pub files: Vec<ComplaintFile>,
    /// Other open cases about the same conduct.
    pub matches: Vec<MatchView>,
    pub actions: ComplaintActions,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplaintActions {
    /// Record an acknowledgement sent by post.
    pub can_acknowledge: bool,
    /// Send the acknowledgement email.
    pub can_acknowledge_by_email: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplainantView {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    #[serde(rename = "type")]
    pub complainant_type: &'static str,
}

/// An open case that may be about the same conduct.
#[derive(Debug, Clone, Serialize)]
pub struct MatchView {
    pub reference: String,
    /// Move the complaint to that case.
    pub can_move: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub party: Option<String>,
    pub has_email: bool,
    pub councils: Vec<String>,
    pub allegations: Vec<String>,
    pub notified_at: Option<NaiveDateTime>,
    pub actions: MemberActions,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberActions {
    /// Tell the member of the complaint by email.
    pub can_notify: bool,
    /// The member could be told, but the register has no email address for them.
    pub notify_needs_email: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub body: String,
    pub created_at: NaiveDateTime,
    pub author: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmailView {
    pub to: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub at: NaiveDateTime,
    pub who: String,
    pub summary: String,
    pub action: String,
}

/// The case page's own parts for a user who may see the case.
pub fn detail(conn: &mut DbConnection, user: &User, case: &Case, today: NaiveDate) -> ServiceResult<CaseView> {
    if !access::can_view_case(conn, user, &case.id)? {
        return Err(ServiceError::NotFound);
    }
    let calendar = Calendar::load(conn)?;
    let see_confidential = access::can(user, Permission::WorkCases);
    let authority = authority_rows::find(conn, &case.authority_id)?;
    let assigned = match &case.assigned_user_id {
        Some(id) => user_rows::find(conn, id)?.map(|u| Officer { id: u.id, name: u.name }),
        None => None,
    };
    let allegation_count = complaint_rows::list_allegations_for_case(conn, &case.id)?.len();
    Ok(CaseView {
        reference: case.reference.clone(),
        status: case.status,
        status_label: case.status.label(),
        status_colour: case.status.colour(),
        is_open: case.status.is_open(),
        summary: case.summary.clone(),
        authority: authority.map(|a| a.name),
        assigned,
        received_on: case.received_on,
        closed_at: case.closed_at,
        closure_reason: case.closure_reason.clone(),
        deadlines: deadlines_of(&calendar, case, today),
        complaints: complaints(conn, user, case, see_confidential)?,
        members: members(conn, user, case)?,
        notes: notes(conn, case)?,
        emails: emails(conn, case, see_confidential)?,
        timeline: timeline(conn, case, see_confidential)?,
        allegation_count,
        actions: CaseActions {
            can_assign: may_assign(user, case).is_ok(),
            can_add_note: may_add_note(user, case).is_ok(),
        },
    })
}

fn complaints(
    conn: &mut DbConnection,
    user: &User,
    case: &Case,
    see_confidential: bool,
) -> ServiceResult<Vec<ComplaintView>> {
    let files = complaint_rows::list_files_for_case(conn, &case.id)?;
    let links = complaint_rows::list_links_for_case(conn, &case.id)?;
    let allegations = complaint_rows::list_allegations_for_case(conn, &case.id)?;
    let mut out = Vec::new();
    for (c, who) in complaint_rows::list_for_case(conn, &case.id)? {
        let hidden = c.confidentiality_requested && !see_confidential;
        let my_links: Vec<ComplaintLink> = links.iter().filter(|l| l.complaint_id == c.id).cloned().collect();
        let canonical: Vec<String> = my_links.iter().map(|l| l.canonical_url.clone()).collect();
        let member_ids: Vec<String> =
            allegations.iter().filter(|a| a.complaint_id == c.id).map(|a| a.member_id.clone()).collect();
        let mut matches = Vec::new();
        if may_work(user, case).is_ok() {
            for id in complaint_rows::cases_matching(conn, &canonical, &member_ids, Some(&case.id))? {
                if let Some(m) = rows::find(conn, &id)? {
                    if access::can_view_case(conn, user, &m.id)? {
                        matches.push(MatchView { can_move: may_move(user, case, &m).is_ok(), reference: m.reference });
                    }
                }
            }
        }
        let actions = ComplaintActions {
            can_acknowledge: may_acknowledge(user, case, &c).is_ok(),
            can_acknowledge_by_email: may_acknowledge_by_email(user, case, &c, &who).is_ok(),
        };
        out.push(ComplaintView {
            source: vocab::label(&vocab::COMPLAINT_SOURCES, &c.source),
            received_on: c.received_on,
            conduct_on: c.conduct_on,
            platform: c.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)),
            links: my_links,
            what_happened: c.what_happened,
            why_official: c.why_official,
            outcome_sought: c.outcome_sought,
            witnesses: if hidden { None } else { c.witnesses },
            unlisted_member_name: c.unlisted_member_name,
            confidential: c.confidentiality_requested,
            confidentiality_reason: if see_confidential { c.confidentiality_reason } else { None },
            acknowledged_at: c.acknowledged_at,
            complainant: (!hidden).then(|| ComplainantView {
                complainant_type: vocab::label(&vocab::COMPLAINANT_TYPES, &who.complainant_type),
                name: who.name,
                email: who.email,
                phone: who.phone,
                address: who.address,
            }),
            files: files.iter().filter(|f| f.complaint_id == c.id).cloned().collect(),
            matches,
            actions,
            id: c.id,
        });
    }
    Ok(out)
}

fn members(conn: &mut DbConnection, user: &User, case: &Case) -> ServiceResult<Vec<MemberView>> {
    let allegations = complaint_rows::list_allegations_for_case(conn, &case.id)?;
    // Only the provisions this case's allegations name.
    let named: Vec<String> = allegations.iter().map(|a| a.code_provision_id.clone()).collect();
    let provisions: HashMap<String, String> = code_rows::find_provisions(conn, &named)?
        .into_iter()
        .map(|p| (p.id, format!("{}. {}", p.number, p.heading)))
        .collect();
    let notifications = complaint_rows::list_notifications_for_case(conn, &case.id)?;
    let council_names: HashMap<String, String> =
        authority_rows::list_all(conn)?.into_iter().map(|a| (a.id, a.name)).collect();
    let mut out = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let councils: Vec<String> = member_rows::list_memberships_for_member(conn, &m.id)?
            .into_iter()
            .filter_map(|ms| {
                council_names.get(&ms.authority_id).map(|name| {
                    format!("{name} ({})", crate::services::register::rules::role_label(&ms.role).to_lowercase())
                })
            })
            .collect();
        let alleged: Vec<String> = allegations
            .iter()
            .filter(|a| a.member_id == m.id)
            .filter_map(|a| provisions.get(&a.code_provision_id).cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let told = notifications.iter().find(|n| n.member_id == m.id);
        let notified_at = notifications.iter().filter(|n| n.member_id == m.id).map(|n| n.notified_at).max();
        let actions = MemberActions {
            can_notify: may_notify(user, case, &m, told).is_ok(),
            notify_needs_email: may_work(user, case).is_ok() && told.is_none() && m.email.is_none(),
        };
        out.push(MemberView {
            has_email: m.email.is_some(),
            id: m.id,
            name: m.full_name,
            party: m.party,
            councils,
            allegations: alleged,
            notified_at,
            actions,
        });
    }
    Ok(out)
}

fn notes(conn: &mut DbConnection, case: &Case) -> ServiceResult<Vec<NoteView>> {
    let names: HashMap<String, String> = user_rows::list_all(conn)?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(rows::list_notes(conn, &case.id)?
        .into_iter()
        .map(|n| NoteView {
            author: names.get(&n.author_user_id).cloned().unwrap_or_default(),
            body: n.body,
            created_at: n.created_at,
        })
        .collect())
}

fn emails(conn: &mut DbConnection, case: &Case, see_confidential: bool) -> ServiceResult<Vec<EmailView>> {
    Ok(outbox_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .map(|m| {
            // The acknowledgement's address may be a confidential complainant's.
            let hidden = !see_confidential && m.template == "acknowledgement";
            EmailView {
                to: if hidden { "Complainant".to_string() } else { m.to_address },
                subject: m.subject,
                status: m.status,
                attempts: m.attempts,
                created_at: m.created_at,
                sent_at: m.sent_at,
                last_error: m.last_error,
            }
        })
        .collect())
}

fn timeline(conn: &mut DbConnection, case: &Case, see_confidential: bool) -> ServiceResult<Vec<TimelineEntry>> {
    Ok(crate::models::audit::list_for_case(conn, &case.id)?
        .into_iter()
        .rev()
        .map(|e| {
            // Audit summaries may name a confidential complainant (acknowledgements).
            let summary = if !see_confidential && e.action == "complaint.acknowledged" {
                "Acknowledgement sent".to_string()
            } else {
                e.summary
            };
            TimelineEntry { at: e.occurred_at, who: e.actor_label, summary, action: e.action }
        })
        .collect())
}
