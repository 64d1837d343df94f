//! After the decision to investigate (domain.md §a, states 7–11): the investigation, the
//! post-investigation decision (which needs an Independent Person's view, Localism Act 2011
//! s.28(7)), the hearing with its conflict check and bundle, the findings per allegation,
//! sanctions with their follow-up, and the decision notices (with an anonymised version for
//! publication). The case closes when every sanction is complied with or recorded as not.

use crate::db::DbConnection;
use crate::emails::{self};
use crate::models::assessment::{self as assessment_rows, Decision};
use crate::models::authority::{self as authority_rows};
use crate::models::case::Case;
use crate::models::case::CaseStatus;
use crate::models::complaint as complaint_rows;
use crate::models::hearing::{
    self as rows, Finding, Hearing, HearingChanges, Investigation, InvestigationEntry, Sanction,
};
use crate::models::member::{self as member_rows};
use crate::models::user::{self as user_rows, Role, User};
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::files::StoredUpload;
use crate::services::notices;
use crate::services::outbox::{self, To};
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

fn date_field(e: &mut FieldErrors, field: &str, day: &str, month: &str, year: &str) -> Option<NaiveDate> {
    match vocab::parse_date(day, month, year) {
        Ok(d) => Some(d),
        Err(m) => {
            e.add(field, m);
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Investigation

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AppointInput {
    /// A user id of an investigator, or "external".
    pub investigator: String,
    pub external_name: String,
    pub terms_of_reference: String,
    pub target_day: String,
    pub target_month: String,
    pub target_year: String,
}

/// Appoints the investigator. An investigator with an account then sees this case, and only it.
pub fn appoint(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &AppointInput,
    today: NaiveDate,
) -> ServiceResult<Investigation> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        if case.status != CaseStatus::Investigation {
            return Err(ServiceError::Refused(
                "An investigator is appointed once the case is under investigation".into(),
            ));
        }
        if rows::investigation_for_case(conn, &case.id)?.is_some() {
            return Err(ServiceError::Refused("An investigator has already been appointed".into()));
        }
        let mut e = FieldErrors::default();
        let mut investigator = None;
        let mut external = None;
        if input.investigator == "external" {
            external = clean(&input.external_name);
            if external.is_none() {
                e.add("external_name", "Enter the name of the external investigator");
            }
        } else {
            investigator = user_rows::find(conn, &input.investigator)?
                .filter(|u| u.active && u.role() == Some(Role::Investigator));
            if investigator.is_none() {
                e.add("investigator", "Select the investigator");
            }
        }
        let terms = clean(&input.terms_of_reference);
        if terms.is_none() {
            e.add("terms_of_reference", "Enter the terms of reference");
        }
        let target = date_field(&mut e, "target", &input.target_day, &input.target_month, &input.target_year);
        if target.is_some_and(|t| t <= today) {
            e.add("target", "The target date must be in the future");
        }
        e.into_result()?;
        let row = Investigation {
            id: new_id(),
            case_id: case.id.clone(),
            investigator_user_id: investigator.as_ref().map(|u| u.id.clone()),
            external_investigator: external.clone(),
            terms_of_reference: terms.expect("checked"),
            target_on: target.expect("checked"),
            appointed_by_user_id: user.id.clone(),
            appointed_at: now(),
            completed_on: None,
        };
        rows::insert_investigation(conn, &row)?;
        let name = match &investigator {
            Some(inv) => {
                access::grant(conn, &case.id, &inv.id, access::Part::Investigator, &user.id)?;
                let letter = emails::InvestigatorAppointed {
                    name: inv.name.clone(),
                    reference: case.reference.clone(),
                    terms: row.terms_of_reference.clone(),
                    target_on: emails::long_date(row.target_on),
                };
                outbox::queue(conn, Some(&case.id), To::new(&inv.email, &inv.name), &letter)?;
                inv.name.clone()
            }
            None => format!("{} (external)", external.unwrap_or_default()),
        };
        audit::record(
            conn,
            actor,
            Event::new("investigation.appointed", "investigation", &row.id)
                .case(&case.id)
                .summary(format!("Investigator appointed: {name}; target {}", row.target_on.format("%-d %B %Y"))),
        )?;
        Ok(row)
    })
}

