//! Each role's desk: what is waiting for the signed-in user, with its due date and a link to the
//! page where it is done. Officers and Monitoring Officers: new complaints nobody is assigned to,
//! views awaited from Independent Persons, members' responses due, takedown replies due and
//! re-checks falling due, review requests. An Independent Person: the views asked of them. An
//! investigator: their investigations with the target date. A committee member: the hearings
//! they sit on, with the bundle. Only cases the user may see are listed. Each user may ask for a
//! daily digest of it by email, sent by the worker.

use crate::db::DbConnection;
use crate::emails;
use crate::models::desk as rows;
use crate::models::now;
use crate::models::setting as settings_rows;
use crate::models::user::{Role, User};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::cases::deadlines::member_response_due;
use crate::services::outbox::{self, To};
use crate::services::ServiceResult;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;

/// How many items of each kind a desk lists at most.
pub const LIMIT: i64 = 100;

/// One thing waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskItem {
    pub reference: String,
    /// What is waiting, in words ("Your view is asked").
    pub what: String,
    pub due_on: Option<NaiveDate>,
    /// What the date means ("due", "hearing on", "asked on").
    pub date_label: &'static str,
    pub overdue: bool,
    /// The page where it is done.
    pub href: String,
}

/// The desk: a heading for the user's role and what waits, soonest first.
#[derive(Debug, Clone, Serialize)]
pub struct Desk {
    pub heading: &'static str,
    pub items: Vec<DeskItem>,
    /// Whether the user gets the daily digest of it by email.
    pub digest: bool,
}

fn item(
    reference: &str,
    what: impl Into<String>,
    due_on: Option<NaiveDate>,
    label: &'static str,
    href: String,
    today: NaiveDate,
) -> DeskItem {
    DeskItem {
        reference: reference.to_string(),
        what: what.into(),
        overdue: label == "due" && due_on.is_some_and(|d| d < today),
        due_on,
        date_label: label,
        href,
    }
}

/// What waits for `user` on `today`; none for roles without a desk (administrators).
pub fn desk(conn: &mut DbConnection, user: &User, today: NaiveDate) -> QueryResult<Option<Desk>> {
    let mut items = Vec::new();
    let heading = if access::can(user, Permission::WorkCases) {
        officers(conn, user, today, &mut items)?;
        "Waiting for the Monitoring Officer's team"
    } else {
        match user.role() {
            Some(Role::IndependentPerson) => {
                for (case_id, reference, _, asked_at) in rows::ip_views_awaited(conn, Some(&user.id), LIMIT)? {
                    if access::can_view_case(conn, user, &case_id)? {
                        let href = format!("/cases/{reference}#ip");
                        items.push(item(
                            &reference,
                            "Your view is asked",
                            Some(asked_at.date()),
                            "asked on",
                            href,
                            today,
                        ));
                    }
                }
                "Waiting for you"
            }
            Some(Role::Investigator) => {
                for (case_id, reference, target_on) in rows::investigations_of(conn, &user.id, LIMIT)? {
                    if access::can_view_case(conn, user, &case_id)? {
                        let href = format!("/cases/{reference}/investigation");
                        items.push(item(
                            &reference,
                            "Investigation: final report",
                            Some(target_on),
                            "due",
                            href,
                            today,
                        ));
                    }
                }
                "Waiting for you"
            }
            Some(Role::CommitteeMember) => {
                for (case_id, reference, starts_at) in rows::hearings_of(conn, &user.id, LIMIT)? {
                    if access::can_view_case(conn, user, &case_id)? {
                        let href = format!("/cases/{reference}/hearing/bundle");
                        let what = format!("Hearing at {}: read the bundle", starts_at.format("%H:%M"));
                        items.push(item(&reference, what, Some(starts_at.date()), "hearing on", href, today));
                    }
                }
                "Waiting for you"
            }
            _ => return Ok(None),
        }
    };
    items.sort_by(|a, b| (a.due_on, &a.reference).cmp(&(b.due_on, &b.reference)));
    Ok(Some(Desk { heading, items, digest: digest_enabled(conn, &user.id)? }))
}

