//! Who may do what: the one place on the server where roles and case access are decided.
//! Templates may hide links with the same answers, but handlers always ask here.

use crate::db::schema::{case_participants, conflict_declarations};
use crate::db::DbConnection;
use crate::models::user::{Role, User};
use diesel::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Manage users, authorities, the members register, codes of conduct and settings.
    Administer,
    /// See every case (less those with a declared conflict).
    ViewAllCases,
    /// Log complaints, capture evidence, run assessments, send letters, track takedowns.
    WorkCases,
    /// Sign off initial-assessment and post-investigation decisions.
    SignOffDecisions,
    /// Committee reports and snapshots.
    ViewReports,
}

pub fn role_can(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        Administer => role == Admin,
        ViewAllCases | WorkCases => matches!(role, MonitoringOfficer | DeputyMonitoringOfficer | CaseOfficer),
        SignOffDecisions => matches!(role, MonitoringOfficer | DeputyMonitoringOfficer),
        ViewReports => matches!(role, MonitoringOfficer | DeputyMonitoringOfficer | CaseOfficer | CommitteeMember),
    }
}

pub fn can(user: &User, permission: Permission) -> bool {
    user.active && user.role().is_some_and(|r| role_can(r, permission))
}

/// Whether the user may see the case at all. A declared conflict always removes access; roles
/// that see every case see it; others only through a part they play on it (IP, investigator,
/// panel member).
pub fn can_view_case(conn: &mut DbConnection, user: &User, case_id: &str) -> QueryResult<bool> {
    if !user.active {
        return Ok(false);
    }
    let conflicted: i64 = conflict_declarations::table
        .filter(conflict_declarations::case_id.eq(case_id))
        .filter(conflict_declarations::user_id.eq(&user.id))
        .count()
        .get_result(conn)?;
    if conflicted > 0 {
        return Ok(false);
    }
    if can(user, Permission::ViewAllCases) {
        return Ok(true);
    }
    let parts: i64 = case_participants::table
        .filter(case_participants::case_id.eq(case_id))
        .filter(case_participants::user_id.eq(&user.id))
        .filter(case_participants::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(parts > 0)
}

/// The navigation a role gets, as (path, label).
pub fn navigation(user: &User) -> Vec<(&'static str, &'static str)> {
    let mut nav = vec![("/dashboard", "Dashboard")];
    if !can(user, Permission::Administer) {
        nav.push(("/cases", "Cases"));
    }
    if can(user, Permission::ViewReports) {
        nav.push(("/reports", "Reports"));
    }
    if can(user, Permission::Administer) {
        nav.push(("/admin", "Admin"));
    }
    nav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_monitoring_officers_sign_off() {
        for role in Role::ALL {
            let expected = matches!(role, Role::MonitoringOfficer | Role::DeputyMonitoringOfficer);
            assert_eq!(role_can(role, Permission::SignOffDecisions), expected, "{role}");
        }
    }

    #[test]
    fn restricted_roles_do_not_see_all_cases() {
        for role in [Role::IndependentPerson, Role::Investigator, Role::CommitteeMember, Role::Admin] {
            assert!(!role_can(role, Permission::ViewAllCases), "{role}");
        }
    }
}
