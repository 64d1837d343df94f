//! Who may read committee reports and who may save one as presented to a meeting: each rule is
//! used both to refuse and to set the page's flags.

use crate::models::user::User;
use crate::services::access::{can, Permission};
use crate::services::{ServiceError, ServiceResult};
use serde::Serialize;

/// Reading reports, their CSV files and the saved snapshots.
pub fn may_view(user: &User) -> ServiceResult<()> {
    if can(user, Permission::ViewReports) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Saving a report as presented to the committee: for those who read reports and work the cases
/// (committee members read reports but do not present them).
pub fn may_present(user: &User) -> ServiceResult<()> {
    may_view(user)?;
    if can(user, Permission::WorkCases) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// What the reports page offers the user.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReportActions {
    pub can_present: bool,
}

impl ReportActions {
    pub fn for_user(user: &User) -> Self {
        Self { can_present: may_present(user).is_ok() }
    }
}
