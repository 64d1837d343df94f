use crate::db::schema::{member_accounts, members, memberships};
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = members)]
pub struct Member {
    pub id: String,
    pub full_name: String,
    pub party: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// As the person uses it ("Cllr", "Dr").
    pub title: Option<String>,
    /// For notices sent by post.
    pub postal_address: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub id: String,
    pub member_id: String,
    pub authority_id: String,
    pub ward: Option<String>,
    pub role: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    /// Why it ended (`vocab::END_REASONS`).
    pub end_reason: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl Membership {
    /// Whether the person was a member on `day` (from the start date, up to and including the end date).
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.started_on <= day && self.ended_on.is_none_or(|end| day <= end)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = member_accounts)]
pub struct MemberAccount {
    pub id: String,
    pub member_id: String,
    pub platform: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub profile_url: Option<String>,
    pub canonical_url: Option<String>,
    pub declared_official: bool,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    /// The council the account presents; `None` for a personal account.
    pub authority_id: Option<String>,
    /// The role it presents ("Chair of Northfield Parish Council"), if any.
    pub presents_role: Option<String>,
    pub in_use_from: Option<NaiveDate>,
    pub in_use_to: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, m: &Member) -> QueryResult<()> {
    diesel::insert_into(members::table).values(m).execute(conn).map(|_| ())
}

pub fn insert_membership(conn: &mut DbConnection, m: &Membership) -> QueryResult<()> {
    diesel::insert_into(memberships::table).values(m).execute(conn).map(|_| ())
}

pub fn insert_account(conn: &mut DbConnection, a: &MemberAccount) -> QueryResult<()> {
    diesel::insert_into(member_accounts::table).values(a).execute(conn).map(|_| ())
}

/// Every registered account, oldest first (for matching captured evidence to an account).
pub fn list_accounts(conn: &mut DbConnection) -> QueryResult<Vec<MemberAccount>> {
    member_accounts::table
        .order((member_accounts::created_at.asc(), member_accounts::id.asc()))
        .select(MemberAccount::as_select())
        .load(conn)
}

