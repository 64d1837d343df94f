//! Fuzz: hostile values posted to every form of every role, and hostile query strings to every
//! page, asserting that no response is a 5xx (actix turns a handler panic into a 500, so this
//! catches panics too) and that the server still answers after each route.
//!
//! The routes are read from the route table itself (`src/web/mod.rs`), so a new route is fuzzed
//! without touching this file. The forms are found by crawling the site as each role, on a demo
//! council with a case at a hearing (every stage behind it) and a fresh case with a takedown
//! request: every form's real field names (those the templates render, date parts included) and
//! its real values (ids, options) are used, mixed with hostile ones, so handlers go deep. Routes
//! no page offers to anyone are still posted to, with real case references and every field name
//! seen.
//!
//! A small seeded xorshift generator drives the choices: `FUZZ_SEED` replays a run (the seed is
//! printed with any failure), `FUZZ_ITERATIONS` (default 3) sets the bodies per route and role.

use crate::fixtures::{complaint, consult_ip, refs, CaseBuilder, PNG};
use crate::harness::{Response, TestApp};
use actix_web::http::Method;
use standards_desk::models::case::Case;
use standards_desk::models::user::Role;
use standards_desk::services::assessment::{self, AnswerInput};
use standards_desk::services::audit::Actor;
use standards_desk::services::decisions::{self, DecisionInput};
use standards_desk::services::takedown::{self, RequestInput};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const ROUTE_TABLE: &str = include_str!("../../src/web/mod.rs");

/// xorshift64*: small, seeded, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `percent` in 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Verb {
    Get,
    Post,
}

/// A route of the table: its verb and pattern (`/cases/{reference}/notes`).
#[derive(Debug, Clone)]
struct Route {
    verb: Verb,
    pattern: String,
}

impl Route {
    fn segments(&self) -> Vec<&str> {
        self.pattern.trim_start_matches('/').split('/').collect()
    }

    /// Whether a concrete path (no query) is this route, as actix matches it.
    fn matches(&self, path: &str) -> bool {
        let segs = self.segments();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if segs.last().is_some_and(|s| s.starts_with('{') && s.contains(":.*")) {
            return parts.len() >= segs.len() && segs[..segs.len() - 1].iter().zip(&parts).all(|(s, p)| seg_ok(s, p));
        }
        segs.len() == parts.len() && segs.iter().zip(&parts).all(|(s, p)| seg_ok(s, p))
    }
}

/// One segment of a pattern against one of a path: a literal (which may carry a suffix after a
/// parameter, `evidence.zip`), or a parameter matching any non-empty text.
fn seg_ok(seg: &str, part: &str) -> bool {
    if seg.starts_with('{') && seg.ends_with('}') {
        !part.is_empty()
    } else {
        seg == part
    }
}

/// Every route of `src/web/mod.rs`, in table order (the order actix tries them).
fn route_table() -> Vec<Route> {
    let mut routes = Vec::new();
    for line in ROUTE_TABLE.lines() {
        let Some(at) = line.find(".route(\"") else { continue };
        let rest = &line[at + ".route(\"".len()..];
        let Some(end) = rest.find('"') else { continue };
        let pattern = rest[..end].to_string();
        let verb = if rest.contains("web::post()") {
            Verb::Post
        } else if rest.contains("web::get()") {
            Verb::Get
        } else {
            continue;
        };
        routes.push(Route { verb, pattern });
    }
    assert!(routes.len() > 80, "the route table was read ({} routes)", routes.len());
    routes
}

/// The first route of the table for this verb and path (None: the default service).
fn route_of<'a>(routes: &'a [Route], verb: Verb, path: &str) -> Option<&'a Route> {
    let path = path.split('?').next().unwrap_or_default();
    routes.iter().find(|r| r.verb == verb && r.matches(path))
}

#[derive(Debug, Clone, Default)]
struct Field {
    name: String,
    values: BTreeSet<String>,
    file: bool,
}

#[derive(Debug, Clone)]
struct Form {
    action: String,
    post: bool,
    multipart: bool,
    fields: Vec<Field>,
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

/// The value of an attribute in one tag (`name="…"`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let at = tag.find(&needle)? + needle.len();
    let end = tag[at..].find('"')?;
    Some(unescape(&tag[at..at + end]))
}

/// The forms of a page: action, method, encoding, and each control's name and values.
fn forms_of(page_path: &str, html: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let body_end = rest[start..].find("</form>").map(|e| start + e).unwrap_or(rest.len());
        let chunk = &rest[start..body_end];
        let tag_end = chunk.find('>').unwrap_or(chunk.len());
        let tag = &chunk[..tag_end];
        let post = attr(tag, "method").is_some_and(|m| m.eq_ignore_ascii_case("post"));
        let multipart = attr(tag, "enctype").is_some_and(|e| e.contains("multipart"));
        let action = attr(tag, "action").unwrap_or_else(|| page_path.to_string());
        let mut fields: Vec<Field> = Vec::new();
        let mut current_select: Option<String> = None;
        for piece in chunk.split('<').skip(1) {
            let tag = piece.split('>').next().unwrap_or_default();
            let kind = tag.split_whitespace().next().unwrap_or_default();
            match kind {
                "input" | "textarea" | "select" | "button" => {
                    let Some(name) = attr(tag, "name") else { continue };
                    let ty = attr(tag, "type").unwrap_or_default();
                    let value = if kind == "textarea" {
                        piece.split_once('>').map(|(_, text)| unescape(text)).unwrap_or_default()
                    } else {
                        attr(tag, "value").unwrap_or_default()
                    };
                    if kind == "select" {
                        current_select = Some(name.clone());
                    }
                    let f = match fields.iter_mut().find(|f| f.name == name) {
                        Some(f) => f,
                        None => {
                            fields.push(Field { name: name.clone(), ..Default::default() });
                            fields.last_mut().expect("just pushed")
                        }
                    };
                    f.file |= ty == "file";
                    if !value.is_empty() {
                        f.values.insert(value);
                    }
                }
                "option" => {
                    if let (Some(select), Some(value)) = (&current_select, attr(tag, "value")) {
                        if let Some(f) = fields.iter_mut().find(|f| &f.name == select) {
                            f.values.insert(value);
                        }
                    }
                }
                "/select" => current_select = None,
                _ => {}
            }
        }
        forms.push(Form { action, post, multipart, fields });
        rest = &rest[body_end.min(rest.len())..];
        if rest.starts_with("</form>") {
            rest = &rest["</form>".len()..];
        } else {
            break;
        }
    }
    forms
}

