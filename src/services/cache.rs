//! An in-memory cache of what is built from reference tables (councils, the register of members,
//! codes of conduct and their adoption) and read on every form view, such as the public
//! complaint form's choices.
//!
//! Invalidation is the database's: triggers on those tables give the one row of
//! `reference_generation` a new random token in the same transaction as the change (migration
//! `2026-12-02-000140_reference_generation`). A lookup reads the token (one row by its key) and
//! uses what was built under that token; a changed token means a rebuild. So every writer
//! invalidates the cache at once — the admin pages, the import, the CLI, another instance of the
//! server — with no list of writers to keep up to date. The token is random, so the databases of
//! several tests in one process never share entries unless their reference tables are the same
//! copy. The token is read before the rows the value is built from, so a value is never older
//! than the token it is kept under.

use crate::db::schema::reference_generation;
use crate::db::DbConnection;
use diesel::prelude::*;
use std::sync::{Arc, Mutex, PoisonError};

/// How many (token, key) entries a slot keeps: a day's key per channel, with room for the
/// databases of tests running side by side in one process.
const ENTRIES: usize = 16;

/// One cached kind of value, with its key (for example the channel and the day).
pub struct Slot<K, V> {
    entries: Mutex<Vec<(String, K, Arc<V>)>>,
}

impl<K, V> Slot<K, V> {
    pub const fn new() -> Self {
        Self { entries: Mutex::new(Vec::new()) }
    }
}

impl<K, V> Default for Slot<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The current token of the reference tables.
pub fn token(conn: &mut DbConnection) -> QueryResult<String> {
    reference_generation::table.find("reference").select(reference_generation::token).first(conn)
}

/// The value kept for `key` under `token`, if there is one.
pub fn get<K, V>(slot: &Slot<K, V>, token: &str, key: &K) -> Option<Arc<V>>
where
    K: PartialEq,
{
    let entries = slot.entries.lock().unwrap_or_else(PoisonError::into_inner);
    entries.iter().find(|(t, k, _)| t == token && k == key).map(|(_, _, v)| v.clone())
}

/// Keeps `value` for `key` under `token` (read before what the value was built from), and
/// returns what is kept: the value already there if another request built it first.
pub fn put<K, V>(slot: &Slot<K, V>, token: String, key: K, value: V) -> Arc<V>
where
    K: PartialEq,
{
    let mut entries = slot.entries.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, _, v)) = entries.iter().find(|(t, k, _)| *t == token && *k == key) {
        return v.clone();
    }
    if entries.len() >= ENTRIES {
        entries.remove(0);
    }
    let value = Arc::new(value);
    entries.push((token, key, value.clone()));
    value
}

/// The value for `key` built from the reference tables as they are now: the cached one if they
/// have not changed since it was built, else `build`'s (then kept).
pub fn reference<K, V>(
    conn: &mut DbConnection,
    slot: &Slot<K, V>,
    key: K,
    build: impl FnOnce(&mut DbConnection) -> QueryResult<V>,
) -> QueryResult<Arc<V>>
where
    K: PartialEq,
{
    let token = token(conn)?;
    if let Some(v) = get(slot, &token, &key) {
        return Ok(v);
    }
    let value = build(conn)?;
    Ok(put(slot, token, key, value))
}
