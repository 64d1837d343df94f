//! The file store, where the other domains (intake, hearing, the CLI) find it. It lives with the
//! evidence it mostly holds: [`crate::services::evidence::store`].

pub use crate::services::evidence::store::{
    clean_file_name, commit_all, sniff, sniff_file, FileStore, Kind, Received, StoredUpload, UploadError, UploadSink,
    ALL_KINDS, COMPLAINT_KINDS, EVIDENCE_KINDS,
};
