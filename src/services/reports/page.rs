//! The reports page: the form (periods, councils), the saved snapshots, the report asked for and
//! what the user may do with it.

use crate::db::DbConnection;
use crate::models::authority as authority_rows;
use crate::models::report::{self as rows, SnapshotListing};
use crate::models::user::User;
use crate::services::reports::period::{period_choices, Choice, ReportQuery, CUSTOM_PERIOD};
use crate::services::reports::report::{assemble, Report};
use crate::services::reports::rules::{may_view, ReportActions};
use crate::services::reports::snapshots::SnapshotInput;
use crate::services::{FieldErrors, ServiceResult};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ReportPage {
    pub periods: Vec<Choice>,
    pub councils: Vec<Choice>,
    pub snapshots: Vec<SnapshotListing>,
    /// The query as the form shows it (the financial year to date when no period was chosen).
    pub query: ReportQuery,
    /// The query for the CSV links.
    pub query_string: String,
    /// Whether the period is given by dates (the dates section starts open).
    pub custom_dates: bool,
    /// The snapshot form's values.
    pub snapshot: SnapshotInput,
    /// The report, when the query's period is valid.
    pub r: Option<Report>,
    pub actions: ReportActions,
    /// The period's errors and those of the snapshot form, for the error summary.
    #[serde(skip)]
    pub errors: FieldErrors,
}

/// The page for a query; `snapshot` and `errors` are the snapshot form's values and errors when
/// it is shown again.
pub fn page(
    conn: &mut DbConnection,
    user: &User,
    today: NaiveDate,
    query: ReportQuery,
    snapshot: SnapshotInput,
    errors: FieldErrors,
) -> ServiceResult<ReportPage> {
    may_view(user)?;
    let mut errors = errors;
    let r = match query.period(today) {
        Ok(period) => Some(assemble(conn, period, &query.authorities)?),
        Err(e) => {
            for err in e.0 {
                errors.add(&err.field, err.message);
            }
            None
        }
    };
    let councils = authority_rows::list_all(conn)?.into_iter().map(|a| Choice { value: a.id, label: a.name }).collect();
    let query = query.with_default_period(today);
    Ok(ReportPage {
        periods: period_choices(today),
        councils,
        snapshots: rows::list_snapshots(conn)?,
        query_string: query.to_query_string(),
        custom_dates: query.period == CUSTOM_PERIOD,
        query,
        snapshot,
        r,
        actions: ReportActions::for_user(user),
        errors,
    })
}
