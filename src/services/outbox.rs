//! The outbox: a message is recorded in the same transaction as the change that causes it, and a
//! background worker sends it, retrying with back-off. Several instances can run the worker: a
//! message is claimed before it is sent.

use crate::db::{DbConnection, DbPool};
use crate::emails::{Email, RenderedEmail};
use crate::mail::{Mailer, OutgoingEmail};
use crate::models::outbox::{self as rows, OutboxMessage};
use crate::models::{new_id, now};
use crate::services::ServiceResult;
use chrono::Duration;
use diesel::QueryResult;

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i32 = 6;

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

/// Renders a typed email and queues it. Call inside the transaction of the change that causes it.
pub fn queue<E: Email>(
    conn: &mut DbConnection,
    case_id: Option<&str>,
    to: To,
    email: &E,
) -> ServiceResult<OutboxMessage> {
    let rendered = email.render()?;
    Ok(insert(conn, case_id, E::TEMPLATE, to, rendered)?)
}

/// Queues a message whose text an officer has already reviewed (no template rendering);
/// `template` records which letter it is.
pub fn queue_text(
    conn: &mut DbConnection,
    case_id: Option<&str>,
    template: &str,
    to: To,
    subject: &str,
    body: &str,
) -> QueryResult<OutboxMessage> {
    let rendered = RenderedEmail { subject: subject.to_string(), body_text: body.to_string(), body_html: None };
    insert(conn, case_id, template, to, rendered)
}

fn insert(
    conn: &mut DbConnection,
    case_id: Option<&str>,
    template: &str,
    to: To,
    rendered: RenderedEmail,
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

/// Sends what is due (up to `limit` messages).
pub async fn process_due(pool: &DbPool, mailer: &Mailer, from: &str, limit: i64) -> Result<Delivery, String> {
    let due = blocking(pool, move |conn| {
        rows::requeue_stuck(conn, now() - Duration::minutes(10)).map_err(|e| e.to_string())?;
        rows::list_due(conn, now(), limit).map_err(|e| e.to_string())
    })
    .await?;
    let mut delivery = Delivery::default();
    for message in due {
        let id = message.id.clone();
        let claimed = blocking(pool, move |conn| rows::claim(conn, &id, now()).map_err(|e| e.to_string())).await?;
        if !claimed {
            continue;
        }
        let email = OutgoingEmail {
            to_address: message.to_address.clone(),
            to_name: message.to_name.clone(),
            subject: message.subject.clone(),
            body_text: message.body_text.clone(),
            body_html: message.body_html.clone(),
        };
        let result = mailer.send(from, &email).await;
        let id = message.id.clone();
        let attempts = message.attempts + 1;
        match result {
            Ok(()) => {
                blocking(pool, move |conn| rows::mark_sent(conn, &id, now()).map_err(|e| e.to_string())).await?;
                delivery.sent += 1;
            }
            Err(error) => {
                tracing::warn!(message = %message.id, to = %message.to_address, %error, attempts, "mail not sent");
                let retry_at = (attempts < MAX_ATTEMPTS).then(|| now() + backoff(attempts));
                if retry_at.is_some() {
                    delivery.retrying += 1;
                } else {
                    delivery.failed += 1;
                }
                blocking(pool, move |conn| rows::mark_failed(conn, &id, &error, retry_at).map_err(|e| e.to_string()))
                    .await?;
            }
        }
    }
    Ok(delivery)
}
