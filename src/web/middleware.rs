//! Per-request middleware: loads the server-side session, checks the CSRF token on every
//! state-changing request, carries the flash message, and sets the security headers.

use crate::error::AppError;
use crate::models::session::Session;
use crate::services::auth::{self, tokens_match, SessionLookup};
use crate::services::signed_out::{self, Ended};
use crate::templates::url_encode;
use crate::web::context::{
    app_cookie, cookie_name, removal_cookie, AuthState, Flash, RequestContext, CSRF_COOKIE, CSRF_FIELD, FLASH_COOKIE,
    SESSION_COOKIE,
};
use crate::web::forms::safe_next;
use crate::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, HttpMessage, ResponseError};
use futures_util::StreamExt;
use std::sync::Arc;

/// The largest urlencoded body read to find the CSRF token (forms with files are multipart).
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// Marks a multipart request whose CSRF token must be checked by the multipart reader (it is a
/// form field, and the body is streamed, not buffered here).
#[derive(Debug, Clone)]
pub struct CsrfPending(pub String);

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        // Pages carry personal data: not kept by browsers or proxies (static files set their own).
        .add((header::CACHE_CONTROL, "no-store"))
}

fn valid_token_shape(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The client's address: the peer's, or behind `hops` proxies of ours the address the outermost
/// of them added to `X-Forwarded-For` (`hops` places from the right; anything further left was
/// sent by the client and is not believed). A header too short or not an address: the peer's.
fn client_ip(req: &ServiceRequest, hops: u8) -> String {
    let peer = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into());
    if hops == 0 {
        return peer;
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    entries
        .len()
        .checked_sub(hops as usize)
        .and_then(|i| entries[i].parse::<std::net::IpAddr>().ok())
        .map(|ip| ip.to_string())
        .unwrap_or(peer)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Reads an urlencoded body (bounded), returns the CSRF field's value and the body, and puts the
/// body back for the handler.
async fn csrf_from_urlencoded(req: &mut ServiceRequest) -> Result<(Option<String>, web::Bytes), AppError> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let body = without_nul(&body);
    let token = form_urlencoded::parse(&body).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    req.set_payload(actix_web::dev::Payload::from(body.clone()));
    Ok((token, body))
}

/// The page a form was sent from, where it is given back after sign-in: the `Referer` when it is
/// this site's (path and query, without an earlier `restore`), else the path it was sent to.
fn form_page(req: &ServiceRequest) -> String {
    let host = req.connection_info().host().to_string();
    let from =
        req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|r| url::Url::parse(r).ok()).filter(
            |u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                }) == Some(host.clone())
            },
        );
    let Some(from) = from else { return req.path().to_string() };
    let query: Vec<(String, String)> =
        from.query_pairs().filter(|(k, _)| k != "restore").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let path = from.path().to_string();
    match serde_urlencoded::to_string(&query) {
        Ok(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path,
    }
}

/// A form with files sent with the CSRF token of its sender's expired session: nothing is kept
/// (files are not held for someone signed out), and the browser is sent to sign in, told so,
/// then back to the form's page.
fn signed_out_with_files(req: &ServiceRequest, state: &AppState, session: &Session) -> actix_web::HttpResponse {
    let ended = Ended::of(session, state.session_policy);
    let page = safe_next(Some(&form_page(req)));
    let location = format!("/login?next={}&expired={}&lost=1", url_encode(&page), ended.as_str());
    let mut res = actix_web::HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
    let _ = res.add_removal_cookie(&removal_cookie(SESSION_COOKIE, state.config.secure_cookies()));
    res
}

/// A form sent with the CSRF token of its sender's expired session: kept for them (nothing else
/// is done with it), and the browser is sent to sign in, then back to the form's page with the
/// values given back (`?restore=`).
async fn keep_signed_out_form(
    req: &ServiceRequest,
    state: &AppState,
    session: &Session,
    body: &[u8],
) -> Result<actix_web::HttpResponse, AppError> {
    let ended = Ended::of(session, state.session_policy);
    let fields: Vec<(String, String)> = form_urlencoded::parse(body)
        .filter(|(k, _)| k != CSRF_FIELD)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let page = safe_next(Some(&form_page(req)));
    let (user_id, action, return_to) = (session.user_id.clone(), req.path().to_string(), page.clone());
    let id = state.db(move |conn| Ok(signed_out::keep(conn, &user_id, &action, &return_to, &fields)?)).await?;
    let separator = if page.contains('?') { '&' } else { '?' };
    let next = format!("{page}{separator}restore={id}");
    let location = format!("/login?next={}&expired={}&kept=1", url_encode(&next), ended.as_str());
    tracing::info!(path = %req.path(), "a form sent after the session expired was kept for its user");
    let secure = state.config.secure_cookies();
    let mut res = actix_web::HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
    res.add_removal_cookie(&removal_cookie(SESSION_COOKIE, secure)).map_err(AppError::internal)?;
    Ok(res)
}