/// The site's own links on a page.
fn links_of(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(unescape)
        .filter(|l| l.starts_with('/') && !l.starts_with("//") && !l.starts_with("/static/"))
        .map(|l| l.split('#').next().unwrap_or_default().to_string())
        .collect()
}

/// Visits the site as this browser from `starts`, following links (at most a few pages of each
/// route), and returns the forms seen and the pages visited.
async fn crawl(b: &TestApp, routes: &[Route], starts: &[String]) -> (Vec<Form>, Vec<String>) {
    let mut queue: VecDeque<String> = starts.iter().cloned().collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut per_route: BTreeMap<String, usize> = BTreeMap::new();
    let mut forms = Vec::new();
    let mut visited = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || visited.len() >= 160 {
            continue;
        }
        let key = route_of(routes, Verb::Get, &path).map(|r| r.pattern.clone()).unwrap_or_else(|| "?".into());
        if per_route.get(&key).is_some_and(|&n| n >= 12) {
            continue;
        }
        let res = b.get(&path).await;
        if res.status.as_u16() == 200 {
            *per_route.entry(key).or_default() += 1;
        }
        assert!(res.status.as_u16() < 500, "GET {path} answered {}:\n{}", res.status, snippet(&res));
        visited.push(path.clone());
        let html = res.header("content-type").is_some_and(|t| t.starts_with("text/html"));
        if res.status.as_u16() != 200 || !html {
            continue;
        }
        forms.extend(forms_of(&path, &res.body));
        queue.extend(links_of(&res.body));
    }
    (forms, visited)
}

fn snippet(res: &Response) -> String {
    res.body.chars().take(600).collect()
}

/// Values no form should ever fail on with a 5xx.
fn hostile_values() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        "",
        " ",
        "\t",
        "-1",
        "0",
        "1",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "4294967296",
        "1e309",
        "-1e309",
        "NaN",
        "inf",
        "0x10",
        "1.5",
        "١٢",
        "2026-02-30",
        "31/31/31",
        "0000-00-00",
        "0000-01-01",
        "99999-12-31",
        "-0001-01-01",
        "2026-13-01",
        "25:61",
        "99:99",
        "-1:00",
        "12:00:00:00",
        "24:00",
        "null",
        "true",
        "[]",
        "{}",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\"; DROP TABLE cases; --",
        "../../../../etc/passwd",
        "{{ 7*7 }}",
        "{% raw %}",
        "%00",
        "%s%n%x",
        "\u{202e}gnp.exe",
        "\u{feff}",
        "😀🏴\u{200d}☠️",
        "e\u{301}\u{301}\u{301}",
        "line one\r\nline two",
        "\r\n\r\n",
        "x\r\nSet-Cookie: sd=1",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "SD-2026-0001",
        "SD-99999-99999999999999999999",
        "E0",
        "E-1",
        "E99999999999999999999",
        "https://",
        "https://www.facebook.com/%FF%FE",
        "javascript:alert(1)",
        "mailto:a@b",
        "http://[::1",
        "a@b",
        "@",
        "a@@b..c",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    v.extend([
        b"\xff\xfe".to_vec(),
        b"abc\xc3(".to_vec(),
        b"\xed\xa0\x80".to_vec(),
        b"\xc0\xaf".to_vec(),
        b"\0".to_vec(),
        b"a\0b".to_vec(),
        (1u8..32).chain([127]).collect(),
        b"\x1b[31mred\x1b[0m".to_vec(),
    ]);
    v
}

/// A long value: 100 KB (the multipart limit), just over it, or many small characters.
fn big_value(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        0 => vec![b'A'; 100 * 1024],
        1 => vec![b'A'; 100 * 1024 + 1],
        2 => "é".repeat(50 * 1024).into_bytes(),
        _ => b"\xff".repeat(20 * 1024),
    }
}

/// Bad (day, month, year) triples for the date inputs.
const BAD_DATES: &[(&str, &str, &str)] = &[
    ("30", "2", "2026"),
    ("29", "2", "2025"),
    ("31", "31", "31"),
    ("-1", "-1", "-1"),
    ("1", "1", "0"),
    ("1", "1", "99999"),
    ("1", "1", "-44"),
    ("99999999999", "1", "2026"),
    ("1", "1", "9223372036854775808"),
    ("", "", ""),
    ("1", "", "2026"),
    ("x", "y", "z"),
    ("31", "12", "262143"),
    ("1", "1", "-262144"),
    ("1", "1", "2026"),
    ("1", "1", "1900"),
];

