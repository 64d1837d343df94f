//! The report for a period, laid out: the summary, each table with the previous period beside
//! it, timeliness, takedown requests and the closed cases. Also the dashboard's year to date,
//! from the same figures.

use crate::db::DbConnection;
use crate::models::authority as authority_rows;
use crate::models::now;
use crate::models::user::User;
use crate::services::calendar::Calendar;
use crate::services::reports::figures::{self, Detail, Figures, TakedownCounts};
use crate::services::reports::ids::{Measure, RowId, TableId};
use crate::services::reports::period::Period;
use crate::services::reports::rules::may_view;
use crate::services::reports::summaries::{summaries, CaseSummary};
use crate::services::reports::timeliness::Timeliness;
use crate::services::ServiceResult;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;
use serde::Serialize;

/// How many anonymised case summaries a report shows (the CSV has every case).
pub const SUMMARY_LIMIT: i64 = 100;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: String,
    pub current: i64,
    pub previous: i64,
    /// Bar length as a share of the longest in its table (0 to 100).
    pub bar: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Serialised as the table's code (the page's anchors: `table-{id}`).
    pub id: TableId,
    pub title: String,
    pub rows: Vec<Row>,
    pub total: i64,
    pub previous_total: i64,
    pub chart: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelinessRow {
    pub current: Timeliness,
    pub previous: Timeliness,
}

#[derive(Debug, Clone, Serialize)]
pub struct TakedownRow {
    pub platform: String,
    pub current: TakedownCounts,
    pub previous: TakedownCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub period: Period,
    pub period_label: String,
    pub previous: Period,
    pub previous_label: String,
    pub authorities: Vec<String>,
    pub all_authorities: bool,
    pub generated_at: NaiveDateTime,
    pub headline: Vec<Row>,
    pub tables: Vec<Table>,
    pub timeliness: Vec<TimelinessRow>,
    pub takedowns: Vec<TakedownRow>,
    pub summaries: Vec<CaseSummary>,
    pub summaries_total: i64,
}

/// The authorities a report covers: those asked for (ids), or every authority when none of
/// them is known.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub ids: Vec<String>,
    pub names: Vec<String>,
    pub all: bool,
}

pub fn coverage(conn: &mut DbConnection, asked: &[String]) -> QueryResult<Coverage> {
    let all = authority_rows::list_all(conn)?;
    let chosen: Vec<_> = all.iter().filter(|a| asked.contains(&a.id)).collect();
    Ok(if chosen.is_empty() {
        Coverage {
            ids: all.iter().map(|a| a.id.clone()).collect(),
            names: all.iter().map(|a| a.name.clone()).collect(),
            all: true,
        }
    } else {
        Coverage {
            ids: chosen.iter().map(|a| a.id.clone()).collect(),
            names: chosen.iter().map(|a| a.name.clone()).collect(),
            all: false,
        }
    })
}

/// The whole report for a period, with the previous period beside it.
pub fn build(conn: &mut DbConnection, user: &User, period: Period, asked: &[String]) -> ServiceResult<Report> {
    may_view(user)?;
    Ok(assemble(conn, period, asked)?)
}

