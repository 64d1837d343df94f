//! Who may do what in the initial assessment, and when. Each rule is used twice: by the action,
//! which refuses with its message, and by the views, whose `actions` flags are `rule(..).is_ok()`.
//! The role is part of each rule (so a flag is false for a role that may not act); the actions
//! check the role first and answer 403, then refuse with the rule's message.
//!
//! The rules for the initial-assessment decision and review requests live here too: the case
//! page's summary (this module) shows them, and `services::decisions` refuses with them
//! (`decisions` imports `assessment`, never the reverse).

use crate::models::assessment::{CapacityAssessment, Decision, IpConsultation, ReviewRequest};
use crate::models::case::{Case, CaseStatus};
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::{ServiceError, ServiceResult};

/// The decision stage these rules guard.
pub const INITIAL_STAGE: &str = "initial-assessment";

/// 403 unless the user's role holds the permission: the first gate of every action.
pub fn require(user: &User, permission: Permission) -> ServiceResult<()> {
    if access::can(user, permission) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Working on a case: officers, on an open case.
pub fn may_work(user: &User, case: &Case) -> Result<(), String> {
    if !access::can(user, Permission::WorkCases) {
        return Err("Only case officers and the Monitoring Officer work on cases".into());
    }
    if !case.status.is_open() {
        return Err(format!("Case {} is closed", case.reference));
    }
    Ok(())
}

/// Assessing (or reassessing) a member's capacity: officers, on an open case.
pub fn may_assess(user: &User, case: &Case) -> Result<(), String> {
    may_work(user, case)
}

/// Asking an Independent Person for their view: officers, on an open case.
pub fn may_ask_ip(user: &User, case: &Case) -> Result<(), String> {
    may_work(user, case)
}

/// Concluding an assessment: the Monitoring Officer or a deputy, on an open case, once, and only
/// the latest version of the member's assessment.
pub fn may_conclude(user: &User, case: &Case, assessment: &CapacityAssessment, latest: bool) -> Result<(), String> {
    if !access::can(user, Permission::SignOffDecisions) {
        return Err("Only the Monitoring Officer or a deputy concludes".into());
    }
    may_work(user, case)?;
    if assessment.concluded_at.is_some() {
        return Err("This assessment is already concluded: reassess to change it".into());
    }
    if !latest {
        return Err("A newer assessment of this member exists".into());
    }
    Ok(())
}

/// Whether the Article 10 stage applies to an assessment at all: after a conclusion of official
/// capacity.
pub fn article10_applies(assessment: &CapacityAssessment) -> bool {
    assessment.concluded_outcome.as_deref() == Some("OFFICIAL")
}

/// Recording the Article 10 stage: officers, on an open case, after a conclusion of official
/// capacity, once per assessment.
pub fn may_record_article10(
    user: &User,
    case: &Case,
    assessment: &CapacityAssessment,
    recorded: bool,
) -> Result<(), String> {
    may_work(user, case)?;
    if !article10_applies(assessment) {
        return Err("The Article 10 stage follows a conclusion of official capacity".into());
    }
    if recorded {
        return Err("The Article 10 stage is already recorded for this assessment".into());
    }
    Ok(())
}

/// Recording a view: only the Independent Person asked, once.
pub fn may_record_view(user: &User, consultation: &IpConsultation) -> Result<(), String> {
    if consultation.ip_user_id != user.id {
        return Err("Only the Independent Person asked may record their view".into());
    }
    if consultation.view_recorded_at.is_some() {
        return Err("Your view has already been recorded".into());
    }
    Ok(())
}

/// Recording the initial-assessment decision: the Monitoring Officer or a deputy, on an open case
/// still at the initial assessment (received, acknowledged or being assessed), not yet decided.
/// (That every member's capacity is concluded is checked when the decision is made, with the
/// names of those still to conclude.)
pub fn may_decide(user: &User, case: &Case, decisions: &[Decision]) -> Result<(), String> {
    if !access::can(user, Permission::SignOffDecisions) {
        return Err("Only the Monitoring Officer or a deputy records the decision".into());
    }
    may_work(user, case)?;
    let at_initial_stage =
        matches!(case.status, CaseStatus::Received | CaseStatus::Acknowledged | CaseStatus::InitialAssessment);
    if !at_initial_stage || decisions.iter().any(|d| d.stage == INITIAL_STAGE) {
        return Err(format!(
            "The initial assessment has been decided: the case is at {}",
            case.status.label().to_lowercase()
        ));
    }
    Ok(())
}

/// Recording that someone asked for a decision to be reviewed: officers.
pub fn may_record_review(user: &User) -> Result<(), String> {
    if !access::can(user, Permission::WorkCases) {
        return Err("Only case officers and the Monitoring Officer record review requests".into());
    }
    Ok(())
}

/// Deciding a review request: the Monitoring Officer or a deputy, once.
pub fn may_decide_review(user: &User, review: &ReviewRequest) -> Result<(), String> {
    if !access::can(user, Permission::SignOffDecisions) {
        return Err("Only the Monitoring Officer or a deputy decides a review".into());
    }
    if review.outcome.is_some() {
        return Err("This review has been decided".into());
    }
    Ok(())
}

/// Sending a decision's drafted notices: officers, while any is still a draft.
pub fn may_send_notices(user: &User, drafts: usize) -> Result<(), String> {
    if !access::can(user, Permission::WorkCases) {
        return Err("Only case officers and the Monitoring Officer send decision notices".into());
    }
    if drafts == 0 {
        return Err("These notices have been sent".into());
    }
    Ok(())
}
