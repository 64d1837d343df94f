//! Investigations (with their notes and reports), hearings (with the panel), findings per
//! allegation and sanctions.

use crate::db::schema::{
    allegations, cases, code_provisions, conflict_declarations, findings, hearing_panel, hearings,
    investigation_entries, investigations, sanctions, user_members,
};
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = investigations)]
pub struct Investigation {
    pub id: String,
    pub case_id: String,
    pub investigator_user_id: Option<String>,
    pub external_investigator: Option<String>,
    pub terms_of_reference: String,
    pub target_on: NaiveDate,
    pub appointed_by_user_id: String,
    pub appointed_at: NaiveDateTime,
    pub completed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = investigation_entries)]
pub struct InvestigationEntry {
    pub id: String,
    pub investigation_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub occurred_on: NaiveDate,
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = hearings)]
pub struct Hearing {
    pub id: String,
    pub case_id: String,
    pub starts_at: NaiveDateTime,
    pub venue: Option<String>,
    pub remote_link: Option<String>,
    pub ip_user_id: String,
    pub member_representative: Option<String>,
    pub private_paragraph: Option<String>,
    pub private_reason: Option<String>,
    pub conflicts_considered: Option<String>,
    pub fixed_at: Option<NaiveDateTime>,
    pub outcome_recorded_at: Option<NaiveDateTime>,
    pub created_by_user_id: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = hearings)]
pub struct HearingChanges {
    pub starts_at: Option<NaiveDateTime>,
    pub venue: Option<Option<String>>,
    pub remote_link: Option<Option<String>>,
    pub ip_user_id: Option<String>,
    pub member_representative: Option<Option<String>>,
    pub private_paragraph: Option<Option<String>>,
    pub private_reason: Option<Option<String>>,
    pub conflicts_considered: Option<Option<String>>,
    pub fixed_at: Option<Option<NaiveDateTime>>,
    pub outcome_recorded_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = findings)]
pub struct Finding {
    pub id: String,
    pub hearing_id: String,
    pub allegation_id: String,
    pub breach: bool,
    pub reasons: String,
    pub article10_reasoning: String,
    pub recorded_by_user_id: String,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = sanctions)]
pub struct Sanction {
    pub id: String,
    pub case_id: String,
    pub hearing_id: String,
    pub member_id: String,
    pub kind: String,
    pub detail: String,
    pub recommended_to_authority_id: Option<String>,
    /// None for a sanction with nothing to follow up (censure).
    pub follow_up_on: Option<NaiveDate>,
    pub compliance: String,
    pub compliance_note: Option<String>,
    pub compliance_recorded_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    /// Why the sanction is proportionate (Article 10; Harvey, Taylor).
    pub proportionality: String,
    /// The list it was chosen from ("england-1": `seeds/sanctions/`).
    pub list_version: String,
    /// Who it is recommended to, when the panel cannot order it ("the Leader of the council or
    /// the member's group leader").
    pub recommendation_to: Option<String>,
}

pub fn investigation_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<Investigation>> {
    investigations::table
        .filter(investigations::case_id.eq(case_id))
        .select(Investigation::as_select())
        .first(conn)
        .optional()
}

pub fn insert_investigation(conn: &mut DbConnection, i: &Investigation) -> QueryResult<()> {
    diesel::insert_into(investigations::table).values(i).execute(conn).map(|_| ())
}

pub fn complete_investigation(conn: &mut DbConnection, id: &str, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(investigations::table.find(id)).set(investigations::completed_on.eq(Some(on))).execute(conn)
}

pub fn insert_entry(conn: &mut DbConnection, e: &InvestigationEntry) -> QueryResult<()> {
    diesel::insert_into(investigation_entries::table).values(e).execute(conn).map(|_| ())
}

pub fn entries(conn: &mut DbConnection, investigation_id: &str) -> QueryResult<Vec<InvestigationEntry>> {
    investigation_entries::table
        .filter(investigation_entries::investigation_id.eq(investigation_id))
        .order((investigation_entries::created_at.asc(), investigation_entries::id.asc()))
        .select(InvestigationEntry::as_select())
        .load(conn)
}

pub fn hearing_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<Hearing>> {
    hearings::table.filter(hearings::case_id.eq(case_id)).select(Hearing::as_select()).first(conn).optional()
}

pub fn insert_hearing(conn: &mut DbConnection, h: &Hearing) -> QueryResult<()> {
    diesel::insert_into(hearings::table).values(h).execute(conn).map(|_| ())
}

pub fn update_hearing(conn: &mut DbConnection, id: &str, changes: &HearingChanges) -> QueryResult<usize> {
    diesel::update(hearings::table.find(id)).set(changes).execute(conn)
}

