//! The plan for a file of members' social media accounts.

use super::*;

pub(super) fn platform_code(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.eq_ignore_ascii_case("twitter") {
        return Some("x".into());
    }
    PLATFORMS.iter().find(|(c, l)| c.eq_ignore_ascii_case(t) || l.eq_ignore_ascii_case(t)).map(|(c, _)| c.to_string())
}

pub(super) fn accounts_plan(reg: &mut Register, table: &Table, t: NaiveDateTime) -> Plan {
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
