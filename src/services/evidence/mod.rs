//! Evidence: captured posts and account profiles with their files, corrections as new versions,
//! links to allegations, and the custody log: every upload, view, download, export, verification
//! and status change, each entry hash-chained to the one before.
//!
//! - [`items`]: adding, correcting, files, status checks, reading.
//! - [`form`]: the evidence form and its checks; [`drafts`]: the form's uploads kept while it is
//!   shown again.
//! - [`custody`]: the hash chain; [`verify`]: re-hashing files and re-walking chains;
//!   [`export`]: the case's evidence bundle.
//! - the file store is `crate::services::files`.
//! - [`rules`]: who may change or export evidence; [`pages`]: what the pages show.

pub mod account_link;
pub mod custody;
pub mod drafts;
pub mod export;
pub mod form;
pub mod items;
pub mod pages;
pub mod rules;
pub mod verify;

pub use crate::services::files::StoredUpload;
pub use custody::{append_custody, with_retry, CustodyAction};
pub use drafts::owner_of as draft_owner;
pub use export::{export, Manifest, ManifestFile, ManifestItem};
pub use form::EvidenceForm;
pub use items::{
    access_file, add, add_files, correct, find, from_complaint, list_for_case, mark_removed, record_file_access,
    set_status, shown_inline, submit, view, ItemView, Submission, Submitted, Uploads,
};
pub use pages::{
    case_section, correction_page, item_page, new_page, Choice, CorrectionPage, EvidenceActions, EvidenceRow,
    EvidenceSection, ItemPage, NewEvidencePage, Resubmitted, Tag,
};
pub use verify::{check_item, hash_stored, verify, verify_all, VerifyReport};
