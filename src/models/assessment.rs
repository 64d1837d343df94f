use crate::db::schema::{
    article10_assessments, capacity_answer_evidence, capacity_answers, capacity_assessments, decision_notices,
    decisions, ip_consultations, review_requests,
};
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = capacity_assessments)]
pub struct CapacityAssessment {
    pub id: String,
    pub case_id: String,
    pub member_id: String,
    pub version: i32,
    pub test_version_id: String,
    pub role_used_authority_id: Option<String>,
    pub suggested_outcome: String,
    pub suggested_rule: String,
    pub suggested_authority_id: Option<String>,
    pub dual_hatted: bool,
    pub concluded_outcome: Option<String>,
    pub engaged_authority_id: Option<String>,
    pub conclusion_reason: Option<String>,
    pub concluded_by_user_id: Option<String>,
    pub concluded_at: Option<NaiveDateTime>,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// Why the officer chose the council whose role was used, when more than one was possible.
    pub role_used_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = capacity_answers)]
pub struct CapacityAnswer {
    pub id: String,
    pub assessment_id: String,
    pub question_code: String,
    pub answer: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = article10_assessments)]
pub struct Article10 {
    pub id: String,
    pub assessment_id: String,
    pub prima_facie_breach: bool,
    pub political_expression: String,
    pub target: String,
    pub fact_or_value: String,
    pub knowingly_false: String,
    pub gratuitous_abuse: String,
    pub proportionate_to_act: String,
    pub reasons: String,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = ip_consultations)]
pub struct IpConsultation {
    pub id: String,
    pub case_id: String,
    pub stage: String,
    pub ip_user_id: String,
    pub question: String,
    pub requested_by_user_id: String,
    pub requested_at: NaiveDateTime,
    pub outbox_id: Option<String>,
    pub view_text: Option<String>,
    pub view_recorded_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = decisions)]
pub struct Decision {
    pub id: String,
    pub case_id: String,
    pub stage: String,
    pub outcome: String,
    pub reason_category: Option<String>,
    pub reasons: String,
    pub decided_by_user_id: String,
    pub decided_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = decision_notices)]
pub struct DecisionNotice {
    pub id: String,
    pub decision_id: String,
    pub recipient_kind: String,
    pub recipient_name: String,
    pub to_address: Option<String>,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub outbox_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub sent_by_user_id: Option<String>,
}

