use crate::db::schema::{allegations, case_notes, cases, sequences};
use crate::db::DbConnection;
pub use crate::models::enums::CaseStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cases)]
pub struct Case {
    pub id: String,
    pub reference: String,
    pub status: CaseStatus,
    pub summary: String,
    pub authority_id: String,
    pub assigned_user_id: Option<String>,
    pub received_on: NaiveDate,
    pub ack_due_on: NaiveDate,
    pub acknowledged_on: Option<NaiveDate>,
    pub assessment_due_on: NaiveDate,
    pub assessed_on: Option<NaiveDate>,
    pub closed_at: Option<NaiveDateTime>,
    pub closure_reason: Option<String>,
    pub retain_until: Option<NaiveDate>,
    pub destroyed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub search_text: String,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub status: Option<CaseStatus>,
    pub summary: Option<String>,
    pub assigned_user_id: Option<Option<String>>,
    pub acknowledged_on: Option<Option<NaiveDate>>,
    pub assessed_on: Option<Option<NaiveDate>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
    pub closure_reason: Option<Option<String>>,
    pub search_text: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, c: &Case) -> QueryResult<()> {
    diesel::insert_into(cases::table).values(c).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Case>> {
    cases::table.find(id).select(Case::as_select()).first(conn).optional()
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> QueryResult<Option<Case>> {
    cases::table.filter(cases::reference.eq(reference)).select(Case::as_select()).first(conn).optional()
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &CaseChanges) -> QueryResult<usize> {
    diesel::update(cases::table.find(id)).set(changes).execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    cases::table.count().get_result(conn)
}

/// Stores the lower-cased text the case list searches.
pub fn set_search_text(conn: &mut DbConnection, id: &str, text: &str) -> QueryResult<usize> {
    diesel::update(cases::table.find(id)).set(cases::search_text.eq(text)).execute(conn)
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// A condition on `cases`, such as who may see which (`services::access::visible_cases`).
pub type CaseCondition<'a> = Box<dyn BoxableExpression<cases::table, Backend, SqlType = Bool> + 'a>;

/// What the case list and the dashboard ask for. Every part left empty matches every case.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// One of these statuses (an empty list matches nothing).
    pub statuses: Option<Vec<CaseStatus>>,
    pub authority_id: Option<String>,
    /// With an allegation against this member.
    pub member_id: Option<String>,
    /// `Some(None)`: unassigned.
    pub assigned: Option<Option<String>>,
    /// Open, with the acknowledgement or the initial assessment not done and due before this day.
    pub overdue_on: Option<NaiveDate>,
    /// With the acknowledgement or the initial assessment not done and due between these days.
    pub due_between: Option<(NaiveDate, NaiveDate)>,
    /// Words that must all appear in the search text (lower-cased).
    pub terms: Vec<String>,
    /// Match the terms against the reference and summary only, not the search text (which
    /// holds complainants' names): for users who may not see who complained.
    pub terms_in_summary_only: bool,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    #[default]
    Newest,
    Oldest,
    Reference,
    AckDue,
    AssessmentDue,
}

type Boxed<'a> = cases::BoxedQuery<'a, Backend>;

fn filtered<'a>(within: CaseCondition<'a>, f: &CaseFilter) -> Boxed<'a> {
    let mut query = cases::table.into_boxed().filter(within);
    if let Some(statuses) = &f.statuses {
        query = query.filter(cases::status.eq_any(statuses.clone()));
    }
    if let Some(id) = &f.authority_id {
        query = query.filter(cases::authority_id.eq(id.clone()));
    }
    match &f.assigned {
        None => {}
        Some(None) => query = query.filter(cases::assigned_user_id.is_null()),
        Some(Some(id)) => query = query.filter(cases::assigned_user_id.eq(id.clone())),
    }
    if let Some(member) = &f.member_id {
        query = query.filter(diesel::dsl::exists(
            allegations::table
                .filter(allegations::case_id.eq(cases::id))
                .filter(allegations::member_id.eq(member.clone())),
        ));
    }
    if let Some(day) = f.overdue_on {
        query = query.filter(cases::status.eq_any(CaseStatus::open())).filter(
            (cases::acknowledged_on.is_null().and(cases::ack_due_on.lt(day)))
                .or(cases::assessed_on.is_null().and(cases::assessment_due_on.lt(day))),
        );
    }
    if let Some((from, to)) = f.due_between {
        query = query.filter(
            (cases::acknowledged_on.is_null().and(cases::ack_due_on.between(from, to)))
                .or(cases::assessed_on.is_null().and(cases::assessment_due_on.between(from, to))),
        );
    }
    for term in &f.terms {
        let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        if f.terms_in_summary_only {
            query = query.filter(
                lower(cases::summary)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(cases::reference).like(pattern).escape('\\')),
            );
        } else {
            query = query.filter(cases::search_text.like(pattern).escape('\\'));
        }
    }
    query
}

/// How many cases within `within` match the filter.
pub fn count_matching(conn: &mut DbConnection, within: CaseCondition<'_>, f: &CaseFilter) -> QueryResult<i64> {
    filtered(within, f).count().get_result(conn)
}

/// The ids of one page of matching cases (sorted and paged on the ids alone: a narrow sort).
pub fn ids_matching(
    conn: &mut DbConnection,
    within: CaseCondition<'_>,
    f: &CaseFilter,
    order: CaseOrder,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let query = filtered(within, f);
    let query = match order {
        CaseOrder::Oldest => query.order((cases::received_on.asc(), cases::reference.asc())),
        CaseOrder::Reference => query.order(cases::reference.asc()),
        CaseOrder::AckDue => query.order((cases::ack_due_on.asc(), cases::reference.asc())),
        CaseOrder::AssessmentDue => query.order((cases::assessment_due_on.asc(), cases::reference.asc())),
        CaseOrder::Newest => query.order((cases::received_on.desc(), cases::reference.desc())),
    };
    query.offset(offset).limit(limit).select(cases::id).load(conn)
}

/// The cases with these ids, in the order of the ids.
pub fn find_all_in_order(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Case>> {
    let mut rows: Vec<Case> = cases::table.filter(cases::id.eq_any(ids)).select(Case::as_select()).load(conn)?;
    rows.sort_by_key(|c| ids.iter().position(|id| id == &c.id));
    Ok(rows)
}

/// Increments a named counter inside the caller's transaction and returns the new value. The
/// UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before the read, so two
/// transactions never get the same number.
pub fn next_in_sequence(conn: &mut DbConnection, name: &str) -> QueryResult<i64> {
    let updated =
        diesel::update(sequences::table.find(name)).set(sequences::value.eq(sequences::value + 1)).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(sequences::table)
            .values((sequences::name.eq(name), sequences::value.eq(1i64)))
            .execute(conn)?;
    }
    sequences::table.find(name).select(sequences::value).first(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = case_notes)]
pub struct CaseNote {
    pub id: String,
    pub case_id: String,
    pub author_user_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_note(conn: &mut DbConnection, n: &CaseNote) -> QueryResult<()> {
    diesel::insert_into(case_notes::table).values(n).execute(conn).map(|_| ())
}

pub fn list_notes(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<CaseNote>> {
    case_notes::table
        .filter(case_notes::case_id.eq(case_id))
        .order(case_notes::created_at.desc())
        .select(CaseNote::as_select())
        .load(conn)
}
