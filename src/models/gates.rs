//! Reasons recorded for going past a step the process normally requires first (issue 16): for
//! example an initial-assessment decision made before the member was told of the complaint.

use crate::db::schema::decision_gate_reasons;
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// The gate a decision went past: the member was not told, or their response (or its deadline)
/// had not come.
pub const MEMBER_NOTICE: &str = "member-notice";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = decision_gate_reasons)]
pub struct DecisionGateReason {
    pub id: String,
    pub decision_id: String,
    pub gate: String,
    pub reason: String,
    pub recorded_by_user_id: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, r: &DecisionGateReason) -> QueryResult<()> {
    diesel::insert_into(decision_gate_reasons::table).values(r).execute(conn).map(|_| ())
}

pub fn for_decision(conn: &mut DbConnection, decision_id: &str) -> QueryResult<Vec<DecisionGateReason>> {
    decision_gate_reasons::table
        .filter(decision_gate_reasons::decision_id.eq(decision_id))
        .order(decision_gate_reasons::recorded_at.asc())
        .select(DecisionGateReason::as_select())
        .load(conn)
}
