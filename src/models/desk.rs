//! The queries behind each role's desk (what is waiting for whom): each returns the case's id
//! and reference with what the item needs, at most `limit` rows, on open cases only.

use crate::db::schema::{
    cases, decisions, hearing_panel, hearings, investigations, ip_consultations, member_notifications, review_requests,
    takedown_rechecks, takedown_requests,
};
use crate::db::DbConnection;
use crate::models::case::CaseStatus;
use crate::models::takedown::TakedownStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// (case id, reference, acknowledged, acknowledge by, assess by).
pub type UnassignedRow = (String, String, bool, NaiveDate, NaiveDate);

/// (case id, reference, request number, addressee, due on).
pub type TakedownRow = (String, String, i32, String, NaiveDate);

fn open_statuses() -> Vec<String> {
    CaseStatus::open().into_iter().map(|s| s.as_str().to_string()).collect()
}

/// Open cases nobody is assigned to, still before their initial assessment:
/// (id, reference, acknowledged, acknowledge by, assess by).
pub fn unassigned_new(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<UnassignedRow>> {
    let early: Vec<&str> = [CaseStatus::Received, CaseStatus::Acknowledged, CaseStatus::InitialAssessment]
        .iter()
        .map(|s| s.as_str())
        .collect();
    let rows: Vec<(String, String, Option<NaiveDate>, NaiveDate, NaiveDate)> = cases::table
        .filter(cases::assigned_user_id.is_null())
        .filter(cases::status.eq_any(early))
        .order(cases::received_on.asc())
        .limit(limit)
        .select((cases::id, cases::reference, cases::acknowledged_on, cases::ack_due_on, cases::assessment_due_on))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, r, ack, a, s)| (id, r, ack.is_some(), a, s)).collect())
}

/// Views asked of Independent Persons and not yet given (of one IP, when given):
/// (case id, reference, IP's user id, asked at).
pub fn ip_views_awaited(
    conn: &mut DbConnection,
    ip_user_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(String, String, String, NaiveDateTime)>> {
    let mut q = ip_consultations::table
        .inner_join(cases::table)
        .filter(ip_consultations::view_recorded_at.is_null())
        .filter(cases::status.eq_any(open_statuses()))
        .order(ip_consultations::requested_at.asc())
        .limit(limit)
        .select((cases::id, cases::reference, ip_consultations::ip_user_id, ip_consultations::requested_at))
        .into_boxed();
    if let Some(ip) = ip_user_id {
        q = q.filter(ip_consultations::ip_user_id.eq(ip.to_string()));
    }
    q.load(conn)
}

/// Members told of a complaint on a case not yet past its initial assessment, whose response is
/// not yet recorded:
/// (case id, reference, told at).
pub fn member_responses(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    let early: Vec<&str> = [CaseStatus::Received, CaseStatus::Acknowledged, CaseStatus::InitialAssessment]
        .iter()
        .map(|s| s.as_str())
        .collect();
    member_notifications::table
        .inner_join(cases::table)
        .filter(cases::status.eq_any(early))
        .filter(member_notifications::response_received_on.is_null())
        .order(member_notifications::notified_at.asc())
        .limit(limit)
        .select((cases::id, cases::reference, member_notifications::notified_at))
        .load(conn)
}

/// Open takedown requests: (case id, reference, number, addressee, due on).
pub fn open_takedowns(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<TakedownRow>> {
    let open: Vec<&str> = TakedownStatus::open().into_iter().map(|s| s.as_str()).collect();
    takedown_requests::table
        .inner_join(cases::table)
        .filter(takedown_requests::status.eq_any(open))
        .filter(cases::status.eq_any(open_statuses()))
        .order(takedown_requests::due_on.asc())
        .limit(limit)
        .select((
            cases::id,
            cases::reference,
            takedown_requests::number,
            takedown_requests::addressee_name,
            takedown_requests::due_on,
        ))
        .load(conn)
}

/// Re-checks of removed posts not yet done, due by `by`: (case id, reference, number, due on).
pub fn rechecks_due(
    conn: &mut DbConnection,
    by: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<(String, String, i32, NaiveDate)>> {
    takedown_rechecks::table
        .inner_join(takedown_requests::table.inner_join(cases::table))
        .filter(takedown_rechecks::done_on.is_null())
        .filter(takedown_rechecks::due_on.le(by))
        .filter(cases::status.eq_any(open_statuses()))
        .order(takedown_rechecks::due_on.asc())
        .limit(limit)
        .select((cases::id, cases::reference, takedown_requests::number, takedown_rechecks::due_on))
        .load(conn)
}

/// A review request awaiting its outcome: (case id, reference, received on, due on).
pub type OpenReview = (String, String, NaiveDate, Option<NaiveDate>);

/// Requests to review a decision with no outcome recorded, on open or closed cases (a review is
/// usually of a decision that closed the case): (case id, reference, received on, due on).
pub fn reviews_open(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<OpenReview>> {
    review_requests::table
        .inner_join(decisions::table.inner_join(cases::table))
        .filter(review_requests::outcome.is_null())
        .filter(cases::destroyed_at.is_null())
        .order(review_requests::received_on.asc())
        .limit(limit)
        .select((cases::id, cases::reference, review_requests::received_on, review_requests::due_on))
        .load(conn)
}

/// An investigator's investigations not completed: (case id, reference, target date).
pub fn investigations_of(
    conn: &mut DbConnection,
    user_id: &str,
    limit: i64,
) -> QueryResult<Vec<(String, String, NaiveDate)>> {
    investigations::table
        .inner_join(cases::table)
        .filter(investigations::investigator_user_id.eq(user_id))
        .filter(investigations::completed_on.is_null())
        .filter(cases::status.eq_any(open_statuses()))
        .order(investigations::target_on.asc())
        .limit(limit)
        .select((cases::id, cases::reference, investigations::target_on))
        .load(conn)
}

/// Hearings a user sits on with no outcome recorded: (case id, reference, starts at).
pub fn hearings_of(
    conn: &mut DbConnection,
    user_id: &str,
    limit: i64,
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    hearing_panel::table
        .inner_join(hearings::table.inner_join(cases::table))
        .filter(hearing_panel::user_id.eq(user_id))
        .filter(hearings::outcome_recorded_at.is_null())
        .filter(cases::status.eq_any(open_statuses()))
        .order(hearings::starts_at.asc())
        .limit(limit)
        .select((cases::id, cases::reference, hearings::starts_at))
        .load(conn)
}
