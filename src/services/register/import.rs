//! CSV import of the register: members with their memberships, and accounts. The uploaded file
//! is stored (`register_imports`) and previewed: each row added, changed (which fields),
//! unchanged or refused with the reason; nothing is written until the import is confirmed. The
//! confirm re-reads the stored file against the register as it is then and applies every row
//! that is not refused in one transaction (all or nothing); refused rows are skipped and listed.
//! Importing the same file again changes nothing: a person is matched by email when the row has
//! one, else by exact name and council; a membership by person, council, role and start date;
//! an account by platform and handle.

use super::accounts::normalise_handle;
use super::rules::{self, may_edit, MembershipCheck};
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::member::{
    self as member_rows, AccountChanges, Member, MemberAccount, MemberChanges, Membership, MembershipChanges,
};
use crate::models::register::{self as reg_rows, RegisterImport, Ward};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::sha256_hex;
use crate::services::urls;
use crate::services::vocab::{self, Choice, PLATFORMS};
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::HashMap;
use validator::ValidateEmail;

pub const KINDS: [(&str, &str); 2] =
    [("members", "Members and their memberships"), ("accounts", "Members’ social media accounts")];

/// New rows per INSERT statement (under both backends' limits on bound values).
const BATCH: usize = 400;

/// The most data rows a file may hold.
pub const MAX_ROWS: usize = 20_000;

// ---------------------------------------------------------------------------------------------
// CSV

/// Reads CSV (RFC 4180: quoted fields with "" for a quote, commas and line breaks inside quotes;
/// CRLF or LF; a byte-order mark is ignored). Blank lines are skipped. Each record comes with
/// the line it starts on.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    let mut field_started = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
                field_started = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started = true;
            }
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                if record.len() > 1 || !record[0].trim().is_empty() || field_started {
                    out.push((start_line, std::mem::take(&mut record)));
                } else {
                    record.clear();
                }
                field_started = false;
                line += 1;
                start_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("A quoted value starting on line {start_line} is never closed"));
    }
    if !field.is_empty() || !record.is_empty() || field_started {
        record.push(field);
        if record.len() > 1 || !record[0].trim().is_empty() {
            out.push((start_line, record));
        }
    }
    Ok(out)
}

/// The columns of a layout: (key, the header words accepted, required).
type Columns = &'static [(&'static str, &'static [&'static str], bool)];

const MEMBER_COLUMNS: Columns = &[
    ("name", &["name", "full name", "councillor", "member"], true),
    ("title", &["title"], false),
    ("council", &["council", "authority", "body"], true),
    ("ward", &["ward", "division", "ward/division"], false),
    ("party", &["party", "political party", "group"], false),
    ("role", &["role", "position"], false),
    ("start", &["start date", "start", "started", "term start", "from"], true),
    ("end", &["end date", "end", "ended", "term end", "to"], false),
    ("end_reason", &["end reason", "reason", "reason for leaving"], false),
    ("email", &["email", "email address", "e-mail"], false),
];

const ACCOUNT_COLUMNS: Columns = &[
    ("member", &["member", "member name", "name", "councillor"], false),
    ("member_id", &["member id", "id"], false),
    ("platform", &["platform", "site", "network"], true),
    ("handle", &["handle", "account", "username"], true),
    ("profile_url", &["profile url", "url", "profile"], false),
    ("presents", &["council presented", "council", "presents"], false),
    ("presents_role", &["role presented", "role"], false),
    ("declared", &["declared", "declared as"], false),
    ("from", &["in use from", "from"], false),
    ("to", &["in use to", "to", "until"], false),
];

