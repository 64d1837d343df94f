//! What a file is, from its bytes (not its name): images, PDF, saved pages and web archives.

use std::path::Path;

/// Kinds of file, by what their bytes say they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpeg,
    Webp,
    Gif,
    Pdf,
    /// A saved web page.
    Html,
    /// A saved page with its resources (MIME multipart/related).
    Mhtml,
    /// A web archive (WARC 1.0/1.1, plain or gzip-compressed).
    Warc,
    /// A web archive collection (WACZ: a zip with datapackage.json).
    Wacz,
}

impl Kind {
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Webp => "image/webp",
            Kind::Gif => "image/gif",
            Kind::Pdf => "application/pdf",
            Kind::Html => "text/html",
            Kind::Mhtml => "multipart/related",
            Kind::Warc => "application/warc",
            Kind::Wacz => "application/wacz",
        }
    }

    pub fn from_media_type(media_type: &str) -> Option<Kind> {
        ALL_KINDS.iter().copied().find(|k| k.media_type() == media_type)
    }

    pub fn is_image(self) -> bool {
        matches!(self, Kind::Png | Kind::Jpeg | Kind::Webp | Kind::Gif)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Png | Kind::Jpeg | Kind::Webp | Kind::Gif => "Screenshot",
            Kind::Pdf => "PDF",
            Kind::Html => "Saved web page",
            Kind::Mhtml => "Saved web page (MHTML)",
            Kind::Warc => "Web archive (WARC)",
            Kind::Wacz => "Web archive (WACZ)",
        }
    }
}

pub const ALL_KINDS: &[Kind] =
    &[Kind::Png, Kind::Jpeg, Kind::Webp, Kind::Gif, Kind::Pdf, Kind::Html, Kind::Mhtml, Kind::Warc, Kind::Wacz];

/// Screenshots, documents and saved pages (MHTML, only ever downloaded) accepted with a complaint.
pub const COMPLAINT_KINDS: &[Kind] = &[Kind::Png, Kind::Jpeg, Kind::Webp, Kind::Gif, Kind::Pdf, Kind::Mhtml];
/// What officers may attach to a captured post.
pub const EVIDENCE_KINDS: &[Kind] = ALL_KINDS;

/// What the leading bytes say, before looking inside containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    Is(Kind),
    Gzip,
    Zip,
}

fn starts_with_ci(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn sniff_head(head: &[u8]) -> Option<Head> {
    if let Some(t) = infer::get(head) {
        match t.mime_type() {
            "image/png" => return Some(Head::Is(Kind::Png)),
            "image/jpeg" => return Some(Head::Is(Kind::Jpeg)),
            "image/webp" => return Some(Head::Is(Kind::Webp)),
            "image/gif" => return Some(Head::Is(Kind::Gif)),
            "application/pdf" => return Some(Head::Is(Kind::Pdf)),
            "application/gzip" => return Some(Head::Gzip),
            "application/zip" => return Some(Head::Zip),
            _ => {}
        }
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let text = &text[start..];
    if text.starts_with(b"WARC/1.") {
        return Some(Head::Is(Kind::Warc));
    }
    if starts_with_ci(text, b"<!doctype html") || starts_with_ci(text, b"<html") {
        return Some(Head::Is(Kind::Html));
    }
    // MHTML: MIME headers, then multipart/related.
    let lower = String::from_utf8_lossy(&text[..text.len().min(4096)]).to_ascii_lowercase();
    if (lower.starts_with("from:")
        || lower.starts_with("mime-version:")
        || lower.starts_with("snapshot-content-location:")
        || lower.starts_with("subject:")
        || lower.starts_with("date:"))
        && lower.contains("content-type: multipart/related")
    {
        return Some(Head::Is(Kind::Mhtml));
    }
    if starts_with_ci(text, b"<!--") && lower.contains("<html") {
        return Some(Head::Is(Kind::Html));
    }
    None
}

/// What the bytes are, whatever the file's name says (leading bytes only: containers such as
/// WACZ and compressed WARC need [`sniff_file`]).
pub fn sniff(head: &[u8]) -> Option<Kind> {
    match sniff_head(head)? {
        Head::Is(k) => Some(k),
        Head::Gzip | Head::Zip => None,
    }
}

/// Sniffs a whole file: a gzip must hold a WARC, a zip must be a WACZ (with datapackage.json).
pub fn sniff_file(head: &[u8], path: &Path) -> Option<Kind> {
    match sniff_head(head)? {
        Head::Is(k) => Some(k),
        Head::Gzip => {
            use std::io::Read;
            let mut inner = [0u8; 8];
            let file = std::fs::File::open(path).ok()?;
            flate2::read::MultiGzDecoder::new(file).read_exact(&mut inner).ok()?;
            inner.starts_with(b"WARC/1.").then_some(Kind::Warc)
        }
        Head::Zip => {
            let file = std::fs::File::open(path).ok()?;
            let archive = zip::ZipArchive::new(file).ok()?;
            let has_package = archive.file_names().filter_map(Result::ok).any(|n| n == "datapackage.json");
            has_package.then_some(Kind::Wacz)
        }
    }
}
