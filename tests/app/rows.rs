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

/// Tampering: a file row of an item now points at another stored file.
pub fn point_evidence_file_at(app: &TestApp, file_id: &str, sha256: &str) {
    let changed = diesel::update(evidence_files::table.find(file_id))
        .set(evidence_files::sha256.eq(sha256))
        .execute(&mut app.conn())
        .expect("evidence files");
    assert_eq!(changed, 1);
}

/// Tampering: a file row is deleted.
pub fn delete_evidence_file(app: &TestApp, file_id: &str) {
    let deleted = diesel::delete(evidence_files::table.find(file_id)).execute(&mut app.conn()).expect("evidence files");
    assert_eq!(deleted, 1);
}

/// Tampering: a file row added to an item behind the custody log's back (a copy of `like`).
pub fn add_evidence_file_row(app: &TestApp, like: &standards_desk::models::evidence::EvidenceFile, name: &str) {
    let mut row = like.clone();
    row.id = standards_desk::models::new_id();
    row.original_name = name.into();
    standards_desk::models::evidence::insert_file(&mut app.conn(), &row).expect("evidence files");
}

/// Tampering: an item's current version edited in place.
pub fn edit_evidence_version(app: &TestApp, item_id: &str, edit: &str) {
    use standards_desk::db::schema::evidence_versions as v;
    let mut conn = app.conn();
    let version: i32 =
        evidence_items::table.find(item_id).select(evidence_items::current_version).first(&mut conn).unwrap();
    let target = v::table.filter(v::item_id.eq(item_id)).filter(v::version.eq(version));
    let at = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap().and_hms_opt(8, 0, 0).unwrap();
    let changed = match edit {
        "title" => diesel::update(target).set(v::title.eq("A harmless post")).execute(&mut conn),
        "post_text" => diesel::update(target).set(v::post_text.eq(Some("Nothing to see here."))).execute(&mut conn),
        "captured_at" => diesel::update(target).set(v::captured_at.eq(at)).execute(&mut conn),
        other => panic!("no such edit {other}"),
    }
    .expect("evidence versions");
    assert_eq!(changed, 1);
}

/// Tampering by someone with database access but not `EVIDENCE_KEY`: every custody entry of the
/// item rewritten by `edit` and the whole chain rebuilt with plain SHA-256 links.
pub fn rebuild_custody_chain(
    app: &TestApp,
    item_id: &str,
    edit: impl Fn(&mut standards_desk::models::evidence::CustodyEntry),
) {
    use standards_desk::services::evidence::custody;
    let mut conn = app.conn();
    let mut prev = custody::GENESIS.to_string();
    let entries = standards_desk::models::evidence::custody(&mut conn, item_id).expect("custody log");
    let count = entries.len() as i32;
    for mut e in entries {
        edit(&mut e);
        e.prev_hash = prev.clone();
        e.hash_scheme = custody::PLAIN.into();
        e.entry_hash = custody::chain_hash(&prev, &e);
        diesel::update(custody_log::table.find(&e.id))
            .set((
                custody_log::details.eq(&e.details),
                custody_log::prev_hash.eq(&e.prev_hash),
                custody_log::entry_hash.eq(&e.entry_hash),
                custody_log::hash_scheme.eq(&e.hash_scheme),
            ))
            .execute(&mut conn)
            .expect("custody log");
        prev = e.entry_hash;
    }
    standards_desk::models::evidence::set_custody_head(&mut conn, item_id, &prev, count).expect("head");
}

/// Tampering: every custody entry of the item labelled with another hash scheme.
pub fn set_custody_scheme(app: &TestApp, item_id: &str, scheme: &str) {
    diesel::update(custody_log::table.filter(custody_log::item_id.eq(item_id)))
        .set(custody_log::hash_scheme.eq(scheme))
        .execute(&mut app.conn())
        .expect("custody log");
}