struct Table {
    index: HashMap<&'static str, usize>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn get<'a>(&self, row: &'a [String], key: &str) -> &'a str {
        self.index.get(key).and_then(|i| row.get(*i)).map(|s| s.trim()).unwrap_or("")
    }
}

fn read_table(text: &str, columns: Columns) -> Result<Table, String> {
    let mut records = parse_csv(text)?;
    if records.is_empty() {
        return Err("The file is empty: it needs a header row and a row for each entry".into());
    }
    let (_, header) = records.remove(0);
    let mut index = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().to_lowercase();
        if let Some((key, _, _)) =
            columns.iter().find(|(k, words, _)| !index.contains_key(k) && words.contains(&h.as_str()))
        {
            index.insert(*key, i);
        }
    }
    let missing: Vec<&str> =
        columns.iter().filter(|(k, _, req)| *req && !index.contains_key(k)).map(|(_, w, _)| w[0]).collect();
    if !missing.is_empty() {
        return Err(format!("The header row has no column for: {}. See the layout on this page", missing.join(", ")));
    }
    if records.len() > MAX_ROWS {
        return Err(format!("The file has {} rows: import {MAX_ROWS} or fewer at a time", records.len()));
    }
    Ok(Table { index, rows: records })
}

// ---------------------------------------------------------------------------------------------
// The plan: what each row would do

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Added,
    Changed,
    Unchanged,
    Refused,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Added => "Added",
            Outcome::Changed => "Changed",
            Outcome::Unchanged => "Unchanged",
            Outcome::Refused => "Refused",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    pub line: usize,
    pub outcome: Outcome,
    pub outcome_label: &'static str,
    /// Who or what the row is about: "Alex Archer, Northfield Parish Council".
    pub subject: String,
    /// The fields changed, or the reason a row is refused.
    pub detail: String,
}

enum Write {
    NewMember(Member),
    MemberChanges(String, MemberChanges),
    NewMembership(Membership),
    MembershipChanges(String, MembershipChanges),
    NewAccount(MemberAccount),
    AccountChanges(String, AccountChanges),
}

struct Plan {
    rows: Vec<PreviewRow>,
    writes: Vec<Write>,
}

fn refused(line: usize, subject: String, reason: impl Into<String>) -> PreviewRow {
    PreviewRow { line, outcome: Outcome::Refused, outcome_label: "Refused", subject, detail: reason.into() }
}

fn done(line: usize, outcome: Outcome, subject: String, detail: String) -> PreviewRow {
    PreviewRow { line, outcome, outcome_label: outcome.label(), subject, detail }
}

/// The register as the import sees it, held in memory for a whole file.
struct Register {
    councils: Vec<Authority>,
    wards: HashMap<String, Vec<Ward>>,
    members: Vec<Member>,
    memberships: HashMap<String, Vec<Membership>>,
    accounts: Vec<MemberAccount>,
    // Indexes into `members` and `accounts`, so a file is read in one pass.
    by_email: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
    by_handle: HashMap<(String, String), usize>,
}

impl Register {
    fn load(conn: &mut DbConnection) -> diesel::QueryResult<Self> {
        let mut wards: HashMap<String, Vec<Ward>> = HashMap::new();
        for w in reg_rows::list_all_wards(conn)? {
            wards.entry(w.authority_id.clone()).or_default().push(w);
        }
        let mut memberships: HashMap<String, Vec<Membership>> = HashMap::new();
        for ms in member_rows::list_all_memberships(conn)? {
            memberships.entry(ms.member_id.clone()).or_default().push(ms);
        }
        let mut reg = Register {
            councils: authority_rows::list_all(conn)?,
            wards,
            members: Vec::new(),
            memberships,
            accounts: Vec::new(),
            by_email: HashMap::new(),
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            by_handle: HashMap::new(),
        };
        for m in member_rows::list_all(conn)? {
            reg.push_member(m);
        }
        for a in member_rows::list_all_accounts(conn)? {
            reg.push_account(a);
        }
        Ok(reg)
    }

    fn push_member(&mut self, m: Member) {
        let i = self.members.len();
        if let Some(e) = &m.email {
            self.by_email.entry(e.to_lowercase()).or_insert(i);
        }
        self.by_name.entry(m.full_name.clone()).or_default().push(i);
        self.by_id.insert(m.id.clone(), i);
        self.members.push(m);
    }

