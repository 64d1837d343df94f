//! The committee report's tables: `report_snapshots` (reports saved as presented to a meeting),
//! and the read-only counting queries the report runs over the case tables. Each count is a
//! GROUP BY in the database, for one window (a span of days and a set of authorities).

use crate::db::schema::{
    allegations, authorities, capacity_assessments, cases, code_provisions, complaints, decision_notices, decisions,
    findings, hearings, investigations, members, report_snapshots, sanctions, takedown_events, takedown_requests,
};
use crate::db::DbConnection;
use crate::models::enums::{CaseStatus, TakedownStatus};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

// ---------------------------------------------------------------------------------------------
// Snapshots

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_snapshots)]
pub struct Snapshot {
    pub id: String,
    pub title: String,
    pub meeting: String,
    pub meeting_on: NaiveDate,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub authorities: String,
    pub html: String,
    pub figures_csv: String,
    pub cases_csv: String,
    pub sha256: String,
    pub created_by_user_id: String,
    pub created_at: NaiveDateTime,
}

/// A saved snapshot as listed (without its page and files).
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct SnapshotListing {
    pub id: String,
    pub title: String,
    pub meeting: String,
    pub meeting_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

pub fn insert_snapshot(conn: &mut DbConnection, s: &Snapshot) -> QueryResult<()> {
    diesel::insert_into(report_snapshots::table).values(s).execute(conn).map(|_| ())
}

pub fn find_snapshot(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Snapshot>> {
    report_snapshots::table.find(id).select(Snapshot::as_select()).first(conn).optional()
}

/// Every snapshot, the most recently saved first.
pub fn list_snapshots(conn: &mut DbConnection) -> QueryResult<Vec<SnapshotListing>> {
    report_snapshots::table
        .order(report_snapshots::created_at.desc())
        .select((
            report_snapshots::id,
            report_snapshots::title,
            report_snapshots::meeting,
            report_snapshots::meeting_on,
            report_snapshots::created_at,
        ))
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// The window every count is taken over

/// Days `from..=to` and the authorities (ids) a count covers.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub authority_ids: &'a [String],
}

impl Window<'_> {
    /// The first instant of the window.
    pub fn start(&self) -> NaiveDateTime {
        self.from.and_hms_opt(0, 0, 0).expect("midnight")
    }

    /// The first instant after the window.
    pub fn end(&self) -> NaiveDateTime {
        (self.to + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight")
    }
}

// ---------------------------------------------------------------------------------------------
// Complaints received

/// Complaints received in the window, counted by source, authority, tier and platform.
#[derive(Debug, Clone, Queryable)]
pub struct ReceivedGroup {
    pub source: String,
    pub authority_name: String,
    pub tier: String,
    pub platform: Option<String>,
    pub count: i64,
}

pub fn received(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<ReceivedGroup>> {
    complaints::table
        .inner_join(authorities::table)
        .filter(complaints::received_on.between(w.from, w.to))
        .filter(complaints::authority_id.eq_any(w.authority_ids))
        .group_by((complaints::source, authorities::name, authorities::tier, complaints::platform))
        .select((complaints::source, authorities::name, authorities::tier, complaints::platform, count_star()))
        .load(conn)
}

/// Allegations on complaints received in the window, by provision: (number, heading, count).
/// Counted by provision id, then named: the join to the provisions is on the few groups.
pub fn allegations_by_provision(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(String, String, i64)>> {
    let rows: Vec<(String, i64)> = allegations::table
        .inner_join(complaints::table)
        .filter(complaints::received_on.between(w.from, w.to))
        .filter(complaints::authority_id.eq_any(w.authority_ids))
        .group_by(allegations::code_provision_id)
        .select((allegations::code_provision_id, count_star()))
        .load(conn)?;
    let named: Vec<(String, String, String)> = code_provisions::table
        .filter(code_provisions::id.eq_any(rows.iter().map(|r| &r.0)))
        .select((code_provisions::id, code_provisions::number, code_provisions::heading))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| {
            named.iter().find(|p| p.0 == id).map(|(_, number, heading)| (number.clone(), heading.clone(), n))
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Assessments, decisions and closures

/// Capacity conclusions reached in the window, by the capacity test version answered (its id)
/// and the concluded outcome.
pub fn capacity_conclusions_by_test_version(
    conn: &mut DbConnection,
    w: Window,
) -> QueryResult<Vec<(String, Option<String>, i64)>> {
    capacity_assessments::table
        .inner_join(cases::table)
        .filter(capacity_assessments::concluded_at.ge(w.start()).and(capacity_assessments::concluded_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by((capacity_assessments::test_version_id, capacity_assessments::concluded_outcome))
        .select((capacity_assessments::test_version_id, capacity_assessments::concluded_outcome, count_star()))
        .load(conn)
}

/// Capacity conclusions reached in the window, by concluded outcome.
pub fn capacity_conclusions(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(Option<String>, i64)>> {
    capacity_assessments::table
        .inner_join(cases::table)
        .filter(capacity_assessments::concluded_at.ge(w.start()).and(capacity_assessments::concluded_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by(capacity_assessments::concluded_outcome)
        .select((capacity_assessments::concluded_outcome, count_star()))
        .load(conn)
}

/// Decisions at one stage ("initial-assessment", "post-investigation") made in the window, by
/// outcome.
pub fn decisions_by_outcome(conn: &mut DbConnection, w: Window, stage: &str) -> QueryResult<Vec<(String, i64)>> {
    decisions::table
        .inner_join(cases::table)
        .filter(decisions::decided_at.ge(w.start()).and(decisions::decided_at.lt(w.end())))
        .filter(decisions::stage.eq(stage))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by(decisions::outcome)
        .select((decisions::outcome, count_star()))
        .load(conn)
}

/// Cases closed in the window, by closure reason.
pub fn closures_by_reason(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(Option<String>, i64)>> {
    cases::table
        .filter(cases::closed_at.ge(w.start()).and(cases::closed_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by(cases::closure_reason)
        .select((cases::closure_reason, count_star()))
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Investigations, hearings and sanctions

/// Investigations: (started in the window, completed in it, open at its end).
pub fn investigation_counts(conn: &mut DbConnection, w: Window) -> QueryResult<(i64, i64, i64)> {
    let started: i64 = investigations::table
        .inner_join(cases::table)
        .filter(investigations::appointed_at.ge(w.start()).and(investigations::appointed_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)?;
    let completed: i64 = investigations::table
        .inner_join(cases::table)
        .filter(investigations::completed_on.between(w.from, w.to))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)?;
    let open: i64 = investigations::table
        .inner_join(cases::table)
        .filter(investigations::appointed_at.lt(w.end()))
        .filter(investigations::completed_on.is_null().or(investigations::completed_on.gt(w.to)))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)?;
    Ok((started, completed, open))
}

/// Hearings held in the window (by the day they sat) whose outcome has been recorded.
pub fn hearings_decided(conn: &mut DbConnection, w: Window) -> QueryResult<i64> {
    hearings::table
        .inner_join(cases::table)
        .filter(hearings::starts_at.ge(w.start()).and(hearings::starts_at.lt(w.end())))
        .filter(hearings::outcome_recorded_at.is_not_null())
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)
}

/// Findings of those hearings (held in the window), by whether a breach was found.
pub fn findings_by_breach(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(bool, i64)>> {
    findings::table
        .inner_join(hearings::table.inner_join(cases::table))
        .filter(hearings::starts_at.ge(w.start()).and(hearings::starts_at.lt(w.end())))
        .filter(hearings::outcome_recorded_at.is_not_null())
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by(findings::breach)
        .select((findings::breach, count_star()))
        .load(conn)
}

/// Sanctions imposed or recommended in the window, by (kind, compliance).
pub fn sanctions_by_kind_and_compliance(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(String, String, i64)>> {
    sanctions::table
        .inner_join(cases::table)
        .filter(sanctions::created_at.ge(w.start()).and(sanctions::created_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by((sanctions::kind, sanctions::compliance))
        .select((sanctions::kind, sanctions::compliance, count_star()))
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Takedown requests

/// Takedown requests made in the window, by (platform, status).
pub fn takedowns_by_status(
    conn: &mut DbConnection,
    w: Window,
) -> QueryResult<Vec<(Option<String>, TakedownStatus, i64)>> {
    takedown_requests::table
        .inner_join(cases::table)
        .filter(takedown_requests::requested_on.between(w.from, w.to))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by((takedown_requests::platform, takedown_requests::status))
        .select((takedown_requests::platform, takedown_requests::status, count_star()))
        .load(conn)
}

/// Of those, the ones removed (wholly or partly) by their due date, by platform.
pub fn takedowns_removed_in_time(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(Option<String>, i64)>> {
    takedown_requests::table
        .inner_join(cases::table)
        .filter(takedown_requests::requested_on.between(w.from, w.to))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .filter(takedown_requests::status.eq_any([TakedownStatus::Removed, TakedownStatus::PartlyRemoved]))
        .filter(takedown_requests::resolved_on.le(takedown_requests::due_on.nullable()))
        .group_by(takedown_requests::platform)
        .select((takedown_requests::platform, count_star()))
        .load(conn)
}

/// Of those, the ones whose post was ever reinstated, by platform.
pub fn takedowns_reinstated(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(Option<String>, i64)>> {
    takedown_requests::table
        .inner_join(cases::table)
        .filter(takedown_requests::requested_on.between(w.from, w.to))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .filter(diesel::dsl::exists(
            takedown_events::table
                .filter(takedown_events::request_id.eq(takedown_requests::id))
                .filter(takedown_events::to_status.eq(TakedownStatus::Reinstated)),
        ))
        .group_by(takedown_requests::platform)
        .select((takedown_requests::platform, count_star()))
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Open cases and timeliness

/// Cases open at the end of the window (received by then, not closed by then), counted by the day
/// they were received. A destroyed case was closed first, so a past period's count stays the same.
pub fn open_at_end_by_received_on(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(NaiveDate, i64)>> {
    cases::table
        .filter(cases::received_on.le(w.to))
        .filter(cases::closed_at.is_null().or(cases::closed_at.ge(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by(cases::received_on)
        .select((cases::received_on, count_star()))
        .load(conn)
}

/// Cases received in the window and acknowledged: (received, acknowledged, count).
pub fn received_to_acknowledged(
    conn: &mut DbConnection,
    w: Window,
) -> QueryResult<Vec<(NaiveDate, Option<NaiveDate>, i64)>> {
    cases::table
        .filter(cases::received_on.between(w.from, w.to))
        .filter(cases::acknowledged_on.is_not_null())
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by((cases::received_on, cases::acknowledged_on))
        .select((cases::received_on, cases::acknowledged_on, count_star()))
        .load(conn)
}

/// Cases received in the window and assessed: (received, assessed, count).
pub fn received_to_assessed(
    conn: &mut DbConnection,
    w: Window,
) -> QueryResult<Vec<(NaiveDate, Option<NaiveDate>, i64)>> {
    cases::table
        .filter(cases::received_on.between(w.from, w.to))
        .filter(cases::assessed_on.is_not_null())
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by((cases::received_on, cases::assessed_on))
        .select((cases::received_on, cases::assessed_on, count_star()))
        .load(conn)
}

/// Cases received in the window, still open and not acknowledged, whose acknowledgement was
/// due before `as_of`: missed, though not yet done.
pub fn overdue_unacknowledged(conn: &mut DbConnection, w: Window, as_of: NaiveDate) -> QueryResult<i64> {
    cases::table
        .filter(cases::received_on.between(w.from, w.to))
        .filter(cases::acknowledged_on.is_null())
        .filter(cases::closed_at.is_null())
        .filter(cases::ack_due_on.lt(as_of))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)
}

/// Cases received in the window, still open and not assessed, whose initial assessment was due
/// before `as_of`.
pub fn overdue_unassessed(conn: &mut DbConnection, w: Window, as_of: NaiveDate) -> QueryResult<i64> {
    cases::table
        .filter(cases::received_on.between(w.from, w.to))
        .filter(cases::assessed_on.is_null())
        .filter(cases::closed_at.is_null())
        .filter(cases::assessment_due_on.lt(as_of))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)
}

/// Investigations not completed whose target date fell in the window and before `as_of`.
pub fn overdue_investigations(conn: &mut DbConnection, w: Window, as_of: NaiveDate) -> QueryResult<i64> {
    investigations::table
        .inner_join(cases::table)
        .filter(investigations::completed_on.is_null())
        .filter(investigations::target_on.between(w.from, w.to))
        .filter(investigations::target_on.lt(as_of))
        .filter(cases::closed_at.is_null())
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)
}

/// Cases open now, by the day they were received (for the closure target).
pub fn open_now_by_received_on(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(NaiveDate, i64)>> {
    cases::table
        .filter(cases::received_on.le(w.to))
        .filter(cases::closed_at.is_null())
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .group_by(cases::received_on)
        .select((cases::received_on, count_star()))
        .load(conn)
}

/// Investigations completed in the window: (appointed, completed, target date). They are few
/// per day, so they are read as they are.
pub fn completed_investigations(
    conn: &mut DbConnection,
    w: Window,
) -> QueryResult<Vec<(NaiveDateTime, Option<NaiveDate>, NaiveDate)>> {
    investigations::table
        .inner_join(cases::table)
        .filter(investigations::completed_on.between(w.from, w.to))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select((investigations::appointed_at, investigations::completed_on, investigations::target_on))
        .load(conn)
}

/// Cases closed in the window: (received, closed).
pub fn received_to_closed(conn: &mut DbConnection, w: Window) -> QueryResult<Vec<(NaiveDate, Option<NaiveDateTime>)>> {
    cases::table
        .filter(cases::closed_at.ge(w.start()).and(cases::closed_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select((cases::received_on, cases::closed_at))
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Cases closed in the window, for the anonymised summaries

#[derive(Debug, Clone, Queryable)]
pub struct ClosedCase {
    pub id: String,
    pub reference: String,
    pub received_on: NaiveDate,
    pub closed_at: Option<NaiveDateTime>,
    pub authority: String,
    pub tier: String,
    pub status: CaseStatus,
    pub closure_reason: Option<String>,
}

pub fn count_closed(conn: &mut DbConnection, w: Window) -> QueryResult<i64> {
    cases::table
        .filter(cases::closed_at.ge(w.start()).and(cases::closed_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .select(count_star())
        .first(conn)
}

/// The cases closed in the window, the most recently closed first (at most `limit`).
pub fn closed_cases(conn: &mut DbConnection, w: Window, limit: Option<i64>) -> QueryResult<Vec<ClosedCase>> {
    let mut q = cases::table
        .filter(cases::closed_at.ge(w.start()).and(cases::closed_at.lt(w.end())))
        .filter(cases::authority_id.eq_any(w.authority_ids))
        .inner_join(authorities::table)
        .order((cases::closed_at.desc(), cases::reference.asc()))
        .select((
            cases::id,
            cases::reference,
            cases::received_on,
            cases::closed_at,
            authorities::name,
            authorities::tier,
            cases::status,
            cases::closure_reason,
        ))
        .into_boxed();
    if let Some(limit) = limit {
        q = q.limit(limit);
    }
    q.load(conn)
}

/// (case id, source, platform) of the cases' complaints, each case's earliest first.
pub fn complaint_sources(
    conn: &mut DbConnection,
    case_ids: &[&String],
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    complaints::table
        .filter(complaints::case_id.eq_any(case_ids))
        .order((complaints::case_id.asc(), complaints::received_on.asc(), complaints::created_at.asc()))
        .select((complaints::case_id, complaints::source, complaints::platform))
        .load(conn)
}

/// (case id, provision number) of the provisions alleged on the cases.
pub fn provision_numbers(conn: &mut DbConnection, case_ids: &[&String]) -> QueryResult<Vec<(String, String)>> {
    allegations::table
        .inner_join(code_provisions::table)
        .filter(allegations::case_id.eq_any(case_ids))
        .select((allegations::case_id, code_provisions::number))
        .distinct()
        .load(conn)
}

/// (case id, member's name) of members found in breach on cases whose decision was published.
pub fn members_named(conn: &mut DbConnection, case_ids: &[&String]) -> QueryResult<Vec<(String, String)>> {
    findings::table
        .inner_join(allegations::table.inner_join(members::table))
        .filter(findings::breach.eq(true))
        .filter(allegations::case_id.eq_any(case_ids))
        .filter(diesel::dsl::exists(
            decision_notices::table
                .inner_join(decisions::table)
                .filter(decisions::case_id.eq(allegations::case_id))
                .filter(decision_notices::recipient_kind.eq("publication"))
                .filter(decision_notices::status.eq("published")),
        ))
        .select((allegations::case_id, members::full_name))
        .distinct()
        .load(conn)
}

/// (case id, stage, outcome) of the cases' decisions, oldest first.
pub fn decisions_in_order(conn: &mut DbConnection, case_ids: &[&String]) -> QueryResult<Vec<(String, String, String)>> {
    decisions::table
        .filter(decisions::case_id.eq_any(case_ids))
        .order(decisions::decided_at.asc())
        .select((decisions::case_id, decisions::stage, decisions::outcome))
        .load(conn)
}
