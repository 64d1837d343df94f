//! Arranging the hearing: when and where, the panel and its chair, the Independent Person,
//! whether part is in private (Schedule 12A); the conflict check; and fixing the hearing, which
//! gives the panel and the IP access to the case and sends everyone the notice.

use super::rules::{may_adjourn, may_fix, may_save_hearing};
use crate::db::DbConnection;
use crate::emails;
use crate::models::assessment as assessment_rows;
use crate::models::authority as authority_rows;
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::hearing::{self as rows, Hearing, HearingChanges};
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, Role, User};
use crate::models::{new_id, now};
use crate::services::access::{self, Part};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::investigation::forms::date_field;
use crate::services::outbox::{self, To};
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

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

    /// The blank form: held in public, starting at 10:00.
    pub fn blank() -> Self {
        HearingInput { private: "no".into(), time: "10:00".into(), ..Default::default() }
    }
}

/// Saves the hearing's arrangements (before it is fixed). The time is the council's local time.
/// Anyone taken off the panel, or an Independent Person replaced, loses the access the hearing
/// gave them.
pub fn save_hearing(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &HearingInput,
    today: NaiveDate,
) -> ServiceResult<Hearing> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let existing = rows::hearing_for_case(conn, &case.id)?;
        may_save_hearing(user, &case, existing.as_ref())?;
        let mut e = FieldErrors::default();
        for (field, value, what) in [
            ("venue", &input.venue, "the venue"),
            ("remote_link", &input.remote_link, "the link"),
            ("member_representative", &input.member_representative, "the representative's name"),
        ] {
            crate::services::text::check_one_line(&mut e, field, value, what);
        }
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
            if !vocab::is_code(&vocab::SCHEDULE_12A, &input.private_paragraph) {
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
        let before = match &existing {
            Some(h) => Some((h.ip_user_id.clone(), rows::panel(conn, &h.id)?)),
            None => None,
        };
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
        if let Some((old_ip, old_panel)) = before {
            revoke_replaced(conn, &case, &old_ip, &old_panel, &hearing.ip_user_id, &members)?;
        }
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

/// Takes the hearing's access away from panel members no longer on the panel, and from an
/// Independent Person replaced on the hearing (unless they are also consulted on the case).
fn revoke_replaced(
    conn: &mut DbConnection,
    case: &Case,
    old_ip: &str,
    old_panel: &[(String, bool)],
    new_ip: &str,
    new_panel: &[(String, bool)],
) -> QueryResult<()> {
    for (id, _) in old_panel {
        if !new_panel.iter().any(|(n, _)| n == id) {
            access::revoke(conn, &case.id, id, Part::PanelMember)?;
        }
    }
    if old_ip != new_ip {
        let consulted = assessment_rows::consultations_for_case(conn, &case.id)?.iter().any(|c| c.ip_user_id == old_ip);
        if !consulted {
            access::revoke(conn, &case.id, old_ip, Part::IndependentPerson)?;
        }
    }
    Ok(())
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
        for reason in rows::declared_conflicts(conn, &case.id, &u.id)? {
            flag(format!("Declared a conflict on this case: {reason}"));
        }
        let Some(member_id) = rows::member_of_user(conn, &u.id)? else { continue };
        let Some(councillor) = member_rows::find(conn, &member_id)? else { continue };
        for s in &subjects {
            if s.id == councillor.id {
                flag(format!("Is {}, the member complained about", s.full_name));
                continue;
            }
            if same_party(s.party.as_deref(), councillor.party.as_deref()) {
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

/// Whether two members belong to the same party. Independents belong to none: two independent
/// members share no party (a registered group such as "Southvale Independents" is a party).
fn same_party(a: Option<&str>, b: Option<&str>) -> bool {
    use crate::services::register::rules::clean_party;
    match (a.and_then(clean_party), b.and_then(clean_party)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(&b),
        _ => false,
    }
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
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let found = rows::hearing_for_case(conn, &case.id)?;
        may_fix(user, &case, found.as_ref())?;
        let hearing = found.expect("may_fix checks the hearing is arranged");
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
            access::grant(conn, &case.id, id, Part::PanelMember, &user.id)?;
        }
        access::grant(conn, &case.id, &hearing.ip_user_id, Part::IndependentPerson, &user.id)?;
        let count = send_notices(conn, &case, &hearing, &panel)?;
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

/// Adjourns a fixed hearing before its findings: the arrangements open again, so the officer can
/// set another day and fix it again (which sends everyone the new notice). The reason is kept in
/// the case history. The decision notice later states the day the panel actually sat.
pub fn adjourn_hearing(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    reason: &str,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let found = rows::hearing_for_case(conn, &case.id)?;
        let findings = match &found {
            Some(h) => rows::findings_for(conn, &h.id)?,
            None => Vec::new(),
        };
        may_adjourn(user, &case, found.as_ref(), &findings)?;
        let hearing = found.expect("checked by the rule");
        let reason =
            clean(reason).ok_or_else(|| ServiceError::invalid("adjourn_reason", "Say why the hearing is adjourned"))?;
        rows::update_hearing(
            conn,
            &hearing.id,
            &HearingChanges { fixed_at: Some(None), updated_at: Some(now()), ..Default::default() },
        )?;
        audit::record(
            conn,
            actor,
            Event::new("hearing.adjourned", "hearing", &hearing.id).case(&case.id).summary(format!(
                "Hearing fixed for {} adjourned: {reason}",
                hearing.starts_at.format("%-d %B %Y at %H:%M")
            )),
        )?;
        Ok(())
    })
}

/// The hearing notice to the member(s), the complainants, the panel, the IP and the
/// investigator; returns how many were queued.
fn send_notices(
    conn: &mut DbConnection,
    case: &Case,
    hearing: &Hearing,
    panel: &[(String, bool)],
) -> ServiceResult<usize> {
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
    for (id, _) in panel {
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
    let place = match (&hearing.venue, &hearing.remote_link) {
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
            place: place.clone(),
            private_paragraph: hearing.private_paragraph.clone(),
        };
        outbox::queue(conn, Some(&case.id), To::new(&email, &name), &letter)?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::same_party;

    #[test]
    fn independents_share_no_party_and_parties_match_whatever_their_case() {
        assert!(!same_party(Some("Independent"), Some("Independent")));
        assert!(!same_party(Some("independent"), None));
        assert!(!same_party(None, None));
        assert!(!same_party(Some(" "), Some(" ")));
        assert!(same_party(Some("Green Party"), Some("green party ")));
        assert!(same_party(Some("Southvale Independents"), Some("Southvale Independents")));
        assert!(!same_party(Some("Labour"), Some("Conservative")));
    }
}