pub fn find_account(conn: &mut DbConnection, id: &str) -> QueryResult<Option<MemberAccount>> {
    member_accounts::table.find(id).select(MemberAccount::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Member>> {
    members::table.find(id).select(Member::as_select()).first(conn).optional()
}

pub fn list_memberships_for_member(conn: &mut DbConnection, member_id: &str) -> QueryResult<Vec<Membership>> {
    memberships::table
        .filter(memberships::member_id.eq(member_id))
        .order(memberships::started_on.asc())
        .select(Membership::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    members::table.count().get_result(conn)
}

/// The members a case's allegations name (withdrawn allegations left out), each once.
pub fn list_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<Member>> {
    let mut ids: Vec<String> = crate::db::schema::allegations::table
        .filter(crate::db::schema::allegations::case_id.eq(case_id))
        .filter(crate::db::schema::allegations::status.ne(crate::models::complaint::WITHDRAWN))
        .select(crate::db::schema::allegations::member_id)
        .load(conn)?;
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        if let Some(m) = find(conn, &id)? {
            out.push(m);
        }
    }
    Ok(out)
}

/// Every membership of an active council, current or ended on or after `ended_since`, with its
/// member and the council's name, by member name then council.
pub fn list_register(
    conn: &mut DbConnection,
    ended_since: NaiveDate,
) -> QueryResult<Vec<(Member, Membership, String)>> {
    use crate::db::schema::authorities;
    members::table
        .inner_join(memberships::table.inner_join(authorities::table))
        .filter(memberships::ended_on.is_null().or(memberships::ended_on.ge(ended_since)))
        .filter(authorities::active.eq(true))
        .order((members::full_name.asc(), authorities::name.asc()))
        .select((Member::as_select(), Membership::as_select(), authorities::name))
        .load(conn)
}

/// A membership with its member.
pub fn find_membership(conn: &mut DbConnection, membership_id: &str) -> QueryResult<Option<(Member, Membership)>> {
    memberships::table
        .inner_join(members::table)
        .filter(memberships::id.eq(membership_id))
        .select((Member::as_select(), Membership::as_select()))
        .first(conn)
        .optional()
}

/// (id, full name) of every member, by name.
pub fn list_names(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    members::table.order(members::full_name.asc()).select((members::id, members::full_name)).load(conn)
}

/// The id of the membership of the member named `full_name` on the council `authority_slug`.
pub fn find_membership_id(
    conn: &mut DbConnection,
    full_name: &str,
    authority_slug: &str,
) -> QueryResult<Option<String>> {
    use crate::db::schema::authorities;
    memberships::table
        .inner_join(members::table)
        .inner_join(authorities::table)
        .filter(members::full_name.eq(full_name))
        .filter(authorities::slug.eq(authority_slug))
        .select(memberships::id)
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = members, treat_none_as_null = true)]
pub struct MemberChanges {
    pub full_name: String,
    pub title: Option<String>,
    pub party: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &MemberChanges) -> QueryResult<usize> {
    diesel::update(members::table.find(id)).set(changes).execute(conn)
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = memberships, treat_none_as_null = true)]
pub struct MembershipChanges {
    pub ward: Option<String>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn update_membership(conn: &mut DbConnection, id: &str, changes: &MembershipChanges) -> QueryResult<usize> {
    diesel::update(memberships::table.find(id)).set(changes).execute(conn)
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = member_accounts, treat_none_as_null = true)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub profile_url: Option<String>,
    pub canonical_url: Option<String>,
    pub declared_official: bool,
    pub authority_id: Option<String>,
    pub presents_role: Option<String>,
    pub in_use_from: Option<NaiveDate>,
    pub in_use_to: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

pub fn update_account(conn: &mut DbConnection, id: &str, changes: &AccountChanges) -> QueryResult<usize> {
    diesel::update(member_accounts::table.find(id)).set(changes).execute(conn)
}

/// Sets an account's platform and handle (a member may rename an account).
pub fn rename_account(conn: &mut DbConnection, id: &str, platform: &str, handle: &str) -> QueryResult<usize> {
    diesel::update(member_accounts::table.find(id))
        .set((member_accounts::platform.eq(platform), member_accounts::handle.eq(handle)))
        .execute(conn)
}

/// A correction of a membership recorded wrongly (its council, ward, role or dates).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = memberships, treat_none_as_null = true)]
pub struct MembershipCorrection {
    pub authority_id: String,
    pub ward: Option<String>,
    pub role: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn correct_membership(conn: &mut DbConnection, id: &str, c: &MembershipCorrection) -> QueryResult<usize> {
    diesel::update(memberships::table.find(id)).set(c).execute(conn)
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<Member>> {
    members::table.order(members::full_name.asc()).select(Member::as_select()).load(conn)
}

pub fn list_all_memberships(conn: &mut DbConnection) -> QueryResult<Vec<Membership>> {
    memberships::table.order(memberships::started_on.asc()).select(Membership::as_select()).load(conn)
}

pub fn list_all_accounts(conn: &mut DbConnection) -> QueryResult<Vec<MemberAccount>> {
    member_accounts::table.order(member_accounts::created_at.asc()).select(MemberAccount::as_select()).load(conn)
}

pub fn list_accounts_for_member(conn: &mut DbConnection, member_id: &str) -> QueryResult<Vec<MemberAccount>> {
    member_accounts::table
        .filter(member_accounts::member_id.eq(member_id))
        .order(member_accounts::created_at.asc())
        .select(MemberAccount::as_select())
        .load(conn)
}

/// The memberships of a council, with their members, by member name.
pub fn list_memberships_for_authority(
    conn: &mut DbConnection,
    authority_id: &str,
) -> QueryResult<Vec<(Member, Membership)>> {
    memberships::table
        .inner_join(members::table)
        .filter(memberships::authority_id.eq(authority_id))
        .order((members::full_name.asc(), memberships::started_on.asc()))
        .select((Member::as_select(), Membership::as_select()))
        .load(conn)
}

/// Several rows in one INSERT. MultiBackend cannot type-check a multi-row insert (stack-notes),
/// so the same statement is built for the connection's own backend.
macro_rules! insert_many_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Postgresql(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

/// Inserts several members in one statement.
pub fn insert_many(conn: &mut DbConnection, rows: &[Member]) -> QueryResult<usize> {
    insert_many_rows!(conn, members::table, rows)
}

/// Inserts several memberships in one statement.
pub fn insert_memberships(conn: &mut DbConnection, rows: &[Membership]) -> QueryResult<usize> {
    insert_many_rows!(conn, memberships::table, rows)
}

/// Inserts several accounts in one statement.
pub fn insert_accounts(conn: &mut DbConnection, rows: &[MemberAccount]) -> QueryResult<usize> {
    insert_many_rows!(conn, member_accounts::table, rows)
}
