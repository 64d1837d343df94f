//! Periodic jobs that must run once across every instance sharing the database (hourly
//! housekeeping): each run is claimed in the database first, and an instance that finds the
//! job claimed recently skips it.

use crate::db::{self, DbConnection};
use crate::models::setting as settings_rows;
use crate::services::ServiceResult;
use chrono::{Duration, NaiveDateTime};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

fn key(name: &str) -> String {
    format!("job.{name}.started")
}

/// Claims this run of the job `name`, run every `every` by each instance: true (and the start
/// recorded) when no instance has started it in the last nine tenths of `every`; false when one
/// has, so the caller skips it. Two instances claiming at once queue on the job's lock (an
/// advisory lock on PostgreSQL, the write lock on SQLite): one wins.
pub fn claim(conn: &mut DbConnection, name: &str, at: NaiveDateTime, every: Duration) -> ServiceResult<bool> {
    let key = key(name);
    db::write(conn, |conn| {
        db::lock_keys(conn, &[key.as_str()])?;
        let last = settings_rows::get(conn, &key)?.and_then(|v| NaiveDateTime::parse_from_str(&v, FORMAT).ok());
        if last.is_some_and(|t| t > at - every * 9 / 10) {
            return Ok(false);
        }
        settings_rows::put(conn, &key, &at.format(FORMAT).to_string(), at, None)?;
        Ok(true)
    })
}

/// When the job last started (on any instance).
pub fn last_started(conn: &mut DbConnection, name: &str) -> ServiceResult<Option<NaiveDateTime>> {
    Ok(settings_rows::get(conn, &key(name))?.and_then(|v| NaiveDateTime::parse_from_str(&v, FORMAT).ok()))
}
