//! Finding a case by its reference for someone who may see it, or work on it.

use crate::db::DbConnection;
use crate::models::case::{self as rows, Case};
use crate::models::user::User;
use crate::services::access;
use crate::services::cases::rules::may_work;
use crate::services::{ServiceError, ServiceResult};

/// Finds a case by reference if the user may see it (else `NotFound`, never `Forbidden`: a case's
/// existence is itself confidential).
pub fn find_visible(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<Case> {
    let case = rows::find_by_reference(conn, reference)?.ok_or(ServiceError::NotFound)?;
    if !access::can_view_case(conn, user, &case.id)? {
        return Err(ServiceError::NotFound);
    }
    Ok(case)
}

/// As [`find_visible`], for someone who must also be able to work on the case ([`may_work`]).
pub fn find_workable(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<Case> {
    let case = find_visible(conn, user, reference)?;
    may_work(user, &case)?;
    Ok(case)
}