fn hostile_file_name(rng: &mut Rng) -> Vec<u8> {
    let names: &[&[u8]] = &[
        b"post.png",
        b"../../../etc/passwd",
        b"..\\..\\boot.ini",
        b"a\0b.png",
        b"\xff\xfe.png",
        b"",
        b".",
        b"..",
        b"/",
        b"CON",
        b"x\r\ny.pdf",
        b"\"quoted\".png",
    ];
    if rng.chance(5) {
        return vec![b'n'; 8 * 1024];
    }
    rng.pick(names).to_vec()
}

fn hostile_file(rng: &mut Rng) -> Vec<u8> {
    match rng.below(6) {
        0 => PNG.to_vec(),
        1 => crate::fixtures::PDF.to_vec(),
        2 => Vec::new(),
        3 => b"MZ\x90\0\x03\0\0\0".to_vec(),
        4 => (0..2048).map(|_| rng.next() as u8).collect(),
        _ => b"PK\x03\x04\x14\0\0\0\x08\0broken zip".to_vec(),
    }
}

fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One value for a field: a real one from its form (so handlers get past the first check), or a
/// hostile one.
fn value_for(rng: &mut Rng, field: &Field, date: (&str, &str, &str), pool: &[Vec<u8>]) -> Vec<u8> {
    let n = &field.name;
    if (n.ends_with("_day") || n.ends_with("_month") || n.ends_with("_year")) && rng.chance(70) {
        let v = if n.ends_with("_day") {
            date.0
        } else if n.ends_with("_month") {
            date.1
        } else {
            date.2
        };
        return v.as_bytes().to_vec();
    }
    if !field.values.is_empty() && rng.chance(45) {
        let values: Vec<&String> = field.values.iter().collect();
        return rng.pick(&values).as_bytes().to_vec();
    }
    if rng.chance(3) {
        return big_value(rng);
    }
    rng.pick(pool).clone()
}

/// The (name, value) pairs of one hostile submission of a form: fields left out, repeated, and
/// unknown ones added.
fn hostile_pairs(rng: &mut Rng, fields: &[Field], pool: &[Vec<u8>]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let date = *rng.pick(BAD_DATES);
    let fields: Vec<&Field> = fields.iter().filter(|f| f.name != "_csrf" && !f.file).collect();
    // Sometimes a careful submission: every field sensible but one, so the handler gets as far
    // as it can before it meets the hostile value.
    let careful = rng.chance(30);
    let odd_one = rng.below(fields.len());
    let mut pairs = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if careful && i != odd_one {
            pairs.push((f.name.as_bytes().to_vec(), sensible_value(rng, f)));
            continue;
        }
        if rng.chance(12) {
            continue;
        }
        let times = if rng.chance(10) { 2 + rng.below(3) } else { 1 };
        for _ in 0..times {
            pairs.push((f.name.as_bytes().to_vec(), value_for(rng, f, date, pool)));
        }
    }
    if rng.chance(10) {
        let name = rng.pick(pool).clone();
        pairs.push((name, rng.pick(pool).clone()));
    }
    pairs
}

/// A value a person might have entered: one the form offers, a date a month ahead, or some text.
fn sensible_value(rng: &mut Rng, field: &Field) -> Vec<u8> {
    let n = &field.name;
    let ahead = chrono::Utc::now().date_naive() + chrono::Duration::days(30);
    let part = if n.ends_with("_day") {
        Some("%-d")
    } else if n.ends_with("_month") {
        Some("%-m")
    } else if n.ends_with("_year") {
        Some("%Y")
    } else {
        None
    };
    if let Some(part) = part {
        return ahead.format(part).to_string().into_bytes();
    }
    if !field.values.is_empty() {
        let values: Vec<&String> = field.values.iter().collect();
        return rng.pick(&values).as_bytes().to_vec();
    }
    if n.ends_with("time") {
        return b"14:00".to_vec();
    }
    if n.contains("email") || n == "to_address" {
        return b"someone@example.org".to_vec();
    }
    if n.contains("url") {
        return b"https://example.org/post/1".to_vec();
    }
    b"Some ordinary text.".to_vec()
}

fn urlencoded(csrf: Option<&str>, pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut parts: Vec<String> = csrf.map(|t| format!("_csrf={t}")).into_iter().collect();
    parts.extend(pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))));
    parts.join("&").into_bytes()
}

const BOUNDARY: &str = "fuzzBoundary7MA4YWxkTrZu0gW";

fn part(name: &[u8], filename: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
    let mut out = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"").into_bytes();
    out.extend_from_slice(name);
    out.push(b'"');
    if let Some(f) = filename {
        out.extend_from_slice(b"; filename=\"");
        out.extend_from_slice(f);
        out.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream");
    }
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
    out
}

