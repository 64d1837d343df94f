//! Whose code is engaged: the councils the member sat on when the conduct happened, and a
//! suggestion of which one's code applies.

use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::member as member_rows;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;

/// The councils the member sat on when the conduct happened, and a suggestion of whose code is
/// engaged: the only one; else the one whose role was used; else the one the texts name.
#[derive(Debug, Clone, Serialize)]
pub struct EngagedAuthority {
    pub candidates: Vec<Authority>,
    pub suggested: Option<Authority>,
    pub dual_hatted: bool,
    pub why: String,
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

fn texts_of_case(conn: &mut DbConnection, case: &Case) -> QueryResult<String> {
    let mut parts = Vec::new();
    for (c, _) in complaint_rows::list_for_case(conn, &case.id)? {
        parts.push(c.what_happened);
        parts.push(c.why_official);
    }
    for v in crate::services::evidence::list_for_case(conn, case)? {
        parts.extend(v.current.post_text);
        parts.extend(v.current.account_bio);
        parts.extend(v.current.display_name);
    }
    Ok(parts.join("\n").to_lowercase())
}

fn mentions(text: &str, a: &Authority) -> usize {
    let name = a.name.to_lowercase();
    let short = name.trim_end_matches(" council").trim_end_matches(" district").to_string();
    let place = name.split_whitespace().next().unwrap_or_default().to_string();
    let tier_words: &[&str] = match a.tier.as_str() {
        "district" => &["district council", "district"],
        "county" => &["county council"],
        "parish" => &["parish council", "parish"],
        "town" => &["town council", "mayor", "town"],
        "city" => &["city council"],
        "community" => &["community council"],
        _ => &[],
    };
    let mut n = text.matches(name.as_str()).count() * 3 + text.matches(short.as_str()).count() * 2;
    if place.len() > 3 {
        n += text.matches(place.as_str()).count();
    }
    n + tier_words.iter().map(|w| text.matches(w).count()).sum::<usize>()
}

pub fn engaged_authority(
    conn: &mut DbConnection,
    case: &Case,
    member_id: &str,
    role_used: Option<&str>,
) -> QueryResult<EngagedAuthority> {
    let day = conduct_date(conn, &case.id, member_id)?.unwrap_or(case.received_on);
    let memberships = member_rows::list_memberships_for_member(conn, member_id)?;
    let mut covering: Vec<_> = memberships.iter().filter(|m| m.covers(day)).collect();
    if covering.is_empty() {
        covering = memberships.iter().collect();
    }
    let mut candidates = Vec::new();
    for m in covering {
        if let Some(a) = authority_rows::find(conn, &m.authority_id)? {
            if !candidates.iter().any(|c: &Authority| c.id == a.id) {
                candidates.push(a);
            }
        }
    }
    let dual_hatted = candidates.len() > 1;
    if candidates.len() == 1 {
        let only = candidates[0].clone();
        return Ok(EngagedAuthority {
            why: format!("{} was the only council the member sat on at the time", only.name),
            suggested: Some(only),
            candidates,
            dual_hatted,
        });
    }
    if let Some(id) = role_used {
        if let Some(a) = candidates.iter().find(|a| a.id == id).cloned() {
            return Ok(EngagedAuthority {
                why: format!("the member used, or appeared to use, their role at {}", a.name),
                suggested: Some(a),
                candidates,
                dual_hatted,
            });
        }
    }
    let text = texts_of_case(conn, case)?;
    let mut scored: Vec<(usize, &Authority)> = candidates.iter().map(|a| (mentions(&text, a), a)).collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    let suggested = match scored.as_slice() {
        [(best, a), (next, _), ..] if best > next => Some((*a).clone()),
        _ => None,
    };
    let why = match &suggested {
        Some(a) => format!("the complaint and evidence refer to {} most", a.name),
        None => "the member sat on more than one council and nothing settles which role was used: the Monitoring Officer must decide".into(),
    };
    Ok(EngagedAuthority { candidates, suggested, dual_hatted, why })
}
