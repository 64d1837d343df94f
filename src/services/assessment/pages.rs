//! What the capacity pages show: one assessment with its suggestion and conclusion (and the
//! Article 10 stage), and the form that starts a new version.

use super::article10::{Article10Input, Article10View};
use super::capacity::{current_test, definition, nation, AnswerInput, ConcludeInput};
use super::engaged::{engaged_authority, MembershipCheck, RegisterDate};
use super::engine::{self, Answer, Suggestion};
use super::rules;
use crate::db::DbConnection;
use crate::models::assessment as rows;
use crate::models::authority::Authority;
use crate::models::capacity as test_rows;
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::cases;
use crate::services::vocab;
use crate::services::vocab::Choice;
use crate::services::{ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// A question of the test with the assessment's answer.
#[derive(Debug, Clone, Serialize)]
pub struct AnsweredQuestion {
    pub code: String,
    pub question: String,
    pub weight: String,
    pub points_to: String,
    /// yes, no, unclear or unanswered.
    pub answer: String,
    pub answer_label: &'static str,
    pub note: Option<String>,
    /// Evidence numbers ("E1").
    pub evidence: Vec<String>,
    /// Whether the rule that fired looked at this answer.
    pub driver: bool,
}

/// Whose code is engaged, as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct EngagedView {
    pub candidates: Vec<Choice>,
    pub suggested_id: Option<String>,
    pub suggested: Option<String>,
    pub dual_hatted: bool,
    pub why: String,
    /// A Welsh council is among them (the PSOW route).
    pub wales: bool,
    /// The officer's reason for choosing the council whose role was used, when several were possible.
    pub role_used_reason: Option<String>,
    /// The date the register was read on, and where it came from.
    pub date: RegisterDate,
    /// The registered account the cited evidence was captured from, in words.
    pub account: Option<String>,
}

/// A version of the member's assessment, for the list of versions.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub id: String,
    pub version: i32,
    /// The version of the capacity test it answered.
    pub test_version: i32,
    pub created_at: NaiveDateTime,
    pub suggested: &'static str,
    pub concluded: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetailActions {
    pub can_conclude: bool,
    pub can_record_article10: bool,
    pub can_reassess: bool,
}

/// One assessment, for its page.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentDetail {
    pub case_reference: String,
    pub id: String,
    pub version: i32,
    /// Whether this is the member's latest version (else it is shown as superseded).
    pub latest: bool,
    pub member: String,
    pub member_id: String,
    pub test_title: String,
    pub test_version: i32,
    pub questions: Vec<AnsweredQuestion>,
    pub suggestion: Suggestion,
    pub engaged: EngagedView,
    pub concluded: bool,
    pub concluded_label: Option<&'static str>,
    /// What the test's definition says follows from the conclusion in the engaged council's
    /// nation (version 2 on; in Wales a private conclusion keeps the disrepute reminder).
    pub conclusion_note: Option<String>,
    pub engaged_authority: Option<String>,
    pub conclusion_reason: Option<String>,
    pub concluded_at: Option<NaiveDateTime>,
    pub concluded_by: Option<String>,
    /// Whether the Article 10 stage applies (concluded as official capacity).
    pub article10_applies: bool,
    pub article10: Option<Article10View>,
    pub versions: Vec<VersionView>,
    pub actions: DetailActions,
    /// This member's response sent from their own page (issue 21).
    pub member_responses: Vec<crate::services::parties::officer::MemberResponse>,
}

impl AssessmentDetail {
    /// The conclusion form before anything is submitted: the suggestion and the suggested council.
    pub fn suggested_conclusion(&self) -> ConcludeInput {
        ConcludeInput {
            outcome: self.suggestion.outcome.clone(),
            authority: self.engaged.suggested_id.clone().unwrap_or_default(),
            reason: String::new(),
        }
    }
}

