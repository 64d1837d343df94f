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
use actix_web::web::{Bytes, BytesMut};
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
                // No text the app keeps may hold a NUL (see `middleware::without_nul`).
                form.fields.push((name, String::from_utf8_lossy(&value).replace('\0', "")));
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

/// The longest part header block looked at for a nested `multipart/*` type; a longer one passes
/// unchanged (and is refused by the reader if it needs to be).
const MAX_PART_HEADERS: usize = 16 * 1024;

/// Rewrites a part's `Content-Type: multipart/…` header to `application/octet-stream` as the body
/// streams past, so that a saved page (MHTML) a browser labels `multipart/related` arrives as a
/// file like any other instead of being refused as a nested form (actix-multipart does not read
/// nested parts). The file's type is sniffed from its bytes in any case; only each part's header
/// block is buffered (bounded), the files themselves stream through.
pub fn opaque_nested_parts<S, E>(stream: S, boundary: &str) -> impl futures_util::Stream<Item = Result<Bytes, E>>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
{
    let scanner = PartScanner::new(boundary);
    futures_util::stream::unfold((stream, scanner, false), |(mut stream, mut scanner, done)| async move {
        if done {
            return None;
        }
        loop {
            match stream.next().await {
                Some(Ok(chunk)) => {
                    let out = scanner.feed(&chunk);
                    if !out.is_empty() {
                        return Some((Ok(out), (stream, scanner, false)));
                    }
                }
                Some(Err(e)) => return Some((Err(e), (stream, scanner, true))),
                None => {
                    let out = scanner.finish();
                    return if out.is_empty() { None } else { Some((Ok(out), (stream, scanner, true))) };
                }
            }
        }
    })
    // The multipart reader may poll again after the end.
    .fuse()
}

/// Where the scanner is in the multipart body.
enum Scan {
    /// In a part's body (or the preamble), looking for the next delimiter.
    Body,
    /// After a delimiter, collecting the part's header block.
    Headers,
}

struct PartScanner {
    /// `\r\n--boundary`.
    delimiter: Vec<u8>,
    state: Scan,
    /// Bytes held back: the tail of a body that may be the start of a delimiter, or a header
    /// block not yet complete.
    held: BytesMut,
    /// Leading bytes of `held` that were not in the input (the CRLF assumed before the first
    /// delimiter) and are not passed on.
    synthetic: usize,
}

impl PartScanner {
    fn new(boundary: &str) -> Self {
        let mut held = BytesMut::new();
        held.extend_from_slice(b"\r\n");
        Self { delimiter: format!("\r\n--{boundary}").into_bytes(), state: Scan::Body, held, synthetic: 2 }
    }

    /// Moves `n` held bytes to the output (less any synthetic ones).
    fn emit(&mut self, out: &mut BytesMut, n: usize) {
        let taken = self.held.split_to(n);
        let skip = self.synthetic.min(taken.len());
        self.synthetic -= skip;
        out.extend_from_slice(&taken[skip..]);
    }

    fn feed(&mut self, chunk: &[u8]) -> Bytes {
        self.held.extend_from_slice(chunk);
        let mut out = BytesMut::new();
        loop {
            match self.state {
                Scan::Body => match find_bytes(&self.held, &self.delimiter) {
                    Some(at) => {
                        let n = at + self.delimiter.len();
                        self.emit(&mut out, n);
                        self.state = Scan::Headers;
                    }
                    None => {
                        // Keep what could be the start of a delimiter.
                        let keep = (self.delimiter.len() - 1).min(self.held.len());
                        let n = self.held.len() - keep;
                        self.emit(&mut out, n);
                        return out.freeze();
                    }
                },
                Scan::Headers => match find_bytes(&self.held, b"\r\n\r\n") {
                    Some(at) => {
                        let block = self.held.split_to(at);
                        out.extend_from_slice(&rewrite_part_headers(&block));
                        self.state = Scan::Body;
                        // The blank line's CRLF stays held: a part with an empty body ends with
                        // the delimiter's own CRLF right after it.
                        let blank = self.held.split_to(2);
                        out.extend_from_slice(&blank);
                    }
                    None if self.held.len() > MAX_PART_HEADERS => {
                        self.state = Scan::Body;
                    }
                    None => return out.freeze(),
                },
            }
        }
    }

    fn finish(&mut self) -> Bytes {
        let mut out = BytesMut::new();
        let n = self.held.len();
        self.emit(&mut out, n);
        out.freeze()
    }
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A part's header block (from just after the delimiter to before the blank line) with a
/// `Content-Type: multipart/…` line (and any folded continuation of it) replaced.
fn rewrite_part_headers(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len());
    let mut replacing = false;
    for (i, line) in block.split(|&b| b == b'\n').enumerate() {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if replacing && continuation {
            continue;
        }
        replacing = false;
        if i > 0 {
            out.push(b'\n');
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = line.split_at(colon);
            let value = String::from_utf8_lossy(&value[1..]).trim().to_ascii_lowercase();
            if name.trim_ascii().eq_ignore_ascii_case(b"content-type") && value.starts_with("multipart/") {
                out.extend_from_slice(b"Content-Type: application/octet-stream");
                if line.ends_with(b"\r") {
                    out.push(b'\r');
                }
                replacing = true;
                continue;
            }
        }
        out.extend_from_slice(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(ct: &str) -> Vec<u8> {
        format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"page.mhtml\"\r\nContent-Type: {ct}\r\n\r\nFrom: <Saved by Blink>\r\nContent-Type: multipart/related;\r\n\r\n--inner\r\n\r\n--XyZ--\r\n"
        )
        .into_bytes()
    }

    fn run(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut s = PartScanner::new("XyZ");
        let mut out = Vec::new();
        for c in input.chunks(chunk) {
            out.extend_from_slice(&s.feed(c));
        }
        out.extend_from_slice(&s.finish());
        out
    }

    #[test]
    fn a_nested_part_type_becomes_opaque_whatever_the_chunking() {
        let input = body("multipart/related; boundary=\"inner\"");
        let expected = body("application/octet-stream").to_vec();
        for chunk in [1, 2, 3, 5, 7, 16, 64, input.len()] {
            assert_eq!(String::from_utf8_lossy(&run(&input, chunk)), String::from_utf8_lossy(&expected), "{chunk}");
        }
    }

    #[test]
    fn other_bodies_pass_unchanged() {
        let input = body("image/png");
        for chunk in [1, 4, 9, input.len()] {
            assert_eq!(run(&input, chunk), input);
        }
        // The file's own content (a multipart/related header inside it) is never touched.
        assert!(String::from_utf8_lossy(&input).contains("Content-Type: multipart/related;\r\n\r\n--inner"));
    }
}
