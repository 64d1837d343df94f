//! Capacity assessments: an officer answers the versioned test for a member (a new version each
//! time) and the engine suggests; the Monitoring Officer concludes.

use super::engaged::{engaged_authority, EngagedAuthority};
use super::engine::{self, Answer, Nation};
use super::rules;
use crate::db::DbConnection;
use crate::models::assessment::{self as rows, CapacityAnswer, CapacityAssessment};
use crate::models::capacity as test_rows;
use crate::models::case::{self as case_rows, Case, CaseStatus};
use crate::models::member::{self as member_rows, Member};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::Permission;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::reference::CapacityDefinition;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use serde::Serialize;
use std::collections::BTreeMap;

/// The test definition an assessment used (versions never change once loaded).
pub fn definition(conn: &mut DbConnection, test_version_id: &str) -> ServiceResult<CapacityDefinition> {
    let text = test_rows::definition_text(conn, test_version_id)?;
    crate::services::reference::parse_capacity_definition("as stored", &text).map_err(ServiceError::Internal)
}

/// The nation whose meaning of an outcome applies: that of the council concluded as engaged,
/// else the suggested one; when nothing settles it and a Welsh council is among the member's,
/// Wales (so its reminder is not lost).
pub(super) fn nation(engaged: &EngagedAuthority, concluded_authority_id: Option<&str>) -> Nation {
    let chosen = concluded_authority_id
        .and_then(|id| engaged.candidates.iter().find(|c| c.id == id))
        .or(engaged.suggested.as_ref());
    match chosen {
        Some(a) => Nation::of(&a.nation),
        None if engaged.candidates.iter().any(|c| c.nation == "wales") => Nation::Wales,
        None => Nation::England,
    }
}

/// The current test (the latest version loaded) and its definition.
pub(super) fn current_test(conn: &mut DbConnection) -> ServiceResult<(String, CapacityDefinition)> {
    let test =
        test_rows::latest_version(conn)?.ok_or_else(|| ServiceError::Internal("no capacity test is loaded".into()))?;
    let def = definition(conn, &test.id)?;
    Ok((test.id, def))
}

/// Answers as submitted: `answer_G1=yes`, `note_G1=…`, `evidence_G1=<item id>` (repeated).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnswerInput {
    pub answers: BTreeMap<String, String>,
    pub notes: BTreeMap<String, String>,
    pub evidence: BTreeMap<String, Vec<String>>,
    pub role_used: String,
    /// Why the officer chose that council, when more than one was possible on the date.
    pub role_used_reason: String,
}

