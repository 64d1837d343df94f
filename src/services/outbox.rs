//! The outbox: a message is recorded in the same transaction as the change that causes it, and a
//! background worker sends it, retrying with back-off. Several instances can run the worker: a
//! message is claimed before it is sent.

use crate::db::{DbConnection, DbPool};
use crate::emails::{Email, RenderedEmail};
use crate::mail::{Mailer, OutgoingEmail};
use crate::models::case as case_rows;
use crate::models::outbox::{self as rows, OutboxMessage};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::settings::may_administer;
use crate::services::{letter_templates, letters};
use crate::services::{ServiceError, ServiceResult};
use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;
use serde::Serialize;
use std::collections::HashMap;

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i32 = 6;

/// A message left `sending` this long (its worker stopped mid-send) is queued again.
pub const STUCK_MINUTES: i64 = 10;

/// Who a message goes to.
#[derive(Debug, Clone, Copy)]
pub struct To<'a> {
    pub address: &'a str,
    pub name: Option<&'a str>,
}

impl<'a> To<'a> {
    pub fn new(address: &'a str, name: &'a str) -> Self {
        Self { address, name: Some(name) }
    }
}

/// Renders a typed email (with the case's letterhead: links under `BASE_URL`, the council's
/// reply address) and queues it. Call inside the transaction of the change that causes it.
///
/// A letter the council has its own version of is written from that version, and the message
/// records which; should that version fail with this letter's values, the shipped letter goes
/// instead (and the message records none). Letters a council may edit keep the values they
/// were written with, so an edit can be previewed with a real case.
pub fn queue<E: Email>(
    conn: &mut DbConnection,
    case_id: Option<&str>,
    to: To,
    email: &E,
) -> ServiceResult<OutboxMessage> {
    let head = letters::letterhead(conn, case_id)?;
    if !letter_templates::is_editable(E::TEMPLATE) {
        let rendered = email.render(&head)?;
        return Ok(insert(conn, case_id, E::TEMPLATE, to, rendered, None, None)?);
    }
    let values = serde_json::to_value(email)
        .map_err(|e| ServiceError::template(E::TEMPLATE, tera::Error::message(e.to_string())))?;
    let own = match &head.authority_id {
        Some(a) => letter_templates::in_use(conn, a, E::TEMPLATE)?,
        None => None,
    };
    let mut written = None;
    if let Some(own) = own {
        let context = letter_templates::context(&values, &head).map_err(|e| ServiceError::template(E::TEMPLATE, e))?;
        match letter_templates::render(&own.subject, &own.body, &context, &head) {
            Ok(r) => written = Some((r, own.id)),
            Err(why) => tracing::warn!(
                template = E::TEMPLATE,
                version = own.version,
                "the council's letter did not render ({why}); the shipped letter is sent"
            ),
        }
    }
    let (rendered, version) = match written {
        Some((r, id)) => (r, Some(id)),
        None => (email.render(&head)?, None),
    };
    Ok(insert(conn, case_id, E::TEMPLATE, to, rendered, version, Some(values.to_string()))?)
}

/// Queues a message whose text an officer has already reviewed (no template rendering; its HTML
/// alternative is the text in the email layout); `template` records which letter it is.
pub fn queue_text(
    conn: &mut DbConnection,
    case_id: Option<&str>,
    template: &str,
    to: To,
    subject: &str,
    body: &str,
) -> ServiceResult<OutboxMessage> {
    let head = letters::letterhead(conn, case_id)?;
    let body_html = crate::emails::html_body(subject, body, &head).map_err(|e| ServiceError::template(template, e))?;
    let rendered =
        RenderedEmail { subject: subject.to_string(), body_text: body.to_string(), body_html: Some(body_html) };
    Ok(insert(conn, case_id, template, to, rendered, None, None)?)
}

/// Attaches a file to a queued message (in the caller's transaction, with the message).
pub fn attach(
    conn: &mut DbConnection,
    message: &OutboxMessage,
    filename: &str,
    media_type: &str,
    content: Vec<u8>,
) -> QueryResult<()> {
    rows::insert_attachment(
        conn,
        &rows::OutboxAttachment {
            id: new_id(),
            outbox_id: message.id.clone(),
            filename: filename.to_string(),
            media_type: media_type.to_string(),
            content,
            created_at: now(),
        },
    )
}

