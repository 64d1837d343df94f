//! The capacity test explained, for officers and the standards committee: every loaded version
//! of the test, rendered from its definition (questions with guidance and source, outcomes, and
//! each rule in plain English), so the page cannot drift from the rules the engine applies.

use super::capacity::definition;
use super::engine::describe;
use crate::db::DbConnection;
use crate::models::capacity as test_rows;
use crate::models::user::User;
use crate::services::reference::CapacityDefinition;
use crate::services::ServiceResult;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct HelpQuestion {
    pub code: String,
    /// "Gate", "Points to official capacity" or "Points to private capacity".
    pub section: &'static str,
    pub question: String,
    pub guidance: String,
    pub weight: String,
    pub points_to: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpOutcome {
    pub label: String,
    pub england: Option<String>,
    pub wales: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpRule {
    pub id: String,
    /// The condition in plain English; None for the default rule (it applies when no other does).
    pub when: Option<String>,
    pub outcome: String,
    pub explain: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpVersion {
    pub version: i32,
    pub title: String,
    pub source: String,
    /// The version new assessments and reassessments use.
    pub current: bool,
    pub questions: Vec<HelpQuestion>,
    pub outcomes: Vec<HelpOutcome>,
    pub rules: Vec<HelpRule>,
}

/// The help page: the versions, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct CapacityHelp {
    pub versions: Vec<HelpVersion>,
}

fn section_label(section: &str) -> &'static str {
    match section {
        "gate" => "Gate",
        "official" => "Points to official capacity",
        "private" => "Points to private capacity",
        _ => "Other",
    }
}

/// One version, as the help page explains it (from the definition alone).
pub fn explain(def: &CapacityDefinition, current: bool) -> HelpVersion {
    let rule = |r: &crate::services::reference::RuleDef| HelpRule {
        id: r.id.clone(),
        when: r.when.as_ref().map(describe),
        outcome: def.outcome_label(&r.outcome),
        explain: r.explain.clone(),
        source: r.source.clone(),
    };
    HelpVersion {
        version: def.version,
        title: def.title.clone(),
        source: def.source.clone(),
        current,
        questions: def
            .questions
            .iter()
            .map(|q| HelpQuestion {
                code: q.code.clone(),
                section: section_label(&q.section),
                question: q.question.clone(),
                guidance: q.guidance.clone(),
                weight: q.weight.clone(),
                points_to: q.points_to.clone(),
                source: q.source.clone(),
            })
            .collect(),
        outcomes: def
            .outcomes
            .values()
            .map(|o| HelpOutcome {
                label: o.label().to_string(),
                england: o.note("england").map(str::to_string),
                wales: o.note("wales").map(str::to_string),
            })
            .collect(),
        rules: def.rules.iter().chain(def.default.iter()).map(rule).collect(),
    }
}

/// Every loaded version of the test, newest first. Any signed-in user may read it: it is not
/// confidential, and the committee and officers both rely on it.
pub fn capacity_test_help(conn: &mut DbConnection, _user: &User) -> ServiceResult<CapacityHelp> {
    let loaded = test_rows::list_versions(conn)?;
    let latest = loaded.iter().map(|v| v.version).max();
    let mut versions = Vec::new();
    for v in loaded.iter().rev() {
        let def = definition(conn, &v.id)?;
        versions.push(explain(&def, Some(v.version) == latest));
    }
    Ok(CapacityHelp { versions })
}