/// A multipart body: the token first (as browsers send it), the fields, the files, closed, or
/// broken in one of the ways a hostile client can break it.
fn multipart(
    rng: &mut Rng,
    csrf: Option<&str>,
    fields: &[Field],
    pool: &[Vec<u8>],
    malformed: bool,
) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    if let Some(t) = csrf {
        body.extend(part(b"_csrf", None, t.as_bytes()));
    }
    for (k, v) in hostile_pairs(rng, fields, pool) {
        body.extend(part(&k, None, &v));
    }
    for f in fields.iter().filter(|f| f.file) {
        for _ in 0..1 + rng.below(2) {
            body.extend(part(f.name.as_bytes(), Some(&hostile_file_name(rng)), &hostile_file(rng)));
        }
    }
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    if !malformed {
        body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
        return (content_type, body);
    }
    match rng.below(10) {
        // No closing boundary.
        0 => (content_type, body),
        // Truncated in the middle of a part.
        1 => {
            body.extend(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhalf a va").into_bytes(),
            );
            (content_type, body)
        }
        // The header names another boundary than the body uses.
        2 => {
            body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
            ("multipart/form-data; boundary=somethingElse".into(), body)
        }
        // No boundary at all, or an empty one.
        3 => ("multipart/form-data".into(), body),
        4 => ("multipart/form-data; boundary=".into(), body),
        // A huge part header.
        5 => {
            let mut out =
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\nX-Pad: ").into_bytes();
            out.extend(vec![b'p'; 64 * 1024]);
            out.extend(b"\r\n\r\nvalue\r\n");
            body.extend(out);
            body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
            (content_type, body)
        }
        // A nested multipart part.
        6 => {
            body.extend(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\nContent-Disposition: file; filename=\"a.png\"\r\n\r\n"
                )
                .into_bytes(),
            );
            body.extend(PNG);
            body.extend(format!("\r\n--inner--\r\n\r\n--{BOUNDARY}--\r\n").into_bytes());
            (content_type, body)
        }
        // A part with no Content-Disposition, or a broken one.
        7 => {
            body.extend(
                format!("--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nno name\r\n--{BOUNDARY}--\r\n").into_bytes(),
            );
            (content_type, body)
        }
        8 => {
            body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\r\n\r\nx\r\n--{BOUNDARY}\r\nContent-Disposition: ;;;\r\n\r\ny\r\n--{BOUNDARY}--\r\n").into_bytes());
            (content_type, body)
        }
        // Garbage before the first boundary and no line breaks after it.
        _ => {
            let mut out = b"garbage\xff\xfe\0 before the first boundary\r\n".to_vec();
            out.extend(body);
            out.extend(format!("--{BOUNDARY}--").into_bytes());
            (content_type, out)
        }
    }
}

/// What the fuzzer knows about a POST route: the concrete paths forms post to, and the union of
/// their fields.
#[derive(Default, Clone)]
struct Target {
    paths: BTreeSet<String>,
    fields: BTreeMap<String, Field>,
    multipart: bool,
}

/// Hostile stand-ins for a path parameter (percent-encoded, as a client would send them).
const HOSTILE_IDS: &[&str] = &[
    "00000000-0000-0000-0000-000000000000",
    "0",
    "-1",
    "9223372036854775808",
    "E0",
    "E99999999999999999999",
    "SD-2026-0000",
    "%FF%FE",
    "%00",
    "a%0D%0Ab",
    "..%2F..%2Fetc%2Fpasswd",
    "%2E%2E",
    "2026-02-30",
    "99999-01-01",
    "%F0%9F%98%80",
];

/// `pattern` with each parameter set from `real` (a concrete path of that route), except one
/// replaced by a hostile value.
fn hostile_path(rng: &mut Rng, pattern: &str, real: Option<&str>, refs: &[String]) -> String {
    let segs: Vec<&str> = pattern.split('/').collect();
    let real_segs: Vec<&str> = real.map(|r| r.split('/').collect()).unwrap_or_default();
    let params: Vec<usize> = (0..segs.len()).filter(|&i| segs[i].starts_with('{')).collect();
    let target = params.get(rng.below(params.len())).copied();
    let mut out = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        if !seg.starts_with('{') {
            out.push(seg.to_string());
            continue;
        }
        let real_value = real_segs.get(i).map(|s| s.to_string()).or_else(|| {
            if seg.contains("reference") {
                Some(rng.pick(refs).clone())
            } else {
                None
            }
        });
        match real_value {
            Some(v) if Some(i) != target => out.push(v),
            _ if rng.chance(5) => out.push("A".repeat(4000)),
            _ => out.push(rng.pick(HOSTILE_IDS).to_string()),
        }
    }
    out.join("/")
}

/// A hostile query string from these field names.
fn hostile_query(rng: &mut Rng, names: &[String], pool: &[Vec<u8>]) -> String {
    let fields: Vec<Field> = names.iter().map(|n| Field { name: n.clone(), ..Default::default() }).collect();
    let mut pairs = hostile_pairs(rng, &fields, pool);
    // A NUL anywhere in a query is refused before any handler runs: leave it out of most queries,
    // so the handlers see the rest.
    if rng.chance(85) {
        for (k, v) in &mut pairs {
            k.retain(|&b| b != 0);
            v.retain(|&b| b != 0);
        }
    }
    let mut q = String::from_utf8(urlencoded(None, &pairs)).expect("ascii");
    // A URI has a limit of its own (64 KB in actix's parser): stay under it, on a pair boundary.
    if q.len() > 16 * 1024 {
        let cut = q[..16 * 1024].rfind('&').unwrap_or(0);
        q.truncate(cut);
    }
    if rng.chance(10) {
        let tail = *rng.pick(&["&%", "&%ZZ=1", "&&&==", "&page=%FF", "&a[]=1&a[x]=2", "&=&="]);
        q.push_str(tail);
    }
    q
}

struct Failure {
    role: String,
    request: String,
    status: u16,
    body: String,
}

struct Fuzzer {
    rng: Rng,
    pool: Vec<Vec<u8>>,
    failures: Vec<Failure>,
    requests: usize,
    /// Responses by status, to see that the fuzzing reaches the handlers (not only 403s).
    statuses: BTreeMap<u16, usize>,
}

