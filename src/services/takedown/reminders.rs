//! Overdue requests: a reminder to the assigned officer (or the Monitoring Officers) once a
//! request passes its due date, and the dashboard's list.

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
