//! The binary itself: start-up errors are clear messages, never panics.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_standards-desk"));
    c.env_remove("DATABASE_URL").env_remove("DATA_DIR").env("RUST_LOG", "warn");
    c
}

#[test]
fn an_unknown_database_scheme_is_refused_clearly() {
    let out = bin().args(["migrate"]).env("DATABASE_URL", "mysql://root@localhost/x").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error: DATABASE_URL scheme \"mysql\" is not supported"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_unreachable_postgres_is_reported_without_a_crash() {
    let out = bin()
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error: could not connect to the database"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_missing_data_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("not/there/yet");
    let out = bin().args(["migrate"]).env("DATA_DIR", &data).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(data.join("standards-desk.db").exists());
}

/// Two processes opening one new SQLite file at the same moment (two instances, or an instance
/// and `migrate`) both switch it to WAL; the second used to fail at once with "database is
/// locked" (about one pair in four on the development machine). Twelve pairs, none may fail.
#[test]
fn two_processes_opening_one_new_sqlite_file_at_once_both_start() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..12 {
        let url = format!("sqlite://{}", dir.path().join(format!("race-{n}.db")).display());
        let spawn = |who: &str| {
            bin()
                .args(["migrate"])
                .env("DATABASE_URL", &url)
                .env("DATA_DIR", dir.path().join(format!("{who}-{n}")))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("a"), spawn("b"));
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "pair {n}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
fn a_data_directory_that_cannot_be_created_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = bin().args(["migrate"]).env("DATA_DIR", file.join("data")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not be created"), "{err}");
}

#[test]
fn create_user_reads_the_password_from_stdin_and_seed_demo_prints_sign_in_details() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args([
            "create-user",
            "--email",
            "mo@council.example",
            "--name",
            "Morgan Price",
            "--role",
            "monitoring-officer",
        ])
        .env("DATA_DIR", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Created Morgan Price <mo@council.example> as Monitoring Officer"));

    let bad_role = bin()
        .args(["create-user", "--email", "x@council.example", "--name", "X", "--role", "mayor"])
        .env("DATA_DIR", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(bad_role.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role \"mayor\""));

    let seed = bin().args(["seed", "--demo"]).env("DATA_DIR", dir.path()).output().unwrap();
    assert!(seed.status.success(), "{}", String::from_utf8_lossy(&seed.stderr));
    let out = String::from_utf8_lossy(&seed.stdout);
    assert!(out.contains("officer@southvale.example") && out.contains("password: demo-password"), "{out}");
    let again = bin().args(["seed", "--demo"]).env("DATA_DIR", dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("already loaded"));
}
