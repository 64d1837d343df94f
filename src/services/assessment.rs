//! The initial assessment: capacity assessments per member (the engine suggests, the Monitoring
//! Officer concludes), the Article 10 stage, Independent Person consultations, and the decision
//! with its notices and any review request.

use crate::db::DbConnection;
use crate::emails::{self};
use crate::models::assessment::{
    self as rows, Article10, CapacityAnswer, CapacityAssessment, Decision, IpConsultation, ReviewRequest,
};
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::capacity as test_rows;
use crate::models::case::CaseStatus;
use crate::models::case::{self as case_rows, Case, CaseChanges};
use crate::models::complaint as complaint_rows;
use crate::models::member::{self as member_rows};
use crate::models::user::{self as user_rows, Role, User};
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::capacity::{self, Answer};
use crate::services::cases;
use crate::services::notices;
use crate::services::outbox::{self, To};
use crate::services::reference::CapacityDefinition;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// The test definition an assessment used (versions never change once loaded).
pub fn definition(conn: &mut DbConnection, test_version_id: &str) -> ServiceResult<CapacityDefinition> {
    use crate::db::schema::capacity_test_versions as t;
    let text: String = t::table.find(test_version_id).select(t::definition).first(conn)?;
    serde_json::from_str(&text).map_err(|e| ServiceError::Internal(format!("capacity test definition: {e}")))
}

/// The councils the member sat on when the conduct happened, and a suggestion of whose code is
/// engaged: the only one; else the one whose role was used; else the one the texts name.
#[derive(Debug, Clone, Serialize)]
pub struct EngagedAuthority {
    pub candidates: Vec<Authority>,
    pub suggested: Option<Authority>,
    pub dual_hatted: bool,
    pub why: String,
}

pub fn conduct_date(conn: &mut DbConnection, case_id: &str, member_id: &str) -> QueryResult<Option<NaiveDate>> {
    let allegations = complaint_rows::list_allegations_for_case(conn, case_id)?;
    let mut dates = Vec::new();
    for (c, _) in complaint_rows::list_for_case(conn, case_id)? {
        if allegations.iter().any(|a| a.complaint_id == c.id && a.member_id == member_id) {
            dates.extend(c.conduct_on);
        }
    }
    Ok(dates.into_iter().min())
}

fn texts_of_case(conn: &mut DbConnection, case: &Case) -> QueryResult<String> {
    let mut parts = Vec::new();
    for (c, _) in complaint_rows::list_for_case(conn, &case.id)? {
        parts.push(c.what_happened);
        parts.push(c.why_official);
    }
    for v in crate::services::evidence::list_for_case(conn, case)? {
        parts.extend(v.current.post_text);
        parts.extend(v.current.account_bio);
        parts.extend(v.current.display_name);
    }
    Ok(parts.join("\n").to_lowercase())
}

fn mentions(text: &str, a: &Authority) -> usize {
    let name = a.name.to_lowercase();
    let short = name.trim_end_matches(" council").trim_end_matches(" district").to_string();
    let place = name.split_whitespace().next().unwrap_or_default().to_string();
    let tier_words: &[&str] = match a.tier.as_str() {
        "district" => &["district council", "district"],
        "county" => &["county council"],
        "parish" => &["parish council", "parish"],
        "town" => &["town council", "mayor", "town"],
        "city" => &["city council"],
        "community" => &["community council"],
        _ => &[],
    };
    let mut n = text.matches(name.as_str()).count() * 3 + text.matches(short.as_str()).count() * 2;
    if place.len() > 3 {
        n += text.matches(place.as_str()).count();
    }
    n + tier_words.iter().map(|w| text.matches(w).count()).sum::<usize>()
}

