//! Retention of closed cases (the columns `retain_until`, the legal hold and the approval of
//! destruction on `cases`), the queries destruction runs, and the access log.

use crate::db::schema::{access_log, cases};
use crate::db::DbConnection;
use crate::models::enums::CaseStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

/// A case's retention: when it may be destroyed, any legal hold, and the approval to destroy.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = cases)]
pub struct Retention {
    pub id: String,
    pub reference: String,
    pub status: CaseStatus,
    pub authority_id: String,
    pub closed_at: Option<NaiveDateTime>,
    pub closure_reason: Option<String>,
    pub retain_until: Option<NaiveDate>,
    pub destroyed_at: Option<NaiveDateTime>,
    pub legal_hold_reason: Option<String>,
    pub legal_hold_by_user_id: Option<String>,
    pub legal_hold_at: Option<NaiveDateTime>,
    pub destruction_approved_by_user_id: Option<String>,
    pub destruction_approved_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<Retention>> {
    cases::table.find(case_id).select(Retention::as_select()).first(conn).optional()
}

/// Sets (or clears) when a case may be destroyed; any approval to destroy it is withdrawn.
pub fn set_retain_until(conn: &mut DbConnection, case_id: &str, until: Option<NaiveDate>) -> QueryResult<usize> {
    diesel::update(cases::table.find(case_id))
        .set((
            cases::retain_until.eq(until),
            cases::destruction_approved_by_user_id.eq(None::<String>),
            cases::destruction_approved_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Places a legal hold (with its reason), or lifts it (`None`); either withdraws any approval.
pub fn set_hold(
    conn: &mut DbConnection,
    case_id: &str,
    hold: Option<(&str, &str, NaiveDateTime)>,
) -> QueryResult<usize> {
    diesel::update(cases::table.find(case_id))
        .set((
            cases::legal_hold_reason.eq(hold.map(|h| h.0)),
            cases::legal_hold_by_user_id.eq(hold.map(|h| h.1)),
            cases::legal_hold_at.eq(hold.map(|h| h.2)),
            cases::destruction_approved_by_user_id.eq(None::<String>),
            cases::destruction_approved_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

pub fn approve(conn: &mut DbConnection, case_id: &str, user_id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(cases::table.find(case_id))
        .set((cases::destruction_approved_by_user_id.eq(user_id), cases::destruction_approved_at.eq(at)))
        .execute(conn)
}

/// Closed cases with a date to keep them until, not yet destroyed (held or not), the longest
/// overdue first.
pub fn scheduled(conn: &mut DbConnection) -> QueryResult<Vec<Retention>> {
    cases::table
        .filter(cases::status.eq(CaseStatus::Closed))
        .filter(cases::destroyed_at.is_null())
        .filter(cases::retain_until.is_not_null())
        .order((cases::retain_until.asc(), cases::reference.asc()))
        .select(Retention::as_select())
        .load(conn)
}

/// Marks the case destroyed (its summary and search text replaced).
pub fn mark_destroyed(conn: &mut DbConnection, case_id: &str, summary: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(cases::table.find(case_id))
        .set((
            cases::status.eq(CaseStatus::Destroyed),
            cases::summary.eq(summary),
            cases::search_text.eq(""),
            cases::destroyed_at.eq(at),
            cases::updated_at.eq(at),
        ))
        .execute(conn)
}

// ---------------------------------------------------------------------------------------------
// The access log

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = access_log)]
pub struct AccessEntry {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub object: String,
    pub case_id: Option<String>,
    pub day: NaiveDate,
    pub first_at: NaiveDateTime,
}

pub fn seen(conn: &mut DbConnection, user_id: &str, kind: &str, object: &str, day: NaiveDate) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        access_log::table
            .filter(access_log::user_id.eq(user_id))
            .filter(access_log::kind.eq(kind))
            .filter(access_log::object.eq(object))
            .filter(access_log::day.eq(day)),
    ))
    .get_result(conn)
}

pub fn insert_access(conn: &mut DbConnection, e: &AccessEntry) -> QueryResult<usize> {
    diesel::insert_into(access_log::table).values(e).execute(conn)
}

/// The log between two days (inclusive), newest first, with the user's name, at most `limit`.
pub fn accesses(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<(AccessEntry, String)>> {
    use crate::db::schema::users;
    access_log::table
        .inner_join(users::table)
        .filter(access_log::day.ge(from).and(access_log::day.le(to)))
        .order((access_log::first_at.desc(), access_log::object.asc()))
        .limit(limit)
        .select((AccessEntry::as_select(), users::name))
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Destruction: what identifies anyone in a case's rows is removed or blanked; what the committee
// figures count (dates, council, platform, source, outcomes, provisions, statuses) is kept.

/// What every blanked text is replaced by.
pub const REMOVED: &str = "";

/// Removes the personal data held in the case's rows (see the module's README section for the
/// list) and returns the SHA-256 of every stored file the case referred to (the caller deletes
/// those nothing refers to any more). Evidence items keep their row (number, kind, source,
/// status); their versions, files and custody entries are deleted here (the caller starts each
/// item's tombstone chain).
pub fn purge_case(conn: &mut DbConnection, case_id: &str, reference: &str) -> QueryResult<Vec<String>> {
    use crate::db::schema::*;
    let mut shas: Vec<String> = Vec::new();

    // Complaints, their complainants, files and links.
    let complaint_ids: Vec<String> =
        complaints::table.filter(complaints::case_id.eq(case_id)).select(complaints::id).load(conn)?;
    let complainant_ids: Vec<String> =
        complaints::table.filter(complaints::case_id.eq(case_id)).select(complaints::complainant_id).load(conn)?;
    shas.extend(
        complaint_files::table
            .filter(complaint_files::complaint_id.eq_any(&complaint_ids))
            .select(complaint_files::sha256)
            .load::<String>(conn)?,
    );
    crate::models::written_confirmation::delete_for_complaints(conn, &complaint_ids)?;
    diesel::delete(complaint_files::table.filter(complaint_files::complaint_id.eq_any(&complaint_ids)))
        .execute(conn)?;
    diesel::delete(complaint_links::table.filter(complaint_links::complaint_id.eq_any(&complaint_ids)))
        .execute(conn)?;
    diesel::update(complaints::table.filter(complaints::case_id.eq(case_id)))
        .set((
            complaints::post_urls.eq(REMOVED),
            complaints::what_happened.eq(REMOVED),
            complaints::why_official.eq(REMOVED),
            complaints::outcome_sought.eq(None::<String>),
            complaints::witnesses.eq(None::<String>),
            complaints::unlisted_member_name.eq(None::<String>),
            complaints::confidentiality_reason.eq(None::<String>),
            complaints::conduct_period.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(complainants::table.filter(complainants::id.eq_any(&complainant_ids)))
        .set((
            complainants::name.eq("Removed under the retention schedule"),
            complainants::email.eq(None::<String>),
            complainants::phone.eq(None::<String>),
            complainants::address.eq(None::<String>),
        ))
        .execute(conn)?;
    let drafts: Vec<String> = complaint_drafts::table
        .filter(complaint_drafts::case_reference.eq(reference))
        .select(complaint_drafts::id)
        .load(conn)?;
    shas.extend(
        draft_files::table
            .filter(draft_files::draft_id.eq_any(&drafts))
            .select(draft_files::sha256)
            .load::<String>(conn)?,
    );
    diesel::delete(draft_files::table.filter(draft_files::draft_id.eq_any(&drafts))).execute(conn)?;
    diesel::delete(complaint_drafts::table.filter(complaint_drafts::id.eq_any(&drafts))).execute(conn)?;

    // Notes, conflicts, the case's history and its emails.
    diesel::delete(case_notes::table.filter(case_notes::case_id.eq(case_id))).execute(conn)?;
    diesel::update(conflict_declarations::table.filter(conflict_declarations::case_id.eq(case_id)))
        .set((conflict_declarations::reason.eq(REMOVED), conflict_declarations::cleared_reason.eq(None::<String>)))
        .execute(conn)?;
    diesel::update(audit_log::table.filter(audit_log::case_id.eq(case_id)))
        .set((
            audit_log::summary.eq("Removed under the retention schedule"),
            audit_log::details.eq(None::<String>),
            audit_log::ip_address.eq(None::<String>),
        ))
        .execute(conn)?;
    crate::models::outbox::delete_attachments_for_case(conn, case_id)?;
    diesel::update(outbox::table.filter(outbox::case_id.eq(case_id)))
        .set((
            outbox::to_address.eq(REMOVED),
            outbox::to_name.eq(None::<String>),
            outbox::subject.eq("Removed under the retention schedule"),
            outbox::body_text.eq(REMOVED),
            outbox::body_html.eq(None::<String>),
            outbox::last_error.eq(None::<String>),
            outbox::context_json.eq(None::<String>),
        ))
        .execute(conn)?;

    // The parties' own pages: their messages, files, drafts, links and sessions go; their
    // visits stay (the access audit) without the addresses they came from.
    let party_items_ids: Vec<String> =
        party_items::table.filter(party_items::case_id.eq(case_id)).select(party_items::id).load(conn)?;
    shas.extend(
        party_files::table
            .filter(party_files::party_item_id.eq_any(&party_items_ids))
            .select(party_files::sha256)
            .load::<String>(conn)?,
    );
    diesel::delete(party_files::table.filter(party_files::party_item_id.eq_any(&party_items_ids))).execute(conn)?;
    diesel::update(party_items::table.filter(party_items::case_id.eq(case_id)))
        .set(party_items::body.eq(REMOVED))
        .execute(conn)?;
    diesel::delete(party_drafts::table.filter(party_drafts::case_id.eq(case_id))).execute(conn)?;
    diesel::delete(party_sessions::table.filter(party_sessions::case_id.eq(case_id))).execute(conn)?;
    diesel::delete(party_links::table.filter(party_links::case_id.eq(case_id))).execute(conn)?;
    diesel::update(party_visits::table.filter(party_visits::case_id.eq(case_id)))
        .set(party_visits::ip_address.eq(None::<String>))
        .execute(conn)?;

    // Evidence: the rows stay (numbered, kind, source, status); what was captured goes.
    let items: Vec<String> =
        evidence_items::table.filter(evidence_items::case_id.eq(case_id)).select(evidence_items::id).load(conn)?;
    shas.extend(
        evidence_files::table
            .filter(evidence_files::item_id.eq_any(&items))
            .select(evidence_files::sha256)
            .load::<String>(conn)?,
    );
    diesel::delete(evidence_files::table.filter(evidence_files::item_id.eq_any(&items))).execute(conn)?;
    diesel::delete(evidence_versions::table.filter(evidence_versions::item_id.eq_any(&items))).execute(conn)?;
    diesel::delete(custody_log::table.filter(custody_log::item_id.eq_any(&items))).execute(conn)?;

    // Assessments, consultations, decisions and their notices: outcomes stay, reasons go.
    let assessments: Vec<String> = capacity_assessments::table
        .filter(capacity_assessments::case_id.eq(case_id))
        .select(capacity_assessments::id)
        .load(conn)?;
    diesel::update(capacity_assessments::table.filter(capacity_assessments::case_id.eq(case_id)))
        .set((
            capacity_assessments::conclusion_reason.eq(None::<String>),
            capacity_assessments::role_used_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(capacity_answers::table.filter(capacity_answers::assessment_id.eq_any(&assessments)))
        .set(capacity_answers::note.eq(None::<String>))
        .execute(conn)?;
    diesel::update(article10_assessments::table.filter(article10_assessments::assessment_id.eq_any(&assessments)))
        .set(article10_assessments::reasons.eq(REMOVED))
        .execute(conn)?;
    diesel::update(ip_consultations::table.filter(ip_consultations::case_id.eq(case_id)))
        .set((ip_consultations::question.eq(REMOVED), ip_consultations::view_text.eq(None::<String>)))
        .execute(conn)?;
    let decision_ids: Vec<String> =
        decisions::table.filter(decisions::case_id.eq(case_id)).select(decisions::id).load(conn)?;
    diesel::update(decisions::table.filter(decisions::case_id.eq(case_id)))
        .set(decisions::reasons.eq(REMOVED))
        .execute(conn)?;
    diesel::update(decision_notices::table.filter(decision_notices::decision_id.eq_any(&decision_ids)))
        .set((
            decision_notices::recipient_name.eq(REMOVED),
            decision_notices::to_address.eq(None::<String>),
            decision_notices::subject.eq(REMOVED),
            decision_notices::body.eq(REMOVED),
        ))
        .execute(conn)?;
    diesel::update(review_requests::table.filter(review_requests::decision_id.eq_any(&decision_ids)))
        .set((review_requests::grounds.eq(REMOVED), review_requests::outcome_reasons.eq(None::<String>)))
        .execute(conn)?;
    diesel::update(decision_gate_reasons::table.filter(decision_gate_reasons::decision_id.eq_any(&decision_ids)))
        .set(decision_gate_reasons::reason.eq(REMOVED))
        .execute(conn)?;
    diesel::update(member_notifications::table.filter(member_notifications::case_id.eq(case_id)))
        .set(member_notifications::response_summary.eq(None::<String>))
        .execute(conn)?;

    // Takedowns and informal resolution: dates and statuses stay.
    let requests: Vec<String> = takedown_requests::table
        .filter(takedown_requests::case_id.eq(case_id))
        .select(takedown_requests::id)
        .load(conn)?;
    diesel::update(takedown_requests::table.filter(takedown_requests::case_id.eq(case_id)))
        .set((
            takedown_requests::addressee_name.eq(REMOVED),
            takedown_requests::platform_reference.eq(None::<String>),
            takedown_requests::to_address.eq(None::<String>),
            takedown_requests::request_text.eq(REMOVED),
        ))
        .execute(conn)?;
    diesel::update(takedown_events::table.filter(takedown_events::request_id.eq_any(&requests)))
        .set(takedown_events::note.eq(None::<String>))
        .execute(conn)?;
    diesel::update(informal_actions::table.filter(informal_actions::case_id.eq(case_id)))
        .set((informal_actions::description.eq(REMOVED), informal_actions::done_note.eq(None::<String>)))
        .execute(conn)?;

    // Investigation and hearing: that they happened, when, and what was found stay.
    let investigation_ids: Vec<String> =
        investigations::table.filter(investigations::case_id.eq(case_id)).select(investigations::id).load(conn)?;
    shas.extend(
        investigation_entries::table
            .filter(investigation_entries::investigation_id.eq_any(&investigation_ids))
            .filter(investigation_entries::sha256.is_not_null())
            .select(investigation_entries::sha256.assume_not_null())
            .load::<String>(conn)?,
    );
    diesel::delete(
        investigation_entries::table.filter(investigation_entries::investigation_id.eq_any(&investigation_ids)),
    )
    .execute(conn)?;
    diesel::update(investigations::table.filter(investigations::case_id.eq(case_id)))
        .set((investigations::external_investigator.eq(None::<String>), investigations::terms_of_reference.eq(REMOVED)))
        .execute(conn)?;
    let hearing_ids: Vec<String> =
        hearings::table.filter(hearings::case_id.eq(case_id)).select(hearings::id).load(conn)?;
    diesel::update(hearings::table.filter(hearings::case_id.eq(case_id)))
        .set((
            hearings::venue.eq(None::<String>),
            hearings::remote_link.eq(None::<String>),
            hearings::member_representative.eq(None::<String>),
            hearings::private_reason.eq(None::<String>),
            hearings::conflicts_considered.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(findings::table.filter(findings::hearing_id.eq_any(&hearing_ids)))
        .set((findings::reasons.eq(REMOVED), findings::article10_reasoning.eq(REMOVED)))
        .execute(conn)?;
    diesel::update(sanctions::table.filter(sanctions::case_id.eq(case_id)))
        .set((
            sanctions::detail.eq(REMOVED),
            sanctions::proportionality.eq(REMOVED),
            sanctions::compliance_note.eq(None::<String>),
        ))
        .execute(conn)?;

    shas.sort();
    shas.dedup();
    // Forms already sent (the evidence form's drafts are labelled "E3", not by case) that still
    // hold one of these files: their work is done, and they would keep the file.
    let sent: Vec<String> = draft_files::table
        .inner_join(complaint_drafts::table)
        .filter(draft_files::sha256.eq_any(&shas))
        .filter(complaint_drafts::submitted_at.is_not_null())
        .select(complaint_drafts::id)
        .distinct()
        .load(conn)?;
    diesel::delete(draft_files::table.filter(draft_files::draft_id.eq_any(&sent))).execute(conn)?;
    diesel::delete(complaint_drafts::table.filter(complaint_drafts::id.eq_any(&sent))).execute(conn)?;
    Ok(shas)
}

/// Of these stored files, those nothing refers to any more (no complaint, draft, evidence item,
/// custody entry or investigation entry).
pub fn no_longer_referenced(conn: &mut DbConnection, candidates: &[String]) -> QueryResult<Vec<String>> {
    use crate::db::schema::*;
    use diesel::dsl::not;
    stored_files::table
        .filter(stored_files::sha256.eq_any(candidates))
        .filter(not(stored_files::sha256.eq_any(draft_files::table.select(draft_files::sha256))))
        .filter(not(stored_files::sha256.eq_any(complaint_files::table.select(complaint_files::sha256))))
        .filter(not(stored_files::sha256.eq_any(evidence_files::table.select(evidence_files::sha256))))
        .filter(not(stored_files::sha256.eq_any(disclosures::table.select(disclosures::sha256))))
        .filter(not(stored_files::sha256.eq_any(party_files::table.select(party_files::sha256))))
        .filter(not(stored_files::sha256.nullable().eq_any(
            custody_log::table.filter(custody_log::file_sha256.is_not_null()).select(custody_log::file_sha256),
        )))
        .filter(not(stored_files::sha256.nullable().eq_any(
            investigation_entries::table
                .filter(investigation_entries::sha256.is_not_null())
                .select(investigation_entries::sha256),
        )))
        .select(stored_files::sha256)
        .load(conn)
}
