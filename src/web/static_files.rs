//! Static assets (GOV.UK Frontend build, our CSS and JS), embedded in the binary.

use crate::error::AppError;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use include_dir::{include_dir, Dir};

static CSS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static/css");
static JS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static/js");
static IMG: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static/img");

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("map") => "application/json",
        _ => "application/octet-stream",
    }
}

pub fn lookup(path: &str) -> Option<&'static [u8]> {
    let (dir, rest) = path.split_once('/')?;
    let d = match dir {
        "css" => &CSS,
        "js" => &JS,
        "img" => &IMG,
        _ => return None,
    };
    d.get_file(rest).map(|f| f.contents())
}

pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    if path.contains("..") {
        return Err(AppError::NotFound);
    }
    let body = lookup(&path).ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(content_type(&path))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(body))
}
