//! What the tests read back from the database to check a result, and the deliberate tampering
//! some tests need (an expired session, an edited custody entry…), in one place, so the tests
//! themselves hold no queries and a schema change is mended here.

use crate::harness::TestApp;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use standards_desk::db::schema::{
    audit_log, capacity_questions, case_participants, custody_log, decision_notices, evidence_files, evidence_items,
    investigation_entries, outbox, report_snapshots, sessions, stored_files, takedown_rechecks,
};

/// Rows in a table.
pub fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(&mut app.conn())
        .unwrap_or_else(|e| panic!("count {table}: {e}"))
        .n
}

/// Failed sign-in attempts recorded for an email address.
pub fn failed_sign_ins(app: &TestApp, email: &str) -> i64 {
    use standards_desk::db::schema::login_attempts;
    login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::succeeded.eq(false))
        .count()
        .get_result(&mut app.conn())
        .expect("login attempts")
}

/// Audit entries for an action.
pub fn audited(app: &TestApp, action: &str) -> i64 {
    audit_log::table.filter(audit_log::action.eq(action)).count().get_result(&mut app.conn()).expect("audit log")
}

/// Audit entries for an action on one entity.
pub fn audited_for(app: &TestApp, action: &str, entity_id: &str) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::entity_id.eq(entity_id))
        .count()
        .get_result(&mut app.conn())
        .expect("audit log")
}

/// A user's open sessions.
pub fn sessions_of(app: &TestApp, user_id: &str) -> i64 {
    sessions::table.filter(sessions::user_id.eq(user_id)).count().get_result(&mut app.conn()).expect("sessions")
}

/// Tampering: every session expired a minute ago.
pub fn expire_sessions(app: &TestApp) {
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    diesel::update(sessions::table).set(sessions::expires_at.eq(past)).execute(&mut app.conn()).expect("sessions");
}

/// The SHA-256 of every stored file.
pub fn stored_hashes(app: &TestApp) -> Vec<String> {
    stored_files::table.select(stored_files::sha256).load(&mut app.conn()).expect("stored files")
}

/// The ids of a case's complaints.
pub fn complaint_ids(app: &TestApp, case_id: &str) -> Vec<String> {
    standards_desk::models::complaint::list_for_case(&mut app.conn(), case_id)
        .expect("complaints")
        .into_iter()
        .map(|(complaint, _)| complaint.id)
        .collect()
}

/// The ids of a case's evidence items.
pub fn evidence_item_ids(app: &TestApp, case_id: &str) -> Vec<String> {
    evidence_items::table
        .filter(evidence_items::case_id.eq(case_id))
        .select(evidence_items::id)
        .load(&mut app.conn())
        .expect("evidence items")
}

/// The id of evidence item E`number` of a case.
pub fn evidence_item_id(app: &TestApp, case_id: &str, number: i32) -> String {
    evidence_items::table
        .filter(evidence_items::case_id.eq(case_id))
        .filter(evidence_items::number.eq(number))
        .select(evidence_items::id)
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("evidence item E{number}: {e}"))
}

/// The SHA-256 of every file of a case's evidence items.
pub fn evidence_file_hashes(app: &TestApp, case_id: &str) -> Vec<String> {
    evidence_files::table
        .inner_join(evidence_items::table)
        .filter(evidence_items::case_id.eq(case_id))
        .select(evidence_files::sha256)
        .load(&mut app.conn())
        .expect("evidence files")
}

/// The actions in an evidence item's custody log, oldest first.
pub fn custody_actions(app: &TestApp, item_id: &str) -> Vec<String> {
    custody_log::table
        .filter(custody_log::item_id.eq(item_id))
        .order(custody_log::seq.asc())
        .select(custody_log::action)
        .load(&mut app.conn())
        .expect("custody log")
}

/// Tampering: custody entry `seq` of an item now names someone else.
pub fn alter_custody_entry(app: &TestApp, item_id: &str, seq: i32, actor_label: &str) {
    let changed =
        diesel::update(custody_log::table.filter(custody_log::item_id.eq(item_id)).filter(custody_log::seq.eq(seq)))
            .set(custody_log::actor_label.eq(actor_label))
            .execute(&mut app.conn())
            .expect("custody log");
    assert_eq!(changed, 1, "custody entry {seq} altered");
}

