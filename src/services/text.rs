//! Checks on what people type that apply to every form. A single-line field (a name, an email
//! address, a phone number, a subject, a title) must hold no line breaks, tabs or other control
//! characters: they have no place in a name, and in an email header a line break starts a new
//! header. Multi-line fields (a complaint's text, notes) keep their line breaks and are not
//! checked here.

use crate::services::FieldErrors;

/// True if `s` has no control characters (CR, LF, tab, NUL, DEL, C1) and no Unicode line or
/// paragraph separator.
pub fn is_one_line(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

/// The message for a single-line field that is not on one line; `what` names the field as the
/// form asks for it ("your full name", "the venue").
pub fn one_line_message(what: &str) -> String {
    format!("Enter {what} on one line, without line breaks, tabs or other special characters")
}

/// Adds the error for `field` if `value` is not on one line.
pub fn check_one_line(e: &mut FieldErrors, field: &str, value: &str, what: &str) {
    if !is_one_line(value) {
        e.add(field, one_line_message(what));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_tabs_and_other_control_characters_are_refused() {
        for bad in
            ["Jo\r\nPublic", "Jo\nPublic", "Jo\rPublic", "Jo\tPublic", "Jo\u{0}", "Jo\u{7f}", "Jo\u{85}", "Jo\u{2028}"]
        {
            assert!(!is_one_line(bad), "{bad:?}");
        }
        for good in ["Jo Public", "Siân O'Brien-Jones", "株式会社", ""] {
            assert!(is_one_line(good), "{good:?}");
        }
        let mut e = FieldErrors::default();
        check_one_line(&mut e, "name", "a\nb", "your full name");
        check_one_line(&mut e, "email", "a@b.example", "your email address");
        assert_eq!(e.by_field().len(), 1);
        assert!(e.by_field()["name"].starts_with("Enter your full name on one line"));
    }
}
