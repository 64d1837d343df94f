use crate::db::schema::{allegations, case_notes, cases, sequences};
use crate::db::Backend;
use crate::db::DbConnection;
pub use crate::models::enums::CaseStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
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

/// Stores the text the case list searches (the full-text index follows it by trigger or generated column).
pub fn set_search_text(conn: &mut DbConnection, id: &str, text: &str) -> QueryResult<usize> {
    diesel::update(cases::table.find(id)).set(cases::search_text.eq(text)).execute(conn)
}

type Multi = <DbConnection as diesel::Connection>::Backend;

/// A condition on `cases`, such as who may see which (`services::access::visible_cases`).
pub type CaseCondition<'a> = Box<dyn BoxableExpression<cases::table, Multi, SqlType = Bool> + 'a>;

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
    /// A full-text search (see [`TextSearch`]).
    pub search: Option<TextSearch>,
}

/// A full-text search of the cases: every word must appear (stemmed: "meetings" finds
/// "meeting"), words in double quotes must appear together as a phrase. Ranked by relevance.
/// SQLite: the FTS5 table `case_search`; PostgreSQL: the `tsvector` columns of `cases` with the
/// `english` configuration (migration `000141_case_search`).
#[derive(Debug, Clone, Default)]
pub struct TextSearch {
    /// The words and phrases, each only letters and digits (so nothing the user types is read
    /// as an operator of either backend's query language); at most 8.
    pub parts: Vec<Vec<String>>,
    /// Search the reference and summary only, not the search text (which holds complainants'
    /// names): for users who may not see who complained.
    pub summary_only: bool,
}

impl TextSearch {
    /// The search for what the user typed: `None` when nothing is typed.
    pub fn parse(input: &str, summary_only: bool) -> Option<Self> {
        if input.trim().is_empty() {
            return None;
        }
        let words = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
        };
        let mut parts = Vec::new();
        for (i, chunk) in input.split('"').enumerate() {
            if i % 2 == 1 {
                parts.push(words(chunk));
            } else {
                // A word such as SD-2026-00012 or o'brien is the phrase of its letters and digits.
                parts.extend(chunk.split_whitespace().map(words));
            }
        }
        parts.retain(|p| !p.is_empty());
        parts.truncate(8);
        Some(Self { parts, summary_only })
    }

    /// The quoted phrases, as both FTS5 and `websearch_to_tsquery` read them.
    fn phrases(&self) -> Vec<String> {
        self.parts.iter().map(|p| format!("\"{}\"", p.join(" "))).collect()
    }

    /// The FTS5 MATCH expression.
    fn fts5(&self) -> String {
        let q = self.phrases().join(" AND ");
        if self.summary_only {
            format!("{{reference summary}} : ({q})")
        } else {
            q
        }
    }

    /// The text for PostgreSQL's `websearch_to_tsquery('english', …)`.
    fn websearch(&self) -> String {
        self.phrases().join(" ")
    }

    fn pg_vector(&self) -> &'static str {
        if self.summary_only {
            "cases.search_summary"
        } else {
            "cases.search_all"
        }
    }
}

/// Marks around the matched words in a snippet (private-use characters, never in a form's text,
/// which the service turns into highlighted segments after escaping).
pub const HIT_START: char = '\u{E000}';
pub const HIT_END: char = '\u{E001}';

/// Short extracts of the matching cases' text around the words found, the words marked with
/// [`HIT_START`] and [`HIT_END`]: case id → snippet. Only for the page's cases.
pub fn snippets(
    conn: &mut DbConnection,
    search: &TextSearch,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    use diesel::sql_types::{Array, Text};
    #[derive(QueryableByName)]
    struct Snippet {
        #[diesel(sql_type = Text)]
        case_id: String,
        #[diesel(sql_type = Text)]
        snippet: String,
    }
    if ids.is_empty() || search.parts.is_empty() {
        return Ok(Default::default());
    }
    let found: Vec<Snippet> = match conn {
        DbConnection::Sqlite(c) => {
            // The summary column only, for those who may not search the whole text; else the
            // column that matches best.
            let column = if search.summary_only { 2 } else { -1 };
            let marks = format!("char({}), char({})", HIT_START as u32, HIT_END as u32);
            let placeholders = vec!["?"; ids.len()].join(", ");
            let mut q = diesel::sql_query(format!(
                "SELECT case_id, snippet(case_search, {column}, {marks}, '…', 18) AS snippet FROM case_search \
                 WHERE case_search MATCH ? AND rowid IN (SELECT n FROM case_search_rows WHERE case_id IN ({placeholders}))"
            ))
            .into_boxed::<diesel::sqlite::Sqlite>()
            .bind::<Text, _>(search.fts5());
            for id in ids {
                q = q.bind::<Text, _>(id.clone());
            }
            q.load(c)?
        }
        DbConnection::Postgresql(c) => {
            let text = if search.summary_only { "cases.summary" } else { "cases.search_text" };
            diesel::sql_query(format!(
                "SELECT id AS case_id, ts_headline('english', {text}, websearch_to_tsquery('english', $1), $2) AS snippet \
                 FROM cases WHERE id = ANY($3)"
            ))
            .bind::<Text, _>(search.websearch())
            .bind::<Text, _>(format!(
                "StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=24, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \""
            ))
            .bind::<Array<Text>, _>(ids.to_vec())
            .load(c)?
        }
    };
    Ok(found.into_iter().map(|s| (s.case_id, s.snippet)).collect())
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    #[default]
    Newest,
    Oldest,
    Reference,
    AckDue,
    AssessmentDue,
    /// Best match first, when searching (else newest first).
    Relevance,
}