pub fn engaged_authority(
    conn: &mut DbConnection,
    case: &Case,
    member_id: &str,
    role_used: Option<&str>,
) -> QueryResult<EngagedAuthority> {
    let day = conduct_date(conn, &case.id, member_id)?.unwrap_or(case.received_on);
    let memberships = member_rows::list_memberships_for_member(conn, member_id)?;
    let mut covering: Vec<_> = memberships.iter().filter(|m| m.covers(day)).collect();
    if covering.is_empty() {
        covering = memberships.iter().collect();
    }
    let mut candidates = Vec::new();
    for m in covering {
        if let Some(a) = authority_rows::find(conn, &m.authority_id)? {
            if !candidates.iter().any(|c: &Authority| c.id == a.id) {
                candidates.push(a);
            }
        }
    }
    let dual_hatted = candidates.len() > 1;
    if candidates.len() == 1 {
        let only = candidates[0].clone();
        return Ok(EngagedAuthority {
            why: format!("{} was the only council the member sat on at the time", only.name),
            suggested: Some(only),
            candidates,
            dual_hatted,
        });
    }
    if let Some(id) = role_used {
        if let Some(a) = candidates.iter().find(|a| a.id == id).cloned() {
            return Ok(EngagedAuthority {
                why: format!("the member used, or appeared to use, their role at {}", a.name),
                suggested: Some(a),
                candidates,
                dual_hatted,
            });
        }
    }
    let text = texts_of_case(conn, case)?;
    let mut scored: Vec<(usize, &Authority)> = candidates.iter().map(|a| (mentions(&text, a), a)).collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    let suggested = match scored.as_slice() {
        [(best, a), (next, _), ..] if best > next => Some((*a).clone()),
        _ => None,
    };
    let why = match &suggested {
        Some(a) => format!("the complaint and evidence refer to {} most", a.name),
        None => "the member sat on more than one council and nothing settles which role was used: the Monitoring Officer must decide".into(),
    };
    Ok(EngagedAuthority { candidates, suggested, dual_hatted, why })
}

