//! The post-investigation decision, by the Monitoring Officer or deputy, with the Independent
//! Person's view (Localism Act 2011 s.28(7)): no breach (closed), informal resolution, or a
//! hearing. Its notices are drafted here and sent from the decision's notices page.

use super::rules::{ip_view_recorded, may_decide, STAGE};
use crate::db::DbConnection;
use crate::models::assessment::{self as assessment_rows, Decision};
use crate::models::case::CaseStatus;
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::notices;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PostDecisionInput {
    pub outcome: String,
    pub reasons: String,
}

/// Where each outcome takes the case, and the closure reason when it closes.
fn next_status(outcome: &str) -> (CaseStatus, &'static str) {
    match outcome {
        "no-breach" => (CaseStatus::Closed, "No breach found after investigation"),
        "informal-resolution" => (CaseStatus::InformalResolution, ""),
        _ => (CaseStatus::Hearing, ""),
    }
}

/// The decision on the investigated allegations, by the Monitoring Officer or deputy: refused
/// until an Independent Person's view has been sought and recorded for this stage.
pub fn decide_after_investigation(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &PostDecisionInput,
) -> ServiceResult<Decision> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        may_decide(user, &case, ip_view_recorded(conn, &case.id, STAGE)?)?;
        let mut e = FieldErrors::default();
        if !vocab::is_code(&vocab::POST_INVESTIGATION_OUTCOMES, &input.outcome) {
            e.add("outcome", "Select the decision");
        }
        if clean(&input.reasons).is_none() {
            e.add("reasons", "Give the reasons for the decision, including the Independent Person's view");
        }
        e.into_result()?;
        let decision = Decision {
            id: new_id(),
            case_id: case.id.clone(),
            stage: STAGE.into(),
            outcome: input.outcome.clone(),
            reason_category: None,
            reasons: input.reasons.trim().to_string(),
            decided_by_user_id: user.id.clone(),
            decided_at: now(),
        };
        assessment_rows::insert_decision(conn, &decision)?;
        let (to, why) = next_status(&decision.outcome);
        cases::transition(conn, actor, &case, to, why)?;
        let label = vocab::label(&vocab::POST_INVESTIGATION_OUTCOMES, &decision.outcome);
        let recipients = notices::parties_and_participants(conn, &case)?;
        notices::draft_decision(conn, &case, &decision, recipients, STAGE, label)?;
        audit::record(
            conn,
            actor,
            Event::new("decision.made", "decision", &decision.id)
                .case(&case.id)
                .summary(format!("Post-investigation decision by {}: {label}", user.name)),
        )?;
        Ok(decision)
    })
}
