//! The plan for a file of members and their memberships.

use super::*;

pub(super) fn members_plan(reg: &mut Register, table: &Table, t: NaiveDateTime) -> Plan {
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
