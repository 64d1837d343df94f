//! Finding a case's hearing for someone who may see it, and its panel by name.

use super::rules::may_view;
use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::hearing::{self as rows, Hearing};
use crate::models::user::{self as user_rows, User};
use crate::services::cases;
use crate::services::ServiceResult;
use diesel::QueryResult;
use serde::Serialize;

/// The case and its hearing for a hearing page: officers, the panel, the hearing's IP, an IP
/// consulted on the case and the investigator may see it.
pub fn find_hearing(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<(Case, Option<Hearing>)> {
    let case = cases::find_visible(conn, user, reference)?;
    let hearing = rows::hearing_for_case(conn, &case.id)?;
    let panel = match &hearing {
        Some(h) => rows::panel(conn, &h.id)?,
        None => Vec::new(),
    };
    let investigation = rows::investigation_for_case(conn, &case.id)?;
    let reports = crate::services::access::sections(conn, user, &case.id)?.reports;
    may_view(user, hearing.as_ref(), &panel, investigation.as_ref(), reports)?;
    Ok((case, hearing))
}

/// A seat on the panel.
#[derive(Debug, Clone, Serialize)]
pub struct PanelSeat {
    pub id: String,
    pub name: String,
    pub chair: bool,
}

/// The panel, the chair first.
pub fn panel_seats(conn: &mut DbConnection, hearing_id: &str) -> QueryResult<Vec<PanelSeat>> {
    let mut seats = Vec::new();
    for (id, chair) in rows::panel(conn, hearing_id)? {
        if let Some(u) = user_rows::find(conn, &id)? {
            seats.push(PanelSeat { id: u.id, name: u.name, chair });
        }
    }
    Ok(seats)
}