fn officers(conn: &mut DbConnection, user: &User, today: NaiveDate, items: &mut Vec<DeskItem>) -> QueryResult<()> {
    let calendar = Calendar::load(conn)?;
    let mut visible = std::collections::HashMap::new();
    let mut sees = |conn: &mut DbConnection, case_id: &str| -> QueryResult<bool> {
        if let Some(v) = visible.get(case_id) {
            return Ok(*v);
        }
        let v = access::can_view_case(conn, user, case_id)?;
        visible.insert(case_id.to_string(), v);
        Ok(v)
    };
    for (case_id, reference, acknowledged, ack_due, assess_due) in rows::unassigned_new(conn, LIMIT)? {
        if sees(conn, &case_id)? {
            let (what, due) = if acknowledged {
                ("New complaint, not assigned: initial assessment", assess_due)
            } else {
                ("New complaint, not assigned: acknowledge", ack_due)
            };
            items.push(item(&reference, what, Some(due), "due", format!("/cases/{reference}"), today));
        }
    }
    for (case_id, reference, _, asked_at) in rows::ip_views_awaited(conn, None, LIMIT)? {
        if sees(conn, &case_id)? {
            let href = format!("/cases/{reference}#ip");
            items.push(item(
                &reference,
                "Independent Person's view awaited",
                Some(asked_at.date()),
                "asked on",
                href,
                today,
            ));
        }
    }
    for (case_id, reference, told_at) in rows::member_responses(conn, LIMIT)? {
        if sees(conn, &case_id)? {
            let due = member_response_due(conn, told_at.date())?;
            items.push(item(&reference, "Member's response", Some(due), "due", format!("/cases/{reference}"), today));
        }
    }
    for (case_id, reference, number, addressee, due_on) in rows::open_takedowns(conn, LIMIT)? {
        if sees(conn, &case_id)? {
            let href = format!("/cases/{reference}/takedowns/T{number}");
            items.push(item(
                &reference,
                format!("Reply to takedown request T{number} (to {addressee})"),
                Some(due_on),
                "due",
                href,
                today,
            ));
        }
    }
    let horizon = calendar.add_working_days(today, 5);
    for (case_id, reference, number, due_on) in rows::rechecks_due(conn, horizon, LIMIT)? {
        if sees(conn, &case_id)? {
            let href = format!("/cases/{reference}/takedowns/T{number}");
            items.push(item(
                &reference,
                format!("Re-check the removed posts of T{number}"),
                Some(due_on),
                "due",
                href,
                today,
            ));
        }
    }
    for (case_id, reference, received_on, due_on) in rows::reviews_open(conn, LIMIT)? {
        if sees(conn, &case_id)? {
            let href = format!("/cases/{reference}#decisions");
            let item = match due_on {
                Some(due) => {
                    item(&reference, "Outcome of a request to review a decision", Some(due), "due", href, today)
                }
                None => item(&reference, "Request to review a decision", Some(received_on), "received on", href, today),
            };
            items.push(item);
        }
    }
    Ok(())
}

fn digest_key(user_id: &str) -> String {
    format!("digest.daily.{user_id}")
}

fn digest_sent_key(user_id: &str) -> String {
    format!("digest.sent.{user_id}")
}

/// Whether the user asked for the daily digest of their desk.
pub fn digest_enabled(conn: &mut DbConnection, user_id: &str) -> QueryResult<bool> {
    Ok(settings_rows::get(conn, &digest_key(user_id))?.as_deref() == Some("yes"))
}

/// Turns the user's daily digest on or off (their own choice), with an audit entry.
pub fn set_digest(conn: &mut DbConnection, actor: &Actor, user: &User, on: bool) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        if digest_enabled(conn, &user.id)? == on {
            return Ok(());
        }
        settings_rows::put(conn, &digest_key(&user.id), if on { "yes" } else { "no" }, now(), Some(&user.id))?;
        let summary = if on { "Daily digest turned on" } else { "Daily digest turned off" };
        audit::record(conn, actor, Event::new("user.digest_changed", "user", &user.id).summary(summary))?;
        Ok(())
    })
}

/// Queues, once a day, each active user's digest of what waits for them and is due by `today`
/// (for those who asked for it, and only when something does). Run by the worker; the day sent
/// is recorded in the same transaction, so it goes once however often the worker runs.
pub fn queue_digests(conn: &mut DbConnection, today: NaiveDate) -> ServiceResult<usize> {
    let mut queued = 0;
    for user in crate::models::user::list_all(conn)? {
        if !user.active || !digest_enabled(conn, &user.id)? {
            continue;
        }
        let sent = crate::db::write(conn, |conn| -> ServiceResult<bool> {
            let key = digest_sent_key(&user.id);
            // Instances sharing the database queue here: the one that comes second finds the
            // digest sent.
            crate::db::lock_keys(conn, &[key.as_str()])?;
            if settings_rows::get(conn, &key)?.is_some_and(|d| d.as_str() >= today.to_string().as_str()) {
                return Ok(false);
            }
            settings_rows::put(conn, &key, &today.to_string(), now(), None)?;
            let Some(desk) = desk(conn, &user, today)? else { return Ok(false) };
            let items: Vec<emails::DigestLine> = desk
                .items
                .into_iter()
                .filter(|i| i.due_on.is_some_and(|d| d <= today))
                .map(|i| emails::DigestLine {
                    when: match i.due_on {
                        Some(d) if i.overdue => format!("overdue since {}", emails::long_date(d)),
                        Some(d) => format!("{} {}", i.date_label, emails::long_date(d)),
                        None => String::new(),
                    },
                    reference: i.reference,
                    what: i.what,
                    href: i.href,
                })
                .collect();
            if items.is_empty() {
                return Ok(false);
            }
            let letter = emails::Digest { name: user.name.clone(), on: emails::long_date(today), items };
            outbox::queue(conn, None, To::new(&user.email, &user.name), &letter)?;
            Ok(true)
        })?;
        if sent {
            queued += 1;
        }
    }
    Ok(queued)
}