/// Tampering: the newest custody entry of an item is deleted.
pub fn delete_newest_custody_entry(app: &TestApp, item_id: &str) {
    let last: i32 = custody_log::table
        .filter(custody_log::item_id.eq(item_id))
        .select(diesel::dsl::max(custody_log::seq))
        .first::<Option<i32>>(&mut app.conn())
        .expect("custody log")
        .expect("an entry");
    let deleted =
        diesel::delete(custody_log::table.filter(custody_log::item_id.eq(item_id)).filter(custody_log::seq.eq(last)))
            .execute(&mut app.conn())
            .expect("custody log");
    assert_eq!(deleted, 1, "custody entry {last} deleted");
}

/// The SHA-256 of the investigation's final report.
pub fn final_report_sha256(app: &TestApp) -> String {
    investigation_entries::table
        .filter(investigation_entries::kind.eq("final-report"))
        .select(investigation_entries::sha256.assume_not_null())
        .first(&mut app.conn())
        .expect("final report")
}

/// People with a part (`panel-member`, …) in a case.
pub fn participants(app: &TestApp, case_id: &str, part: &str) -> i64 {
    case_participants::table
        .filter(case_participants::case_id.eq(case_id))
        .filter(case_participants::part.eq(part))
        .count()
        .get_result(&mut app.conn())
        .expect("case participants")
}

/// A user's revoked grants on a case.
pub fn revoked_participants(app: &TestApp, case_id: &str, user_id: &str) -> i64 {
    case_participants::table
        .filter(case_participants::case_id.eq(case_id))
        .filter(case_participants::user_id.eq(user_id))
        .filter(case_participants::revoked_at.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .expect("case participants")
}

/// The recipient kinds of every decision notice.
pub fn notice_recipient_kinds(app: &TestApp) -> Vec<String> {
    decision_notices::table.select(decision_notices::recipient_kind).load(&mut app.conn()).expect("notices")
}

/// The body of the first decision notice to this kind of recipient whose subject is LIKE the pattern.
pub fn notice_body(app: &TestApp, recipient_kind: &str, subject_like: &str) -> String {
    decision_notices::table
        .filter(decision_notices::recipient_kind.eq(recipient_kind))
        .filter(decision_notices::subject.like(subject_like))
        .select(decision_notices::body)
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("{recipient_kind} notice {subject_like:?}: {e}"))
}

/// The due dates of every takedown recheck, earliest first.
pub fn recheck_due_dates(app: &TestApp) -> Vec<NaiveDate> {
    takedown_rechecks::table
        .select(takedown_rechecks::due_on)
        .order(takedown_rechecks::due_on.asc())
        .load(&mut app.conn())
        .expect("rechecks")
}

/// Every message in the outbox due to be tried at `at`.
pub fn outbox_due_at(app: &TestApp, at: NaiveDateTime) {
    diesel::update(outbox::table).set(outbox::next_attempt_at.eq(at)).execute(&mut app.conn()).expect("outbox");
}

/// The figures CSV of the (first) saved report snapshot.
pub fn snapshot_figures_csv(app: &TestApp) -> String {
    report_snapshots::table.select(report_snapshots::figures_csv).first(&mut app.conn()).expect("a snapshot")
}

/// Tampering: every saved snapshot's figures replaced.
pub fn overwrite_snapshot_figures(app: &TestApp, csv: &str) {
    diesel::update(report_snapshots::table)
        .set(report_snapshots::figures_csv.eq(csv))
        .execute(&mut app.conn())
        .expect("snapshots");
}

/// The capacity test's question codes, in order.
pub fn capacity_question_codes(app: &TestApp) -> Vec<String> {
    capacity_questions::table
        .order(capacity_questions::position.asc())
        .select(capacity_questions::code)
        .load(&mut app.conn())
        .expect("capacity questions")
}
