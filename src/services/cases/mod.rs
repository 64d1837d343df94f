//! Cases: the state machine (`state`), deadlines in working days (`deadlines`), finding a case
//! for someone who may see or work on it (`find`), who may do what (`rules`), what officers do
//! from the case page (`actions`), the case list with its filters and search (`list`) and the
//! case page's own parts as a typed view (`view`).
//!
//! `cases` imports no other case-work domain (evidence, takedown, assessment, hearing): the case
//! page puts their sections beside this one in `services::case_page`.

pub mod actions;
pub mod deadlines;
pub mod find;
pub mod list;
pub mod member_notice;
pub mod rules;
pub mod state;
pub mod view;
pub mod written;

pub use actions::{acknowledge, acknowledge_complaint, add_note, assign, move_complaint, notify_member};
pub use deadlines::{deadline, deadlines_of, Deadline};
pub use find::{find_visible, find_workable};
pub use list::{
    due_lists, list, list_page, member_choices, officer_choices, officers, refresh_search_text, CaseList, CaseListPage,
    CaseQuery, CaseRow, Choice, DueLists, PAGE_SIZE,
};
pub use rules::{may_log_complaint, may_work};
pub use state::{reopen_for_review, transition};
pub use view::{detail, CaseView};
