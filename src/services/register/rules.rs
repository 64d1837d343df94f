//! Rules shared by the register's forms and its CSV import, so both accept and refuse the same
//! things with the same words.

use crate::db::DbConnection;
use crate::models::authority::Authority;
use crate::models::member::Membership;
use crate::models::register::Ward;
use crate::models::user::User;
use crate::services::access::{can, Permission};
use crate::services::vocab::{self, END_REASONS, INDEPENDENT, MEMBERSHIP_ROLES};
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;

pub fn may_view(user: &User) -> ServiceResult<()> {
    if can(user, Permission::ViewRegister) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

pub fn may_edit(user: &User) -> ServiceResult<()> {
    if can(user, Permission::EditRegister) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// What a member's party shows: "Independent" when none is recorded.
pub fn party_label(party: Option<&str>) -> String {
    party.unwrap_or(INDEPENDENT).to_string()
}

/// A submitted party: blank or "Independent" (any case) is stored as none.
pub fn clean_party(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() || t.eq_ignore_ascii_case(INDEPENDENT) || t.eq_ignore_ascii_case("ind") {
        None
    } else {
        Some(t.to_string())
    }
}

/// Finds a code in a vocabulary by its code or its label (any case). `aliases` maps other words
/// councils use to codes.
fn vocab_code(list: &[(&str, &str)], aliases: &[(&str, &str)], raw: &str) -> Option<String> {
    let t = raw.trim();
    list.iter()
        .find(|(c, l)| c.eq_ignore_ascii_case(t) || l.eq_ignore_ascii_case(t))
        .map(|(c, _)| c.to_string())
        .or_else(|| aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(t)).map(|(_, c)| c.to_string()))
}

/// A membership role from its code or label; "Councillor" is a member.
pub fn parse_role(raw: &str) -> Option<String> {
    vocab_code(
        &MEMBERSHIP_ROLES,
        &[
            ("councillor", "member"),
            ("cllr", "member"),
            ("co-opted councillor", "co-opted"),
            ("vice chair", "vice-chair"),
        ],
        raw,
    )
}

/// An end reason from its code or label.
pub fn parse_end_reason(raw: &str) -> Option<String> {
    vocab_code(
        &END_REASONS,
        &[("term ended", "term-ended"), ("not re-elected", "not-re-elected"), ("died", "deceased")],
        raw,
    )
}

pub fn role_label(code: &str) -> &'static str {
    // Older rows (the demo seed) say "councillor".
    if code == "councillor" {
        return "Member";
    }
    vocab::label(&MEMBERSHIP_ROLES, code)
}

/// A date as councils' exports write it: `2024-05-02`, `02/05/2024` or `2/5/2024` (day first).
/// Blank is `Ok(None)`.
pub fn parse_csv_date(raw: &str) -> Result<Option<NaiveDate>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Some(d));
    }
    let parts: Vec<&str> = t.split(['/', '.']).collect();
    if let [d, m, y] = parts.as_slice() {
        if y.len() == 4 {
            if let Ok(date) = vocab::parse_date(d, m, y) {
                return Ok(Some(date));
            }
        }
    }
    Err(format!("“{t}” is not a date: write it as 2024-05-02 or 02/05/2024"))
}

/// A date from a GOV.UK date input, its error under `field`.
pub fn form_date(field: &str, what: &str, d: &str, m: &str, y: &str) -> Result<NaiveDate, FieldErrors> {
    vocab::parse_date(d, m, y).map_err(|msg| {
        FieldErrors::single(
            field,
            if msg == "Enter a date" { format!("Enter the date {what}") } else { msg.to_string() },
        )
    })
}

/// The membership being added or changed, checked the same way by the form and the import.
pub struct MembershipCheck<'a> {
    pub council: &'a Authority,
    pub council_wards: &'a [Ward],
    pub ward: Option<&'a str>,
    pub role: &'a str,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<&'a str>,
    /// The person's other memberships (the one being changed left out).
    pub others: &'a [Membership],
    /// A new membership may not be on a retired council.
    pub is_new: bool,
}

/// The problems with a membership, as (field, message): "council", "ward", "ended", "end_reason".
pub fn membership_problems(m: &MembershipCheck) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if m.is_new && (!m.council.active || m.council.retired_on.is_some()) {
        out.push(("council", format!("{} has been retired: memberships cannot be added to it", m.council.name)));
    }
    let live_wards: Vec<&Ward> = m.council_wards.iter().filter(|w| w.retired_on.is_none()).collect();
    if let Some(ward) = m.ward {
        if !m.council_wards.is_empty() && !m.council_wards.iter().any(|w| w.name.eq_ignore_ascii_case(ward)) {
            out.push(("ward", format!("{} has no ward called “{ward}”: choose one of its wards", m.council.name)));
        } else if m.is_new
            && !live_wards.is_empty()
            && !live_wards.iter().any(|w| w.name.eq_ignore_ascii_case(ward))
            && m.ended_on.is_none()
        {
            out.push(("ward", format!("The ward “{ward}” has been retired: choose a current ward")));
        }
    }
    if let Some(end) = m.ended_on {
        if end < m.started_on {
            out.push(("ended", "The end date must be the same as or after the start date".to_string()));
        }
    }
    if m.end_reason.is_some() && m.ended_on.is_none() {
        out.push(("ended", "Enter the end date, or leave the reason blank".to_string()));
    }
    let end = m.ended_on.unwrap_or(NaiveDate::MAX);
    let overlapping = m.others.iter().any(|o| {
        o.authority_id == m.council.id
            && o.role == m.role
            && o.started_on <= end
            && o.ended_on.is_none_or(|oe| m.started_on <= oe)
    });
    if overlapping {
        out.push((
            "started",
            format!(
                "They already hold the role of {} on {} for some of these dates",
                role_label(m.role).to_lowercase(),
                m.council.name
            ),
        ));
    }
    out
}

/// The wards of a council, as names for a select (current ones).
pub fn current_ward_names(wards: &[Ward]) -> Vec<String> {
    wards.iter().filter(|w| w.retired_on.is_none()).map(|w| w.name.clone()).collect()
}

/// A council's slug made from its name, unique among `taken`.
pub fn slug_for(name: &str, conn: &mut DbConnection) -> QueryResult<String> {
    let base: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let base = if base.is_empty() { "council".to_string() } else { base };
    let mut slug = base.clone();
    let mut n = 2;
    while crate::models::authority::find_by_slug(conn, &slug)?.is_some() {
        slug = format!("{base}-{n}");
        n += 1;
    }
    Ok(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_exports_write_them() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 2).unwrap();
        assert_eq!(parse_csv_date("2024-05-02"), Ok(Some(d)));
        assert_eq!(parse_csv_date("02/05/2024"), Ok(Some(d)));
        assert_eq!(parse_csv_date(" 2/5/2024 "), Ok(Some(d)));
        assert_eq!(parse_csv_date(""), Ok(None));
        assert!(parse_csv_date("31/02/2024").is_err());
        assert!(parse_csv_date("May 2024").is_err());
    }

    #[test]
    fn roles_and_parties_are_read_by_code_or_words() {
        assert_eq!(parse_role("Councillor").as_deref(), Some("member"));
        assert_eq!(parse_role("Co-opted member").as_deref(), Some("co-opted"));
        assert_eq!(parse_role("deputy-mayor").as_deref(), Some("deputy-mayor"));
        assert_eq!(parse_role("Emperor"), None);
        assert_eq!(clean_party(" independent "), None);
        assert_eq!(clean_party("Green").as_deref(), Some("Green"));
        assert_eq!(party_label(None), "Independent");
    }
}
