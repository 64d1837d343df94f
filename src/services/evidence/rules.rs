//! Who may do what with a case's evidence. Each rule refuses an action in the service and sets
//! the flag that shows or hides it on a page, so the two cannot disagree. Seeing the evidence
//! (items, files, verification) needs only sight of the case, checked where the case is found.

use crate::models::case::Case;
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::{ServiceError, ServiceResult};

/// Officers add captures and files to an open case's evidence, correct its details and record
/// whether posts are still online. A closed case's evidence is fixed.
pub fn may_change(user: &User, case: &Case) -> ServiceResult<()> {
    if !access::can(user, Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    if !case.is_open() {
        return Err(ServiceError::refused(format!("Case {} is closed", case.reference)));
    }
    Ok(())
}

/// Officers export a case's evidence bundle, closed cases too (for a hearing or the Ombudsman);
/// other roles who see the case do not.
pub fn may_export(user: &User) -> ServiceResult<()> {
    if !access::can(user, Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}
