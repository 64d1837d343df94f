//! The case page's own parts, as a typed view: summary, deadlines, complaints, councillors and
//! allegations, notes, emails and the timeline, each with the flags of what the user may do
//! (from `rules`, the same functions the actions refuse with). What the user may see of the file
//! is decided once by `access::sections`: a part they may not see is never loaded (confidential
//! complainants' identities, contact details, witnesses, notes, emails, timeline…).

use crate::db::DbConnection;
use crate::models::authority as authority_rows;
use crate::models::case::{self as rows, Case, CaseStatus};
use crate::models::code as code_rows;
use crate::models::complaint::{self as complaint_rows, ComplaintFile, ComplaintLink};
use crate::models::member as member_rows;
use crate::models::outbox as outbox_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::access::{self, Sections};
use crate::services::calendar::Calendar;
use crate::services::cases::deadlines::{deadlines_of, Deadline};
use crate::services::cases::rules::{
    may_acknowledge, may_acknowledge_by_email, may_add_note, may_assign, may_move, may_notify, may_work,
};
use crate::services::{notices, vocab};
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
    /// Which parts of the file the user sees (the page shows a section only when its flag is set).
    pub sections: Sections,
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
    /// Taken by telephone or in person: the complainant's written confirmation is needed before
    /// the assessment starts (s.28(9)).
    pub needs_written_confirmation: bool,
    /// The written confirmation, once attached (its text only for those who see the
    /// complainant's contact details).
    pub written_confirmation: Option<crate::services::cases::written::ConfirmationView>,
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
    /// Attach the complainant's written confirmation.
    pub can_attach_written_confirmation: bool,
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
    /// The member's response: due, received, what it said.
    pub notice: Option<crate::services::cases::member_notice::MemberNotice>,
    pub actions: MemberActions,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberActions {
    /// Tell the member of the complaint by email.
    pub can_notify: bool,
    /// The member could be told, but the register has no email address for them.
    pub notify_needs_email: bool,
    /// Record the member's response to being told.
    pub can_record_response: bool,
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

/// The case page's own parts for a user who may see the case, as much as `sections` (the user's
/// `access::sections` of this case, computed once for the request) lets them see.
pub fn detail(
    conn: &mut DbConnection,
    user: &User,
    case: &Case,
    sections: Sections,
    today: NaiveDate,
) -> ServiceResult<CaseView> {
    if !access::can_view_case(conn, user, &case.id)? {
        return Err(ServiceError::NotFound);
    }
    let calendar = Calendar::load(conn)?;
    let authority = authority_rows::find(conn, &case.authority_id)?;
    let assigned = match &case.assigned_user_id {
        Some(id) if sections.assignment => user_rows::find(conn, id)?.map(|u| Officer { id: u.id, name: u.name }),
        _ => None,
    };
    let withheld = notices::withheld_from_viewer(conn, &case.id, &sections)?;
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
        deadlines: if sections.assignment { deadlines_of(&calendar, case, today) } else { Vec::new() },
        complaints: if sections.complaints { complaints(conn, user, case, &sections, &withheld)? } else { Vec::new() },
        members: if sections.members { members(conn, user, case, today)? } else { Vec::new() },
        notes: if sections.notes { notes(conn, case)? } else { Vec::new() },
        emails: if sections.emails { emails(conn, case, &withheld)? } else { Vec::new() },
        timeline: if sections.timeline { timeline(conn, case, &withheld)? } else { Vec::new() },
        allegation_count,
        sections,
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
    sections: &Sections,
    withheld: &[(String, &str)],
) -> ServiceResult<Vec<ComplaintView>> {
    // A complainant's own words may name them: withheld identities are taken out of the text.
    let text = |t: String| if withheld.is_empty() { t } else { notices::anonymise(&t, withheld) };
    let files = complaint_rows::list_files_for_case(conn, &case.id)?;
    let links = complaint_rows::list_links_for_case(conn, &case.id)?;
    let allegations = complaint_rows::list_allegations_for_case(conn, &case.id)?;
    let mut confirmations = crate::services::cases::written::views(conn, case, &files)?;
    let mut out = Vec::new();
    for (c, who) in complaint_rows::list_for_case(conn, &case.id)? {
        let named = sections.complainant_identity(c.confidentiality_requested);
        let contact = sections.complainant_contact(c.confidentiality_requested);
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
        let needs_written_confirmation = crate::services::cases::written::needs_confirmation(&c.source);
        let written_confirmation = confirmations.iter().position(|(id, _)| id == &c.id).map(|i| {
            let (_, mut w) = confirmations.swap_remove(i);
            w.detail = if contact { text(w.detail) } else { String::new() };
            if !contact {
                w.file = None;
            }
            w
        });
        let actions = ComplaintActions {
            can_acknowledge: may_acknowledge(user, case, &c).is_ok(),
            can_acknowledge_by_email: may_acknowledge_by_email(user, case, &c, &who).is_ok(),
            can_attach_written_confirmation: needs_written_confirmation
                && written_confirmation.is_none()
                && may_work(user, case).is_ok(),
        };
        out.push(ComplaintView {
            source: vocab::label(&vocab::COMPLAINT_SOURCES, &c.source),
            received_on: c.received_on,
            conduct_on: c.conduct_on,
            platform: c.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)),
            links: my_links,
            what_happened: text(c.what_happened),
            why_official: text(c.why_official),
            outcome_sought: c.outcome_sought.map(text),
            witnesses: if sections.witnesses && contact { c.witnesses } else { None },
            unlisted_member_name: c.unlisted_member_name,
            confidential: c.confidentiality_requested,
            confidentiality_reason: if sections.confidential_identities { c.confidentiality_reason } else { None },
            acknowledged_at: c.acknowledged_at,
            complainant: named.then(|| ComplainantView {
                complainant_type: vocab::label(&vocab::COMPLAINANT_TYPES, &who.complainant_type),
                name: who.name,
                email: if contact { who.email } else { None },
                phone: if contact { who.phone } else { None },
                address: if contact { who.address } else { None },
            }),
            files: files.iter().filter(|f| f.complaint_id == c.id).cloned().collect(),
            needs_written_confirmation,
            written_confirmation,
            matches,
            actions,
            id: c.id,
        });
    }
    Ok(out)
}

