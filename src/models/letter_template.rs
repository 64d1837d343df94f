//! The `letter_templates` table: a council's edited letters, every saved version kept.

use crate::db::schema::{cases, letter_templates, outbox};
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = letter_templates)]
pub struct LetterTemplate {
    pub id: String,
    pub authority_id: String,
    /// The folder under `templates/emails/` this version replaces.
    pub template: String,
    pub version: i32,
    /// False for a version that puts the shipped template back.
    pub in_use: bool,
    pub subject: String,
    pub body: String,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, t: &LetterTemplate) -> QueryResult<()> {
    diesel::insert_into(letter_templates::table).values(t).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<LetterTemplate>> {
    letter_templates::table.find(id).select(LetterTemplate::as_select()).first(conn).optional()
}

/// Every version of a council's letter, newest first.
pub fn versions(conn: &mut DbConnection, authority_id: &str, template: &str) -> QueryResult<Vec<LetterTemplate>> {
    letter_templates::table
        .filter(letter_templates::authority_id.eq(authority_id))
        .filter(letter_templates::template.eq(template))
        .order(letter_templates::version.desc())
        .select(LetterTemplate::as_select())
        .load(conn)
}

/// The newest version of a council's letter (in use or not).
pub fn latest(conn: &mut DbConnection, authority_id: &str, template: &str) -> QueryResult<Option<LetterTemplate>> {
    letter_templates::table
        .filter(letter_templates::authority_id.eq(authority_id))
        .filter(letter_templates::template.eq(template))
        .order(letter_templates::version.desc())
        .select(LetterTemplate::as_select())
        .first(conn)
        .optional()
}

/// The newest version of each of a council's edited letters.
pub fn latest_for_authority(conn: &mut DbConnection, authority_id: &str) -> QueryResult<Vec<LetterTemplate>> {
    let all: Vec<LetterTemplate> = letter_templates::table
        .filter(letter_templates::authority_id.eq(authority_id))
        .order((letter_templates::template.asc(), letter_templates::version.desc()))
        .select(LetterTemplate::as_select())
        .load(conn)?;
    let mut out: Vec<LetterTemplate> = Vec::new();
    for t in all {
        if out.last().is_none_or(|l| l.template != t.template) {
            out.push(t);
        }
    }
    Ok(out)
}

/// The values the newest letter of this kind about one of the council's cases (or, with no
/// council, about any case) was written with, and its case: what a preview is rendered with.
pub fn latest_context(
    conn: &mut DbConnection,
    authority_id: Option<&str>,
    template: &str,
) -> QueryResult<Option<(String, String)>> {
    let query = outbox::table
        .inner_join(cases::table.on(outbox::case_id.eq(cases::id.nullable())))
        .filter(outbox::template.eq(template))
        .filter(outbox::context_json.is_not_null())
        .order(outbox::created_at.desc())
        .select((cases::id, outbox::context_json.assume_not_null()));
    match authority_id {
        Some(a) => query.filter(cases::authority_id.eq(a)).first(conn).optional(),
        None => query.first(conn).optional(),
    }
}
