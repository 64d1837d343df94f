//! Streaming a file from disk to the client in chunks (never whole into memory).

use actix_web::web::Bytes;
use futures_util::Stream;
use std::path::PathBuf;
use tokio::io::AsyncReadExt;

pub fn stream_file(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// A temporary file removed when dropped (for bundles built on disk before they are sent).
pub struct TempFile(pub PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
