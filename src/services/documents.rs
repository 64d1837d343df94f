//! Documents as PDF (issue 17): a decision notice (downloaded by officers, and attached to the
//! email that sends it) and the hearing bundle (for those who may see the bundle), both made by
//! [`crate::pdf`] from the same records the pages show.

use crate::db::DbConnection;
use crate::emails::{long_date, Letterhead};
use crate::models::assessment::{self as assessment_rows, DecisionNotice};
use crate::models::user::User;
use crate::pdf::{Doc, Style};
use crate::services::access::Permission;
use crate::services::assessment::rules;
use crate::services::audit::{self, Actor, Event};
use crate::services::files::FileStore;
use crate::services::hearing::{self, Bundle};
use crate::services::{cases, ServiceError, ServiceResult};
use chrono::NaiveDateTime;

pub const PDF: &str = "application/pdf";

fn when(t: NaiveDateTime) -> String {
    format!("{} at {}", t.format("%-d %B %Y"), t.format("%-I:%M%P"))
}

/// A decision notice as a PDF letter: the council's letterhead, the reference, the recipient and
/// date, the subject as its heading and the text as sent (or as drafted).
pub fn notice_pdf(notice: &DecisionNotice, reference: &str, head: &Letterhead) -> ServiceResult<Vec<u8>> {
    let mut doc = Doc::new(format!("{} ({})", notice.subject, reference));
    if let Some(council) = &head.council {
        doc.styled(council.clone(), Style::Bold);
    }
    if let Some(address) = &head.address {
        doc.styled(address.clone(), Style::Small);
    }
    doc.field("Reference", reference);
    doc.field("To", &notice.recipient_name);
    doc.field("Date", long_date(notice.sent_at.unwrap_or(notice.created_at).date()));
    doc.heading(1, &notice.subject);
    for paragraph in notice.body.replace("\r\n", "\n").split("\n\n") {
        doc.para(paragraph.trim_matches('\n'));
    }
    doc.finish().map_err(ServiceError::Internal)
}

/// The file name a notice's PDF is sent and downloaded as.
pub fn notice_filename(reference: &str, notice: &DecisionNotice) -> String {
    let who: String = notice.recipient_kind.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("decision-notice-{reference}-{who}.pdf")
}

/// A decision's notice as a PDF, for officers who may see the case.
pub fn notice_pdf_for(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    decision_id: &str,
    notice_id: &str,
) -> ServiceResult<(String, Vec<u8>)> {
    rules::require(user, Permission::WorkCases)?;
    let case = cases::find_visible(conn, user, reference)?;
    let decision = assessment_rows::find_decision(conn, &case.id, decision_id)?.ok_or(ServiceError::NotFound)?;
    let notice = assessment_rows::notices(conn, &decision.id)?
        .into_iter()
        .find(|n| n.id == notice_id)
        .ok_or(ServiceError::NotFound)?;
    let head = crate::services::letters::letterhead(conn, Some(&case.id))?;
    Ok((notice_filename(&case.reference, &notice), notice_pdf(&notice, &case.reference, &head)?))
}

