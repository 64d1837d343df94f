//! The outcome: the panel's findings per allegation, sanctions for members found in breach, the
//! hearing decision with its notices (and an anonymised version for publication), and the
//! follow-up of each sanction until the case closes.

use super::allegations::allegation_views;
use super::rules::{
    ip_view_for_findings, may_add_sanction, may_follow_up, may_issue_decision, may_record_compliance,
    may_record_findings,
};
use crate::db::DbConnection;
use crate::emails;
use crate::models::assessment::{self as assessment_rows, Decision};
use crate::models::authority as authority_rows;
use crate::models::case::{Case, CaseStatus};
use crate::models::complaint as complaint_rows;
use crate::models::hearing::{self as rows, Finding, Hearing, HearingChanges, Sanction};
use crate::models::member as member_rows;
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::investigation::forms::{date_field, Choice};
use crate::services::notices;
use crate::services::sanction_lists;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize)]
pub struct FindingInput {
    pub allegation_id: String,
    pub finding: String,
    pub reasons: String,
    pub article10: String,
}

/// Reads `finding_<allegation>`, `reasons_<allegation>` and `article10_<allegation>` fields.
pub fn findings_from_pairs(pairs: &[(String, String)]) -> Vec<FindingInput> {
    let mut out: Vec<FindingInput> = Vec::new();
    for (k, v) in pairs {
        let (field, id) = match k.split_once('_') {
            Some((f, id)) if matches!(f, "finding" | "reasons" | "article10") => (f, id),
            _ => continue,
        };
        let i = match out.iter().position(|f| f.allegation_id == id) {
            Some(i) => i,
            None => {
                out.push(FindingInput { allegation_id: id.to_string(), ..Default::default() });
                out.len() - 1
            }
        };
        match field {
            "finding" => out[i].finding = v.clone(),
            "reasons" => out[i].reasons = v.clone(),
            _ => out[i].article10 = v.clone(),
        }
    }
    out
}

/// The case (which the user may work) and its hearing, with the findings recorded so far.
fn hearing_and_findings(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
) -> ServiceResult<(Case, Option<Hearing>, Vec<Finding>)> {
    let case = cases::find_visible(conn, user, reference)?;
    let hearing = rows::hearing_for_case(conn, &case.id)?;
    let findings = match &hearing {
        Some(h) => rows::findings_for(conn, &h.id)?,
        None => Vec::new(),
    };
    Ok((case, hearing, findings))
}

/// Records the panel's finding on every allegation, with reasons and the Article 10
/// proportionality reasoning.
pub fn record_findings(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &[FindingInput],
    today: NaiveDate,
) -> ServiceResult<usize> {
    crate::db::write(conn, |conn| {
        let (case, hearing, findings) = hearing_and_findings(conn, user, reference)?;
        let ip_ready = ip_view_for_findings(conn, &case)?;
        may_record_findings(user, &case, hearing.as_ref(), &findings, today, ip_ready)?;
        let hearing = hearing.expect("checked by the rule");
        let allegations = complaint_rows::list_allegations_for_case(conn, &case.id)?;
        let mut e = FieldErrors::default();
        for a in &allegations {
            let given = input.iter().find(|f| f.allegation_id == a.id);
            let finding = given.map(|f| f.finding.as_str()).unwrap_or("");
            if !matches!(finding, "breach" | "no-breach") {
                e.add(&format!("finding_{}", a.id), "Select breach or no breach");
            }
            if given.and_then(|f| clean(&f.reasons)).is_none() {
                e.add(&format!("reasons_{}", a.id), "Give the reasons for the finding");
            }
            if given.and_then(|f| clean(&f.article10)).is_none() {
                e.add(&format!("article10_{}", a.id), "Give the Article 10 (freedom of expression) reasoning");
            }
        }
        e.into_result()?;
        let mut breaches = 0;
        for a in &allegations {
            let f = input.iter().find(|f| f.allegation_id == a.id).expect("checked");
            let breach = f.finding == "breach";
            breaches += usize::from(breach);
            rows::insert_finding(
                conn,
                &Finding {
                    id: new_id(),
                    hearing_id: hearing.id.clone(),
                    allegation_id: a.id.clone(),
                    breach,
                    reasons: f.reasons.trim().to_string(),
                    article10_reasoning: f.article10.trim().to_string(),
                    recorded_by_user_id: user.id.clone(),
                    recorded_at: now(),
                },
            )?;
            rows::set_allegation_status(conn, &a.id, if breach { "breach" } else { "no-breach" })?;
        }
        audit::record(
            conn,
            actor,
            Event::new("hearing.findings", "hearing", &hearing.id)
                .case(&case.id)
                .summary(format!("Findings recorded: breach on {breaches} of {} allegation(s)", allegations.len())),
        )?;
        Ok(breaches)
    })
}