/// The forms on the assessment page, as submitted (or as they start).
#[derive(Debug, Clone, Serialize)]
pub struct DetailForms {
    pub conclude: ConcludeInput,
    pub article10: Article10Input,
}

fn outcome_label(code: &str) -> &'static str {
    vocab::label(&vocab::CAPACITY_OUTCOMES, code)
}

/// One assessment with the test's questions, the answers, the suggestion (recomputed from the
/// stored answers and the version of the test it used) and the engaged-authority suggestion.
/// Anyone who may see the case's assessments may read it (`access::Sections::assessments`: the
/// officers and a consulted Independent Person).
pub fn detail(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    assessment_id: &str,
) -> ServiceResult<AssessmentDetail> {
    let case = cases::find_visible(conn, user, reference)?;
    let sections = crate::services::access::sections(conn, user, &case.id)?;
    if !sections.assessments {
        return Err(ServiceError::NotFound);
    }
    // Officers' notes may name a complainant the user may not know.
    let withheld = crate::services::notices::withheld_from_viewer(conn, &case.id, &sections)?;
    let text = |t: &str| crate::services::notices::anonymise(t, &withheld);
    let a =
        rows::find_assessment(conn, assessment_id)?.filter(|a| a.case_id == case.id).ok_or(ServiceError::NotFound)?;
    let def = definition(conn, &a.test_version_id)?;
    let answers = rows::answers(conn, &a.id)?;
    let items = crate::models::evidence::list_items(conn, &case.id)?;
    let by_code: BTreeMap<String, Answer> =
        answers.iter().map(|x| (x.question_code.clone(), Answer::parse(&x.answer))).collect();
    let cited = super::capacity::cited_by(conn, &a.id)?;
    let engaged = engaged_authority(conn, &case, &a.member_id, a.role_used_authority_id.as_deref(), &cited)?;
    let nation = nation(&engaged, a.engaged_authority_id.as_deref());
    let suggestion = engine::evaluate(&def, &by_code, nation);
    let mut questions = Vec::new();
    for q in &def.questions {
        let ans = answers.iter().find(|x| x.question_code == q.code);
        let evidence: Vec<String> = match ans {
            Some(x) => rows::answer_evidence(conn, &x.id)?
                .into_iter()
                .filter_map(|id| items.iter().find(|i| i.id == id).map(|i| format!("E{}", i.number)))
                .collect(),
            None => Vec::new(),
        };
        questions.push(AnsweredQuestion {
            code: q.code.clone(),
            question: q.question.clone(),
            weight: q.weight.clone(),
            points_to: q.points_to.clone(),
            answer: ans.map(|x| x.answer.clone()).unwrap_or_else(|| "unanswered".into()),
            answer_label: match ans {
                Some(x) if vocab::is_code(&vocab::YES_NO_UNCLEAR, &x.answer) => {
                    vocab::label(&vocab::YES_NO_UNCLEAR, &x.answer)
                }
                _ => "Unanswered",
            },
            note: ans.and_then(|x| x.note.as_deref()).map(text),
            evidence,
            driver: suggestion.drivers.iter().any(|(c, _)| c == &q.code),
        });
    }
    let member = member_rows::find(conn, &a.member_id)?.ok_or(ServiceError::NotFound)?;
    let role_used_reason = a.role_used_reason.clone();
    let name_of = |id: &Option<String>, list: &[Authority]| {
        id.as_ref().and_then(|i| list.iter().find(|x| &x.id == i)).map(|x| x.name.clone())
    };
    let mut versions = Vec::new();
    for v in rows::assessments_for_case(conn, &case.id)?.into_iter().filter(|v| v.member_id == a.member_id) {
        versions.push(VersionView {
            test_version: test_rows::version_number(conn, &v.test_version_id)?,
            id: v.id,
            version: v.version,
            created_at: v.created_at,
            suggested: outcome_label(&v.suggested_outcome),
            concluded: v.concluded_outcome.as_deref().map(outcome_label),
        });
    }
    let conclusion_note = a
        .concluded_outcome
        .as_deref()
        .and_then(|o| def.outcomes.get(o))
        .and_then(|o| o.note(nation.as_str()))
        .map(str::to_string);
    let latest = rows::latest_for_member(conn, &case.id, &a.member_id)?.is_some_and(|l| l.id == a.id);
    let concluded_by = match &a.concluded_by_user_id {
        Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
        None => None,
    };
    let article10 = rows::article10_for(conn, &a.id)?;
    let actions = DetailActions {
        can_conclude: rules::may_conclude(user, &case, &a, latest).is_ok(),
        can_record_article10: rules::may_record_article10(user, &case, &a, article10.is_some()).is_ok(),
        can_reassess: rules::may_assess(user, &case).is_ok(),
    };
    Ok(AssessmentDetail {
        case_reference: case.reference.clone(),
        id: a.id.clone(),
        version: a.version,
        latest,
        member: member.full_name,
        member_id: member.id,
        test_title: def.title,
        test_version: def.version,
        questions,
        suggestion,
        engaged: EngagedView {
            candidates: engaged.candidates.iter().map(|c| Choice::new(&c.id, &c.name)).collect(),
            suggested_id: engaged.suggested.as_ref().map(|x| x.id.clone()),
            suggested: engaged.suggested.as_ref().map(|x| x.name.clone()),
            dual_hatted: engaged.dual_hatted,
            wales: engaged.candidates.iter().any(|c| c.nation == "wales"),
            why: engaged.why.clone(),
            role_used_reason,
            date: engaged.date.clone(),
            account: engaged.account.clone(),
        },
        concluded: a.concluded_at.is_some(),
        concluded_label: a.concluded_outcome.as_deref().map(outcome_label),
        conclusion_note,
        engaged_authority: name_of(&a.engaged_authority_id, &engaged.candidates),
        conclusion_reason: a.conclusion_reason.as_deref().map(text),
        concluded_at: a.concluded_at,
        concluded_by,
        article10_applies: rules::article10_applies(&a),
        article10: article10.map(|x| Article10View::of(&rows::Article10 { reasons: text(&x.reasons), ..x })),
        versions,
        actions,
        member_responses: crate::services::parties::officer::member_responses(conn, &case.id, &withheld)?
            .into_iter()
            .filter(|r| r.member_id == a.member_id)
            .collect(),
    })
}

