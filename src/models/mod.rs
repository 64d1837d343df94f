//! Rows, insert/update structs and queries, one file per table family. Query functions take
//! `&mut DbConnection` so that services compose them inside one transaction.

pub mod assessment;
pub mod audit;
pub mod authority;
pub mod calendar;
pub mod capacity;
pub mod case;
pub mod code;
pub mod complaint;
pub mod conflict;
pub mod desk;
pub mod enums;
pub mod evidence;
pub mod file;
pub mod gates;
pub mod hearing;
pub mod letter_template;
pub mod member;
pub mod outbox;
pub mod party;
pub mod password_reset;
pub mod recovery_code;
pub mod register;
pub mod report;
pub mod retention;
pub mod session;
pub mod setting;
pub mod takedown;
pub mod user;
pub mod written_confirmation;

use chrono::{NaiveDateTime, Utc};

/// A new identifier: a random UUID, stored as TEXT.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Now, in UTC, to the microsecond (what both backends keep).
pub fn now() -> NaiveDateTime {
    use chrono::SubsecRound;
    Utc::now().naive_utc().trunc_subsecs(6)
}
