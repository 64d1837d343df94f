//! The initial-assessment decision: signed off by the Monitoring Officer or a deputy once every
//! member's capacity is concluded; it moves the case and drafts the notices for review.

use crate::db::DbConnection;
use crate::models::assessment::{self as rows, Decision};
use crate::models::case::{self as case_rows, CaseChanges, CaseStatus};
use crate::models::gates as gate_rows;
use crate::models::member as member_rows;
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::Permission;
use crate::services::assessment::rules::{self, INITIAL_STAGE};
use crate::services::assessment::{self, AssessmentSummary};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::cases::member_notice::{self, MemberNotice};
use crate::services::notices;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use serde::Serialize;

/// The decision as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct DecisionInput {
    pub outcome: String,
    pub reason_category: String,
    pub referral_body: String,
    pub reasons: String,
    /// Why the decision cannot wait for the member to be told or to respond (required only then).
    pub notice_reason: String,
}

/// What the decision form shows: the capacity conclusions and the Independent Person's views.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionPage {
    pub reference: String,
    pub summary: AssessmentSummary,
    /// Why a decision today would come before the member was told or could respond (each
    /// member); the form then asks for the reason the decision cannot wait.
    pub member_notice_gaps: Vec<String>,
    /// Where each member stands: told, response due, received.
    pub member_notices: Vec<MemberNotice>,
    /// Why no decision can be made yet: a complaint waits for its written confirmation.
    pub written_gap: Option<String>,
}

/// The decision form: the Monitoring Officer or a deputy, on an open case.
pub fn decision_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    today: NaiveDate,
) -> ServiceResult<DecisionPage> {
    rules::require(user, Permission::SignOffDecisions)?;
    let case = cases::find_visible(conn, user, reference)?;
    rules::may_work(user, &case).map_err(ServiceError::Refused)?;
    let summary = assessment::summary(conn, user, &case)?;
    let member_notices = member_notice::statuses(conn, &case, today)?;
    let member_notice_gaps = member_notices.iter().filter_map(|m| m.gap(today)).collect();
    let written_gap = cases::written::gap(conn, &case)?;
    Ok(DecisionPage { reference: case.reference, summary, member_notice_gaps, member_notices, written_gap })
}

fn check(input: &DecisionInput) -> Result<(), ServiceError> {
    let mut e = FieldErrors::default();
    if !vocab::is_code(&vocab::INITIAL_DECISIONS, &input.outcome) {
        e.add("outcome", "Select the decision");
    }
    if input.outcome == "no-further-action" && !vocab::is_code(&vocab::NFA_REASONS, &input.reason_category) {
        e.add("reason_category", "Select why no further action is needed");
    }
    if input.outcome == "referral" && !vocab::is_code(&vocab::REFERRAL_BODIES, &input.referral_body) {
        e.add("referral_body", "Select who the complaint is referred to");
    }
    if clean(&input.reasons).is_none() {
        e.add("reasons", "Give the reasons for the decision");
    }
    e.into_result()
}

/// Where the decision takes the case, and why (for the case history).
fn destination(decision: &Decision) -> (CaseStatus, String) {
    match decision.outcome.as_str() {
        "no-jurisdiction" => (CaseStatus::Closed, "No jurisdiction".to_string()),
        "no-further-action" => (
            CaseStatus::Closed,
            format!(
                "No further action: {}",
                decision.reason_category.as_deref().map(|c| vocab::label(&vocab::NFA_REASONS, c)).unwrap_or("")
            ),
        ),
        "informal-resolution" => (CaseStatus::InformalResolution, String::new()),
        "investigation" => (CaseStatus::Investigation, String::new()),
        _ => (CaseStatus::Referred, String::new()),
    }
}