type Boxed<'a> = cases::BoxedQuery<'a, Multi>;

fn filtered<'a>(backend: Backend, within: CaseCondition<'a>, f: &CaseFilter) -> Boxed<'a> {
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
    if let Some(search) = &f.search {
        query = match (backend, search.parts.is_empty()) {
            // Nothing searchable typed (only punctuation): nothing matches.
            (_, true) => query.filter(false.into_sql::<Bool>()),
            (Backend::Sqlite, false) => query.filter(
                sql::<Bool>("cases.id IN (SELECT case_id FROM case_search WHERE case_search MATCH ")
                    .bind::<Text, _>(search.fts5())
                    .sql(")"),
            ),
            (Backend::Postgres, false) => query.filter(
                sql::<Bool>(&format!("{} @@ websearch_to_tsquery('english', ", search.pg_vector()))
                    .bind::<Text, _>(search.websearch())
                    .sql(")"),
            ),
        };
    }
    query
}

/// How many cases within `within` match the filter.
pub fn count_matching(conn: &mut DbConnection, within: CaseCondition<'_>, f: &CaseFilter) -> QueryResult<i64> {
    filtered(conn.backend(), within, f).count().get_result(conn)
}

/// How many cases within `within` match the filter, counting no further than `cap` (so a list
/// of 100,000 cases does not count them all on every page view): `cap + 1` means "more".
pub fn count_matching_capped(
    conn: &mut DbConnection,
    within: CaseCondition<'_>,
    f: &CaseFilter,
    cap: i64,
) -> QueryResult<i64> {
    let found: Vec<i32> =
        filtered(conn.backend(), within, f).select(sql::<diesel::sql_types::Integer>("1")).limit(cap + 1).load(conn)?;
    Ok(found.len() as i64)
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
    let backend = conn.backend();
    let order = match (order, &f.search) {
        (CaseOrder::Relevance, Some(search)) if !search.parts.is_empty() => {
            return ids_by_relevance(conn, backend, within, f, search, offset, limit)
        }
        (CaseOrder::Relevance, _) => CaseOrder::Newest,
        (order, _) => order,
    };
    let query = filtered(backend, within, f);
    let query = match order {
        CaseOrder::Oldest => query.order((cases::received_on.asc(), cases::reference.asc())),
        CaseOrder::Reference => query.order(cases::reference.asc()),
        CaseOrder::AckDue => query.order((cases::ack_due_on.asc(), cases::reference.asc())),
        CaseOrder::AssessmentDue => query.order((cases::assessment_due_on.asc(), cases::reference.asc())),
        CaseOrder::Newest | CaseOrder::Relevance => query.order((cases::received_on.desc(), cases::reference.desc())),
    };
    query.offset(offset).limit(limit).select(cases::id).load(conn)
}

/// One page of the matching cases' ids, best match first. SQLite ranks with bm25 over the FTS5
/// table (a match in the reference counts most, then the summary, then the rest) and keeps the
/// matches within `within` and the other filters; PostgreSQL ranks with `ts_rank_cd` over the
/// stored vector.
fn ids_by_relevance(
    conn: &mut DbConnection,
    backend: Backend,
    within: CaseCondition<'_>,
    f: &CaseFilter,
    search: &TextSearch,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<String>> {
    match backend {
        Backend::Sqlite => {
            // The matches in rank order from the FTS5 index, then only those within `within` and
            // the other filters (both sets are the search's matches, not the whole table).
            #[derive(QueryableByName)]
            struct Hit {
                #[diesel(sql_type = Text)]
                case_id: String,
            }
            let ranked: Vec<Hit> = match conn {
                DbConnection::Sqlite(c) => diesel::sql_query(
                    "SELECT case_id FROM case_search WHERE case_search MATCH ? \
                     ORDER BY bm25(case_search, 0.0, 10.0, 4.0, 1.0), rowid DESC",
                )
                .bind::<Text, _>(search.fts5())
                .load(c)?,
                DbConnection::Postgresql(_) => unreachable!("the SQLite branch"),
            };
            let allowed: std::collections::HashSet<String> =
                filtered(backend, within, f).select(cases::id).load::<String>(conn)?.into_iter().collect();
            Ok(ranked
                .into_iter()
                .map(|h| h.case_id)
                .filter(|id| allowed.contains(id))
                .skip(usize::try_from(offset).unwrap_or(0))
                .take(usize::try_from(limit).unwrap_or(0))
                .collect())
        }
        Backend::Postgres => filtered(backend, within, f)
            .order(
                sql::<diesel::sql_types::Float>(&format!(
                    "ts_rank_cd({}, websearch_to_tsquery('english', ",
                    search.pg_vector()
                ))
                .bind::<Text, _>(search.websearch())
                .sql(")) DESC"),
            )
            .then_order_by((cases::received_on.desc(), cases::reference.desc()))
            .offset(offset)
            .limit(limit)
            .select(cases::id)
            .load(conn),
    }
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
