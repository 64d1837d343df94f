//! The hearing page (arrangements, conflict check, findings, sanctions and the decision) and the
//! links the case page shows to the investigation and the hearing. Every flag comes from the
//! rule the action refuses with.

use super::allegations::allegation_views;
use super::arrangements::{conflicts, ConflictFlag, HearingInput};
use super::find::{find_hearing, panel_seats, PanelSeat};
use super::findings::{members_in_breach, FindingInput, SanctionInput};
use super::rules::{
    at_hearing_stage, ip_view_for_findings, may_add_sanction, may_adjourn, may_fix, may_issue_decision,
    may_open_notices, may_record_compliance, may_record_findings, may_save_hearing, may_view,
};
use crate::db::DbConnection;
use crate::models::assessment as assessment_rows;
use crate::models::authority as authority_rows;
use crate::models::case::{Case, CaseStatus};
use crate::models::hearing::{self as rows, Sanction};
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, Role, User};
use crate::services::investigation;
use crate::services::investigation::forms::{user_choices, Choice};
use crate::services::vocab;
use crate::services::{ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct HearingPage {
    pub reference: String,
    /// None until the hearing is arranged.
    pub hearing: Option<HearingView>,
    /// No hearing, and the case is not at the hearing stage.
    pub not_referred: bool,
    pub sanctions: Vec<SanctionView>,
    /// The hearing decisions, for the link to their notices.
    pub decisions: Vec<String>,
    pub actions: HearingActions,
    pub forms: HearingForms,
    pub ips: Vec<Choice>,
    pub committee: Vec<Choice>,
    /// Members found in breach: those a sanction may be added for.
    pub in_breach: Vec<Choice>,
    /// The sanctions available (the list for the council's nation), with their hints.
    pub sanction_kinds: Vec<SanctionOption>,
    /// Which list that is, in words ("England, version 1 (in force from 2012-07-01)").
    pub sanction_list: String,
    /// The follow-up date's hint: which sanctions leave it empty (nothing to follow up).
    pub follow_up_hint: String,
    /// The member's response sent from their own page (issue 21).
    pub member_responses: Vec<crate::services::parties::officer::MemberResponse>,
}

/// A sanction as a radio option.
#[derive(Debug, Serialize)]
pub struct SanctionOption {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: String,
}

#[derive(Debug, Serialize)]
pub struct HearingView {
    pub starts_at: NaiveDateTime,
    pub venue: Option<String>,
    pub remote_link: Option<String>,
    pub panel: Vec<PanelSeat>,
    pub ip: Option<String>,
    pub member_representative: Option<String>,
    /// The Schedule 12A paragraph's words, when part is held in private.
    pub private_label: Option<&'static str>,
    pub private_reason: Option<String>,
    pub fixed_at: Option<NaiveDateTime>,
    pub conflicts: Vec<ConflictFlag>,
    pub conflicts_considered: Option<String>,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Serialize)]
pub struct FindingView {
    pub member: String,
    pub provision: String,
    pub breach: bool,
    pub reasons: String,
    pub article10: String,
}

#[derive(Debug, Serialize)]
pub struct SanctionView {
    pub id: String,
    pub member: String,
    pub kind_label: &'static str,
    /// Who the sanction is recommended to (a parish or town council; the Leader or the member's
    /// group leader): the panel cannot order it.
    pub recommended_to: Option<String>,
    pub detail: String,
    pub proportionality: String,
    /// None: nothing to follow up (censure).
    pub follow_up_on: Option<NaiveDate>,
    pub compliance_label: &'static str,
    pub compliance_colour: &'static str,
    pub compliance_recorded_on: Option<NaiveDate>,
    pub compliance_note: Option<String>,
    pub actions: SanctionActions,
}

