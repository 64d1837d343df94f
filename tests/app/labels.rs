//! Labels, never codes (issue 17): a case walked from the public form to its decision notices,
//! with a takedown request and an Independent Person consulted, then every page reachable from
//! the desks crawled (and the CSV exports and every email sent) looking for a stored code shown
//! to people: `OFFICIAL`, `independent-person`, a bare `yes`, a status code…

use crate::fixtures::{complaint, consult_ip, submit_public, PNG};
use crate::harness::TestApp;
use crate::hearing::{at_hearing, future};
use crate::rows;
use standards_desk::models::enums::CaseStatus;
use standards_desk::models::user::Role;
use standards_desk::services::vocab;
use std::collections::{BTreeSet, VecDeque};

/// Every stored code people might be shown by mistake. Numeric codes (Schedule 12A's "1") are
/// left out: numbers are words too.
fn codes() -> BTreeSet<String> {
    let lists: Vec<&[(&str, &str)]> = vec![
        &vocab::COMPLAINANT_TYPES,
        &vocab::PLATFORMS,
        &vocab::COMPLAINT_SOURCES,
        &vocab::MEMBERSHIP_ROLES,
        &vocab::END_REASONS,
        &vocab::CODE_KINDS,
        &vocab::CAPACITY_OUTCOMES,
        &vocab::INITIAL_DECISIONS,
        &vocab::NFA_REASONS,
        &vocab::REFERRAL_BODIES,
        &vocab::ARTICLE10_TARGETS,
        &vocab::YES_NO_UNCLEAR,
        &vocab::FACT_OR_VALUE,
        &vocab::IP_STAGES,
        &vocab::NOTICE_RECIPIENTS,
        &vocab::REVIEW_REQUESTERS,
        &vocab::INVESTIGATION_ENTRY_KINDS,
        &vocab::POST_INVESTIGATION_OUTCOMES,
        &vocab::SANCTIONS,
        &vocab::COMPLIANCE,
        &vocab::TAKEDOWN_ADDRESSEES,
        &vocab::TAKEDOWN_CHANNELS,
        &vocab::INFORMAL_ACTION_KINDS,
    ];
    let mut out: BTreeSet<String> = lists.iter().flat_map(|l| l.iter().map(|(c, _)| c.to_string())).collect();
    out.extend(CaseStatus::ALL.iter().map(|s| s.as_str().to_string()));
    out.extend(Role::ALL.iter().map(|r| r.as_str().to_string()));
    out.extend(["breach", "no-breach"].map(String::from));
    out.retain(|c| !c.chars().all(|ch| ch.is_ascii_digit()));
    // Codes that are also English words, as the capacity test's questions use them.
    out.remove("co-opted");
    out
}

/// A code that cannot be an ordinary word of a sentence: it has a hyphen or an underscore
/// inside, or is in capitals ("OFFICIAL").
fn is_telltale(code: &str) -> bool {
    code.contains(['-', '_']) || code.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

/// Where `code` stands as a word of `text`: not part of a longer word, nor of an address
/// (`/cases/…/initial-assessment`), nor of a name with the same letters in capitals.
fn word_at(text: &str, code: &str) -> Option<usize> {
    let inside = |c: char| c.is_alphanumeric() || "-_/#?=&@.".contains(c);
    let mut from = 0;
    while let Some(i) = text[from..].find(code) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + code.len()..].chars().next();
        let after_ok = match after {
            None => true,
            Some('.') => text[at + code.len() + 1..].chars().next().is_none_or(char::is_whitespace),
            Some(c) => !inside(c),
        };
        if before.is_none_or(|c| !inside(c)) && after_ok {
            return Some(at);
        }
        from = at + code.len();
    }
    None
}

