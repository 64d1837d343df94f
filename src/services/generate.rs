//! Generated cases for benchmarks and demonstrations (`seed --generate N`): complaints spread over
//! the last two years across the register's councillors, platforms and code provisions, logged
//! through the same intake service as real ones.

use crate::db::DbConnection;
use crate::models::case as case_rows;
use crate::models::case::CaseStatus;
use crate::services::audit::Actor;
use crate::services::cases;
use crate::services::intake::{self, ComplaintForm, Logged};
use crate::services::vocab;
use chrono::{Datelike, Duration};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const WORDS: &[&str] = &[
    "officer",
    "planning",
    "consultation",
    "liar",
    "incompetent",
    "meeting",
    "residents",
    "parking",
    "budget",
    "ward",
    "abusive",
    "mocking",
    "threatening",
    "disclosed",
    "confidential",
    "report",
    "cabinet",
    "decision",
    "objectors",
    "shared",
    "retweeted",
    "photo",
    "chain",
    "mayor",
    "fete",
    "crest",
    "contract",
    "traffic",
    "scheme",
    "idiots",
];
const NAMES: &[&str] = &["Alex", "Sam", "Jo", "Pat", "Kim", "Lee", "Robin", "Chris", "Dana", "Morgan", "Ash", "Jamie"];
const SURNAMES: &[&str] = &["Smith", "Jones", "Patel", "Brown", "Khan", "Taylor", "Wilson", "Evans", "Green", "Hall"];

/// Creates `n` cases; `progress` is called after each one with the count so far.
pub fn generate(
    conn: &mut DbConnection,
    n: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<usize, String> {
    let today = chrono::Utc::now().date_naive();
    let choices = intake::register_choices(conn, today).map_err(|e| e.to_string())?;
    if choices.is_empty() {
        return Err("the members register is empty: load the demo data first (seed --demo)".into());
    }
    let provisions = intake::provision_choices(conn, today).map_err(|e| e.to_string())?;
    if provisions.is_empty() {
        return Err("no code of conduct is in force for any council".into());
    }
    let actor = Actor::system("generated data");
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..n {
        let received = today - Duration::days(rng.random_range(0..730));
        let conduct = received - Duration::days(rng.random_range(0..30));
        let what: Vec<&str> = (0..rng.random_range(8..30)).map(|_| WORDS[rng.random_range(0..WORDS.len())]).collect();
        let name =
            format!("{} {}", NAMES[rng.random_range(0..NAMES.len())], SURNAMES[rng.random_range(0..SURNAMES.len())]);
        let platform = vocab::PLATFORMS[rng.random_range(0..vocab::PLATFORMS.len() - 1)].0;
        let form = ComplaintForm {
            complainant_name: name.clone(),
            complainant_email: format!("complainant{i}@example.com"),
            complainant_type: ["public", "public", "public", "councillor", "officer", "clerk"][rng.random_range(0..6)]
                .into(),
            confidential: if rng.random_bool(0.1) { "yes".into() } else { "no".into() },
            confidential_reason: "Fear of reprisal".into(),
            councillor: choices[rng.random_range(0..choices.len())].value.clone(),
            conduct_day: conduct.day().to_string(),
            conduct_month: conduct.month().to_string(),
            conduct_year: conduct.year().to_string(),
            platform: platform.into(),
            post_urls: format!("https://example.org/{platform}/posts/{i}"),
            what_happened: what.join(" "),
            why_official: "The account says Cllr and the post is about council business.".into(),
            provisions: vec![provisions[rng.random_range(0..provisions.len())].value.clone()],
            source: ["email", "post", "phone"][rng.random_range(0..3)].into(),
            received_day: received.day().to_string(),
            received_month: received.month().to_string(),
            received_year: received.year().to_string(),
            case_choice: "new".into(),
            ..Default::default()
        };
        let logged = intake::log_by_staff(conn, &actor, &form, &[], today).map_err(|e| format!("case {i}: {e:?}"))?;
        let Logged::Created(case) = logged else { return Err("a generated case matched another".into()) };
        // Older cases have moved on: acknowledged, and some closed.
        if received < today - Duration::days(14) {
            let ack = received + Duration::days(rng.random_range(1..9));
            cases::transition(conn, &actor, &case, CaseStatus::Acknowledged, "").map_err(|e| format!("{e:?}"))?;
            case_rows::update(
                conn,
                &case.id,
                &case_rows::CaseChanges { acknowledged_on: Some(Some(ack)), ..Default::default() },
            )
            .map_err(|e| e.to_string())?;
            if received < today - Duration::days(90) && rng.random_bool(0.7) {
                let case = case_rows::find(conn, &case.id).map_err(|e| e.to_string())?.ok_or("case vanished")?;
                cases::transition(conn, &actor, &case, CaseStatus::Closed, "No further action (generated)")
                    .map_err(|e| format!("{e:?}"))?;
                // Assessed within a few weeks and closed some weeks later, as real cases are.
                let assessed = (received + Duration::days(rng.random_range(5..40))).min(today);
                let closed = (assessed + Duration::days(rng.random_range(0..120))).min(today);
                case_rows::update(
                    conn,
                    &case.id,
                    &case_rows::CaseChanges {
                        assessed_on: Some(Some(assessed)),
                        closed_at: Some(Some(closed.and_hms_opt(12, 0, 0).expect("noon"))),
                        ..Default::default()
                    },
                )
                .map_err(|e| e.to_string())?;
            }
        }
        // On PostgreSQL, refresh the planner's statistics as the tables grow many times over
        // (autovacuum's analyze lags behind a bulk load, and the matching query then picks a
        // plan made for empty tables).
        if (i + 1) % 5_000 == 0 {
            if let DbConnection::Postgresql(pg) = conn {
                use diesel::RunQueryDsl;
                diesel::sql_query("ANALYZE").execute(pg).map_err(|e| format!("analyze: {e}"))?;
            }
        }
        progress(i + 1);
    }
    Ok(n)
}