/// The case and its investigation, for someone who may work on it: officers, or the
/// investigator appointed to it.
fn workable_investigation(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
) -> ServiceResult<(Case, Investigation)> {
    let case = cases::find_visible(conn, user, reference)?;
    let inv = rows::investigation_for_case(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
    let is_investigator = inv.investigator_user_id.as_deref() == Some(user.id.as_str());
    if !(access::can(user, Permission::WorkCases) || is_investigator) {
        return Err(ServiceError::Forbidden);
    }
    if case.status != CaseStatus::Investigation {
        return Err(ServiceError::Refused("The investigation is finished: the case has moved on".into()));
    }
    Ok((case, inv))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EntryInput {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub day: String,
    pub month: String,
    pub year: String,
}

/// Adds interview notes, the member's comments on the draft, or a draft or final report (a
/// PDF, stored by hash like evidence).
pub fn add_entry(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &EntryInput,
    upload: Option<StoredUpload>,
    today: NaiveDate,
) -> ServiceResult<InvestigationEntry> {
    conn.transaction(|conn| {
        let (case, inv) = workable_investigation(conn, user, reference)?;
        let mut e = FieldErrors::default();
        if !vocab::INVESTIGATION_ENTRY_KINDS.iter().any(|(v, _)| *v == input.kind) {
            e.add("kind", "Select what you are adding");
        }
        let is_report = input.kind.ends_with("-report");
        let title = clean(&input.title);
        if title.is_none() && input.kind == "interview" {
            e.add("title", "Enter who was interviewed");
        }
        let body = clean(&input.body);
        if body.is_none() && !is_report {
            e.add(
                "body",
                if input.kind == "member-comments" { "Enter the member's comments" } else { "Enter the notes" },
            );
        }
        if is_report && upload.is_none() {
            e.add("file", "Choose the report (a PDF) to upload");
        }
        let on = date_field(&mut e, "occurred", &input.day, &input.month, &input.year);
        if on.is_some_and(|d| d > today) {
            e.add("occurred", "The date must be today or in the past");
        }
        e.into_result()?;
        let title = title.unwrap_or_else(|| vocab::label(&vocab::INVESTIGATION_ENTRY_KINDS, &input.kind).to_string());
        let entry = InvestigationEntry {
            id: new_id(),
            investigation_id: inv.id.clone(),
            kind: input.kind.clone(),
            title,
            body: body.unwrap_or_default(),
            occurred_on: on.expect("checked"),
            sha256: upload.as_ref().map(|u| u.sha256.clone()),
            file_name: upload.as_ref().map(|u| u.original_name.clone()),
            created_by_user_id: Some(user.id.clone()),
            created_at: now(),
        };
        rows::insert_entry(conn, &entry)?;
        audit::record(
            conn,
            actor,
            Event::new("investigation.entry_added", "investigation_entry", &entry.id)
                .case(&case.id)
                .summary(format!(
                    "{} added: {}",
                    vocab::label(&vocab::INVESTIGATION_ENTRY_KINDS, &entry.kind),
                    entry.title
                ))
                .details(serde_json::json!({ "sha256": entry.sha256 })),
        )?;
        Ok(entry)
    })
}

/// Ends the investigation once the final report is in: the case goes to the post-investigation
/// decision.
pub fn complete(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    today: NaiveDate,
) -> ServiceResult<()> {
    conn.transaction(|conn| {
        let (case, inv) = workable_investigation(conn, user, reference)?;
        if !rows::entries(conn, &inv.id)?.iter().any(|e| e.kind == "final-report") {
            return Err(ServiceError::Refused("Upload the final report before ending the investigation".into()));
        }
        rows::complete_investigation(conn, &inv.id, today)?;
        cases::transition(conn, actor, &case, CaseStatus::PostInvestigation, "")?;
        audit::record(
            conn,
            actor,
            Event::new("investigation.completed", "investigation", &inv.id)
                .case(&case.id)
                .summary("Final report received: the investigation is complete"),
        )?;
        Ok(())
    })
}

/// A report or other investigation file, for someone who may see the case.
pub fn entry_file(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    entry_id: &str,
) -> ServiceResult<InvestigationEntry> {
    let case = cases::find_visible(conn, user, reference)?;
    let inv = rows::investigation_for_case(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
    rows::entries(conn, &inv.id)?
        .into_iter()
        .find(|e| e.id == entry_id && e.sha256.is_some())
        .ok_or(ServiceError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Post-investigation decision

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PostDecisionInput {
    pub outcome: String,
    pub reasons: String,
}

/// Whether an Independent Person's view has been sought and recorded for a stage.
pub fn ip_view_recorded(conn: &mut DbConnection, case_id: &str, stage: &str) -> QueryResult<bool> {
    Ok(assessment_rows::consultations_for_case(conn, case_id)?
        .iter()
        .any(|c| c.stage == stage && c.view_recorded_at.is_some()))
}

/// The decision on the investigated allegations, by the Monitoring Officer or deputy: refused
/// until an Independent Person's view has been sought and recorded for this stage.
pub fn decide_after_investigation(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &PostDecisionInput,
) -> ServiceResult<Decision> {
    if !access::can(user, Permission::SignOffDecisions) {
        return Err(ServiceError::Forbidden);
    }
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        if case.status != CaseStatus::PostInvestigation {
            return Err(ServiceError::Refused(
                "The post-investigation decision is made once the investigation is complete".into(),
            ));
        }
        if !ip_view_recorded(conn, &case.id, "post-investigation")? {
            return Err(ServiceError::Refused(
                "Seek and record an Independent Person's view on the investigated allegations first (Localism Act 2011, section 28(7))".into(),
            ));
        }
        let mut e = FieldErrors::default();
        if !vocab::POST_INVESTIGATION_OUTCOMES.iter().any(|(v, _)| *v == input.outcome) {
            e.add("outcome", "Select the decision");
        }
        if clean(&input.reasons).is_none() {
            e.add("reasons", "Give the reasons for the decision, including the Independent Person's view");
        }
        e.into_result()?;
        let decision = Decision {
            id: new_id(),
            case_id: case.id.clone(),
            stage: "post-investigation".into(),
            outcome: input.outcome.clone(),
            reason_category: None,
            reasons: input.reasons.trim().to_string(),
            decided_by_user_id: user.id.clone(),
            decided_at: now(),
        };
        assessment_rows::insert_decision(conn, &decision)?;
        let (to, why) = match decision.outcome.as_str() {
            "no-breach" => (CaseStatus::Closed, "No breach found after investigation"),
            "informal-resolution" => (CaseStatus::InformalResolution, ""),
            _ => (CaseStatus::Hearing, ""),
        };
        cases::transition(conn, actor, &case, to, why)?;
        let label = vocab::label(&vocab::POST_INVESTIGATION_OUTCOMES, &decision.outcome);
        let (reference, decided_on) = (case.reference.clone(), emails::long_date(decision.decided_at.date()));
        let recipients = notices::parties_and_participants(conn, &case)?;
        notices::draft(conn, &case, &decision, recipients, false, |r| emails::DecisionNotice {
            name: r.name.clone(),
            recipient: r.kind,
            reference: reference.clone(),
            decided_on: decided_on.clone(),
            stage: "post-investigation",
            decision: label.to_string(),
            outcome: decision.outcome.clone(),
            reasons: decision.reasons.clone(),
        })?;
        audit::record(
            conn,
            actor,
            Event::new("decision.made", "decision", &decision.id)
                .case(&case.id)
                .summary(format!("Post-investigation decision by {}: {label}", user.name)),
        )?;
        Ok(decision)
    })
}

// ---------------------------------------------------------------------------------------------
// Hearing

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct HearingInput {
    pub day: String,
    pub month: String,
    pub year: String,
    pub time: String,
    pub venue: String,
    pub remote_link: String,
    pub ip: String,
    pub panel: Vec<String>,
    pub chair: String,
    pub member_representative: String,
    pub private: String,
    pub private_paragraph: String,
    pub private_reason: String,
}

impl HearingInput {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut i = HearingInput::default();
        for (k, v) in pairs {
            match k.as_str() {
                "date_day" => i.day = v.clone(),
                "date_month" => i.month = v.clone(),
                "date_year" => i.year = v.clone(),
                "time" => i.time = v.clone(),
                "venue" => i.venue = v.clone(),
                "remote_link" => i.remote_link = v.clone(),
                "ip" => i.ip = v.clone(),
                "panel" => i.panel.push(v.clone()),
                "chair" => i.chair = v.clone(),
                "member_representative" => i.member_representative = v.clone(),
                "private" => i.private = v.clone(),
                "private_paragraph" => i.private_paragraph = v.clone(),
                "private_reason" => i.private_reason = v.clone(),
                _ => {}
            }
        }
        i
    }

    pub fn from_hearing(h: &Hearing, panel: &[(String, bool)]) -> Self {
        HearingInput {
            day: h.starts_at.format("%-d").to_string(),
            month: h.starts_at.format("%-m").to_string(),
            year: h.starts_at.format("%Y").to_string(),
            time: h.starts_at.format("%H:%M").to_string(),
            venue: h.venue.clone().unwrap_or_default(),
            remote_link: h.remote_link.clone().unwrap_or_default(),
            ip: h.ip_user_id.clone(),
            panel: panel.iter().map(|(id, _)| id.clone()).collect(),
            chair: panel.iter().find(|(_, chair)| *chair).map(|(id, _)| id.clone()).unwrap_or_default(),
            member_representative: h.member_representative.clone().unwrap_or_default(),
            private: if h.private_paragraph.is_some() { "yes".into() } else { "no".into() },
            private_paragraph: h.private_paragraph.clone().unwrap_or_default(),
            private_reason: h.private_reason.clone().unwrap_or_default(),
        }
    }
}

/// Saves the hearing's arrangements (before it is fixed). The time is the council's local time.
pub fn save_hearing(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &HearingInput,
    today: NaiveDate,
) -> ServiceResult<Hearing> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        if case.status != CaseStatus::Hearing {
            return Err(ServiceError::Refused("A hearing is arranged once the case has been referred to one".into()));
        }
        let existing = rows::hearing_for_case(conn, &case.id)?;
        if existing.as_ref().is_some_and(|h| h.fixed_at.is_some()) {
            return Err(ServiceError::Refused("The hearing has been fixed and its notices sent".into()));
        }
        let mut e = FieldErrors::default();
        let day = date_field(&mut e, "date", &input.day, &input.month, &input.year);
        if day.is_some_and(|d| d < today) {
            e.add("date", "The hearing date must be today or in the future");
        }
        let time = NaiveTime::parse_from_str(input.time.trim(), "%H:%M").ok();
        if time.is_none() {
            e.add("time", "Enter the start time as hours and minutes, like 14:00");
        }
        let venue = clean(&input.venue);
        let remote = clean(&input.remote_link);
        if venue.is_none() && remote.is_none() {
            e.add("venue", "Enter the venue or a link for a remote hearing");
        }
        if let Some(link) = &remote {
            if url::Url::parse(link).map(|u| u.scheme() != "https").unwrap_or(true) {
                e.add("remote_link", "Enter the remote link as a full https:// address");
            }
        }
        let ip = user_rows::find(conn, &input.ip)?.filter(|u| u.active && u.role() == Some(Role::IndependentPerson));
        if ip.is_none() {
            e.add("ip", "Select the Independent Person");
        }
        let mut panel = Vec::new();
        for id in &input.panel {
            if let Some(u) = user_rows::find(conn, id)?.filter(|u| u.active && u.role() == Some(Role::CommitteeMember))
            {
                if !panel.iter().any(|p: &User| p.id == u.id) {
                    panel.push(u);
                }
            }
        }
        if panel.is_empty() {
            e.add("panel", "Select the members of the hearing panel");
        } else if !panel.iter().any(|p| p.id == input.chair) {
            e.add("chair", "Select a chair from the panel");
        }
        let private = match input.private.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                e.add("private", "Say whether any part of the hearing is held in private");
                false
            }
        };
        if private {
            if !vocab::SCHEDULE_12A.iter().any(|(v, _)| *v == input.private_paragraph) {
                e.add("private_paragraph", "Select the Schedule 12A paragraph that applies");
            }
            if clean(&input.private_reason).is_none() {
                e.add("private_reason", "Say which part is private and why the public interest favours it");
            }
        }
        e.into_result()?;
        let starts_at = NaiveDateTime::new(day.expect("checked"), time.expect("checked"));
        let t = now();
        let (paragraph, reason) =
            if private { (Some(input.private_paragraph.clone()), clean(&input.private_reason)) } else { (None, None) };
        let hearing = match existing {
            Some(h) => {
                rows::update_hearing(
                    conn,
                    &h.id,
                    &HearingChanges {
                        starts_at: Some(starts_at),
                        venue: Some(venue),
                        remote_link: Some(remote),
                        ip_user_id: Some(input.ip.clone()),
                        member_representative: Some(clean(&input.member_representative)),
                        private_paragraph: Some(paragraph),
                        private_reason: Some(reason),
                        conflicts_considered: Some(None),
                        updated_at: Some(t),
                        ..Default::default()
                    },
                )?;
                rows::hearing_for_case(conn, &case.id)?.ok_or(ServiceError::NotFound)?
            }
            None => {
                let h = Hearing {
                    id: new_id(),
                    case_id: case.id.clone(),
                    starts_at,
                    venue,
                    remote_link: remote,
                    ip_user_id: input.ip.clone(),
                    member_representative: clean(&input.member_representative),
                    private_paragraph: paragraph,
                    private_reason: reason,
                    conflicts_considered: None,
                    fixed_at: None,
                    outcome_recorded_at: None,
                    created_by_user_id: user.id.clone(),
                    created_at: t,
                    updated_at: t,
                };
                rows::insert_hearing(conn, &h)?;
                h
            }
        };
        let members: Vec<(String, bool)> = panel.iter().map(|p| (p.id.clone(), p.id == input.chair)).collect();
        rows::set_panel(conn, &hearing.id, &members)?;
        audit::record(
            conn,
            actor,
            Event::new("hearing.arranged", "hearing", &hearing.id).case(&case.id).summary(format!(
                "Hearing arranged for {} with a panel of {}",
                starts_at.format("%-d %B %Y at %H:%M"),
                members.len()
            )),
        )?;
        Ok(hearing)
    })
}