    /// Replaces a member's row (same id), keeping the indexes right.
    fn set_member(&mut self, i: usize, m: Member) {
        let old = std::mem::replace(&mut self.members[i], m);
        if let Some(e) = &old.email {
            if self.by_email.get(&e.to_lowercase()) == Some(&i) {
                self.by_email.remove(&e.to_lowercase());
            }
        }
        if let Some(v) = self.by_name.get_mut(&old.full_name) {
            v.retain(|x| *x != i);
        }
        let new = &self.members[i];
        if let Some(e) = &new.email {
            self.by_email.entry(e.to_lowercase()).or_insert(i);
        }
        self.by_name.entry(new.full_name.clone()).or_default().push(i);
    }

    fn push_account(&mut self, a: MemberAccount) {
        self.by_handle.entry((a.platform.clone(), normalise_handle(&a.handle))).or_insert(self.accounts.len());
        self.accounts.push(a);
    }

    fn council(&self, raw: &str) -> Option<&Authority> {
        let t = raw.trim();
        self.councils.iter().find(|a| {
            a.name.eq_ignore_ascii_case(t)
                || a.short_name.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(t))
                || a.slug.eq_ignore_ascii_case(t)
        })
    }
}

fn members_plan(reg: &mut Register, table: &Table, t: NaiveDateTime) -> Plan {
    let mut plan = Plan { rows: Vec::new(), writes: Vec::new() };
    for (line, row) in &table.rows {
        let line = *line;
        let name = table.get(row, "name");
        let council_raw = table.get(row, "council");
        let subject = match (name.is_empty(), council_raw.is_empty()) {
            (false, false) => format!("{name}, {council_raw}"),
            (false, true) => name.to_string(),
            _ => council_raw.to_string(),
        };
        if name.is_empty() {
            plan.rows.push(refused(line, subject, "No name: every row needs the member’s name"));
            continue;
        }
        let Some(council) = reg.council(council_raw).cloned() else {
            plan.rows.push(refused(
                line,
                subject,
                if council_raw.is_empty() {
                    "No council: every row needs the council".to_string()
                } else {
                    format!(
                        "Unknown council “{council_raw}”: add it under Councils first, or use its name as shown there"
                    )
                },
            ));
            continue;
        };
        let role_raw = table.get(row, "role");
        let Some(role) = (if role_raw.is_empty() { Some("member".to_string()) } else { rules::parse_role(role_raw) })
        else {
            plan.rows.push(refused(line, subject, format!("Unknown role “{role_raw}”")));
            continue;
        };
        let start = match rules::parse_csv_date(table.get(row, "start")) {
            Ok(Some(d)) => d,
            Ok(None) => {
                plan.rows.push(refused(line, subject, "No start date"));
                continue;
            }
            Err(m) => {
                plan.rows.push(refused(line, subject, format!("Start date: {m}")));
                continue;
            }
        };
        let end = match rules::parse_csv_date(table.get(row, "end")) {
            Ok(d) => d,
            Err(m) => {
                plan.rows.push(refused(line, subject, format!("End date: {m}")));
                continue;
            }
        };
        let reason_raw = table.get(row, "end_reason");
        let end_reason = if reason_raw.is_empty() {
            None
        } else {
            match rules::parse_end_reason(reason_raw) {
                Some(r) => Some(r),
                None => {
                    plan.rows.push(refused(line, subject, format!("Unknown end reason “{reason_raw}”")));
                    continue;
                }
            }
        };
        let email = table.get(row, "email").to_lowercase();
        if !email.is_empty() && !email.validate_email() {
            plan.rows.push(refused(line, subject, format!("“{email}” is not an email address")));
            continue;
        }
        let ward = Some(table.get(row, "ward")).filter(|w| !w.is_empty()).map(str::to_string);
        let title = Some(table.get(row, "title")).filter(|w| !w.is_empty()).map(str::to_string);
        let party = rules::clean_party(table.get(row, "party"));

        // The person: by email, else by exact name holding a membership of this council.
        let found = if !email.is_empty() { reg.by_email.get(&email).copied() } else { None }.or_else(|| {
            reg.by_name.get(name).and_then(|v| {
                v.iter().copied().find(|i| {
                    let m = &reg.members[*i];
                    reg.memberships.get(&m.id).is_some_and(|v| v.iter().any(|ms| ms.authority_id == council.id))
                        && (email.is_empty() || m.email.is_none())
                })
            })
        });
        let mut member_changed: Vec<&str> = Vec::new();
        let member = match found {
            Some(i) => reg.members[i].clone(),
            None => Member {
                id: new_id(),
                full_name: name.to_string(),
                party: party.clone(),
                email: Some(email.clone()).filter(|e| !e.is_empty()),
                phone: None,
                created_at: t,
                updated_at: t,
                title: title.clone(),
                postal_address: None,
            },
        };
        let existing_ms: Vec<Membership> = reg.memberships.get(&member.id).cloned().unwrap_or_default();
        let same =
            existing_ms.iter().find(|ms| ms.authority_id == council.id && ms.role == role && ms.started_on == start);
        let others: Vec<Membership> =
            existing_ms.iter().filter(|ms| Some(ms.id.as_str()) != same.map(|s| s.id.as_str())).cloned().collect();
        let wards = reg.wards.get(&council.id).cloned().unwrap_or_default();
        let problems = rules::membership_problems(&MembershipCheck {
            council: &council,
            council_wards: &wards,
            ward: ward.as_deref(),
            role: &role,
            started_on: start,
            ended_on: end,
            end_reason: end_reason.as_deref(),
            others: &others,
            is_new: same.is_none(),
        });
        if let Some((_, msg)) = problems.first() {
            let msg = if msg.starts_with("The end date must") {
                "End date before start date".to_string()
            } else {
                msg.clone()
            };
            plan.rows.push(refused(line, subject, msg));
            continue;
        }
        // The ward as the council spells it.
        let ward =
            ward.map(|w| wards.iter().find(|x| x.name.eq_ignore_ascii_case(&w)).map(|x| x.name.clone()).unwrap_or(w));

        if found.is_some() {
            if member.full_name != name {
                member_changed.push("name");
            }
            if member.title != title {
                member_changed.push("title");
            }
            if rules::clean_party(member.party.as_deref().unwrap_or_default()) != party {
                member_changed.push("party");
            }
            if !email.is_empty() && member.email.as_deref() != Some(email.as_str()) {
                member_changed.push("email");
            }
        }
        let mut ms_changed: Vec<&str> = Vec::new();
        if let Some(ms) = same {
            if ms.ward != ward {
                ms_changed.push("ward");
            }
            if ms.ended_on != end {
                ms_changed.push("end date");
            }
            if ms.end_reason != end_reason {
                ms_changed.push("end reason");
            }
        }
        let t_member = Member {
            full_name: name.to_string(),
            title: title.clone(),
            party: party.clone(),
            email: if email.is_empty() { member.email.clone() } else { Some(email.clone()) },
            updated_at: t,
            ..member.clone()
        };
        if found.is_none() {
            plan.writes.push(Write::NewMember(t_member.clone()));
            reg.push_member(t_member.clone());
        } else if !member_changed.is_empty() {
            plan.writes.push(Write::MemberChanges(
                member.id.clone(),
                MemberChanges {
                    full_name: t_member.full_name.clone(),
                    title: t_member.title.clone(),
                    party: t_member.party.clone(),
                    email: t_member.email.clone(),
                    phone: t_member.phone.clone(),
                    postal_address: t_member.postal_address.clone(),
                    updated_at: t,
                },
            ));
            if let Some(i) = found {
                reg.set_member(i, t_member.clone());
            }
        }
        let outcome;
        let detail;
        match same {
            None => {
                let ms = Membership {
                    id: new_id(),
                    member_id: member.id.clone(),
                    authority_id: council.id.clone(),
                    ward: ward.clone(),
                    role: role.clone(),
                    started_on: start,
                    ended_on: end,
                    created_at: t,
                    end_reason: end_reason.clone(),
                    updated_at: t,
                };
                plan.writes.push(Write::NewMembership(ms.clone()));
                reg.memberships.entry(member.id.clone()).or_default().push(ms);
                outcome = Outcome::Added;
                detail = if found.is_none() {
                    format!("New member: {} from {}", rules::role_label(&role), start.format("%-d %B %Y"))
                } else {
                    let mut d =
                        format!("New membership: {} from {}", rules::role_label(&role), start.format("%-d %B %Y"));
                    if !member_changed.is_empty() {
                        d.push_str(&format!("; changed: {}", member_changed.join(", ")));
                    }
                    d
                };
            }
            Some(ms) => {
                if !ms_changed.is_empty() {
                    let id = ms.id.clone();
                    plan.writes.push(Write::MembershipChanges(
                        id.clone(),
                        MembershipChanges {
                            ward: ward.clone(),
                            ended_on: end,
                            end_reason: end_reason.clone(),
                            updated_at: t,
                        },
                    ));
                    if let Some(v) = reg.memberships.get_mut(&member.id) {
                        if let Some(x) = v.iter_mut().find(|x| x.id == id) {
                            x.ward = ward.clone();
                            x.ended_on = end;
                            x.end_reason = end_reason.clone();
                        }
                    }
                }
                let all: Vec<&str> = member_changed.iter().chain(ms_changed.iter()).copied().collect();
                if all.is_empty() {
                    outcome = Outcome::Unchanged;
                    detail = String::new();
                } else {
                    outcome = Outcome::Changed;
                    detail = format!("Changed: {}", all.join(", "));
                }
            }
        }
        plan.rows.push(done(line, outcome, subject, detail));
    }
    plan
}

