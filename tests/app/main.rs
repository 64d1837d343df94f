//! Integration tests: one binary, each test on its own database (SQLite by default; PostgreSQL
//! when TEST_DATABASE_URL is set, as `.ci/run` does).

mod fixtures;
mod harness;
mod rows;

mod access;
mod accessibility;
mod admin;
mod assessment;
mod auth;
mod backup;
mod browser;
mod calendar;
mod capacity_v2;
mod cases;
mod cli;
mod conflicts;
mod database;
mod desk;
mod evidence;
mod fuzz;
mod gates;
mod hearing;
mod instances;
mod intake;
mod labels;
mod letter_templates;
mod letters;
mod load;
mod mail;
mod ops;
mod pages;
mod parties;
mod perf;
mod publication;
mod register;
mod register_use;
mod reports;
mod retention;
mod reviews;
mod sanctions;
mod schema_drift;
mod signin;
mod smtp;
mod sso;
mod takedown;
