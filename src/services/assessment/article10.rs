//! The Article 10 (freedom of expression) stage: after a conclusion of official capacity, could a
//! breach properly be found, would a finding restrict expression, and is that justified
//! (Sanders v Kingston; Heesom).

use super::rules;
use crate::db::DbConnection;
use crate::models::assessment::{self as rows, Article10};
use crate::models::case as case_rows;
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::Permission;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use serde::Serialize;

/// The Article 10 stage as submitted.
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

/// A recorded Article 10 stage, in words.
#[derive(Debug, Clone, Serialize)]
pub struct Article10View {
    pub prima_facie_breach: &'static str,
    pub political_expression: &'static str,
    pub target: &'static str,
    pub fact_or_value: &'static str,
    pub knowingly_false: &'static str,
    pub gratuitous_abuse: &'static str,
    pub proportionate_to_act: &'static str,
    pub reasons: String,
}

impl Article10View {
    pub fn of(row: &Article10) -> Self {
        Article10View {
            prima_facie_breach: if row.prima_facie_breach { "Yes" } else { "No" },
            political_expression: vocab::label(&vocab::YES_NO, &row.political_expression),
            target: vocab::label(&vocab::ARTICLE10_TARGETS, &row.target),
            fact_or_value: vocab::label(&vocab::FACT_OR_VALUE, &row.fact_or_value),
            knowingly_false: vocab::label(&vocab::YES_NO_UNCLEAR, &row.knowingly_false),
            gratuitous_abuse: vocab::label(&vocab::YES_NO_UNCLEAR, &row.gratuitous_abuse),
            proportionate_to_act: vocab::label(&vocab::YES_NO_UNCLEAR, &row.proportionate_to_act),
            reasons: row.reasons.clone(),
        }
    }
}

fn check(input: &Article10Input) -> Result<(), ServiceError> {
    let mut e = FieldErrors::default();
    if !vocab::is_code(&vocab::YES_NO, &input.prima_facie_breach) {
        e.add("prima_facie_breach", "Select whether a breach could properly be found on the facts");
    }
    if !vocab::is_code(&vocab::YES_NO, &input.political_expression) {
        e.add("political_expression", "Select whether this is political expression");
    }
    if !vocab::is_code(&vocab::ARTICLE10_TARGETS, &input.target) {
        e.add("target", "Select who the expression was about");
    }
    if !vocab::is_code(&vocab::FACT_OR_VALUE, &input.fact_or_value) {
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
        if !vocab::is_code(&vocab::YES_NO_UNCLEAR, v) {
            e.add(field, msg);
        }
    }
    if clean(&input.reasons).is_none() {
        e.add("reasons", "Give the reasons for the proportionality conclusion");
    }
    e.into_result()
}

/// Records the Article 10 stage of a concluded (official capacity) assessment.
pub fn record_article10(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    assessment_id: &str,
    input: &Article10Input,
) -> ServiceResult<Article10> {
    crate::db::write(conn, |conn| {
        let a = rows::find_assessment(conn, assessment_id)?.ok_or(ServiceError::NotFound)?;
        let case = case_rows::find(conn, &a.case_id)?.ok_or(ServiceError::NotFound)?;
        let case = cases::find_visible(conn, user, &case.reference)?;
        rules::require(user, Permission::WorkCases)?;
        let recorded = rows::article10_for(conn, &a.id)?.is_some();
        rules::may_record_article10(user, &case, &a, recorded).map_err(ServiceError::Refused)?;
        check(input)?;
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
