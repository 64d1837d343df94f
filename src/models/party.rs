//! The parties' own pages (issue 21): links, sessions, what they send and officers' replies,
//! their files, their visits (the parties' access audit) and kept drafts.

use crate::db::schema::{party_drafts, party_files, party_items, party_links, party_sessions, party_visits};
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

pub const COMPLAINANT: &str = "complainant";
pub const MEMBER: &str = "member";

/// An invitation (in the acknowledgement or the member's notification) or a sign-in link.
pub const INVITE: &str = "invite";
pub const SIGN_IN: &str = "sign-in";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = party_links)]
pub struct PartyLink {
    /// SHA-256 (hex) of the token in the link.
    pub id: String,
    pub case_id: String,
    pub party: String,
    pub complaint_id: Option<String>,
    pub member_id: Option<String>,
    pub purpose: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by_user_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = party_sessions)]
pub struct PartySession {
    /// SHA-256 (hex) of the token in the cookie.
    pub id: String,
    pub case_id: String,
    pub party: String,
    pub complaint_id: Option<String>,
    pub member_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = party_items)]
pub struct PartyItem {
    pub id: String,
    pub case_id: String,
    pub party: String,
    pub complaint_id: Option<String>,
    pub member_id: Option<String>,
    /// "message", "evidence", "response", "report-comment" or "withdrawal".
    pub kind: String,
    pub from_party: bool,
    pub author_user_id: Option<String>,
    pub body: String,
    /// "sent"; evidence: "pending", "accepted" or "declined"; a response: "shared" once the
    /// officer shares it with the complainant.
    pub status: String,
    pub evidence_item_id: Option<String>,
    pub decided_by_user_id: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = party_files)]
pub struct PartyFile {
    pub id: String,
    pub party_item_id: String,
    pub sha256: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = party_visits)]
pub struct PartyVisit {
    pub id: String,
    pub case_id: String,
    pub party: String,
    pub complaint_id: Option<String>,
    pub member_id: Option<String>,
    pub what: String,
    pub ip_address: Option<String>,
    pub occurred_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = party_drafts)]
pub struct PartyDraft {
    pub id: String,
    pub case_id: String,
    pub party: String,
    pub complaint_id: Option<String>,
    pub member_id: Option<String>,
    pub body: String,
    pub saved_at: NaiveDateTime,
    /// The form it was typed into (`services::parties::send::Sending::code`).
    pub kind: String,
}

pub fn insert_link(conn: &mut DbConnection, l: &PartyLink) -> QueryResult<()> {
    diesel::insert_into(party_links::table).values(l).execute(conn).map(|_| ())
}

pub fn find_link(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PartyLink>> {
    party_links::table.find(id).select(PartyLink::as_select()).first(conn).optional()
}

/// Marks the link used if it was not: 1 if this call used it.
pub fn use_link(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        party_links::table
            .find(id)
            .filter(party_links::used_at.is_null())
            .filter(party_links::revoked_at.is_null())
            .filter(party_links::expires_at.gt(at)),
    )
    .set(party_links::used_at.eq(at))
    .execute(conn)
}

pub fn links_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<PartyLink>> {
    party_links::table
        .filter(party_links::case_id.eq(case_id))
        .order(party_links::created_at.asc())
        .select(PartyLink::as_select())
        .load(conn)
}

/// Revokes every live link of a party on a case: how many.
pub fn revoke_links(
    conn: &mut DbConnection,
    case_id: &str,
    party: &str,
    party_id: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let q = party_links::table
        .filter(party_links::case_id.eq(case_id))
        .filter(party_links::party.eq(party))
        .filter(party_links::used_at.is_null())
        .filter(party_links::revoked_at.is_null());
    let set = (party_links::revoked_at.eq(at), party_links::revoked_by_user_id.eq(by));
    if party == COMPLAINANT {
        diesel::update(q.filter(party_links::complaint_id.eq(party_id))).set(set).execute(conn)
    } else {
        diesel::update(q.filter(party_links::member_id.eq(party_id))).set(set).execute(conn)
    }
}

