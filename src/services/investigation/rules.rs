//! Who may do what in an investigation and its decision. Each rule refuses with the reason the
//! action gives; the page's flags ask the same rules without acting.

use crate::db::DbConnection;
use crate::models::assessment as assessment_rows;
use crate::models::case::{Case, CaseStatus};
use crate::models::hearing::{Investigation, InvestigationEntry};
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::{ServiceError, ServiceResult};
use diesel::QueryResult;

/// The stage name of the post-investigation decision (decisions, IP consultations).
pub const STAGE: &str = "post-investigation";

/// Officers work open cases: anyone else is forbidden, and a closed case refuses.
pub use crate::services::cases::rules::may_work;

/// Whether the user is the investigator appointed (an account, not an external investigator).
pub fn is_investigator(user: &User, investigation: &Investigation) -> bool {
    investigation.investigator_user_id.as_deref() == Some(user.id.as_str())
}

/// The investigation file is for officers and the case's investigator; anyone else who may see
/// the case (an Independent Person, a panel member) is told it does not exist.
pub fn may_view(user: &User, investigation: Option<&Investigation>) -> ServiceResult<()> {
    if access::can(user, Permission::WorkCases) || investigation.is_some_and(|i| is_investigator(user, i)) {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

/// An investigator is appointed once, by an officer, while the case is under investigation.
pub fn may_appoint(user: &User, case: &Case, existing: Option<&Investigation>) -> ServiceResult<()> {
    may_work(user, case)?;
    if case.status != CaseStatus::Investigation {
        return Err(ServiceError::Refused("An investigator is appointed once the case is under investigation".into()));
    }
    if existing.is_some() {
        return Err(ServiceError::Refused("An investigator has already been appointed".into()));
    }
    Ok(())
}

/// Officers and the investigator add notes and reports while the investigation runs.
pub fn may_add_entry(user: &User, case: &Case, investigation: &Investigation) -> ServiceResult<()> {
    if !(access::can(user, Permission::WorkCases) || is_investigator(user, investigation)) {
        return Err(ServiceError::Forbidden);
    }
    if case.status != CaseStatus::Investigation {
        return Err(ServiceError::Refused("The investigation is finished: the case has moved on".into()));
    }
    Ok(())
}

pub fn has_final_report(entries: &[InvestigationEntry]) -> bool {
    entries.iter().any(|e| e.kind == "final-report")
}

/// The investigation ends, by whoever may add to it, once the final report is in.
pub fn may_complete(
    user: &User,
    case: &Case,
    investigation: &Investigation,
    entries: &[InvestigationEntry],
) -> ServiceResult<()> {
    may_add_entry(user, case, investigation)?;
    if !has_final_report(entries) {
        return Err(ServiceError::Refused("Upload the final report before ending the investigation".into()));
    }
    Ok(())
}

/// The case waits for the post-investigation decision.
pub fn awaits_decision(case: &Case) -> bool {
    case.status == CaseStatus::PostInvestigation
}

/// The Monitoring Officer or deputy decides, once the investigation is complete and an
/// Independent Person's view on it has been sought and recorded (Localism Act 2011 s.28(7)).
pub fn may_decide(user: &User, case: &Case, ip_view_recorded: bool) -> ServiceResult<()> {
    if !access::can(user, Permission::SignOffDecisions) {
        return Err(ServiceError::Forbidden);
    }
    may_work(user, case)?;
    if !awaits_decision(case) {
        return Err(ServiceError::Refused(
            "The post-investigation decision is made once the investigation is complete".into(),
        ));
    }
    if !ip_view_recorded {
        return Err(ServiceError::Refused(
            "Seek and record an Independent Person's view on the investigated allegations first (Localism Act 2011, section 28(7))".into(),
        ));
    }
    Ok(())
}

/// Whether an Independent Person's view has been sought and recorded for a stage.
pub fn ip_view_recorded(conn: &mut DbConnection, case_id: &str, stage: &str) -> QueryResult<bool> {
    Ok(assessment_rows::consultations_for_case(conn, case_id)?
        .iter()
        .any(|c| c.stage == stage && c.view_recorded_at.is_some()))
}

/// Whether an Independent Person's view has been asked for at a stage (recorded or not).
pub fn ip_view_requested(conn: &mut DbConnection, case_id: &str, stage: &str) -> QueryResult<bool> {
    Ok(assessment_rows::consultations_for_case(conn, case_id)?.iter().any(|c| c.stage == stage))
}
