//! Who may do what with takedown requests and informal resolution. Each rule refuses an action in
//! the service and sets the flag that shows or hides it on a page. Reading requests needs only
//! sight of the case, checked where the case is found.

use crate::models::case::{Case, CaseStatus};
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::{ServiceError, ServiceResult};

/// Officers make and follow up takedown requests on an open case.
pub fn may_work(user: &User, case: &Case) -> ServiceResult<()> {
    if !access::can(user, Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    if !case.is_open() {
        return Err(ServiceError::refused(format!("Case {} is closed", case.reference)));
    }
    Ok(())
}

/// A request names captured posts: there must be evidence to point at.
pub fn may_request(user: &User, case: &Case, evidence_items: i64) -> ServiceResult<()> {
    may_work(user, case)?;
    if evidence_items == 0 {
        return Err(ServiceError::refused(
            "Add the posts as evidence first: a takedown request names the captured posts",
        ));
    }
    Ok(())
}

/// Agreed actions are recorded and completed, and the case closed as resolved or sent back after
/// the member's refusal, only while the case is in informal resolution.
pub fn may_work_informal(user: &User, case: &Case) -> ServiceResult<()> {
    may_work(user, case)?;
    if case.status != CaseStatus::InformalResolution {
        return Err(ServiceError::refused("The case is not in informal resolution"));
    }
    Ok(())
}