impl Fuzzer {
    async fn send(&mut self, b: &TestApp, role: &str, method: Method, path: &str, body: Option<(String, Vec<u8>)>) {
        let summary = format!(
            "{method} {} {}",
            path.chars().take(200).collect::<String>(),
            body.as_ref().map(|(t, b)| format!("[{t}; {} bytes]", b.len())).unwrap_or_default()
        );
        let res = b.request(method, path, body.as_ref().map(|(t, b)| (t.as_str(), b.clone()))).await;
        self.requests += 1;
        *self.statuses.entry(res.status.as_u16()).or_default() += 1;
        if res.status.is_server_error() {
            self.failures.push(Failure {
                role: role.into(),
                request: summary,
                status: res.status.as_u16(),
                body: snippet(&res),
            });
        }
    }

    /// One hostile POST to a route: the body in the form's encoding or another, broken or not,
    /// with the CSRF token or (sometimes) without.
    async fn post(&mut self, b: &TestApp, role: &str, path: &str, target: &Target, csrf: &str) {
        let fields: Vec<Field> = target.fields.values().cloned().collect();
        let csrf = if self.rng.chance(5) { None } else { Some(csrf) };
        let roll = self.rng.below(100);
        let pool = std::mem::take(&mut self.pool);
        let body = if roll < 60 {
            if target.multipart {
                multipart(&mut self.rng, csrf, &fields, &pool, false)
            } else {
                (
                    "application/x-www-form-urlencoded".to_string(),
                    urlencoded(csrf, &hostile_pairs(&mut self.rng, &fields, &pool)),
                )
            }
        } else if roll < 70 {
            if target.multipart {
                (
                    "application/x-www-form-urlencoded".to_string(),
                    urlencoded(csrf, &hostile_pairs(&mut self.rng, &fields, &pool)),
                )
            } else {
                multipart(&mut self.rng, csrf, &fields, &pool, false)
            }
        } else if roll < 82 {
            multipart(&mut self.rng, csrf, &fields, &pool, true)
        } else if roll < 86 {
            let t = if target.multipart {
                format!("multipart/form-data; boundary={BOUNDARY}")
            } else {
                "application/x-www-form-urlencoded".into()
            };
            (t, Vec::new())
        } else if roll < 93 {
            let t = *self.rng.pick(&[
                "application/json",
                "text/plain",
                "application/octet-stream",
                "application/x-www-form-urlencoded; charset=utf-16",
                "text/html; charset=\u{0}",
                "multipart/mixed; boundary=x",
            ]);
            let t = t.replace('\u{0}', "x");
            (t, urlencoded(csrf, &hostile_pairs(&mut self.rng, &fields, &pool)))
        } else {
            let garbage: &[&[u8]] = &[b"%", b"%%%", b"a=%ZZ&b=%", b"&&&==&=", b"\xff\xfe=\xff", b"_csrf", b"\0\0\0"];
            let mut raw = csrf.map(|t| format!("_csrf={t}&").into_bytes()).unwrap_or_default();
            let tail = *self.rng.pick(garbage);
            raw.extend_from_slice(tail);
            ("application/x-www-form-urlencoded".to_string(), raw)
        };
        self.pool = pool;
        self.send(b, role, Method::POST, path, Some(body)).await;
    }
}

fn fuzz_seed() -> u64 {
    std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    })
}