/// Tampering: an evidence item deleted with everything that refers to it.
pub fn delete_evidence_item(app: &TestApp, item_id: &str) {
    use standards_desk::db::schema::{evidence_allegations, evidence_versions};
    let mut conn = app.conn();
    diesel::delete(custody_log::table.filter(custody_log::item_id.eq(item_id))).execute(&mut conn).unwrap();
    diesel::delete(evidence_files::table.filter(evidence_files::item_id.eq(item_id))).execute(&mut conn).unwrap();
    diesel::delete(evidence_versions::table.filter(evidence_versions::item_id.eq(item_id))).execute(&mut conn).unwrap();
    diesel::delete(evidence_allegations::table.filter(evidence_allegations::item_id.eq(item_id)))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(diesel::delete(evidence_items::table.find(item_id)).execute(&mut conn).unwrap(), 1);
}

/// Time passing: every draft last touched, and every stored file stored, `days` ago.
pub fn age_drafts_and_files(app: &TestApp, days: i64) {
    use standards_desk::db::schema::complaint_drafts;
    let at = standards_desk::models::now() - chrono::Duration::days(days);
    let mut conn = app.conn();
    diesel::update(complaint_drafts::table).set(complaint_drafts::updated_at.eq(at)).execute(&mut conn).unwrap();
    diesel::update(stored_files::table).set(stored_files::created_at.eq(at)).execute(&mut conn).unwrap();
}

/// A rate-limit event `hours` ago.
pub fn rate_event_hours_ago(app: &TestApp, hours: i64) {
    let at = standards_desk::models::now() - chrono::Duration::hours(hours);
    standards_desk::models::file::insert_rate_event(
        &mut app.conn(),
        &standards_desk::models::new_id(),
        "complaint-form",
        "192.0.2.9",
        at,
    )
    .unwrap();
}

/// The SHA-256 of the investigation's final report.
pub fn final_report_sha256(app: &TestApp) -> String {
    investigation_entries::table
        .filter(investigation_entries::kind.eq("final-report"))
        .select(investigation_entries::sha256.assume_not_null())
        .first(&mut app.conn())
        .expect("final report")
}

/// The id of the investigation's first entry of a kind (`final-report`, `draft-report`…).
pub fn investigation_entry_id(app: &TestApp, kind: &str) -> String {
    investigation_entries::table
        .filter(investigation_entries::kind.eq(kind))
        .select(investigation_entries::id)
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("{kind} entry: {e}"))
}

/// The client addresses recorded in an item's custody log.
pub fn custody_ip_addresses(app: &TestApp, item_id: &str) -> Vec<String> {
    custody_log::table
        .filter(custody_log::item_id.eq(item_id))
        .filter(custody_log::ip_address.is_not_null())
        .select(custody_log::ip_address.assume_not_null())
        .load(&mut app.conn())
        .expect("custody log")
}

