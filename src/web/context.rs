//! What the session middleware knows about a request, for handlers and templates.

use crate::error::AppError;
use crate::models::session::Session;
use crate::models::user::User;
use crate::services::access::{self, Permission};
use crate::services::audit::Actor;
use crate::services::signed_out::{Ended, Restored};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::Serialize;
use std::future::{ready, Ready};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "sd_session";
pub const CSRF_COOKIE: &str = "sd_csrf";
pub const FLASH_COOKIE: &str = "sd_flash";
/// A random token that lets the app know a browser again at sign-in (a new one is emailed about).
pub const BROWSER_COOKIE: &str = "sd_browser";
/// A complainant's or member's session on their own page (never a staff session).
pub const PARTY_COOKIE: &str = "sd_party";

/// A cookie's name as sent: over HTTPS with the `__Host-` prefix, which browsers accept only
/// with `Secure`, `Path=/` and no `Domain` (so no subdomain can set or shadow it).
pub fn cookie_name(name: &'static str, secure: bool) -> &'static str {
    match (name, secure) {
        (SESSION_COOKIE, true) => "__Host-sd_session",
        (CSRF_COOKIE, true) => "__Host-sd_csrf",
        (FLASH_COOKIE, true) => "__Host-sd_flash",
        (BROWSER_COOKIE, true) => "__Host-sd_browser",
        (PARTY_COOKIE, true) => "__Host-sd_party",
        _ => name,
    }
}

/// A cookie for this app: its name for the scheme, `Path=/`, `HttpOnly`, `SameSite=Lax`, and
/// `Secure` over HTTPS.
pub fn app_cookie(name: &'static str, value: String, secure: bool) -> actix_web::cookie::CookieBuilder<'static> {
    Cookie::build(cookie_name(name, secure), value).path("/").http_only(true).secure(secure).same_site(SameSite::Lax)
}

/// The cookie that removes one of this app's cookies (same name, path and `Secure`).
pub fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    Cookie::build(cookie_name(name, secure), "").path("/").secure(secure).finish()
}
pub const CSRF_FIELD: &str = "_csrf";

#[derive(Debug)]
pub struct AuthState {
    pub session: Session,
    pub user: User,
}

/// A message shown once on the next page (GOV.UK notification banner).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Flash {
    /// "success" or "important".
    pub kind: String,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Self {
        Self { kind: "success".into(), message: message.into() }
    }

    pub fn important(message: impl Into<String>) -> Self {
        Self { kind: "important".into(), message: message.into() }
    }

    /// Hex of "kind\nmessage": nothing in it needs escaping in a cookie.
    pub fn to_cookie_value(&self) -> String {
        crate::services::auth::hex(format!("{}\n{}", self.kind, self.message).as_bytes())
    }

    pub fn from_cookie_value(v: &str) -> Option<Self> {
        if !v.len().is_multiple_of(2) || v.len() > 2000 {
            return None;
        }
        let bytes: Option<Vec<u8>> =
            (0..v.len()).step_by(2).map(|i| u8::from_str_radix(v.get(i..i + 2)?, 16).ok()).collect();
        let text = String::from_utf8(bytes?).ok()?;
        let (kind, message) = text.split_once('\n')?;
        matches!(kind, "success" | "important").then(|| Self { kind: kind.to_string(), message: message.to_string() })
    }

    pub fn cookie(&self, secure: bool) -> Cookie<'static> {
        app_cookie(FLASH_COOKIE, self.to_cookie_value(), secure).finish()
    }
}

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub auth: Option<Arc<AuthState>>,
    /// A session that has passed the password but not yet the second factor: it opens only the
    /// two-factor page (and sign-out); everywhere else the request is not signed in.
    pub pending: Option<Arc<AuthState>>,
    pub csrf_token: String,
    pub ip: String,
    pub path: String,
    pub flash: Option<Flash>,
    /// The request carried a session cookie that has expired.
    pub session_expired: bool,
    /// Which limit ended that session (`None` when its user was deactivated).
    pub session_ended: Option<Ended>,
    /// A form this user sent after their session expired, given back on this page (`?restore=`).
    pub restored: Option<Arc<Restored>>,
    /// `SESSION_IDLE_MINUTES`, for the session timeout warning.
    pub session_idle_minutes: i64,
    pub secure_cookies: bool,
}

impl RequestContext {
    pub fn user(&self) -> Option<&User> {
        self.auth.as_ref().map(|a| &a.user)
    }

    /// The signed-in user, or a redirect to the sign-in page.
    pub fn require_user(&self) -> Result<&User, AppError> {
        self.user().ok_or_else(|| AppError::SignInRequired {
            next: self.path.clone(),
            expired: self.session_expired,
            ended: self.session_ended.map(Ended::as_str),
        })
    }

    /// The signed-in user if their role has the permission; 403 otherwise.
    pub fn require(&self, permission: Permission) -> Result<&User, AppError> {
        let user = self.require_user()?;
        if access::can(user, permission) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn actor(&self) -> Actor {
        match self.user() {
            Some(u) => Actor::user(&u.id, &u.name, Some(self.ip.clone())),
            None => Actor::public(Some(self.ip.clone())),
        }
    }
}

impl FromRequest for RequestContext {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<RequestContext>()
                .cloned()
                .ok_or_else(|| AppError::internal("session middleware did not run for this route")),
        )
    }
}
