//! The initial assessment as the case page (and the decision form) shows it: each member's
//! capacity, the Independent Person consultations and the decisions, with what the user may do.

use super::rules;
use crate::db::DbConnection;
use crate::models::assessment::{self as rows, ReviewRequest};
use crate::models::case::Case;
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::access::{self, Permission};
use crate::services::{notices, vocab};
use crate::services::{ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// A member complained about, with their latest capacity assessment.
#[derive(Debug, Clone, Serialize)]
pub struct MemberCapacity {
    pub id: String,
    pub name: String,
    /// The latest assessment's id, if assessed.
    pub assessment: Option<String>,
    pub version: Option<i32>,
    /// The version of the capacity test the latest assessment answered.
    pub test_version: Option<i32>,
    /// The engine's suggestion, in words.
    pub suggested: Option<&'static str>,
    /// The conclusion, in words.
    pub concluded: Option<&'static str>,
    pub can_assess: bool,
}

/// An Independent Person consultation.
#[derive(Debug, Clone, Serialize)]
pub struct ConsultationView {
    pub id: String,
    /// The Independent Person's name.
    pub ip: String,
    /// Whether the user is the Independent Person asked.
    pub mine: bool,
    /// The stage the view is sought for, in words.
    pub stage: &'static str,
    pub question: String,
    pub requested_at: NaiveDateTime,
    pub view: Option<String>,
    pub view_recorded_at: Option<NaiveDateTime>,
    pub can_record_view: bool,
}

/// A request for a decision to be reviewed.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    pub id: String,
    /// "complainant" or "member" (the page says "requested by the …").
    pub requested_by: String,
    pub requested_by_label: &'static str,
    pub received_on: NaiveDate,
    pub grounds: String,
    pub outcome: Option<String>,
    /// The outcome in words ("Upheld: …").
    pub outcome_label: Option<&'static str>,
    pub outcome_reasons: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    /// When the outcome is due, and whether that has passed with none recorded.
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    /// May record the outcome (the Monitoring Officer or a deputy, once).
    pub can_decide: bool,
}

impl ReviewView {
    fn of(r: ReviewRequest) -> Self {
        let today = chrono::Utc::now().date_naive();
        ReviewView {
            requested_by_label: vocab::label(&vocab::REVIEW_REQUESTERS, &r.requested_by),
            outcome_label: r.outcome.as_deref().map(|o| vocab::label(&vocab::REVIEW_OUTCOMES, o)),
            overdue: r.outcome.is_none() && r.due_on.is_some_and(|d| d < today),
            can_decide: false,
            id: r.id,
            requested_by: r.requested_by,
            received_on: r.received_on,
            grounds: r.grounds,
            outcome: r.outcome,
            outcome_reasons: r.outcome_reasons,
            decided_at: r.decided_at,
            due_on: r.due_on,
        }
    }
}

/// A decision on the case (any stage), with its notices and review requests.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub id: String,
    pub stage: String,
    /// The outcome, in words.
    pub outcome: String,
    pub reasons: String,
    pub decided_at: NaiveDateTime,
    /// Who decided.
    pub by: String,
    pub notices_pending: usize,
    pub notices_sent: usize,
    pub reviews: Vec<ReviewView>,
    pub can_record_review: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryActions {
    /// May assess (or reassess) the members' capacity.
    pub can_assess: bool,
    /// May record the initial-assessment decision now.
    pub can_decide: bool,
    /// May ask an Independent Person for their view.
    pub can_ask_ip: bool,
    /// May record a request for a decision to be reviewed.
    pub can_record_review: bool,
}

/// Everything the case page shows of the initial assessment.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentSummary {
    pub members: Vec<MemberCapacity>,
    pub consultations: Vec<ConsultationView>,
    pub decisions: Vec<DecisionView>,
    /// The user's role signs off decisions.
    pub can_sign_off: bool,
    /// Why the assessment cannot start yet: a complaint taken by telephone or in person waits
    /// for its written confirmation (s.28(9)).
    pub written_gap: Option<String>,
    pub actions: SummaryActions,
}

