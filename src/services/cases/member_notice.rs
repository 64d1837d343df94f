//! The member is told before a decision (issue 16): where each member stands (told or not, their
//! response due, received), recording the member's response, and what stands in the way of an
//! initial-assessment decision until then (`gaps`). The decision service refuses with the gaps
//! unless the Monitoring Officer records why the decision cannot wait.

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::complaint::{self as complaint_rows, MemberNotification};
use crate::models::member::{self as member_rows, Member};
use crate::models::now;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases::deadlines::member_response_due;
use crate::services::cases::find::{find_visible, find_workable};
use crate::services::cases::rules::may_work;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;

/// Where a member stands on being told of the complaint.
#[derive(Debug, Clone, Serialize)]
pub struct MemberNotice {
    pub member_id: String,
    pub name: String,
    pub notified_on: Option<NaiveDate>,
    /// The member's response is due (the member's-response setting, in working days).
    pub response_due_on: Option<NaiveDate>,
    pub response_received_on: Option<NaiveDate>,
    pub response_summary: Option<String>,
    /// Told, no response recorded, and the due day has passed.
    pub response_overdue: bool,
}

impl MemberNotice {
    /// Why a decision today would come too early for this member, if it would.
    pub fn gap(&self, today: NaiveDate) -> Option<String> {
        match (self.notified_on, self.response_due_on, self.response_received_on) {
            (None, _, _) => Some(format!("{} has not been told of the complaint", self.name)),
            (Some(_), Some(due), None) if today <= due => Some(format!(
                "{}'s response is due by {} and has not been recorded",
                self.name,
                due.format("%-d %B %Y")
            )),
            _ => None,
        }
    }
}

fn of(member: &Member, told: Option<&MemberNotification>, due: Option<NaiveDate>, today: NaiveDate) -> MemberNotice {
    let received = told.and_then(|n| n.response_received_on);
    MemberNotice {
        member_id: member.id.clone(),
        name: member.full_name.clone(),
        notified_on: told.map(|n| n.notified_at.date()),
        response_due_on: due,
        response_received_on: received,
        response_summary: told.and_then(|n| n.response_summary.clone()),
        response_overdue: received.is_none() && due.is_some_and(|d| today > d),
    }
}

/// Every member complained about on the case, with where they stand.
pub fn statuses(conn: &mut DbConnection, case: &Case, today: NaiveDate) -> QueryResult<Vec<MemberNotice>> {
    let notifications = complaint_rows::list_notifications_for_case(conn, &case.id)?;
    let mut out = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let told = notifications.iter().find(|n| n.member_id == m.id);
        let due = match told {
            Some(n) => Some(member_response_due(conn, n.notified_at.date())?),
            None => None,
        };
        out.push(of(&m, told, due, today));
    }
    Ok(out)
}

/// What stands in the way of an initial-assessment decision today: a member not told, or told
/// and their response neither recorded nor overdue. Empty when nothing does.
pub fn gaps(conn: &mut DbConnection, case: &Case, today: NaiveDate) -> QueryResult<Vec<String>> {
    Ok(statuses(conn, case, today)?.iter().filter_map(|s| s.gap(today)).collect())
}

/// Whether an initial-assessment outcome must wait for the member: all but no jurisdiction.
pub fn outcome_needs_member_told(outcome: &str) -> bool {
    outcome != "no-jurisdiction"
}

/// The member's response as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct ResponseInput {
    pub received_day: String,
    pub received_month: String,
    pub received_year: String,
    pub summary: String,
}

/// The response form: the member and when they were told.
#[derive(Debug, Clone, Serialize)]
pub struct ResponsePage {
    pub reference: String,
    pub member: MemberNotice,
}

/// Recording a member's response: officers, on an open case, once the member was told, once.
pub fn may_record_response(user: &User, case: &Case, told: Option<&MemberNotification>) -> ServiceResult<()> {
    may_work(user, case)?;
    match told {
        None => Err(ServiceError::Refused("Tell the member of the complaint before recording their response".into())),
        Some(n) if n.response_received_on.is_some() => {
            Err(ServiceError::Refused("The member's response has already been recorded".into()))
        }
        Some(_) => Ok(()),
    }
}

fn member_and_notification(
    conn: &mut DbConnection,
    case: &Case,
    member_id: &str,
) -> ServiceResult<(Member, Option<MemberNotification>)> {
    let member = member_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or(ServiceError::NotFound)?;
    let told =
        complaint_rows::list_notifications_for_case(conn, &case.id)?.into_iter().find(|n| n.member_id == member.id);
    Ok((member, told))
}

/// The form for recording a member's response.
pub fn response_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    member_id: &str,
    today: NaiveDate,
) -> ServiceResult<ResponsePage> {
    let case = find_visible(conn, user, reference)?;
    let (member, told) = member_and_notification(conn, &case, member_id)?;
    may_record_response(user, &case, told.as_ref())?;
    let due = match &told {
        Some(n) => Some(member_response_due(conn, n.notified_at.date())?),
        None => None,
    };
    Ok(ResponsePage { reference: case.reference.clone(), member: of(&member, told.as_ref(), due, today) })
}

/// Records the member's response to being told of the complaint (when it arrived, what it said).
pub fn record_response(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    member_id: &str,
    input: &ResponseInput,
    today: NaiveDate,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = find_workable(conn, user, reference)?;
        let (member, told) = member_and_notification(conn, &case, member_id)?;
        may_record_response(user, &case, told.as_ref())?;
        let told = told.expect("checked by the rule");
        let mut e = FieldErrors::default();
        let received = match vocab::parse_date(&input.received_day, &input.received_month, &input.received_year) {
            Ok(d) if d > today => {
                e.add("received", "The date the response arrived must be today or in the past");
                None
            }
            Ok(d) if d < told.notified_at.date() => {
                e.add("received", "The response cannot have arrived before the member was told");
                None
            }
            Ok(d) => Some(d),
            Err(m) => {
                e.add("received", m);
                None
            }
        };
        let summary = clean(&input.summary);
        if summary.is_none() {
            e.add("summary", "Summarise what the member said");
        }
        e.into_result()?;
        complaint_rows::record_response(
            conn,
            &told.id,
            received.expect("checked"),
            &summary.expect("checked"),
            &user.id,
            now(),
        )?;
        audit::record(
            conn,
            actor,
            Event::new("member.response_recorded", "member", &member.id)
                .case(&case.id)
                .summary(format!("{}'s response to the complaint recorded", member.full_name)),
        )?;
        Ok(())
    })
}
