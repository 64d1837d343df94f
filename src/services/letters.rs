//! What every letter carries besides its own contents: the service's address, so staff emails
//! link to the exact page, and the council the case belongs to with its reply address, so the
//! public and members know where to reply or send more. Each council's reply address is a
//! setting (`letters.reply_to.<council id>`), changed by administrators on the council's
//! "Letters" page; a parish without one uses its principal council's.

use crate::db::DbConnection;
use crate::emails::Letterhead;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::case as case_rows;
use crate::models::now;
use crate::models::setting as rows;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::settings::may_administer;
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// The setting that holds `BASE_URL`, written from the configuration when the service starts
/// (every instance has the same), so the letters a change queues inside its transaction can
/// link to pages without the configuration being passed down to every service.
pub const BASE_URL_KEY: &str = "site.base_url";

/// Used until a server has started once with its `BASE_URL`.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

fn reply_key(authority_id: &str) -> String {
    format!("letters.reply_to.{authority_id}")
}

/// The letterhead settings of a council: (form field, setting key prefix, what it is).
const LETTERHEAD: [(&str, &str, &str); 3] = [
    ("council_name", "letters.council_name", "the council's name as letters give it"),
    ("address", "letters.address", "the council's address"),
    ("signature", "letters.signature", "the Monitoring Officer's signature block"),
];

fn own_setting(conn: &mut DbConnection, prefix: &str, authority_id: &str) -> QueryResult<Option<String>> {
    Ok(rows::get(conn, &format!("{prefix}.{authority_id}"))?.filter(|a| !a.trim().is_empty()))
}

/// Records `BASE_URL` (without a trailing slash) if it differs from the stored one.
pub fn record_base_url(conn: &mut DbConnection, base_url: &str) -> QueryResult<()> {
    let base_url = base_url.trim_end_matches('/');
    if rows::get(conn, BASE_URL_KEY)?.as_deref() == Some(base_url) {
        return Ok(());
    }
    crate::db::write(conn, |conn| rows::put(conn, BASE_URL_KEY, base_url, now(), None))
}

/// The service's address, as links in letters start.
pub fn base_url(conn: &mut DbConnection) -> QueryResult<String> {
    Ok(rows::get(conn, BASE_URL_KEY)?.unwrap_or_else(|| DEFAULT_BASE_URL.to_string()))
}

/// A council's own reply address, if set.
pub fn own_reply_address(conn: &mut DbConnection, authority_id: &str) -> QueryResult<Option<String>> {
    Ok(rows::get(conn, &reply_key(authority_id))?.filter(|a| !a.trim().is_empty()))
}

/// Where letters about a council's cases say to reply: its own address, else its principal
/// council's (a parish's Monitoring Officer is the principal council's).
pub fn reply_address(conn: &mut DbConnection, authority: &Authority) -> QueryResult<Option<String>> {
    if let Some(a) = own_reply_address(conn, &authority.id)? {
        return Ok(Some(a));
    }
    match &authority.principal_authority_id {
        Some(p) => own_reply_address(conn, p),
        None => Ok(None),
    }
}

/// The letterhead for a letter about a case (or about none).
pub fn letterhead(conn: &mut DbConnection, case_id: Option<&str>) -> QueryResult<Letterhead> {
    let authority = match case_id {
        Some(id) => match case_rows::find(conn, id)? {
            Some(case) => authority_rows::find(conn, &case.authority_id)?,
            None => None,
        },
        None => None,
    };
    letterhead_for(conn, authority)
}

/// The letterhead of a council's letters (or of letters from no council): its name (as set for
/// letters, else its own), address, the Monitoring Officer's signature and the reply address.
pub fn letterhead_for(conn: &mut DbConnection, authority: Option<Authority>) -> QueryResult<Letterhead> {
    let mut head = Letterhead { base_url: base_url(conn)?, ..Default::default() };
    if let Some(a) = authority {
        head.reply_to = reply_address(conn, &a)?;
        head.council = Some(own_setting(conn, LETTERHEAD[0].1, &a.id)?.unwrap_or(a.name));
        head.address = own_setting(conn, LETTERHEAD[1].1, &a.id)?;
        head.signature = own_setting(conn, LETTERHEAD[2].1, &a.id)?;
        head.authority_id = Some(a.id);
    }
    Ok(head)
}

/// The form of a council's letters page, as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LettersForm {
    #[serde(default)]
    pub reply_to: String,
    /// The letterhead: the council's name as letters give it, its address, the signature block.
    #[serde(default)]
    pub council_name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub signature: String,
}

