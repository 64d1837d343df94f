//! Subject access requests (UK GDPR Article 15): a search for a person (name, email, phone,
//! postal address) across complaints, complainants, evidence details, notes, emails, letters and
//! the register of members, listing every case that mentions them; and an export for that person:
//! a zip with a cover letter and every record about them, other people's names and contact
//! details redacted. The export is kept (its own file, recorded in `disclosures`) and each case
//! audits it as disclosed; the records it was made from are unchanged.

use crate::db::schema::{
    allegations, case_notes, complainants, complaints, decision_notices, decisions, disclosures, evidence_items,
    evidence_versions, members, outbox, party_files, party_items,
};
use crate::db::DbConnection;
use crate::models::case::{self as case_rows, Case};
use crate::models::file::{self as file_rows, StoredFile};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::{can_view_case, may_manage_retention};
use crate::services::audit::{self, Actor, Event};
use crate::services::files::FileStore;
use crate::services::notices::{anonymise, complainant_redactions};
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

/// Who is asking, as the officer searched for them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SubjectQuery {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
}

/// What is matched: lower-cased text, and the phone number's digits.
#[derive(Debug, Clone)]
struct Needles {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
}

impl Needles {
    fn of(q: &SubjectQuery) -> ServiceResult<Self> {
        let text = |s: &str| Some(s.trim().to_lowercase()).filter(|s| s.chars().count() >= 3);
        let digits: String = q.phone.chars().filter(char::is_ascii_digit).collect();
        let n = Needles {
            name: text(&q.name),
            email: text(&q.email),
            phone: Some(digits).filter(|d| d.len() >= 6),
            // The first line of an address (house and street) is what identifies it.
            address: q.address.lines().next().and_then(|l| text(l.split(',').next().unwrap_or(l))),
        };
        if n.name.is_none() && n.email.is_none() && n.phone.is_none() && n.address.is_none() {
            let mut e = FieldErrors::default();
            e.add(
                "name",
                "Enter the person's name, email address, telephone number or address (at least 3 characters, or 6 digits)",
            );
            return Err(ServiceError::Invalid(e));
        }
        Ok(n)
    }

    /// Whether any of the person's details appears in the text.
    fn in_text(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        [&self.name, &self.email, &self.address].iter().any(|n| n.as_ref().is_some_and(|n| lower.contains(n.as_str())))
            || self.phone.as_ref().is_some_and(|p| {
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                digits.contains(p.as_str())
            })
    }

    fn in_any(&self, texts: &[Option<&str>]) -> bool {
        texts.iter().flatten().any(|t| self.in_text(t))
    }

    fn terms(&self) -> String {
        let mut t = Vec::new();
        if let Some(n) = &self.name {
            t.push(format!("the name \"{n}\""));
        }
        if let Some(e) = &self.email {
            t.push(format!("the email address {e}"));
        }
        if let Some(p) = &self.phone {
            t.push(format!("the telephone number {p}"));
        }
        if let Some(a) = &self.address {
            t.push(format!("the address \"{a}\""));
        }
        t.join(", ")
    }
}

mod gather;
use gather::{gather, Found, Record};

// ---------------------------------------------------------------------------------------------
// The search page

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub reference: String,
    pub status: &'static str,
    pub received_on: chrono::NaiveDate,
    /// "Complaint (2), Email (1)".
    pub found_in: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub query: SubjectQuery,
    pub searched: bool,
    pub hits: Vec<Hit>,
}

fn summary(records: &[Record]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in records {
        *counts.entry(r.kind).or_default() += 1;
    }
    counts.into_iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join(", ")
}

/// The search form, and with a query, every case that mentions the person.
pub fn search(conn: &mut DbConnection, user: &User, query: SubjectQuery) -> ServiceResult<SearchPage> {
    if !may_manage_retention(user) {
        return Err(ServiceError::Forbidden);
    }
    let asked = !(query.name.trim().is_empty()
        && query.email.trim().is_empty()
        && query.phone.trim().is_empty()
        && query.address.trim().is_empty());
    if !asked {
        return Ok(SearchPage { query, searched: false, hits: Vec::new() });
    }
    let n = Needles::of(&query)?;
    let hits = gather(conn, user, &n)?
        .into_iter()
        .map(|f| Hit {
            found_in: summary(&f.records),
            reference: f.case.reference,
            status: f.case.status.label(),
            received_on: f.case.received_on,
        })
        .collect();
    Ok(SearchPage { query, searched: true, hits })
}

// ---------------------------------------------------------------------------------------------
// The export

pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

