//! Small pieces the investigation and hearing forms share: a select or radio option, people of a
//! role as options, and a GOV.UK date read into a field error.

use crate::db::DbConnection;
use crate::models::user::{self as user_rows, Role};
use crate::services::{vocab, FieldErrors};
use chrono::NaiveDate;
use diesel::QueryResult;

pub use crate::services::vocab::Choice;

/// Active users of a role, as options.
pub fn user_choices(conn: &mut DbConnection, role: Role) -> QueryResult<Vec<Choice>> {
    Ok(user_rows::list_for_role(conn, role)?.into_iter().map(|u| Choice::new(u.id, u.name)).collect())
}

/// Reads a GOV.UK date input; a bad date becomes the field's error.
pub fn date_field(e: &mut FieldErrors, field: &str, day: &str, month: &str, year: &str) -> Option<NaiveDate> {
    match vocab::parse_date(day, month, year) {
        Ok(d) => Some(d),
        Err(m) => {
            e.add(field, m);
            None
        }
    }
}
