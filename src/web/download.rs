//! Streaming a file from disk to the client in chunks (never whole into memory).

use actix_web::web::Bytes;
use futures_util::Stream;
use std::path::PathBuf;

pub fn stream_file(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    crate::services::files::stream_file(file)
}

/// A temporary file removed when dropped (for bundles built on disk before they are sent).
pub struct TempFile(pub PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
