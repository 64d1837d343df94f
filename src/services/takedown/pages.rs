//! What the takedown pages, and the case page's takedown and informal resolution sections, show:
//! typed views whose `actions` flags come from the rules the services refuse by.

use super::requests::{default_text, find, RequestInput};
use super::rules;
use crate::db::DbConnection;
use crate::models::case::{Case, CaseStatus};
use crate::models::evidence::{self as evidence_rows, EvidenceKind, EvidenceSource, EvidenceStatus};
use crate::models::member as member_rows;
use crate::models::takedown::{self as rows, TakedownRequest, TakedownStatus};
use crate::models::user::User;
use crate::services::evidence::{self, pages::status_tag, Choice};
use crate::services::{access, cases, vocab, ServiceError, ServiceResult};
use chrono::NaiveDate;
use serde::Serialize;

/// The request form.
#[derive(Debug, Serialize)]
pub struct NewRequestPage {
    pub reference: String,
    pub form: RequestInput,
    /// The posts that can be named (captured posts not yet recorded as removed).
    pub items: Vec<Choice>,
    pub addressees: Vec<Choice>,
    pub channels: Vec<Choice>,
}

/// The request form for an open case: proposed to the case's first member by email with the
/// template's text, or as submitted.
pub fn new_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    submitted: Option<RequestInput>,
) -> ServiceResult<NewRequestPage> {
    let case = cases::find_visible(conn, user, reference)?;
    rules::may_work(user, &case)?;
    let items = evidence::list_for_case(conn, &case)?
        .into_iter()
        .filter(|v| v.item.kind == EvidenceKind::Post && v.item.status != EvidenceStatus::Removed)
        .map(|v| Choice::new(v.item.id, format!("E{}: {}", v.item.number, v.current.title)))
        .collect();
    let form = match submitted {
        Some(f) => f,
        None => {
            let member = member_rows::list_for_case(conn, &case.id)?.into_iter().next();
            RequestInput {
                addressee_kind: "member".into(),
                request_text: default_text(conn, &case, member.as_ref().map(|m| m.full_name.as_str()))?,
                channel: "email".into(),
                to_address: member.as_ref().and_then(|m| m.email.clone()).unwrap_or_default(),
                addressee_name: member.map(|m| m.full_name).unwrap_or_default(),
                ..Default::default()
            }
        }
    };
    Ok(NewRequestPage {
        reference: case.reference.clone(),
        form,
        items,
        addressees: evidence::pages::choices(&vocab::TAKEDOWN_ADDRESSEES),
        channels: evidence::pages::choices(&vocab::TAKEDOWN_CHANNELS),
    })
}

/// A post named by a request.
#[derive(Debug, Serialize)]
pub struct RequestItem {
    pub number: i32,
    pub title: String,
    /// "Live", "Removed" or "Status unknown".
    pub status: &'static str,
}

/// A step in a request's history.
#[derive(Debug, Serialize)]
pub struct RequestEvent {
    pub from: &'static str,
    pub to: &'static str,
    pub note: Option<String>,
    pub by: String,
    pub on: NaiveDate,
    /// The number of the evidence item that verified a removal.
    pub verification: Option<i32>,
}

/// A scheduled re-check of a removed post.
#[derive(Debug, Serialize)]
pub struct RecheckView {
    pub id: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub result: Option<String>,
    pub can_record: bool,
}

/// What the user may do on a request's page.
#[derive(Debug, Serialize)]
pub struct RequestActions {
    /// Record what happened (acknowledged, removed, refused, ...).
    pub can_update: bool,
}

/// A request's page.
#[derive(Debug, Serialize)]
pub struct RequestPage {
    pub case_reference: String,
    pub request: TakedownRequest,
    pub status_label: &'static str,
    pub channel_label: &'static str,
    pub addressee_label: &'static str,
    pub overdue: bool,
    pub items: Vec<RequestItem>,
    pub events: Vec<RequestEvent>,
    /// Officer captures made since the request, which can verify a removal.
    pub captures: Vec<Choice>,
    pub rechecks: Vec<RecheckView>,
    /// What can be recorded as having happened.
    pub statuses: Vec<Choice>,
    pub actions: RequestActions,
}

