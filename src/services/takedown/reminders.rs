//! Overdue requests: a reminder to the assigned officer (or the Monitoring Officers) once a
//! request passes its due date, and the dashboard's list. Re-checks of removed posts: a reminder
//! to the same people once each re-check falls due.

use crate::db::DbConnection;
use crate::emails;
use crate::models::case as case_rows;
use crate::models::now;
use crate::models::takedown as rows;
use crate::models::user::User;
use crate::services::access;
use crate::services::audit::{self, Actor, Event};
use crate::services::outbox::{self, To};
use crate::services::ServiceResult;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

/// Queues one reminder per request that has passed its due date (run by the background worker;
/// the claim makes it once, however often it runs).
pub fn queue_overdue_reminders(conn: &mut DbConnection, today: NaiveDate) -> ServiceResult<usize> {
    crate::db::write(conn, |conn| {
        let claimed = rows::claim_overdue(conn, today, now())?;
        let actor = Actor::system("takedown reminders");
        for r in &claimed {
            let case = case_rows::find(conn, &r.case_id)?.ok_or(diesel::result::Error::NotFound)?;
            let to = match &case.assigned_user_id {
                Some(id) => crate::models::user::find(conn, id)?,
                None => None,
            };
            let recipients: Vec<User> = match to {
                Some(u) => vec![u],
                None => crate::models::user::list_for_role(conn, crate::models::user::Role::MonitoringOfficer)?,
            };
            for u in recipients {
                let letter = emails::TakedownReminder {
                    name: u.name.clone(),
                    reference: case.reference.clone(),
                    number: r.number,
                    addressee: r.addressee_name.clone(),
                    due_on: emails::long_date(r.due_on),
                };
                outbox::queue(conn, Some(&case.id), To::new(&u.email, &u.name), &letter)?;
            }
            audit::record(
                conn,
                &actor,
                Event::new("takedown.reminder_queued", "takedown_request", &r.id)
                    .case(&case.id)
                    .summary(format!("Takedown T{} is overdue: reminder sent", r.number)),
            )?;
        }
        Ok(claimed.len())
    })
}

/// Whom a reminder about a case goes to: the officer assigned to it, else every Monitoring Officer.
fn reminder_recipients(conn: &mut DbConnection, case: &case_rows::Case) -> QueryResult<Vec<User>> {
    let assigned = match &case.assigned_user_id {
        Some(id) => crate::models::user::find(conn, id)?.filter(|u| u.active),
        None => None,
    };
    match assigned {
        Some(u) => Ok(vec![u]),
        None => Ok(crate::models::user::list_for_role(conn, crate::models::user::Role::MonitoringOfficer)?
            .into_iter()
            .filter(|u| u.active)
            .collect()),
    }
}

/// Queues one reminder per re-check of removed posts that has fallen due by `today` (run by the
/// background worker): each re-check is claimed in the same transaction as its emails and audit
/// entry, so it is reminded of once, however often and on however many instances the worker runs.
pub fn queue_recheck_reminders(conn: &mut DbConnection, today: NaiveDate) -> ServiceResult<usize> {
    crate::db::write(conn, |conn| {
        let claimed = rows::claim_rechecks_due(conn, today, now())?;
        let actor = Actor::system("takedown reminders");
        for (check, r) in &claimed {
            let case = case_rows::find(conn, &r.case_id)?.ok_or(diesel::result::Error::NotFound)?;
            for u in reminder_recipients(conn, &case)? {
                let letter = emails::RecheckReminder {
                    name: u.name.clone(),
                    reference: case.reference.clone(),
                    number: r.number,
                    addressee: r.addressee_name.clone(),
                    due_on: emails::long_date(check.due_on),
                };
                outbox::queue(conn, Some(&case.id), To::new(&u.email, &u.name), &letter)?;
            }
            audit::record(
                conn,
                &actor,
                Event::new("takedown.recheck_reminder_queued", "takedown_request", &r.id)
                    .case(&case.id)
                    .summary(format!("A re-check of takedown T{} fell due: reminder sent", r.number)),
            )?;
        }
        Ok(claimed.len())
    })
}

/// An open request past its due date, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueTakedown {
    /// The case's reference.
    pub reference: String,
    pub number: i32,
    pub addressee: String,
    pub due_on: NaiveDate,
}

/// Open requests past their due date, for the dashboard (cases the user may see), the longest
/// overdue first.
pub fn overdue_for(conn: &mut DbConnection, user: &User, today: NaiveDate) -> QueryResult<Vec<OverdueTakedown>> {
    let mut out = Vec::new();
    for r in rows::list_overdue(conn, today, 100)? {
        if !access::can_view_case(conn, user, &r.case_id)? {
            continue;
        }
        if let Some(case) = case_rows::find(conn, &r.case_id)? {
            out.push(OverdueTakedown {
                reference: case.reference,
                number: r.number,
                addressee: r.addressee_name,
                due_on: r.due_on,
            });
        }
    }
    Ok(out)
}
