//! Fixtures shared by the tests and the benchmarks: a complete complaint, and the public form
//! driven from start to confirmation.

use crate::harness::TestApp;
use standards_desk::models::case::{self as case_rows, Case};

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// A complete public complaint about Alex Archer's Facebook post (domain.md scenario 1).
pub fn complaint(app: &TestApp) -> Vec<(String, String)> {
    let m = app.membership("Alex Archer", "southvale");
    [
        ("complainant_name", "Jo Public"),
        ("complainant_email", "jo@example.com"),
        ("complainant_phone", "01234 567890"),
        ("complainant_address", ""),
        ("complainant_type", "public"),
        ("confidential", "no"),
        ("confidential_reason", ""),
        ("councillor", m.as_str()),
        ("councillor_2", ""),
        ("conduct_day", "3"),
        ("conduct_month", "11"),
        ("conduct_year", "2026"),
        ("platform", "facebook"),
        ("post_urls", "https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc?fbclid=IwAR0"),
        ("what_happened", "Called a named planning officer incompetent and a liar."),
        ("why_official", "The page is called Cllr A – Northfield Ward."),
        ("provisions", "1"),
        ("provisions", "3"),
        ("witnesses", "Sam Neighbour"),
        ("outcome_sought", "An apology"),
        ("declaration", "yes"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub fn with(fields: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| k != key).cloned().collect();
    out.push((key.to_string(), value.to_string()));
    out
}

pub fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Fills in and sends the public form, then confirms on the check-answers page.
pub async fn submit_public(app: &TestApp, fields: &[(String, String)], files: &[(&str, &str, &[u8])]) -> Case {
    app.get("/complaints/new").await.assert_status(200);
    let res = app.post_multipart("/complaints/new", &refs(fields), files).await;
    res.assert_status(303);
    let check_path = res.location().unwrap().to_string();
    assert!(check_path.starts_with("/complaints/check/"), "{check_path}");
    app.get(&check_path).await.assert_status(200).assert_contains("Check your answers");
    let sent = app.post_form(&check_path, &[]).await;
    sent.assert_status(303);
    let confirmation = app.follow(&sent).await;
    confirmation.assert_status(200).assert_contains("Complaint sent");
    let reference = confirmation.body.split("<strong>").nth(1).unwrap().split("</strong>").next().unwrap().to_string();
    case_rows::find_by_reference(&mut app.conn(), &reference).unwrap().expect("the case exists")
}
