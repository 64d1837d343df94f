//! The initial assessment: capacity assessments per member (the engine suggests, the Monitoring
//! Officer concludes), the Article 10 stage and Independent Person consultations, with the rules
//! that say who may do each and when. The decision that ends the stage, its notices and review
//! requests are `services::decisions` (which uses this module; this module never uses it).
//!
//! - `engine`: the pure capacity test engine (answers + definition → suggestion)
//! - `engaged`: whose code is engaged (members on more than one council)
//! - `capacity`: assessing and concluding
//! - `article10`, `independent_person`: the other parts of the stage
//! - `pages`, `summary`: the typed views (the assessment pages; the case page's section)
//! - `help`: the test explained from its definitions (every version), for `/help/capacity-test`
//! - `rules`: who may do what, used by the actions to refuse and by the views for their flags

pub mod article10;
pub mod capacity;
pub mod engaged;
pub mod engine;
pub mod help;
pub mod independent_person;
pub mod pages;
pub mod rules;
pub mod summary;

/// Moved to `vocab` (beside `stage_outcome_label`); kept here for callers of the old path.
pub use crate::services::vocab::decision_label;
pub use crate::services::vocab::Choice;
pub use article10::{record_article10, Article10Input, Article10View};
pub use capacity::{assess, conclude, definition, AnswerInput, ConcludeInput};
pub use engaged::{engaged_authority, EngagedAuthority};
pub use help::{capacity_test_help, CapacityHelp};
pub use independent_person::{record_ip_view, request_ip_view, request_page, IpRequestInput, IpRequestPage};
pub use pages::{detail, form_data, AssessmentDetail, AssessmentForm, DetailForms};
pub use summary::{summary, AssessmentSummary};