impl DecisionNotice {
    /// A notice drafted for the officer to review before it is sent.
    pub fn draft(
        decision_id: &str,
        kind: &str,
        name: String,
        to: Option<String>,
        subject: String,
        body: String,
    ) -> Self {
        DecisionNotice {
            id: crate::models::new_id(),
            decision_id: decision_id.to_string(),
            recipient_kind: kind.to_string(),
            recipient_name: name,
            to_address: to,
            subject,
            body,
            status: "draft".into(),
            outbox_id: None,
            created_at: crate::models::now(),
            sent_at: None,
            sent_by_user_id: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = review_requests)]
pub struct ReviewRequest {
    pub id: String,
    pub decision_id: String,
    pub requested_by: String,
    pub received_on: NaiveDate,
    pub grounds: String,
    pub outcome: Option<String>,
    pub recorded_by_user_id: String,
    pub recorded_at: NaiveDateTime,
    /// When the outcome is due (working days from the request: `decisions::review_outcome`).
    pub due_on: Option<NaiveDate>,
    pub outcome_reasons: Option<String>,
    pub decided_by_user_id: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

pub fn insert_assessment(conn: &mut DbConnection, a: &CapacityAssessment) -> QueryResult<()> {
    diesel::insert_into(capacity_assessments::table).values(a).execute(conn).map(|_| ())
}

pub fn insert_answer(conn: &mut DbConnection, a: &CapacityAnswer) -> QueryResult<()> {
    diesel::insert_into(capacity_answers::table).values(a).execute(conn).map(|_| ())
}

pub fn link_answer_evidence(conn: &mut DbConnection, answer_id: &str, item_id: &str) -> QueryResult<()> {
    diesel::insert_into(capacity_answer_evidence::table)
        .values((
            capacity_answer_evidence::answer_id.eq(answer_id),
            capacity_answer_evidence::evidence_item_id.eq(item_id),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn answer_evidence(conn: &mut DbConnection, answer_id: &str) -> QueryResult<Vec<String>> {
    capacity_answer_evidence::table
        .filter(capacity_answer_evidence::answer_id.eq(answer_id))
        .select(capacity_answer_evidence::evidence_item_id)
        .load(conn)
}

pub fn find_assessment(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CapacityAssessment>> {
    capacity_assessments::table.find(id).select(CapacityAssessment::as_select()).first(conn).optional()
}

pub fn assessments_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<CapacityAssessment>> {
    capacity_assessments::table
        .filter(capacity_assessments::case_id.eq(case_id))
        .order((capacity_assessments::member_id.asc(), capacity_assessments::version.asc()))
        .select(CapacityAssessment::as_select())
        .load(conn)
}

pub fn latest_for_member(
    conn: &mut DbConnection,
    case_id: &str,
    member_id: &str,
) -> QueryResult<Option<CapacityAssessment>> {
    capacity_assessments::table
        .filter(capacity_assessments::case_id.eq(case_id))
        .filter(capacity_assessments::member_id.eq(member_id))
        .order(capacity_assessments::version.desc())
        .select(CapacityAssessment::as_select())
        .first(conn)
        .optional()
}

pub fn answers(conn: &mut DbConnection, assessment_id: &str) -> QueryResult<Vec<CapacityAnswer>> {
    capacity_answers::table
        .filter(capacity_answers::assessment_id.eq(assessment_id))
        .select(CapacityAnswer::as_select())
        .load(conn)
}

pub fn conclude(
    conn: &mut DbConnection,
    id: &str,
    outcome: &str,
    authority_id: Option<&str>,
    reason: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(capacity_assessments::table.find(id).filter(capacity_assessments::concluded_at.is_null()))
        .set((
            capacity_assessments::concluded_outcome.eq(Some(outcome)),
            capacity_assessments::engaged_authority_id.eq(authority_id),
            capacity_assessments::conclusion_reason.eq(reason),
            capacity_assessments::concluded_by_user_id.eq(Some(by)),
            capacity_assessments::concluded_at.eq(Some(at)),
        ))
        .execute(conn)
}

pub fn insert_article10(conn: &mut DbConnection, a: &Article10) -> QueryResult<()> {
    diesel::insert_into(article10_assessments::table).values(a).execute(conn).map(|_| ())
}

pub fn article10_for(conn: &mut DbConnection, assessment_id: &str) -> QueryResult<Option<Article10>> {
    article10_assessments::table
        .filter(article10_assessments::assessment_id.eq(assessment_id))
        .order(article10_assessments::created_at.desc())
        .select(Article10::as_select())
        .first(conn)
        .optional()
}

pub fn insert_consultation(conn: &mut DbConnection, c: &IpConsultation) -> QueryResult<()> {
    diesel::insert_into(ip_consultations::table).values(c).execute(conn).map(|_| ())
}

pub fn consultations_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<IpConsultation>> {
    ip_consultations::table
        .filter(ip_consultations::case_id.eq(case_id))
        .order(ip_consultations::requested_at.asc())
        .select(IpConsultation::as_select())
        .load(conn)
}

/// A consultation on this case (none for another case's id).
pub fn find_consultation(conn: &mut DbConnection, case_id: &str, id: &str) -> QueryResult<Option<IpConsultation>> {
    ip_consultations::table
        .find(id)
        .filter(ip_consultations::case_id.eq(case_id))
        .select(IpConsultation::as_select())
        .first(conn)
        .optional()
}

pub fn record_view(conn: &mut DbConnection, id: &str, view: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(ip_consultations::table.find(id))
        .set((ip_consultations::view_text.eq(Some(view)), ip_consultations::view_recorded_at.eq(Some(at))))
        .execute(conn)
}

pub fn insert_decision(conn: &mut DbConnection, d: &Decision) -> QueryResult<()> {
    diesel::insert_into(decisions::table).values(d).execute(conn).map(|_| ())
}

pub fn decisions_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<Decision>> {
    decisions::table
        .filter(decisions::case_id.eq(case_id))
        .order(decisions::decided_at.asc())
        .select(Decision::as_select())
        .load(conn)
}

/// The case's decisions that stand: those without an upheld review (an upheld review reopens the
/// case, and the stage is decided again).
pub fn standing_decisions_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<Decision>> {
    decisions::table
        .filter(decisions::case_id.eq(case_id))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            review_requests::table
                .filter(review_requests::decision_id.eq(decisions::id))
                .filter(review_requests::outcome.eq("upheld")),
        )))
        .order(decisions::decided_at.asc())
        .select(Decision::as_select())
        .load(conn)
}

/// A decision on this case (none for another case's id).
pub fn find_decision(conn: &mut DbConnection, case_id: &str, id: &str) -> QueryResult<Option<Decision>> {
    decisions::table
        .find(id)
        .filter(decisions::case_id.eq(case_id))
        .select(Decision::as_select())
        .first(conn)
        .optional()
}

pub fn insert_notice(conn: &mut DbConnection, n: &DecisionNotice) -> QueryResult<()> {
    diesel::insert_into(decision_notices::table).values(n).execute(conn).map(|_| ())
}

pub fn notices(conn: &mut DbConnection, decision_id: &str) -> QueryResult<Vec<DecisionNotice>> {
    decision_notices::table
        .filter(decision_notices::decision_id.eq(decision_id))
        .order((decision_notices::recipient_kind.asc(), decision_notices::recipient_name.asc()))
        .select(DecisionNotice::as_select())
        .load(conn)
}

pub fn update_notice_text(conn: &mut DbConnection, id: &str, subject: &str, body: &str) -> QueryResult<usize> {
    diesel::update(decision_notices::table.find(id).filter(decision_notices::status.eq("draft")))
        .set((decision_notices::subject.eq(subject), decision_notices::body.eq(body)))
        .execute(conn)
}

pub fn mark_notice_sent(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    outbox_id: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(decision_notices::table.find(id).filter(decision_notices::status.eq("draft")))
        .set((
            decision_notices::status.eq(status),
            decision_notices::outbox_id.eq(outbox_id),
            decision_notices::sent_by_user_id.eq(Some(by)),
            decision_notices::sent_at.eq(Some(at)),
        ))
        .execute(conn)
}

pub fn insert_review(conn: &mut DbConnection, r: &ReviewRequest) -> QueryResult<()> {
    diesel::insert_into(review_requests::table).values(r).execute(conn).map(|_| ())
}

pub fn find_review(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ReviewRequest>> {
    review_requests::table.find(id).select(ReviewRequest::as_select()).first(conn).optional()
}

/// Records a review's outcome ("upheld" or "not-upheld") with its reasons.
pub fn decide_review(
    conn: &mut DbConnection,
    id: &str,
    outcome: &str,
    reasons: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(review_requests::table.find(id))
        .set((
            review_requests::outcome.eq(Some(outcome)),
            review_requests::outcome_reasons.eq(Some(reasons)),
            review_requests::decided_by_user_id.eq(Some(by)),
            review_requests::decided_at.eq(Some(at)),
        ))
        .execute(conn)
}

pub fn reviews(conn: &mut DbConnection, decision_id: &str) -> QueryResult<Vec<ReviewRequest>> {
    review_requests::table
        .filter(review_requests::decision_id.eq(decision_id))
        .order(review_requests::recorded_at.asc())
        .select(ReviewRequest::as_select())
        .load(conn)
}
