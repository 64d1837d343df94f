//! Decisions: the initial-assessment decision (`initial`), sending the drafted notices of any
//! decision (`sending`: initial, after investigation, hearing) and review requests (`review`).
//! Who may do each is decided by `services::assessment::rules` (the case page's summary shows the
//! same rules as flags). This module uses `assessment` and `hearing`; neither uses it.

pub mod initial;
pub mod review;
pub mod review_outcome;
pub mod sending;

pub use initial::{decide, decision_page, DecisionInput, DecisionPage};
pub use review::{record_review, ReviewInput};
pub use review_outcome::{decide_review, ReviewDecided, ReviewOutcomeInput};
pub use sending::{
    approve_publication, notices_page, send_notices, NoticeEdit, NoticeView, NoticesPage, PublicationInput,
};
