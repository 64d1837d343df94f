use crate::db::schema::closure_days;
use crate::db::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = closure_days)]
pub struct ClosureDay {
    pub day: NaiveDate,
    pub reason: String,
    pub created_by_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn list_closure_days(conn: &mut DbConnection) -> QueryResult<Vec<ClosureDay>> {
    closure_days::table.order(closure_days::day.asc()).select(ClosureDay::as_select()).load(conn)
}

pub fn find_closure_day(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Option<ClosureDay>> {
    closure_days::table.find(day).select(ClosureDay::as_select()).first(conn).optional()
}

pub fn insert_closure_day(conn: &mut DbConnection, d: &ClosureDay) -> QueryResult<()> {
    diesel::insert_into(closure_days::table).values(d).execute(conn).map(|_| ())
}

pub fn delete_closure_day(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<usize> {
    diesel::delete(closure_days::table.find(day)).execute(conn)
}
