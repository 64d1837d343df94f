//! The outcome of a request to review a decision: upheld (the case reopens to initial
//! assessment, audited: the only way a closed case is reopened) or not upheld (the decision
//! stands and the requester is told by email). The Monitoring Officer or a deputy decides, by the
//! review deadline (a setting, in working days from the request), which the desk and the case
//! page show.

use crate::db::DbConnection;
use crate::emails;
use crate::models::assessment as rows;
use crate::models::now;
use crate::models::setting as setting_rows;
use crate::models::user::User;
use crate::services::access::Permission;
use crate::services::assessment::rules;
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::cases;
use crate::services::notices;
use crate::services::outbox::{self, To};
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// The setting holding the review deadline, in working days from the request.
pub const REVIEW_DEADLINE_KEY: &str = "deadline.review";
/// Its default.
pub const REVIEW_DEADLINE_DEFAULT: u32 = 20;

/// The working days the Monitoring Officer has to decide a review.
pub fn review_deadline(conn: &mut DbConnection) -> QueryResult<u32> {
    Ok(setting_rows::get(conn, REVIEW_DEADLINE_KEY)?.and_then(|v| v.parse().ok()).unwrap_or(REVIEW_DEADLINE_DEFAULT))
}

/// When a review requested on `received` is due.
pub fn review_due(conn: &mut DbConnection, received: NaiveDate) -> QueryResult<NaiveDate> {
    let days = review_deadline(conn)?;
    Ok(Calendar::load(conn)?.add_working_days(received, days))
}

/// The outcome as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReviewOutcomeInput {
    pub outcome: String,
    pub reasons: String,
}

/// What deciding did, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecided {
    /// The case is back at initial assessment.
    Reopened,
    /// The decision stands; this many requesters were emailed (none: tell them by post).
    NotUpheld { emailed: usize },
}

/// Records the outcome of a review request on one of the case's decisions.
pub fn decide_review(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    review_id: &str,
    input: &ReviewOutcomeInput,
) -> ServiceResult<ReviewDecided> {
    rules::require(user, Permission::WorkCases)?;
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let review = rows::find_review(conn, review_id)?.ok_or(ServiceError::NotFound)?;
        let decision = rows::find_decision(conn, &case.id, &review.decision_id)?.ok_or(ServiceError::NotFound)?;
        rules::may_decide_review(user, &review).map_err(ServiceError::Refused)?;
        let mut e = FieldErrors::default();
        if !vocab::is_code(&vocab::REVIEW_OUTCOMES, &input.outcome) {
            e.add("outcome", "Select whether the review is upheld");
        }
        let reasons = clean(&input.reasons);
        if reasons.is_none() {
            e.add("reasons", "Give the reasons for the outcome");
        }
        e.into_result()?;
        let reasons = reasons.expect("checked");
        rows::decide_review(conn, &review.id, &input.outcome, &reasons, &user.id, now())?;
        let requester = vocab::label(&vocab::REVIEW_REQUESTERS, &review.requested_by).to_lowercase();
        if input.outcome == "upheld" {
            cases::reopen_for_review(conn, actor, &case, &format!("review requested by {requester} upheld"))?;
            audit::record(
                conn,
                actor,
                Event::new("decision.review_upheld", "decision", &decision.id)
                    .case(&case.id)
                    .summary(format!("Review upheld ({requester}): the case is reopened to initial assessment")),
            )?;
            return Ok(ReviewDecided::Reopened);
        }
        let mut emailed = 0;
        for r in notices::parties(conn, &case)?.into_iter().filter(|r| r.kind == review.requested_by) {
            let Some(address) = r.address.clone() else { continue };
            let letter = emails::ReviewNotUpheld {
                name: r.name.clone(),
                reference: case.reference.clone(),
                requested_on: emails::long_date(review.received_on),
                decision: vocab::decision_label(&decision),
                reasons: reasons.clone(),
            };
            outbox::queue(conn, Some(&case.id), To::new(&address, &r.name), &letter)?;
            emailed += 1;
        }
        audit::record(
            conn,
            actor,
            Event::new("decision.review_not_upheld", "decision", &decision.id).case(&case.id).summary(format!(
                "Review not upheld ({requester}); {}",
                if emailed == 0 {
                    "no email address: tell them by post".to_string()
                } else {
                    format!("{emailed} told by email")
                }
            )),
        )?;
        Ok(ReviewDecided::NotUpheld { emailed })
    })
}
