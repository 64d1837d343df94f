//! Takedown (removal) requests with their posts, events and re-checks, and informal resolution
//! actions.

use crate::db::schema::{informal_actions, takedown_events, takedown_items, takedown_rechecks, takedown_requests};
use crate::db::DbConnection;
pub use crate::models::enums::TakedownStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = takedown_requests)]
pub struct TakedownRequest {
    pub id: String,
    pub case_id: String,
    pub number: i32,
    pub addressee_kind: String,
    pub addressee_name: String,
    pub platform: Option<String>,
    pub platform_reference: Option<String>,
    pub channel: String,
    pub to_address: Option<String>,
    pub request_text: String,
    pub requested_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: TakedownStatus,
    pub resolved_on: Option<NaiveDate>,
    pub outbox_id: Option<String>,
    pub reminder_queued_at: Option<NaiveDateTime>,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = takedown_events)]
pub struct TakedownEvent {
    pub id: String,
    pub request_id: String,
    pub from_status: TakedownStatus,
    pub to_status: TakedownStatus,
    pub note: Option<String>,
    pub verification_item_id: Option<String>,
    pub actor_label: String,
    pub occurred_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = takedown_rechecks)]
pub struct Recheck {
    pub id: String,
    pub request_id: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub result: Option<String>,
    /// When the worker queued the reminder that this re-check fell due.
    pub reminder_queued_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = informal_actions)]
pub struct InformalAction {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub done_note: Option<String>,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, r: &TakedownRequest) -> QueryResult<()> {
    diesel::insert_into(takedown_requests::table).values(r).execute(conn).map(|_| ())
}

pub fn link_item(conn: &mut DbConnection, request_id: &str, item_id: &str) -> QueryResult<()> {
    diesel::insert_into(takedown_items::table)
        .values((takedown_items::request_id.eq(request_id), takedown_items::evidence_item_id.eq(item_id)))
        .execute(conn)
        .map(|_| ())
}