/// Something the conflict check found about a panel member or the Independent Person.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConflictFlag {
    pub user_id: String,
    pub name: String,
    pub part: String,
    pub reason: String,
}

/// The conflict check: a panel member or the Independent Person who declared a conflict on the
/// case, is (on the register) the member complained about, shares a party with them, or sits for
/// the same ward of the same council.
pub fn conflicts(conn: &mut DbConnection, case: &Case, hearing: &Hearing) -> QueryResult<Vec<ConflictFlag>> {
    let subjects = member_rows::list_for_case(conn, &case.id)?;
    let mut subject_seats = Vec::new();
    for m in &subjects {
        for s in member_rows::list_memberships_for_member(conn, &m.id)? {
            if let Some(ward) = s.ward.filter(|w| !w.trim().is_empty()) {
                subject_seats.push((m.full_name.clone(), s.authority_id.clone(), ward));
            }
        }
    }
    let mut people: Vec<(String, &str)> =
        rows::panel(conn, &hearing.id)?.into_iter().map(|(id, _)| (id, "Panel member")).collect();
    people.push((hearing.ip_user_id.clone(), "Independent Person"));
    let mut flags = Vec::new();
    for (user_id, part) in people {
        let Some(u) = user_rows::find(conn, &user_id)? else { continue };
        let mut flag = |reason: String| {
            flags.push(ConflictFlag { user_id: u.id.clone(), name: u.name.clone(), part: part.into(), reason })
        };
        let declared: Vec<String> = crate::db::schema::conflict_declarations::table
            .filter(crate::db::schema::conflict_declarations::case_id.eq(&case.id))
            .filter(crate::db::schema::conflict_declarations::user_id.eq(&u.id))
            .select(crate::db::schema::conflict_declarations::reason)
            .load(conn)?;
        for reason in declared {
            flag(format!("Declared a conflict on this case: {reason}"));
        }
        let Some(member_id) = rows::member_of_user(conn, &u.id)? else { continue };
        let Some(councillor) = member_rows::find(conn, &member_id)? else { continue };
        for s in &subjects {
            if s.id == councillor.id {
                flag(format!("Is {}, the member complained about", s.full_name));
                continue;
            }
            let same_party = match (&s.party, &councillor.party) {
                (Some(a), Some(b)) => !a.trim().is_empty() && a.trim().eq_ignore_ascii_case(b.trim()),
                _ => false,
            };
            if same_party {
                flag(format!("Same party as {} ({})", s.full_name, s.party.as_deref().unwrap_or_default()));
            }
        }
        for seat in member_rows::list_memberships_for_member(conn, &councillor.id)? {
            let Some(ward) = seat.ward.filter(|w| !w.trim().is_empty()) else { continue };
            for (name, authority_id, subject_ward) in &subject_seats {
                if *authority_id == seat.authority_id
                    && subject_ward.trim().eq_ignore_ascii_case(ward.trim())
                    && *name != councillor.full_name
                {
                    let council = authority_rows::find(conn, authority_id)?.map(|a| a.name).unwrap_or_default();
                    flag(format!("Sits for the same ward as {name} ({ward}, {council})"));
                }
            }
        }
    }
    Ok(flags)
}

