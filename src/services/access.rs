//! Who may do what: the one place on the server where roles and case access are decided.
//! Templates may hide links with the same answers, but handlers always ask here.

use crate::db::schema::{case_participants, cases, conflict_declarations};
use crate::db::DbConnection;
use crate::models::user::{Role, User};
use crate::models::{new_id, now};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::Bool;

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
    /// See the councils, the register of members, their accounts and codes (staff).
    ViewRegister,
    /// Change them: add and retire councils, members, memberships, accounts, codes; import CSV.
    EditRegister,
}

pub fn role_can(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        Administer => role == Admin,
        ViewAllCases | WorkCases => matches!(role, MonitoringOfficer | DeputyMonitoringOfficer | CaseOfficer),
        SignOffDecisions => matches!(role, MonitoringOfficer | DeputyMonitoringOfficer),
        ViewReports => matches!(role, MonitoringOfficer | DeputyMonitoringOfficer | CaseOfficer | CommitteeMember),
        ViewRegister => matches!(role, Admin | MonitoringOfficer | DeputyMonitoringOfficer | CaseOfficer),
        EditRegister => matches!(role, Admin | MonitoringOfficer | DeputyMonitoringOfficer),
    }
}

pub fn can(user: &User, permission: Permission) -> bool {
    user.active && user.role().is_some_and(|r| role_can(r, permission))
}

/// The parts a user can be given on a single case (restricted roles see a case only through one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    IndependentPerson,
    Investigator,
    PanelMember,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::IndependentPerson => "independent-person",
            Part::Investigator => "investigator",
            Part::PanelMember => "panel-member",
        }
    }
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// The cases a user may see, as a condition on `cases`: the one definition behind
/// [`can_view_case`] and the case list's filter. A declared conflict always removes a case; roles
/// that see every case see the rest; others only the cases where they hold a part that has not
/// been revoked.
pub fn visible_cases<'a>(user: &User) -> Box<dyn BoxableExpression<cases::table, Backend, SqlType = Bool> + 'a> {
    if !user.active {
        return Box::new(false.into_sql::<Bool>());
    }
    let not_conflicted = not(exists(
        conflict_declarations::table
            .filter(conflict_declarations::case_id.eq(cases::id))
            .filter(conflict_declarations::user_id.eq(user.id.clone())),
    ));
    if can(user, Permission::ViewAllCases) {
        Box::new(not_conflicted)
    } else {
        Box::new(
            not_conflicted.and(exists(
                case_participants::table
                    .filter(case_participants::case_id.eq(cases::id))
                    .filter(case_participants::user_id.eq(user.id.clone()))
                    .filter(case_participants::revoked_at.is_null()),
            )),
        )
    }
}

/// Whether the user may see the case at all (see [`visible_cases`]).
pub fn can_view_case(conn: &mut DbConnection, user: &User, case_id: &str) -> QueryResult<bool> {
    let n: i64 = cases::table.filter(cases::id.eq(case_id)).filter(visible_cases(user)).count().get_result(conn)?;
    Ok(n > 0)
}

/// Gives a user a part on a case (once: granting a part they hold changes nothing).
pub fn grant(conn: &mut DbConnection, case_id: &str, user_id: &str, part: Part, by_user_id: &str) -> QueryResult<()> {
    let held: i64 = case_participants::table
        .filter(case_participants::case_id.eq(case_id))
        .filter(case_participants::user_id.eq(user_id))
        .filter(case_participants::part.eq(part.as_str()))
        .filter(case_participants::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    if held == 0 {
        diesel::insert_into(case_participants::table)
            .values((
                case_participants::id.eq(new_id()),
                case_participants::case_id.eq(case_id),
                case_participants::user_id.eq(user_id),
                case_participants::part.eq(part.as_str()),
                case_participants::granted_by_user_id.eq(Some(by_user_id)),
                case_participants::granted_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes a part away (the grant stays on record, marked revoked).
pub fn revoke(conn: &mut DbConnection, case_id: &str, user_id: &str, part: Part) -> QueryResult<()> {
    diesel::update(
        case_participants::table
            .filter(case_participants::case_id.eq(case_id))
            .filter(case_participants::user_id.eq(user_id))
            .filter(case_participants::part.eq(part.as_str()))
            .filter(case_participants::revoked_at.is_null()),
    )
    .set(case_participants::revoked_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
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
    if can(user, Permission::ViewRegister) && !can(user, Permission::Administer) {
        nav.push(("/admin/members", "Register"));
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
    fn staff_view_the_register_and_only_admins_and_monitoring_officers_edit_it() {
        for role in Role::ALL {
            let view = matches!(
                role,
                Role::Admin | Role::MonitoringOfficer | Role::DeputyMonitoringOfficer | Role::CaseOfficer
            );
            assert_eq!(role_can(role, Permission::ViewRegister), view, "{role}");
            let edit = matches!(role, Role::Admin | Role::MonitoringOfficer | Role::DeputyMonitoringOfficer);
            assert_eq!(role_can(role, Permission::EditRegister), edit, "{role}");
        }
    }

    #[test]
    fn restricted_roles_do_not_see_all_cases() {
        for role in [Role::IndependentPerson, Role::Investigator, Role::CommitteeMember, Role::Admin] {
            assert!(!role_can(role, Permission::ViewAllCases), "{role}");
        }
    }
}
