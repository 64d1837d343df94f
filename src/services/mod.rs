//! Rules and transactions. No actix types here: services take a `&mut DbConnection` and plain
//! values, and return plain values or a [`ServiceError`].

pub mod access;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod calendar;
pub mod case_page;
pub mod cases;
pub mod conflicts;
pub mod dashboard;
pub mod decisions;
pub mod demo;
pub mod desk;
pub mod documents;
pub mod drafts;
pub mod evidence;
pub mod files;
pub mod generate;
pub mod health;
pub mod hearing;
pub mod intake;
pub mod investigation;
pub mod jobs;
pub mod letter_templates;
pub mod letters;
pub mod notices;
pub mod outbox;
pub mod parties;
pub mod password_reset;
pub mod passwords;
pub mod privacy;
pub mod rate_limit;
pub mod reference;
pub mod register;
pub mod reports;
pub mod retention;
pub mod sanction_lists;
pub mod sessions;
pub mod settings;
pub mod signed_out;
pub mod takedown;
pub mod text;
pub mod two_factor;
pub mod urls;
pub mod users;
pub mod vocab;

use serde::Serialize;

/// Per-field messages for a form, in the order the fields appear (for the GOV.UK error summary).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.has(field) {
            self.0.push(FieldError { field: field.to_string(), message: message.into() });
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ok if there are no errors.
    pub fn into_result(self) -> Result<(), ServiceError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(self))
        }
    }

    /// A map of field → message, for templates.
    pub fn by_field(&self) -> std::collections::BTreeMap<String, String> {
        self.0.iter().map(|e| (e.field.clone(), e.message.clone())).collect()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.add(field, message);
        e
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input breaks a rule: show the messages on the form.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// The action is not allowed in the current state; the message says why.
    #[error("{0}")]
    Refused(String),
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// A template (an email, an export) did not render: a fault in the shipped templates.
    #[error("template {name} did not render: {message}")]
    Template { name: String, message: String },
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(FieldErrors::single(field, message))
    }

    pub fn refused(message: impl Into<String>) -> Self {
        ServiceError::Refused(message.into())
    }

    pub fn template(name: &str, e: tera::Error) -> Self {
        ServiceError::Template { name: name.to_string(), message: format!("{e:?}") }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Trims a submitted string; empty becomes `None`.
pub fn clean(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant of `ServiceError` is produced somewhere in the services: the match below
    /// fails to compile when a variant is added, and each variant's constructor must appear in
    /// the service code outside this file (Db through `?` on a diesel error, by `#[from]`).
    #[test]
    fn every_service_error_variant_is_produced_somewhere() {
        fn constructors(e: &ServiceError) -> &'static [&'static str] {
            match e {
                ServiceError::Invalid(_) => &["ServiceError::Invalid(", "ServiceError::invalid(", ".into_result()"],
                ServiceError::Refused(_) => &["ServiceError::Refused(", "ServiceError::refused("],
                ServiceError::NotFound => &["ServiceError::NotFound"],
                ServiceError::Forbidden => &["ServiceError::Forbidden"],
                ServiceError::Db(_) => &["QueryResult<"],
                ServiceError::Template { .. } => &["ServiceError::template("],
                ServiceError::Internal(_) => &["ServiceError::Internal("],
            }
        }
        let every = [
            ServiceError::Invalid(FieldErrors::default()),
            ServiceError::Refused(String::new()),
            ServiceError::NotFound,
            ServiceError::Forbidden,
            ServiceError::Db(diesel::result::Error::NotFound),
            ServiceError::Template { name: String::new(), message: String::new() },
            ServiceError::Internal(String::new()),
        ];
        let mut sources = String::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/services"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("services directory") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") && !path.ends_with("services/mod.rs") {
                    sources.push_str(&std::fs::read_to_string(&path).expect("source"));
                }
            }
        }
        for e in &every {
            assert!(
                constructors(e).iter().any(|c| sources.contains(c)),
                "no service produces {e:?}: use it or remove the variant"
            );
        }
    }
}