/// The panel as (user id, chair), the chair first.
pub fn panel(conn: &mut DbConnection, hearing_id: &str) -> QueryResult<Vec<(String, bool)>> {
    hearing_panel::table
        .filter(hearing_panel::hearing_id.eq(hearing_id))
        .order((hearing_panel::chair.desc(), hearing_panel::user_id.asc()))
        .select((hearing_panel::user_id, hearing_panel::chair))
        .load(conn)
}

pub fn set_panel(conn: &mut DbConnection, hearing_id: &str, members: &[(String, bool)]) -> QueryResult<()> {
    diesel::delete(hearing_panel::table.filter(hearing_panel::hearing_id.eq(hearing_id))).execute(conn)?;
    for (user_id, chair) in members {
        diesel::insert_into(hearing_panel::table)
            .values((
                hearing_panel::hearing_id.eq(hearing_id),
                hearing_panel::user_id.eq(user_id),
                hearing_panel::chair.eq(chair),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_finding(conn: &mut DbConnection, f: &Finding) -> QueryResult<()> {
    diesel::insert_into(findings::table).values(f).execute(conn).map(|_| ())
}

pub fn findings_for(conn: &mut DbConnection, hearing_id: &str) -> QueryResult<Vec<Finding>> {
    findings::table.filter(findings::hearing_id.eq(hearing_id)).select(Finding::as_select()).load(conn)
}

pub fn insert_sanction(conn: &mut DbConnection, s: &Sanction) -> QueryResult<()> {
    diesel::insert_into(sanctions::table).values(s).execute(conn).map(|_| ())
}

pub fn sanctions_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<Sanction>> {
    sanctions::table
        .filter(sanctions::case_id.eq(case_id))
        .order((sanctions::follow_up_on.asc(), sanctions::id.asc()))
        .select(Sanction::as_select())
        .load(conn)
}

pub fn record_compliance(
    conn: &mut DbConnection,
    id: &str,
    compliance: &str,
    note: Option<&str>,
    on: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(sanctions::table.find(id))
        .set((
            sanctions::compliance.eq(compliance),
            sanctions::compliance_note.eq(note),
            sanctions::compliance_recorded_on.eq(Some(on)),
        ))
        .execute(conn)
}

/// The councillor on the register that a user is, if any.
pub fn member_of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<String>> {
    user_members::table.find(user_id).select(user_members::member_id).first(conn).optional()
}

pub fn set_member_of_user(conn: &mut DbConnection, user_id: &str, member_id: Option<&str>) -> QueryResult<()> {
    diesel::delete(user_members::table.find(user_id)).execute(conn)?;
    if let Some(member_id) = member_id {
        diesel::insert_into(user_members::table)
            .values((user_members::user_id.eq(user_id), user_members::member_id.eq(member_id)))
            .execute(conn)?;
    }
    Ok(())
}

/// A code provision's number and heading ("3 Bullying"), for an allegation.
pub fn provision_title(conn: &mut DbConnection, provision_id: &str) -> QueryResult<(String, String)> {
    code_provisions::table.find(provision_id).select((code_provisions::number, code_provisions::heading)).first(conn)
}

/// Records the hearing's finding on an allegation ("breach" or "no-breach").
pub fn set_allegation_status(conn: &mut DbConnection, allegation_id: &str, status: &str) -> QueryResult<usize> {
    diesel::update(allegations::table.find(allegation_id)).set(allegations::status.eq(status)).execute(conn)
}

/// The reasons a user gave when declaring a conflict on a case.
pub fn declared_conflicts(conn: &mut DbConnection, case_id: &str, user_id: &str) -> QueryResult<Vec<String>> {
    conflict_declarations::table
        .filter(conflict_declarations::case_id.eq(case_id))
        .filter(conflict_declarations::user_id.eq(user_id))
        .filter(conflict_declarations::cleared_at.is_null())
        .select(conflict_declarations::reason)
        .load(conn)
}

/// A sanction awaiting follow-up, with its case.
#[derive(Debug, Clone, Queryable)]
pub struct PendingFollowUp {
    pub case_id: String,
    pub reference: String,
    pub kind: String,
    pub follow_up_on: NaiveDate,
    pub member_id: String,
}

/// Sanctions still awaiting follow-up by the given day, soonest first (at most `limit`).
pub fn pending_follow_ups(conn: &mut DbConnection, until: NaiveDate, limit: i64) -> QueryResult<Vec<PendingFollowUp>> {
    sanctions::table
        .inner_join(cases::table)
        .filter(sanctions::compliance.eq("pending"))
        .filter(sanctions::follow_up_on.is_not_null())
        .filter(sanctions::follow_up_on.le(until))
        .order(sanctions::follow_up_on.asc())
        .limit(limit)
        .select((
            cases::id,
            cases::reference,
            sanctions::kind,
            sanctions::follow_up_on.assume_not_null(),
            sanctions::member_id,
        ))
        .load(conn)
}