fn members(conn: &mut DbConnection, user: &User, case: &Case, today: NaiveDate) -> ServiceResult<Vec<MemberView>> {
    let notices = crate::services::cases::member_notice::statuses(conn, case, today)?;
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
            can_record_response: crate::services::cases::member_notice::may_record_response(user, case, told).is_ok(),
        };
        let notice = notices.iter().find(|n| n.member_id == m.id).cloned();
        out.push(MemberView {
            has_email: m.email.is_some(),
            id: m.id,
            name: m.full_name,
            party: m.party,
            councils,
            allegations: alleged,
            notified_at,
            notice,
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

/// The case's emails. A message to a complainant whose identity is withheld (whatever its
/// template) shows "Complainant (withheld)", and their name is taken out of its subject.
fn emails(conn: &mut DbConnection, case: &Case, withheld: &[(String, &str)]) -> ServiceResult<Vec<EmailView>> {
    Ok(outbox_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .map(|m| {
            let to_withheld = withheld.iter().any(|(w, _)| w.eq_ignore_ascii_case(m.to_address.trim()))
                || m.to_name.as_deref().is_some_and(|n| withheld.iter().any(|(w, _)| w.trim() == n.trim()));
            EmailView {
                to: if to_withheld { "Complainant (withheld)".to_string() } else { m.to_address },
                subject: notices::anonymise(&m.subject, withheld),
                status: m.status,
                attempts: m.attempts,
                created_at: m.created_at,
                sent_at: m.sent_at,
                last_error: m.last_error,
            }
        })
        .collect())
}

/// The case's audit log, newest first, with any withheld complainant's identity taken out of the
/// summaries (an acknowledgement names its complainant). Client IP addresses are never in it.
fn timeline(conn: &mut DbConnection, case: &Case, withheld: &[(String, &str)]) -> ServiceResult<Vec<TimelineEntry>> {
    Ok(crate::models::audit::list_for_case(conn, &case.id)?
        .into_iter()
        .rev()
        .map(|e| TimelineEntry {
            at: e.occurred_at,
            who: notices::anonymise(&e.actor_label, withheld),
            summary: notices::anonymise(&e.summary, withheld),
            action: e.action,
        })
        .collect())
}
