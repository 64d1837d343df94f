//! The state machine: the only writer of a case's status.

use crate::db::DbConnection;
use crate::models::case::{self as rows, Case, CaseChanges, CaseStatus};
use crate::models::now;
use crate::services::audit::{self, Actor, Event};
use crate::services::{ServiceError, ServiceResult};

/// Moves a case to another state, refusing a transition the journey does not allow, and audits
/// it. Call inside the transaction of the change that causes it.
pub fn transition(conn: &mut DbConnection, actor: &Actor, case: &Case, to: CaseStatus, why: &str) -> ServiceResult<()> {
    let from = case.status;
    if !from.next().contains(&to) {
        return Err(ServiceError::Refused(format!(
            "A case that is {} cannot move to {}",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        )));
    }
    let t = now();
    let mut changes = CaseChanges { status: Some(to), updated_at: Some(t), ..Default::default() };
    if to == CaseStatus::Closed {
        changes.closed_at = Some(Some(t));
        changes.closure_reason = Some(Some(why.to_string()));
    }
    rows::update(conn, &case.id, &changes)?;
    if to == CaseStatus::Closed {
        crate::services::retention::on_case_closed(conn, &case.id, why, t.date())?;
    } else if from == CaseStatus::Closed && to != CaseStatus::Destroyed {
        crate::services::retention::on_case_reopened(conn, &case.id)?;
    }
    audit::record(
        conn,
        actor,
        Event::new("case.status_changed", "case", &case.id)
            .case(&case.id)
            .summary(format!(
                "Status {} → {}{}",
                from.label(),
                to.label(),
                if why.is_empty() { String::new() } else { format!(": {why}") }
            ))
            .details(StatusChange { from, to }.details()),
    )?;
    Ok(())
}

/// Reopens a case to initial assessment because a review of one of its decisions was upheld:
/// the one way a closed case is reopened (`CaseStatus::next` never leads out of closed). Audited
/// as a status change, in the caller's transaction.
pub fn reopen_for_review(conn: &mut DbConnection, actor: &Actor, case: &Case, why: &str) -> ServiceResult<()> {
    let from = case.status;
    if from == CaseStatus::Destroyed {
        return Err(ServiceError::Refused(format!(
            "A case that is {} cannot be reopened to initial assessment",
            from.label().to_lowercase()
        )));
    }
    let t = now();
    let changes = CaseChanges {
        status: Some(CaseStatus::InitialAssessment),
        updated_at: Some(t),
        closed_at: Some(None),
        closure_reason: Some(None),
        ..Default::default()
    };
    rows::update(conn, &case.id, &changes)?;
    if from == CaseStatus::Closed {
        crate::services::retention::on_case_reopened(conn, &case.id)?;
    }
    let to = CaseStatus::InitialAssessment;
    audit::record(
        conn,
        actor,
        Event::new("case.reopened", "case", &case.id)
            .case(&case.id)
            .summary(format!("Status {} → {}: {why}", from.label(), to.label()))
            .details(StatusChange { from, to }.details()),
    )?;
    Ok(())
}

/// The audit entry's details: `{"from": code, "to": code}`.
#[derive(serde::Serialize)]
struct StatusChange {
    from: CaseStatus,
    to: CaseStatus,
}

impl StatusChange {
    fn details(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
