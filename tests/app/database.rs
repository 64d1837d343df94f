use crate::harness::{TestApp, TestDb};
use crate::rows;
use diesel::prelude::*;
use standards_desk::db::{DatabaseUrl, DbError};
use standards_desk::models::{authority, case, code, member, user};
use standards_desk::services::{demo, reference};

fn table_exists(conn: &mut standards_desk::db::DbConnection, table: &str) -> bool {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = match conn.backend() {
        standards_desk::db::Backend::Sqlite => {
            format!("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
        }
        standards_desk::db::Backend::Postgres => format!(
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
    };
    diesel::sql_query(sql).get_result::<N>(conn).unwrap().n == 1
}

#[test]
fn migrations_run_up_down_and_up_again() {
    let db = TestDb::empty();
    let mut conn = db.connect();
    let names = conn.migration_names();
    assert!(!names.is_empty());
    let applied = conn.run_migrations().unwrap();
    assert_eq!(applied.len(), names.len());
    for t in
        ["authorities", "cases", "complaints", "allegations", "audit_log", "sessions", "outbox", "capacity_questions"]
    {
        assert!(table_exists(&mut conn, t), "{t} exists after up");
    }
    let reverted = conn.revert_all_migrations().unwrap();
    assert_eq!(reverted.len(), names.len());
    assert!(!table_exists(&mut conn, "cases"), "cases is gone after down");
    assert!(!table_exists(&mut conn, "users"));
    assert_eq!(conn.run_migrations().unwrap().len(), names.len());
    assert!(table_exists(&mut conn, "cases"));
    assert!(conn.run_migrations().unwrap().is_empty(), "nothing pending");
}

#[test]
fn both_backends_have_the_same_migrations() {
    let list = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"));
}

#[actix_web::test]
async fn reference_data_loads_once_and_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    assert_eq!(rows::count(&app, "code_provisions"), 10, "LGA model code obligations 1 to 10");
    let lga = code::find_code_by_slug(&mut conn, "lga-model-code-2020").unwrap().expect("LGA code");
    let version = code::find_version(&mut conn, &lga.id, "2020").unwrap().unwrap();
    let headings: Vec<_> =
        code::list_provisions(&mut conn, &version.id).unwrap().into_iter().map(|p| p.heading).collect();
    assert_eq!(headings[0], "Respect");
    assert_eq!(headings[9], "Gifts and hospitality");
    let codes = rows::capacity_question_codes(&app);
    assert_eq!(codes.first().map(String::as_str), Some("G1"));
    assert_eq!(codes.len(), 30, "G1, G2, C1 to C11, P1, P2 of each of versions 1 and 2");
    assert!(codes.contains(&"C11".to_string()) && codes.contains(&"P2".to_string()));

    let again = reference::load(&mut conn).unwrap();
    assert!(again.loaded.is_empty() && again.warnings.is_empty(), "{again:?}");
    assert_eq!(rows::count(&app, "code_provisions"), 10);
}

#[test]
fn the_capacity_test_definition_is_consistent() {
    let defs = reference::capacity_definitions().unwrap();
    assert_eq!(defs[0].0.version, 1);
    assert_eq!(defs[0].0.outcomes.len(), 4);
    assert_eq!(defs[1].0.version, 2);
    assert_eq!(defs[1].0.outcomes.keys().collect::<Vec<_>>(), defs[0].0.outcomes.keys().collect::<Vec<_>>());
}

#[actix_web::test]
async fn demo_data_loads_once_with_staff_of_every_role() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    let report = demo::load(&mut conn).unwrap();
    assert!(!report.already_loaded);
    assert!(report.sign_in_details().contains("mo@southvale.example"));
    let roles: Vec<String> = user::list_all(&mut conn).unwrap().into_iter().map(|u| u.role).collect();
    for role in standards_desk::models::user::Role::ALL {
        assert!(roles.iter().any(|r| r == role.as_str()), "a demo user is {role}");
    }
    let district = authority::find_by_slug(&mut conn, "southvale").unwrap().unwrap();
    let parish = authority::find_by_slug(&mut conn, "millbrook").unwrap().unwrap();
    assert_eq!(parish.principal_authority_id.as_deref(), Some(district.id.as_str()));
    assert!(member::count(&mut conn).unwrap() >= 5);
    let today = chrono::Utc::now().date_naive();
    assert!(code::version_in_force(&mut conn, &parish.id, today).unwrap().is_some(), "the parish has a code in force");
    assert_eq!(case::count(&mut conn).unwrap(), 4, "the demo cases are logged through intake");
    let again = demo::load(&mut conn).unwrap();
    assert!(again.already_loaded);
    assert_eq!(case::count(&mut conn).unwrap(), 4);
    assert_eq!(rows::count(&app, "users"), 9);
    assert_eq!(rows::count(&app, "user_members"), 3, "the committee members are councillors on the register");
}

#[test]
fn database_urls_are_checked_with_clear_messages() {
    assert!(matches!(DatabaseUrl::parse("mysql://root@localhost/x"), Err(DbError::UnknownScheme(s)) if s == "mysql"));
    assert!(matches!(DatabaseUrl::parse("just-a-file.db"), Err(DbError::NoScheme(_))));
    assert!(matches!(DatabaseUrl::parse("sqlite://"), Err(DbError::EmptySqlitePath(_))));
    let sqlite = DatabaseUrl::parse("sqlite://./data/standards-desk.db").unwrap();
    assert_eq!(sqlite.target, "./data/standards-desk.db");
    let pg = DatabaseUrl::parse("postgresql://u@localhost/db").unwrap();
    assert_eq!(pg.backend, standards_desk::db::Backend::Postgres);
    let msg = DatabaseUrl::parse("mysql://root@localhost/x").unwrap_err().to_string();
    assert!(msg.contains("not supported") && msg.contains("sqlite://"), "{msg}");
}