/// An urlencoded body without NUL characters, encoded (`%00`) or raw: no text the app keeps may
/// hold one (PostgreSQL refuses it in text, which would make the request fail as a 500), and no
/// one types one into a form, so they are dropped before any handler reads the form.
fn without_nul(body: &[u8]) -> web::Bytes {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(b"%00") {
            i += 3;
        } else {
            if body[i] != 0 {
                out.push(body[i]);
            }
            i += 1;
        }
    }
    web::Bytes::from(out)
}

/// Where the session timeout warning's "Stay signed in" posts (`web::auth::keep_alive`; the
/// route table names it too).
pub const KEEP_ALIVE_PATH: &str = "/session/keep-alive";

/// The most read of a multipart body to find its first part (the CSRF token).
const MAX_FIRST_PART_BYTES: usize = 8 * 1024;

/// Reads a multipart body up to the end of its first part (bounded), returns that part's value if
/// it is the CSRF field, and gives the handler a payload that replays the bytes read and then
/// streams the rest (uploads are never buffered here).
async fn csrf_from_multipart(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    let boundary = req
        .mime_type()
        .ok()
        .flatten()
        .and_then(|m| m.get_param("boundary").map(|b| b.as_str().to_string()))
        .filter(|b| !b.is_empty() && b.len() <= 200);
    let Some(boundary) = boundary else { return Ok(None) };
    let mut payload = req.take_payload();
    let mut head = web::BytesMut::new();
    let mut token = None;
    loop {
        match first_part(&head, &boundary) {
            FirstPart::Complete(t) => {
                token = t;
                break;
            }
            FirstPart::NotCsrf => break,
            FirstPart::NeedMore if head.len() >= MAX_FIRST_PART_BYTES => break,
            FirstPart::NeedMore => {}
        }
        match payload.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
                head.extend_from_slice(&chunk);
            }
            None => break,
        }
    }
    let head = head.freeze();
    let replay = futures_util::stream::once(async move { Ok(head) }).chain(payload);
    // A part labelled `multipart/…` (a saved MHTML page) is read as a file, not refused as nested.
    let replay = crate::web::multipart::opaque_nested_parts(Box::pin(replay), &boundary);
    req.set_payload(actix_web::dev::Payload::Stream { payload: Box::pin(replay) });
    Ok(token)
}

enum FirstPart {
    /// The first part was read: its value if it is the `_csrf` field.
    Complete(Option<String>),
    /// The body does not start with a `_csrf` part (no need to read on).
    NotCsrf,
    NeedMore,
}