/// A question of the current test on the assessment form, with the answer to start from.
#[derive(Debug, Clone, Serialize)]
pub struct FormQuestion {
    pub code: String,
    pub section: String,
    pub question: String,
    pub guidance: String,
    pub weight: String,
    pub answer: String,
    pub note: String,
    /// Evidence item ids linked to the answer.
    pub evidence: Vec<String>,
}

/// The assessment form for one member.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentForm {
    pub case_reference: String,
    pub member: String,
    pub member_id: String,
    pub test_title: String,
    pub test_version: i32,
    /// The version of the test the previous assessment answered, if there is one.
    pub previous_test_version: Option<i32>,
    /// Questions worded differently from the version the previous assessment answered: their
    /// previous answers are not carried over.
    pub reworded: Vec<String>,
    pub questions: Vec<FormQuestion>,
    pub evidence_items: Vec<Choice>,
    /// The member's councils at the time, for "whose role was used".
    pub councils: Vec<Choice>,
    pub dual_hatted: bool,
    pub role_used: String,
    pub role_used_reason: String,
    /// More than one council is possible on the date: the officer chooses and says why.
    pub needs_choice: bool,
    /// Why the register suggests (or cannot suggest) a council.
    pub engaged_why: String,
    pub suggested_council: Option<String>,
    /// The registered account the evidence was captured from, in words.
    pub account: Option<String>,
    /// The date the register was read on.
    pub date: RegisterDate,
    /// G1 as the register answers it.
    pub g1: MembershipCheck,
    /// Whether G1's answer on the form is the register's suggestion (not a previous answer).
    pub g1_prefilled: bool,
}