/// The words a page shows: its text between tags, scripts and styles left out, entities decoded.
fn visible_text(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut text = String::new();
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        out.push(std::mem::take(&mut text));
        let tail = &rest[open..];
        let lower = tail.get(..8).unwrap_or("").to_ascii_lowercase();
        let end_tag = if lower.starts_with("<script") {
            "</script>"
        } else if lower.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        match tail.find(end_tag) {
            Some(e) => rest = &tail[e + end_tag.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push(rest.to_string());
    out.into_iter()
        .map(|t| {
            t.replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .trim()
                .to_string()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The codes shown in these pieces of text (each a text node, a CSV cell or a letter's line):
/// a telltale code anywhere as a word, or a piece that is nothing but a code ("yes").
fn codes_shown(pieces: &[String], codes: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for piece in pieces {
        let value = piece.rsplit_once(": ").map_or(piece.as_str(), |(_, v)| v).trim();
        for code in codes {
            if value == code || (is_telltale(code) && word_at(piece, code).is_some()) {
                found.push(format!("{code:?} in {piece:?}"));
            }
        }
    }
    found
}

/// Finds every same-site page link (`href="/…"`) in a page.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or(h).replace("&amp;", "&"))
        .collect()
}

/// Crawls from `start` as this browser: every page it can open (files, images and archives
/// left out), at most `limit` of them. Returns (path, pieces of text) for pages and CSV files.
async fn crawl(browser: &TestApp, start: &[&str], limit: usize) -> Vec<(String, Vec<String>)> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    while let Some(path) = queue.pop_front() {
        if out.len() >= limit || !seen.insert(path.clone()) {
            continue;
        }
        let skip = ["/static/", "/logout", "/files/", "/bundle/", ".zip", "/entries/", "/privacy/", "/password-reset"];
        if skip.iter().any(|s| path.contains(s)) {
            continue;
        }
        let res = browser.get(&path).await;
        if res.status.as_u16() != 200 {
            continue;
        }
        let kind = res.header("content-type").unwrap_or("").to_string();
        if kind.starts_with("text/html") {
            for l in links(&res.body) {
                if !seen.contains(&l) {
                    queue.push_back(l);
                }
            }
            out.push((path, visible_text(&res.body)));
        } else if kind.starts_with("text/csv") {
            // The header row names the columns for programs; the rows are what people read.
            let cells =
                res.body.lines().skip(1).flat_map(|l| l.split(',').map(|c| c.trim_matches('"').to_string())).collect();
            out.push((path, cells));
        }
    }
    out
}

/// A case walked to its decision notices: findings, sanctions, the notice sent; another case
/// with a takedown request sent and an Independent Person consulted.
async fn walked(app: &TestApp) -> Vec<String> {
    let case = at_hearing(app).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    let allegations = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id).unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for (i, a) in allegations.iter().enumerate() {
        fields.push((format!("finding_{}", a.id), if i == 0 { "breach" } else { "no-breach" }.into()));
        fields.push((format!("reasons_{}", a.id), "The post named the officer.".into()));
        fields.push((format!("article10_{}", a.id), "A personal attack has little protection.".into()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    officer.post_form(&format!("{path}/findings"), &refs).await.assert_status(303);
    let (day, month, year) = future(30);
    let alex = app.member_id("Alex Archer");
    officer
        .post_form(
            &format!("{path}/sanctions"),
            &[
                ("member", &alex),
                ("kind", "remove-from-committees"),
                ("detail", "Off the planning committee for six months."),
                ("follow_up_day", &day),
                ("follow_up_month", &month),
                ("follow_up_year", &year),
            ],
        )
        .await
        .assert_status(303);
    let issued = officer.post_form(&format!("{path}/decision"), &[]).await;
    issued.assert_status(303);
    let notices = issued.location().unwrap().to_string();
    officer.post_form(&notices, &[]).await.assert_status(303);

    // A second case: a takedown request to the member, and an Independent Person consulted.
    let other = submit_public(app, &complaint(app), &[("files", "post.png", PNG)]).await;
    consult_ip(app, &other, "Was the councillor acting as a councillor?");
    let items = rows::evidence_item_ids(app, &other.id);
    let mut fields: Vec<(&str, &str)> = items.iter().map(|i| ("items", i.as_str())).collect();
    fields.extend([
        ("addressee_kind", "group-leader"),
        ("addressee_name", "Pat Leader"),
        ("channel", "in-person"),
        ("to_address", ""),
        ("request_text", "Please ask Councillor Archer to remove the post."),
    ]);
    officer.post_form(&format!("/cases/{}/takedowns", other.reference), &fields).await.assert_status(303);
    vec![case.reference, other.reference]
}

#[actix_web::test]
async fn no_page_csv_or_email_shows_a_stored_code() {
    let app = TestApp::spawn_demo().await;
    let references = walked(&app).await;
    let codes = codes();
    let mut problems = Vec::new();
    let mut pages = 0;
    for (email, start) in [
        (
            "officer@southvale.example",
            vec!["/dashboard", "/cases", "/reports", "/reports/cases.csv", "/reports/figures.csv"],
        ),
        ("mo@southvale.example", vec!["/dashboard"]),
        ("ip@southvale.example", vec!["/dashboard"]),
        ("admin@southvale.example", vec!["/admin", "/admin/mail"]),
    ] {
        let browser = app.new_browser();
        browser.login(email, "demo-password").await;
        let mut start: Vec<String> = start.into_iter().map(String::from).collect();
        if email.starts_with("officer") {
            start.extend(references.iter().map(|r| format!("/cases/{r}")));
        }
        let start: Vec<&str> = start.iter().map(String::as_str).collect();
        for (path, pieces) in crawl(&browser, &start, 150).await {
            pages += 1;
            for p in codes_shown(&pieces, &codes) {
                problems.push(format!("{email} {path}: {p}"));
            }
        }
    }
    assert!(pages >= 30, "the crawl reached only {pages} pages");
    let emails = app.emails();
    assert!(emails.iter().any(|m| m.template == "decision_notice"));
    assert!(emails.iter().any(|m| m.template == "ip_request"));
    for m in &emails {
        let lines: Vec<String> =
            std::iter::once(m.subject.clone()).chain(m.body_text.lines().map(|l| l.trim().to_string())).collect();
        for p in codes_shown(&lines, &codes) {
            problems.push(format!("email {} to {}: {p}", m.template, m.to_address));
        }
        if let Some(html) = &m.body_html {
            for p in codes_shown(&visible_text(html), &codes) {
                problems.push(format!("email {} (HTML) to {}: {p}", m.template, m.to_address));
            }
        }
    }
    assert!(problems.is_empty(), "codes shown to people:\n{}", problems.join("\n"));
}

#[test]
fn the_code_finder_tells_codes_from_words_and_addresses() {
    let codes = codes();
    let shown = |s: &str| !codes_shown(&[s.to_string()], &codes).is_empty();
    assert!(shown("Outcome: OFFICIAL"));
    assert!(shown("yes"));
    assert!(shown("Answer: unclear"));
    assert!(shown("Role: independent-person"));
    assert!(shown("Stage post-investigation."));
    assert!(!shown("Official capacity: the code applies"));
    assert!(!shown("https://x.example/cases/SD-1/initial-assessment"));
    assert!(!shown("Yes"));
    assert!(!shown("Is there anything else? yes, there is"));
}

#[actix_web::test]
async fn the_reference_never_breaks_across_lines() {
    let app = TestApp::spawn_demo().await;
    let case = submit_public(&app, &complaint(&app), &[("files", "post.png", PNG)]).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let reference = format!("<span class=\"sd-ref\">{}</span>", case.reference);
    for path in
        [format!("/cases/{}", case.reference), "/cases".into(), format!("/cases/{}/takedowns/new", case.reference)]
    {
        officer.get(&path).await.assert_status(200).assert_contains(&reference);
    }
    let css = app.get("/static/css/app.css").await;
    css.assert_status(200).assert_contains(".sd-ref{white-space:nowrap}");
}