/// Looks at the start of a multipart body: `--boundary`, the part's headers, its value, and the
/// next delimiter.
fn first_part(buf: &[u8], boundary: &str) -> FirstPart {
    let opening = format!("--{boundary}\r\n");
    let n = buf.len().min(opening.len());
    if buf[..n] != opening.as_bytes()[..n] {
        return FirstPart::NotCsrf;
    }
    let rest = &buf[n..];
    let Some(headers_end) = find(rest, b"\r\n\r\n") else { return FirstPart::NeedMore };
    let Ok(headers) = std::str::from_utf8(&rest[..headers_end]) else { return FirstPart::NotCsrf };
    let is_csrf = headers.split("\r\n").any(|h| {
        let Some((name, value)) = h.split_once(':') else { return false };
        name.trim().eq_ignore_ascii_case("content-disposition")
            && !value.contains("filename")
            && value.split(';').any(|p| {
                let p = p.trim();
                p == format!("name=\"{CSRF_FIELD}\"") || p == format!("name={CSRF_FIELD}")
            })
    });
    if !is_csrf {
        return FirstPart::NotCsrf;
    }
    let body = &rest[headers_end + 4..];
    let delimiter = format!("\r\n--{boundary}");
    match find(body, delimiter.as_bytes()) {
        Some(end) => FirstPart::Complete(std::str::from_utf8(&body[..end]).ok().map(str::to_string)),
        None => FirstPart::NeedMore,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub async fn session_layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned().expect("AppState is registered");
    let secure = state.config.secure_cookies();
    let ip = client_ip(&req, state.config.trust_forwarded_for);
    let path = req.path().to_string();

    // No page has a NUL in its address, and no query needs one (and PostgreSQL would refuse it).
    if path.contains("%00") {
        return Ok(req.into_response(AppError::NotFound.error_response()).map_into_right_body());
    }
    if req.query_string().contains("%00") {
        let e = AppError::BadRequest("The address contains a character that is not allowed".into());
        return Ok(req.into_response(e.error_response()).map_into_right_body());
    }

    // Static files, the health and readiness checks and the metrics need no session.
    if path.starts_with("/static/") || matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics") {
        let mut res = next.call(req).await?;
        add_hsts(&mut res, secure);
        return Ok(res.map_into_left_body());
    }

    let mut session_expired = false;
    let mut expired_session = None;
    let mut clear_session_cookie = false;
    let mut auth = None;
    let mut pending = None;
    if let Some(token) = req.cookie(cookie_name(SESSION_COOKIE, secure)).map(|c| c.value().to_string()) {
        if valid_token_shape(&token) {
            let policy = state.session_policy;
            let lookup = state.db(move |conn| Ok(auth::load_session(conn, &token, policy)?)).await;
            match lookup {
                Ok(SessionLookup::Valid(found)) => {
                    let (session, user) = *found;
                    if session.second_factor_pending {
                        pending = Some(Arc::new(AuthState { session, user }));
                    } else {
                        auth = Some(Arc::new(AuthState { session, user }));
                    }
                }
                Ok(SessionLookup::Expired(session)) => {
                    session_expired = true;
                    expired_session = session;
                    clear_session_cookie = true;
                }
                Ok(SessionLookup::Unknown) => clear_session_cookie = true,
                Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
            }
        } else {
            clear_session_cookie = true;
        }
    }

    // The CSRF token: the session's when signed in, else a random per-browser cookie.
    let anon_cookie =
        req.cookie(cookie_name(CSRF_COOKIE, secure)).map(|c| c.value().to_string()).filter(|t| valid_token_shape(t));
    let mut new_anon_cookie = None;
    let csrf_token = match (auth.as_ref().or(pending.as_ref()), &anon_cookie) {
        (Some(a), _) => a.session.csrf_token.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => {
            let t = auth::random_token();
            new_anon_cookie = Some(t.clone());
            t
        }
    };

    if !is_safe(req.method()) {
        let content_type = req.content_type().to_ascii_lowercase();
        // Signed-in requests must carry the session's token; sign-in and public forms carry the
        // browser's cookie token (a request with neither cookie cannot match).
        let mut expected = match (auth.as_ref().or(pending.as_ref()), &anon_cookie) {
            (Some(a), _) => Some(a.session.csrf_token.clone()),
            (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        };
        let ok = if content_type == "application/x-www-form-urlencoded" {
            match csrf_from_urlencoded(&mut req).await {
                Ok((sent, body)) => {
                    // Sent from the page of a session that has since expired: kept, not lost
                    // (signing out of it needs nothing kept; the session check is answered by
                    // its refusal).
                    if let (None, Some(old), Some(s)) = (&auth, &expired_session, &sent) {
                        if tokens_match(&old.csrf_token, s) && path == "/logout" {
                            expected = Some(old.csrf_token.clone());
                        } else if tokens_match(&old.csrf_token, s) && path != KEEP_ALIVE_PATH {
                            let res = match keep_signed_out_form(&req, &state, old, &body).await {
                                Ok(res) => res,
                                Err(e) => e.error_response(),
                            };
                            return Ok(req.into_response(res).map_into_right_body());
                        }
                    }
                    matches!((&expected, &sent), (Some(e), Some(s)) if tokens_match(e, s))
                }
                Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
            }
        } else if content_type == "multipart/form-data" {
            // Checked here, from the first part, whether or not the handler reads the body; the
            // multipart reader checks it again before it accepts any file.
            match csrf_from_multipart(&mut req).await {
                Ok(sent) => {
                    // Sent from the page of a session that has since expired: files are not kept
                    // (they are never read here), but the sender is told why and where to go.
                    if let (None, Some(old), Some(s)) = (&auth, &expired_session, &sent) {
                        if tokens_match(&old.csrf_token, s) {
                            let res = signed_out_with_files(&req, &state, old);
                            return Ok(req.into_response(res).map_into_right_body());
                        }
                    }
                    match (&expected, &sent) {
                        (Some(e), Some(s)) if tokens_match(e, s) => {
                            req.extensions_mut().insert(CsrfPending(e.clone()));
                            true
                        }
                        _ => false,
                    }
                }
                Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
            }
        } else {
            false
        };
        if !ok {
            tracing::warn!(%path, %ip, "request refused: missing or invalid CSRF token");
            return Ok(req.into_response(AppError::Csrf.error_response()).map_into_right_body());
        }
    }

    let flash = req.cookie(cookie_name(FLASH_COOKIE, secure)).and_then(|c| Flash::from_cookie_value(c.value()));
    let had_flash = req.cookie(cookie_name(FLASH_COOKIE, secure)).is_some();
    // A form kept when the session expired, given back once on its page to the user who sent it.
    let mut restored = None;
    if let (Some(a), true) = (&auth, is_safe(req.method())) {
        let id = form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "restore")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty() && v.len() <= 64);
        if let Some(id) = id {
            let (user_id, page) = (a.user.id.clone(), path.clone());
            match state.db(move |conn| Ok(signed_out::take(conn, &id, &user_id, &page)?)).await {
                Ok(r) => restored = r.map(Arc::new),
                Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
            }
        }
    }
    let session_ended = expired_session.as_ref().map(|s| Ended::of(s, state.session_policy));
    req.extensions_mut().insert(RequestContext {
        auth,
        pending,
        csrf_token,
        ip,
        path,
        flash,
        session_expired,
        session_ended,
        restored,
        session_idle_minutes: state.config.session_idle_minutes,
        secure_cookies: secure,
    });

    let mut res = next.call(req).await?;
    let sets = |res: &ServiceResponse<_>, name: &str| res.response().cookies().any(|c| c.name() == name);
    if let Some(t) = new_anon_cookie {
        let cookie = app_cookie(CSRF_COOKIE, t, secure).finish();
        res.response_mut().add_cookie(&cookie).map_err(actix_web::Error::from)?;
    }
    if clear_session_cookie && !sets(&res, cookie_name(SESSION_COOKIE, secure)) {
        res.response_mut().add_removal_cookie(&removal_cookie(SESSION_COOKIE, secure))?;
    }
    if had_flash && !sets(&res, cookie_name(FLASH_COOKIE, secure)) {
        res.response_mut().add_removal_cookie(&removal_cookie(FLASH_COOKIE, secure))?;
    }
    add_hsts(&mut res, secure);
    Ok(res.map_into_left_body())
}

