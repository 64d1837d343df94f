use crate::db::schema::{
    allegations, complainants, complaint_files, complaint_links, complaints, member_notifications,
};
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = complainants)]
pub struct Complainant {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub complainant_type: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = complaints)]
pub struct Complaint {
    pub id: String,
    pub case_id: String,
    pub complainant_id: String,
    pub authority_id: String,
    pub source: String,
    pub received_on: NaiveDate,
    pub logged_by_user_id: Option<String>,
    pub conduct_on: Option<NaiveDate>,
    pub conduct_period: Option<String>,
    pub platform: Option<String>,
    pub post_urls: String,
    pub what_happened: String,
    pub why_official: String,
    pub outcome_sought: Option<String>,
    pub witnesses: Option<String>,
    pub unlisted_member_name: Option<String>,
    pub confidentiality_requested: bool,
    pub confidentiality_reason: Option<String>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub declared_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = complaint_links)]
pub struct ComplaintLink {
    pub id: String,
    pub complaint_id: String,
    pub url: String,
    pub canonical_url: String,
    pub platform: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = complaint_files)]
pub struct ComplaintFile {
    pub id: String,
    pub complaint_id: String,
    pub sha256: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = allegations)]
pub struct Allegation {
    pub id: String,
    pub case_id: String,
    pub complaint_id: String,
    pub member_id: String,
    pub code_provision_id: String,
    /// "open", "withdrawn", or the hearing's finding ("breach", "no-breach").
    pub status: String,
    pub created_at: NaiveDateTime,
    /// The Monitoring Officer's wording (none: the complaint's own words stand).
    pub wording: Option<String>,
    /// Who added it (none: it came with the complaint).
    pub added_by_user_id: Option<String>,
    pub withdrawn_reason: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
}

/// An allegation withdrawn by the Monitoring Officer.
pub const WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = member_notifications)]
pub struct MemberNotification {
    pub id: String,
    pub case_id: String,
    pub member_id: String,
    pub outbox_id: String,
    pub notified_by_user_id: String,
    pub notified_at: NaiveDateTime,
    /// When the member's response to the notification arrived, and what it said (recorded by an
    /// officer).
    pub response_received_on: Option<NaiveDate>,
    pub response_summary: Option<String>,
    pub response_recorded_by_user_id: Option<String>,
    pub response_recorded_at: Option<NaiveDateTime>,
}

pub fn insert_complainant(conn: &mut DbConnection, c: &Complainant) -> QueryResult<()> {
    diesel::insert_into(complainants::table).values(c).execute(conn).map(|_| ())
}

pub fn insert(conn: &mut DbConnection, c: &Complaint) -> QueryResult<()> {
    diesel::insert_into(complaints::table).values(c).execute(conn).map(|_| ())
}

pub fn insert_link(conn: &mut DbConnection, l: &ComplaintLink) -> QueryResult<()> {
    diesel::insert_into(complaint_links::table).values(l).execute(conn).map(|_| ())
}

pub fn insert_file(conn: &mut DbConnection, f: &ComplaintFile) -> QueryResult<()> {
    diesel::insert_into(complaint_files::table).values(f).execute(conn).map(|_| ())
}

pub fn insert_allegation(conn: &mut DbConnection, a: &Allegation) -> QueryResult<()> {
    diesel::insert_into(allegations::table).values(a).execute(conn).map(|_| ())
}