pub fn items_of(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<String>> {
    takedown_items::table
        .filter(takedown_items::request_id.eq(request_id))
        .select(takedown_items::evidence_item_id)
        .load(conn)
}

pub fn list_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<TakedownRequest>> {
    takedown_requests::table
        .filter(takedown_requests::case_id.eq(case_id))
        .order(takedown_requests::number.asc())
        .select(TakedownRequest::as_select())
        .load(conn)
}

/// A request of the case by its number (T2 is number 2).
pub fn find_by_number(conn: &mut DbConnection, case_id: &str, number: i32) -> QueryResult<Option<TakedownRequest>> {
    takedown_requests::table
        .filter(takedown_requests::case_id.eq(case_id))
        .filter(takedown_requests::number.eq(number))
        .select(TakedownRequest::as_select())
        .first(conn)
        .optional()
}

/// Open requests past their due date, the longest overdue first.
pub fn list_overdue(conn: &mut DbConnection, today: NaiveDate, limit: i64) -> QueryResult<Vec<TakedownRequest>> {
    takedown_requests::table
        .filter(takedown_requests::status.eq_any(TakedownStatus::open()))
        .filter(takedown_requests::due_on.lt(today))
        .order(takedown_requests::due_on.asc())
        .limit(limit)
        .select(TakedownRequest::as_select())
        .load(conn)
}

pub fn next_number(conn: &mut DbConnection, case_id: &str) -> QueryResult<i32> {
    let max: Option<i32> = takedown_requests::table
        .filter(takedown_requests::case_id.eq(case_id))
        .select(diesel::dsl::max(takedown_requests::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: TakedownStatus,
    resolved_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
) -> QueryResult<usize> {
    match due_on {
        Some(due) => diesel::update(takedown_requests::table.find(id))
            .set((
                takedown_requests::status.eq(status),
                takedown_requests::resolved_on.eq(resolved_on),
                takedown_requests::due_on.eq(due),
                takedown_requests::reminder_queued_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn),
        None => diesel::update(takedown_requests::table.find(id))
            .set((takedown_requests::status.eq(status), takedown_requests::resolved_on.eq(resolved_on)))
            .execute(conn),
    }
}

pub fn insert_event(conn: &mut DbConnection, e: &TakedownEvent) -> QueryResult<()> {
    diesel::insert_into(takedown_events::table).values(e).execute(conn).map(|_| ())
}

pub fn events(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<TakedownEvent>> {
    takedown_events::table
        .filter(takedown_events::request_id.eq(request_id))
        .order(takedown_events::created_at.asc())
        .select(TakedownEvent::as_select())
        .load(conn)
}

pub fn insert_recheck(conn: &mut DbConnection, r: &Recheck) -> QueryResult<()> {
    diesel::insert_into(takedown_rechecks::table).values(r).execute(conn).map(|_| ())
}

pub fn rechecks(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<Recheck>> {
    takedown_rechecks::table
        .filter(takedown_rechecks::request_id.eq(request_id))
        .order(takedown_rechecks::due_on.asc())
        .select(Recheck::as_select())
        .load(conn)
}

pub fn complete_recheck(conn: &mut DbConnection, id: &str, on: NaiveDate, result: &str) -> QueryResult<usize> {
    diesel::update(takedown_rechecks::table.find(id).filter(takedown_rechecks::done_on.is_null()))
        .set((takedown_rechecks::done_on.eq(Some(on)), takedown_rechecks::result.eq(Some(result))))
        .execute(conn)
}

/// Open requests past their due date with no reminder yet: claims each by setting the reminder
/// time, so a reminder is queued once whatever the number of workers.
pub fn claim_overdue(
    conn: &mut DbConnection,
    today: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<Vec<TakedownRequest>> {
    let due: Vec<TakedownRequest> = takedown_requests::table
        .filter(takedown_requests::status.eq_any(TakedownStatus::open()))
        .filter(takedown_requests::due_on.lt(today))
        .filter(takedown_requests::reminder_queued_at.is_null())
        .select(TakedownRequest::as_select())
        .load(conn)?;
    let mut claimed = Vec::new();
    for r in due {
        let n = diesel::update(
            takedown_requests::table.find(&r.id).filter(takedown_requests::reminder_queued_at.is_null()),
        )
        .set(takedown_requests::reminder_queued_at.eq(Some(at)))
        .execute(conn)?;
        if n == 1 {
            claimed.push(r);
        }
    }
    Ok(claimed)
}

/// Claims the re-checks that have fallen due by `today` (not done, no reminder yet, on an open
/// case) for their reminder, setting `reminder_queued_at` to `at` on each row only if no one
/// else has (so two instances running at once claim each once). Returns each claimed re-check
/// with its request.
pub fn claim_rechecks_due(
    conn: &mut DbConnection,
    today: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<Vec<(Recheck, TakedownRequest)>> {
    use crate::db::schema::cases;
    let open: Vec<String> =
        crate::models::case::CaseStatus::open().into_iter().map(|s| s.as_str().to_string()).collect();
    let due: Vec<(Recheck, TakedownRequest)> = takedown_rechecks::table
        .inner_join(takedown_requests::table.inner_join(cases::table))
        .filter(takedown_rechecks::done_on.is_null())
        .filter(takedown_rechecks::due_on.le(today))
        .filter(takedown_rechecks::reminder_queued_at.is_null())
        .filter(cases::status.eq_any(open))
        .order(takedown_rechecks::due_on.asc())
        .select((Recheck::as_select(), TakedownRequest::as_select()))
        .load(conn)?;
    let mut claimed = Vec::new();
    for (c, r) in due {
        let n = diesel::update(
            takedown_rechecks::table.find(&c.id).filter(takedown_rechecks::reminder_queued_at.is_null()),
        )
        .set(takedown_rechecks::reminder_queued_at.eq(Some(at)))
        .execute(conn)?;
        if n == 1 {
            claimed.push((c, r));
        }
    }
    Ok(claimed)
}

pub fn insert_action(conn: &mut DbConnection, a: &InformalAction) -> QueryResult<()> {
    diesel::insert_into(informal_actions::table).values(a).execute(conn).map(|_| ())
}

pub fn actions(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<InformalAction>> {
    informal_actions::table
        .filter(informal_actions::case_id.eq(case_id))
        .order(informal_actions::created_at.asc())
        .select(InformalAction::as_select())
        .load(conn)
}

pub fn complete_action(conn: &mut DbConnection, id: &str, on: NaiveDate, note: Option<&str>) -> QueryResult<usize> {
    diesel::update(informal_actions::table.find(id).filter(informal_actions::done_on.is_null()))
        .set((informal_actions::done_on.eq(Some(on)), informal_actions::done_note.eq(note)))
        .execute(conn)
}