#[derive(Debug, Default, Serialize)]
pub struct SanctionActions {
    pub can_record_compliance: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct HearingActions {
    pub can_save_hearing: bool,
    pub can_fix: bool,
    pub can_record_findings: bool,
    pub can_add_sanction: bool,
    pub can_issue_decision: bool,
    pub can_open_notices: bool,
    /// Adjourn the fixed hearing (before its findings) to arrange it again.
    pub can_adjourn: bool,
    /// Why the findings cannot be recorded yet (the hearing not yet held, no Independent
    /// Person's view since the final report), shown before the officer tries.
    pub findings_blocked: Option<String>,
}

/// The values the page's forms show: what was typed (after a refused form), what is saved, or
/// the blanks.
#[derive(Debug, Serialize)]
pub struct HearingForms {
    pub arrangements: HearingInput,
    pub considered: String,
    pub adjourn_reason: String,
    /// One block of the findings form per allegation.
    pub findings: Vec<FindingRow>,
    pub sanction: SanctionInput,
}

#[derive(Debug, Serialize)]
pub struct FindingRow {
    pub id: String,
    pub member: String,
    pub provision: String,
    pub finding: String,
    pub reasons: String,
    pub article10: String,
}

/// What a re-shown page keeps of the forms typed.
#[derive(Debug, Default)]
pub struct Typed {
    pub arrangements: Option<HearingInput>,
    pub considered: Option<String>,
    pub findings: Vec<FindingInput>,
    pub sanction: Option<SanctionInput>,
    pub adjourn_reason: Option<String>,
}

fn compliance_colour(compliance: &str) -> &'static str {
    match compliance {
        "complied" => "green",
        "not-complied" => "red",
        "no-follow-up" => "grey",
        _ => "yellow",
    }
}

