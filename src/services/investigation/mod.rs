//! After the decision to investigate (domain.md §a, states 7–8): the investigator's
//! appointment, the notes and reports gathered, the end of the investigation, and the
//! post-investigation decision (which needs an Independent Person's view, Localism Act 2011
//! s.28(7)). The hearing that may follow is `services::hearing`.
//!
//! `rules` says who may do what; the actions refuse through it and the page's flags ask it.

pub mod appointment;
pub mod completion;
pub mod decision;
pub mod entries;
pub mod forms;
pub mod page;
pub mod rules;

pub use appointment::{appoint, AppointInput};
pub use completion::complete;
pub use decision::{decide_after_investigation, PostDecisionInput};
pub use entries::{add_entry, entry_file, EntryFiles, EntryInput};
pub use forms::Choice;
pub use page::{page, InvestigationPage, Typed};
