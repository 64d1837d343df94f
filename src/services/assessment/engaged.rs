//! What the register says about a member on the date of the conduct: whether they were a member
//! (G1, pre-filled for the officer to confirm) and whose code is engaged, suggested from the
//! account used and the memberships held on that date — never from words in the post.

use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::evidence as evidence_rows;
use crate::models::member::{self as member_rows, MemberAccount, Membership};
use crate::services::evidence::account_link;
use crate::services::vocab;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;

/// The date the register is read on, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterDate {
    pub day: NaiveDate,
    /// "the date of the post in E2", "the date of the conduct given in the complaint", "the date
    /// the case was received".
    pub source: String,
}

/// G1 as the register answers it, for the officer to confirm.
#[derive(Debug, Clone, Serialize)]
pub struct MembershipCheck {
    /// `yes` when a membership covers the date, else `no`.
    pub answer: &'static str,
    /// The membership that covers the date, in words.
    pub found: Vec<String>,
    /// Every membership of the member, in words (shown when none covers the date).
    pub memberships: Vec<String>,
    pub why: String,
}

/// The councils the member sat on when the conduct happened, and a suggestion of whose code is
/// engaged: the council the account used presents; else the only council; else the one the
/// officer chose (with their reason); else none, and the officer must choose.
#[derive(Debug, Clone, Serialize)]
pub struct EngagedAuthority {
    pub candidates: Vec<Authority>,
    pub suggested: Option<Authority>,
    pub dual_hatted: bool,
    pub why: String,
    /// More than one council remains possible and nothing in the register settles it: the
    /// officer must choose and say why.
    pub needs_choice: bool,
    pub date: RegisterDate,
    pub g1: MembershipCheck,
    /// The member's registered account the cited evidence was captured from, in words.
    pub account: Option<String>,
}

fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn describe_membership(conn: &mut DbConnection, m: &Membership) -> QueryResult<String> {
    let council = authority_rows::find(conn, &m.authority_id)?.map(|a| a.name).unwrap_or_default();
    let role = vocab::label(&vocab::MEMBERSHIP_ROLES, &m.role);
    let role = if role == "Unknown" { m.role.clone() } else { role.to_string() };
    let ward = m.ward.as_deref().map(|w| format!(", {w}")).unwrap_or_default();
    let until = match m.ended_on {
        Some(end) => format!(" to {}", long_date(end)),
        None => " (current)".to_string(),
    };
    Ok(format!("{council}: {role}{ward}, from {}{until}", long_date(m.started_on)))
}

/// The earliest date of the conduct complained of about this member, if the complaints give one.
fn conduct_date(conn: &mut DbConnection, case_id: &str, member_id: &str) -> QueryResult<Option<NaiveDate>> {
    let allegations = complaint_rows::list_allegations_for_case(conn, case_id)?;
    let mut dates = Vec::new();
    for (c, _) in complaint_rows::list_for_case(conn, case_id)? {
        if allegations.iter().any(|a| a.complaint_id == c.id && a.member_id == member_id) {
            dates.extend(c.conduct_on);
        }
    }
    Ok(dates.into_iter().min())
}