/// The members found in breach, as options for a sanction (the only members one may be added for).
pub fn members_in_breach(conn: &mut DbConnection, case: &Case, findings: &[Finding]) -> QueryResult<Vec<Choice>> {
    let mut out: Vec<Choice> = Vec::new();
    for a in complaint_rows::list_allegations_for_case(conn, &case.id)? {
        if findings.iter().any(|f| f.allegation_id == a.id && f.breach) && !out.iter().any(|o| o.value == a.member_id) {
            if let Some(m) = member_rows::find(conn, &a.member_id)? {
                out.push(Choice::new(m.id, m.full_name));
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SanctionInput {
    pub member: String,
    pub kind: String,
    pub detail: String,
    pub proportionality: String,
    pub follow_up_day: String,
    pub follow_up_month: String,
    pub follow_up_year: String,
}

impl SanctionInput {
    /// Whether anything has been entered (a half-filled form must not be dropped). The member
    /// alone does not count: the list always has one chosen.
    pub fn is_started(&self) -> bool {
        [
            &self.kind,
            &self.detail,
            &self.proportionality,
            &self.follow_up_day,
            &self.follow_up_month,
            &self.follow_up_year,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    fn has_follow_up(&self) -> bool {
        [&self.follow_up_day, &self.follow_up_month, &self.follow_up_year].iter().any(|v| !v.trim().is_empty())
    }
}

/// The sanctions list that applies on a case: that of its council's nation (`seeds/sanctions/`).
pub fn sanction_list_for(conn: &mut DbConnection, case: &Case) -> QueryResult<&'static sanction_lists::SanctionList> {
    let nation = authority_rows::find(conn, &case.authority_id)?.map(|a| a.nation).unwrap_or_default();
    Ok(sanction_lists::current(&nation))
}

/// Adds a sanction for a member found in breach. For a parish or town council member it is a
/// recommendation to that council.
pub fn add_sanction(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &SanctionInput,
    today: NaiveDate,
) -> ServiceResult<Sanction> {
    crate::db::write(conn, |conn| {
        let (case, hearing, findings) = hearing_and_findings(conn, user, reference)?;
        may_add_sanction(user, &case, hearing.as_ref(), &findings, today)?;
        let hearing = hearing.expect("checked by the rule");
        let in_breach = members_in_breach(conn, &case, &findings)?;
        let list = sanction_list_for(conn, &case)?;
        let mut e = FieldErrors::default();
        if !in_breach.iter().any(|m| m.value == input.member) {
            e.add("member", "Select a member found in breach");
        }
        let def = list.get(&input.kind);
        if def.is_none() {
            e.add("kind", "Select the sanction");
        }
        let detail = clean(&input.detail);
        if detail.is_none() {
            e.add("detail", "Describe the sanction (for example, which committees, what training, by when)");
        }
        let proportionality = clean(&input.proportionality);
        if proportionality.is_none() {
            e.add(
                "proportionality",
                "Give the reasons the sanction is proportionate (including to the member's freedom of expression)",
            );
        }
        let follow_up = match def {
            Some(d) if !d.follow_up => {
                if input.has_follow_up() {
                    e.add(
                        "follow_up",
                        format!("{} takes effect with the decision and has no follow-up date: clear the date", d.label),
                    );
                }
                None
            }
            _ => {
                let date = date_field(
                    &mut e,
                    "follow_up",
                    &input.follow_up_day,
                    &input.follow_up_month,
                    &input.follow_up_year,
                );
                if date.is_some_and(|d| d < today) {
                    e.add("follow_up", "The follow-up date must be today or in the future");
                }
                date
            }
        };
        e.into_result()?;
        let def = def.expect("checked");
        let engaged = notices::engaged_authority_id(conn, &case, &input.member)?;
        let parish = match engaged {
            Some(id) => authority_rows::find(conn, &id)?.filter(|a| authority_rows::is_local_tier(&a.tier)),
            None => None,
        };
        let row = Sanction {
            id: new_id(),
            case_id: case.id.clone(),
            hearing_id: hearing.id.clone(),
            member_id: input.member.clone(),
            kind: input.kind.clone(),
            detail: detail.expect("checked"),
            recommended_to_authority_id: parish.as_ref().map(|a| a.id.clone()),
            follow_up_on: follow_up,
            compliance: if def.follow_up { "pending" } else { "no-follow-up" }.into(),
            compliance_note: None,
            compliance_recorded_on: None,
            created_at: now(),
            proportionality: proportionality.expect("checked"),
            list_version: list.id(),
            recommendation_to: def.recommendation_to.map(str::to_string),
        };
        rows::insert_sanction(conn, &row)?;
        let member = member_rows::find(conn, &row.member_id)?.map(|m| m.full_name).unwrap_or_default();
        audit::record(
            conn,
            actor,
            Event::new("sanction.added", "sanction", &row.id).case(&case.id).summary(format!(
                "{}{}: {member} (list {})",
                def.label,
                parish
                    .map(|p| p.name)
                    .or(row.recommendation_to.clone())
                    .map(|to| format!(" (recommendation to {to})"))
                    .unwrap_or_default(),
                row.list_version
            )),
        )?;
        Ok(row)
    })
}

/// The sanctions as lines of the decision letter.
fn sanction_lines(conn: &mut DbConnection, sanctions: &[Sanction]) -> QueryResult<Vec<emails::SanctionLine>> {
    let mut lines = Vec::new();
    for s in sanctions {
        let member = member_rows::find(conn, &s.member_id)?.map(|m| m.full_name).unwrap_or_default();
        let to = match &s.recommended_to_authority_id {
            Some(id) => authority_rows::find(conn, id)?.map(|a| a.name),
            None => None,
        };
        lines.push(emails::SanctionLine {
            member,
            kind: sanction_lists::label(&s.list_version, &s.kind).to_string(),
            detail: s.detail.clone(),
            proportionality: s.proportionality.clone(),
            recommended_to: to.or(s.recommendation_to.clone()),
            follow_up_on: s.follow_up_on.map(emails::long_date),
        });
    }
    Ok(lines)
}

/// Issues the hearing decision: drafts the decision notices (member, complainants, IP, parish
/// clerk) and the anonymised publication version, and moves the case to the decision notice.
///
/// A sanction form started on the page and not added (`pending`) refuses it: what was typed is
/// never dropped silently.
pub fn issue_decision(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    pending: &SanctionInput,
    today: NaiveDate,
) -> ServiceResult<Decision> {
    crate::db::write(conn, |conn| {
        let (case, hearing, findings) = hearing_and_findings(conn, user, reference)?;
        may_issue_decision(user, &case, hearing.as_ref(), &findings, today)?;
        if pending.is_started() {
            return Err(ServiceError::invalid(
                "kind",
                "You have started a sanction that has not been added: add it with \"Add the sanction\", or clear its \
                 fields, before issuing the decision",
            ));
        }
        let hearing = hearing.expect("checked by the rule");
        let sanctions = rows::sanctions_for_case(conn, &case.id)?;
        let breach = findings.iter().any(|f| f.breach);
        let allegations = allegation_views(conn, &case)?;
        let finding_lines: Vec<emails::FindingLine> = findings
            .iter()
            .map(|f| {
                let a = allegations.iter().find(|a| a.id == f.allegation_id);
                emails::FindingLine {
                    member: a.map(|a| a.member.clone()),
                    provision: a.map(|a| a.provision.clone()),
                    breach: f.breach,
                    reasons: f.reasons.clone(),
                    article10: f.article10_reasoning.clone(),
                }
            })
            .collect();
        let outcome = if breach { "breach" } else { "no-breach" };
        let reasons = findings.iter().map(|f| f.reasons.as_str()).collect::<Vec<_>>().join("\n\n");
        let decision = Decision {
            id: new_id(),
            case_id: case.id.clone(),
            stage: "hearing".into(),
            outcome: outcome.into(),
            reason_category: None,
            reasons,
            decided_by_user_id: user.id.clone(),
            decided_at: now(),
        };
        assessment_rows::insert_decision(conn, &decision)?;
        rows::update_hearing(
            conn,
            &hearing.id,
            &HearingChanges { outcome_recorded_at: Some(Some(now())), updated_at: Some(now()), ..Default::default() },
        )?;
        let letter = emails::HearingDecision {
            name: String::new(),
            recipient: "publication",
            reference: case.reference.clone(),
            decided_on: emails::long_date(decision.decided_at.date()),
            held_on: emails::long_date(hearing.starts_at.date()),
            breach,
            findings: finding_lines,
            sanctions: sanction_lines(conn, &sanctions)?,
            ip_views: notices::ip_views(conn, &case, None)?,
            authority: authority_rows::find(conn, &case.authority_id)?.map(|a| a.name),
        };
        let recipients = notices::parties_and_participants(conn, &case)?;
        notices::draft(conn, &case, &decision, recipients, true, |r| emails::HearingDecision {
            name: r.name.clone(),
            recipient: r.kind,
            ..letter.clone()
        })?;
        cases::transition(conn, actor, &case, CaseStatus::DecisionNotice, "")?;
        audit::record(
            conn,
            actor,
            Event::new("decision.made", "decision", &decision.id).case(&case.id).summary(format!(
                "Hearing decision: {}; {} sanction(s)",
                if breach { "breach found" } else { "no breach" },
                sanctions.len()
            )),
        )?;
        Ok(decision)
    })
}

/// After the hearing decision's notices are sent: on to the sanctions, or closed when there are
/// none. Called inside the transaction that sends them.
pub fn after_notices_sent(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    decision: &Decision,
) -> ServiceResult<()> {
    if decision.stage != "hearing" || case.status != CaseStatus::DecisionNotice {
        return Ok(());
    }
    let sanctions = rows::sanctions_for_case(conn, &case.id)?;
    if sanctions.is_empty() {
        let why = if decision.outcome == "breach" {
            "Breach found; no sanction imposed"
        } else {
            "No breach found at the hearing"
        };
        cases::transition(conn, actor, case, CaseStatus::Closed, why)?;
    } else {
        cases::transition(conn, actor, case, CaseStatus::Sanctions, "")?;
    }
    Ok(())
}

/// Records whether a sanction was complied with; when none is left awaiting follow-up the case
/// closes.
pub fn record_compliance(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    sanction_id: &str,
    (compliance, note): (&str, &str),
    today: NaiveDate,
) -> ServiceResult<bool> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        may_follow_up(user, &case)?;
        let sanction = rows::sanctions_for_case(conn, &case.id)?
            .into_iter()
            .find(|s| s.id == sanction_id)
            .ok_or(ServiceError::NotFound)?;
        may_record_compliance(user, &case, &sanction)?;
        let mut e = FieldErrors::default();
        if !matches!(compliance, "complied" | "not-complied") {
            e.add(&format!("compliance_{}", sanction.id), "Select whether the sanction was complied with");
        }
        let note = clean(note);
        if compliance == "not-complied" && note.is_none() {
            e.add(&format!("note_{}", sanction.id), "Say what happened");
        }
        e.into_result()?;
        rows::record_compliance(conn, &sanction.id, compliance, note.as_deref(), today)?;
        audit::record(
            conn,
            actor,
            Event::new("sanction.followed_up", "sanction", &sanction.id).case(&case.id).summary(format!(
                "{}: {}",
                sanction_lists::label(&sanction.list_version, &sanction.kind),
                vocab::label(&vocab::COMPLIANCE, compliance)
            )),
        )?;
        let all = rows::sanctions_for_case(conn, &case.id)?;
        let closed = all.iter().all(|s| s.compliance != "pending");
        if closed {
            let why = if all.iter().all(|s| s.compliance == "complied") {
                "Sanctions complied with"
            } else {
                "Sanctions followed up (not all complied with)"
            };
            cases::transition(conn, actor, &case, CaseStatus::Closed, why)?;
        }
        Ok(closed)
    })
}

/// A sanction to follow up soon, for the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub reference: String,
    /// The sanction's words ("Apology").
    pub kind: &'static str,
    pub member: String,
    pub follow_up_on: NaiveDate,
}

/// Sanctions awaiting follow-up by the given day, on cases the user may see (for the dashboard).
pub fn follow_ups_due(conn: &mut DbConnection, user: &User, until: NaiveDate) -> QueryResult<Vec<FollowUp>> {
    let mut out = Vec::new();
    for due in rows::pending_follow_ups(conn, until, 50)? {
        if !access::can_view_case(conn, user, &due.case_id)? {
            continue;
        }
        let member = member_rows::find(conn, &due.member_id)?.map(|m| m.full_name).unwrap_or_default();
        out.push(FollowUp {
            reference: due.reference,
            kind: vocab::label(sanction_lists::all_codes(), &due.kind),
            member,
            follow_up_on: due.follow_up_on,
        });
    }
    Ok(out)
}
