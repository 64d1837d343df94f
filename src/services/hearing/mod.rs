//! The hearing (domain.md §a, states 9–11): its arrangements with the conflict check, the bundle,
//! the findings per allegation, sanctions with their follow-up, and the decision notices (with
//! an anonymised version for publication). The case closes when every sanction is complied with
//! or recorded as not. The investigation before it is `services::investigation`.
//!
//! `rules` says who may do what; the actions refuse through it and the page's flags ask it.

pub mod allegations;
pub mod arrangements;
pub mod bundle;
pub mod find;
pub mod findings;
pub mod page;
pub mod rules;

pub use arrangements::{adjourn_hearing, conflicts, fix_hearing, save_hearing, ConflictFlag, HearingInput};
pub use bundle::{bundle, bundle_image, Bundle};
pub use find::find_hearing;
pub use findings::{
    add_sanction, after_notices_sent, findings_from_pairs, follow_ups_due, issue_decision, record_compliance,
    record_findings, FindingInput, FollowUp, SanctionInput,
};
pub use page::{case_links, page, CaseLink, CaseLinks, HearingPage, Typed};

// The investigation moved to `services::investigation`; these paths stay for their callers.
pub use crate::services::investigation::{appoint, decide_after_investigation, AppointInput, PostDecisionInput};
