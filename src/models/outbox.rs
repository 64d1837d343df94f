use crate::db::schema::{outbox, outbox_attachments};
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

pub const QUEUED: &str = "queued";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, Serialize)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    pub id: String,
    pub case_id: Option<String>,
    pub template: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// The council's version of the letter it was written from; None for the shipped letter.
    pub letter_template_id: Option<String>,
    /// The values it was written with (letters a council may edit only), as JSON.
    #[serde(skip)]
    pub context_json: Option<String>,
}

/// A file sent with a message (a decision notice's PDF).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_attachments)]
pub struct OutboxAttachment {
    pub id: String,
    pub outbox_id: String,
    pub filename: String,
    pub media_type: String,
    pub content: Vec<u8>,
    pub created_at: NaiveDateTime,
}

pub fn insert_attachment(conn: &mut DbConnection, a: &OutboxAttachment) -> QueryResult<()> {
    diesel::insert_into(outbox_attachments::table).values(a).execute(conn).map(|_| ())
}

pub fn attachments(conn: &mut DbConnection, outbox_id: &str) -> QueryResult<Vec<OutboxAttachment>> {
    outbox_attachments::table
        .filter(outbox_attachments::outbox_id.eq(outbox_id))
        .order(outbox_attachments::created_at.asc())
        .select(OutboxAttachment::as_select())
        .load(conn)
}

/// Deletes the files sent with a case's messages (destruction under the retention schedule).
pub fn delete_attachments_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<usize> {
    let ids = outbox::table.filter(outbox::case_id.eq(case_id)).select(outbox::id);
    diesel::delete(outbox_attachments::table.filter(outbox_attachments::outbox_id.eq_any(ids))).execute(conn)
}

pub fn insert(conn: &mut DbConnection, m: &OutboxMessage) -> QueryResult<()> {
    diesel::insert_into(outbox::table).values(m).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxMessage>> {
    outbox::table.find(id).select(OutboxMessage::as_select()).first(conn).optional()
}

pub fn list_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table
        .filter(outbox::case_id.eq(case_id))
        .order(outbox::created_at.asc())
        .select(OutboxMessage::as_select())
        .load(conn)
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table.order(outbox::created_at.asc()).select(OutboxMessage::as_select()).load(conn)
}

pub fn list_due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table
        .filter(outbox::status.eq(QUEUED))
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Claims up to `limit` due messages for this worker (status `sending`, attempts + 1) and returns
/// them as claimed. On PostgreSQL one statement picks the rows with `FOR UPDATE SKIP LOCKED`, so
/// workers of several instances claim disjoint sets without waiting for each other; on SQLite
/// (one instance) each due row is claimed by a conditional update. A message is claimed by one
/// worker only either way.
pub fn claim_due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxMessage>> {
    use diesel::sql_types::{BigInt, Timestamp};
    if let DbConnection::Postgresql(pg) = conn {
        return diesel::sql_query(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = $1 \
             WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
                          ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING *",
        )
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<OutboxMessage>(pg);
    }
    let mut claimed = Vec::new();
    for m in list_due(conn, now, limit)? {
        if claim(conn, &m.id, now)? {
            claimed.push(OutboxMessage { status: SENDING.into(), attempts: m.attempts + 1, next_attempt_at: now, ..m });
        }
    }
    Ok(claimed)
}

/// Claims a queued message for sending; false if another worker got there first.
pub fn claim(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq(QUEUED)))
        .set((outbox::status.eq(SENDING), outbox::attempts.eq(outbox::attempts + 1), outbox::next_attempt_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn mark_sent(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id))
        .set((outbox::status.eq(SENT), outbox::sent_at.eq(Some(at)), outbox::last_error.eq(None::<String>)))
        .execute(conn)
}

pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let row = outbox::table.find(id);
    match retry_at {
        Some(at) => diesel::update(row)
            .set((outbox::status.eq(QUEUED), outbox::last_error.eq(Some(error)), outbox::next_attempt_at.eq(at)))
            .execute(conn),
        None => diesel::update(row).set((outbox::status.eq(FAILED), outbox::last_error.eq(Some(error)))).execute(conn),
    }
}

/// Messages left in `sending` by a worker that stopped mid-send go back to the queue.
pub fn requeue_stuck(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::status.eq(SENDING)).filter(outbox::next_attempt_at.lt(before)))
        .set(outbox::status.eq(QUEUED))
        .execute(conn)
}

/// How many messages are in `status`.
pub fn count_with_status(conn: &mut DbConnection, status: &str) -> QueryResult<i64> {
    outbox::table.filter(outbox::status.eq(status)).count().get_result(conn)
}

/// Messages in any of `statuses`, oldest first (at most `limit`).
pub fn list_with_status(conn: &mut DbConnection, statuses: &[&str], limit: i64) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table
        .filter(outbox::status.eq_any(statuses))
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .limit(limit)
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Puts a failed message back in the queue with its attempts reset; false if it was not failed.
pub fn requeue_failed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq(FAILED)))
        .set((
            outbox::status.eq(QUEUED),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Queued messages that have been tried before (waiting for their next attempt).
pub fn count_retrying(conn: &mut DbConnection) -> QueryResult<i64> {
    outbox::table.filter(outbox::status.eq(QUEUED)).filter(outbox::attempts.gt(0)).count().get_result(conn)
}
