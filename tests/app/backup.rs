//! `backup` and `restore` (issue 20): a backup taken while complaints are being submitted to the
//! running server restores into an empty data directory, and `verify-evidence` passes there.
//! SQLite only: on PostgreSQL the database is backed up with pg_dump (README).

use crate::harness::TestDb;
use crate::ops::http_client::Client;
use crate::ops::{councillor, submit_once, Server};
use standards_desk::db::Backend;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

fn run(args: &[&str], env: &[(&str, &std::path::Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_standards-desk"));
    c.args(args).env_remove("DATABASE_URL").env_remove("EVIDENCE_DIR").env("RUST_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the command runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn a_backup_taken_during_submissions_restores_and_verifies() {
    let db = TestDb::empty_of(Backend::Sqlite).expect("SQLite");
    let data = db.dir.path().join("data");
    let url = db.url.target.clone();
    let server = Server::start(&db, &data, &[]);
    let mut client = server.client();
    let councillor = councillor(&mut client);
    for n in 0..3 {
        assert!(submit_once(&mut client, &councillor, n).unwrap().acknowledged);
    }

    // Submitters keep going while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU32::new(100));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (base, councillor, stop, next) = (server.base.clone(), councillor.clone(), stop.clone(), next.clone());
            std::thread::spawn(move || {
                let mut client = Client::connect(&base).unwrap();
                let mut done = 0;
                while !stop.load(Ordering::Relaxed) && done < 200 {
                    let o = submit_once(&mut client, &councillor, next.fetch_add(1, Ordering::Relaxed)).unwrap();
                    assert!(o.statuses.iter().all(|s| *s < 500), "{:?}", o.statuses);
                    done += usize::from(o.acknowledged);
                }
                done
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let backup_dir = db.dir.path().join("backup");
    let db_path = std::path::PathBuf::from(&url);
    let out = run(
        &["backup", "--to", backup_dir.to_str().unwrap()],
        &[
            ("DATA_DIR", data.as_path()),
            ("DATABASE_URL", std::path::Path::new(&format!("sqlite://{}", db_path.display()))),
        ],
    );
    stop.store(true, Ordering::Relaxed);
    let during: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Backed up the database and"), "{}", text(&out));
    assert!(during > 0, "submissions went on during the backup");
    drop(server);

    let manifest = std::fs::read_to_string(backup_dir.join("MANIFEST.sha256")).unwrap();
    assert!(manifest.lines().next().unwrap().ends_with("  standards-desk.db"), "{manifest}");
    assert!(manifest.lines().count() > 3, "evidence files are listed: {manifest}");

    // Into an empty data directory.
    let restored = db.dir.path().join("restored");
    let out = run(&["restore", "--from", backup_dir.to_str().unwrap()], &[("DATA_DIR", restored.as_path())]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("each matching the manifest"), "{}", text(&out));
    assert!(text(&out).contains("all match"), "{}", text(&out));
    let out = run(&["verify-evidence"], &[("DATA_DIR", restored.as_path())]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("All match."), "{}", text(&out));
    let restored_url =
        standards_desk::db::DatabaseUrl::parse(&format!("sqlite://{}", restored.join("standards-desk.db").display()))
            .unwrap();
    assert!(crate::ops::references_in(&restored_url).len() >= 3);

    // Not over a data directory in use, and not from a backup that was tampered with.
    let again = run(&["restore", "--from", backup_dir.to_str().unwrap()], &[("DATA_DIR", restored.as_path())]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("restore into an empty data directory"), "{}", text(&again));
    let evidence_file = manifest.lines().nth(1).unwrap().split_once("  ").unwrap().1.to_string();
    let tampered = backup_dir.join(&evidence_file);
    let mut perms = std::fs::metadata(&tampered).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&tampered, perms).unwrap();
    std::fs::write(&tampered, b"changed").unwrap();
    let out =
        run(&["restore", "--from", backup_dir.to_str().unwrap()], &[("DATA_DIR", db.dir.path().join("r2").as_path())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("does not match its manifest"), "{}", text(&out));
}