/// The sections of the bundle, numbered as on the page: (mark, heading).
fn sections(b: &Bundle) -> [(&'static str, String); 5] {
    let complaints = if b.complaints.len() == 1 { "The complaint" } else { "The complaints" };
    [
        ("complaints", format!("1. {complaints} and the allegations")),
        ("assessments", "2. Capacity and Article 10 assessments".into()),
        ("report", "3. The investigation report".into()),
        ("evidence", "4. The evidence".into()),
        ("response", "5. The member's response".into()),
    ]
}

/// The hearing bundle as a PDF, for those who may see the bundle: the same contents as the page,
/// each section on a new page, the index with the page each section and each evidence item starts
/// on, every capture's images embedded with the file's SHA-256 beside it. Each image put in it is
/// recorded in the evidence's custody log, and the download in the audit log.
pub fn bundle_pdf(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    store: &FileStore,
) -> ServiceResult<(String, Vec<u8>)> {
    let b = hearing::bundle(conn, user, reference)?;
    let case = crate::models::case::find_by_reference(conn, &b.reference)?.ok_or(ServiceError::NotFound)?;
    let mut images = Vec::new();
    for e in &b.evidence {
        for f in e.files.iter().filter(|f| f.is_image) {
            images.push((e.number, f.id.clone()));
        }
    }
    // Each image embedded is an access to the evidence, recorded as the page's images are.
    let mut bytes = std::collections::HashMap::new();
    for (number, file_id) in &images {
        let file = hearing::bundle_image(conn, actor, user, reference, &format!("E{number}"), file_id)?;
        bytes.insert(file_id.clone(), store.read(&file.sha256).unwrap_or_default());
    }
    let title = format!("Hearing bundle: complaint {}", b.reference);
    let mut doc = Doc::new(title.clone());
    doc.styled(format!("{} Standards Committee", b.authority.clone().unwrap_or_default()), Style::Bold);
    doc.heading(1, &title);
    let mut hearing_line = format!("Hearing: {}", when(b.starts_at));
    if let Some(v) = &b.venue {
        hearing_line.push_str(&format!(", {v}"));
    }
    if let Some(l) = &b.remote_link {
        hearing_line.push_str(&format!(" (remote: {l})"));
    }
    doc.para(format!("{hearing_line}."));
    let panel: Vec<String> =
        b.panel.iter().map(|p| if p.chair { format!("{} (chair)", p.name) } else { p.name.clone() }).collect();
    doc.para(format!(
        "Panel: {}. Independent Person: {}. Investigator: {}.",
        panel.join(", "),
        b.ip.clone().unwrap_or_default(),
        b.investigator.clone().unwrap_or_else(|| "none".into())
    ));
    if let Some(p) = b.private_label {
        doc.styled(
            format!("Not for publication: part of the hearing is expected to be in private under Schedule 12A, {p}."),
            Style::Bold,
        );
    }
    let sections = sections(&b);
    doc.heading(2, "Index");
    let mut entries: Vec<(String, String)> = Vec::new();
    for (mark, heading) in &sections {
        entries.push((heading.clone(), mark.to_string()));
        if *mark == "evidence" {
            for e in &b.evidence {
                entries.push((format!("    E{}: {}", e.number, e.title), format!("E{}", e.number)));
            }
            entries.push(("    Evidence list with SHA-256 hashes".into(), "hashes".into()));
        }
    }
    doc.index(entries);

    // 1. Complaints and allegations.
    doc.page_break().section(2, &sections[0].1, sections[0].0);
    for (i, c) in b.complaints.iter().enumerate() {
        doc.heading(3, format!("Complaint {}, received {}", i + 1, long_date(c.received_on)));
        doc.field(
            "Complainant",
            c.complainant.clone().unwrap_or_else(|| "[Redacted: the complainant asked for confidentiality]".into()),
        );
        doc.field("Platform", c.platform.unwrap_or("Not given"));
        doc.field("Date of conduct", c.conduct_on.map(long_date).unwrap_or_else(|| "Not given".into()));
        doc.styled("What happened", Style::Bold).para(&c.what_happened);
        doc.styled("Why the member was acting as a councillor", Style::Bold).para(&c.why_official);
    }
    doc.heading(3, "Allegations");
    for a in &b.allegations {
        doc.para(format!("• {}: {}", a.member, a.provision));
    }
    if let Some(t) = &b.terms_of_reference {
        doc.heading(3, "Terms of reference of the investigation").para(t);
    }

    // 2. Assessments.
    doc.page_break().section(2, &sections[1].1, sections[1].0);
    if b.assessments.is_empty() {
        doc.para("No capacity assessment recorded.");
    }
    for a in &b.assessments {
        doc.heading(3, format!("{} (version {}, on capacity test version {})", a.member, a.version, a.test_version));
        let mut line = format!("Suggested: {} (rule {}). Concluded: ", a.suggested, a.rule);
        match &a.concluded {
            Some(c) => {
                line.push_str(c);
                if let Some(e) = &a.engaged {
                    line.push_str(&format!(", the code of {e}"));
                }
            }
            None => line.push_str("not concluded"),
        }
        line.push('.');
        if let Some(r) = &a.reason {
            line.push_str(&format!(" {r}"));
        }
        doc.para(line);
        doc.styled(format!("Capacity test answers for {}", a.member), Style::Bold);
        for q in &a.answers {
            let mut text = format!("{}: {} Answer: {}.", q.code, q.question, q.answer);
            if let Some(n) = &q.note {
                text.push_str(&format!(" Note: {n}"));
            }
            doc.para(text);
        }
        if let Some(x) = &a.article10 {
            doc.styled("Article 10 (freedom of expression)", Style::Bold);
            doc.field("Prima facie breach", x.prima_facie_breach);
            doc.field("Political expression", x.political_expression);
            doc.field("Aimed at", x.target);
            doc.field("Fact or value judgement", x.fact_or_value);
            doc.field("Knowingly false", x.knowingly_false);
            doc.field("Gratuitous personal abuse", x.gratuitous_abuse);
            doc.field("Acting on it proportionate", x.proportionate_to_act);
            doc.para(&x.reasons);
        }
    }

    // 3. The investigation report.
    doc.page_break().section(2, &sections[2].1, sections[2].0);
    if b.report.is_empty() {
        doc.para("No final report has been uploaded.");
    }
    for r in &b.report {
        let mut line = format!("{}, dated {}", r.title, long_date(r.occurred_on));
        if let (Some(name), Some(sha)) = (&r.file_name, &r.sha256) {
            line.push_str(&format!(": {name} (SHA-256 {sha})"));
        }
        doc.para(line).para(&r.body);
    }
    if !b.interviews.is_empty() {
        doc.heading(3, "Interview notes");
        for i in &b.interviews {
            doc.styled(format!("{}, {}", i.title, long_date(i.occurred_on)), Style::Bold).para(&i.body);
        }
    }

    // 4. The evidence: each item from a new page.
    doc.page_break().section(2, &sections[3].1, sections[3].0);
    if b.evidence.is_empty() {
        doc.para("No evidence items.");
    }
    for (n, e) in b.evidence.iter().enumerate() {
        if n > 0 {
            doc.page_break();
        }
        doc.section(3, format!("E{}: {}", e.number, e.title), &format!("E{}", e.number));
        if let Some(p) = e.platform {
            doc.field("Platform", p);
        }
        if let Some(a) = &e.account {
            doc.field("Account", a);
        }
        if let Some(u) = &e.url {
            doc.field("Address", u);
        }
        if let Some(t) = e.posted_at {
            doc.field("Posted", when(t));
        }
        let supplied = if e.from_complainant { " (supplied by the complainant)" } else { "" };
        doc.field("Captured", format!("{}{supplied}", when(e.captured_at)));
        doc.styled("Text of the post", Style::Bold);
        doc.para(e.post_text.clone().unwrap_or_else(|| "Not recorded".into()));
        for f in &e.files {
            let caption = format!("E{}, {}, SHA-256 {}", e.number, f.name, f.sha256);
            if f.is_image {
                let data = bytes.get(&f.id).cloned().unwrap_or_default();
                doc.image(data, format!("E{}, {}: the capture of the post", e.number, f.name), caption);
            } else {
                doc.styled(caption, Style::Small);
            }
        }
    }
    doc.page_break().section(3, "Evidence list with SHA-256 hashes", "hashes");
    doc.para(
        "Each file's SHA-256 hash was computed when it arrived; the evidence bundle download and the \
         verify-evidence command check the files still match.",
    );
    for e in &b.evidence {
        let mut text = format!("E{}: {}", e.number, e.title);
        if let Some(u) = &e.url {
            text.push_str(&format!("\n{u}"));
        }
        text.push_str(&format!("\nCaptured {}", when(e.captured_at)));
        if e.from_complainant {
            text.push_str(" (supplied by the complainant)");
        }
        if e.files.is_empty() {
            text.push_str("\nNo files");
        }
        for f in &e.files {
            text.push_str(&format!("\n{}: SHA-256 {}", f.name, f.sha256));
        }
        doc.styled(text, Style::Small);
    }

    // 5. The member's response.
    doc.page_break().section(2, &sections[4].1, sections[4].0);
    if b.member_responses.is_empty() {
        doc.para("The member has not sent a response from their page.");
    }
    for r in &b.member_responses {
        doc.styled(format!("Response from {}, received {}", r.member, when(r.at)), Style::Bold).para(&r.body);
        for f in &r.files {
            doc.styled(format!("• {} (SHA-256 {})", f.original_name, f.sha256), Style::Small);
        }
    }
    if b.response.is_empty() {
        doc.para("The member has not commented on the draft report.");
    }
    for r in &b.response {
        doc.styled(format!("Comments on the draft report, received {}", long_date(r.occurred_on)), Style::Bold);
        doc.para(&r.body);
    }

    let pdf = doc.finish().map_err(ServiceError::Internal)?;
    crate::db::write(conn, |conn| {
        audit::record(
            conn,
            actor,
            Event::new("hearing.bundle_downloaded", "case", &case.id)
                .case(&case.id)
                .summary("Hearing bundle downloaded as PDF"),
        )
    })?;
    Ok((format!("hearing-bundle-{}.pdf", b.reference), pdf))
}
