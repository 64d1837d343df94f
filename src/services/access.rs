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

    pub fn parse(s: &str) -> Option<Part> {
        [Part::IndependentPerson, Part::Investigator, Part::PanelMember].into_iter().find(|p| p.as_str() == s)
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

/// What of a case file a user may see: decided once per request from the user's role and the
/// parts they hold on the case, and used by every service that shows a case's parts, so that what
/// a user may not see is never loaded into their view (templates only test these flags).
///
/// - The officers working cases (Monitoring Officer, deputy, case officer) see the whole file,
///   confidential complainants' identities included.
/// - An **Independent Person** consulted on the case (or sitting at its hearing) sees the case
///   summary: the complaints' text, the councillors and allegations, the evidence, the capacity
///   and Article 10 assessments, the decisions and the consultations they are asked about; the
///   names of complainants who did not ask for confidentiality, but no one's contact details, no
///   witnesses, no officers' notes, emails, timeline, assignment, deadlines or takedown work.
/// - An **investigator** sees their investigation (its own page) and what it needs from the case:
///   the complaints with the witnesses and the contact details of complainants who did not ask for
///   confidentiality (to interview them), the councillors and allegations and the evidence; not
///   the assessments or decisions of other stages, notes, emails, timeline or takedown work.
/// - A **panel member** sees the hearing and its bundle (on the hearing pages, the bundle already
///   redacted); the case page shows them the councillors and allegations and the links to the
///   hearing and bundle, nothing else of the file.
/// - Nobody but an officer working cases sees a **confidential complainant's identity** (name,
///   email, phone, postal address, the reason given): not the Independent Person, the investigator
///   (who asks an officer to put them in touch), the panel or an administrator. See
///   [`may_see_confidential_identity`].
/// - The **client IP address** of a public submitter (custody log, audit) is shown only to an
///   administrator ([`may_see_client_ip`]); administrators see no case files, so no page shows it:
///   it stays in the database for an administrator investigating abuse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sections {
    /// The complaints' text: dates, platform, links, what happened, why official, outcome sought.
    pub complaints: bool,
    /// The name and kind of a complainant who did not ask for confidentiality.
    pub complainant_names: bool,
    /// The email, phone and postal address of a complainant who did not ask for confidentiality.
    pub contact_details: bool,
    /// Everything about a complainant who asked for confidentiality, and their reason.
    pub confidential_identities: bool,
    /// The witnesses a complaint names (names and contact details).
    pub witnesses: bool,
    /// The councillors complained about and the allegations.
    pub members: bool,
    /// Who the case is assigned to, and its deadlines.
    pub assignment: bool,
    /// Officers' internal notes.
    pub notes: bool,
    /// The emails about the case and their delivery.
    pub emails: bool,
    /// The timeline (the case's audit log).
    pub timeline: bool,
    /// Capacity and Article 10 assessments, Independent Person consultations and decisions.
    pub assessments: bool,
    /// Evidence items, their files and custody logs.
    pub evidence: bool,
    /// Takedown requests and informal resolution.
    pub takedown: bool,
    /// The investigation file (terms of reference, interviews, drafts and reports).
    pub investigation: bool,
    /// The client IP address of a public submitter.
    pub client_ips: bool,
}

impl Sections {
    /// The whole file, as the officers working cases see it.
    const OFFICER: Sections = Sections {
        complaints: true,
        complainant_names: true,
        contact_details: true,
        confidential_identities: true,
        witnesses: true,
        members: true,
        assignment: true,
        notes: true,
        emails: true,
        timeline: true,
        assessments: true,
        evidence: true,
        takedown: true,
        investigation: true,
        client_ips: false,
    };

    const NONE: Sections = Sections {
        complaints: false,
        complainant_names: false,
        contact_details: false,
        confidential_identities: false,
        witnesses: false,
        members: false,
        assignment: false,
        notes: false,
        emails: false,
        timeline: false,
        assessments: false,
        evidence: false,
        takedown: false,
        investigation: false,
        client_ips: false,
    };

    /// What one part on a case shows (see [`Sections`]).
    pub fn of_part(part: Part) -> Sections {
        match part {
            Part::IndependentPerson => Sections {
                complaints: true,
                complainant_names: true,
                members: true,
                assessments: true,
                evidence: true,
                ..Sections::NONE
            },
            Part::Investigator => Sections {
                complaints: true,
                complainant_names: true,
                contact_details: true,
                witnesses: true,
                members: true,
                evidence: true,
                investigation: true,
                ..Sections::NONE
            },
            Part::PanelMember => Sections { members: true, ..Sections::NONE },
        }
    }

    /// What a user of `role` holding `parts` on a case sees of it (the union of their parts';
    /// officers see the whole file whatever their parts).
    pub fn of(role: Option<Role>, parts: &[Part]) -> Sections {
        let mut s = match role {
            Some(r) if role_can(r, Permission::WorkCases) => Sections::OFFICER,
            _ => Sections::NONE,
        };
        for p in parts {
            s = s.or(Sections::of_part(*p));
        }
        s.client_ips = role.is_some_and(|r| role_can(r, Permission::Administer));
        s
    }

    fn or(self, o: Sections) -> Sections {
        Sections {
            complaints: self.complaints || o.complaints,
            complainant_names: self.complainant_names || o.complainant_names,
            contact_details: self.contact_details || o.contact_details,
            confidential_identities: self.confidential_identities || o.confidential_identities,
            witnesses: self.witnesses || o.witnesses,
            members: self.members || o.members,
            assignment: self.assignment || o.assignment,
            notes: self.notes || o.notes,
            emails: self.emails || o.emails,
            timeline: self.timeline || o.timeline,
            assessments: self.assessments || o.assessments,
            evidence: self.evidence || o.evidence,
            takedown: self.takedown || o.takedown,
            investigation: self.investigation || o.investigation,
            client_ips: self.client_ips || o.client_ips,
        }
    }