/// Fixes the hearing and sends the notices. When the conflict check flags anyone, the officer
/// must record why the hearing can go ahead with them (or change the panel first).
pub fn fix_hearing(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    considered: &str,
) -> ServiceResult<usize> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let hearing = rows::hearing_for_case(conn, &case.id)?
            .ok_or_else(|| ServiceError::Refused("Arrange the hearing first".into()))?;
        if hearing.fixed_at.is_some() {
            return Err(ServiceError::Refused("The hearing has already been fixed".into()));
        }
        let flags = conflicts(conn, &case, &hearing)?;
        let considered = clean(considered);
        if !flags.is_empty() && considered.is_none() {
            return Err(ServiceError::Invalid(FieldErrors::single(
                "considered",
                format!(
                    "The conflict check flagged {}: change the panel or record why the hearing can go ahead",
                    flags.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )));
        }
        rows::update_hearing(
            conn,
            &hearing.id,
            &HearingChanges {
                fixed_at: Some(Some(now())),
                conflicts_considered: Some(if flags.is_empty() { None } else { considered }),
                updated_at: Some(now()),
                ..Default::default()
            },
        )?;
        let panel = rows::panel(conn, &hearing.id)?;
        for (id, _) in &panel {
            access::grant(conn, &case.id, id, access::Part::PanelMember, &user.id)?;
        }
        access::grant(conn, &case.id, &hearing.ip_user_id, access::Part::IndependentPerson, &user.id)?;
        // Notices: the member(s), the complainants, the panel, the IP and the investigator.
        let mut recipients: Vec<(String, String, &str)> = Vec::new();
        for m in member_rows::list_for_case(conn, &case.id)? {
            if let Some(email) = m.email {
                recipients.push((m.full_name, email, "member"));
            }
        }
        for (_, who) in complaint_rows::list_for_case(conn, &case.id)? {
            if let Some(email) = who.email {
                recipients.push((who.name, email, "complainant"));
            }
        }
        for (id, _) in &panel {
            if let Some(u) = user_rows::find(conn, id)? {
                recipients.push((u.name, u.email, "panel"));
            }
        }
        if let Some(ip) = user_rows::find(conn, &hearing.ip_user_id)? {
            recipients.push((ip.name, ip.email, "independent-person"));
        }
        if let Some(inv) = rows::investigation_for_case(conn, &case.id)?.and_then(|i| i.investigator_user_id) {
            if let Some(u) = user_rows::find(conn, &inv)? {
                recipients.push((u.name, u.email, "investigator"));
            }
        }
        let where_ = match (&hearing.venue, &hearing.remote_link) {
            (Some(v), Some(l)) => format!("{v}, or remotely at {l}"),
            (Some(v), None) => v.clone(),
            (None, Some(l)) => format!("Remotely: {l}"),
            (None, None) => String::new(),
        };
        let count = recipients.len();
        for (name, email, part) in recipients {
            let letter = emails::HearingNotice {
                name: name.clone(),
                part,
                reference: case.reference.clone(),
                when: hearing.starts_at.format("%A %-d %B %Y at %H:%M").to_string(),
                place: where_.clone(),
                private_paragraph: hearing.private_paragraph.clone(),
            };
            outbox::queue(conn, Some(&case.id), To::new(&email, &name), &letter)?;
        }
        audit::record(
            conn,
            actor,
            Event::new("hearing.fixed", "hearing", &hearing.id).case(&case.id).summary(format!(
                "Hearing fixed for {}; {count} notice(s) queued{}",
                hearing.starts_at.format("%-d %B %Y at %H:%M"),
                if flags.is_empty() { String::new() } else { format!("; {} conflict flag(s) considered", flags.len()) }
            )),
        )?;
        Ok(count)
    })
}

