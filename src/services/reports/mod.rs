//! Reporting to the standards committee (domain.md §d): figures for any period and any set of
//! authorities, each counted by the database (GROUP BY), compared with the previous period;
//! timeliness in working days; open cases by age; anonymised case summaries; CSV; and snapshots
//! saved exactly as presented to a meeting. Every read and the saving of a snapshot check the
//! user's access here (`rules`).
//!
//! - `period`: the period a report covers and the report form's query
//! - `ids`: the typed ids of the tables and rows, with their words and codes
//! - `figures`: one period's counts, one function per table, keyed by those ids
//! - `timeliness`: working days taken at each stage, against the targets
//! - `summaries`: the anonymised closed cases
//! - `report`: the report laid out with the previous period; the dashboard's year to date
//! - `csv`: the figures and closed-cases files
//! - `snapshots`: reports saved as presented
//! - `page`: the reports page
//! - `rules`: who may read reports and who may present them

mod csv;
mod figures;
mod ids;
mod page;
mod period;
mod report;
mod rules;
mod snapshots;
mod summaries;
mod timeliness;

pub use crate::models::report::{Snapshot, SnapshotListing};
pub use csv::{cases_csv, csv_line, figures_csv, CsvFile};
pub use figures::{Counts, Figures, TakedownCounts};
pub use ids::{AgeBand, HearingRow, InvestigationRow, Measure, RowId, TableId, TierGroup};
pub use page::{page, ReportPage};
pub use period::{financial_year_of, period_choices, Choice, Period, ReportQuery, CUSTOM_PERIOD};
pub use report::{build, year_to_date, Report, Row, Table, TakedownRow, TimelinessRow, YearToDate, SUMMARY_LIMIT};
pub use rules::{may_present, may_view, ReportActions};
pub use snapshots::{
    intact, render_report, save_snapshot, snapshot, snapshot_csv, snapshot_hash, snapshots, SnapshotCsv, SnapshotInput,
    SnapshotView, REPORT_TEMPLATE,
};
pub use summaries::CaseSummary;
pub use timeliness::{Timeliness, CLOSURE_TARGET_WORKING_DAYS};
