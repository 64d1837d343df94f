//! Requests for a decision to be reviewed (by the complainant or the member), whatever its stage.

use crate::db::DbConnection;
use crate::models::assessment::{self as rows, ReviewRequest};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::Permission;
use crate::services::assessment::rules;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use serde::Serialize;

/// The review request as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct ReviewInput {
    pub requested_by: String,
    pub received_day: String,
    pub received_month: String,
    pub received_year: String,
    pub grounds: String,
}

/// Records that the complainant or the member asked for the decision to be reviewed.
pub fn record_review(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    decision_id: &str,
    input: &ReviewInput,
    today: NaiveDate,
) -> ServiceResult<ReviewRequest> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        rules::require(user, Permission::WorkCases)?;
        rules::may_record_review(user).map_err(ServiceError::Refused)?;
        let decision = rows::find_decision(conn, &case.id, decision_id)?.ok_or(ServiceError::NotFound)?;
        let mut e = FieldErrors::default();
        if !vocab::is_code(&vocab::REVIEW_REQUESTERS, &input.requested_by) {
            e.add("requested_by", "Select who asked for the review");
        }
        let received = match vocab::parse_date(&input.received_day, &input.received_month, &input.received_year) {
            Ok(d) if d <= today => Some(d),
            Ok(_) => {
                e.add("received", "The date must be today or in the past");
                None
            }
            Err(m) => {
                e.add("received", m);
                None
            }
        };
        if clean(&input.grounds).is_none() {
            e.add("grounds", "Enter the grounds for the review");
        }
        e.into_result()?;
        let row = ReviewRequest {
            id: new_id(),
            decision_id: decision.id.clone(),
            requested_by: input.requested_by.clone(),
            received_on: received.expect("checked"),
            grounds: input.grounds.trim().to_string(),
            outcome: None,
            recorded_by_user_id: user.id.clone(),
            recorded_at: now(),
            due_on: Some(super::review_outcome::review_due(conn, received.expect("checked"))?),
            outcome_reasons: None,
            decided_by_user_id: None,
            decided_at: None,
        };
        rows::insert_review(conn, &row)?;
        audit::record(
            conn,
            actor,
            Event::new("decision.review_requested", "decision", &decision.id)
                .case(&case.id)
                .summary(format!("Review of the decision requested by the {}", row.requested_by)),
        )?;
        Ok(row)
    })
}
