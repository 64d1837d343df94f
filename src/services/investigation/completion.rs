//! Ending the investigation: the final report is in, and the case goes on to the
//! post-investigation decision.

use super::rules::may_complete;
use crate::db::DbConnection;
use crate::models::case::CaseStatus;
use crate::models::hearing as rows;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::{ServiceError, ServiceResult};
use chrono::NaiveDate;

/// Ends the investigation once the final report is in: the case goes to the post-investigation
/// decision.
pub fn complete(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    today: NaiveDate,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let inv = rows::investigation_for_case(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
        may_complete(user, &case, &inv, &rows::entries(conn, &inv.id)?)?;
        rows::complete_investigation(conn, &inv.id, today)?;
        cases::transition(conn, actor, &case, CaseStatus::PostInvestigation, "")?;
        audit::record(
            conn,
            actor,
            Event::new("investigation.completed", "investigation", &inv.id)
                .case(&case.id)
                .summary("Final report received: the investigation is complete"),
        )?;
        Ok(())
    })
}
