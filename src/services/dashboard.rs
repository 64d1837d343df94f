//! The dashboard: what is due, overdue and mine (from `cases`), overdue takedown requests,
//! sanctions to follow up, the year's figures so far, and the deadlines a complaint received
//! today would have.

use crate::db::DbConnection;
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::calendar::Calendar;
use crate::services::cases::{self, DueLists};
use crate::services::desk::{self, Desk};
use crate::services::hearing::FollowUp;
use crate::services::reports::YearToDate;
use crate::services::settings::{self, Deadlines};
use crate::services::takedown::OverdueTakedown;
use crate::services::{hearing, reports, takedown, ServiceResult};
use chrono::NaiveDate;
use serde::Serialize;

/// The dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardView {
    pub today: NaiveDate,
    pub today_is_working_day: bool,
    /// Why today is not a working day.
    pub today_reason: Option<String>,
    /// When a complaint received today must be acknowledged, and assessed.
    pub ack_due: NaiveDate,
    pub assessment_due: NaiveDate,
    pub deadlines: Deadlines,
    /// For those who work cases.
    pub board: Option<Board>,
    /// For those who see the committee reports.
    pub ytd: Option<YearToDate>,
    /// What is waiting for the user (`services::desk`).
    pub desk: Option<Desk>,
    pub actions: DashboardActions,
}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    #[serde(flatten)]
    pub cases: DueLists,
    pub takedowns: Vec<OverdueTakedown>,
    pub follow_ups: Vec<FollowUp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DashboardActions {
    pub can_log_complaint: bool,
    pub can_administer: bool,
    /// Roles that see only the cases they are part of get a link to them.
    pub shows_own_cases_link: bool,
}

/// Whether the user gets the board of cases (due, overdue, mine).
fn shows_board(user: &User) -> bool {
    access::can(user, Permission::WorkCases)
}

pub fn show(conn: &mut DbConnection, user: &User, today: NaiveDate) -> ServiceResult<DashboardView> {
    let calendar = Calendar::load(conn)?;
    let deadlines = settings::deadlines(conn)?;
    let board = if shows_board(user) {
        let horizon = calendar.add_working_days(today, 5);
        Some(Board {
            cases: cases::due_lists(conn, user, today)?,
            takedowns: takedown::overdue_for(conn, user, today)?,
            follow_ups: hearing::follow_ups_due(conn, user, horizon)?,
        })
    } else {
        None
    };
    let ytd =
        if access::can(user, Permission::ViewReports) { Some(reports::year_to_date(conn, user, today)?) } else { None };
    let can_administer = access::can(user, Permission::Administer);
    let can_log_complaint = cases::may_log_complaint(user).is_ok();
    Ok(DashboardView {
        today,
        today_is_working_day: calendar.is_working_day(today),
        today_reason: calendar.non_working_reason(today),
        ack_due: calendar.add_working_days(today, deadlines.acknowledge),
        assessment_due: calendar.add_working_days(today, deadlines.assessment),
        deadlines,
        board,
        ytd,
        desk: desk::desk(conn, user, today)?,
        actions: DashboardActions {
            can_log_complaint,
            can_administer,
            shows_own_cases_link: !can_log_complaint && !can_administer,
        },
    })
}
