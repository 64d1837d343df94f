//! The case page: the case's own parts (`cases::detail`, with its flags) beside the sections
//! other domains own: the initial assessment, the investigation and hearing links, evidence,
//! takedown requests and informal resolution. This module may import every domain; `cases`
//! imports none of them.
//!
//! The sections built here (`later`, `evidence`, `takedowns`, `informal`) keep the case page
//! working as it is until those domains' typed sections replace them.

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::hearing as hearing_rows;
use crate::models::takedown as takedown_rows;
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::cases::{self, CaseView, Choice};
use crate::services::{assessment, evidence, vocab, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CasePage<A> {
    pub case: CaseView,
    /// The initial assessment section (`assessment::summary`).
    pub assessment: A,
    pub later: LaterStages,
    pub evidence: Vec<EvidenceRow>,
    pub takedowns: Vec<TakedownRow>,
    pub informal: InformalSection,
    /// Officers who work cases, for the sections that have no flags of their own yet.
    pub can_work: bool,
    /// Who the case may be assigned to.
    pub officers: Vec<Choice>,
}

/// Whether the case has reached an investigation or a hearing.
#[derive(Debug, Clone, Serialize)]
pub struct LaterStages {
    pub investigation: bool,
    pub hearing: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    pub number: i32,
    pub title: String,
    pub kind: String,
    pub source: String,
    pub status: String,
    pub complaint_id: Option<String>,
    pub captured_at: NaiveDateTime,
    pub platform: Option<&'static str>,
    pub files: Vec<EvidenceFileRow>,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceFileRow {
    pub id: String,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub is_image: bool,
    pub media_type: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TakedownRow {
    pub number: i32,
    pub addressee: String,
    pub due_on: NaiveDate,
    pub status: &'static str,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InformalSection {
    pub actions: Vec<InformalActionRow>,
    pub kinds: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InformalActionRow {
    pub id: String,
    pub kind: &'static str,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub done_note: Option<String>,
}

/// The case page for a user who may see the case (`NotFound` otherwise).
pub fn show(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    today: NaiveDate,
) -> ServiceResult<CasePage<impl Serialize>> {
    let case = cases::find_visible(conn, user, reference)?;
    Ok(CasePage {
        case: cases::detail(conn, user, &case, today)?,
        assessment: assessment::summary(conn, user, &case)?,
        later: LaterStages {
            investigation: hearing_rows::investigation_for_case(conn, &case.id)?.is_some(),
            hearing: hearing_rows::hearing_for_case(conn, &case.id)?.is_some(),
        },
        evidence: evidence_rows(conn, &case)?,
        takedowns: takedown_rows(conn, &case, today)?,
        informal: informal(conn, &case)?,
        can_work: access::can(user, Permission::WorkCases),
        officers: cases::officer_choices(conn)?,
    })
}

fn evidence_rows(conn: &mut DbConnection, case: &Case) -> ServiceResult<Vec<EvidenceRow>> {
    Ok(evidence::list_for_case(conn, case)?
        .into_iter()
        .map(|v| EvidenceRow {
            number: v.item.number,
            title: v.current.title,
            kind: v.item.kind,
            source: v.item.source,
            status: v.item.status,
            complaint_id: v.item.complaint_id,
            captured_at: v.current.captured_at,
            platform: v.current.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)),
            files: v
                .files
                .into_iter()
                .map(|f| EvidenceFileRow {
                    is_image: f.media_type.starts_with("image/"),
                    id: f.id,
                    name: f.original_name,
                    sha256: f.sha256,
                    size: f.size_bytes,
                    media_type: f.media_type,
                })
                .collect(),
            version: v.item.current_version,
        })
        .collect())
}

fn takedown_rows(conn: &mut DbConnection, case: &Case, today: NaiveDate) -> ServiceResult<Vec<TakedownRow>> {
    Ok(takedown_rows::list_for_case(conn, &case.id)?
        .into_iter()
        .map(|t| TakedownRow {
            number: t.number,
            overdue: t.status.is_open() && t.due_on < today,
            addressee: t.addressee_name,
            due_on: t.due_on,
            status: t.status.label(),
        })
        .collect())
}

fn informal(conn: &mut DbConnection, case: &Case) -> ServiceResult<InformalSection> {
    Ok(InformalSection {
        actions: takedown_rows::actions(conn, &case.id)?
            .into_iter()
            .map(|a| InformalActionRow {
                kind: vocab::label(&vocab::INFORMAL_ACTION_KINDS, &a.kind),
                id: a.id,
                description: a.description,
                due_on: a.due_on,
                done_on: a.done_on,
                done_note: a.done_note,
            })
            .collect(),
        kinds: Choice::list(&vocab::INFORMAL_ACTION_KINDS),
    })
}
