//! Anonymised summaries of the cases closed in a period: no complainant appears, and a member is
//! named only where a breach was found and the decision published.

use crate::db::DbConnection;
use crate::models::report::{self as rows, Window};
use crate::services::reports::ids::TierGroup;
use crate::services::vocab;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub reference: String,
    pub received_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub authority: String,
    pub tier: String,
    pub platform: String,
    pub source: String,
    pub provisions: String,
    pub status: String,
    pub outcome: String,
    /// Named only where a breach was found and the decision published.
    pub member: Option<String>,
}

/// The cases closed in the window, most recently closed first (at most `limit`), and how many
/// were closed in all.
pub fn summaries(conn: &mut DbConnection, w: Window, limit: Option<i64>) -> QueryResult<(Vec<CaseSummary>, i64)> {
    let total = rows::count_closed(conn, w)?;
    let closed = rows::closed_cases(conn, w, limit)?;
    // What each case needs from other tables, looked up in batches (a bound-parameter list stays
    // well under both backends' limits) and kept by case id.
    let mut first_complaint: HashMap<String, (String, Option<String>)> = HashMap::new();
    let mut provisions_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut named: HashMap<String, Vec<String>> = HashMap::new();
    let mut last_decision: HashMap<String, (String, String)> = HashMap::new();
    for chunk in closed.chunks(500) {
        let case_ids: Vec<&String> = chunk.iter().map(|c| &c.id).collect();
        for (case_id, source, platform) in rows::complaint_sources(conn, &case_ids)? {
            first_complaint.entry(case_id).or_insert((source, platform));
        }
        for (case_id, number) in rows::provision_numbers(conn, &case_ids)? {
            provisions_of.entry(case_id).or_default().push(number);
        }
        for (case_id, name) in rows::members_named(conn, &case_ids)? {
            named.entry(case_id).or_default().push(name);
        }
        for (case_id, stage, outcome) in rows::decisions_in_order(conn, &case_ids)? {
            last_decision.insert(case_id, (stage, outcome));
        }
    }
    let out = closed
        .into_iter()
        .map(|c| {
            let first = first_complaint.get(&c.id);
            let mut provisions: Vec<&str> =
                provisions_of.get(&c.id).map(|p| p.iter().map(String::as_str).collect()).unwrap_or_default();
            provisions.sort();
            let mut names: Vec<&str> =
                named.get(&c.id).map(|n| n.iter().map(String::as_str).collect()).unwrap_or_default();
            names.sort();
            names.dedup();
            let last = last_decision.get(&c.id).map(|(stage, outcome)| vocab::stage_outcome_label(stage, outcome));
            CaseSummary {
                reference: c.reference,
                received_on: c.received_on,
                closed_on: c.closed_at.map(|t| t.date()),
                authority: c.authority,
                tier: TierGroup::of(&c.tier).label().into(),
                platform: first
                    .and_then(|f| f.1.as_deref())
                    .map(|p| vocab::label(&vocab::PLATFORMS, p))
                    .unwrap_or("Not given")
                    .into(),
                source: first.map(|f| vocab::label(&vocab::COMPLAINT_SOURCES, &f.0)).unwrap_or("").into(),
                provisions: provisions.join(", "),
                // A case destroyed under the retention schedule was closed in the period: the
                // report for a past period reads as it did.
                status: match c.status {
                    crate::models::enums::CaseStatus::Destroyed => crate::models::enums::CaseStatus::Closed.label(),
                    s => s.label(),
                }
                .into(),
                outcome: c.closure_reason.or(last).unwrap_or_default(),
                member: (!names.is_empty()).then(|| names.join(", ")),
            }
        })
        .collect();
    Ok((out, total))
}
