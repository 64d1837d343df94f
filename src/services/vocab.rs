//! The vocabularies shared by pages, letters, CSV and exports: each list is (stored code, label
//! for people), and [`label`] turns a code into its words. No page, letter or file shows a raw
//! code.

use chrono::NaiveDate;
use serde::Serialize;

/// One option of a select, radios or checkboxes: the code sent and the words shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self { value: value.into(), label: label.into() }
    }

    /// The options of a code list.
    pub fn list(codes: &[(&str, &str)]) -> Vec<Choice> {
        codes.iter().map(|(v, l)| Choice::new(*v, *l)).collect()
    }
}

/// The words for a code; "Unknown" for a code the list does not hold.
pub fn label<'a>(list: &'a [(&'a str, &'a str)], code: &str) -> &'a str {
    list.iter().find(|(v, _)| *v == code).map(|(_, l)| *l).unwrap_or("Unknown")
}

/// A platform's name ("X (formerly Twitter)"); a platform the list does not hold, or none, reads
/// "Another website or app".
pub fn platform_label(code: Option<&str>) -> &'static str {
    PLATFORMS.iter().find(|(v, _)| Some(*v) == code).map(|(_, l)| *l).unwrap_or("Another website or app")
}

/// The text on one line, cut at a word to at most `max` characters with an ellipsis ("…") when
/// it was cut. A first word longer than `max` is cut inside the word.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let room = max.saturating_sub(1);
    let cut: String = flat.chars().take(room + 1).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i > 0 => cut[..i].to_string(),
        _ => cut.chars().take(room).collect(),
    };
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// Whether the list holds the code.
pub fn is_code(list: &[(&str, &str)], code: &str) -> bool {
    list.iter().any(|(v, _)| *v == code)
}

// The parties' own pages (issue 21)
pub const PARTIES: [(&str, &str); 2] = [("complainant", "The complainant"), ("member", "The councillor")];
pub const PARTY_ITEM_KINDS: [(&str, &str); 5] = [
    ("message", "Message"),
    ("evidence", "Further evidence"),
    ("response", "The councillor's response"),
    ("report-comment", "Comments on the draft investigation report"),
    ("withdrawal", "Withdrawal of the complaint"),
];
pub const PARTY_ITEM_STATUSES: [(&str, &str); 5] = [
    ("sent", "Sent"),
    ("pending", "Waiting for an officer"),
    ("accepted", "Accepted as evidence"),
    ("declined", "Not accepted"),
    ("shared", "Shared with the complainant"),
];
pub const PARTY_VISITS: [(&str, &str); 10] = [
    ("link-viewed", "Opened the page of their link (not yet used)"),
    ("link-opened", "Opened their link"),
    ("sign-in-sent", "Was sent a sign-in link"),
    ("signed-in", "Signed in"),
    ("page", "Viewed their page"),
    ("sent", "Sent something"),
    ("signed-out", "Signed out"),
    ("file", "Opened a file"),
    ("draft-kept", "Their session ended while writing: draft kept"),
    ("refused", "Was refused (link expired, used or withdrawn)"),
];

// Complaints
pub const COMPLAINANT_TYPES: [(&str, &str); 5] = [
    ("public", "A member of the public"),
    ("councillor", "A councillor"),
    ("officer", "A council officer or employee"),
    ("clerk", "A parish or town clerk"),
    ("other", "Someone else, such as an organisation"),
];
pub const PLATFORMS: [(&str, &str); 10] = [
    ("facebook", "Facebook"),
    ("x", "X (formerly Twitter)"),
    ("instagram", "Instagram"),
    ("tiktok", "TikTok"),
    ("linkedin", "LinkedIn"),
    ("youtube", "YouTube"),
    ("whatsapp", "WhatsApp"),
    ("nextdoor", "Nextdoor"),
    ("bluesky", "Bluesky"),
    ("other", "Another website or app"),
];
pub const COMPLAINT_SOURCES: [(&str, &str); 5] =
    [("web", "Online form"), ("email", "Email"), ("post", "Post"), ("phone", "Telephone"), ("in-person", "In person")];
/// The sources of a complaint that was not made in writing: its written confirmation is needed
/// before assessment (s.28(9)).
pub const UNWRITTEN_SOURCES: [&str; 2] = ["phone", "in-person"];
/// How the complainant confirmed in writing a complaint made by telephone or in person.
pub const WRITTEN_CONFIRMATION_KINDS: [(&str, &str); 2] =
    [("email", "An email from the complainant"), ("document", "A letter or signed statement (uploaded)")];