fn platform_code(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.eq_ignore_ascii_case("twitter") {
        return Some("x".into());
    }
    PLATFORMS.iter().find(|(c, l)| c.eq_ignore_ascii_case(t) || l.eq_ignore_ascii_case(t)).map(|(c, _)| c.to_string())
}

fn accounts_plan(reg: &mut Register, table: &Table, t: NaiveDateTime) -> Plan {
    let mut plan = Plan { rows: Vec::new(), writes: Vec::new() };
    for (line, row) in &table.rows {
        let line = *line;
        let name = table.get(row, "member");
        let member_id = table.get(row, "member_id");
        let handle = table.get(row, "handle").to_string();
        let subject = format!("{}, {}", if name.is_empty() { member_id } else { name }, handle);
        let member = if !member_id.is_empty() {
            match reg.by_id.get(member_id).map(|i| &reg.members[*i]) {
                Some(m) => m.clone(),
                None => {
                    plan.rows.push(refused(line, subject, format!("Unknown member id “{member_id}”")));
                    continue;
                }
            }
        } else if name.is_empty() {
            plan.rows.push(refused(line, subject, "No member: give the member’s name or id"));
            continue;
        } else {
            let found: Vec<&Member> =
                reg.by_name.get(name).map(|v| v.iter().map(|i| &reg.members[*i]).collect()).unwrap_or_default();
            match found.as_slice() {
                [m] => (*m).clone(),
                [] => {
                    plan.rows.push(refused(
                        line,
                        subject,
                        format!("Unknown member “{name}”: import the members first"),
                    ));
                    continue;
                }
                _ => {
                    plan.rows.push(refused(
                        line,
                        subject,
                        format!("More than one member is called “{name}”: use the member id"),
                    ));
                    continue;
                }
            }
        };
        let platform_raw = table.get(row, "platform");
        let Some(platform) = platform_code(platform_raw) else {
            plan.rows.push(refused(line, subject, format!("Unknown platform “{platform_raw}”")));
            continue;
        };
        if handle.is_empty() {
            plan.rows.push(refused(line, subject, "No handle"));
            continue;
        }
        let profile_url = Some(table.get(row, "profile_url")).filter(|s| !s.is_empty()).map(str::to_string);
        let canonical_url = match &profile_url {
            Some(u) => match urls::canonicalize(u) {
                Some(c) => Some(c),
                None => {
                    plan.rows.push(refused(line, subject, format!("“{u}” is not a web address")));
                    continue;
                }
            },
            None => None,
        };
        let presents_raw = table.get(row, "presents");
        let authority_id = if presents_raw.is_empty() || presents_raw.eq_ignore_ascii_case("personal") {
            None
        } else {
            match reg.council(presents_raw) {
                Some(a) => Some(a.id.clone()),
                None => {
                    plan.rows.push(refused(line, subject, format!("Unknown council “{presents_raw}”")));
                    continue;
                }
            }
        };
        let declared_raw = table.get(row, "declared").to_lowercase();
        let declared_official = match declared_raw.as_str() {
            "official" | "yes" | "council" => true,
            "" | "personal" | "no" | "private" => false,
            other => {
                plan.rows.push(refused(line, subject, format!("Declared must be official or personal, not “{other}”")));
                continue;
            }
        };
        let (from, to) =
            match (rules::parse_csv_date(table.get(row, "from")), rules::parse_csv_date(table.get(row, "to"))) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(m), _) | (_, Err(m)) => {
                    plan.rows.push(refused(line, subject, m));
                    continue;
                }
            };
        if let (Some(f), Some(to)) = (from, to) {
            if to < f {
                plan.rows.push(refused(line, subject, "In use to is before in use from"));
                continue;
            }
        }
        let presents_role = Some(table.get(row, "presents_role")).filter(|s| !s.is_empty()).map(str::to_string);
        let changes = AccountChanges {
            display_name: None,
            profile_url: profile_url.clone(),
            canonical_url,
            declared_official,
            authority_id,
            presents_role,
            in_use_from: from,
            in_use_to: to,
            updated_at: t,
        };
        let wanted = normalise_handle(&handle);
        match reg.by_handle.get(&(platform.clone(), wanted)).copied() {
            Some(i) if reg.accounts[i].member_id != member.id => {
                plan.rows.push(refused(line, subject, "That account is on the register for another member"));
            }
            Some(i) => {
                let a = &reg.accounts[i];
                let mut changed = Vec::new();
                if a.profile_url != changes.profile_url {
                    changed.push("profile URL");
                }
                if a.authority_id != changes.authority_id {
                    changed.push("council presented");
                }
                if a.presents_role != changes.presents_role {
                    changed.push("role presented");
                }
                if a.declared_official != changes.declared_official {
                    changed.push("declared");
                }
                if a.in_use_from != changes.in_use_from || a.in_use_to != changes.in_use_to {
                    changed.push("dates in use");
                }
                if changed.is_empty() {
                    plan.rows.push(done(line, Outcome::Unchanged, subject, String::new()));
                } else {
                    let id = a.id.clone();
                    let changes = AccountChanges { display_name: a.display_name.clone(), ..changes };
                    let acc = &mut reg.accounts[i];
                    acc.profile_url = changes.profile_url.clone();
                    acc.authority_id = changes.authority_id.clone();
                    acc.presents_role = changes.presents_role.clone();
                    acc.declared_official = changes.declared_official;
                    acc.in_use_from = changes.in_use_from;
                    acc.in_use_to = changes.in_use_to;
                    plan.writes.push(Write::AccountChanges(id, changes));
                    plan.rows.push(done(line, Outcome::Changed, subject, format!("Changed: {}", changed.join(", "))));
                }
            }
            None => {
                let c = changes;
                let acc = MemberAccount {
                    id: new_id(),
                    member_id: member.id.clone(),
                    platform: platform.clone(),
                    handle: handle.clone(),
                    display_name: None,
                    profile_url: c.profile_url,
                    canonical_url: c.canonical_url,
                    declared_official: c.declared_official,
                    notes: None,
                    created_at: t,
                    authority_id: c.authority_id,
                    presents_role: c.presents_role,
                    in_use_from: c.in_use_from,
                    in_use_to: c.in_use_to,
                    updated_at: t,
                };
                reg.push_account(acc.clone());
                plan.writes.push(Write::NewAccount(acc));
                plan.rows.push(done(
                    line,
                    Outcome::Added,
                    subject,
                    format!("New {} account", vocab::label(&PLATFORMS, &platform)),
                ));
            }
        }
    }
    plan
}

