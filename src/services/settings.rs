//! Settings an admin can change, with their defaults (stored in the `settings` table).

use crate::db::schema::settings;
use crate::db::DbConnection;
use crate::models::now;
use crate::services::audit::{self, Actor, Event};
use crate::services::{FieldErrors, ServiceResult};
use diesel::prelude::*;

/// Working-day targets (domain.md §a). Each is a setting with this key and default.
pub const DEADLINES: [(&str, &str, u32); 4] = [
    ("deadline.acknowledge", "Acknowledge a complaint", 5),
    ("deadline.assessment", "Initial assessment", 20),
    ("deadline.member_response", "Member's response", 10),
    ("deadline.takedown", "Takedown request", 5),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Deadlines {
    pub acknowledge: u32,
    pub assessment: u32,
    pub member_response: u32,
    pub takedown: u32,
}

fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    settings::table.find(key).select(settings::value).first(conn).optional()
}

pub fn deadlines(conn: &mut DbConnection) -> QueryResult<Deadlines> {
    let mut values = [0u32; 4];
    for (i, (key, _, default)) in DEADLINES.iter().enumerate() {
        values[i] = get(conn, key)?.and_then(|v| v.parse().ok()).unwrap_or(*default);
    }
    Ok(Deadlines { acknowledge: values[0], assessment: values[1], member_response: values[2], takedown: values[3] })
}

/// Sets the working-day targets from form values (keyed as in [`DEADLINES`]).
pub fn set_deadlines(conn: &mut DbConnection, actor: &Actor, values: &[(String, String)]) -> ServiceResult<Deadlines> {
    let mut errors = FieldErrors::default();
    let mut parsed = Vec::new();
    for (key, label, _) in DEADLINES {
        let raw = values.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).unwrap_or("");
        match raw.parse::<u32>() {
            Ok(n) if (1..=250).contains(&n) => parsed.push((key, n)),
            _ => errors.add(key, format!("{label} must be a whole number of working days from 1 to 250")),
        }
    }
    errors.into_result()?;
    conn.transaction(|conn| {
        let before = deadlines(conn)?;
        for (key, n) in &parsed {
            let value = n.to_string();
            let updated = diesel::update(settings::table.find(*key))
                .set((
                    settings::value.eq(&value),
                    settings::updated_at.eq(now()),
                    settings::updated_by_user_id.eq(&actor.user_id),
                ))
                .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(settings::table)
                    .values((
                        settings::key.eq(*key),
                        settings::value.eq(&value),
                        settings::updated_at.eq(now()),
                        settings::updated_by_user_id.eq(&actor.user_id),
                    ))
                    .execute(conn)?;
            }
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