/// The initial-assessment decision: signed off by the Monitoring Officer or deputy only, and only
/// once every member complained about has a concluded capacity assessment. Moves the case and
/// drafts the notices for review. Why it cannot be made now is shown against the decision on the
/// form (invalid `outcome`).
pub fn decide(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &DecisionInput,
    today: NaiveDate,
) -> ServiceResult<Decision> {
    rules::require(user, Permission::SignOffDecisions)?;
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let decided = rows::standing_decisions_for_case(conn, &case.id)?;
        rules::may_decide(user, &case, &decided).map_err(|m| ServiceError::invalid("outcome", m))?;
        // s.28(9): no decision on a complaint taken by telephone or in person until it is
        // confirmed in writing.
        if let Some(message) = cases::written::gap(conn, &case)? {
            return Err(ServiceError::invalid("outcome", message));
        }
        let mut missing = Vec::new();
        for m in member_rows::list_for_case(conn, &case.id)? {
            match rows::latest_for_member(conn, &case.id, &m.id)? {
                Some(a) if a.concluded_at.is_some() => {}
                _ => missing.push(m.full_name),
            }
        }
        if !missing.is_empty() {
            return Err(ServiceError::invalid(
                "outcome",
                format!("Conclude the capacity assessment first for: {}", missing.join(", ")),
            ));
        }
        check(input)?;
        // The member is told before a decision (and has the time to respond), unless the
        // Monitoring Officer records why the decision cannot wait.
        let gaps = if member_notice::outcome_needs_member_told(&input.outcome) {
            member_notice::gaps(conn, &case, today)?
        } else {
            Vec::new()
        };
        let notice_reason = clean(&input.notice_reason);
        if !gaps.is_empty() && notice_reason.is_none() {
            return Err(ServiceError::invalid(
                "notice_reason",
                format!("{}: say why the decision cannot wait (for example, a police referral)", gaps.join("; ")),
            ));
        }
        let category = match input.outcome.as_str() {
            "no-further-action" => Some(input.reason_category.clone()),
            "referral" => Some(input.referral_body.clone()),
            _ => None,
        };
        let decision = Decision {
            id: new_id(),
            case_id: case.id.clone(),
            stage: INITIAL_STAGE.into(),
            outcome: input.outcome.clone(),
            reason_category: category,
            reasons: input.reasons.trim().to_string(),
            decided_by_user_id: user.id.clone(),
            decided_at: now(),
        };
        rows::insert_decision(conn, &decision)?;
        let waived = match notice_reason.filter(|_| !gaps.is_empty()) {
            Some(reason) => {
                gate_rows::insert(
                    conn,
                    &gate_rows::DecisionGateReason {
                        id: new_id(),
                        decision_id: decision.id.clone(),
                        gate: gate_rows::MEMBER_NOTICE.into(),
                        reason: format!("{}. Why the decision could not wait: {reason}", gaps.join("; ")),
                        recorded_by_user_id: user.id.clone(),
                        recorded_at: now(),
                    },
                )?;
                " (made before the member was told or could respond; reason recorded)"
            }
            None => "",
        };
        let label = vocab::label(&vocab::INITIAL_DECISIONS, &decision.outcome);
        let mut case_now = case.clone();
        if case.status != CaseStatus::InitialAssessment {
            cases::transition(conn, actor, &case_now, CaseStatus::InitialAssessment, "initial assessment")?;
            case_now = case_rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
        }
        let (to, why) = destination(&decision);
        cases::transition(conn, actor, &case_now, to, &why)?;
        case_rows::update(
            conn,
            &case.id,
            &CaseChanges { assessed_on: Some(Some(today)), updated_at: Some(now()), ..Default::default() },
        )?;
        let recipients = notices::parties(conn, &case)?;
        notices::draft_decision(conn, &case, &decision, recipients, INITIAL_STAGE, label)?;
        audit::record(
            conn,
            actor,
            Event::new("decision.made", "decision", &decision.id)
                .case(&case.id)
                .summary(format!("Initial assessment decision by {}: {label}{waived}", user.name)),
        )?;
        Ok(decision)
    })
}
