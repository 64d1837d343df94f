use crate::db::schema::authorities;
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

/// Tiers of local government: principal councils, and the parish/town/city/community councils
/// whose members' complaints the principal authority's Monitoring Officer handles.
pub const TIERS: [(&str, &str); 10] = [
    ("county", "County council"),
    ("district", "District council"),
    ("unitary", "Unitary authority"),
    ("metropolitan", "Metropolitan borough"),
    ("london-borough", "London borough"),
    ("combined-authority", "Combined authority"),
    ("parish", "Parish council"),
    ("town", "Town council"),
    ("city", "City council (parish tier)"),
    ("community", "Community council (Wales)"),
];

pub const NATIONS: [(&str, &str); 2] = [("england", "England"), ("wales", "Wales")];

pub fn is_local_tier(tier: &str) -> bool {
    matches!(tier, "parish" | "town" | "city" | "community")
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = authorities)]
pub struct Authority {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub tier: String,
    pub nation: String,
    pub principal_authority_id: Option<String>,
    pub clerk_name: Option<String>,
    pub clerk_email: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    /// The name used in letters ("Northfield PC"); the full name when absent.
    pub short_name: Option<String>,
    /// The day the council was retired (abolished, merged); `active` is false from then on.
    pub retired_on: Option<NaiveDate>,
}

pub fn insert(conn: &mut DbConnection, a: &Authority) -> QueryResult<()> {
    diesel::insert_into(authorities::table).values(a).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Authority>> {
    authorities::table.find(id).select(Authority::as_select()).first(conn).optional()
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Authority>> {
    authorities::table.filter(authorities::slug.eq(slug)).select(Authority::as_select()).first(conn).optional()
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<Authority>> {
    authorities::table.order(authorities::name.asc()).select(Authority::as_select()).load(conn)
}

/// What a council's edit form changes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = authorities, treat_none_as_null = true)]
pub struct AuthorityChanges {
    pub name: String,
    pub short_name: Option<String>,
    pub tier: String,
    pub nation: String,
    pub principal_authority_id: Option<String>,
    pub clerk_name: Option<String>,
    pub clerk_email: Option<String>,
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &AuthorityChanges) -> QueryResult<usize> {
    diesel::update(authorities::table.find(id)).set(changes).execute(conn)
}

/// Retires a council: no longer offered for new complaints or memberships; its history stays.
pub fn retire(conn: &mut DbConnection, id: &str, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(authorities::table.find(id))
        .set((authorities::retired_on.eq(Some(on)), authorities::active.eq(false)))
        .execute(conn)
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Authority>> {
    authorities::table.filter(authorities::name.eq(name)).select(Authority::as_select()).first(conn).optional()
}

/// The number of memberships current on `day`, by council id.
pub fn current_member_counts(
    conn: &mut DbConnection,
    day: NaiveDate,
) -> QueryResult<std::collections::HashMap<String, i64>> {
    use crate::db::schema::memberships;
    let rows: Vec<(String, String)> = memberships::table
        .filter(memberships::started_on.le(day))
        .filter(memberships::ended_on.is_null().or(memberships::ended_on.ge(day)))
        .select((memberships::authority_id, memberships::member_id))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = std::collections::HashMap::new();
    for (a, m) in rows {
        if seen.insert((a.clone(), m)) {
            *out.entry(a).or_insert(0) += 1;
        }
    }
    Ok(out)
}