/// The hearing page, for those who may see the hearing.
pub fn page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    typed: Typed,
    today: NaiveDate,
) -> ServiceResult<HearingPage> {
    let (case, hearing) = find_hearing(conn, user, reference)?;
    let mut actions = HearingActions {
        can_save_hearing: may_save_hearing(user, &case, hearing.as_ref()).is_ok(),
        can_fix: may_fix(user, &case, hearing.as_ref()).is_ok(),
        can_open_notices: may_open_notices(user),
        ..Default::default()
    };
    let (mut view, mut saved, mut finding_rows, mut in_breach) = (None, None, Vec::new(), Vec::new());
    if let Some(h) = &hearing {
        let findings = rows::findings_for(conn, &h.id)?;
        in_breach = members_in_breach(conn, &case, &findings)?;
        let ip_ready = ip_view_for_findings(conn, &case)?;
        let record = may_record_findings(user, &case, Some(h), &findings, today, ip_ready);
        actions.can_record_findings = record.is_ok();
        if findings.is_empty() && may_adjourn(user, &case, Some(h), &findings).is_ok() {
            if let Err(ServiceError::Refused(why)) = record {
                actions.findings_blocked = Some(why);
            }
        }
        actions.can_adjourn = may_adjourn(user, &case, Some(h), &findings).is_ok();
        actions.can_add_sanction =
            may_add_sanction(user, &case, Some(h), &findings, today).is_ok() && !in_breach.is_empty();
        actions.can_issue_decision = may_issue_decision(user, &case, Some(h), &findings, today).is_ok();
        let allegations = allegation_views(conn, &case)?;
        let finding_views = findings
            .iter()
            .map(|f| {
                let a = allegations.iter().find(|a| a.id == f.allegation_id);
                FindingView {
                    member: a.map(|a| a.member.clone()).unwrap_or_default(),
                    provision: a.map(|a| a.provision.clone()).unwrap_or_default(),
                    breach: f.breach,
                    reasons: f.reasons.clone(),
                    article10: f.article10_reasoning.clone(),
                }
            })
            .collect();
        finding_rows = allegations
            .into_iter()
            .map(|a| {
                let given = typed.findings.iter().find(|f| f.allegation_id == a.id);
                let value = |pick: fn(&FindingInput) -> &String| given.map(pick).cloned().unwrap_or_default();
                FindingRow {
                    finding: value(|f| &f.finding),
                    reasons: value(|f| &f.reasons),
                    article10: value(|f| &f.article10),
                    id: a.id,
                    member: a.member,
                    provision: a.provision,
                }
            })
            .collect();
        saved = Some(HearingInput::from_hearing(h, &rows::panel(conn, &h.id)?));
        view = Some(HearingView {
            starts_at: h.starts_at,
            venue: h.venue.clone(),
            remote_link: h.remote_link.clone(),
            panel: panel_seats(conn, &h.id)?,
            ip: user_rows::find(conn, &h.ip_user_id)?.map(|u| u.name),
            member_representative: h.member_representative.clone(),
            private_label: h.private_paragraph.as_deref().map(|p| vocab::label(&vocab::SCHEDULE_12A, p)),
            private_reason: h.private_reason.clone(),
            fixed_at: h.fixed_at,
            conflicts: conflicts(conn, &case, h)?,
            conflicts_considered: h.conflicts_considered.clone(),
            findings: finding_views,
        });
    }
    let mut sanctions = Vec::new();
    for s in rows::sanctions_for_case(conn, &case.id)? {
        sanctions.push(sanction_view(conn, user, &case, s)?);
    }
    let decisions = assessment_rows::decisions_for_case(conn, &case.id)?
        .into_iter()
        .filter(|d| d.stage == "hearing")
        .map(|d| d.id)
        .collect();
    let list = super::findings::sanction_list_for(conn, &case)?;
    Ok(HearingPage {
        reference: case.reference.clone(),
        not_referred: hearing.is_none() && !at_hearing_stage(&case),
        hearing: view,
        sanctions,
        decisions,
        actions,
        forms: HearingForms {
            arrangements: typed.arrangements.or(saved).unwrap_or_else(HearingInput::blank),
            considered: typed.considered.unwrap_or_default(),
            adjourn_reason: typed.adjourn_reason.unwrap_or_default(),
            findings: finding_rows,
            sanction: typed.sanction.unwrap_or_default(),
        },
        sanction_kinds: list
            .sanctions
            .iter()
            .map(|d| SanctionOption {
                value: d.code,
                label: d.label,
                hint: match (d.follow_up, d.recommendation_to) {
                    (_, Some(to)) => format!("{} A recommendation to {to}.", d.hint),
                    _ => d.hint.to_string(),
                },
            })
            .collect(),
        sanction_list: format!(
            "{}, version {} (in force from {})",
            if list.nation == "wales" { "Wales" } else { "England" },
            list.version,
            list.in_force_from
        ),
        follow_up_hint: {
            let none: Vec<&str> = list.sanctions.iter().filter(|d| !d.follow_up).map(|d| d.label).collect();
            if none.is_empty() {
                String::new()
            } else {
                format!("Leave empty for {}: there is nothing to follow up.", none.join(" or "))
            }
        },
        ips: user_choices(conn, Role::IndependentPerson)?,
        committee: user_choices(conn, Role::CommitteeMember)?,
        in_breach,
        member_responses: {
            let sections = crate::services::access::sections(conn, user, &case.id)?;
            let hidden = crate::services::notices::withheld_from_viewer(conn, &case.id, &sections)?;
            crate::services::parties::officer::member_responses(conn, &case.id, &hidden)?
        },
    })
}

fn sanction_view(conn: &mut DbConnection, user: &User, case: &Case, s: Sanction) -> ServiceResult<SanctionView> {
    let member = member_rows::find(conn, &s.member_id)?.map(|m| m.full_name).unwrap_or_default();
    let recommended_to = match &s.recommended_to_authority_id {
        Some(id) => authority_rows::find(conn, id)?.map(|a| a.name),
        None => None,
    }
    .or(s.recommendation_to.clone());
    let actions = SanctionActions { can_record_compliance: may_record_compliance(user, case, &s).is_ok() };
    Ok(SanctionView {
        member,
        kind_label: crate::services::sanction_lists::label(&s.list_version, &s.kind),
        recommended_to,
        compliance_label: vocab::label(&vocab::COMPLIANCE, &s.compliance),
        compliance_colour: compliance_colour(&s.compliance),
        id: s.id,
        detail: s.detail,
        proportionality: s.proportionality,
        follow_up_on: s.follow_up_on,
        compliance_recorded_on: s.compliance_recorded_on,
        compliance_note: s.compliance_note,
        actions,
    })
}