    /// Whether a complainant's identity (name and kind) is shown: `confidential` is whether they
    /// asked for confidentiality.
    pub fn complainant_identity(&self, confidential: bool) -> bool {
        if confidential {
            self.confidential_identities
        } else {
            self.complainant_names
        }
    }

    /// Whether a complainant's email, phone and postal address are shown.
    pub fn complainant_contact(&self, confidential: bool) -> bool {
        if confidential {
            self.confidential_identities
        } else {
            self.contact_details
        }
    }
}

/// What a hearing bundle discloses, whoever prints it (it is made for the panel): the complaints
/// with the names of complainants who did not ask for confidentiality; no contact details, no
/// witnesses, no confidential identity, no client address.
pub const HEARING_BUNDLE: Sections =
    Sections { complaints: true, complainant_names: true, members: true, ..Sections::NONE };

/// What a member complained about sees on their own page (issue 21): the complaints and the
/// names of complainants who did not ask for confidentiality; no contact details, no witnesses,
/// no confidential identity.
pub const MEMBER_PAGE: Sections =
    Sections { complaints: true, complainant_names: true, members: true, ..Sections::NONE };

/// The one rule for confidential identities: only the officers working cases (Monitoring
/// Officer, deputy, case officer) see who a complainant who asked for confidentiality is, and
/// how to reach them. Everyone else, whatever their part on the case, sees "withheld".
pub fn may_see_confidential_identity(user: &User) -> bool {
    can(user, Permission::WorkCases)
}

/// The client IP address of a public submitter is shown to administrators only.
pub fn may_see_client_ip(user: &User) -> bool {
    can(user, Permission::Administer)
}

/// The parts the user holds (not revoked) on a case.
pub fn parts_on(conn: &mut DbConnection, user: &User, case_id: &str) -> QueryResult<Vec<Part>> {
    let held: Vec<String> = case_participants::table
        .filter(case_participants::case_id.eq(case_id))
        .filter(case_participants::user_id.eq(&user.id))
        .filter(case_participants::revoked_at.is_null())
        .select(case_participants::part)
        .load(conn)?;
    Ok(held.iter().filter_map(|p| Part::parse(p)).collect())
}

/// What of the case the user may see ([`Sections`]); nothing when they may not see the case.
pub fn sections(conn: &mut DbConnection, user: &User, case_id: &str) -> QueryResult<Sections> {
    if !can_view_case(conn, user, case_id)? {
        return Ok(Sections::NONE);
    }
    let parts = parts_on(conn, user, case_id)?;
    let mut s = Sections::of(user.role(), &parts);
    // The two identity rules are the functions above; `of` agrees with them by construction.
    s.confidential_identities = may_see_confidential_identity(user);
    s.client_ips = may_see_client_ip(user);
    Ok(s)
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
    if may_manage_retention(user) {
        nav.push(("/retention", "Data protection"));
    }
    nav.push(("/help/capacity-test", "Help"));
    nav.push(("/account", "Your account"));
    nav
}

/// Data protection (issue 18): legal holds, approving destruction and answering subject access
/// requests are for the Monitoring Officer or deputy.
pub fn may_manage_retention(user: &User) -> bool {
    can(user, Permission::SignOffDecisions)
}

/// The access log (who opened which case, item or export): the Monitoring Officer, deputy and
/// administrators.
pub fn may_read_access_log(user: &User) -> bool {
    can(user, Permission::SignOffDecisions) || can(user, Permission::Administer)
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

    #[test]
    fn only_officers_see_confidential_identities_and_only_admins_client_addresses() {
        for role in Role::ALL {
            let all_parts = [Part::IndependentPerson, Part::Investigator, Part::PanelMember];
            let s = Sections::of(Some(role), &all_parts);
            let officer = matches!(role, Role::MonitoringOfficer | Role::DeputyMonitoringOfficer | Role::CaseOfficer);
            assert_eq!(s.confidential_identities, officer, "{role}");
            assert_eq!(s.client_ips, role == Role::Admin, "{role}");
        }
    }

    #[test]
    fn each_part_sees_only_what_it_needs() {
        let ip = Sections::of(Some(Role::IndependentPerson), &[Part::IndependentPerson]);
        assert!(ip.complaints && ip.assessments && ip.evidence && ip.members && ip.complainant_names);
        assert!(!(ip.notes || ip.emails || ip.timeline || ip.contact_details || ip.witnesses || ip.takedown));
        assert!(!(ip.assignment || ip.investigation));
        let inv = Sections::of(Some(Role::Investigator), &[Part::Investigator]);
        assert!(inv.complaints && inv.evidence && inv.investigation && inv.witnesses && inv.contact_details);
        assert!(!(inv.notes || inv.emails || inv.timeline || inv.takedown || inv.assessments));
        let panel = Sections::of(Some(Role::CommitteeMember), &[Part::PanelMember]);
        assert_eq!(panel, Sections { members: true, ..Sections::NONE });
        let nobody = Sections::of(Some(Role::CommitteeMember), &[]);
        assert_eq!(nobody, Sections::NONE);
        let officer = Sections::of(Some(Role::CaseOfficer), &[]);
        assert_eq!(officer, Sections::OFFICER);
    }
}