/// Answers as submitted: `answer_G1=yes`, `note_G1=…`, `evidence_G1=<item id>` (repeated).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnswerInput {
    pub answers: BTreeMap<String, String>,
    pub notes: BTreeMap<String, String>,
    pub evidence: BTreeMap<String, Vec<String>>,
    pub role_used: String,
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
            }
        }
        input
    }
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
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let member = member_rows::list_for_case(conn, &case.id)?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or(ServiceError::NotFound)?;
        let test = test_rows::latest_version(conn)?
            .ok_or_else(|| ServiceError::Internal("no capacity test is loaded".into()))?;
        let def = definition(conn, &test.id)?;
        let mut errors = FieldErrors::default();
        let mut answers = BTreeMap::new();
        for q in &def.questions {
            let raw = input.answers.get(&q.code).map(String::as_str).unwrap_or("");
            if !["yes", "no", "unclear"].contains(&raw) {
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
        errors.into_result()?;
        let suggestion = capacity::evaluate(&def, &answers);
        let role_used = clean(&input.role_used);
        let engaged = engaged_authority(conn, &case, &member.id, role_used.as_deref())?;
        let version = rows::latest_for_member(conn, &case.id, &member.id)?.map(|a| a.version + 1).unwrap_or(1);
        let assessment = CapacityAssessment {
            id: new_id(),
            case_id: case.id.clone(),
            member_id: member.id.clone(),
            version,
            test_version_id: test.id.clone(),
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
                "Capacity assessment of {} (version {version}): suggests {} by rule {}",
                member.full_name, suggestion.outcome_label, suggestion.rule
            )),
        )?;
        Ok(assessment)
    })
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
    if !access::can(user, Permission::SignOffDecisions) {
        return Err(ServiceError::Forbidden);
    }
    conn.transaction(|conn| {
        let a = rows::find_assessment(conn, assessment_id)?.ok_or(ServiceError::NotFound)?;
        let case = case_rows::find(conn, &a.case_id)?.ok_or(ServiceError::NotFound)?;
        cases::find_workable(conn, user, &case.reference)?;
        if a.concluded_at.is_some() {
            return Err(ServiceError::Refused("This assessment is already concluded: reassess to change it".into()));
        }
        if rows::latest_for_member(conn, &case.id, &a.member_id)?.map(|l| l.id) != Some(a.id.clone()) {
            return Err(ServiceError::Refused("A newer assessment of this member exists".into()));
        }
        let mut errors = FieldErrors::default();
        if !vocab::CAPACITY_OUTCOMES.iter().any(|(v, _)| *v == outcome) {
            errors.add("outcome", "Select the conclusion");
        }
        let reason = clean(reason);
        if outcome != a.suggested_outcome && reason.is_none() && !errors.has("outcome") {
            errors.add("reason", "Give the reason for concluding differently from the suggestion");
        }
        let engaged = engaged_authority(conn, &case, &a.member_id, a.role_used_authority_id.as_deref())?;
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
        let label = vocab::CAPACITY_OUTCOMES.iter().find(|(v, _)| *v == outcome).map(|(_, l)| *l).unwrap_or(outcome);
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

/// Article 10 (Sanders v Kingston; Heesom): after OFFICIAL and a prima facie breach.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct Article10Input {
    pub prima_facie_breach: String,
    pub political_expression: String,
    pub target: String,
    pub fact_or_value: String,
    pub knowingly_false: String,
    pub gratuitous_abuse: String,
    pub proportionate_to_act: String,
    pub reasons: String,
}

pub fn record_article10(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    assessment_id: &str,
    input: &Article10Input,
) -> ServiceResult<Article10> {
    conn.transaction(|conn| {
        let a = rows::find_assessment(conn, assessment_id)?.ok_or(ServiceError::NotFound)?;
        let case = case_rows::find(conn, &a.case_id)?.ok_or(ServiceError::NotFound)?;
        cases::find_workable(conn, user, &case.reference)?;
        if a.concluded_outcome.as_deref() != Some("OFFICIAL") {
            return Err(ServiceError::Refused("The Article 10 stage follows a conclusion of official capacity".into()));
        }
        let mut e = FieldErrors::default();
        let yes_no = |v: &str| matches!(v, "yes" | "no");
        if !yes_no(&input.prima_facie_breach) {
            e.add("prima_facie_breach", "Select whether a breach could properly be found on the facts");
        }
        if !yes_no(&input.political_expression) {
            e.add("political_expression", "Select whether this is political expression");
        }
        if !vocab::ARTICLE10_TARGETS.iter().any(|(v, _)| *v == input.target) {
            e.add("target", "Select who the expression was about");
        }
        if !matches!(input.fact_or_value.as_str(), "fact" | "value" | "both") {
            e.add("fact_or_value", "Select whether it states facts or value judgements");
        }
        for (field, v, msg) in [
            ("knowingly_false", &input.knowingly_false, "Select whether it is knowingly false"),
            ("gratuitous_abuse", &input.gratuitous_abuse, "Select whether it is gratuitous personal abuse"),
            (
                "proportionate_to_act",
                &input.proportionate_to_act,
                "Select whether acting on it would be a justified, proportionate restriction",
            ),
        ] {
            if !matches!(v.as_str(), "yes" | "no" | "unclear") {
                e.add(field, msg);
            }
        }
        if clean(&input.reasons).is_none() {
            e.add("reasons", "Give the reasons for the proportionality conclusion");
        }
        e.into_result()?;
        let row = Article10 {
            id: new_id(),
            assessment_id: a.id.clone(),
            prima_facie_breach: input.prima_facie_breach == "yes",
            political_expression: input.political_expression.clone(),
            target: input.target.clone(),
            fact_or_value: input.fact_or_value.clone(),
            knowingly_false: input.knowingly_false.clone(),
            gratuitous_abuse: input.gratuitous_abuse.clone(),
            proportionate_to_act: input.proportionate_to_act.clone(),
            reasons: input.reasons.trim().to_string(),
            created_by_user_id: user.id.clone().into(),
            created_at: now(),
        };
        rows::insert_article10(conn, &row)?;
        audit::record(
            conn,
            actor,
            Event::new("article10.recorded", "capacity_assessment", &a.id).case(&case.id).summary(format!(
                "Article 10 stage recorded: acting on it {} proportionate",
                if row.proportionate_to_act == "yes" { "would be" } else { "would not clearly be" }
            )),
        )?;
        Ok(row)
    })
}

/// Asks an Independent Person for their view (by email); they then see this case, and only it.
pub fn request_ip_view(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    ip_user_id: &str,
    stage: &str,
    question: &str,
) -> ServiceResult<IpConsultation> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let mut e = FieldErrors::default();
        let ip = user_rows::find(conn, ip_user_id)?.filter(|u| u.active && u.role() == Some(Role::IndependentPerson));
        if ip.is_none() {
            e.add("ip", "Select an Independent Person");
        }
        let question = clean(question);
        if question.is_none() {
            e.add("question", "Enter what you are asking the Independent Person");
        }
        if !matches!(stage, "initial-assessment" | "post-investigation" | "other") {
            e.add("stage", "Select the stage");
        }
        e.into_result()?;
        let (ip, question) = (ip.expect("checked"), question.expect("checked"));
        access::grant(conn, &case.id, &ip.id, access::Part::IndependentPerson, &user.id)?;
        let letter = emails::IpRequest {
            name: ip.name.clone(),
            reference: case.reference.clone(),
            question: question.clone(),
            requested_by: user.name.clone(),
        };
        let message = outbox::queue(conn, Some(&case.id), To::new(&ip.email, &ip.name), &letter)?;
        let row = IpConsultation {
            id: new_id(),
            case_id: case.id.clone(),
            stage: stage.to_string(),
            ip_user_id: ip.id.clone(),
            question,
            requested_by_user_id: user.id.clone(),
            requested_at: now(),
            outbox_id: Some(message.id),
            view_text: None,
            view_recorded_at: None,
        };
        rows::insert_consultation(conn, &row)?;
        audit::record(
            conn,
            actor,
            Event::new("ip.view_requested", "ip_consultation", &row.id)
                .case(&case.id)
                .summary(format!("Independent Person {} asked for their view", ip.name)),
        )?;
        Ok(row)
    })
}