pub fn insert_notification(conn: &mut DbConnection, n: &MemberNotification) -> QueryResult<()> {
    diesel::insert_into(member_notifications::table).values(n).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Complaint>> {
    complaints::table.find(id).select(Complaint::as_select()).first(conn).optional()
}

pub fn list_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<(Complaint, Complainant)>> {
    complaints::table
        .inner_join(complainants::table)
        .filter(complaints::case_id.eq(case_id))
        .order((complaints::received_on.asc(), complaints::created_at.asc()))
        .select((Complaint::as_select(), Complainant::as_select()))
        .load(conn)
}

pub fn list_links_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<ComplaintLink>> {
    complaint_links::table
        .inner_join(complaints::table)
        .filter(complaints::case_id.eq(case_id))
        .select(ComplaintLink::as_select())
        .load(conn)
}

pub fn list_files_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<ComplaintFile>> {
    complaint_files::table
        .inner_join(complaints::table)
        .filter(complaints::case_id.eq(case_id))
        .order(complaint_files::uploaded_at.asc())
        .select(ComplaintFile::as_select())
        .load(conn)
}

/// The allegations a case goes forward on (withdrawn ones left out), oldest first; ties (one
/// complaint's allegations share a time) in id order, so both backends agree.
pub fn list_allegations_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<Allegation>> {
    allegations::table
        .filter(allegations::case_id.eq(case_id))
        .filter(allegations::status.ne(WITHDRAWN))
        .order((allegations::created_at.asc(), allegations::id.asc()))
        .select(Allegation::as_select())
        .load(conn)
}

/// Every allegation of a case, withdrawn ones included, in the same order.
pub fn list_all_allegations_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<Allegation>> {
    allegations::table
        .filter(allegations::case_id.eq(case_id))
        .order((allegations::created_at.asc(), allegations::id.asc()))
        .select(Allegation::as_select())
        .load(conn)
}

pub fn find_allegation(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Allegation>> {
    allegations::table.find(id).select(Allegation::as_select()).first(conn).optional()
}

/// What an amendment changes on an allegation.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = allegations)]
pub struct AllegationChanges {
    pub member_id: Option<String>,
    pub code_provision_id: Option<String>,
    pub status: Option<String>,
    pub wording: Option<Option<String>>,
    pub withdrawn_reason: Option<Option<String>>,
    pub withdrawn_at: Option<Option<NaiveDateTime>>,
}

pub fn update_allegation(conn: &mut DbConnection, id: &str, changes: &AllegationChanges) -> QueryResult<usize> {
    diesel::update(allegations::table.find(id)).set(changes).execute(conn)
}

pub fn list_notifications_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<MemberNotification>> {
    member_notifications::table
        .filter(member_notifications::case_id.eq(case_id))
        .order(member_notifications::notified_at.asc())
        .select(MemberNotification::as_select())
        .load(conn)
}

/// Records the member's response to a notification.
pub fn record_response(
    conn: &mut DbConnection,
    id: &str,
    received_on: NaiveDate,
    summary: &str,
    by_user_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(member_notifications::table.find(id))
        .set((
            member_notifications::response_received_on.eq(Some(received_on)),
            member_notifications::response_summary.eq(Some(summary)),
            member_notifications::response_recorded_by_user_id.eq(Some(by_user_id)),
            member_notifications::response_recorded_at.eq(Some(at)),
        ))
        .execute(conn)
}

/// Records a response the member sent from their own page (`/my-case`) on their notification for
/// the case, unless a response is recorded already: no officer recorded it.
pub fn record_response_from_member(
    conn: &mut DbConnection,
    case_id: &str,
    member_id: &str,
    summary: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        member_notifications::table
            .filter(member_notifications::case_id.eq(case_id))
            .filter(member_notifications::member_id.eq(member_id))
            .filter(member_notifications::response_received_on.is_null()),
    )
    .set((
        member_notifications::response_received_on.eq(Some(at.date())),
        member_notifications::response_summary.eq(Some(summary)),
        member_notifications::response_recorded_at.eq(Some(at)),
    ))
    .execute(conn)
}

pub fn count_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<i64> {
    complaints::table.filter(complaints::case_id.eq(case_id)).count().get_result(conn)
}

/// Open cases with a complaint linking to one of these canonical URLs and, when members are
/// given, an allegation against one of them.
pub fn cases_matching(
    conn: &mut DbConnection,
    canonical_urls: &[String],
    member_ids: &[String],
    excluding_case: Option<&str>,
) -> QueryResult<Vec<String>> {
    use crate::db::schema::cases;
    if canonical_urls.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = complaint_links::table
        .inner_join(complaints::table.inner_join(cases::table))
        .filter(complaint_links::canonical_url.eq_any(canonical_urls))
        .filter(cases::closed_at.is_null())
        .select(cases::id)
        .distinct()
        .into_boxed();
    if let Some(id) = excluding_case {
        query = query.filter(cases::id.ne(id.to_string()));
    }
    if !member_ids.is_empty() {
        query = query.filter(diesel::dsl::exists(
            allegations::table
                .filter(allegations::case_id.eq(cases::id))
                .filter(allegations::member_id.eq_any(member_ids.to_vec())),
        ));
    }
    query.load(conn)
}

pub fn mark_acknowledged(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id)).set(complaints::acknowledged_at.eq(Some(at))).execute(conn)
}

/// Moves a complaint, with its allegations, to another case.
pub fn move_to_case(conn: &mut DbConnection, complaint_id: &str, case_id: &str) -> QueryResult<()> {
    diesel::update(complaints::table.find(complaint_id)).set(complaints::case_id.eq(case_id)).execute(conn)?;
    diesel::update(allegations::table.filter(allegations::complaint_id.eq(complaint_id)))
        .set(allegations::case_id.eq(case_id))
        .execute(conn)?;
    Ok(())
}
