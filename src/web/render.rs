//! The helpers that render pages (the engine itself is `crate::templates`).

pub use crate::templates::{url_encode, TEMPLATES};
use crate::web::context::RequestContext;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use serde::Serialize;

/// The signed-in user, as the layout shows them.
#[derive(Serialize)]
struct CurrentUser<'a> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
    role: &'a str,
    role_label: &'static str,
}

/// A link of the navigation, marked when the page is under it.
#[derive(Serialize)]
struct NavLink {
    href: &'static str,
    label: &'static str,
    active: bool,
}

/// The values every page's layout needs.
pub fn base_context(ctx: &RequestContext) -> tera::Context {
    let mut c = tera::Context::new();
    c.insert("csrf_token", &ctx.csrf_token);
    c.insert("current_path", &ctx.path);
    c.insert("flash", &ctx.flash);
    match &ctx.auth {
        Some(auth) => {
            let user = &auth.user;
            c.insert(
                "current_user",
                &CurrentUser {
                    id: &user.id,
                    name: &user.name,
                    email: &user.email,
                    role: &user.role,
                    role_label: user.role().map(|r| r.label()).unwrap_or("Unknown role"),
                },
            );
            let nav: Vec<NavLink> = crate::services::access::navigation(user)
                .into_iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    active: ctx.path == href || ctx.path.starts_with(&format!("{href}/")),
                })
                .collect();
            c.insert("nav", &nav);
            // For the session timeout warning: when this session ends if nothing else happens.
            let left = (auth.session.expires_at - crate::models::now()).num_seconds().max(0);
            c.insert("session_expires_in", &left);
            c.insert("session_idle_minutes", &ctx.session_idle_minutes);
        }
        None => {
            c.insert("current_user", &None::<CurrentUser>);
            c.insert("nav", &Vec::<NavLink>::new());
            c.insert("session_expires_in", &0);
            c.insert("session_idle_minutes", &ctx.session_idle_minutes);
        }
    }
    c
}

/// What the layout shows of a form given back after sign-in (`RequestContext::restored`).
#[derive(Serialize)]
struct GivenBack {
    /// The path the form was sent to (the page's script fills in the form with this action).
    action: String,
    /// The fields as JSON (`[[name, value], ...]`), for the script.
    fields: String,
    /// Filled in here, on the server (works without JavaScript).
    filled: bool,
}

/// A form sent after the session expired, given back on the page it came from: when the form
/// posts to this page's own path, its values are put into the page's `form` (each field keeping
/// the type the handler gave it: a list for checkboxes, text otherwise), so it comes back filled
/// in without JavaScript; the layout also hands them to the script, which fills in a form that
/// posts elsewhere.
fn give_back(ctx: &RequestContext, c: &mut tera::Context) {
    let Some(restored) = &ctx.restored else {
        c.insert("restored", &None::<GivenBack>);
        return;
    };
    let mut filled = false;
    if restored.action == ctx.path {
        let form = c.get("form").and_then(|v| serde_json::to_value(v).ok());
        if let Some(serde_json::Value::Object(mut form)) = form {
            for (name, _) in &restored.fields {
                let values: Vec<&str> =
                    restored.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
                let value = match form.get(name) {
                    Some(serde_json::Value::Array(_)) => serde_json::json!(values),
                    Some(serde_json::Value::Bool(_)) => serde_json::json!(values.iter().any(|v| !v.is_empty())),
                    _ => serde_json::json!(values.last().copied().unwrap_or_default()),
                };
                form.insert(name.clone(), value);
            }
            c.insert("form", &form);
            filled = true;
        }
    }
    c.insert(
        "restored",
        &Some(GivenBack {
            action: restored.action.clone(),
            fields: serde_json::to_string(&restored.fields).unwrap_or_else(|_| "[]".into()),
            filled,
        }),
    );
}

/// Renders a page with the layout's values added to `data`.
pub fn page(ctx: &RequestContext, template: &str, data: tera::Context) -> Result<HttpResponse, crate::error::AppError> {
    page_with_status(ctx, StatusCode::OK, template, data)
}

pub fn page_with_status(
    ctx: &RequestContext,
    status: StatusCode,
    template: &str,
    data: tera::Context,
) -> Result<HttpResponse, crate::error::AppError> {
    let body = html(ctx, template, data)?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

/// A page's HTML: `data` with the layout's values added, rendered.
pub fn html(ctx: &RequestContext, template: &str, data: tera::Context) -> Result<String, crate::error::AppError> {
    let mut c = base_context(ctx);
    c.extend(data);
    give_back(ctx, &mut c);
    Ok(TEMPLATES.render(template, &c)?)
}

/// An error page, rendered without request context (the layout shows no navigation).
pub fn error_page(status: StatusCode, message: Option<&str>) -> HttpResponse {
    let mut c = tera::Context::new();
    c.insert("csrf_token", "");
    c.insert("current_path", "");
    c.insert("flash", &serde_json::Value::Null);
    c.insert("current_user", &serde_json::Value::Null);
    c.insert("nav", &Vec::<serde_json::Value>::new());
    c.insert("restored", &serde_json::Value::Null);
    c.insert("session_expires_in", &0);
    c.insert("session_idle_minutes", &0);
    c.insert("status", &status.as_u16());
    c.insert("message", &message);
    c.insert("request_id", &crate::ops::request_id());
    let name = format!("errors/{}.html", status.as_u16());
    let template = if TEMPLATES.contains_template(&name) { name } else { "errors/generic.html".to_string() };
    match TEMPLATES.render(&template, &c) {
        Ok(body) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = ?e, "error page failed to render");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(status.canonical_reason().unwrap_or("Error").to_string())
        }
    }
}

/// 303 See Other to a local path (the answer to every successful POST).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location_header(location))).finish()
}

/// A local path as a `Location` header value. Paths are built from path parameters that actix
/// has already percent-decoded, so they can hold control characters (a header cannot, and the
/// response would fail as a 500), spaces or other non-ASCII text: those bytes are encoded again,
/// which names the same resource. Everything else, `%` included, is kept as it is.
pub fn location_header(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b <= b' ' || b >= 0x7f {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}