/// The register's view of `member_id` for this case. `cited` are the evidence items the
/// assessment cites: the earliest posted date among them is the date read; the account one of
/// them was captured from (or, when none cites one, any item of the case captured from the
/// member's registered accounts) is the account used. `role_used`/`role_used_reason` are the
/// officer's choice when more than one council is possible.
pub fn engaged_authority(
    conn: &mut DbConnection,
    case: &Case,
    member_id: &str,
    role_used: Option<&str>,
    cited: &[String],
) -> QueryResult<EngagedAuthority> {
    let items = evidence_rows::list_items(conn, &case.id)?;
    let mut posted: Option<(NaiveDate, i32)> = None;
    let mut cited_account: Option<(MemberAccount, i32)> = None;
    let mut any_account: Option<(MemberAccount, i32)> = None;
    for item in &items {
        let is_cited = cited.contains(&item.id);
        if is_cited {
            let v = evidence_rows::current_version(conn, item)?;
            if let Some(day) = v.posted_at.map(|t| t.date()) {
                if posted.is_none_or(|(d, _)| day < d) {
                    posted = Some((day, item.number));
                }
            }
        }
        if let Some(account_id) = &item.member_account_id {
            if let Some(a) = member_rows::find_account(conn, account_id)?.filter(|a| a.member_id == member_id) {
                let slot = if is_cited { &mut cited_account } else { &mut any_account };
                let better = match slot {
                    None => true,
                    Some((held, _)) => held.authority_id.is_none() && a.authority_id.is_some(),
                };
                if better {
                    *slot = Some((a, item.number));
                }
            }
        }
    }
    let date = match posted {
        Some((day, n)) => RegisterDate { day, source: format!("the date of the post in E{n}") },
        None => match conduct_date(conn, &case.id, member_id)? {
            Some(day) => RegisterDate { day, source: "the date of the conduct given in the complaint".into() },
            None => RegisterDate {
                day: case.received_on,
                source: "the date the case was received (no date of the conduct is recorded)".into(),
            },
        },
    };
    let day = date.day;
    let on = long_date(day);

    let memberships = member_rows::list_memberships_for_member(conn, member_id)?;
    let covering: Vec<&Membership> = memberships.iter().filter(|m| m.covers(day)).collect();
    let mut found = Vec::new();
    for m in &covering {
        found.push(describe_membership(conn, m)?);
    }
    let mut all = Vec::new();
    for m in &memberships {
        all.push(describe_membership(conn, m)?);
    }
    let g1 = if covering.is_empty() {
        MembershipCheck {
            answer: "no",
            found,
            why: if memberships.is_empty() {
                "The register holds no membership for this person.".into()
            } else {
                format!("None of the memberships in the register covers {on} ({}).", date.source)
            },
            memberships: all,
        }
    } else {
        MembershipCheck {
            answer: "yes",
            why: format!("The register shows a membership covering {on} ({}).", date.source),
            found,
            memberships: all,
        }
    };

    let mut candidates: Vec<Authority> = Vec::new();
    let pool: Vec<&Membership> = if covering.is_empty() { memberships.iter().collect() } else { covering.clone() };
    for m in pool {
        if let Some(a) = authority_rows::find(conn, &m.authority_id)? {
            if !candidates.iter().any(|c| c.id == a.id) {
                candidates.push(a);
            }
        }
    }
    let on_date = covering.iter().map(|m| m.authority_id.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    let dual_hatted = on_date > 1;

    let used = cited_account.or(any_account);
    let account = used.as_ref().map(|(a, n)| {
        let presents = match &a.authority_id {
            Some(id) => candidates.iter().find(|c| &c.id == id).map(|c| c.name.clone()),
            None => None,
        };
        match presents {
            Some(council) => {
                format!("E{n} was captured from {}, registered as presenting {council}", account_link::at_handle(a))
            }
            None if a.authority_id.is_some() => format!(
                "E{n} was captured from {}, registered as presenting another council",
                account_link::at_handle(a)
            ),
            None => format!("E{n} was captured from {}, registered as a personal account", account_link::at_handle(a)),
        }
    });
    if let Some((a, _)) = &used {
        if let Some(id) = &a.authority_id {
            if let Some(council) = authority_rows::find(conn, id)? {
                if !candidates.iter().any(|c| c.id == council.id) {
                    candidates.push(council.clone());
                }
                return Ok(EngagedAuthority {
                    why: format!("the account {} presents {}", account_link::at_handle(a), council.name),
                    suggested: Some(council),
                    candidates,
                    dual_hatted,
                    needs_choice: false,
                    date,
                    g1,
                    account,
                });
            }
        }
    }
    if candidates.len() == 1 {
        let only = candidates[0].clone();
        let why = if covering.is_empty() {
            format!(
                "{} is the only council in the register for this member, though no membership covers {on}",
                only.name
            )
        } else {
            format!("{} is the only council the member sat on on {on}", only.name)
        };
        return Ok(EngagedAuthority {
            why,
            suggested: Some(only),
            candidates,
            dual_hatted,
            needs_choice: false,
            date,
            g1,
            account,
        });
    }
    if let Some(id) = role_used {
        if let Some(a) = candidates.iter().find(|a| a.id == id).cloned() {
            return Ok(EngagedAuthority {
                why: format!("the officer chose {} as the council whose role was used", a.name),
                suggested: Some(a),
                candidates,
                dual_hatted,
                needs_choice: true,
                date,
                g1,
                account,
            });
        }
    }
    let why = if candidates.is_empty() {
        "the register holds no membership for this member: the Monitoring Officer must decide".into()
    } else if dual_hatted {
        format!(
            "member of {} councils on {on}, and no registered council account was used: choose and say why",
            candidates.len()
        )
    } else {
        format!("no membership covers {on}: choose and say why")
    };
    Ok(EngagedAuthority {
        needs_choice: candidates.len() > 1,
        candidates,
        suggested: None,
        dual_hatted,
        why,
        date,
        g1,
        account,
    })
}