fn plan_for(conn: &mut DbConnection, import: &RegisterImport, t: NaiveDateTime) -> ServiceResult<Plan> {
    let mut reg = Register::load(conn)?;
    let columns = if import.kind == "accounts" { ACCOUNT_COLUMNS } else { MEMBER_COLUMNS };
    let table = read_table(&import.csv, columns).map_err(ServiceError::refused)?;
    Ok(if import.kind == "accounts" { accounts_plan(&mut reg, &table, t) } else { members_plan(&mut reg, &table, t) })
}

// ---------------------------------------------------------------------------------------------
// Pages and actions

#[derive(Debug, Clone, Default, Serialize)]
pub struct UploadForm {
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecentImport {
    pub id: String,
    pub kind_label: String,
    pub filename: String,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportPage {
    pub form: UploadForm,
    pub kinds: Vec<Choice>,
    pub recent: Vec<RecentImport>,
}

pub fn import_page(conn: &mut DbConnection, user: &User, form: UploadForm) -> ServiceResult<ImportPage> {
    may_edit(user)?;
    let recent = reg_rows::list_recent_imports(conn, 10)?
        .into_iter()
        .map(|i| RecentImport {
            kind_label: vocab::label(&KINDS, &i.kind).to_string(),
            id: i.id,
            filename: i.filename,
            created_at: i.created_at,
            applied_at: i.applied_at,
            summary: i.summary,
        })
        .collect();
    Ok(ImportPage { form, kinds: Choice::list(&KINDS), recent })
}

/// Stores an uploaded file for preview. Nothing in the register changes.
pub fn upload(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    kind: &str,
    file: Option<(String, Vec<u8>)>,
) -> ServiceResult<RegisterImport> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    if !vocab::is_code(&KINDS, kind) {
        e.add("kind", "Select what the file holds");
    }
    let text = match &file {
        None => {
            e.add("file", "Select a CSV file");
            None
        }
        Some((_, bytes)) => match String::from_utf8(bytes.clone()) {
            Ok(t) => Some(t),
            Err(_) => {
                e.add("file", "The file must be CSV saved as UTF-8 (in Excel: Save as, CSV UTF-8)");
                None
            }
        },
    };
    if let Some(t) = &text {
        let columns = if kind == "accounts" { ACCOUNT_COLUMNS } else { MEMBER_COLUMNS };
        if vocab::is_code(&KINDS, kind) {
            if let Err(m) = read_table(t, columns) {
                e.add("file", m);
            }
        }
    }
    e.into_result()?;
    let (filename, bytes) = file.unwrap_or_default();
    let csv = text.unwrap_or_default();
    crate::db::write(conn, |conn| {
        let i = RegisterImport {
            id: new_id(),
            kind: kind.to_string(),
            filename: filename.chars().take(200).collect(),
            csv: csv.clone(),
            sha256: sha256_hex(&bytes),
            created_by: user.id.clone(),
            created_at: now(),
            applied_at: None,
            summary: None,
        };
        reg_rows::insert_import(conn, &i)?;
        audit::record(
            conn,
            actor,
            Event::new("register.import_uploaded", "register_import", &i.id).summary(format!(
                "{} uploaded for preview ({})",
                i.filename,
                vocab::label(&KINDS, &i.kind)
            )),
        )?;
        Ok(i)
    })
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub refused: usize,
}

impl Counts {
    fn of(rows: &[PreviewRow]) -> Self {
        let mut c = Counts::default();
        for r in rows {
            match r.outcome {
                Outcome::Added => c.added += 1,
                Outcome::Changed => c.changed += 1,
                Outcome::Unchanged => c.unchanged += 1,
                Outcome::Refused => c.refused += 1,
            }
        }
        c
    }

