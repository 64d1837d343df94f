//! What a password must be (OWASP ASVS 4.0 V2.1): at least 12 characters, at most 128, any
//! characters (no rules about mixing kinds, nothing truncated), and not one of the 20,000 common
//! passwords in `seeds/passwords/common-passwords.txt.gz` (Django's list, see the README beside it),
//! nor the person's own email address or name.

use crate::services::FieldErrors;
use std::collections::HashSet;
use std::io::Read;
use std::sync::LazyLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

static COMMON_GZ: &[u8] = include_bytes!("../../seeds/passwords/common-passwords.txt.gz");

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut text = String::new();
    flate2::read::GzDecoder::new(COMMON_GZ)
        .read_to_string(&mut text)
        .expect("the common passwords list is gzipped UTF-8 text");
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_lowercase).collect()
});

/// Whether the password, lowercased, is on the common passwords list.
pub fn is_common(password: &str) -> bool {
    COMMON.contains(&password.to_lowercase())
}

/// The reason a password is refused, if it is. `email` and `name` are the account's (a password
/// that is one of them, in any case, is refused).
pub fn check(password: &str, email: &str, name: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!("Enter a password of at least {MIN_LENGTH} characters"));
    }
    if length > MAX_LENGTH {
        return Some(format!("Enter a password of {MAX_LENGTH} characters or fewer"));
    }
    let lower = password.trim().to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || (!local.is_empty() && lower == local) || lower == name.trim().to_lowercase() {
        return Some("Choose a password that is not your email address or name".into());
    }
    if is_common(password) {
        return Some(
            "This password is on a list of commonly used passwords that attackers try first. Choose another".into(),
        );
    }
    None
}

/// Adds the reason to `field`, if the password is refused.
pub fn validate(errors: &mut FieldErrors, field: &str, password: &str, email: &str, name: &str) {
    if let Some(reason) = check(password, email, name) {
        errors.add(field, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_loaded_and_common_passwords_are_refused_in_any_case() {
        assert!(COMMON.len() > 19_000, "{}", COMMON.len());
        assert!(is_common("password123"));
        assert!(is_common("QWERTYUIOP"));
        assert!(!is_common("correct horse battery"));
        assert_eq!(
            check("qwertyuiopasdfgh", "a@b.example", "A").is_some(),
            is_common("qwertyuiopasdfgh"),
            "refused exactly when listed"
        );
    }

    #[test]
    fn length_and_identity_rules() {
        assert!(check("short one", "a@b.example", "A").unwrap().contains("at least 12"));
        assert!(check(&"x".repeat(129), "a@b.example", "A").unwrap().contains("128 characters or fewer"));
        assert!(check(&"é".repeat(12), "a@b.example", "A").is_none(), "counted in characters");
        assert!(check("Iris.Example@council.example", "iris.example@council.example", "Iris").is_some());
        assert!(check("iris.example", "iris.example@council.example", "Iris").is_some());
        assert!(check("Iris Example Smith", "i@council.example", "iris example smith").is_some());
        assert!(check("correct horse battery", "i@council.example", "Iris").is_none());
    }
}