fn outcome_label(code: &str) -> &'static str {
    vocab::label(&vocab::CAPACITY_OUTCOMES, code)
}

/// Everything the case page shows of the initial assessment, for a user who may see the case.
pub fn summary(conn: &mut DbConnection, user: &User, case: &Case) -> ServiceResult<AssessmentSummary> {
    if !access::can_view_case(conn, user, &case.id)? {
        return Err(ServiceError::NotFound);
    }
    let written_gap = crate::services::cases::written::gap(conn, case)?;
    let can_assess = rules::may_assess(user, case).is_ok() && written_gap.is_none();
    // Officers' questions and reasons may name a complainant the user may not know.
    let sections = access::sections(conn, user, &case.id)?;
    let withheld = notices::withheld_from_viewer(conn, &case.id, &sections)?;
    let text = |t: String| notices::anonymise(&t, &withheld);
    let mut members = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let latest = rows::latest_for_member(conn, &case.id, &m.id)?;
        let test_version = match &latest {
            Some(a) => Some(crate::models::capacity::version_number(conn, &a.test_version_id)?),
            None => None,
        };
        members.push(MemberCapacity {
            test_version,
            id: m.id,
            name: m.full_name,
            assessment: latest.as_ref().map(|a| a.id.clone()),
            version: latest.as_ref().map(|a| a.version),
            suggested: latest.as_ref().map(|a| outcome_label(&a.suggested_outcome)),
            concluded: latest.as_ref().and_then(|a| a.concluded_outcome.as_deref()).map(outcome_label),
            can_assess,
        });
    }
    let mut consultations = Vec::new();
    for c in rows::consultations_for_case(conn, &case.id)? {
        let ip = user_rows::find(conn, &c.ip_user_id)?.map(|u| u.name).unwrap_or_default();
        consultations.push(ConsultationView {
            can_record_view: rules::may_record_view(user, &c).is_ok(),
            mine: c.ip_user_id == user.id,
            stage: vocab::label(&vocab::IP_STAGES, &c.stage),
            id: c.id,
            ip,
            question: text(c.question),
            requested_at: c.requested_at,
            view: c.view_text.map(text),
            view_recorded_at: c.view_recorded_at,
        });
    }
    let can_record_review = rules::may_record_review(user).is_ok();
    let decision_rows = rows::decisions_for_case(conn, &case.id)?;
    let can_decide = rules::may_decide(user, case, &rows::standing_decisions_for_case(conn, &case.id)?).is_ok()
        && written_gap.is_none();
    let mut decisions = Vec::new();
    for d in decision_rows {
        let by = user_rows::find(conn, &d.decided_by_user_id)?.map(|u| u.name).unwrap_or_default();
        let notices = rows::notices(conn, &d.id)?;
        let pending = notices.iter().filter(|n| n.status == "draft" && n.recipient_kind != "publication").count();
        decisions.push(DecisionView {
            outcome: vocab::decision_label(&d),
            notices_pending: pending,
            notices_sent: notices.len() - pending,
            reviews: rows::reviews(conn, &d.id)?
                .into_iter()
                .map(|r| ReviewView {
                    grounds: text(r.grounds.clone()),
                    can_decide: rules::may_decide_review(user, &r).is_ok(),
                    ..ReviewView::of(r)
                })
                .collect(),
            can_record_review,
            id: d.id,
            stage: d.stage,
            reasons: text(d.reasons),
            decided_at: d.decided_at,
            by,
        });
    }
    Ok(AssessmentSummary {
        members,
        consultations,
        decisions,
        can_sign_off: access::can(user, Permission::SignOffDecisions),
        written_gap,
        actions: SummaryActions {
            can_assess,
            can_decide,
            can_ask_ip: rules::may_ask_ip(user, case).is_ok(),
            can_record_review,
        },
    })
}
