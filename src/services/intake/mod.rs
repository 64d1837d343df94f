//! Complaint intake: the form and its checks (`form`), drafts so nothing typed or uploaded is
//! lost (`drafts`), the form page (`page`), creating a case or adding to one about the same
//! conduct (`create`), and the two ways in: the public form (`public`) and complaints logged
//! by officers (`staff`).

pub mod create;
pub mod drafts;
pub mod form;
pub mod page;
pub mod public;
pub mod staff;

pub use create::matching_cases;
pub use drafts::{find_draft, open_draft, owner_hash, purge_stale_drafts, Attachments};
pub use form::{
    authority_choices, check, provision_choices, register_choices, Channel, Checked, Choice, ComplaintForm,
};
pub use page::FormPage;
pub use public::{submit_public, FormPost, Sender};
pub use staff::{log_by_staff, Logged};
