//! Reading `multipart/form-data` forms: text fields collected, files streamed to the file store's
//! temporary area (hashed as they arrive, never held whole in memory), and the CSRF token checked
//! before any file is accepted.

use crate::error::AppError;
use crate::services::auth::tokens_match;
use crate::services::evidence::Uploads;
use crate::services::files::{FileStore, Kind, Received, UploadError};
use crate::web::context::CSRF_FIELD;
use crate::web::middleware::CsrfPending;
use actix_multipart::Multipart;
use actix_web::{HttpMessage, HttpRequest};
use futures_util::StreamExt;

const MAX_TEXT_FIELD: usize = 100 * 1024;
const MAX_FIELDS: usize = 300;
const MAX_FILES: usize = 20;

#[derive(Debug, Default)]
pub struct ParsedForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Received>,
    pub file_errors: Vec<UploadError>,
}

impl ParsedForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The files, received and refused, to hand to a service.
    pub fn take_uploads(&mut self) -> Uploads {
        Uploads { received: std::mem::take(&mut self.files), refused: std::mem::take(&mut self.file_errors) }
    }

    /// Removes every received file (for a refused submission).
    pub fn discard_files(&mut self) {
        for f in self.files.drain(..) {
            f.discard();
        }
    }
}

/// Reads the whole form. `file_fields` names the inputs that carry files.
pub async fn read(
    req: &HttpRequest,
    mut payload: Multipart,
    store: &FileStore,
    max_file_bytes: u64,
    allowed: &[Kind],
) -> Result<ParsedForm, AppError> {
    let expected = req.extensions().get::<CsrfPending>().map(|p| p.0.clone()).ok_or(AppError::Csrf)?;
    let mut form = ParsedForm::default();
    let mut csrf_ok = false;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        if !csrf_ok {
            // The token is the form's first field: nothing is accepted before it is checked.
            if name != CSRF_FIELD {
                form.discard_files();
                return Err(AppError::Csrf);
            }
            let value = field.bytes(256).await.map_err(|_| AppError::Csrf)?.map_err(|_| AppError::Csrf)?;
            if !tokens_match(&expected, &String::from_utf8_lossy(&value)) {
                return Err(AppError::Csrf);
            }
            csrf_ok = true;
            continue;
        }
        if form.fields.len() >= MAX_FIELDS {
            form.discard_files();
            return Err(AppError::BadRequest("the form has too many fields".into()));
        }
        match filename {
            Some(fname) => {
                // A file input left empty still sends a part with an empty name and no bytes.
                if fname.is_empty() {
                    while let Some(chunk) = field.next().await {
                        chunk.map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
                    }
                    continue;
                }
                if form.files.len() >= MAX_FILES {
                    form.file_errors
                        .push(UploadError::Io(format!("{fname} was not added: upload {MAX_FILES} files or fewer")));
                    while let Some(chunk) = field.next().await {
                        chunk.map_err(|e| AppError::BadRequest(e.to_string()))?;
                    }
                    continue;
                }
                let mut sink = store.begin(&fname, max_file_bytes).await.map_err(AppError::internal)?;
                while let Some(chunk) = field.next().await {
                    let chunk =
                        chunk.map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
                    sink.write(&chunk).await.map_err(AppError::internal)?;
                }
                match sink.finish(allowed).await {
                    Ok(received) => form.files.push(received),
                    Err(UploadError::Io(e)) => return Err(AppError::internal(e)),
                    Err(e) => form.file_errors.push(e),
                }
            }
            None => {
                let value = match field.bytes(MAX_TEXT_FIELD).await {
                    Ok(Ok(v)) => v,
                    Ok(Err(e)) => return Err(AppError::BadRequest(format!("the form could not be read: {e}"))),
                    Err(_) => {
                        form.discard_files();
                        return Err(AppError::PayloadTooLarge);
                    }
                };
                form.fields.push((name, String::from_utf8_lossy(&value).into_owned()));
            }
        }
    }
    if !csrf_ok {
        return Err(AppError::Csrf);
    }
    Ok(form)
}

/// Reads a small form whose files are kept in memory (a CSV for the register import): text
/// fields, and each file as (field name, file name, bytes). The CSRF token is checked first, as
/// in [`read`]; a file over `max_bytes` is refused as too large.
pub async fn read_in_memory(
    req: &HttpRequest,
    mut payload: Multipart,
    max_bytes: usize,
) -> Result<(Vec<(String, String)>, Vec<(String, String, Vec<u8>)>), AppError> {
    let expected = req.extensions().get::<CsrfPending>().map(|p| p.0.clone()).ok_or(AppError::Csrf)?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut csrf_ok = false;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        if !csrf_ok {
            if name != CSRF_FIELD {
                return Err(AppError::Csrf);
            }
            let value = field.bytes(256).await.map_err(|_| AppError::Csrf)?.map_err(|_| AppError::Csrf)?;
            if !tokens_match(&expected, &String::from_utf8_lossy(&value)) {
                return Err(AppError::Csrf);
            }
            csrf_ok = true;
            continue;
        }
        if fields.len() + files.len() >= MAX_FIELDS {
            return Err(AppError::BadRequest("the form has too many fields".into()));
        }
        let limit = if filename.is_some() { max_bytes } else { MAX_TEXT_FIELD };
        let value = match field.bytes(limit).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return Err(AppError::BadRequest(format!("the form could not be read: {e}"))),
            Err(_) => return Err(AppError::PayloadTooLarge),
        };
        match filename {
            Some(f) if f.is_empty() && value.is_empty() => {}
            Some(f) => files.push((name, f, value.to_vec())),
            None => fields.push((name, String::from_utf8_lossy(&value).into_owned())),
        }
    }
    if !csrf_ok {
        return Err(AppError::Csrf);
    }
    Ok((fields, files))
}