// The register of members
pub const MEMBERSHIP_ROLES: [(&str, &str); 9] = [
    ("member", "Member"),
    ("co-opted", "Co-opted member"),
    ("chair", "Chair"),
    ("vice-chair", "Vice-chair"),
    ("mayor", "Mayor"),
    ("deputy-mayor", "Deputy mayor"),
    ("leader", "Leader"),
    ("cabinet-member", "Cabinet member"),
    ("committee-chair", "Committee chair"),
];
pub const END_REASONS: [(&str, &str); 6] = [
    ("term-ended", "Term of office ended"),
    ("not-re-elected", "Not re-elected"),
    ("resigned", "Resigned"),
    ("disqualified", "Disqualified"),
    ("deceased", "Deceased"),
    ("other", "Other"),
];
pub const CODE_KINDS: [(&str, &str); 2] = [("code", "Code of conduct"), ("protocol", "Social media protocol")];
/// What a member's party shows when none is recorded.
pub const INDEPENDENT: &str = "Independent";

// Capacity, Article 10 and the initial assessment
pub const CAPACITY_OUTCOMES: [(&str, &str); 4] = [
    ("OFFICIAL", "Official capacity: the code applies"),
    ("PRIVATE", "Private capacity: the code does not apply"),
    ("UNCLEAR", "Unclear: needs investigation"),
    ("OUT_OF_JURISDICTION", "Out of jurisdiction"),
];
pub const INITIAL_DECISIONS: [(&str, &str); 5] = [
    ("no-jurisdiction", "No jurisdiction: close the case"),
    ("no-further-action", "No further action: close the case"),
    ("informal-resolution", "Informal resolution (apology, removal of posts, training)"),
    ("investigation", "Investigation"),
    ("referral", "Refer to the police or another body"),
];
pub const NFA_REASONS: [(&str, &str); 6] = [
    ("trivial", "Trivial"),
    ("vexatious", "Vexatious or malicious"),
    ("tit-for-tat", "Tit-for-tat or politically motivated"),
    ("duplicate", "Duplicate of a complaint already dealt with"),
    ("no-public-interest", "No public interest in pursuing it"),
    ("other", "Other (explain in the reasons)"),
];
pub const REFERRAL_BODIES: [(&str, &str); 2] =
    [("police", "The police (for example a section 34 interests offence)"), ("other-body", "Another body")];
pub const ARTICLE10_TARGETS: [(&str, &str); 4] = [
    ("officers", "Council officers (more protection: they cannot reply)"),
    ("politicians", "Politicians (thick skins expected)"),
    ("public", "Members of the public"),
    ("other", "Other"),
];
pub const YES_NO: [(&str, &str); 2] = [("yes", "Yes"), ("no", "No")];
pub const YES_NO_UNCLEAR: [(&str, &str); 3] = [("yes", "Yes"), ("no", "No"), ("unclear", "Unclear")];
pub const FACT_OR_VALUE: [(&str, &str); 3] =
    [("fact", "Statements of fact"), ("value", "Value judgements"), ("both", "Both")];
/// The stage an Independent Person's view is sought for.
pub const IP_STAGES: [(&str, &str); 4] = [
    ("initial-assessment", "Initial assessment"),
    ("post-investigation", "After the investigation"),
    ("hearing", "The hearing (before the panel's findings)"),
    ("other", "Other"),
];
/// Who a decision notice is for.
pub const NOTICE_RECIPIENTS: [(&str, &str); 5] = [
    ("complainant", "Complainant"),
    ("member", "Councillor complained about"),
    ("independent-person", "Independent Person"),
    ("parish-clerk", "Clerk of the parish or town council"),
    ("publication", "For publication"),
];
/// Who asked for a decision to be reviewed.
pub const REVIEW_REQUESTERS: [(&str, &str); 2] = [("complainant", "The complainant"), ("member", "The councillor")];
pub const REVIEW_OUTCOMES: [(&str, &str); 2] = [
    ("upheld", "Upheld: reopen the case for a new initial assessment"),
    ("not-upheld", "Not upheld: the decision stands (the requester is told by email)"),
];

