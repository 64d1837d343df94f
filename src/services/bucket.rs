//! The evidence store in an S3-compatible bucket (`EVIDENCE_STORE=s3://bucket/prefix`), through
//! `object_store`. Objects are named as files are in a local store, `prefix/ab/cd/abcd…`, by
//! their SHA-256, written once and never overwritten.
//!
//! `object_store` is async. Its requests run on a small runtime of their own (two threads, made
//! once and kept for the life of the process), whoever calls: the blocking helpers here send the
//! work there and wait for the answer, so they may be called from the blocking pool, a command
//! or a test, never from a request's own task; the async ones (downloads, sizes) await it.

use crate::config::S3Settings;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::future::Future;
use std::io;
use std::sync::{Arc, OnceLock};
use tokio::io::AsyncWriteExt;

/// Uploads larger than this go up in parts of this size (S3's smallest part is 5 MiB); at most
/// two parts are in flight, so an upload holds about 16 MiB whatever its size.
const PART_BYTES: usize = 8 * 1024 * 1024;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("evidence-store")
            .enable_all()
            .build()
            .expect("the evidence store's runtime starts")
    })
}

/// Runs `work` on the store's runtime and waits for it (blocking).
fn wait<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime().spawn(async move {
        let _ = tx.send(work.await);
    });
    rx.recv().expect("the evidence store's runtime answers")
}

/// Runs `work` on the store's runtime (from any async context).
async fn run<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    runtime().spawn(work).await.expect("the evidence store's runtime answers")
}

#[derive(Debug, Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    /// `""`, or the prefix with no slash at either end.
    prefix: String,
    url: String,
}

fn is_loopback(endpoint: &str) -> bool {
    let rest = endpoint.strip_prefix("http://").unwrap_or("");
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]") || host.starts_with("127.")
}

impl Bucket {
    pub fn new(settings: &S3Settings) -> Result<Self, String> {
        let (bucket, prefix) = settings.bucket_and_prefix()?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(settings.region.clone().unwrap_or_else(|| "us-east-1".into()));
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
            // Plain HTTP only to a server on this machine (a test server, or a local gateway).
            if is_loopback(endpoint) || settings.allow_http {
                builder = builder.with_allow_http(true);
            }
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        let _inside = runtime().enter();
        let store = builder.build().map_err(|e| format!("EVIDENCE_STORE {}: {e}", settings.url))?;
        Ok(Self { store: Arc::new(store), prefix: prefix.to_string(), url: settings.url.clone() })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn key(&self, name: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    /// The object of the bytes with this hash: `prefix/ab/cd/abcd…`.
    pub fn key_for(&self, sha256: &str) -> ObjectPath {
        self.key(&format!("{}/{}/{sha256}", &sha256[0..2], &sha256[2..4]))
    }

    /// The client, for tests that reach into the bucket as an intruder would.
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    pub fn exists(&self, sha256: &str) -> io::Result<bool> {
        let (store, key) = (self.store.clone(), self.key_for(sha256));
        wait(async move {
            match store.head(&key).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(io::Error::from(e)),
            }
        })
    }

    pub fn remove(&self, sha256: &str) -> io::Result<()> {
        let (store, key) = (self.store.clone(), self.key_for(sha256));
        wait(async move {
            match store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(io::Error::from(e)),
            }
        })
    }

    /// Uploads a local file under its hash unless those bytes are there already: in one request
    /// when small, in parts (a multipart upload) when large, reading the file as it goes.
    pub fn put_file(&self, sha256: &str, from: &std::path::Path) -> io::Result<()> {
        if self.exists(sha256)? {
            return Ok(());
        }
        let (store, key, from) = (self.store.clone(), self.key_for(sha256), from.to_path_buf());
        wait(async move {
            let mut file = tokio::fs::File::open(&from).await?;
            let mut writer = BufWriter::with_capacity(store, key, PART_BYTES).with_max_concurrency(2);
            match tokio::io::copy(&mut file, &mut writer).await {
                Ok(_) => writer.shutdown().await,
                Err(e) => {
                    let _ = writer.abort().await;
                    Err(e)
                }
            }
        })
    }

    pub fn put_bytes(&self, sha256: &str, bytes: &[u8]) -> io::Result<()> {
        if self.exists(sha256)? {
            return Ok(());
        }
        let (store, key, payload) = (self.store.clone(), self.key_for(sha256), PutPayload::from(bytes.to_vec()));
        wait(async move { store.put(&key, payload).await.map(|_| ()).map_err(io::Error::from) })
    }

    /// The stored bytes as a blocking reader: each read takes the next chunk of the response.
    pub fn open(&self, sha256: &str) -> io::Result<Box<dyn io::Read + Send>> {
        let (store, key) = (self.store.clone(), self.key_for(sha256));
        let chunks = wait(async move { store.get(&key).await.map(|r| r.into_stream()) })?;
        Ok(Box::new(ObjectReader { chunks: Some(chunks), current: Bytes::new() }))
    }

    pub async fn size(&self, sha256: &str) -> io::Result<u64> {
        let (store, key) = (self.store.clone(), self.key_for(sha256));
        run(async move { store.head(&key).await.map(|m| m.size).map_err(io::Error::from) }).await
    }

    /// The stored bytes as a stream for a download: a task on the store's runtime reads the
    /// response and hands on a few chunks at a time.
    pub async fn stream(&self, sha256: &str) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let (store, key) = (self.store.clone(), self.key_for(sha256));
        let mut chunks = run(async move { store.get(&key).await.map(|r| r.into_stream()) }).await?;
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
        runtime().spawn(async move {
            while let Some(chunk) = chunks.next().await {
                let failed = chunk.is_err();
                if tx.send(chunk.map_err(io::Error::from)).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }).boxed())
    }

    /// Writes a small object under `tmp/`, reads it back and deletes it (the readiness check).
    pub fn probe(&self) -> io::Result<()> {
        let store = self.store.clone();
        let key = self.key(&format!("tmp/probe-{}", &crate::services::auth::random_token()[..16]));
        wait(async move {
            store.put(&key, PutPayload::from_static(b"ready")).await?;
            let back = store.get(&key).await?.bytes().await;
            let _ = store.delete(&key).await;
            if back? != Bytes::from_static(b"ready") {
                return Err(io::Error::other("the probe object read back differently"));
            }
            Ok(())
        })
    }
}

/// A blocking reader over an object's chunks (each fetched on the store's runtime).
struct ObjectReader {
    chunks: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    current: Bytes,
}

impl io::Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            let Some(mut chunks) = self.chunks.take() else { return Ok(0) };
            let (next, chunks) = wait(async move { (chunks.next().await, chunks) });
            match next {
                None => return Ok(0),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(bytes)) => {
                    self.current = bytes;
                    self.chunks = Some(chunks);
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_for_this_machine_only() {
        assert!(is_loopback("http://127.0.0.1:9000"));
        assert!(is_loopback("http://localhost:9000/"));
        assert!(is_loopback("http://[::1]:9000"));
        assert!(!is_loopback("http://s3.example.com"));
        assert!(!is_loopback("https://127.0.0.1:9000"));
    }
}
