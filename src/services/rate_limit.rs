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

/// Requests for a password link per address (whether or not the address entered has an account).
pub const PASSWORD_LINK_REQUESTS: Limit = Limit { bucket: "password-link", max: 10, window_minutes: 60 };

/// Whether `subject` is still within the limit (without counting this event).
pub fn allows(conn: &mut DbConnection, limit: Limit, subject: &str) -> QueryResult<bool> {
    let since = now() - Duration::minutes(limit.window_minutes);
    Ok(rows::count_rate_events(conn, limit.bucket, subject, since)? < limit.max)
}

/// Counts an event (a write of its own: it queues with the other writers).
pub fn record(conn: &mut DbConnection, limit: Limit, subject: &str) -> QueryResult<()> {
    crate::db::write(conn, |conn| rows::insert_rate_event(conn, &new_id(), limit.bucket, subject, now()))
}

/// What one address may upload through the public form (files kept in drafts) in a day. Beyond
/// it the form says so on the upload field and stores no more files from that address until the
/// day has passed (what was typed is kept).
pub const ANONYMOUS_UPLOAD_FILES_PER_DAY: i64 = 30;
pub const ANONYMOUS_UPLOAD_BYTES_PER_DAY: i64 = 50 * 1024 * 1024;

/// Rate-limit events are kept this long (at least the longest window of any limit), then pruned
/// by housekeeping.
pub const EVENTS_KEPT_HOURS: i64 = 24;

/// Why more files cannot be taken from this address today, if they cannot: what it has uploaded
/// in the last 24 hours plus `files` more files of `bytes` in all, against the quota.
pub fn upload_refusal(used_files: i64, used_bytes: i64, files: i64, bytes: i64) -> Option<String> {
    if files == 0 {
        return None;
    }
    if used_files + files > ANONYMOUS_UPLOAD_FILES_PER_DAY || used_bytes + bytes > ANONYMOUS_UPLOAD_BYTES_PER_DAY {
        return Some(format!(
            "The files were not added: no more than {ANONYMOUS_UPLOAD_FILES_PER_DAY} files or {} MB can be uploaded from \
             your connection in a day. Send the form without them and email them to the council, or try again tomorrow",
            ANONYMOUS_UPLOAD_BYTES_PER_DAY / (1024 * 1024)
        ));
    }
    None
}

/// Checks the address's upload quota for `files` more files of `bytes`; when they fit, counts them.
pub fn take_upload_quota(
    conn: &mut DbConnection,
    subject: &str,
    files: i64,
    bytes: i64,
) -> QueryResult<Option<String>> {
    let (used_files, used_bytes) = rows::anonymous_uploads_since(conn, subject, now() - Duration::hours(24))?;
    if let Some(refusal) = upload_refusal(used_files, used_bytes, files, bytes) {
        return Ok(Some(refusal));
    }
    if files > 0 {
        rows::insert_anonymous_upload(conn, &new_id(), subject, files as i32, bytes, now())?;
    }
    Ok(None)
}

/// Housekeeping: rate-limit events and upload counts older than they are needed.
pub fn prune(conn: &mut DbConnection) -> QueryResult<usize> {
    let before = now() - Duration::hours(EVENTS_KEPT_HOURS);
    Ok(rows::delete_rate_events_before(conn, before)? + rows::delete_anonymous_uploads_before(conn, before)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upload_quota_counts_files_and_bytes() {
        let mb = 1024 * 1024;
        assert!(upload_refusal(0, 0, 0, 0).is_none());
        assert!(upload_refusal(29, 0, 1, 10).is_none());
        assert!(upload_refusal(29, 0, 2, 10).is_some());
        assert!(upload_refusal(0, 49 * mb, 1, mb).is_none());
        assert!(upload_refusal(0, 49 * mb, 1, mb + 1).unwrap().contains("no more than 30 files or 50 MB"));
        // Longer than any limit's window.
        assert!(
            EVENTS_KEPT_HOURS * 60 >= COMPLAINT_FORM_POSTS.window_minutes.max(COMPLAINT_SUBMISSIONS.window_minutes)
        );
    }
}
