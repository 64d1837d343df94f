//! Rate limits for public forms, counted in the database so several instances share them.

use crate::db::DbConnection;
use crate::models::file as rows;
use crate::models::{new_id, now};
use chrono::Duration;
use diesel::QueryResult;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bucket: &'static str,
    pub max: i64,
    pub window_minutes: i64,
}

/// Posts of the public complaint form (including those that only show errors) per address.
pub const COMPLAINT_FORM_POSTS: Limit = Limit { bucket: "complaint-form", max: 30, window_minutes: 60 };
/// Complaints submitted per address.
pub const COMPLAINT_SUBMISSIONS: Limit = Limit { bucket: "complaint-submit", max: 5, window_minutes: 60 };

/// Whether `subject` is still within the limit (without counting this event).
pub fn allows(conn: &mut DbConnection, limit: Limit, subject: &str) -> QueryResult<bool> {
    let since = now() - Duration::minutes(limit.window_minutes);
    Ok(rows::count_rate_events(conn, limit.bucket, subject, since)? < limit.max)
}

/// Counts an event (a write of its own: it queues with the other writers).
pub fn record(conn: &mut DbConnection, limit: Limit, subject: &str) -> QueryResult<()> {
    crate::db::write(conn, |conn| rows::insert_rate_event(conn, &new_id(), limit.bucket, subject, now()))
}
