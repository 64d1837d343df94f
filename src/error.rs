//! One error type for the web layer, rendered as an error page and logged with its cause chain.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

#[derive(Debug)]
pub enum AppError {
    /// The page does not exist, or the user may not know that it does.
    NotFound,
    /// Signed in, but the role may not do this.
    Forbidden,
    /// Not signed in: send to the sign-in page, then back.
    SignInRequired {
        next: String,
        expired: bool,
        /// Which limit ended the session ("idle" or "absolute"), for the sign-in page's message.
        ended: Option<&'static str>,
    },
    /// A POST without a valid CSRF token.
    Csrf,
    /// The service refused the action: back to `to` with the reason shown as a message.
    Refused {
        to: String,
        message: String,
        secure_cookies: bool,
    },
    /// A request the service cannot accept (not a form error: those re-render with 422).
    BadRequest(String),
    TooManyRequests(String),
    PayloadTooLarge,
    /// Anything unexpected: logged in full, shown as a 500 page without detail.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(e.into())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::NotFound => f.write_str("page not found"),
            AppError::Forbidden => f.write_str("forbidden"),
            AppError::SignInRequired { .. } => f.write_str("sign-in required"),
            AppError::Csrf => f.write_str("missing or invalid CSRF token"),
            AppError::Refused { message, .. } => write!(f, "refused: {message}"),
            AppError::BadRequest(m) => write!(f, "bad request: {m}"),
            AppError::TooManyRequests(m) => write!(f, "too many requests: {m}"),
            AppError::PayloadTooLarge => f.write_str("request too large"),
            AppError::Internal(e) => {
                write!(f, "internal error: {e}")?;
                let mut source = e.source();
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for AppError {}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for AppError {
            fn from(e: $t) -> Self {
                AppError::Internal(Box::new(e))
            }
        }
    )*};
}
internal_from!(
    diesel::result::Error,
    diesel::r2d2::PoolError,
    crate::db::DbError,
    tera::Error,
    std::io::Error,
    serde_json::Error
);

/// Service errors reach the web layer through `?`: a refusal or invalid input outside a form is a
/// 400 with its message (forms handle both themselves, see `web::respond`), missing or hidden
/// things are 404, and faults are 500.
impl From<crate::services::ServiceError> for AppError {
    fn from(e: crate::services::ServiceError) -> Self {
        use crate::services::ServiceError;
        match e {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Refused(m) => AppError::BadRequest(m),
            ServiceError::Invalid(errors) => {
                AppError::BadRequest(errors.0.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))
            }
            ServiceError::Db(e) => AppError::from(e),
            e @ ServiceError::Template { .. } => AppError::internal(e),
            ServiceError::Internal(m) => AppError::internal(m),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(Box::new(e))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::SignInRequired { .. } | AppError::Refused { .. } => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::SignInRequired { next, expired, ended } => {
                let mut location = format!("/login?next={}", crate::templates::url_encode(next));
                match (expired, ended) {
                    (true, Some(why)) => location.push_str(&format!("&expired={why}")),
                    (true, None) => location.push_str("&expired=1"),
                    (false, _) => {}
                }
                HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
            }
            AppError::Refused { to, message, secure_cookies } => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, crate::web::render::location_header(to)))
                .cookie(crate::web::context::Flash::important(message.as_str()).cookie(*secure_cookies))
                .finish(),
            AppError::Internal(_) => {
                tracing::error!(request_id = %crate::ops::request_id().unwrap_or_default(), error = %self, "request failed");
                crate::web::render::error_page(self.status_code(), None)
            }
            AppError::BadRequest(m) | AppError::TooManyRequests(m) => {
                crate::web::render::error_page(self.status_code(), Some(m))
            }
            _ => crate::web::render::error_page(self.status_code(), None),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
