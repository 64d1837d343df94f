//! Appointing the investigator, with terms of reference and a target date.

use super::forms::date_field;
use super::rules::may_appoint;
use crate::db::DbConnection;
use crate::emails;
use crate::models::hearing::{self as rows, Investigation};
use crate::models::user::{self as user_rows, Role, User};
use crate::models::{new_id, now};
use crate::services::access;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::outbox::{self, To};
use crate::services::{clean, FieldErrors, ServiceResult};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AppointInput {
    /// A user id of an investigator, or "external".
    pub investigator: String,
    pub external_name: String,
    pub terms_of_reference: String,
    pub target_day: String,
    pub target_month: String,
    pub target_year: String,
}

/// Appoints the investigator. An investigator with an account then sees this case, and only it.
pub fn appoint(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &AppointInput,
    today: NaiveDate,
) -> ServiceResult<Investigation> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        may_appoint(user, &case, rows::investigation_for_case(conn, &case.id)?.as_ref())?;
        let mut e = FieldErrors::default();
        crate::services::text::check_one_line(&mut e, "external_name", &input.external_name, "the name");
        let mut investigator = None;
        let mut external = None;
        if input.investigator == "external" {
            external = clean(&input.external_name);
            if external.is_none() {
                e.add("external_name", "Enter the name of the external investigator");
            }
        } else {
            investigator = user_rows::find(conn, &input.investigator)?
                .filter(|u| u.active && u.role() == Some(Role::Investigator));
            if investigator.is_none() {
                e.add("investigator", "Select the investigator");
            }
        }
        let terms = clean(&input.terms_of_reference);
        if terms.is_none() {
            e.add("terms_of_reference", "Enter the terms of reference");
        }
        let target = date_field(&mut e, "target", &input.target_day, &input.target_month, &input.target_year);
        if target.is_some_and(|t| t <= today) {
            e.add("target", "The target date must be in the future");
        }
        e.into_result()?;
        let row = Investigation {
            id: new_id(),
            case_id: case.id.clone(),
            investigator_user_id: investigator.as_ref().map(|u| u.id.clone()),
            external_investigator: external.clone(),
            terms_of_reference: terms.expect("checked"),
            target_on: target.expect("checked"),
            appointed_by_user_id: user.id.clone(),
            appointed_at: now(),
            completed_on: None,
        };
        rows::insert_investigation(conn, &row)?;
        let name = match &investigator {
            Some(inv) => {
                access::grant(conn, &case.id, &inv.id, access::Part::Investigator, &user.id)?;
                // The email carries what the investigator may read (`access::Sections`).
                let sees = access::Sections::of_part(access::Part::Investigator);
                let withheld = crate::services::notices::withheld_from_viewer(conn, &case.id, &sees)?;
                let letter = emails::InvestigatorAppointed {
                    name: inv.name.clone(),
                    reference: case.reference.clone(),
                    terms: crate::services::notices::anonymise(&row.terms_of_reference, &withheld),
                    target_on: emails::long_date(row.target_on),
                };
                outbox::queue(conn, Some(&case.id), To::new(&inv.email, &inv.name), &letter)?;
                inv.name.clone()
            }
            None => format!("{} (external)", external.unwrap_or_default()),
        };
        audit::record(
            conn,
            actor,
            Event::new("investigation.appointed", "investigation", &row.id)
                .case(&case.id)
                .summary(format!("Investigator appointed: {name}; target {}", row.target_on.format("%-d %B %Y"))),
        )?;
        Ok(row)
    })
}
