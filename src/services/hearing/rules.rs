//! Who may do what at the hearing stage. Each rule refuses with the reason the action gives;
//! the page's flags ask the same rules without acting.

use crate::models::case::{Case, CaseStatus};
use crate::models::hearing::{Finding, Hearing, Investigation, Sanction};
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::investigation::rules::{is_investigator, may_work};
use crate::services::{ServiceError, ServiceResult};

/// The case has been referred to a hearing and not yet decided.
pub fn at_hearing_stage(case: &Case) -> bool {
    case.status == CaseStatus::Hearing
}

/// The hearing pages are for officers and, once there is a hearing, its panel, its Independent
/// Person and the case's investigator; anyone else is told they do not exist.
pub fn may_view(
    user: &User,
    hearing: Option<&Hearing>,
    panel: &[(String, bool)],
    investigation: Option<&Investigation>,
) -> ServiceResult<()> {
    if access::can(user, Permission::WorkCases) {
        return Ok(());
    }
    let Some(h) = hearing else { return Err(ServiceError::NotFound) };
    let on_panel = panel.iter().any(|(id, _)| *id == user.id);
    if on_panel || h.ip_user_id == user.id || investigation.is_some_and(|i| is_investigator(user, i)) {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Officers arrange the hearing once the case is referred to one, and change the arrangements
/// until it is fixed.
pub fn may_save_hearing(user: &User, case: &Case, hearing: Option<&Hearing>) -> ServiceResult<()> {
    may_work(user, case)?;
    if !at_hearing_stage(case) {
        return Err(ServiceError::Refused("A hearing is arranged once the case has been referred to one".into()));
    }
    if hearing.is_some_and(|h| h.fixed_at.is_some()) {
        return Err(ServiceError::Refused("The hearing has been fixed and its notices sent".into()));
    }
    Ok(())
}

/// A hearing arranged and not yet fixed may be fixed (its notices sent).
pub fn may_fix(user: &User, case: &Case, hearing: Option<&Hearing>) -> ServiceResult<()> {
    may_work(user, case)?;
    let h = hearing.ok_or_else(|| ServiceError::Refused("Arrange the hearing first".into()))?;
    if h.fixed_at.is_some() {
        return Err(ServiceError::Refused("The hearing has already been fixed".into()));
    }
    if !at_hearing_stage(case) {
        return Err(ServiceError::Refused("A hearing is arranged once the case has been referred to one".into()));
    }
    Ok(())
}

/// The hearing is under way: the case is at the hearing stage and its hearing fixed.
fn may_proceed(user: &User, case: &Case, hearing: Option<&Hearing>) -> ServiceResult<()> {
    may_work(user, case)?;
    if !at_hearing_stage(case) {
        return Err(ServiceError::Refused("The case is not at the hearing stage".into()));
    }
    let h = hearing.ok_or_else(|| ServiceError::Refused("Arrange the hearing first".into()))?;
    if h.fixed_at.is_none() {
        return Err(ServiceError::Refused("Fix the hearing and send its notices first".into()));
    }
    Ok(())
}

/// The panel's findings are recorded once, after the hearing is fixed.
pub fn may_record_findings(
    user: &User,
    case: &Case,
    hearing: Option<&Hearing>,
    findings: &[Finding],
) -> ServiceResult<()> {
    may_proceed(user, case, hearing)?;
    if !findings.is_empty() {
        return Err(ServiceError::Refused("The findings have already been recorded".into()));
    }
    Ok(())
}

fn findings_recorded(user: &User, case: &Case, hearing: Option<&Hearing>, findings: &[Finding]) -> ServiceResult<()> {
    may_proceed(user, case, hearing)?;
    if findings.is_empty() {
        return Err(ServiceError::Refused("Record the findings first".into()));
    }
    Ok(())
}

/// Sanctions are added after the findings, until the decision is issued.
pub fn may_add_sanction(
    user: &User,
    case: &Case,
    hearing: Option<&Hearing>,
    findings: &[Finding],
) -> ServiceResult<()> {
    findings_recorded(user, case, hearing, findings)
}

/// The decision is issued once the findings are recorded (sanctions are optional).
pub fn may_issue_decision(
    user: &User,
    case: &Case,
    hearing: Option<&Hearing>,
    findings: &[Finding],
) -> ServiceResult<()> {
    findings_recorded(user, case, hearing, findings)
}

/// Sanctions are followed up once the decision notices are sent.
pub fn may_follow_up(user: &User, case: &Case) -> ServiceResult<()> {
    may_work(user, case)?;
    if case.status != CaseStatus::Sanctions {
        return Err(ServiceError::Refused("Sanctions are followed up once the decision notices are sent".into()));
    }
    Ok(())
}

/// A sanction's follow-up is recorded once.
pub fn may_record_compliance(user: &User, case: &Case, sanction: &Sanction) -> ServiceResult<()> {
    may_follow_up(user, case)?;
    if sanction.compliance != "pending" {
        return Err(ServiceError::Refused("This sanction's follow-up has already been recorded".into()));
    }
    Ok(())
}

/// Officers open a decision's notices (drafted, sent and the publication version).
pub fn may_open_notices(user: &User) -> bool {
    access::can(user, Permission::WorkCases)
}