/// The id of a case's first capacity assessment.
pub fn assessment_id(app: &TestApp, case_id: &str) -> String {
    use standards_desk::db::schema::capacity_assessments as a;
    a::table.filter(a::case_id.eq(case_id)).select(a::id).first(&mut app.conn()).expect("an assessment")
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

/// Writes an outbox row by hand, as one stored before names were checked at intake might be;
/// due at `due`. Returns its id.
pub fn insert_outbox(
    app: &TestApp,
    case_id: Option<&str>,
    to_address: &str,
    to_name: &str,
    due: NaiveDateTime,
) -> String {
    use standards_desk::models::outbox::{self as outbox_rows, OutboxMessage};
    let id = standards_desk::models::new_id();
    let message = OutboxMessage {
        id: id.clone(),
        case_id: case_id.map(str::to_string),
        template: "acknowledgement".into(),
        to_address: to_address.into(),
        to_name: Some(to_name.into()),
        subject: "Your complaint\r\nBcc: subject@evil.example".into(),
        body_text: "Dear complainant,\r\nThank you.\n".into(),
        body_html: None,
        status: outbox_rows::QUEUED.into(),
        attempts: 0,
        next_attempt_at: due,
        last_error: None,
        created_at: due,
        sent_at: None,
        letter_template_id: None,
        context_json: None,
    };
    outbox_rows::insert(&mut app.conn(), &message).expect("outbox row");
    id
}

/// One outbox message.
pub fn outbox_message(app: &TestApp, id: &str) -> standards_desk::models::outbox::OutboxMessage {
    standards_desk::models::outbox::find(&mut app.conn(), id).expect("outbox").expect("the message exists")
}

/// Leaves a message as a worker that crashed mid-send would: `sending`, claimed `at`.
pub fn outbox_left_sending(app: &TestApp, id: &str, at: NaiveDateTime) {
    diesel::update(outbox::table.find(id))
        .set((outbox::status.eq("sending"), outbox::next_attempt_at.eq(at), outbox::sent_at.eq(None::<NaiveDateTime>)))
        .execute(&mut app.conn())
        .expect("outbox");
}

/// Tampering: every password link expired a minute ago.
pub fn expire_password_links(app: &TestApp) {
    use standards_desk::db::schema::password_resets;
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    diesel::update(password_resets::table)
        .set(password_resets::expires_at.eq(past))
        .execute(&mut app.conn())
        .expect("password links");
}

/// Every value of a text column of a table.
pub fn stored_values(app: &TestApp, table: &str, column: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query(format!("SELECT {column} AS v FROM {table}"))
        .load::<V>(&mut app.conn())
        .unwrap_or_else(|e| panic!("{table}.{column}: {e}"))
        .into_iter()
        .map(|r| r.v)
        .collect()
}

/// A hearing on the case that sat on `sat` and whose outcome was recorded on `recorded` (for the
/// report's counting, without walking a case to it).
pub fn hearing_held(app: &TestApp, case_id: &str, sat: NaiveDate, recorded: NaiveDate) {
    use standards_desk::db::schema::hearings as h;
    let ip = app.user("ip@southvale.example");
    let at = |d: NaiveDate| d.and_hms_opt(10, 0, 0).unwrap();
    diesel::insert_into(h::table)
        .values((
            h::id.eq(standards_desk::models::new_id()),
            h::case_id.eq(case_id),
            h::starts_at.eq(at(sat)),
            h::ip_user_id.eq(&ip.id),
            h::fixed_at.eq(Some(at(sat - chrono::Duration::days(20)))),
            h::outcome_recorded_at.eq(Some(at(recorded))),
            h::created_by_user_id.eq(&ip.id),
            h::created_at.eq(at(sat - chrono::Duration::days(20))),
            h::updated_at.eq(at(recorded)),
        ))
        .execute(&mut app.conn())
        .expect("hearing");
}

/// A council's nation ("england", "wales").
pub fn set_nation(app: &TestApp, authority_id: &str, nation: &str) {
    use standards_desk::db::schema::authorities as a;
    diesel::update(a::table.filter(a::id.eq(authority_id)))
        .set(a::nation.eq(nation))
        .execute(&mut app.conn())
        .expect("authority");
}

/// The review requests of a decision, oldest first.
pub fn review_ids(app: &TestApp, decision_id: &str) -> Vec<String> {
    use standards_desk::db::schema::review_requests as r;
    r::table
        .filter(r::decision_id.eq(decision_id))
        .order(r::recorded_at.asc())
        .select(r::id)
        .load(&mut app.conn())
        .expect("review requests")
}

/// The status of the first decision notice to this kind of recipient (draft, sent, published…).
pub fn notice_status(app: &TestApp, recipient_kind: &str) -> String {
    decision_notices::table
        .filter(decision_notices::recipient_kind.eq(recipient_kind))
        .select(decision_notices::status)
        .first(&mut app.conn())
        .expect("notice")
}