fn fuzz_iterations() -> usize {
    std::env::var("FUZZ_ITERATIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(3)
}

/// Cases at every stage, so every form of the case pages is offered to someone: being assessed
/// (an assessment to conclude, an Independent Person to answer), in informal resolution, decided
/// for investigation (an investigator to appoint), under investigation, referred to a hearing
/// (one to arrange), at a fixed hearing, with sanctions, and a fresh public complaint with a
/// takedown request.
async fn cases_at_every_stage(app: &TestApp) -> Vec<Case> {
    use crate::hearing::{appoint, arrange, at_hearing, final_report, future, investigated, ip_view, refer_to_hearing};
    use standards_desk::services::hearing::{self, HearingInput};
    let mo = app.user("mo@southvale.example");
    let mo_actor = Actor::user(&mo.id, &mo.name, None);
    let today = chrono::Utc::now().date_naive();
    let mut cases = Vec::new();
    // Public complaints are limited per address: each comes from one of its own.
    let peer = |n: u32| *app.peer.borrow_mut() = format!("203.0.113.{n}:40000");

    // Being assessed, and in informal resolution: logged by staff, assessed by the MO.
    for (n, (member, council)) in [("Alex Archer", "southvale"), ("Bev Bailey", "southvale")].iter().enumerate() {
        let case = CaseBuilder::new().member(member, council).url(&format!("https://example.org/stage-{n}")).log(app);
        let mut answers = AnswerInput::default();
        for code in ["G1", "G2", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "P1", "P2"] {
            let yes = ["G1", "G2", "C3", "C6"].contains(&code);
            answers.answers.insert(code.into(), if yes { "yes" } else { "no" }.into());
        }
        // A member of two councils needs the officer's choice of council and why.
        answers.role_used = app.authority_id(council);
        answers.role_used_reason = "The post is about district business".into();
        let a = assessment::assess(&mut app.conn(), &mo_actor, &mo, &case.reference, &app.member_id(member), &answers)
            .expect("assessed");
        if n == 0 {
            consult_ip(app, &case, "Is this official capacity?");
        } else {
            let authority = a.suggested_authority_id.clone().unwrap_or_else(|| app.authority_id(council));
            assessment::conclude(&mut app.conn(), &mo_actor, &mo, &a.id, "OFFICIAL", &authority, "")
                .expect("concluded");
            let input = DecisionInput {
                outcome: "informal-resolution".into(),
                reasons: "An apology will resolve it.".into(),
                ..Default::default()
            };
            decisions::decide(&mut app.conn(), &mo_actor, &mo, &case.reference, &input, today).expect("decided");
        }
        cases.push(case);
    }
    peer(11);
    let decided = investigated(app, "Dave Dunn", "southvale").await;
    cases.push(decided);
    peer(12);
    let investigating = investigated(app, "Chris Cole", "southvale").await;
    appoint(app, &investigating);
    // A final report uploaded, the investigation not yet marked complete.
    let investigator = app.new_browser();
    investigator.login("investigator@southvale.example", "demo-password").await;
    let (day, month, year) = future(0);
    let entry = [
        ("kind", "final-report"),
        ("title", "Final report"),
        ("body", "The member was acting as a councillor."),
        ("occurred_day", day.as_str()),
        ("occurred_month", &month),
        ("occurred_year", &year),
    ];
    let path = format!("/cases/{}/investigation/entries", investigating.reference);
    investigator
        .post_multipart(&path, &entry, &[("file", "report.pdf", crate::fixtures::PDF)])
        .await
        .assert_status(303);
    cases.push(investigating);
    peer(17);
    let completed = investigated(app, "Bev Bailey", "southvale").await;
    appoint(app, &completed);
    final_report(app, &completed).await;
    ip_view(app, &completed, "post-investigation");
    cases.push(completed);
    peer(13);
    let referred = investigated(app, "Dana Doyle", "southvale").await;
    appoint(app, &referred);
    final_report(app, &referred).await;
    ip_view(app, &referred, "post-investigation");
    refer_to_hearing(app, &referred);
    let input =
        HearingInput::from_pairs(&arrange(app, &["committee@southvale.example", "committee3@southvale.example"]));
    let officer_user = app.user("officer@southvale.example");
    let officer_actor = Actor::user(&officer_user.id, &officer_user.name, None);
    hearing::save_hearing(&mut app.conn(), &officer_actor, &officer_user, &referred.reference, &input, today)
        .expect("hearing arranged");
    cases.push(referred);
    peer(14);
    cases.push(at_hearing(app).await);

    // Findings and a sanction (a decision to issue); then with the decision notices sent (the
    // sanctions stage, compliance to record).
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    for (n, send) in [(15, false), (16, true)] {
        peer(n);
        let case = at_hearing(app).await;
        let path = format!("/cases/{}/hearing", case.reference);
        let allegations = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id)
            .expect("allegations");
        let mut fields: Vec<(String, String)> = Vec::new();
        for a in &allegations {
            fields.push((format!("finding_{}", a.id), "breach".into()));
            fields.push((format!("reasons_{}", a.id), "The post was seen by residents.".into()));
            fields.push((format!("article10_{}", a.id), "A personal attack has little protection.".into()));
        }
        officer.post_form(&format!("{path}/findings"), &refs(&fields)).await.assert_status(303);
        let (day, month, year) = future(60);
        let sanction = [
            ("member", app.member_id("Alex Archer")),
            ("kind", "training".into()),
            ("detail", "Social media training.".into()),
            ("follow_up_day", day),
            ("follow_up_month", month),
            ("follow_up_year", year),
        ];
        let sanction: Vec<(&str, &str)> = sanction.iter().map(|(k, v)| (*k, v.as_str())).collect();
        officer.post_form(&format!("{path}/sanctions"), &sanction).await.assert_status(303);
        if send {
            let issued = officer.post_form(&format!("{path}/decision"), &[]).await;
            issued.assert_status(303);
            officer.post_form(issued.location().expect("to the notices"), &[]).await.assert_status(303);
        }
        cases.push(case);
    }

    // An informal action to mark done.
    let informal = &cases[1];
    officer.get(&format!("/cases/{}", informal.reference)).await.assert_status(200);
    officer
        .post_form(
            &format!("/cases/{}/informal/actions", informal.reference),
            &[("kind", "apology"), ("description", "A written apology to the officer")],
        )
        .await;

    // A fresh public complaint with a takedown request.
    peer(16);
    let fresh = crate::fixtures::submit_public(app, &complaint(app), &[("files", "post.png", PNG)]).await;
    let officer = app.user("officer@southvale.example");
    let request = RequestInput {
        items: crate::rows::evidence_item_ids(app, &fresh.id),
        addressee_kind: "member".into(),
        addressee_name: "Alex Archer".into(),
        channel: "email".into(),
        to_address: "alex.archer@southvale.example".into(),
        request_text: "Please remove the post.".into(),
        ..Default::default()
    };
    takedown::request(
        &mut app.conn(),
        &Actor::user(&officer.id, &officer.name, None),
        &officer,
        &fresh.reference,
        &request,
        today,
    )
    .expect("takedown requested");
    cases.push(fresh);
    cases
}

