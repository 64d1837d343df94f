//! Settings an admin can change, with their defaults (stored in the `settings` table), and the
//! rule that only administrators change them (and users, authorities and closure days).

use crate::db::DbConnection;
use crate::models::now;
use crate::models::setting as rows;
use crate::models::user::User;
use crate::services::access::{can, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// Users, authorities, settings and closure days are for administrators.
pub fn may_administer(user: &User) -> ServiceResult<()> {
    if can(user, Permission::Administer) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The council's publication policy: whether the publication version of a decision names a
/// councillor against whom no breach was found ("yes"; default no: named only if they ask).
pub const NAME_WITHOUT_BREACH_KEY: &str = "publication.name_without_breach";

pub fn names_members_without_breach(conn: &mut DbConnection) -> QueryResult<bool> {
    Ok(rows::get(conn, NAME_WITHOUT_BREACH_KEY)?.as_deref() == Some("yes"))
}

/// Working-day targets (domain.md §a). Each is a setting with this key and default.
pub const DEADLINES: [(&str, &str, u32); 4] = [
    ("deadline.acknowledge", "Acknowledge a complaint", 5),
    ("deadline.assessment", "Initial assessment", 20),
    ("deadline.member_response", "Member's response", 10),
    ("deadline.takedown", "Takedown request", 5),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    pub acknowledge: u32,
    pub assessment: u32,
    pub member_response: u32,
    pub takedown: u32,
}

pub fn deadlines(conn: &mut DbConnection) -> QueryResult<Deadlines> {
    let mut values = [0u32; 4];
    for (i, (key, _, default)) in DEADLINES.iter().enumerate() {
        values[i] = rows::get(conn, key)?.and_then(|v| v.parse().ok()).unwrap_or(*default);
    }
    Ok(Deadlines { acknowledge: values[0], assessment: values[1], member_response: values[2], takedown: values[3] })
}

/// The deadlines form as submitted (fields named by the setting keys).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct DeadlinesForm {
    #[serde(default, rename = "deadline.acknowledge")]
    pub acknowledge: String,
    #[serde(default, rename = "deadline.assessment")]
    pub assessment: String,
    #[serde(default, rename = "deadline.member_response")]
    pub member_response: String,
    #[serde(default, rename = "deadline.takedown")]
    pub takedown: String,
}

impl DeadlinesForm {
    fn of(d: Deadlines) -> Self {
        DeadlinesForm {
            acknowledge: d.acknowledge.to_string(),
            assessment: d.assessment.to_string(),
            member_response: d.member_response.to_string(),
            takedown: d.takedown.to_string(),
        }
    }

    /// The value submitted for a key of [`DEADLINES`].
    fn get(&self, key: &str) -> &str {
        match key {
            "deadline.acknowledge" => &self.acknowledge,
            "deadline.assessment" => &self.assessment,
            "deadline.member_response" => &self.member_response,
            "deadline.takedown" => &self.takedown,
            _ => "",
        }
    }
}

/// One field of the deadlines form.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineField {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadlinesPage {
    pub fields: Vec<DeadlineField>,
}

/// The deadlines form: with the stored values, or with `form` as submitted.
pub fn deadlines_page(
    conn: &mut DbConnection,
    admin: &User,
    form: Option<DeadlinesForm>,
) -> ServiceResult<DeadlinesPage> {
    may_administer(admin)?;
    let form = match form {
        Some(f) => f,
        None => DeadlinesForm::of(deadlines(conn)?),
    };
    let fields = DEADLINES
        .iter()
        .map(|(key, label, _)| DeadlineField { key, label, value: form.get(key).to_string() })
        .collect();
    Ok(DeadlinesPage { fields })
}

/// Sets the working-day targets.
pub fn set_deadlines(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    form: &DeadlinesForm,
) -> ServiceResult<Deadlines> {
    may_administer(admin)?;
    let mut errors = FieldErrors::default();
    let mut parsed = Vec::new();
    for (key, label, _) in DEADLINES {
        match form.get(key).trim().parse::<u32>() {
            Ok(n) if (1..=250).contains(&n) => parsed.push((key, n)),
            _ => errors.add(key, format!("{label} must be a whole number of working days from 1 to 250")),
        }
    }
    errors.into_result()?;
    crate::db::write(conn, |conn| {
        let before = deadlines(conn)?;
        for (key, n) in &parsed {
            rows::put(conn, key, &n.to_string(), now(), actor.user_id.as_deref())?;
        }
        let after = deadlines(conn)?;
        if before != after {
            audit::record(
                conn,
                actor,
                Event::new("settings.deadlines_changed", "settings", "deadlines").summary(format!(
                    "Working-day targets: acknowledge {}, assessment {}, member's response {}, takedown {}",
                    after.acknowledge, after.assessment, after.member_response, after.takedown
                )),
            )?;
        }
        Ok(after)
    })
}

/// The review deadline (working days from a review request; `decisions::review_outcome` reads it).
pub const REVIEW_DEADLINE_KEY: &str = "deadline.review";
pub const REVIEW_DEADLINE_DEFAULT: u32 = 20;

/// The decisions settings form: the review deadline and the publication policy.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DecisionSettingsForm {
    pub review_days: String,
    /// "yes" or "no".
    pub name_without_breach: String,
}

/// The decisions settings as stored (or their defaults), as the form shows them.
pub fn decision_settings(conn: &mut DbConnection) -> QueryResult<DecisionSettingsForm> {
    let days =
        rows::get(conn, REVIEW_DEADLINE_KEY)?.and_then(|v| v.parse::<u32>().ok()).unwrap_or(REVIEW_DEADLINE_DEFAULT);
    let name = if names_members_without_breach(conn)? { "yes" } else { "no" };
    Ok(DecisionSettingsForm { review_days: days.to_string(), name_without_breach: name.into() })
}

/// Sets the review deadline and whether a councillor cleared of a breach is named in the
/// publication version of a decision; audited when either changes.
pub fn set_decision_settings(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    form: &DecisionSettingsForm,
) -> ServiceResult<DecisionSettingsForm> {
    may_administer(admin)?;
    let mut errors = FieldErrors::default();
    let days = match form.review_days.trim().parse::<u32>() {
        Ok(n) if (1..=250).contains(&n) => Some(n),
        _ => {
            errors.add("review_days", "Review of a decision must be a whole number of working days from 1 to 250");
            None
        }
    };
    if !matches!(form.name_without_breach.as_str(), "yes" | "no") {
        errors.add("name_without_breach", "Select whether a councillor cleared of a breach is named");
    }
    errors.into_result()?;
    let days = days.expect("checked");
    crate::db::write(conn, |conn| {
        let before = decision_settings(conn)?;
        rows::put(conn, REVIEW_DEADLINE_KEY, &days.to_string(), now(), actor.user_id.as_deref())?;
        rows::put(conn, NAME_WITHOUT_BREACH_KEY, &form.name_without_breach, now(), actor.user_id.as_deref())?;
        let after = decision_settings(conn)?;
        if before.review_days != after.review_days || before.name_without_breach != after.name_without_breach {
            audit::record(
                conn,
                actor,
                Event::new("settings.decisions_changed", "settings", "decisions").summary(format!(
                    "Review deadline {} working days; a councillor cleared of a breach is {}named in published decisions",
                    after.review_days,
                    if after.name_without_breach == "yes" { "" } else { "not " }
                )),
            )?;
        }
        Ok(after)
    })
}
