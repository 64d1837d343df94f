//! Takedown (removal) requests and informal resolution.
//!
//! - [`requests`]: making a request, recording what happened (a removal only with verification
//!   evidence), re-checks.
//! - [`reminders`]: overdue requests (reminders, the dashboard's list) and re-checks falling due.
//! - [`informal`]: informal resolution's agreed actions, closing as resolved, the member's refusal.
//! - [`rules`]: who may do what; [`pages`]: what the pages show.

pub mod informal;
pub mod pages;
pub mod reminders;
pub mod requests;
pub mod rules;

pub use informal::{add_action, close_resolved, complete_action, member_refused};
pub use pages::{
    case_section, new_page, request_page, AgreedAction, NewRequestPage, RequestPage, RequestRow, TakedownActions,
    TakedownSection,
};
pub use reminders::{overdue_for, queue_overdue_reminders, queue_recheck_reminders, OverdueTakedown};
pub use requests::{
    default_text, find, recheck, record, request, update, Change, Outcome, RequestInput, RequestRef, Verification,
};