#[actix_web::test]
async fn hostile_input_to_every_form_of_every_role_never_gets_a_5xx() {
    let seed = fuzz_seed();
    let iterations = fuzz_iterations();
    eprintln!("fuzz: FUZZ_SEED={seed} FUZZ_ITERATIONS={iterations}");
    let started = std::time::Instant::now();
    let routes = route_table();

    let app = TestApp::spawn_demo().await;
    let cases = cases_at_every_stage(&app).await;
    eprintln!("fuzz: cases set up in {:.1}s", started.elapsed().as_secs_f64());
    // The admin forms act on this user only, so no one fuzzing is signed out by them.
    let victim = app.create_user(Role::CaseOfficer, "victim@council.example");
    let refs_: Vec<String> = cases.iter().map(|c| c.reference.clone()).collect();

    // Everyone signs in first (failed sign-ins while fuzzing /login would throttle the address).
    let roles = [
        ("admin", Some("admin@southvale.example")),
        ("monitoring-officer", Some("mo@southvale.example")),
        ("deputy", Some("deputy@southvale.example")),
        ("case-officer", Some("officer@southvale.example")),
        ("independent-person", Some("ip@southvale.example")),
        ("investigator", Some("investigator@southvale.example")),
        ("committee-member", Some("committee@southvale.example")),
        ("anonymous", None),
    ];
    let mut browsers = Vec::new();
    for (i, (role, email)) in roles.iter().enumerate() {
        let b = app.new_browser();
        // An address of its own: the sign-in throttle counts failures by address.
        *b.peer.borrow_mut() = format!("198.51.100.{}:40000", i + 1);
        match *email {
            Some(email) => {
                b.login(email, "demo-password").await;
            }
            None => {
                b.get("/complaints/new").await.assert_status(200);
            }
        }
        browsers.push((*role, b));
    }
    // The parties on their own pages (issue 21), first: officers fuzzing the case page may
    // withdraw their links and end their sessions.
    {
        let public = cases
            .iter()
            .find(|c| {
                app.emails()
                    .iter()
                    .any(|m| m.template == "acknowledgement" && m.case_id.as_deref() == Some(c.id.as_str()))
            })
            .expect("a public complaint acknowledged by email")
            .clone();
        let (complainant, member) = crate::parties::both_signed_in(&app, &public).await;
        browsers.insert(0, ("member", member));
        browsers.insert(0, ("complainant", complainant));
    }
    // A closure day to delete, and a deactivated user to reactivate (not the victim, whom the
    // fuzzing may deactivate).
    let admin = &browsers[0].1;
    let dormant = app.create_user(Role::CaseOfficer, "dormant@council.example");
    admin.post_form(&format!("/admin/users/{}/deactivate", dormant.id), &[]).await.assert_status(303);
    let mut day = chrono::Utc::now().date_naive() + chrono::Duration::days(40);
    for _ in 0..10 {
        let (d, m, y) = (day.format("%-d").to_string(), day.format("%-m").to_string(), day.format("%Y").to_string());
        let fields =
            [("closure_day", d.as_str()), ("closure_month", &m), ("closure_year", &y), ("reason", "Office move")];
        if admin.post_form("/admin/closure-days", &fields).await.status.as_u16() == 303 {
            break;
        }
        day += chrono::Duration::days(1);
    }
    // A public draft waiting on its check-answers page.
    let anon = &browsers.last().expect("anonymous").1;
    let draft = anon.post_multipart("/complaints/new", &refs(&complaint(&app)), &[("files", "post.png", PNG)]).await;
    draft.assert_status(303);
    let draft_path = draft.location().expect("to the check page").to_string();

    // Crawl as each role: the forms each is offered.
    let mut starts = vec!["/".to_string(), "/dashboard".into(), "/cases".into(), "/reports".into(), "/admin".into()];
    starts.extend([
        "/admin/users".into(),
        "/admin/closure-days".into(),
        format!("/admin/users/{}", victim.id),
        format!("/admin/users/{}", dormant.id),
        "/complaints/new".into(),
        "/login".into(),
    ]);
    starts.push(draft_path.clone());
    starts.push("/my-case".into());
    starts.push(format!("/cases/{}/assessments/new?member={}", refs_[0], app.member_id("Alex Archer")));
    for r in &refs_ {
        for sub in
            ["", "/ip", "/decision", "/investigation", "/hearing", "/evidence/E1", "/takedowns/1", "/takedowns/new"]
        {
            starts.push(format!("/cases/{r}{sub}"));
        }
    }
    let mut targets: BTreeMap<String, Target> = BTreeMap::new();
    let mut get_names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut get_paths: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, b) in &browsers {
        let (forms, visited) = crawl(b, &routes, &starts).await;
        for p in visited {
            if let Some(r) = route_of(&routes, Verb::Get, &p) {
                get_paths
                    .entry(r.pattern.clone())
                    .or_default()
                    .insert(p.split('?').next().unwrap_or_default().to_string());
            }
        }
        for f in forms {
            let verb = if f.post { Verb::Post } else { Verb::Get };
            let Some(r) = route_of(&routes, verb, &f.action) else { continue };
            if f.post {
                let t = targets.entry(r.pattern.clone()).or_default();
                let user_form = r.pattern.starts_with("/admin/users/{id}");
                if !user_form
                    || f.action.contains(&victim.id)
                    || f.action.ends_with(&format!("{}/reactivate", dormant.id))
                {
                    t.paths.insert(f.action.clone());
                }
                t.multipart |= f.multipart;
                for field in f.fields {
                    let e = t
                        .fields
                        .entry(field.name.clone())
                        .or_insert_with(|| Field { name: field.name.clone(), ..Default::default() });
                    e.file |= field.file;
                    e.values.extend(field.values);
                }
            } else {
                get_names.entry(r.pattern.clone()).or_default().extend(f.fields.into_iter().map(|f| f.name));
            }
        }
    }
    eprintln!("fuzz: crawled by {:.1}s", started.elapsed().as_secs_f64());
    // Routes no page offered: every field name seen, real case references.
    let all_fields: Vec<Field> = {
        let mut m: BTreeMap<String, Field> = BTreeMap::new();
        for t in targets.values() {
            for (k, f) in &t.fields {
                m.entry(k.clone()).or_insert_with(|| Field { name: k.clone(), values: f.values.clone(), file: f.file });
            }
        }
        m.into_values().collect()
    };
    let unoffered: Vec<&str> = routes
        .iter()
        .filter(|r| r.verb == Verb::Post && !targets.contains_key(&r.pattern))
        .map(|r| r.pattern.as_str())
        .collect();
    eprintln!("fuzz: POST routes no page offered (fuzzed with every field name): {unoffered:?}");

    let mut fuzzer = Fuzzer {
        rng: Rng::new(seed),
        pool: hostile_values(),
        failures: Vec::new(),
        requests: 0,
        statuses: BTreeMap::new(),
    };
    // Sign-out (and ending one's own sessions) last, so every other route is fuzzed signed in.
    let mut post_routes: Vec<&Route> = routes.iter().filter(|r| r.verb == Verb::Post).collect();
    post_routes
        .sort_by_key(|r| matches!(r.pattern.as_str(), "/logout" | "/account/sessions/{id}/end" | "/my-case/sign-out"));
    // Query names the GET handlers read, besides those of the search forms.
    let known_query = [
        "next",
        "draft",
        "member",
        "download",
        "q",
        "status",
        "authority",
        "assigned",
        "overdue",
        "sort",
        "page",
        "period",
        "from_day",
        "from_month",
        "from_year",
        "to_day",
        "to_month",
        "to_year",
        "expired",
        "kept",
        "lost",
        "restore",
    ];

    for (role, b) in &browsers {
        let csrf = {
            let page = b
                .get(match *role {
                    "anonymous" => "/complaints/new",
                    "complainant" | "member" => "/my-case",
                    _ => "/dashboard",
                })
                .await;
            page.assert_status(200);
            page.csrf_token().expect("a CSRF token on the page")
        };
        for r in &post_routes {
            let target = targets.get(&r.pattern).cloned().unwrap_or_else(|| {
                let mut t = Target::default();
                let fields = all_fields.clone();
                for _ in 0..12 {
                    let f = fuzzer.rng.pick(&fields).clone();
                    t.fields.insert(f.name.clone(), f);
                }
                t.multipart = fuzzer.rng.chance(30);
                t
            });
            let real: Vec<String> = target.paths.iter().cloned().collect();
            for _ in 0..iterations {
                let path = match real.is_empty() {
                    false if fuzzer.rng.chance(80) => fuzzer.rng.pick(&real).clone(),
                    _ => hostile_path(&mut fuzzer.rng, &r.pattern, real.first().map(String::as_str), &refs_),
                };
                fuzzer.post(b, role, &path, &target, &csrf).await;
            }
            let health = b.get("/healthz").await;
            assert_eq!(health.status.as_u16(), 200, "the server stopped answering after POST {} as {role}", r.pattern);
        }
        if !matches!(*role, "anonymous" | "complainant" | "member") {
            // Signed out by the last route: sign in again for the GET pass, from an address the
            // fuzzed sign-ins have not throttled.
            *b.peer.borrow_mut() = "192.0.2.1:40000".into();
            let email = roles.iter().find(|(n, _)| n == role).and_then(|(_, e)| *e).expect("an email");
            // Unless the last route left the session signed in (a fuzzed sign-out may have been
            // refused): then the sign-in page sends the browser to the dashboard.
            if b.get("/login").await.status.as_u16() == 200 {
                b.login(email, "demo-password").await;
            }
        }
        for r in routes.iter().filter(|r| r.verb == Verb::Get && !r.pattern.starts_with("/static")) {
            let mut names: Vec<String> =
                get_names.get(&r.pattern).map(|s| s.iter().cloned().collect()).unwrap_or_default();
            names.extend(known_query.iter().map(|s| s.to_string()));
            let real: Vec<String> = get_paths.get(&r.pattern).map(|s| s.iter().cloned().collect()).unwrap_or_default();
            for _ in 0..iterations.div_ceil(2) {
                let path = match real.is_empty() {
                    false if fuzzer.rng.chance(75) => fuzzer.rng.pick(&real).clone(),
                    _ => hostile_path(&mut fuzzer.rng, &r.pattern, real.first().map(String::as_str), &refs_),
                };
                let pool = std::mem::take(&mut fuzzer.pool);
                let q = hostile_query(&mut fuzzer.rng, &names, &pool);
                fuzzer.pool = pool;
                fuzzer.send(b, role, Method::GET, &format!("{path}?{q}"), None).await;
            }
        }
        let health = b.get("/healthz").await;
        assert_eq!(health.status.as_u16(), 200, "the server stopped answering after the GET pass as {role}");
    }

    eprintln!(
        "fuzz: {} requests, {} POST routes with forms, statuses {:?}, {:.1}s",
        fuzzer.requests,
        targets.len(),
        fuzzer.statuses,
        started.elapsed().as_secs_f64()
    );
    if !fuzzer.failures.is_empty() {
        let mut report = format!("{} responses were 5xx (FUZZ_SEED={seed}):\n", fuzzer.failures.len());
        let mut shown = BTreeSet::new();
        for f in &fuzzer.failures {
            let key = format!("{} {}", f.role, f.request.split(' ').take(2).collect::<Vec<_>>().join(" "));
            if shown.insert(key) && shown.len() <= 40 {
                report.push_str(&format!(
                    "- as {}: {} -> {}\n  {}\n",
                    f.role,
                    f.request,
                    f.status,
                    f.body.replace('\n', " ")
                ));
            }
        }
        panic!("{report}");
    }
}
