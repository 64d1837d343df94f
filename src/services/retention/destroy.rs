//! Destruction of approved cases (by the worker, or `standards-desk retention`): the personal data
//! in the case's rows is removed (`models::retention::purge_case`), its files leave the store once
//! no live case refers to them, each evidence item's custody log is replaced by a tombstone entry
//! that starts a new chain and records the old chain's head, and saved report snapshots that
//! named anyone in it are reduced. One transaction per case.

use super::{is_due, rows};
use crate::db::DbConnection;
use crate::models::case as case_rows;
use crate::models::enums::CaseStatus;
use crate::models::evidence as evidence_rows;
use crate::models::file as file_rows;
use crate::models::now;
use crate::models::user as user_rows;
use crate::services::audit::{self, Actor, Event};
use crate::services::evidence::custody::{append_custody, CustodyAction};
use crate::services::files::FileStore;
use crate::services::{ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

/// What the case's summary becomes.
pub const DESTROYED_SUMMARY: &str = "Destroyed under the retention schedule";

/// The tombstone: the first entry of an item's new chain. It records that the item's details,
/// files and custody entries were destroyed, who approved it, and the old chain's head and length
/// (so a copy of the old log, such as an exported bundle, can still be matched to it).
#[derive(Debug, Serialize)]
pub struct Tombstone<'a> {
    pub approved_at: String,
    pub approved_by: &'a str,
    pub previous_entries: i32,
    pub previous_head: &'a str,
    pub reason: &'a str,
}

/// One destroyed case, as the command reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Destroyed {
    pub reference: String,
    pub items: usize,
    pub files_deleted: usize,
    pub files_kept: usize,
    pub snapshots_reduced: usize,
}

/// Destroys one approved case (refused unless it is approved, still due on `today` and not held).
pub fn destroy_case(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    case_id: &str,
    today: NaiveDate,
) -> ServiceResult<Destroyed> {
    let (result, gone) = crate::db::write(conn, |conn| -> ServiceResult<(Destroyed, Vec<String>)> {
        let r = rows::find(conn, case_id)?.ok_or(ServiceError::NotFound)?;
        if !is_due(&r, today) || r.destruction_approved_at.is_none() {
            return Err(ServiceError::refused(format!(
                "{} is not approved for destruction, or no longer due (on legal hold or reopened)",
                r.reference
            )));
        }
        let approver = match &r.destruction_approved_by_user_id {
            Some(id) => user_rows::find(conn, id)?.map(|u| u.name).unwrap_or_default(),
            None => String::new(),
        };
        let approved_at = r.destruction_approved_at.map(|t| t.format("%-d %B %Y").to_string()).unwrap_or_default();
        let case = case_rows::find(conn, case_id)?.ok_or(ServiceError::NotFound)?;
        let items = evidence_rows::list_items(conn, case_id)?;
        let shas = rows::purge_case(conn, case_id, &case.reference)?;
        for item in &items {
            let stone = Tombstone {
                approved_at: r
                    .destruction_approved_at
                    .map(|t| crate::services::evidence::custody::timestamp(&t))
                    .unwrap_or_default(),
                approved_by: &approver,
                previous_entries: item.custody_count,
                previous_head: &item.custody_head,
                reason: DESTROYED_SUMMARY,
            };
            append_custody(conn, actor, &item.id, CustodyAction::Destroyed, None, &stone)?;
        }
        crate::services::cases::transition(conn, actor, &case, CaseStatus::Destroyed, "")?;
        rows::mark_destroyed(conn, case_id, DESTROYED_SUMMARY, now())?;
        crate::db::lock_file_store(conn, true)?;
        let gone = rows::no_longer_referenced(conn, &shas)?;
        for sha in &gone {
            file_rows::delete_stored(conn, sha)?;
        }
        let snapshots_reduced = reduce_snapshots(conn, actor, &case.reference)?;
        audit::record(
            conn,
            actor,
            Event::new("case.destroyed", "case", case_id).case(case_id).summary(format!(
                "{DESTROYED_SUMMARY}, approved by {approver} on {approved_at}: {} evidence item(s) tombstoned, \
                 {} file(s) deleted, {} kept for other cases",
                items.len(),
                gone.len(),
                shas.len() - gone.len()
            )),
        )?;
        Ok((
            Destroyed {
                reference: case.reference,
                items: items.len(),
                files_deleted: gone.len(),
                files_kept: shas.len() - gone.len(),
                snapshots_reduced,
            },
            gone,
        ))
    })?;
    // The rows are gone (committed): now the bytes.
    for sha in gone {
        if let Err(e) = store.remove(&sha) {
            tracing::warn!(sha256 = %sha, store = %store.describe(), error = %e, "a destroyed case's file could not be deleted")
        }
    }
    Ok(result)
}