impl AssessmentForm {
    /// Shows what was submitted (after invalid input) instead of the previous version's answers.
    pub fn fill(&mut self, input: &AnswerInput) {
        for q in &mut self.questions {
            q.answer = input.answers.get(&q.code).cloned().unwrap_or_default();
            q.note = input.notes.get(&q.code).cloned().unwrap_or_default();
            q.evidence = input.evidence.get(&q.code).cloned().unwrap_or_default();
        }
        self.role_used = input.role_used.clone();
        self.role_used_reason = input.role_used_reason.clone();
        self.g1_prefilled = false;
    }
}

/// The questions of the current test, with the answers of the latest assessment of this member
/// (to start a reassessment from), and the member's councils for "whose role was used".
pub fn form_data(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    member_id: &str,
) -> ServiceResult<AssessmentForm> {
    let (case, member) = super::capacity::assessable(conn, user, reference, member_id)?;
    let (_, def) = current_test(conn)?;
    let previous = rows::latest_for_member(conn, &case.id, &member.id)?;
    let previous_answers = match &previous {
        Some(p) => rows::answers(conn, &p.id)?,
        None => Vec::new(),
    };
    let previous_def = match &previous {
        Some(p) => Some(definition(conn, &p.test_version_id)?),
        None => None,
    };
    // A question asked differently in the previous version is answered afresh.
    let reworded: Vec<String> = match &previous_def {
        Some(old) if old.version != def.version => def
            .questions
            .iter()
            .filter(|q| old.questions.iter().find(|o| o.code == q.code).is_none_or(|o| o.question != q.question))
            .map(|q| q.code.clone())
            .collect(),
        _ => Vec::new(),
    };
    let cited = match &previous {
        Some(p) => super::capacity::cited_by(conn, &p.id)?,
        None => Vec::new(),
    };
    let engaged = engaged_authority(conn, &case, &member.id, None, &cited)?;
    let evidence_items = crate::services::evidence::list_for_case(conn, &case)?
        .into_iter()
        .map(|v| Choice { value: v.item.id, label: format!("E{}: {}", v.item.number, v.current.title) })
        .collect();
    let mut questions = Vec::new();
    let mut g1_prefilled = false;
    for q in def.questions {
        let prev = previous_answers.iter().find(|x| x.question_code == q.code && !reworded.contains(&q.code));
        let answer = match prev {
            Some(x) => x.answer.clone(),
            None if q.code == "G1" => {
                g1_prefilled = true;
                engaged.g1.answer.to_string()
            }
            None => String::new(),
        };
        let evidence = match prev {
            Some(x) => rows::answer_evidence(conn, &x.id)?,
            None => Vec::new(),
        };
        questions.push(FormQuestion {
            answer,
            note: prev.and_then(|x| x.note.clone()).unwrap_or_default(),
            evidence,
            code: q.code,
            section: q.section,
            question: q.question,
            guidance: q.guidance,
            weight: q.weight,
        });
    }
    Ok(AssessmentForm {
        case_reference: case.reference,
        member: member.full_name,
        member_id: member.id,
        test_title: def.title,
        test_version: def.version,
        previous_test_version: previous_def.map(|d| d.version),
        reworded,
        questions,
        evidence_items,
        councils: engaged.candidates.iter().map(|c| Choice::new(&c.id, &c.name)).collect(),
        dual_hatted: engaged.dual_hatted,
        role_used: previous.as_ref().and_then(|p| p.role_used_authority_id.clone()).unwrap_or_default(),
        role_used_reason: previous.and_then(|p| p.role_used_reason).unwrap_or_default(),
        needs_choice: engaged.needs_choice,
        engaged_why: engaged.why,
        suggested_council: engaged.suggested.map(|a| a.name),
        account: engaged.account,
        date: engaged.date,
        g1: engaged.g1,
        g1_prefilled,
    })
}
