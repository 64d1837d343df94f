//! The hearing bundle: index, complaints (complainants who asked for confidentiality redacted),
//! allegations, capacity and Article 10 assessments, the investigation report, the evidence list
//! with every file's SHA-256, and the member's response.

use super::allegations::{allegation_views, AllegationView};
use super::find::{find_hearing, panel_seats, PanelSeat};
use crate::db::DbConnection;
use crate::models::assessment::{self as assessment_rows, Article10};
use crate::models::authority as authority_rows;
use crate::models::complaint as complaint_rows;
use crate::models::hearing::{self as rows, InvestigationEntry};
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::{access, notices, vocab};
use crate::services::{ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Bundle {
    pub reference: String,
    pub authority: Option<String>,
    pub starts_at: NaiveDateTime,
    pub venue: Option<String>,
    pub remote_link: Option<String>,
    /// The Schedule 12A paragraph's words, when part of the hearing is expected in private.
    pub private_label: Option<&'static str>,
    pub panel: Vec<PanelSeat>,
    pub ip: Option<String>,
    pub investigator: Option<String>,
    pub complaints: Vec<BundleComplaint>,
    pub allegations: Vec<AllegationView>,
    pub terms_of_reference: Option<String>,
    pub assessments: Vec<BundleAssessment>,
    pub report: Vec<InvestigationEntry>,
    pub interviews: Vec<InvestigationEntry>,
    pub response: Vec<InvestigationEntry>,
    pub evidence: Vec<BundleEvidence>,
}

#[derive(Debug, Serialize)]
pub struct BundleComplaint {
    pub received_on: NaiveDate,
    /// None when the complainant asked for confidentiality.
    pub complainant: Option<String>,
    pub platform: Option<&'static str>,
    pub conduct_on: Option<NaiveDate>,
    pub what_happened: String,
    pub why_official: String,
}

#[derive(Debug, Serialize)]
pub struct BundleAssessment {
    pub member: String,
    pub version: i32,
    /// The version of the capacity test it answered.
    pub test_version: i32,
    pub suggested: String,
    pub rule: String,
    pub concluded: Option<String>,
    pub reason: Option<String>,
    pub engaged: Option<String>,
    pub answers: Vec<BundleAnswer>,
    pub article10: Option<Article10>,
}

#[derive(Debug, Serialize)]
pub struct BundleAnswer {
    pub code: String,
    pub question: String,
    pub answer: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BundleEvidence {
    pub number: i32,
    pub title: String,
    pub url: Option<String>,
    pub captured_at: NaiveDateTime,
    pub from_complainant: bool,
    pub files: Vec<BundleFile>,
}

#[derive(Debug, Serialize)]
pub struct BundleFile {
    pub name: String,
    pub sha256: String,
}

/// The bundle, for those who may see the hearing (officers, the panel, the IP, the investigator).
pub fn bundle(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<Bundle> {
    let (case, hearing) = find_hearing(conn, user, reference)?;
    let hearing = hearing.ok_or(ServiceError::NotFound)?;
    let mut complaints = Vec::new();
    let all = complaint_rows::list_for_case(conn, &case.id)?;
    let withheld: Vec<_> = all
        .iter()
        .filter(|(c, _)| !access::HEARING_BUNDLE.complainant_identity(c.confidentiality_requested))
        .cloned()
        .collect();
    // A complainant's own words may name them: withheld identities are taken out of the text.
    let hidden = notices::redactions(&withheld);
    for (c, who) in all {
        complaints.push(BundleComplaint {
            received_on: c.received_on,
            complainant: access::HEARING_BUNDLE.complainant_identity(c.confidentiality_requested).then_some(who.name),
            platform: c.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)),
            conduct_on: c.conduct_on,
            what_happened: notices::anonymise(&c.what_happened, &hidden),
            why_official: notices::anonymise(&c.why_official, &hidden),
        });
    }
    let mut assessments = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let Some(a) = assessment_rows::latest_for_member(conn, &case.id, &m.id)? else { continue };
        let def = crate::services::assessment::definition(conn, &a.test_version_id)?;
        let answers = assessment_rows::answers(conn, &a.id)?
            .into_iter()
            .map(|ans| BundleAnswer {
                question: def
                    .questions
                    .iter()
                    .find(|q| q.code == ans.question_code)
                    .map(|q| q.question.clone())
                    .unwrap_or_default(),
                code: ans.question_code,
                answer: ans.answer,
                note: ans.note.map(|n| notices::anonymise(&n, &hidden)),
            })
            .collect();
        let engaged = match &a.engaged_authority_id {
            Some(id) => authority_rows::find(conn, id)?.map(|x| x.name),
            None => None,
        };
        assessments.push(BundleAssessment {
            member: m.full_name,
            version: a.version,
            test_version: def.version,
            suggested: def.outcome_label(&a.suggested_outcome),
            rule: a.suggested_rule.clone(),
            concluded: a.concluded_outcome.as_deref().map(|o| vocab::label(&vocab::CAPACITY_OUTCOMES, o).to_string()),
            reason: a.conclusion_reason.as_deref().map(|r| notices::anonymise(r, &hidden)),
            engaged,
            answers,
            article10: assessment_rows::article10_for(conn, &a.id)?
                .map(|x| Article10 { reasons: notices::anonymise(&x.reasons, &hidden), ..x }),
        });
    }
    let (mut report, mut response, mut interviews) = (Vec::new(), Vec::new(), Vec::new());
    let investigation = rows::investigation_for_case(conn, &case.id)?;
    if let Some(inv) = &investigation {
        for mut e in rows::entries(conn, &inv.id)? {
            e.title = notices::anonymise(&e.title, &hidden);
            e.body = notices::anonymise(&e.body, &hidden);
            match e.kind.as_str() {
                "final-report" => report.push(e),
                "member-comments" => response.push(e),
                "interview" => interviews.push(e),
                _ => {}
            }
        }
    }
    let mut evidence = Vec::new();
    for v in crate::services::evidence::list_for_case(conn, &case)? {
        evidence.push(BundleEvidence {
            number: v.item.number,
            title: v.current.title.clone(),
            url: v.current.url.clone(),
            captured_at: v.current.captured_at,
            from_complainant: v.item.source.as_str() == "complainant",
            files: v
                .files
                .iter()
                .map(|f| BundleFile { name: f.original_name.clone(), sha256: f.sha256.clone() })
                .collect(),
        });
    }
    let investigator = match &investigation {
        Some(i) => match &i.investigator_user_id {
            Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
            None => i.external_investigator.clone(),
        },
        None => None,
    };
    Ok(Bundle {
        reference: case.reference.clone(),
        authority: authority_rows::find(conn, &case.authority_id)?.map(|a| a.name),
        starts_at: hearing.starts_at,
        venue: hearing.venue.clone(),
        remote_link: hearing.remote_link.clone(),
        private_label: hearing.private_paragraph.as_deref().map(|p| vocab::label(&vocab::SCHEDULE_12A, p)),
        panel: panel_seats(conn, &hearing.id)?,
        ip: user_rows::find(conn, &hearing.ip_user_id)?.map(|u| u.name),
        investigator,
        complaints,
        allegations: allegation_views(conn, &case)?,
        terms_of_reference: investigation.map(|i| i.terms_of_reference),
        assessments,
        report,
        interviews,
        response,
        evidence,
    })
}
