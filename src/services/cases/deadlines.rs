//! Deadlines in working days: what is due, when, and what is overdue.

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::services::calendar::Calendar;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;

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

/// The first deadline not yet done on an open case.
pub fn next_deadline(calendar: &Calendar, case: &Case, today: NaiveDate) -> Option<Deadline> {
    if !case.status.is_open() {
        return None;
    }
    deadlines_of(calendar, case, today).into_iter().find(|d| d.done_on.is_none())
}

/// When a member told of a complaint on `notified_on` must respond: the member's-response target
/// (a setting, in working days) after that day.
pub fn member_response_due(conn: &mut DbConnection, notified_on: NaiveDate) -> QueryResult<NaiveDate> {
    let days = crate::services::settings::deadlines(conn)?.member_response;
    Ok(Calendar::load(conn)?.add_working_days(notified_on, days))
}