// Investigation and hearing
pub const INVESTIGATION_ENTRY_KINDS: [(&str, &str); 4] = [
    ("interview", "Interview notes"),
    ("member-comments", "The member's comments on the draft report"),
    ("draft-report", "Draft report"),
    ("final-report", "Final report"),
];
pub const POST_INVESTIGATION_OUTCOMES: [(&str, &str); 3] = [
    ("no-breach", "No breach: close the case"),
    ("informal-resolution", "Informal resolution"),
    ("hearing", "Refer to a hearing"),
];
/// Local Government Act 1972, Schedule 12A: the paragraphs that usually justify taking part of a
/// standards hearing in private.
/// The descriptions of exempt information in Part 1 of Schedule 12A to the Local Government Act
/// 1972 (England), any of which can justify holding part of a hearing in private (subject to the
/// public interest test; the reason is recorded with the paragraph).
pub const SCHEDULE_12A: [(&str, &str); 7] = [
    ("1", "Paragraph 1: information relating to any individual"),
    ("2", "Paragraph 2: information likely to reveal the identity of an individual"),
    ("3", "Paragraph 3: information relating to the financial or business affairs of any particular person (including the authority)"),
    ("4", "Paragraph 4: information relating to consultations or negotiations on a labour relations matter between the authority and its employees or office holders"),
    ("5", "Paragraph 5: information in respect of which a claim to legal professional privilege could be maintained"),
    ("6", "Paragraph 6: information revealing that the authority proposes to give a notice imposing requirements on a person, or to make an order or direction, under an enactment"),
    ("7", "Paragraph 7: information relating to action taken or to be taken in connection with the prevention, investigation or prosecution of crime"),
];
/// Whether a sanction was complied with. The sanctions themselves are reference data per nation
/// (`services::sanction_lists`); one without a follow-up (censure) is "no-follow-up".
pub const COMPLIANCE: [(&str, &str); 4] = [
    ("pending", "Awaiting follow-up"),
    ("complied", "Complied with"),
    ("not-complied", "Not complied with"),
    ("no-follow-up", "Nothing to follow up (takes effect with the decision)"),
];

// Takedown and informal resolution
pub const TAKEDOWN_ADDRESSEES: [(&str, &str); 3] = [
    ("member", "The councillor"),
    ("group-leader", "The councillor's group leader"),
    ("platform", "The platform (a report to the site)"),
];
pub const TAKEDOWN_CHANNELS: [(&str, &str); 5] = [
    ("email", "Email (sent from Standards Desk)"),
    ("letter", "Letter"),
    ("platform-report", "The platform's reporting form"),
    ("phone", "Telephone"),
    ("in-person", "In person"),
];
pub const INFORMAL_ACTION_KINDS: [(&str, &str); 4] =
    [("removal", "Removal of posts"), ("apology", "Apology"), ("training", "Training"), ("other", "Other")];

// Dates

/// Parses a GOV.UK date input.
pub fn parse_date(day: &str, month: &str, year: &str) -> Result<NaiveDate, &'static str> {
    let (d, m, y) = (day.trim(), month.trim(), year.trim());
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Err("Enter a date");
    }
    if d.is_empty() || m.is_empty() || y.is_empty() {
        return Err("The date must include a day, month and year");
    }
    let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) else {
        return Err("The date must be a real date, like 27 3 2026");
    };
    if !(1900..=2200).contains(&y) {
        return Err("The year must include 4 numbers");
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or("The date must be a real date, like 27 3 2026")
}

// Decisions

/// The words for an outcome at a stage ("initial-assessment", "post-investigation", "hearing").
pub fn stage_outcome_label(stage: &str, outcome: &str) -> String {
    let list: &[(&str, &str)] = match stage {
        "post-investigation" => &POST_INVESTIGATION_OUTCOMES,
        "hearing" => &[("breach", "Hearing: breach found"), ("no-breach", "Hearing: no breach")],
        _ => &INITIAL_DECISIONS,
    };
    let label = list.iter().find(|(v, _)| *v == outcome).map(|(_, l)| *l).unwrap_or(outcome);
    match stage {
        "post-investigation" => format!("After investigation: {label}"),
        _ => label.to_string(),
    }
}

/// What a decision was, in words, whatever its stage.
pub fn decision_label(d: &crate::models::assessment::Decision) -> String {
    stage_outcome_label(&d.stage, &d.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_cut_at_a_word_with_an_ellipsis() {
        assert_eq!(excerpt("Short  text\nhere", 40), "Short text here");
        assert_eq!(excerpt("The council has wasted our money, again and again", 24), "The council has wasted…");
        assert_eq!(excerpt("Respect, please", 10), "Respect…");
        assert_eq!(excerpt("Supercalifragilistic", 8), "Superca…");
        assert!(excerpt(&"word ".repeat(100), 50).chars().count() <= 50);
    }

    #[test]
    fn platforms_read_as_their_names() {
        assert_eq!(platform_label(Some("x")), "X (formerly Twitter)");
        assert_eq!(platform_label(Some("reddit")), "Another website or app");
        assert_eq!(platform_label(None), "Another website or app");
    }
}