fn insert(
    conn: &mut DbConnection,
    case_id: Option<&str>,
    template: &str,
    to: To,
    rendered: RenderedEmail,
    letter_template_id: Option<String>,
    context_json: Option<String>,
) -> QueryResult<OutboxMessage> {
    let t = now();
    let message = OutboxMessage {
        id: new_id(),
        case_id: case_id.map(str::to_string),
        template: template.to_string(),
        to_address: to.address.to_string(),
        to_name: to.name.map(str::to_string),
        subject: rendered.subject,
        body_text: rendered.body_text,
        body_html: rendered.body_html,
        status: rows::QUEUED.into(),
        attempts: 0,
        next_attempt_at: t,
        last_error: None,
        created_at: t,
        sent_at: None,
        letter_template_id,
        context_json,
    };
    rows::insert(conn, &message)?;
    Ok(message)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

fn backoff(attempts: i32) -> Duration {
    Duration::minutes(1i64 << attempts.clamp(0, 10))
}

async fn blocking<T: Send + 'static>(
    pool: &DbPool,
    f: impl FnOnce(&mut DbConnection) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        f(&mut conn)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Sends what is due (up to `limit` messages). One bad message never stops the others: a failure
/// to build or send it (a panic included, caught in `Mailer::send`) marks that message for a
/// retry, or failed at once when retrying cannot help, and the loop goes on with the next.
///
/// Each attempt is recorded before the send: `claim_due` (status `sending`, attempts + 1) is
/// committed on its own before the messages leave; with several instances each message is claimed
/// by one of them (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so it is sent once. A crash after the server accepted a message but before
/// `mark_sent` leaves it `sending`; `requeue_stuck` sends it once more after ten minutes, with the
/// same Message-ID (made from the row's id), so receiving systems can recognise the duplicate.
/// Delivery is at least once, never lost.
pub async fn process_due(pool: &DbPool, mailer: &Mailer, from: &str, limit: i64) -> Result<Delivery, String> {
    blocking(pool, move |conn| {
        crate::db::write(conn, |conn| rows::requeue_stuck(conn, now() - Duration::minutes(STUCK_MINUTES)))
            .map(|_| ())
            .map_err(|e: diesel::result::Error| e.to_string())
    })
    .await?;
    let mut delivery = Delivery::default();
    let mut taken = 0;
    // A few at a time: what this worker has claimed and not yet sent is never more than a batch
    // (another instance takes the rest), and a process told to stop claims no more.
    while taken < limit && !crate::ops::stopping() {
        let batch = CLAIM_BATCH.min(limit - taken);
        let claimed = blocking(pool, move |conn| {
            // One write transaction for the batch: on SQLite it queues with the other writers
            // of the process (`db::write`) instead of polling for the lock per message.
            crate::db::write(conn, |conn| rows::claim_due(conn, now(), batch)).map_err(|e| e.to_string())
        })
        .await?;
        if claimed.is_empty() {
            break;
        }
        taken += claimed.len() as i64;
        for message in claimed {
            send_claimed(pool, mailer, from, message, &mut delivery).await?;
        }
    }
    Ok(delivery)
}

/// How many messages a worker claims at once.
const CLAIM_BATCH: i64 = 10;

async fn send_claimed(
    pool: &DbPool,
    mailer: &Mailer,
    from: &str,
    message: OutboxMessage,
    delivery: &mut Delivery,
) -> Result<(), String> {
    let mut email = OutgoingEmail {
        id: message.id.clone(),
        to_address: message.to_address.clone(),
        to_name: message.to_name.clone(),
        subject: message.subject.clone(),
        body_text: message.body_text.clone(),
        body_html: message.body_html.clone(),
        attachments: Vec::new(),
    };
    let outbox_id = message.id.clone();
    email.attachments = blocking(pool, move |conn| rows::attachments(conn, &outbox_id).map_err(|e| e.to_string()))
        .await?
        .into_iter()
        .map(|a| crate::mail::MailAttachment { filename: a.filename, media_type: a.media_type, content: a.content })
        .collect();
    let result = mailer.send(from, &email).await;
    let id = message.id.clone();
    // The claim counted this attempt.
    let attempts = message.attempts;
    match result {
        Ok(()) => {
            blocking(pool, move |conn| {
                crate::db::write(conn, |conn| rows::mark_sent(conn, &id, now())).map_err(|e| e.to_string())
            })
            .await?;
            delivery.sent += 1;
            crate::ops::record_mail(1, 0);
        }
        Err(error) => {
            tracing::warn!(
                message = %message.id, to = ?message.to_address, %error, attempts,
                permanent = error.permanent, "mail not sent"
            );
            crate::ops::record_mail(0, 1);
            let retry_at = (!error.permanent && attempts < MAX_ATTEMPTS).then(|| now() + backoff(attempts));
            if retry_at.is_some() {
                delivery.retrying += 1;
            } else {
                delivery.failed += 1;
            }
            let reason = error.reason;
            blocking(pool, move |conn| {
                crate::db::write(conn, |conn| rows::mark_failed(conn, &id, &reason, retry_at))
                    .map_err(|e| e.to_string())
            })
            .await?;
        }
    }
    Ok(())
}

/// How many messages the admin page lists in each table.
pub const ADMIN_LIST_LIMIT: i64 = 200;

/// A status as the pages say it.
pub fn status_label(status: &str, attempts: i32) -> &'static str {
    match status {
        rows::SENT => "Sent",
        rows::FAILED => "Failed",
        rows::SENDING => "Sending",
        _ if attempts > 0 => "Retrying",
        _ => "Waiting to send",
    }
}

