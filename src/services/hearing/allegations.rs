//! The allegations a hearing decides, each with the member's name and the code provision.

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::hearing as rows;
use crate::models::member as member_rows;
use diesel::QueryResult;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AllegationView {
    pub id: String,
    pub member_id: String,
    pub member: String,
    /// "3 Bullying and harassment"
    pub provision: String,
}

pub fn allegation_views(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<AllegationView>> {
    let mut out = Vec::new();
    for a in complaint_rows::list_allegations_for_case(conn, &case.id)? {
        let member = member_rows::find(conn, &a.member_id)?.map(|m| m.full_name).unwrap_or_default();
        let (number, heading) = rows::provision_title(conn, &a.code_provision_id)?;
        out.push(AllegationView { id: a.id, member_id: a.member_id, member, provision: format!("{number} {heading}") });
    }
    Ok(out)
}
