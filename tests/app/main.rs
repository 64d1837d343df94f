//! Integration tests: one binary, each test on its own database (SQLite by default; PostgreSQL
//! when TEST_DATABASE_URL is set, as `.ci/run` does).

mod fixtures;
mod harness;
mod rows;

mod admin;
mod assessment;
mod auth;
mod browser;
mod calendar;
mod cases;
mod cli;
mod database;
mod evidence;
mod hearing;
mod intake;
mod mail;
mod pages;
mod register;
mod reports;
mod schema_drift;
mod smtp;
mod takedown;