/// The Independent Person records their view (only the one asked may).
pub fn record_ip_view(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    consultation_id: &str,
    view: &str,
) -> ServiceResult<()> {
    conn.transaction(|conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let c = rows::consultations_for_case(conn, &case.id)?
            .into_iter()
            .find(|c| c.id == consultation_id)
            .ok_or(ServiceError::NotFound)?;
        if c.ip_user_id != user.id {
            return Err(ServiceError::Forbidden);
        }
        if c.view_recorded_at.is_some() {
            return Err(ServiceError::Refused("Your view has already been recorded".into()));
        }
        let view = clean(view).ok_or_else(|| ServiceError::Invalid(FieldErrors::single("view", "Enter your view")))?;
        rows::record_view(conn, &c.id, &view, now())?;
        audit::record(
            conn,
            actor,
            Event::new("ip.view_recorded", "ip_consultation", &c.id)
                .case(&case.id)
                .summary(format!("Independent Person {} recorded their view", user.name)),
        )?;
        Ok(())
    })
}

#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct DecisionInput {
    pub outcome: String,
    pub reason_category: String,
    pub referral_body: String,
    pub reasons: String,
}

/// The initial-assessment decision: signed off by the Monitoring Officer or deputy only, and only
/// once every member complained about has a concluded capacity assessment. Moves the case and
/// drafts the notices for review.
pub fn decide(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &DecisionInput,
    today: NaiveDate,
) -> ServiceResult<Decision> {
    if !access::can(user, Permission::SignOffDecisions) {
        return Err(ServiceError::Forbidden);
    }
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let status = case.status;
        if !matches!(status, CaseStatus::Received | CaseStatus::Acknowledged | CaseStatus::InitialAssessment) {
            return Err(ServiceError::Refused(format!(
                "The initial assessment has been decided: the case is at {}",
                status.label().to_lowercase()
            )));
        }
        let members = member_rows::list_for_case(conn, &case.id)?;
        let mut missing = Vec::new();
        for m in &members {
            match rows::latest_for_member(conn, &case.id, &m.id)? {
                Some(a) if a.concluded_at.is_some() => {}
                _ => missing.push(m.full_name.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(ServiceError::Refused(format!(
                "Conclude the capacity assessment first for: {}",
                missing.join(", ")
            )));
        }
        let mut e = FieldErrors::default();
        if !vocab::INITIAL_DECISIONS.iter().any(|(v, _)| *v == input.outcome) {
            e.add("outcome", "Select the decision");
        }
        if input.outcome == "no-further-action" && !vocab::NFA_REASONS.iter().any(|(v, _)| *v == input.reason_category)
        {
            e.add("reason_category", "Select why no further action is needed");
        }
        if input.outcome == "referral" && !vocab::REFERRAL_BODIES.iter().any(|(v, _)| *v == input.referral_body) {
            e.add("referral_body", "Select who the complaint is referred to");
        }
        if clean(&input.reasons).is_none() {
            e.add("reasons", "Give the reasons for the decision");
        }
        e.into_result()?;
        let category = match input.outcome.as_str() {
            "no-further-action" => Some(input.reason_category.clone()),
            "referral" => Some(input.referral_body.clone()),
            _ => None,
        };
        let decision = Decision {
            id: new_id(),
            case_id: case.id.clone(),
            stage: "initial-assessment".into(),
            outcome: input.outcome.clone(),
            reason_category: category,
            reasons: input.reasons.trim().to_string(),
            decided_by_user_id: user.id.clone(),
            decided_at: now(),
        };
        rows::insert_decision(conn, &decision)?;
        let label =
            vocab::INITIAL_DECISIONS.iter().find(|(v, _)| *v == decision.outcome).map(|(_, l)| *l).unwrap_or("");
        let mut case_now = case.clone();
        if status != CaseStatus::InitialAssessment {
            cases::transition(conn, actor, &case_now, CaseStatus::InitialAssessment, "initial assessment")?;
            case_now = case_rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
        }
        let (to, why) = match decision.outcome.as_str() {
            "no-jurisdiction" => (CaseStatus::Closed, "No jurisdiction".to_string()),
            "no-further-action" => (
                CaseStatus::Closed,
                format!(
                    "No further action: {}",
                    vocab::NFA_REASONS
                        .iter()
                        .find(|(v, _)| Some(*v) == decision.reason_category.as_deref())
                        .map(|(_, l)| *l)
                        .unwrap_or("")
                ),
            ),
            "informal-resolution" => (CaseStatus::InformalResolution, String::new()),
            "investigation" => (CaseStatus::Investigation, String::new()),
            _ => (CaseStatus::Referred, String::new()),
        };
        cases::transition(conn, actor, &case_now, to, &why)?;
        case_rows::update(
            conn,
            &case.id,
            &CaseChanges { assessed_on: Some(Some(today)), updated_at: Some(now()), ..Default::default() },
        )?;
        let (reference, decided_on) = (case.reference.clone(), emails::long_date(decision.decided_at.date()));
        let recipients = notices::parties(conn, &case)?;
        notices::draft(conn, &case, &decision, recipients, false, |r| emails::DecisionNotice {
            name: r.name.clone(),
            recipient: r.kind,
            reference: reference.clone(),
            decided_on: decided_on.clone(),
            stage: "initial-assessment",
            decision: label.to_string(),
            outcome: decision.outcome.clone(),
            reasons: decision.reasons.clone(),
        })?;
        audit::record(
            conn,
            actor,
            Event::new("decision.made", "decision", &decision.id)
                .case(&case.id)
                .summary(format!("Initial assessment decision by {}: {label}", user.name)),
        )?;
        Ok(decision)
    })
}

