//! The case page: the case's own parts (`cases::detail`, with its flags) beside the sections
//! other domains own, each built by its domain with its own flags: the initial assessment
//! (`assessment::summary`), the investigation and hearing links (`hearing::case_links`),
//! evidence (`evidence::case_section`), and takedown requests with informal resolution
//! (`takedown::case_section`). This module may import every domain; `cases` imports none of them.
//! A section the user may not see (`access::sections`) is not built at all: `None`.

use crate::db::DbConnection;
use crate::models::user::User;
use crate::services::assessment::AssessmentSummary;
use crate::services::cases::{self, CaseView, Choice};
use crate::services::evidence::EvidenceSection;
use crate::services::hearing::CaseLinks;
use crate::services::takedown::TakedownSection;
use crate::services::{access, assessment, evidence, hearing, takedown, ServiceResult};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CasePage {
    pub case: CaseView,
    pub assessment: Option<AssessmentSummary>,
    pub later: CaseLinks,
    pub evidence: Option<EvidenceSection>,
    pub takedown: Option<TakedownSection>,
    /// Who the case may be assigned to.
    pub officers: Vec<Choice>,
    /// Retention, legal hold and destruction (staff who see every case).
    pub retention: Option<crate::services::retention::RetentionView>,
    /// The complainants' and members' own pages: visits, what they sent, replies (officers).
    pub parties: Option<crate::services::parties::officer::PartiesSection>,
}

/// The case page for a user who may see the case (`NotFound` otherwise).
pub fn show(conn: &mut DbConnection, user: &User, reference: &str, today: NaiveDate) -> ServiceResult<CasePage> {
    let case = cases::find_visible(conn, user, reference)?;
    crate::services::retention::access_log::record(
        conn,
        user,
        crate::services::retention::access_log::Opened::Case,
        &case.reference,
        Some(&case.id),
    )?;
    let sections = access::sections(conn, user, &case.id)?;
    // A destroyed case keeps only what the committee figures need: its other sections are gone.
    let kept = case.status != crate::models::enums::CaseStatus::Destroyed;
    Ok(CasePage {
        case: cases::detail(conn, user, &case, sections, today)?,
        assessment: if sections.assessments && kept { Some(assessment::summary(conn, user, &case)?) } else { None },
        later: hearing::case_links(conn, user, &case)?,
        evidence: if sections.evidence && kept { Some(evidence::case_section(conn, user, &case)?) } else { None },
        takedown: if sections.takedown && kept {
            Some(takedown::case_section(conn, user, &case, today)?)
        } else {
            None
        },
        officers: if sections.assignment { cases::officer_choices(conn)? } else { Vec::new() },
        retention: crate::services::retention::case_section(conn, user, &case.id, today)?,
        parties: if kept { crate::services::parties::officer::section(conn, user, &case)? } else { None },
    })
}
