//! Who may do what to a case: each rule is one function, used by the action to refuse (with its
//! message) and by the case page for the flag that shows the button.

use crate::models::case::Case;
use crate::models::complaint::{Complainant, Complaint, MemberNotification};
use crate::models::member::Member;
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::{ServiceError, ServiceResult};

/// Work on an open case: officers who work cases, while the case is open.
pub fn may_work(user: &User, case: &Case) -> ServiceResult<()> {
    if !access::can(user, Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    if !case.status.is_open() {
        return Err(ServiceError::Refused(format!("Case {} is closed", case.reference)));
    }
    Ok(())
}

/// Log a complaint received by email, post or phone (opening a case or adding to one).
pub fn may_log_complaint(user: &User) -> ServiceResult<()> {
    if access::can(user, Permission::WorkCases) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Assign the case to an officer (or unassign it).
pub fn may_assign(user: &User, case: &Case) -> ServiceResult<()> {
    may_work(user, case)
}

/// Add a note: officers who work cases, on open and closed cases alike.
pub fn may_add_note(user: &User, _case: &Case) -> ServiceResult<()> {
    if access::can(user, Permission::WorkCases) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Acknowledge a complaint (by post, or by email when [`may_acknowledge_by_email`] also allows).
pub fn may_acknowledge(user: &User, case: &Case, complaint: &Complaint) -> ServiceResult<()> {
    may_work(user, case)?;
    if complaint.acknowledged_at.is_some() {
        return Err(ServiceError::Refused("This complaint has already been acknowledged".into()));
    }
    Ok(())
}

/// Acknowledge a complaint by email: only to a complainant who gave an address.
pub fn may_acknowledge_by_email(
    user: &User,
    case: &Case,
    complaint: &Complaint,
    complainant: &Complainant,
) -> ServiceResult<()> {
    may_acknowledge(user, case, complaint)?;
    if complainant.email.is_none() {
        return Err(ServiceError::Refused(
            "The complainant gave no email address: send the acknowledgement by post and record it".into(),
        ));
    }
    Ok(())
}

/// Tell a member about the complaint: once, by email, while the case is open. `told` is the
/// member's earlier notification on this case, if any.
pub fn may_notify(user: &User, case: &Case, member: &Member, told: Option<&MemberNotification>) -> ServiceResult<()> {
    may_work(user, case)?;
    if let Some(n) = told {
        return Err(ServiceError::Refused(format!(
            "{} was told of this complaint on {}",
            member.full_name,
            n.notified_at.format("%-d %B %Y")
        )));
    }
    if member.email.is_none() {
        return Err(ServiceError::Refused(format!(
            "There is no email address for {} in the members register",
            member.full_name
        )));
    }
    Ok(())
}

/// Move a complaint from `source` to `target` (another open case about the same conduct).
pub fn may_move(user: &User, source: &Case, target: &Case) -> ServiceResult<()> {
    may_work(user, source)?;
    may_work(user, target)?;
    if source.id == target.id {
        return Err(ServiceError::Refused("The complaint is already on that case".into()));
    }
    Ok(())
}
