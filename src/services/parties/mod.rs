//! The complainant's and the member's own page (issue 21): a party of a case reaches their part
//! of it without an account, through emailed single-use links (`links`), in a session for that
//! party and that case only (`session`, never a staff session). What they see (`pages`), what
//! they send (`send`), and what officers see and do about it on the case page (`officer`).

pub mod limits;
pub mod links;
pub mod officer;
pub mod pages;
pub mod send;
pub mod session;

use crate::db::DbConnection;
use crate::models::case::{self as case_rows, Case};
use crate::models::complaint::{self as complaint_rows, Complainant, Complaint};
use crate::models::member::{self as member_rows, Member};
use crate::models::party::{self as rows, PartyVisit, COMPLAINANT, MEMBER};
use crate::models::{new_id, now};
use crate::services::{ServiceError, ServiceResult};
use diesel::QueryResult;
use serde::Serialize;

/// Who a party is on a case: the complainant of one complaint, or one member complained about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub case_id: String,
    /// [`COMPLAINANT`] or [`MEMBER`].
    pub kind: String,
    /// The complaint's id (a complainant) or the member's id.
    pub id: String,
}

impl Party {
    pub fn complainant(case_id: &str, complaint_id: &str) -> Self {
        Party { case_id: case_id.into(), kind: COMPLAINANT.into(), id: complaint_id.into() }
    }

    pub fn member(case_id: &str, member_id: &str) -> Self {
        Party { case_id: case_id.into(), kind: MEMBER.into(), id: member_id.into() }
    }

    pub fn is_complainant(&self) -> bool {
        self.kind == COMPLAINANT
    }

    /// The columns (`complaint_id`, `member_id`) rows about this party carry.
    pub fn columns(&self) -> (Option<String>, Option<String>) {
        if self.is_complainant() {
            (Some(self.id.clone()), None)
        } else {
            (None, Some(self.id.clone()))
        }
    }

    pub fn of_row(case_id: &str, kind: &str, complaint_id: Option<&str>, member_id: Option<&str>) -> Option<Self> {
        match (kind, complaint_id, member_id) {
            (COMPLAINANT, Some(c), _) => Some(Party::complainant(case_id, c)),
            (MEMBER, _, Some(m)) => Some(Party::member(case_id, m)),
            _ => None,
        }
    }

    /// "The complainant" / "The councillor", as officers' pages name the side.
    pub fn label(&self) -> &'static str {
        crate::services::vocab::label(&crate::services::vocab::PARTIES, &self.kind)
    }
}

/// A party with their case and who they are (their own name and address, for their emails).
#[derive(Debug, Clone)]
pub struct Resolved {
    pub party: Party,
    pub case: Case,
    pub complaint: Option<(Complaint, Complainant)>,
    pub member: Option<Member>,
}

impl Resolved {
    /// The party's name, for emails to them.
    pub fn name(&self) -> String {
        match (&self.complaint, &self.member) {
            (Some((_, who)), _) => who.name.clone(),
            (_, Some(m)) => m.full_name.clone(),
            _ => String::new(),
        }
    }

    /// The address on the case: the complainant's, or the member's in the register.
    pub fn email(&self) -> Option<String> {
        match (&self.complaint, &self.member) {
            (Some((_, who)), _) => who.email.clone(),
            (_, Some(m)) => m.email.clone(),
            _ => None,
        }
    }
}

/// Finds the party's case and who they are; `NotFound` if the complaint is no longer on that case
/// (moved), the member is not complained about on it, or the case is destroyed.
pub fn resolve(conn: &mut DbConnection, party: &Party) -> ServiceResult<Resolved> {
    let case = case_rows::find(conn, &party.case_id)?.ok_or(ServiceError::NotFound)?;
    if case.destroyed_at.is_some() || case.status == crate::models::enums::CaseStatus::Destroyed {
        return Err(ServiceError::NotFound);
    }
    if party.is_complainant() {
        let found = complaint_rows::list_for_case(conn, &case.id)?.into_iter().find(|(c, _)| c.id == party.id);
        let found = found.ok_or(ServiceError::NotFound)?;
        Ok(Resolved { party: party.clone(), case, complaint: Some(found), member: None })
    } else {
        let member = member_rows::list_for_case(conn, &case.id)?.into_iter().find(|m| m.id == party.id);
        let member = member.ok_or(ServiceError::NotFound)?;
        Ok(Resolved { party: party.clone(), case, complaint: None, member: Some(member) })
    }
}

/// Records an access by a party (the parties' access audit): every use of a link, sign-in, page
/// view and submission, with the address it came from.
pub fn record_visit(conn: &mut DbConnection, party: &Party, what: &str, ip: Option<&str>) -> QueryResult<()> {
    let (complaint_id, member_id) = party.columns();
    rows::insert_visit(
        conn,
        &PartyVisit {
            id: new_id(),
            case_id: party.case_id.clone(),
            party: party.kind.clone(),
            complaint_id,
            member_id,
            what: what.to_string(),
            ip_address: ip.map(str::to_string),
            occurred_at: now(),
        },
    )
}