    fn sentence(&self) -> String {
        format!(
            "{} added, {} changed, {} unchanged, {} refused and skipped",
            self.added, self.changed, self.unchanged, self.refused
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewPage {
    pub id: String,
    pub filename: String,
    pub kind_label: String,
    pub sha256: String,
    pub rows: Vec<PreviewRow>,
    pub counts: Counts,
    pub applied_at: Option<NaiveDateTime>,
    pub summary: Option<String>,
    /// Whether confirming would change anything.
    pub can_confirm: bool,
}

pub fn preview(conn: &mut DbConnection, user: &User, id: &str) -> ServiceResult<PreviewPage> {
    may_edit(user)?;
    let import = reg_rows::find_import(conn, id)?.ok_or(ServiceError::NotFound)?;
    let plan = plan_for(conn, &import, now())?;
    let counts = Counts::of(&plan.rows);
    Ok(PreviewPage {
        id: import.id.clone(),
        filename: import.filename.clone(),
        kind_label: vocab::label(&KINDS, &import.kind).to_string(),
        sha256: import.sha256.clone(),
        can_confirm: import.applied_at.is_none() && !plan.writes.is_empty(),
        rows: plan.rows,
        counts,
        applied_at: import.applied_at,
        summary: import.summary.clone(),
    })
}

/// Applies a previewed import: every row that is not refused, in one transaction, with one
/// audit entry. Returns the summary.
pub fn confirm(conn: &mut DbConnection, actor: &Actor, user: &User, id: &str) -> ServiceResult<String> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let import = reg_rows::find_import(conn, id)?.ok_or(ServiceError::NotFound)?;
        if import.applied_at.is_some() {
            return Err(ServiceError::refused("This import has already been applied"));
        }
        let t = now();
        let plan = plan_for(conn, &import, t)?;
        let counts = Counts::of(&plan.rows);
        // New rows go in batches (one statement per few hundred rows, not per row: a round trip
        // each is what makes a large file slow on PostgreSQL); changes one by one.
        let (mut new_members, mut new_memberships, mut new_accounts) = (Vec::new(), Vec::new(), Vec::new());
        for w in &plan.writes {
            match w {
                Write::NewMember(m) => new_members.push(m.clone()),
                Write::NewMembership(ms) => new_memberships.push(ms.clone()),
                Write::NewAccount(a) => new_accounts.push(a.clone()),
                _ => {}
            }
        }
        for chunk in new_members.chunks(BATCH) {
            member_rows::insert_many(conn, chunk)?;
        }
        for chunk in new_memberships.chunks(BATCH) {
            member_rows::insert_memberships(conn, chunk)?;
        }
        for chunk in new_accounts.chunks(BATCH) {
            member_rows::insert_accounts(conn, chunk)?;
        }
        for w in &plan.writes {
            match w {
                Write::MemberChanges(id, c) => member_rows::update(conn, id, c).map(|_| ())?,
                Write::MembershipChanges(id, c) => member_rows::update_membership(conn, id, c).map(|_| ())?,
                Write::AccountChanges(id, c) => member_rows::update_account(conn, id, c).map(|_| ())?,
                _ => {}
            }
        }
        let summary = counts.sentence();
        if reg_rows::mark_import_applied(conn, &import.id, t, &summary)? == 0 {
            return Err(ServiceError::refused("This import has already been applied"));
        }
        let refused_lines: Vec<usize> =
            plan.rows.iter().filter(|r| r.outcome == Outcome::Refused).map(|r| r.line).collect();
        audit::record(
            conn,
            actor,
            Event::new("register.imported", "register_import", &import.id)
                .summary(format!("{} imported: {summary}", import.filename))
                .details(serde_json::json!({ "sha256": import.sha256, "refused_lines": refused_lines })),
        )?;
        Ok(summary)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_quotes_commas_and_line_breaks() {
        let text = "\u{feff}name,council\r\n\"Archer, Alex\",\"North \"\"field\"\"\"\r\n\r\nBea,\"two\nlines\"\n";
        let rows = parse_csv(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], (2, vec!["Archer, Alex".to_string(), "North \"field\"".to_string()]));
        assert_eq!(rows[2], (4, vec!["Bea".to_string(), "two\nlines".to_string()]));
        assert!(parse_csv("a,\"open\n").is_err());
    }
}