impl LettersForm {
    fn letterhead_value(&self, field: &str) -> &str {
        match field {
            "council_name" => &self.council_name,
            "address" => &self.address,
            _ => &self.signature,
        }
    }
}

/// A council's letters page.
#[derive(Debug, Clone, Serialize)]
pub struct LettersPage {
    pub council_id: String,
    pub council_name: String,
    pub form: LettersForm,
    /// The principal council's address, used while this council has none.
    pub inherited_reply_to: Option<String>,
    pub principal_name: Option<String>,
    /// Every letter the council may edit, and whether it has.
    pub templates: Vec<crate::services::letter_templates::TemplateRow>,
}

/// A council's letters settings, with the stored values or `form` as submitted.
pub fn letters_page(
    conn: &mut DbConnection,
    admin: &User,
    authority_id: &str,
    form: Option<LettersForm>,
) -> ServiceResult<LettersPage> {
    may_administer(admin)?;
    let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
    let form = match form {
        Some(f) => f,
        None => LettersForm {
            reply_to: own_reply_address(conn, &council.id)?.unwrap_or_default(),
            council_name: own_setting(conn, LETTERHEAD[0].1, &council.id)?.unwrap_or_default(),
            address: own_setting(conn, LETTERHEAD[1].1, &council.id)?.unwrap_or_default(),
            signature: own_setting(conn, LETTERHEAD[2].1, &council.id)?.unwrap_or_default(),
        },
    };
    let templates = crate::services::letter_templates::list(conn, &council.id)?;
    let (inherited_reply_to, principal_name) = match &council.principal_authority_id {
        Some(p) => (own_reply_address(conn, p)?, authority_rows::find(conn, p)?.map(|a| a.name)),
        None => (None, None),
    };
    Ok(LettersPage {
        council_id: council.id,
        council_name: council.name,
        form,
        inherited_reply_to,
        principal_name,
        templates,
    })
}

/// Sets (or, left empty, clears) a council's reply address, with an audit entry.
pub fn set_reply_address(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    authority_id: &str,
    form: &LettersForm,
) -> ServiceResult<Authority> {
    may_administer(admin)?;
    let address = form.reply_to.trim().to_string();
    let mut e = FieldErrors::default();
    crate::services::text::check_one_line(&mut e, "reply_to", &address, "the reply address");
    if !address.is_empty() && !validator::ValidateEmail::validate_email(&address) {
        e.add("reply_to", "Enter an email address in the correct format, like standards@council.gov.uk");
    }
    crate::services::text::check_one_line(&mut e, "council_name", form.council_name.trim(), "the council's name");
    for (field, _, what) in LETTERHEAD {
        let value = form.letterhead_value(field);
        if value.chars().count() > 1000 {
            e.add(field, format!("Enter {what} in 1000 characters or fewer"));
        } else if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
            e.add(field, format!("Enter {what} without tabs or other special characters"));
        }
    }
    e.into_result()?;
    crate::db::write(conn, |conn| {
        let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
        for (field, prefix, what) in LETTERHEAD {
            let value = form.letterhead_value(field).trim().replace("\r\n", "\n");
            let before = own_setting(conn, prefix, &council.id)?.unwrap_or_default();
            if before == value {
                continue;
            }
            rows::put(conn, &format!("{prefix}.{}", council.id), &value, now(), actor.user_id.as_deref())?;
            let mut what = what.to_string();
            what.replace_range(..1, &what[..1].to_uppercase());
            audit::record(
                conn,
                actor,
                Event::new("council.letterhead_changed", "authority", &council.id)
                    .summary(format!("{what} on letters about {}'s cases changed", council.name))
                    .details(serde_json::json!({ "field": field, "before": before, "after": value })),
            )?;
        }
        let before = own_reply_address(conn, &council.id)?.unwrap_or_default();
        if before == address {
            return Ok(council);
        }
        rows::put(conn, &reply_key(&council.id), &address, now(), actor.user_id.as_deref())?;
        let summary = if address.is_empty() {
            format!("Reply address for letters about {} removed", council.name)
        } else {
            format!("Reply address for letters about {} set to {address}", council.name)
        };
        audit::record(
            conn,
            actor,
            Event::new("council.reply_address_changed", "authority", &council.id)
                .summary(summary)
                .details(serde_json::json!({ "before": before, "after": address })),
        )?;
        Ok(council)
    })
}