/// A request's page, for a user who may see its case.
pub fn request_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    number: &str,
    today: NaiveDate,
) -> ServiceResult<RequestPage> {
    let (case, r) = find(conn, user, reference, number)?;
    let may_work = rules::may_work(user, &case).is_ok();
    let all = evidence::list_for_case(conn, &case)?;
    let linked = rows::items_of(conn, &r.id)?;
    let items = all
        .iter()
        .filter(|v| linked.contains(&v.item.id))
        .map(|v| RequestItem {
            number: v.item.number,
            title: v.current.title.clone(),
            status: status_tag(v.item.status).text,
        })
        .collect();
    let captures = all
        .iter()
        .filter(|v| v.item.source == EvidenceSource::Officer && v.current.captured_at.date() >= r.requested_on)
        .map(|v| {
            let label = format!(
                "E{}: {} (captured {})",
                v.item.number,
                v.current.title,
                v.current.captured_at.format("%-d %B %Y")
            );
            Choice::new(v.item.id.clone(), label)
        })
        .collect();
    let events = rows::events(conn, &r.id)?
        .into_iter()
        .map(|e| RequestEvent {
            from: e.from_status.label(),
            to: e.to_status.label(),
            note: e.note,
            by: e.actor_label,
            on: e.occurred_on,
            verification: e
                .verification_item_id
                .as_ref()
                .and_then(|id| all.iter().find(|v| &v.item.id == id))
                .map(|v| v.item.number),
        })
        .collect();
    let rechecks = rows::rechecks(conn, &r.id)?
        .into_iter()
        .map(|c| RecheckView {
            can_record: may_work && c.done_on.is_none(),
            id: c.id,
            due_on: c.due_on,
            done_on: c.done_on,
            result: c.result,
        })
        .collect();
    Ok(RequestPage {
        case_reference: case.reference.clone(),
        status_label: r.status.label(),
        channel_label: vocab::label(&vocab::TAKEDOWN_CHANNELS, &r.channel),
        addressee_label: vocab::label(&vocab::TAKEDOWN_ADDRESSEES, &r.addressee_kind),
        overdue: r.status.is_open() && r.due_on < today,
        items,
        events,
        captures,
        rechecks,
        statuses: TakedownStatus::ALL[1..].iter().map(|s| Choice::new(s.as_str(), s.label())).collect(),
        actions: RequestActions { can_update: may_work },
        request: r,
    })
}

/// A request in the case page's list.
#[derive(Debug, Serialize)]
pub struct RequestRow {
    pub number: i32,
    pub addressee: String,
    pub due_on: NaiveDate,
    pub status: &'static str,
    pub overdue: bool,
}

/// An agreed action of informal resolution.
#[derive(Debug, Serialize)]
pub struct AgreedAction {
    pub id: String,
    /// What kind of action, in words ("Apology").
    pub kind: &'static str,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub done_note: Option<String>,
    /// May be marked done now.
    pub can_complete: bool,
}

/// What the user may do from the case page's takedown and informal resolution sections.
#[derive(Debug, Serialize)]
pub struct TakedownActions {
    pub can_request_takedown: bool,
    pub can_add_informal_action: bool,
    pub can_complete_informal_action: bool,
    pub can_close_resolved: bool,
    pub can_record_refusal: bool,
    /// The informal resolution section is shown: the case is in informal resolution, or actions
    /// were agreed while it was.
    pub shows_informal_resolution: bool,
}

/// The case page's takedown requests and informal resolution.
#[derive(Debug, Serialize)]
pub struct TakedownSection {
    pub requests: Vec<RequestRow>,
    pub agreed_actions: Vec<AgreedAction>,
    pub action_kinds: Vec<Choice>,
    pub actions: TakedownActions,
}

/// The takedown and informal resolution sections of the case page, for a user who may see the
/// case.
pub fn case_section(
    conn: &mut DbConnection,
    user: &User,
    case: &Case,
    today: NaiveDate,
) -> ServiceResult<TakedownSection> {
    if !access::can_view_case(conn, user, &case.id)? {
        return Err(ServiceError::NotFound);
    }
    let requests = rows::list_for_case(conn, &case.id)?
        .into_iter()
        .map(|t| RequestRow {
            number: t.number,
            overdue: t.status.is_open() && t.due_on < today,
            status: t.status.label(),
            due_on: t.due_on,
            addressee: t.addressee_name,
        })
        .collect();
    let informal = rules::may_work_informal(user, case).is_ok();
    let agreed_actions: Vec<AgreedAction> = rows::actions(conn, &case.id)?
        .into_iter()
        .map(|a| AgreedAction {
            kind: vocab::label(&vocab::INFORMAL_ACTION_KINDS, &a.kind),
            can_complete: informal && a.done_on.is_none(),
            id: a.id,
            description: a.description,
            due_on: a.due_on,
            done_on: a.done_on,
            done_note: a.done_note,
        })
        .collect();
    let evidence_items = evidence_rows::count_items(conn, &case.id)?;
    Ok(TakedownSection {
        actions: TakedownActions {
            can_request_takedown: rules::may_request(user, case, evidence_items).is_ok(),
            can_add_informal_action: informal,
            can_complete_informal_action: informal,
            can_close_resolved: informal,
            can_record_refusal: informal,
            shows_informal_resolution: case.status == CaseStatus::InformalResolution || !agreed_actions.is_empty(),
        },
        requests,
        agreed_actions,
        action_kinds: evidence::pages::choices(&vocab::INFORMAL_ACTION_KINDS),
    })
}