/// [`build`], once access has been checked.
pub(super) fn assemble(conn: &mut DbConnection, period: Period, asked: &[String]) -> QueryResult<Report> {
    let calendar = Calendar::load(conn)?;
    let covered = coverage(conn, asked)?;
    let previous = period.previous();
    let generated_at = now();
    let today = generated_at.date();
    let cur = figures::figures(conn, period, &covered.ids, &calendar, Detail::Report, today)?;
    let prev = figures::figures(conn, previous, &covered.ids, &calendar, Detail::Report, today)?;
    let headline = Measure::HEADLINE
        .iter()
        .map(|m| Row { label: m.label().into(), current: cur.measure(*m), previous: prev.measure(*m), bar: 0.0 })
        .collect();
    let tables = TableId::ALL.iter().map(|id| table(*id, &cur, &prev)).collect();
    let timeliness = cur
        .timeliness
        .iter()
        .zip(&prev.timeliness)
        .map(|(c, p)| TimelinessRow { current: c.clone(), previous: p.clone() })
        .collect();
    let mut platforms: Vec<(String, &RowId)> =
        cur.takedowns.keys().chain(prev.takedowns.keys()).map(|p| (TableId::Platform.row_label(p), p)).collect();
    platforms.sort();
    platforms.dedup();
    let takedowns = platforms
        .into_iter()
        .map(|(label, p)| TakedownRow {
            platform: label,
            current: cur.takedowns.get(p).copied().unwrap_or_default(),
            previous: prev.takedowns.get(p).copied().unwrap_or_default(),
        })
        .collect();
    let (summaries, summaries_total) = summaries(conn, period.window(&covered.ids), Some(SUMMARY_LIMIT))?;
    Ok(Report {
        period,
        period_label: period.label(),
        previous,
        previous_label: previous.label(),
        authorities: covered.names,
        all_authorities: covered.all,
        generated_at,
        headline,
        tables,
        timeliness,
        takedowns,
        summaries,
        summaries_total,
    })
}

/// One table: every row either period has, the largest first (or in the table's own order).
fn table(id: TableId, cur: &Figures, prev: &Figures) -> Table {
    let (current, previous) = (cur.table(id), prev.table(id));
    let mut keys: Vec<&RowId> = current.keys().chain(previous.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut labelled: Vec<(String, &RowId)> = keys.into_iter().map(|k| (id.row_label(k), k)).collect();
    if id.fixed_order() {
        labelled.sort_by(|a, b| a.1.cmp(b.1));
    } else {
        labelled.sort();
        labelled.sort_by_key(|(_, k)| std::cmp::Reverse(current.get(*k).copied().unwrap_or(0)));
    }
    let max = labelled.iter().map(|(_, k)| current.get(*k).copied().unwrap_or(0)).max().unwrap_or(0).max(1);
    let rows: Vec<Row> = labelled
        .into_iter()
        .map(|(label, k)| {
            let c = current.get(k).copied().unwrap_or(0);
            Row {
                bar: (c as f64 * 1000.0 / max as f64).round() / 10.0,
                current: c,
                previous: previous.get(k).copied().unwrap_or(0),
                label,
            }
        })
        .collect();
    Table {
        id,
        title: id.title().into(),
        total: rows.iter().map(|r| r.current).sum(),
        previous_total: rows.iter().map(|r| r.previous).sum(),
        rows,
        chart: id.chart(),
    }
}

/// The figures the dashboard shows for the financial year so far, all councils.
#[derive(Debug, Clone, Serialize)]
pub struct YearToDate {
    pub period: Period,
    pub rows: Vec<Row>,
    pub timeliness: Vec<Timeliness>,
}

/// The year-to-date figures the dashboard shows: the same figures as the report.
pub fn year_to_date(conn: &mut DbConnection, user: &User, today: NaiveDate) -> ServiceResult<YearToDate> {
    may_view(user)?;
    let period = Period::year_to_date(today);
    let calendar = Calendar::load(conn)?;
    let covered = coverage(conn, &[])?;
    let f = figures::figures(conn, period, &covered.ids, &calendar, Detail::Dashboard, today)?;
    let row = |label: &str, n: i64| Row { label: label.into(), current: n, previous: 0, bar: 0.0 };
    let measures = [Measure::Received, Measure::Closed, Measure::InvestigationsStarted, Measure::HearingsDecided];
    let mut rows: Vec<Row> = measures.iter().map(|m| row(m.label(), f.measure(*m))).collect();
    rows.push(row("Open cases", f.measure(Measure::OpenCases)));
    Ok(YearToDate { period, rows, timeliness: f.timeliness })
}
