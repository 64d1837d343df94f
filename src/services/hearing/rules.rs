//! Who may do what at the hearing stage. Each rule refuses with the reason the action gives;
//! the page's flags ask the same rules without acting.

use crate::db::DbConnection;
use crate::models::assessment as assessment_rows;
use crate::models::case::{Case, CaseStatus};
use crate::models::hearing::{self as rows, Finding, Hearing, Investigation, Sanction};
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::investigation::rules::{is_investigator, may_work};
use crate::services::{ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;

/// The case has been referred to a hearing and not yet decided.
pub fn at_hearing_stage(case: &Case) -> bool {
    case.status == CaseStatus::Hearing
}

/// The hearing pages are for officers and, once there is a hearing, its panel, its Independent
/// Person, an Independent Person consulted on the case (`reports`: read-only, with the bundle) and
/// the case's investigator; anyone else is told they do not exist.
pub fn may_view(
    user: &User,
    hearing: Option<&Hearing>,
    panel: &[(String, bool)],
    investigation: Option<&Investigation>,
    reports: bool,
) -> ServiceResult<()> {
    if access::can(user, Permission::WorkCases) {
        return Ok(());
    }
    let Some(h) = hearing else { return Err(ServiceError::NotFound) };
    let on_panel = panel.iter().any(|(id, _)| *id == user.id);
    if on_panel || reports || h.ip_user_id == user.id || investigation.is_some_and(|i| is_investigator(user, i)) {
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

/// The hearing has been held: the panel's findings, sanctions and decision come from the day it
/// sits, never before.
fn held(hearing: Option<&Hearing>, what: &str, today: NaiveDate) -> ServiceResult<()> {
    match hearing {
        Some(h) if today < h.starts_at.date() => Err(ServiceError::Refused(format!(
            "You cannot {what} until the hearing has been held: it is fixed for {}",
            h.starts_at.format("%-d %B %Y")
        ))),
        _ => Ok(()),
    }
}

/// Adjourning a fixed hearing whose findings are not yet recorded: it can then be rearranged
/// and fixed again for another day.
pub fn may_adjourn(user: &User, case: &Case, hearing: Option<&Hearing>, findings: &[Finding]) -> ServiceResult<()> {
    may_proceed(user, case, hearing)?;
    if !findings.is_empty() {
        return Err(ServiceError::Refused("The findings have been recorded: the hearing was held".into()));
    }
    Ok(())
}

/// The panel's findings are recorded once, after the hearing is fixed.
pub fn may_record_findings(
    user: &User,
    case: &Case,
    hearing: Option<&Hearing>,
    findings: &[Finding],
    today: NaiveDate,
    ip_view_ready: bool,
) -> ServiceResult<()> {
    may_proceed(user, case, hearing)?;
    if !findings.is_empty() {
        return Err(ServiceError::Refused("The findings have already been recorded".into()));
    }
    held(hearing, "record the findings", today)?;
    if !ip_view_ready {
        return Err(ServiceError::Refused(
            "You cannot record the findings until an Independent Person has given their view for the hearing (or after the investigation) since the final report was added (Localism Act 2011, section 28(7))".into(),
        ));
    }
    Ok(())
}

/// Whether an Independent Person's view for the hearing, or after the investigation, has been
/// recorded since the investigation's final report was added (any such view, when there is no
/// final report): what the panel's findings need (Localism Act 2011, s.28(7)).
pub fn ip_view_for_findings(conn: &mut DbConnection, case: &Case) -> QueryResult<bool> {
    let final_report_at = match rows::investigation_for_case(conn, &case.id)? {
        Some(i) => rows::entries(conn, &i.id)?.iter().filter(|e| e.kind == "final-report").map(|e| e.created_at).max(),
        None => None,
    };
    Ok(assessment_rows::consultations_for_case(conn, &case.id)?.iter().any(|c| {
        matches!(c.stage.as_str(), "hearing" | "post-investigation")
            && c.view_recorded_at.is_some_and(|at| final_report_at.is_none_or(|f| at >= f))
    }))
}

fn findings_recorded(
    user: &User,
    case: &Case,
    hearing: Option<&Hearing>,
    findings: &[Finding],
    what: &str,
    today: NaiveDate,
) -> ServiceResult<()> {
    may_proceed(user, case, hearing)?;
    held(hearing, what, today)?;
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
    today: NaiveDate,
) -> ServiceResult<()> {
    findings_recorded(user, case, hearing, findings, "add a sanction", today)
}

/// The decision is issued once the findings are recorded (sanctions are optional).
pub fn may_issue_decision(
    user: &User,
    case: &Case,
    hearing: Option<&Hearing>,
    findings: &[Finding],
    today: NaiveDate,
) -> ServiceResult<()> {
    findings_recorded(user, case, hearing, findings, "issue the hearing decision", today)
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