impl AnswerInput {
    /// Every evidence item the answers cite, each once.
    pub fn cited(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.evidence.values().flatten().cloned().collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

impl AnswerInput {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut input = AnswerInput::default();
        for (k, v) in pairs {
            if let Some(code) = k.strip_prefix("answer_") {
                input.answers.insert(code.to_string(), v.clone());
            } else if let Some(code) = k.strip_prefix("note_") {
                input.notes.insert(code.to_string(), v.clone());
            } else if let Some(code) = k.strip_prefix("evidence_") {
                input.evidence.entry(code.to_string()).or_default().push(v.clone());
            } else if k == "role_used" {
                input.role_used = v.clone();
            } else if k == "role_used_reason" {
                input.role_used_reason = v.clone();
            }
        }
        input
    }
}

/// The case and the member named on it, for an officer who may assess the case now.
pub(super) fn assessable(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    member_id: &str,
) -> ServiceResult<(Case, Member)> {
    let case = cases::find_visible(conn, user, reference)?;
    rules::require(user, Permission::WorkCases)?;
    rules::may_assess(user, &case).map_err(ServiceError::Refused)?;
    // s.28(9): a complaint taken by telephone or in person is confirmed in writing first.
    cases::written::require_confirmed(conn, &case)?;
    let member = member_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or(ServiceError::NotFound)?;
    Ok((case, member))
}

/// Records a capacity assessment (a new version each time) with the engine's suggestion.
pub fn assess(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    member_id: &str,
    input: &AnswerInput,
) -> ServiceResult<CapacityAssessment> {
    crate::db::write(conn, |conn| {
        let (case, member) = assessable(conn, user, reference, member_id)?;
        let (test_id, def) = current_test(conn)?;
        let mut errors = FieldErrors::default();
        let mut answers = BTreeMap::new();
        for q in &def.questions {
            let raw = input.answers.get(&q.code).map(String::as_str).unwrap_or("");
            if !vocab::is_code(&vocab::YES_NO_UNCLEAR, raw) {
                errors.add(&format!("answer_{}", q.code), format!("Answer {}: yes, no or unclear", q.code));
            }
            answers.insert(q.code.clone(), Answer::parse(raw));
        }
        let items = crate::models::evidence::list_items(conn, &case.id)?;
        for ids in input.evidence.values() {
            if ids.iter().any(|id| !items.iter().any(|i| &i.id == id)) {
                errors.add("evidence", "Link only evidence items of this case");
            }
        }
        let cited = input.cited();
        let role_used = clean(&input.role_used);
        let role_used_reason = clean(&input.role_used_reason);
        let register = engaged_authority(conn, &case, &member.id, None, &cited)?;
        if register.needs_choice {
            if !role_used.as_ref().is_some_and(|id| register.candidates.iter().any(|a| &a.id == id)) {
                errors.add(
                    "role_used",
                    "Select the council whose role the member used: they sat on more than one council on the date",
                );
            }
            if role_used_reason.is_none() {
                errors.add("role_used_reason", "Say why you chose that council");
            }
        }
        errors.into_result()?;
        let engaged = engaged_authority(conn, &case, &member.id, role_used.as_deref(), &cited)?;
        let suggestion = engine::evaluate(&def, &answers, nation(&engaged, None));
        let version = rows::latest_for_member(conn, &case.id, &member.id)?.map(|a| a.version + 1).unwrap_or(1);
        let assessment = CapacityAssessment {
            id: new_id(),
            case_id: case.id.clone(),
            member_id: member.id.clone(),
            version,
            test_version_id: test_id,
            role_used_authority_id: role_used.filter(|id| engaged.candidates.iter().any(|a| &a.id == id)),
            suggested_outcome: suggestion.outcome.clone(),
            suggested_rule: suggestion.rule.clone(),
            suggested_authority_id: engaged.suggested.as_ref().map(|a| a.id.clone()),
            dual_hatted: engaged.dual_hatted,
            concluded_outcome: None,
            engaged_authority_id: None,
            conclusion_reason: None,
            concluded_by_user_id: None,
            concluded_at: None,
            created_by_user_id: actor.user_id.clone(),
            created_at: now(),
            role_used_reason: if register.needs_choice { role_used_reason } else { None },
        };
        rows::insert_assessment(conn, &assessment)?;
        for q in &def.questions {
            let answer = CapacityAnswer {
                id: new_id(),
                assessment_id: assessment.id.clone(),
                question_code: q.code.clone(),
                answer: answers[&q.code].as_str().into(),
                note: input.notes.get(&q.code).and_then(|n| clean(n)),
            };
            rows::insert_answer(conn, &answer)?;
            for item in input.evidence.get(&q.code).into_iter().flatten() {
                rows::link_answer_evidence(conn, &answer.id, item)?;
            }
        }
        if matches!(case.status, CaseStatus::Received | CaseStatus::Acknowledged) {
            cases::transition(conn, actor, &case, CaseStatus::InitialAssessment, "capacity assessment started")?;
        }
        audit::record(
            conn,
            actor,
            Event::new("capacity.assessed", "capacity_assessment", &assessment.id).case(&case.id).summary(format!(
                "Capacity assessment of {} (version {version}, on capacity test version {}): suggests {} by rule {}",
                member.full_name, def.version, suggestion.outcome_label, suggestion.rule
            )),
        )?;
        Ok(assessment)
    })
}

/// Every evidence item the answers of an assessment cite, each once.
pub(super) fn cited_by(conn: &mut DbConnection, assessment_id: &str) -> ServiceResult<Vec<String>> {
    let mut ids = Vec::new();
    for answer in rows::answers(conn, assessment_id)? {
        ids.extend(rows::answer_evidence(conn, &answer.id)?);
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The conclusion as submitted on the assessment page.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct ConcludeInput {
    pub outcome: String,
    pub authority: String,
    pub reason: String,
}

/// The Monitoring Officer's conclusion. One that differs from the suggestion needs a reason; a
/// member on two councils needs the engaged council named.
pub fn conclude(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    assessment_id: &str,
    outcome: &str,
    authority_id: &str,
    reason: &str,
) -> ServiceResult<CapacityAssessment> {
    rules::require(user, Permission::SignOffDecisions)?;
    crate::db::write(conn, |conn| {
        let a = rows::find_assessment(conn, assessment_id)?.ok_or(ServiceError::NotFound)?;
        let case = case_rows::find(conn, &a.case_id)?.ok_or(ServiceError::NotFound)?;
        let case = cases::find_visible(conn, user, &case.reference)?;
        let latest = rows::latest_for_member(conn, &case.id, &a.member_id)?.is_some_and(|l| l.id == a.id);
        rules::may_conclude(user, &case, &a, latest).map_err(ServiceError::Refused)?;
        let mut errors = FieldErrors::default();
        if !vocab::is_code(&vocab::CAPACITY_OUTCOMES, outcome) {
            errors.add("outcome", "Select the conclusion");
        }
        let reason = clean(reason);
        if outcome != a.suggested_outcome && reason.is_none() && !errors.has("outcome") {
            errors.add("reason", "Give the reason for concluding differently from the suggestion");
        }
        let cited = cited_by(conn, &a.id)?;
        let engaged = engaged_authority(conn, &case, &a.member_id, a.role_used_authority_id.as_deref(), &cited)?;
        let authority = match authority_id.trim() {
            "" => None,
            id => engaged.candidates.iter().find(|c| c.id == id).cloned(),
        };
        if authority.is_none() {
            errors.add("authority", "Select the council whose code is engaged");
        }
        errors.into_result()?;
        let authority = authority.expect("checked");
        rows::conclude(conn, &a.id, outcome, Some(&authority.id), reason.as_deref(), &user.id, now())?;
        let member = member_rows::find(conn, &a.member_id)?.map(|m| m.full_name).unwrap_or_default();
        let label = vocab::label(&vocab::CAPACITY_OUTCOMES, outcome);
        audit::record(
            conn,
            actor,
            Event::new("capacity.concluded", "capacity_assessment", &a.id).case(&case.id).summary(format!(
                "Capacity of {member} concluded: {label}; {} code engaged{}",
                authority.name,
                if outcome != a.suggested_outcome {
                    format!(" (differs from the suggestion {}: {})", a.suggested_outcome, reason.unwrap_or_default())
                } else {
                    String::new()
                }
            )),
        )?;
        rows::find_assessment(conn, &a.id)?.ok_or(ServiceError::NotFound)
    })
}