/// The admin page of outgoing mail: counts by status, what failed and what is waiting.
#[derive(Debug, Clone, Serialize)]
pub struct MailPage {
    pub counts: Vec<StatusCount>,
    pub failed: Vec<MailRow>,
    pub waiting: Vec<MailRow>,
    pub list_limit: i64,
    pub max_attempts: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub label: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MailRow {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub case_reference: Option<String>,
    pub status_label: &'static str,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub can_send_again: bool,
}

/// The outgoing mail page (administrators only).
pub fn admin_page(conn: &mut DbConnection, admin: &User) -> ServiceResult<MailPage> {
    may_administer(admin)?;
    let retrying = rows::count_retrying(conn)?;
    let queued = rows::count_with_status(conn, rows::QUEUED)?;
    let counts = vec![
        StatusCount { label: "Waiting to send", count: queued - retrying },
        StatusCount { label: "Retrying", count: retrying },
        StatusCount { label: "Sending", count: rows::count_with_status(conn, rows::SENDING)? },
        StatusCount { label: "Sent", count: rows::count_with_status(conn, rows::SENT)? },
        StatusCount { label: "Failed", count: rows::count_with_status(conn, rows::FAILED)? },
    ];
    // An administrator who does not work cases must not learn who a confidential complainant is
    // from the queue: their address, their name in a subject, or an SMTP error quoting either.
    let sees_identities = crate::services::access::may_see_confidential_identity(admin);
    type Withheld = Vec<(String, &'static str)>;
    let mut cases: HashMap<String, (Option<String>, Withheld)> = HashMap::new();
    let mut view = |conn: &mut DbConnection, m: OutboxMessage| -> QueryResult<MailRow> {
        let (case_reference, withheld) = match &m.case_id {
            Some(id) => match cases.get(id) {
                Some(r) => r.clone(),
                None => {
                    let r = case_rows::find(conn, id)?.map(|c| c.reference);
                    let withheld = if sees_identities {
                        Vec::new()
                    } else {
                        let confidential: Vec<_> = crate::models::complaint::list_for_case(conn, id)?
                            .into_iter()
                            .filter(|(c, _)| c.confidentiality_requested)
                            .collect();
                        crate::services::notices::redactions(&confidential)
                    };
                    cases.insert(id.clone(), (r.clone(), withheld.clone()));
                    (r, withheld)
                }
            },
            None => (None, Vec::new()),
        };
        let to_withheld = withheld.iter().any(|(w, _)| w.eq_ignore_ascii_case(m.to_address.trim()))
            || m.to_name.as_deref().is_some_and(|n| withheld.iter().any(|(w, _)| w.trim() == n.trim()));
        let anonymise = |t: String| {
            if withheld.is_empty() {
                t
            } else {
                crate::services::notices::anonymise(&t, &withheld)
            }
        };
        let m = OutboxMessage {
            to_address: if to_withheld { "Complainant (withheld)".into() } else { m.to_address },
            subject: anonymise(m.subject),
            last_error: m.last_error.map(anonymise),
            ..m
        };
        let failed = m.status == rows::FAILED;
        Ok(MailRow {
            status_label: status_label(&m.status, m.attempts),
            next_attempt_at: (m.status == rows::QUEUED).then_some(m.next_attempt_at),
            can_send_again: failed,
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            case_reference,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
        })
    };
    let mut failed = Vec::new();
    for m in rows::list_with_status(conn, &[rows::FAILED], ADMIN_LIST_LIMIT)? {
        failed.push(view(conn, m)?);
    }
    let mut waiting = Vec::new();
    for m in rows::list_with_status(conn, &[rows::QUEUED, rows::SENDING], ADMIN_LIST_LIMIT)? {
        waiting.push(view(conn, m)?);
    }
    Ok(MailPage { counts, failed, waiting, list_limit: ADMIN_LIST_LIMIT, max_attempts: MAX_ATTEMPTS })
}

/// "Send again": a failed message goes back in the queue with its attempts reset (the worker
/// sends it on its next round), with an audit entry. Refused if it is not failed.
pub fn send_again(conn: &mut DbConnection, actor: &Actor, admin: &User, id: &str) -> ServiceResult<OutboxMessage> {
    may_administer(admin)?;
    crate::db::write(conn, |conn| {
        let message = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        if !rows::requeue_failed(conn, &message.id, now())? {
            return Err(ServiceError::refused("This email has not failed, so it is not sent again"));
        }
        let mut event = Event::new("mail.requeued", "outbox", &message.id)
            .summary(format!("Failed email \"{}\" queued to be sent again", message.subject))
            .details(serde_json::json!({ "attempts_before": message.attempts, "last_error": message.last_error }));
        if let Some(case_id) = &message.case_id {
            event = event.case(case_id);
        }
        audit::record(conn, actor, event)?;
        Ok(message)
    })
}