fn cover_letter(user: &User, n: &Needles, q: &SubjectQuery, found: &[Found], privacy: Option<String>) -> String {
    let who = if q.name.trim().is_empty() { "the person who asked".to_string() } else { q.name.trim().to_string() };
    let refs = found.iter().map(|f| f.case.reference.as_str()).collect::<Vec<_>>().join(", ");
    format!(
        "Subject access request: personal information about {who}\n\
         Prepared on {} by {}\n\n\
         Dear {who},\n\n\
         You asked for a copy of the personal information about you that we hold in our files on complaints about \
         councillors (UK GDPR Article 15). We searched the complaints, evidence records, case notes, emails and letters \
         for {}.\n\n\
         Any messages and files you sent from your own page about a complaint are included \
         (the files in a folder of each case).\n\n\
         We found records about you in {} case(s): {}.\n\n\
         Each case's records are in a file of their own in this archive. Other people's names and contact details \
         have been replaced by [another person], [a witness] or [contact details removed], because they are other \
         people's personal information.\n\n\
         How we use your information is explained in our privacy notice{}.\n\n\
         If you are not satisfied with this response you can ask us to review it, or complain to the Information \
         Commissioner's Office (ico.org.uk, telephone 0303 123 1113).\n\n\
         The Monitoring Officer\n",
        now().format("%-d %B %Y"),
        user.name,
        n.terms(),
        found.len(),
        if refs.is_empty() { "none".to_string() } else { refs },
        privacy.map(|u| format!(": {u}")).unwrap_or_default()
    )
}

fn case_file(f: &Found) -> String {
    let mut s = format!("Case {}: records about you\n\n", f.case.reference);
    for r in &f.records {
        let title = anonymise(&r.title, &f.redactions);
        let body = anonymise(&r.body, &f.redactions);
        s.push_str(&format!("{}\n{}\n{}\n\n", title, "-".repeat(title.chars().count().min(80)), body.trim_end()));
    }
    s
}

/// The zip for one person: a cover letter and a file of records per case, other people's details
/// redacted. It is stored (a version of its own: the records are not changed), recorded in
/// `disclosures`, and every case it covers audits the disclosure.
pub fn export(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    user: &User,
    query: &SubjectQuery,
) -> ServiceResult<Export> {
    if !may_manage_retention(user) {
        return Err(ServiceError::Forbidden);
    }
    let n = Needles::of(query)?;
    let found = gather(conn, user, &n)?;
    if found.is_empty() {
        return Err(ServiceError::refused("No case mentions this person: there is nothing to export"));
    }
    let privacy = crate::services::privacy::notice_for(conn, &found[0].case.authority_id)?.and_then(|p| p.url);
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let write = |zip: &mut zip::ZipWriter<&mut std::io::Cursor<Vec<u8>>>, name: &str, text: &str| {
            zip.start_file(name, options).map_err(|e| ServiceError::Internal(format!("writing the export: {e}")))?;
            zip.write_all(text.as_bytes()).map_err(|e| ServiceError::Internal(format!("writing the export: {e}")))
        };
        write(&mut zip, "cover-letter.txt", &cover_letter(user, &n, query, &found, privacy))?;
        for f in &found {
            write(&mut zip, &format!("{}.txt", f.case.reference), &case_file(f))?;
            // The files they sent from their own page, as sent (one declined and deleted since
            // is listed in the case's file with its SHA-256, and is not here).
            for (i, (name, sha)) in f.files.iter().enumerate() {
                let Ok(bytes) = store.read(sha) else { continue };
                let safe: String =
                    name.chars().map(|c| if c.is_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
                let entry = format!("{}-files/{}-{}", f.case.reference, i + 1, safe);
                zip.start_file(entry, options)
                    .map_err(|e| ServiceError::Internal(format!("writing the export: {e}")))?;
                zip.write_all(&bytes).map_err(|e| ServiceError::Internal(format!("writing the export: {e}")))?;
            }
        }
        zip.finish().map_err(|e| ServiceError::Internal(format!("writing the export: {e}")))?;
    }
    let bytes = buf.into_inner();
    let sha256 = crate::services::auth::sha256_hex(&bytes);
    let file_name = format!("subject-access-{}.zip", now().format("%Y-%m-%d-%H%M%S"));
    store.put_bytes(&sha256, &bytes).map_err(|e| ServiceError::Internal(format!("storing the export: {e}")))?;
    let references = found.iter().map(|f| f.case.reference.clone()).collect::<Vec<_>>().join(", ");
    let subject = [&query.name, &query.email, &query.phone, &query.address]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    crate::db::write(conn, |conn| -> ServiceResult<()> {
        crate::db::lock_file_store(conn, false)?;
        let t = now();
        file_rows::insert_stored_if_missing(
            conn,
            &StoredFile {
                sha256: sha256.clone(),
                size_bytes: bytes.len() as i64,
                media_type: "application/zip".into(),
                created_at: t,
            },
        )?;
        diesel::insert_into(disclosures::table)
            .values((
                disclosures::id.eq(new_id()),
                disclosures::subject.eq(&subject),
                disclosures::case_references.eq(&references),
                disclosures::file_name.eq(&file_name),
                disclosures::sha256.eq(&sha256),
                disclosures::created_by_user_id.eq(&user.id),
                disclosures::created_at.eq(t),
            ))
            .execute(conn)?;
        for f in &found {
            audit::record(
                conn,
                actor,
                Event::new("case.disclosed", "case", &f.case.id).case(&f.case.id).summary(format!(
                    "{} record(s) disclosed under a subject access request ({file_name}, SHA-256 {sha256})",
                    f.records.len()
                )),
            )?;
        }
        Ok(())
    })?;
    crate::services::retention::access_log::record(
        conn,
        user,
        crate::services::retention::access_log::Opened::Export,
        &file_name,
        None,
    )?;
    Ok(Export { file_name, bytes })
}
