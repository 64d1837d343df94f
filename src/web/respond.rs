//! One error path for handlers. A handler is: parse, call one service, then
//!
//! ```text
//! match state.db(move |conn| Ok(service::act(conn, ...))).await?.or_back(&ctx, &back)? {
//!     Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Done"))),   // 303
//!     Err(errors) => page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, ..., &errors), // 422
//! }
//! ```
//!
//! `or_back` turns a refusal into a 303 back with its message and passes every other fault on
//! through `?`; what is left is a `Result<T, FieldErrors>`, so the compiler makes the handler
//! say what it does with invalid input.

use crate::error::AppError;
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use crate::web::context::RequestContext;

pub trait FormOutcome<T> {
    /// `Ok(Ok(v))`: done. `Ok(Err(errors))`: show the form again (422). A refusal: back to
    /// `back` with the reason as a message. Anything else: an error page.
    fn or_back(self, ctx: &RequestContext, back: &str) -> Result<Result<T, FieldErrors>, AppError>;

    /// For actions without a form of their own (a button): a refusal or invalid input goes back
    /// to `back` with its message.
    fn or_back_with_message(self, ctx: &RequestContext, back: &str) -> Result<T, AppError>;
}

impl<T> FormOutcome<T> for ServiceResult<T> {
    fn or_back(self, ctx: &RequestContext, back: &str) -> Result<Result<T, FieldErrors>, AppError> {
        match self {
            Ok(v) => Ok(Ok(v)),
            Err(ServiceError::Invalid(errors)) => Ok(Err(errors)),
            Err(ServiceError::Refused(message)) => Err(refused(ctx, back, message)),
            Err(e) => Err(AppError::from(e)),
        }
    }

    fn or_back_with_message(self, ctx: &RequestContext, back: &str) -> Result<T, AppError> {
        match self {
            Ok(v) => Ok(v),
            Err(ServiceError::Refused(message)) => Err(refused(ctx, back, message)),
            Err(ServiceError::Invalid(errors)) => {
                let message = errors.0.into_iter().map(|e| e.message).collect::<Vec<_>>().join(". ");
                Err(refused(ctx, back, message))
            }
            Err(e) => Err(AppError::from(e)),
        }
    }
}

fn refused(ctx: &RequestContext, back: &str, message: String) -> AppError {
    AppError::Refused { to: back.to_string(), message, secure_cookies: ctx.secure_cookies }
}