pub fn insert_session(conn: &mut DbConnection, s: &PartySession) -> QueryResult<()> {
    diesel::insert_into(party_sessions::table).values(s).execute(conn).map(|_| ())
}

/// The sessions on a case that have not ended (some may have run out of time).
pub fn open_sessions_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<PartySession>> {
    party_sessions::table
        .filter(party_sessions::case_id.eq(case_id))
        .filter(party_sessions::ended_at.is_null())
        .select(PartySession::as_select())
        .load(conn)
}

pub fn find_session(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PartySession>> {
    party_sessions::table.find(id).select(PartySession::as_select()).first(conn).optional()
}

pub fn touch_session(
    conn: &mut DbConnection,
    id: &str,
    seen: NaiveDateTime,
    expires: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(party_sessions::table.find(id))
        .set((party_sessions::last_seen_at.eq(seen), party_sessions::expires_at.eq(expires)))
        .execute(conn)
}

pub fn end_session(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(party_sessions::table.find(id)).set(party_sessions::ended_at.eq(at)).execute(conn)
}

/// Ends every session of a party on a case (when their links are revoked).
pub fn end_sessions(
    conn: &mut DbConnection,
    case_id: &str,
    party: &str,
    party_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let q = party_sessions::table
        .filter(party_sessions::case_id.eq(case_id))
        .filter(party_sessions::party.eq(party))
        .filter(party_sessions::ended_at.is_null());
    if party == COMPLAINANT {
        diesel::update(q.filter(party_sessions::complaint_id.eq(party_id)))
            .set(party_sessions::ended_at.eq(at))
            .execute(conn)
    } else {
        diesel::update(q.filter(party_sessions::member_id.eq(party_id)))
            .set(party_sessions::ended_at.eq(at))
            .execute(conn)
    }
}

pub fn insert_item(conn: &mut DbConnection, i: &PartyItem) -> QueryResult<()> {
    diesel::insert_into(party_items::table).values(i).execute(conn).map(|_| ())
}

pub fn find_item(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PartyItem>> {
    party_items::table.find(id).select(PartyItem::as_select()).first(conn).optional()
}

pub fn items_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<PartyItem>> {
    party_items::table
        .filter(party_items::case_id.eq(case_id))
        .order((party_items::created_at.asc(), party_items::id.asc()))
        .select(PartyItem::as_select())
        .load(conn)
}

pub fn set_item_status(
    conn: &mut DbConnection,
    id: &str,
    from: &str,
    status: &str,
    by: &str,
    evidence_item_id: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(party_items::table.find(id).filter(party_items::status.eq(from)))
        .set((
            party_items::status.eq(status),
            party_items::decided_by_user_id.eq(by),
            party_items::decided_at.eq(at),
            party_items::evidence_item_id.eq(evidence_item_id),
        ))
        .execute(conn)
}

/// Marks what one party sent on a case as read by the officers.
pub fn mark_read(
    conn: &mut DbConnection,
    case_id: &str,
    party: &str,
    party_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let q = party_items::table
        .filter(party_items::case_id.eq(case_id))
        .filter(party_items::party.eq(party))
        .filter(party_items::from_party.eq(true))
        .filter(party_items::read_at.is_null());
    if party == COMPLAINANT {
        diesel::update(q.filter(party_items::complaint_id.eq(party_id))).set(party_items::read_at.eq(at)).execute(conn)
    } else {
        diesel::update(q.filter(party_items::member_id.eq(party_id))).set(party_items::read_at.eq(at)).execute(conn)
    }
}

/// Marks the officers' messages to a party as read by that party.
pub fn mark_read_by_party(
    conn: &mut DbConnection,
    case_id: &str,
    party: &str,
    party_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let q = party_items::table
        .filter(party_items::case_id.eq(case_id))
        .filter(party_items::party.eq(party))
        .filter(party_items::from_party.eq(false))
        .filter(party_items::read_at.is_null());
    if party == COMPLAINANT {
        diesel::update(q.filter(party_items::complaint_id.eq(party_id))).set(party_items::read_at.eq(at)).execute(conn)
    } else {
        diesel::update(q.filter(party_items::member_id.eq(party_id))).set(party_items::read_at.eq(at)).execute(conn)
    }
}

pub fn insert_file(conn: &mut DbConnection, f: &PartyFile) -> QueryResult<()> {
    diesel::insert_into(party_files::table).values(f).execute(conn).map(|_| ())
}

pub fn files_for_items(conn: &mut DbConnection, item_ids: &[String]) -> QueryResult<Vec<PartyFile>> {
    party_files::table
        .filter(party_files::party_item_id.eq_any(item_ids))
        .order(party_files::original_name.asc())
        .select(PartyFile::as_select())
        .load(conn)
}

pub fn find_file(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PartyFile>> {
    party_files::table.find(id).select(PartyFile::as_select()).first(conn).optional()
}

pub fn insert_visit(conn: &mut DbConnection, v: &PartyVisit) -> QueryResult<()> {
    diesel::insert_into(party_visits::table).values(v).execute(conn).map(|_| ())
}

pub fn visits_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<PartyVisit>> {
    party_visits::table
        .filter(party_visits::case_id.eq(case_id))
        .order(party_visits::occurred_at.desc())
        .select(PartyVisit::as_select())
        .load(conn)
}

pub fn insert_draft(conn: &mut DbConnection, d: &PartyDraft) -> QueryResult<()> {
    diesel::insert_into(party_drafts::table).values(d).execute(conn).map(|_| ())
}

/// The kept drafts of a party on a case, newest first (one per form at most).
pub fn drafts(conn: &mut DbConnection, case_id: &str, party: &str, party_id: &str) -> QueryResult<Vec<PartyDraft>> {
    let q = party_drafts::table
        .filter(party_drafts::case_id.eq(case_id))
        .filter(party_drafts::party.eq(party))
        .order(party_drafts::saved_at.desc())
        .select(PartyDraft::as_select());
    if party == COMPLAINANT {
        q.filter(party_drafts::complaint_id.eq(party_id)).load(conn)
    } else {
        q.filter(party_drafts::member_id.eq(party_id)).load(conn)
    }
}

/// Deletes a party's kept draft of one form (`kind`).
pub fn delete_drafts(
    conn: &mut DbConnection,
    case_id: &str,
    party: &str,
    party_id: &str,
    kind: &str,
) -> QueryResult<usize> {
    let q = party_drafts::table
        .filter(party_drafts::case_id.eq(case_id))
        .filter(party_drafts::party.eq(party))
        .filter(party_drafts::kind.eq(kind));
    if party == COMPLAINANT {
        diesel::delete(q.filter(party_drafts::complaint_id.eq(party_id))).execute(conn)
    } else {
        diesel::delete(q.filter(party_drafts::member_id.eq(party_id))).execute(conn)
    }
}

/// The parties' visits between two days (inclusive), newest first, with the case's reference.
pub fn visits_between(
    conn: &mut DbConnection,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    limit: i64,
) -> QueryResult<Vec<(PartyVisit, String)>> {
    use crate::db::schema::cases;
    let start = from.and_time(chrono::NaiveTime::MIN);
    let end = to.succ_opt().unwrap_or(to).and_time(chrono::NaiveTime::MIN);
    party_visits::table
        .inner_join(cases::table.on(cases::id.eq(party_visits::case_id)))
        .filter(party_visits::occurred_at.ge(start))
        .filter(party_visits::occurred_at.lt(end))
        .order(party_visits::occurred_at.desc())
        .limit(limit)
        .select((PartyVisit::as_select(), cases::reference))
        .load(conn)
}