/// Saves the officer's edits to draft notices and sends them: by email through the outbox, or
/// recorded as posted where there is no email address. Kept on the case as sent.
pub fn send_notices(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    decision_id: &str,
    edits: &[(String, String, String)],
) -> ServiceResult<usize> {
    conn.transaction(|conn| {
        let case = cases::find_visible(conn, user, reference)?;
        if !access::can(user, Permission::WorkCases) {
            return Err(ServiceError::Forbidden);
        }
        let decision = rows::decisions_for_case(conn, &case.id)?
            .into_iter()
            .find(|d| d.id == decision_id)
            .ok_or(ServiceError::NotFound)?;
        let notices = rows::notices(conn, &decision.id)?;
        let mut e = FieldErrors::default();
        for (id, subject, body) in edits {
            if notices.iter().any(|n| &n.id == id && n.status == "draft")
                && (subject.trim().is_empty() || body.trim().is_empty())
            {
                e.add(&format!("body_{id}"), "A notice needs a subject and a text");
            }
        }
        e.into_result()?;
        let mut sent = 0;
        for n in notices.into_iter().filter(|n| n.status == "draft") {
            let (subject, body) = edits
                .iter()
                .find(|(id, _, _)| id == &n.id)
                .map(|(_, s, b)| (s.trim().to_string(), b.replace("\r\n", "\n")))
                .unwrap_or((n.subject.clone(), n.body.clone()));
            rows::update_notice_text(conn, &n.id, &subject, &body)?;
            match &n.to_address {
                _ if n.recipient_kind == "publication" => {
                    rows::mark_notice_sent(conn, &n.id, "published", None, &user.id, now())?;
                }
                Some(address) => {
                    let to = To::new(address, &n.recipient_name);
                    let message = outbox::queue_text(conn, Some(&case.id), "decision_notice", to, &subject, &body)?;
                    rows::mark_notice_sent(conn, &n.id, "sent", Some(&message.id), &user.id, now())?;
                }
                None => {
                    rows::mark_notice_sent(conn, &n.id, "posted", None, &user.id, now())?;
                }
            }
            sent += 1;
        }
        audit::record(
            conn,
            actor,
            Event::new("decision.notices_sent", "decision", &decision.id)
                .case(&case.id)
                .summary(format!("{sent} decision notice(s) sent")),
        )?;
        crate::services::hearing::after_notices_sent(conn, actor, &case, &decision)?;
        Ok(sent)
    })
}

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
    conn.transaction(|conn| {
        let case = cases::find_visible(conn, user, reference)?;
        if !access::can(user, Permission::WorkCases) {
            return Err(ServiceError::Forbidden);
        }
        let decision = rows::decisions_for_case(conn, &case.id)?
            .into_iter()
            .find(|d| d.id == decision_id)
            .ok_or(ServiceError::NotFound)?;
        let mut e = FieldErrors::default();
        if !matches!(input.requested_by.as_str(), "complainant" | "member") {
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

/// What a decision was, in words, whatever its stage.
pub fn decision_label(d: &Decision) -> String {
    vocab::stage_outcome_label(&d.stage, &d.outcome)
}

/// Everything the case page shows of the initial assessment.
pub fn summary(conn: &mut DbConnection, user: &User, case: &Case) -> ServiceResult<serde_json::Value> {
    let mut members = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let latest = rows::latest_for_member(conn, &case.id, &m.id)?;
        let (suggested, concluded) = match &latest {
            Some(a) => (
                Some(
                    vocab::CAPACITY_OUTCOMES
                        .iter()
                        .find(|(v, _)| *v == a.suggested_outcome)
                        .map(|(_, l)| *l)
                        .unwrap_or(""),
                ),
                a.concluded_outcome
                    .as_deref()
                    .map(|o| vocab::CAPACITY_OUTCOMES.iter().find(|(v, _)| *v == o).map(|(_, l)| *l).unwrap_or(o)),
            ),
            None => (None, None),
        };
        members.push(serde_json::json!({
            "id": m.id, "name": m.full_name, "assessment": latest.as_ref().map(|a| &a.id), "version": latest.as_ref().map(|a| a.version),
            "suggested": suggested, "concluded": concluded,
        }));
    }
    let consultations: Vec<_> = rows::consultations_for_case(conn, &case.id)?
        .into_iter()
        .map(|c| {
            let ip = user_rows::find(conn, &c.ip_user_id).ok().flatten().map(|u| u.name).unwrap_or_default();
            serde_json::json!({
                "id": c.id, "ip": ip, "mine": c.ip_user_id == user.id, "stage": c.stage, "question": c.question,
                "requested_at": c.requested_at, "view": c.view_text, "view_recorded_at": c.view_recorded_at,
            })
        })
        .collect();
    let mut decisions = Vec::new();
    for d in rows::decisions_for_case(conn, &case.id)? {
        let by = user_rows::find(conn, &d.decided_by_user_id)?.map(|u| u.name).unwrap_or_default();
        let notices = rows::notices(conn, &d.id)?;
        let reviews = rows::reviews(conn, &d.id)?;
        decisions.push(serde_json::json!({
            "id": d.id, "stage": d.stage,
            "outcome": decision_label(&d),
            "reasons": d.reasons, "decided_at": d.decided_at, "by": by,
            "notices_pending": notices.iter().filter(|n| n.status == "draft").count(),
            "notices_sent": notices.iter().filter(|n| n.status != "draft").count(),
            "reviews": reviews,
        }));
    }
    Ok(serde_json::json!({
        "members": members, "consultations": consultations, "decisions": decisions,
        "can_sign_off": access::can(user, Permission::SignOffDecisions),
    }))
}

/// One assessment with the test's questions, the answers, the suggestion (recomputed from the
/// stored answers and the version of the test it used) and the engaged-authority suggestion.
pub fn detail(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    assessment_id: &str,
) -> ServiceResult<serde_json::Value> {
    let case = cases::find_visible(conn, user, reference)?;
    let a =
        rows::find_assessment(conn, assessment_id)?.filter(|a| a.case_id == case.id).ok_or(ServiceError::NotFound)?;
    let def = definition(conn, &a.test_version_id)?;
    let answers = rows::answers(conn, &a.id)?;
    let items = crate::models::evidence::list_items(conn, &case.id)?;
    let by_code: BTreeMap<String, Answer> =
        answers.iter().map(|x| (x.question_code.clone(), Answer::parse(&x.answer))).collect();
    let suggestion = capacity::evaluate(&def, &by_code);
    let mut rows_out = Vec::new();
    for q in &def.questions {
        let ans = answers.iter().find(|x| x.question_code == q.code);
        let evidence: Vec<String> = match ans {
            Some(x) => rows::answer_evidence(conn, &x.id)?
                .into_iter()
                .filter_map(|id| items.iter().find(|i| i.id == id).map(|i| format!("E{}", i.number)))
                .collect(),
            None => Vec::new(),
        };
        rows_out.push(serde_json::json!({
            "code": q.code, "question": q.question, "weight": q.weight, "points_to": q.points_to,
            "answer": ans.map(|x| x.answer.clone()).unwrap_or_else(|| "unanswered".into()),
            "note": ans.and_then(|x| x.note.clone()), "evidence": evidence,
            "driver": suggestion.drivers.iter().any(|(c, _)| c == &q.code),
        }));
    }
    let member = member_rows::find(conn, &a.member_id)?.ok_or(ServiceError::NotFound)?;
    let engaged = engaged_authority(conn, &case, &a.member_id, a.role_used_authority_id.as_deref())?;
    let name_of = |id: &Option<String>, list: &[Authority]| {
        id.as_ref().and_then(|i| list.iter().find(|x| &x.id == i)).map(|x| x.name.clone())
    };
    let versions: Vec<_> = rows::assessments_for_case(conn, &case.id)?
        .into_iter()
        .filter(|v| v.member_id == a.member_id)
        .map(|v| serde_json::json!({ "id": v.id, "version": v.version, "created_at": v.created_at, "suggested": v.suggested_outcome, "concluded": v.concluded_outcome }))
        .collect();
    let latest = rows::latest_for_member(conn, &case.id, &a.member_id)?.map(|l| l.id == a.id).unwrap_or(false);
    let concluded_by = match &a.concluded_by_user_id {
        Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
        None => None,
    };
    let article10 = rows::article10_for(conn, &a.id)?;
    let wales = engaged.candidates.iter().any(|c| c.nation == "wales");
    Ok(serde_json::json!({
        "case_reference": case.reference,
        "case_open": case.status.is_open(),
        "id": a.id, "version": a.version, "latest": latest, "member": member.full_name, "member_id": member.id,
        "test_title": def.title, "test_version": def.version,
        "questions": rows_out,
        "suggestion": suggestion,
        "engaged": {
            "candidates": engaged.candidates.iter().map(|c| serde_json::json!({ "value": c.id, "label": c.name })).collect::<Vec<_>>(),
            "suggested_id": engaged.suggested.as_ref().map(|x| x.id.clone()),
            "suggested": engaged.suggested.as_ref().map(|x| x.name.clone()),
            "dual_hatted": engaged.dual_hatted, "why": engaged.why, "wales": wales,
        },
        "concluded_outcome": a.concluded_outcome,
        "concluded_label": a.concluded_outcome.as_deref().map(|o| vocab::CAPACITY_OUTCOMES.iter().find(|(v, _)| *v == o).map(|(_, l)| *l).unwrap_or(o)),
        "engaged_authority": name_of(&a.engaged_authority_id, &engaged.candidates),
        "conclusion_reason": a.conclusion_reason, "concluded_at": a.concluded_at, "concluded_by": concluded_by,
        "article10": article10,
        "versions": versions,
        "can_conclude": access::can(user, Permission::SignOffDecisions) && a.concluded_at.is_none() && latest && case.status.is_open(),
        "can_work": access::can(user, Permission::WorkCases),
    }))
}

/// The questions of the current test, with the answers of the latest assessment of this member
/// (to start a reassessment from), and the member's councils for "whose role was used".
pub fn form_data(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    member_id: &str,
) -> ServiceResult<serde_json::Value> {
    let case = cases::find_workable(conn, user, reference)?;
    let member = member_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or(ServiceError::NotFound)?;
    let test =
        test_rows::latest_version(conn)?.ok_or_else(|| ServiceError::Internal("no capacity test is loaded".into()))?;
    let def = definition(conn, &test.id)?;
    let previous = rows::latest_for_member(conn, &case.id, &member.id)?;
    let previous_answers = match &previous {
        Some(p) => rows::answers(conn, &p.id)?,
        None => Vec::new(),
    };
    let engaged = engaged_authority(conn, &case, &member.id, None)?;
    let items: Vec<_> = crate::services::evidence::list_for_case(conn, &case)?
        .into_iter()
        .map(|v| serde_json::json!({ "value": v.item.id, "label": format!("E{}: {}", v.item.number, v.current.title) }))
        .collect();
    let mut questions = Vec::new();
    for q in &def.questions {
        let prev = previous_answers.iter().find(|x| x.question_code == q.code);
        let evidence = match prev {
            Some(x) => rows::answer_evidence(conn, &x.id)?,
            None => Vec::new(),
        };
        questions.push(serde_json::json!({
            "code": q.code, "section": q.section, "question": q.question, "guidance": q.guidance, "weight": q.weight,
            "answer": prev.map(|x| x.answer.clone()).unwrap_or_default(), "note": prev.and_then(|x| x.note.clone()).unwrap_or_default(),
            "evidence": evidence,
        }));
    }
    Ok(serde_json::json!({
        "case_reference": case.reference, "member": member.full_name, "member_id": member.id,
        "test_title": def.title, "questions": questions, "evidence_items": items,
        "councils": engaged.candidates.iter().map(|c| serde_json::json!({ "value": c.id, "label": c.name })).collect::<Vec<_>>(),
        "dual_hatted": engaged.dual_hatted,
        "role_used": previous.and_then(|p| p.role_used_authority_id).unwrap_or_default(),
    }))
}
