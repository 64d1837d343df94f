//! Reports saved exactly as presented to a committee meeting, with their CSV files and a
//! SHA-256 over all three, so a later change to the stored copy is detected.

use crate::db::DbConnection;
use crate::models::report::{self as rows, Snapshot, SnapshotListing};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::reports::csv::{render_cases, render_figures, CsvFile};
use crate::services::reports::period::ReportQuery;
use crate::services::reports::report::{assemble, Report};
use crate::services::reports::rules::{may_present, may_view};
use crate::services::{clean, vocab, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The template a report is rendered with, on the page and in a snapshot.
pub const REPORT_TEMPLATE: &str = "reports/_report.html";

pub fn snapshot_hash(html: &str, figures: &str, cases: &str) -> String {
    crate::services::auth::sha256_hex(format!("{html}\u{0}{figures}\u{0}{cases}").as_bytes())
}

/// Whether the stored page and CSV files are still exactly as saved.
pub fn intact(s: &Snapshot) -> bool {
    snapshot_hash(&s.html, &s.figures_csv, &s.cases_csv) == s.sha256
}

/// The meeting a report is presented to, as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SnapshotInput {
    pub meeting: String,
    pub meeting_day: String,
    pub meeting_month: String,
    pub meeting_year: String,
}

impl SnapshotInput {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
        SnapshotInput {
            meeting: get("meeting"),
            meeting_day: get("meeting_on_day"),
            meeting_month: get("meeting_on_month"),
            meeting_year: get("meeting_on_year"),
        }
    }
}

/// The report as the page shows it (the same template and values).
pub fn render_report(r: &Report) -> ServiceResult<String> {
    let mut c = tera::Context::new();
    c.insert("r", r);
    crate::templates::TEMPLATES.render(REPORT_TEMPLATE, &c).map_err(|e| ServiceError::template(REPORT_TEMPLATE, e))
}

/// Builds the report asked for and saves it exactly as rendered, with its CSV files; it never
/// changes afterwards.
pub fn save_snapshot(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    today: NaiveDate,
    query: &ReportQuery,
    input: &SnapshotInput,
) -> ServiceResult<Snapshot> {
    may_present(user)?;
    let period = query.period(today).map_err(ServiceError::Invalid)?;
    let mut e = FieldErrors::default();
    crate::services::text::check_one_line(&mut e, "meeting", &input.meeting, "the meeting");
    let meeting = clean(&input.meeting);
    if meeting.is_none() {
        e.add("meeting", "Enter the meeting the report is presented to");
    }
    let meeting_on = vocab::parse_date(&input.meeting_day, &input.meeting_month, &input.meeting_year)
        .map_err(|m| e.add("meeting_on", m))
        .ok();
    e.into_result()?;
    let report = assemble(conn, period, &query.authorities)?;
    let html = render_report(&report)?;
    let figures = render_figures(&report);
    let cases = render_cases(conn, period, &query.authorities)?;
    let snapshot = Snapshot {
        id: new_id(),
        title: format!("Code of Conduct complaints: {}", report.period_label),
        meeting: meeting.expect("checked"),
        meeting_on: meeting_on.expect("checked"),
        period_from: report.period.from,
        period_to: report.period.to,
        authorities: if report.all_authorities { "All councils".into() } else { report.authorities.join(", ") },
        sha256: snapshot_hash(&html, &figures, &cases),
        html,
        figures_csv: figures,
        cases_csv: cases,
        created_by_user_id: user.id.clone(),
        created_at: now(),
    };
    crate::db::write(conn, |conn| {
        rows::insert_snapshot(conn, &snapshot)?;
        audit::record(
            conn,
            actor,
            Event::new("report.presented", "report_snapshot", &snapshot.id)
                .summary(format!("{} saved as presented to {}", snapshot.title, snapshot.meeting)),
        )?;
        Ok::<_, ServiceError>(())
    })?;
    Ok(snapshot)
}

/// The saved snapshots, the most recent first.
pub fn snapshots(conn: &mut DbConnection, user: &User) -> ServiceResult<Vec<SnapshotListing>> {
    may_view(user)?;
    Ok(rows::list_snapshots(conn)?)
}

/// A saved snapshot as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotView {
    pub s: Snapshot,
    /// Unchanged since it was saved.
    pub intact: bool,
}

pub fn snapshot(conn: &mut DbConnection, user: &User, id: &str) -> ServiceResult<SnapshotView> {
    may_view(user)?;
    let s = rows::find_snapshot(conn, id)?.ok_or(ServiceError::NotFound)?;
    Ok(SnapshotView { intact: intact(&s), s })
}

/// The CSV files saved with a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotCsv {
    Figures,
    Cases,
}

pub fn snapshot_csv(conn: &mut DbConnection, user: &User, id: &str, which: SnapshotCsv) -> ServiceResult<CsvFile> {
    may_view(user)?;
    let s = rows::find_snapshot(conn, id)?.ok_or(ServiceError::NotFound)?;
    Ok(match which {
        SnapshotCsv::Figures => CsvFile {
            name: format!("standards-figures-{}-{}-as-presented.csv", s.period_from, s.period_to),
            body: s.figures_csv,
        },
        SnapshotCsv::Cases => CsvFile {
            name: format!("standards-cases-{}-{}-as-presented.csv", s.period_from, s.period_to),
            body: s.cases_csv,
        },
    })
}
