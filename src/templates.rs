//! The template engine: every template under `templates/` embedded in the binary and parsed
//! once, with the filters pages, emails and exports share. Web handlers, mail and evidence
//! exports all render through [`TEMPLATES`]; nothing here knows about HTTP.

use chrono::{NaiveDate, NaiveDateTime};
use include_dir::{include_dir, Dir};
use std::sync::LazyLock;
use tera::{Kwargs, State, Tera, TeraResult, Value};

static TEMPLATE_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Every template under `templates/`, by its path there (`admin/users/index.html`).
pub fn template_sources() -> Vec<(String, &'static str)> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static str)>) {
        for f in dir.files() {
            if let Some(text) = f.contents_utf8() {
                out.push((f.path().to_string_lossy().replace('\\', "/"), text));
            }
        }
        for d in dir.dirs() {
            walk(d, out);
        }
    }
    let mut out = Vec::new();
    walk(&TEMPLATE_DIR, &mut out);
    out.sort();
    out
}

/// Builds the template engine; fails on any template that does not parse.
pub fn build_tera() -> tera::TeraResult<Tera> {
    let mut tera = Tera::default();
    // .txt templates (email bodies and subjects) are not HTML-escaped; .html ones are.
    tera.autoescape_on([".html"]);
    tera.register_filter("date", date_filter);
    tera.register_filter("datetime", datetime_filter);
    tera.register_filter("urlencode", |s: &str, _: Kwargs, _: &State| url_encode(s));
    tera.register_filter("filesize", |n: i64, _: Kwargs, _: &State| filesize(n));
    // Replaces Tera's own, whose `<br>`s were escaped again after it ran.
    tera.register_filter("newlines_to_br", newlines_to_br);
    tera.register_filter("reference", reference_filter);
    tera.add_raw_templates(template_sources())?;
    Ok(tera)
}

pub static TEMPLATES: LazyLock<Tera> = LazyLock::new(|| match build_tera() {
    Ok(t) => t,
    Err(e) => panic!("templates do not parse: {e:?}"),
});

/// "2.4 MB", "310 KB", "12 bytes".
pub fn filesize(n: i64) -> String {
    match n {
        n if n >= 1024 * 1024 => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
        n if n >= 1024 => format!("{} KB", (n + 512) / 1024),
        1 => "1 byte".into(),
        n => format!("{n} bytes"),
    }
}

/// Percent-encodes a string for a URL query value.
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn parse_date_or_time(s: &str) -> Option<(NaiveDate, Option<NaiveDateTime>)> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some((d, None));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| (t.date(), Some(t)))
}

/// `{{ day | date }}` → "18 December 2025" (GOV.UK style). Anything unparseable is shown as is.
fn date_filter(s: &str, _: Kwargs, _: &State) -> String {
    match parse_date_or_time(s) {
        Some((d, _)) => d.format("%-d %B %Y").to_string(),
        None => s.to_string(),
    }
}

/// `{{ at | datetime }}` → "18 December 2025 at 2:05pm" (UTC).
fn datetime_filter(s: &str, _: Kwargs, _: &State) -> String {
    match parse_date_or_time(s) {
        Some((_, Some(t))) => {
            let time = t.format("%-I:%M%P").to_string();
            format!("{} at {}", t.format("%-d %B %Y"), time)
        }
        Some((d, None)) => d.format("%-d %B %Y").to_string(),
        None => s.to_string(),
    }
}

/// `{{ case.reference | reference }}`: the reference (escaped) in a `sd-ref` span, which never
/// breaks across lines (`SD-2026-0001` would otherwise break at its hyphens).
fn reference_filter(val: Value, _: Kwargs, state: &State) -> TeraResult<Value> {
    let escaped = state.escape_if_needed(&val)?;
    Ok(Value::safe_string(&format!("<span class=\"sd-ref\">{escaped}</span>")))
}

/// `{{ text | newlines_to_br }}`: escapes the text (when the template escapes), then turns each
/// line break into `<br>` and marks the result safe, so the breaks show and the text cannot.
fn newlines_to_br(val: Value, _: Kwargs, state: &State) -> TeraResult<Value> {
    let escaped = state.escape_if_needed(&val)?;
    Ok(Value::safe_string(&escaped.replace("\r\n", "<br>").replace(['\n', '\r'], "<br>")))
}