/// Over HTTPS, browsers are told to use nothing else for a year (OWASP ASVS 14.4.5).
fn add_hsts<B>(res: &mut ServiceResponse<B>, secure: bool) {
    if secure {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}

/// The outermost layer: gives the request an id (kept from a proxy's `X-Request-Id` when plain,
/// else new), sets it as the request id for everything that runs while the request is handled
/// (log lines, error pages), returns it as `X-Request-Id`, and counts the request in the
/// metrics by its route's pattern.
pub async fn request_layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let id = crate::ops::request_id_from(req.headers().get("x-request-id").and_then(|v| v.to_str().ok()));
    let method = req.method().as_str().to_string();
    // Handlers' and extractors' errors are turned into their error pages inside this (actix
    // renders them where they happen), so the pages can name the id.
    let mut res = match crate::ops::with_request_id(id.clone(), next.call(req)).await {
        Ok(res) => res,
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            crate::ops::record_request(&method, "(no route)", status, started.elapsed());
            return Err(e);
        }
    };
    let route = res.request().match_pattern().unwrap_or_else(|| "(no route)".to_string());
    crate::ops::record_request(&method, &route, res.status().as_u16(), started.elapsed());
    if let Ok(value) = header::HeaderValue::from_str(&id) {
        res.headers_mut().insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
