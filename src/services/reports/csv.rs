//! The report's CSV files: every figure, and one anonymised line per case closed in the period.

use crate::db::DbConnection;
use crate::models::user::User;
use crate::services::reports::period::{Period, ReportQuery};
use crate::services::reports::report::{assemble, coverage, Report};
use crate::services::reports::rules::may_view;
use crate::services::reports::summaries::summaries;
use crate::services::reports::timeliness::fmt_opt;
use crate::services::{ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;

/// A CSV file to download, with the name to save it as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    pub name: String,
    pub body: String,
}

fn csv_field(s: &str) -> String {
    // Spreadsheet formula injection: a leading =, +, - or @, or a tab or carriage return (which
    // spreadsheets skip before reading a formula), is neutralised with a leading apostrophe.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One CSV line (CRLF), each field quoted as needed and neutralised against formulas.
pub fn csv_line(fields: &[String]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// Every figure of the report asked for: section, measure, this period, previous period.
pub fn figures_csv(
    conn: &mut DbConnection,
    user: &User,
    query: &ReportQuery,
    today: NaiveDate,
) -> ServiceResult<CsvFile> {
    may_view(user)?;
    let period = query.period(today).map_err(ServiceError::Invalid)?;
    let report = assemble(conn, period, &query.authorities)?;
    Ok(CsvFile { name: format!("standards-figures-{}-{}.csv", period.from, period.to), body: render_figures(&report) })
}

/// The closed cases of the period asked for (every one, not only those the page shows). Only
/// the period and councils are needed: the report's figures are not counted for this file.
pub fn cases_csv(
    conn: &mut DbConnection,
    user: &User,
    query: &ReportQuery,
    today: NaiveDate,
) -> ServiceResult<CsvFile> {
    may_view(user)?;
    let period = query.period(today).map_err(ServiceError::Invalid)?;
    Ok(CsvFile {
        name: format!("standards-cases-{}-{}.csv", period.from, period.to),
        body: render_cases(conn, period, &query.authorities)?,
    })
}

/// The figures CSV of a report.
pub(super) fn render_figures(r: &Report) -> String {
    let mut out = csv_line(&["section", "measure", "this_period", "previous_period"].map(String::from));
    for row in &r.headline {
        out.push_str(&csv_line(&[
            "Summary".into(),
            row.label.clone(),
            row.current.to_string(),
            row.previous.to_string(),
        ]));
    }
    for t in &r.tables {
        for row in &t.rows {
            out.push_str(&csv_line(&[
                t.title.clone(),
                row.label.clone(),
                row.current.to_string(),
                row.previous.to_string(),
            ]));
        }
    }
    for t in &r.timeliness {
        let (c, p) = (&t.current, &t.previous);
        let section = format!("Timeliness: {} (target {})", c.measure, c.target);
        out.push_str(&csv_line(&[section.clone(), "count".into(), c.count.to_string(), p.count.to_string()]));
        out.push_str(&csv_line(&[section.clone(), "median working days".into(), fmt_opt(c.median), fmt_opt(p.median)]));
        out.push_str(&csv_line(&[
            section.clone(),
            "overdue, not done".into(),
            c.overdue.to_string(),
            p.overdue.to_string(),
        ]));
        out.push_str(&csv_line(&[
            section,
            "percent within target".into(),
            fmt_opt(c.within_pct),
            fmt_opt(p.within_pct),
        ]));
    }
    for t in &r.takedowns {
        for ((name, c), (_, p)) in t.current.named().into_iter().zip(t.previous.named()) {
            out.push_str(&csv_line(&[
                format!("Takedown requests: {}", t.platform),
                name.into(),
                c.to_string(),
                p.to_string(),
            ]));
        }
    }
    out
}

/// The closed-cases CSV for a period and councils (ids).
pub(super) fn render_cases(conn: &mut DbConnection, period: Period, asked: &[String]) -> QueryResult<String> {
    let covered = coverage(conn, asked)?;
    let (rows, _) = summaries(conn, period.window(&covered.ids), None)?;
    let mut out = csv_line(
        &[
            "reference",
            "received_on",
            "closed_on",
            "council",
            "tier",
            "source",
            "platform",
            "provisions",
            "status",
            "outcome",
            "member_named",
        ]
        .map(String::from),
    );
    for s in rows {
        out.push_str(&csv_line(&[
            s.reference,
            s.received_on.to_string(),
            s.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            s.authority,
            s.tier,
            s.source,
            s.platform,
            s.provisions,
            s.status,
            s.outcome,
            s.member.unwrap_or_default(),
        ]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("\t=1+1"), "'\t=1+1");
        assert_eq!(csv_field("\r=1+1"), "\"'\r=1+1\"");
    }
}