/// What the case page links to in its "Investigation and hearing" section.
#[derive(Debug, Default, Serialize)]
pub struct CaseLinks {
    /// Whether the section is shown at all (some link below is).
    pub shown: bool,
    pub investigation: Option<CaseLink>,
    pub hearing: Option<CaseLink>,
    pub bundle: Option<CaseLink>,
    /// The investigation's final report, for those who may read it but not the investigation.
    pub final_report: Option<CaseLink>,
}

#[derive(Debug, Serialize)]
pub struct CaseLink {
    pub href: String,
    /// The whole link text ("Investigation: in progress").
    pub text: String,
    /// Where things stand, when the link says so ("in progress", "decision and sanctions").
    pub words: Option<&'static str>,
}

/// The case page's links to the investigation, the hearing and the bundle: each shown when
/// the case has reached that stage (or holds its record) and the user may open it.
pub fn case_links(conn: &mut DbConnection, user: &User, case: &Case) -> ServiceResult<CaseLinks> {
    let inv = rows::investigation_for_case(conn, &case.id)?;
    let hearing = rows::hearing_for_case(conn, &case.id)?;
    let panel = match &hearing {
        Some(h) => rows::panel(conn, &h.id)?,
        None => Vec::new(),
    };
    let mut links = CaseLinks::default();
    let investigation_stage = matches!(case.status, CaseStatus::Investigation | CaseStatus::PostInvestigation);
    if (inv.is_some() || investigation_stage) && investigation::rules::may_view(user, inv.as_ref()).is_ok() {
        let words = match case.status {
            CaseStatus::Investigation => Some("in progress"),
            CaseStatus::PostInvestigation => Some("awaiting the post-investigation decision"),
            _ => None,
        };
        links.investigation = Some(CaseLink {
            href: format!("/cases/{}/investigation", case.reference),
            text: match words {
                Some(w) => format!("Investigation: {w}"),
                None => "Investigation".into(),
            },
            words,
        });
    }
    let sections = crate::services::access::sections(conn, user, &case.id)?;
    let may_see_hearing = may_view(user, hearing.as_ref(), &panel, inv.as_ref(), sections.reports).is_ok();
    // Someone who may read the final report but not the investigation file (an Independent
    // Person consulted on the case) gets a link to the report itself.
    if links.investigation.is_none() && sections.reports {
        if let Some(i) = &inv {
            if let Some(report) = rows::entries(conn, &i.id)?
                .into_iter()
                .filter(|e| e.kind == "final-report" && e.sha256.is_some())
                .max_by_key(|e| e.created_at)
            {
                links.final_report = Some(CaseLink {
                    href: format!("/cases/{}/investigation/entries/{}", case.reference, report.id),
                    text: "Final investigation report (PDF)".into(),
                    words: None,
                });
            }
        }
    }
    if (hearing.is_some() || at_hearing_stage(case)) && may_see_hearing {
        let words = matches!(case.status, CaseStatus::DecisionNotice | CaseStatus::Sanctions)
            .then_some("decision and sanctions");
        links.hearing = Some(CaseLink {
            href: format!("/cases/{}/hearing", case.reference),
            text: match words {
                Some(w) => format!("Hearing, {w}"),
                None => "Hearing".into(),
            },
            words,
        });
    }
    if hearing.is_some() && may_see_hearing {
        links.bundle = Some(CaseLink {
            href: format!("/cases/{}/hearing/bundle", case.reference),
            text: "Hearing bundle (printable)".into(),
            words: None,
        });
    }
    links.shown = links.investigation.is_some()
        || links.hearing.is_some()
        || links.bundle.is_some()
        || links.final_report.is_some();
    Ok(links)
}