/// Destroys every approved case that is still due on `today` (the worker, and the command).
/// A case that fails is reported and the others go on.
pub fn run(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    today: NaiveDate,
) -> QueryResult<Vec<Result<Destroyed, String>>> {
    let mut out = Vec::new();
    for r in rows::scheduled(conn)? {
        if r.destruction_approved_at.is_none() || !is_due(&r, today) {
            continue;
        }
        out.push(destroy_case(conn, store, actor, &r.id, today).map_err(|e| format!("{}: {e}", r.reference)));
    }
    Ok(out)
}

/// Saved snapshots whose closed-cases CSV named anyone on this case: the member's name is taken
/// out of that row (the snapshot's hash is recomputed and the change audited).
fn reduce_snapshots(conn: &mut DbConnection, actor: &Actor, reference: &str) -> QueryResult<usize> {
    use crate::db::schema::report_snapshots as rs;
    let all: Vec<(String, String, String, String)> =
        rs::table.select((rs::id, rs::html, rs::figures_csv, rs::cases_csv)).load(conn)?;
    let mut n = 0;
    for (id, html, figures, cases) in all {
        if let Some(reduced) = reduce_cases_csv(&cases, reference) {
            let sha = crate::services::reports::snapshot_hash(&html, &figures, &reduced);
            diesel::update(rs::table.find(&id)).set((rs::cases_csv.eq(&reduced), rs::sha256.eq(&sha))).execute(conn)?;
            audit::record(
                conn,
                actor,
                Event::new("report.snapshot_reduced", "report_snapshot", &id).summary(format!(
                    "Closed-cases CSV reduced to the anonymised fields for {reference} (destroyed under the retention schedule)"
                )),
            )?;
            n += 1;
        }
    }
    Ok(n)
}

/// The closed-cases CSV with the last field (`member_named`) of the row for `reference` emptied,
/// if that row named anyone; `None` when nothing changes.
pub fn reduce_cases_csv(csv: &str, reference: &str) -> Option<String> {
    let mut changed = false;
    let lines: Vec<String> = csv
        .split_inclusive("\r\n")
        .map(|line| {
            let body = line.strip_suffix("\r\n").unwrap_or(line);
            let first = body.split(',').next().unwrap_or("");
            if first != reference {
                return line.to_string();
            }
            // The last separator outside quotes.
            let mut quoted = false;
            let mut last = None;
            for (i, ch) in body.char_indices() {
                match ch {
                    '"' => quoted = !quoted,
                    ',' if !quoted => last = Some(i),
                    _ => {}
                }
            }
            match last {
                Some(i) if i + 1 < body.len() => {
                    changed = true;
                    format!("{}\r\n", &body[..=i])
                }
                _ => line.to_string(),
            }
        })
        .collect();
    changed.then(|| lines.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_destroyed_case_row_loses_its_member_name() {
        let csv = "reference,member_named\r\nSD-1,\"Cllr A, B\"\r\nSD-2,Cllr C\r\nSD-3,\r\n";
        assert_eq!(
            reduce_cases_csv(csv, "SD-1").as_deref(),
            Some("reference,member_named\r\nSD-1,\r\nSD-2,Cllr C\r\nSD-3,\r\n")
        );
        assert_eq!(reduce_cases_csv(csv, "SD-3"), None);
        assert_eq!(reduce_cases_csv(csv, "SD-9"), None);
    }
}
