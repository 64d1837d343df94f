//! Form helpers shared by handlers: what a form page needs to re-render with errors (422).

use crate::services::FieldErrors;
use serde::Serialize;

/// Adds `errors` (list, for the summary) and `error_for` (by field) to a template context.
pub fn insert_errors(c: &mut tera::Context, errors: &FieldErrors) {
    c.insert("errors", &errors.0);
    c.insert("error_for", &errors.by_field());
}

/// A context with empty errors and the given form values.
pub fn form_context<T: Serialize>(values: &T) -> tera::Context {
    let mut c = tera::Context::new();
    c.insert("form", values);
    insert_errors(&mut c, &FieldErrors::default());
    c
}

/// Only local paths are followed after sign-in (no open redirects). `next` is resolved as a
/// browser would (the WHATWG URL rules: tabs and newlines dropped, `\\` read as `/`) against a
/// fixed origin, and kept only if it stays on that origin; the resolved path and query are
/// returned (percent-encoded), never the raw string. Anything else goes to the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    const DASHBOARD: &str = "/dashboard";
    static BASE: std::sync::LazyLock<url::Url> =
        std::sync::LazyLock::new(|| url::Url::parse("https://standards-desk.invalid/").expect("a valid base URL"));
    let Some(next) = next else { return DASHBOARD.into() };
    match BASE.join(next) {
        Ok(joined)
            if joined.origin() == BASE.origin() && joined.username().is_empty() && joined.password().is_none() =>
        {
            match joined.query() {
                Some(q) => format!("{}?{q}", joined.path()),
                None => joined.path().to_string(),
            }
        }
        _ => DASHBOARD.into(),
    }
}

/// Today's date (UTC), the day services count from.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// (value, label) pairs as the `options` of the GOV.UK components.
pub fn choices(list: &[(&str, &str)]) -> Vec<crate::services::vocab::Choice> {
    crate::services::vocab::Choice::list(list)
}

/// 303 See Other with a message for the next page.
pub fn redirect_with(
    ctx: &crate::web::context::RequestContext,
    to: &str,
    flash: crate::web::context::Flash,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, crate::web::render::location_header(to)))
        .cookie(flash.cookie(ctx.secure_cookies))
        .finish()
}