/// The case and its hearing for a hearing page: officers, the panel, the hearing's IP and the
/// investigator may see it.
pub fn find_hearing(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<(Case, Option<Hearing>)> {
    let case = cases::find_visible(conn, user, reference)?;
    let hearing = rows::hearing_for_case(conn, &case.id)?;
    if access::can(user, Permission::WorkCases) {
        return Ok((case, hearing));
    }
    let Some(h) = hearing else { return Err(ServiceError::NotFound) };
    let on_panel = rows::panel(conn, &h.id)?.iter().any(|(id, _)| *id == user.id);
    let investigator = rows::investigation_for_case(conn, &case.id)?
        .and_then(|i| i.investigator_user_id)
        .is_some_and(|id| id == user.id);
    if on_panel || h.ip_user_id == user.id || investigator {
        Ok((case, Some(h)))
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The hearing bundle: index, complaints (complainants who asked for confidentiality redacted),
/// allegations, capacity and Article 10 assessments, the investigation report, the evidence list
/// with every file's SHA-256, and the member's response.
pub fn bundle(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<serde_json::Value> {
    let (case, hearing) = find_hearing(conn, user, reference)?;
    let hearing = hearing.ok_or(ServiceError::NotFound)?;
    let authority = authority_rows::find(conn, &case.authority_id)?;
    let mut complaints = Vec::new();
    for (c, who) in complaint_rows::list_for_case(conn, &case.id)? {
        complaints.push(serde_json::json!({
            "received_on": c.received_on,
            "complainant": if c.confidentiality_requested { serde_json::Value::Null } else { serde_json::json!(who.name) },
            "platform": c.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)),
            "conduct_on": c.conduct_on,
            "what_happened": c.what_happened,
            "why_official": c.why_official,
        }));
    }
    let allegations = allegation_views(conn, &case)?;
    let mut assessments = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let Some(a) = assessment_rows::latest_for_member(conn, &case.id, &m.id)? else { continue };
        let def = crate::services::assessment::definition(conn, &a.test_version_id)?;
        let answers: Vec<_> = assessment_rows::answers(conn, &a.id)?
            .into_iter()
            .map(|ans| {
                let text = def.questions.iter().find(|q| q.code == ans.question_code).map(|q| q.question.clone()).unwrap_or_default();
                serde_json::json!({ "code": ans.question_code, "question": text, "answer": ans.answer, "note": ans.note })
            })
            .collect();
        let engaged = match &a.engaged_authority_id {
            Some(id) => authority_rows::find(conn, id)?.map(|x| x.name),
            None => None,
        };
        assessments.push(serde_json::json!({
            "member": m.full_name, "version": a.version, "suggested": a.suggested_outcome, "rule": a.suggested_rule,
            "concluded": a.concluded_outcome, "reason": a.conclusion_reason, "engaged": engaged, "answers": answers,
            "article10": assessment_rows::article10_for(conn, &a.id)?,
        }));
    }
    let (mut report, mut response, mut interviews) = (Vec::new(), Vec::new(), Vec::new());
    let investigation = rows::investigation_for_case(conn, &case.id)?;
    if let Some(inv) = &investigation {
        for e in rows::entries(conn, &inv.id)? {
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
        evidence.push(serde_json::json!({
            "number": v.item.number, "title": v.current.title, "url": v.current.url,
            "captured_at": v.current.captured_at, "source": v.item.source,
            "files": v.files.iter().map(|f| serde_json::json!({ "name": f.original_name, "sha256": f.sha256, "size": f.size_bytes })).collect::<Vec<_>>(),
        }));
    }
    let panel: Vec<_> = rows::panel(conn, &hearing.id)?
        .into_iter()
        .filter_map(|(id, chair)| {
            user_rows::find(conn, &id).ok().flatten().map(|u| serde_json::json!({ "name": u.name, "chair": chair }))
        })
        .collect();
    let ip = user_rows::find(conn, &hearing.ip_user_id)?.map(|u| u.name);
    let investigator = match &investigation {
        Some(i) => match &i.investigator_user_id {
            Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
            None => i.external_investigator.clone(),
        },
        None => None,
    };
    Ok(serde_json::json!({
        "reference": case.reference,
        "authority": authority.map(|a| a.name),
        "hearing": hearing,
        "private_label": hearing.private_paragraph.as_deref().map(|p| vocab::label(&vocab::SCHEDULE_12A, p)),
        "panel": panel, "ip": ip, "investigator": investigator,
        "complaints": complaints, "allegations": allegations, "assessments": assessments,
        "report": report, "interviews": interviews, "response": response, "evidence": evidence,
        "terms_of_reference": investigation.as_ref().map(|i| i.terms_of_reference.clone()),
    }))
}

fn allegation_views(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<serde_json::Value>> {
    use crate::db::schema::code_provisions as p;
    let mut out = Vec::new();
    for a in complaint_rows::list_allegations_for_case(conn, &case.id)? {
        let member = member_rows::find(conn, &a.member_id)?.map(|m| m.full_name).unwrap_or_default();
        let (number, heading): (String, String) =
            p::table.find(&a.code_provision_id).select((p::number, p::heading)).first(conn)?;
        out.push(serde_json::json!({ "id": a.id, "member_id": a.member_id, "member": member, "provision": format!("{number} {heading}"), "status": a.status }));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Outcome: findings, sanctions, the decision and its notices

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

/// Records the panel's finding on every allegation, with reasons and the Article 10
/// proportionality reasoning.
pub fn record_findings(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &[FindingInput],
) -> ServiceResult<usize> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let hearing = hearing_in_progress(conn, &case)?;
        if !rows::findings_for(conn, &hearing.id)?.is_empty() {
            return Err(ServiceError::Refused("The findings have already been recorded".into()));
        }
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
            diesel::update(crate::db::schema::allegations::table.find(&a.id))
                .set(crate::db::schema::allegations::status.eq(if breach { "breach" } else { "no-breach" }))
                .execute(conn)?;
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

fn hearing_in_progress(conn: &mut DbConnection, case: &Case) -> ServiceResult<Hearing> {
    if case.status != CaseStatus::Hearing {
        return Err(ServiceError::Refused("The case is not at the hearing stage".into()));
    }
    let hearing = rows::hearing_for_case(conn, &case.id)?
        .ok_or_else(|| ServiceError::Refused("Arrange the hearing first".into()))?;
    if hearing.fixed_at.is_none() {
        return Err(ServiceError::Refused("Fix the hearing and send its notices first".into()));
    }
    Ok(hearing)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SanctionInput {
    pub member: String,
    pub kind: String,
    pub detail: String,
    pub follow_up_day: String,
    pub follow_up_month: String,
    pub follow_up_year: String,
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
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let hearing = hearing_in_progress(conn, &case)?;
        let findings = rows::findings_for(conn, &hearing.id)?;
        if findings.is_empty() {
            return Err(ServiceError::Refused("Record the findings first".into()));
        }
        let allegations = complaint_rows::list_allegations_for_case(conn, &case.id)?;
        let in_breach: Vec<&str> = allegations
            .iter()
            .filter(|a| findings.iter().any(|f| f.allegation_id == a.id && f.breach))
            .map(|a| a.member_id.as_str())
            .collect();
        let mut e = FieldErrors::default();
        if !in_breach.contains(&input.member.as_str()) {
            e.add("member", "Select a member found in breach");
        }
        if !vocab::SANCTIONS.iter().any(|(v, _)| *v == input.kind) {
            e.add("kind", "Select the sanction");
        }
        let detail = clean(&input.detail);
        if detail.is_none() {
            e.add("detail", "Describe the sanction (for example, which committees, what training, by when)");
        }
        let follow_up =
            date_field(&mut e, "follow_up", &input.follow_up_day, &input.follow_up_month, &input.follow_up_year);
        if follow_up.is_some_and(|d| d < today) {
            e.add("follow_up", "The follow-up date must be today or in the future");
        }
        e.into_result()?;
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
            follow_up_on: follow_up.expect("checked"),
            compliance: "pending".into(),
            compliance_note: None,
            compliance_recorded_on: None,
            created_at: now(),
        };
        rows::insert_sanction(conn, &row)?;
        let member = member_rows::find(conn, &row.member_id)?.map(|m| m.full_name).unwrap_or_default();
        audit::record(
            conn,
            actor,
            Event::new("sanction.added", "sanction", &row.id).case(&case.id).summary(format!(
                "{}{}: {member}",
                vocab::label(&vocab::SANCTIONS, &row.kind),
                parish.map(|p| format!(" (recommendation to {})", p.name)).unwrap_or_default()
            )),
        )?;
        Ok(row)
    })
}

/// Issues the hearing decision: drafts the decision notices (member, complainants, IP, parish
/// clerk) and the anonymised publication version, and moves the case to the decision notice.
pub fn issue_decision(conn: &mut DbConnection, actor: &Actor, user: &User, reference: &str) -> ServiceResult<Decision> {
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        let hearing = hearing_in_progress(conn, &case)?;
        let findings = rows::findings_for(conn, &hearing.id)?;
        if findings.is_empty() {
            return Err(ServiceError::Refused("Record the findings first".into()));
        }
        let sanctions = rows::sanctions_for_case(conn, &case.id)?;
        let breach = findings.iter().any(|f| f.breach);
        let allegations = allegation_views(conn, &case)?;
        let finding_lines: Vec<emails::FindingLine> = findings
            .iter()
            .map(|f| {
                let a = allegations.iter().find(|a| a["id"] == f.allegation_id);
                let text = |key: &str| a.and_then(|a| a[key].as_str()).map(str::to_string);
                emails::FindingLine {
                    member: text("member"),
                    provision: text("provision"),
                    breach: f.breach,
                    reasons: f.reasons.clone(),
                    article10: f.article10_reasoning.clone(),
                }
            })
            .collect();
        let mut sanction_lines = Vec::new();
        for s in &sanctions {
            let member = member_rows::find(conn, &s.member_id)?.map(|m| m.full_name).unwrap_or_default();
            let to = match &s.recommended_to_authority_id {
                Some(id) => authority_rows::find(conn, id)?.map(|a| a.name),
                None => None,
            };
            sanction_lines.push(emails::SanctionLine {
                member,
                kind: vocab::label(&vocab::SANCTIONS, &s.kind).to_string(),
                detail: s.detail.clone(),
                recommended_to: to,
                follow_up_on: emails::long_date(s.follow_up_on),
            });
        }
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
            sanctions: sanction_lines,
            ip: user_rows::find(conn, &hearing.ip_user_id)?.map(|u| u.name),
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
    conn.transaction(|conn| {
        let case = cases::find_workable(conn, user, reference)?;
        if case.status != CaseStatus::Sanctions {
            return Err(ServiceError::Refused("Sanctions are followed up once the decision notices are sent".into()));
        }
        let sanction = rows::sanctions_for_case(conn, &case.id)?
            .into_iter()
            .find(|s| s.id == sanction_id)
            .ok_or(ServiceError::NotFound)?;
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
                vocab::label(&vocab::SANCTIONS, &sanction.kind),
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

// ---------------------------------------------------------------------------------------------
// What the pages show

/// Everything the investigation and hearing pages show.
pub fn overview(conn: &mut DbConnection, user: &User, case: &Case) -> ServiceResult<serde_json::Value> {
    let investigation = rows::investigation_for_case(conn, &case.id)?;
    let mut inv_view = serde_json::Value::Null;
    if let Some(inv) = &investigation {
        let investigator = match &inv.investigator_user_id {
            Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
            None => inv.external_investigator.as_ref().map(|n| format!("{n} (external)")),
        };
        let entries: Vec<_> = rows::entries(conn, &inv.id)?
            .into_iter()
            .map(|e| {
                let kind = vocab::label(&vocab::INVESTIGATION_ENTRY_KINDS, &e.kind);
                serde_json::json!({ "entry": e, "kind_label": kind })
            })
            .collect();
        inv_view = serde_json::json!({
            "row": inv, "investigator": investigator, "entries": entries,
            "is_investigator": inv.investigator_user_id.as_deref() == Some(user.id.as_str()),
            "has_final_report": entries.iter().any(|e| e["entry"]["kind"] == "final-report"),
        });
    }
    let hearing = rows::hearing_for_case(conn, &case.id)?;
    let mut hearing_view = serde_json::Value::Null;
    if let Some(h) = &hearing {
        let mut panel = Vec::new();
        for (id, chair) in rows::panel(conn, &h.id)? {
            if let Some(u) = user_rows::find(conn, &id)? {
                panel.push(serde_json::json!({ "id": u.id, "name": u.name, "chair": chair }));
            }
        }
        let findings = rows::findings_for(conn, &h.id)?;
        let allegations = allegation_views(conn, case)?;
        let finding_views: Vec<_> = findings
            .iter()
            .map(|f| {
                let a = allegations.iter().find(|a| a["id"] == f.allegation_id);
                serde_json::json!({ "finding": f, "member": a.map(|a| a["member"].clone()), "provision": a.map(|a| a["provision"].clone()) })
            })
            .collect();
        hearing_view = serde_json::json!({
            "row": h,
            "ip": user_rows::find(conn, &h.ip_user_id)?.map(|u| u.name),
            "panel": panel,
            "private_label": h.private_paragraph.as_deref().map(|p| vocab::label(&vocab::SCHEDULE_12A, p)),
            "conflicts": conflicts(conn, case, h)?,
            "findings": finding_views,
            "allegations": allegations,
        });
    }
    let mut sanctions = Vec::new();
    for s in rows::sanctions_for_case(conn, &case.id)? {
        let member = member_rows::find(conn, &s.member_id)?.map(|m| m.full_name);
        let to = match &s.recommended_to_authority_id {
            Some(id) => authority_rows::find(conn, id)?.map(|a| a.name),
            None => None,
        };
        sanctions.push(serde_json::json!({
            "row": s, "member": member, "kind_label": vocab::label(&vocab::SANCTIONS, &s.kind),
            "compliance_label": vocab::label(&vocab::COMPLIANCE, &s.compliance), "recommended_to": to,
        }));
    }
    let post_ip = ip_view_recorded(conn, &case.id, "post-investigation")?;
    let post_ip_requested =
        assessment_rows::consultations_for_case(conn, &case.id)?.iter().any(|c| c.stage == "post-investigation");
    let decisions: Vec<_> = assessment_rows::decisions_for_case(conn, &case.id)?
        .into_iter()
        .filter(|d| d.stage != "initial-assessment")
        .map(|d| {
            serde_json::json!({
                "id": d.id, "stage": d.stage, "label": crate::services::assessment::decision_label(&d),
                "reasons": d.reasons, "decided_at": d.decided_at,
            })
        })
        .collect();
    Ok(serde_json::json!({
        "status": case.status.as_str(),
        "investigation": inv_view,
        "hearing": hearing_view,
        "sanctions": sanctions,
        "post_ip_recorded": post_ip,
        "post_ip_requested": post_ip_requested,
        "decisions": decisions,
        "is_officer": access::can(user, Permission::WorkCases),
        "can_work": access::can(user, Permission::WorkCases) && case.status.is_open(),
        "can_sign_off": access::can(user, Permission::SignOffDecisions) && case.status.is_open(),
    }))
}

/// The investigation page's contents, for officers and the case's investigator only (others who
/// may see the case, such as an Independent Person, get not found).
pub fn investigation_overview(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
) -> ServiceResult<(Case, serde_json::Value)> {
    let case = cases::find_visible(conn, user, reference)?;
    let investigator = rows::investigation_for_case(conn, &case.id)?
        .and_then(|i| i.investigator_user_id)
        .is_some_and(|id| id == user.id);
    if !(access::can(user, Permission::WorkCases) || investigator) {
        return Err(ServiceError::NotFound);
    }
    let o = overview(conn, user, &case)?;
    Ok((case, o))
}

/// Active users of a role, as select options.
pub fn user_choices(conn: &mut DbConnection, role: Role) -> QueryResult<Vec<serde_json::Value>> {
    Ok(user_rows::list_for_role(conn, role)?
        .into_iter()
        .map(|u| serde_json::json!({ "value": u.id, "label": u.name }))
        .collect())
}

/// The members found in breach, as options for a sanction.
pub fn members_in_breach(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<serde_json::Value>> {
    let Some(h) = rows::hearing_for_case(conn, &case.id)? else { return Ok(Vec::new()) };
    let findings = rows::findings_for(conn, &h.id)?;
    let mut out: Vec<serde_json::Value> = Vec::new();
    for a in complaint_rows::list_allegations_for_case(conn, &case.id)? {
        if findings.iter().any(|f| f.allegation_id == a.id && f.breach)
            && !out.iter().any(|o| o["value"] == a.member_id)
        {
            if let Some(m) = member_rows::find(conn, &a.member_id)? {
                out.push(serde_json::json!({ "value": m.id, "label": m.full_name }));
            }
        }
    }
    Ok(out)
}

/// Sanctions awaiting follow-up by the given day, on cases the user may see (for the dashboard).
pub fn follow_ups_due(conn: &mut DbConnection, user: &User, until: NaiveDate) -> QueryResult<Vec<serde_json::Value>> {
    use crate::db::schema::{cases as case_table, sanctions};
    let due: Vec<(String, String, String, NaiveDate, String)> = sanctions::table
        .inner_join(case_table::table)
        .filter(sanctions::compliance.eq("pending"))
        .filter(sanctions::follow_up_on.le(until))
        .order(sanctions::follow_up_on.asc())
        .limit(50)
        .select((case_table::id, case_table::reference, sanctions::kind, sanctions::follow_up_on, sanctions::member_id))
        .load(conn)?;
    let mut out = Vec::new();
    for (case_id, reference, kind, on, member_id) in due {
        if !access::can_view_case(conn, user, &case_id)? {
            continue;
        }
        let member = member_rows::find(conn, &member_id)?.map(|m| m.full_name).unwrap_or_default();
        out.push(serde_json::json!({ "reference": reference, "kind": vocab::label(&vocab::SANCTIONS, &kind), "member": member, "follow_up_on": on }));
    }
    Ok(out)
}
