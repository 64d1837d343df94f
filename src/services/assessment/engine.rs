//! The capacity test engine: a pure function from the answers and a versioned test definition
//! (seeds/capacity_test) to a suggested outcome, naming the rule that fired and the answers that
//! drove it. The Monitoring Officer concludes; the engine only suggests.

use crate::services::reference::{CapacityDefinition, Condition, RuleDef};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Yes,
    No,
    Unclear,
    Unanswered,
}

impl Answer {
    pub fn parse(s: &str) -> Answer {
        match s {
            "yes" => Answer::Yes,
            "no" => Answer::No,
            "unclear" => Answer::Unclear,
            _ => Answer::Unanswered,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unclear => "unclear",
            Answer::Unanswered => "unanswered",
        }
    }
}

/// The nation of the council whose code is engaged: an outcome can mean something different in
/// each (in Wales, the disrepute paragraph reaches some private conduct).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Nation {
    England,
    Wales,
}

impl Nation {
    /// From an authority's `nation` column ("england", "wales").
    pub fn of(nation: &str) -> Nation {
        if nation == "wales" {
            Nation::Wales
        } else {
            Nation::England
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Nation::England => "england",
            Nation::Wales => "wales",
        }
    }
}

/// What the engine suggests, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub outcome: String,
    pub outcome_label: String,
    /// What follows from the outcome in the nation, as the definition words it (version 2 on:
    /// a private outcome in Wales reminds that the disrepute paragraph can still apply).
    pub outcome_note: Option<String>,
    pub rule: String,
    pub explanation: String,
    /// Where the rule comes from, if the definition says.
    pub source: Option<String>,
    /// The answers the fired rule looked at, in question order: (code, answer).
    pub drivers: Vec<(String, Answer)>,
}

fn answer_of(answers: &BTreeMap<String, Answer>, q: &str) -> Answer {
    answers.get(q).copied().unwrap_or(Answer::Unanswered)
}

fn holds(c: &Condition, answers: &BTreeMap<String, Answer>) -> bool {
    let among = |q: &String, values: &[String]| values.iter().any(|v| v == answer_of(answers, q).as_str());
    match c {
        Condition::Answer { q, r#in } => among(q, r#in),
        Condition::EveryOf { every, r#in } => every.iter().all(|q| among(q, r#in)),
        Condition::SomeOf { some, r#in } => some.iter().any(|q| among(q, r#in)),
        Condition::All { all } => all.iter().all(|c| holds(c, answers)),
        Condition::Any { any } => any.iter().any(|c| holds(c, answers)),
    }
}

/// The first rule whose condition holds (or the default) gives the suggestion; the nation picks
/// what the definition says follows from the outcome there. A pure function of its arguments.
pub fn evaluate(def: &CapacityDefinition, answers: &BTreeMap<String, Answer>, nation: Nation) -> Suggestion {
    let fired: &RuleDef = def
        .rules
        .iter()
        .find(|r| r.when.as_ref().is_some_and(|c| holds(c, answers)))
        .unwrap_or_else(|| def.default_rule());
    let mut codes: Vec<&str> = Vec::new();
    if let Some(c) = &fired.when {
        c.questions(&mut codes);
    }
    let order: Vec<&str> = def.questions.iter().map(|q| q.code.as_str()).collect();
    codes.sort_by_key(|c| order.iter().position(|o| o == c));
    codes.dedup();
    // Every answer the fired rule looked at, as given.
    let drivers: Vec<(String, Answer)> = codes.into_iter().map(|c| (c.to_string(), answer_of(answers, c))).collect();
    Suggestion {
        outcome: fired.outcome.clone(),
        outcome_label: def.outcome_label(&fired.outcome),
        outcome_note: def.outcomes.get(&fired.outcome).and_then(|o| o.note(nation.as_str())).map(str::to_string),
        rule: fired.id.clone(),
        explanation: fired.explain.clone(),
        source: fired.source.clone(),
        drivers,
    }
}

fn answers_in_words(values: &[String]) -> String {
    let words: Vec<&str> = values.iter().map(|v| if v == "unanswered" { "not answered" } else { v.as_str() }).collect();
    or_list(&words)
}

fn joined(items: &[&str], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

fn or_list(items: &[&str]) -> String {
    joined(items, "or")
}

/// A condition in plain English, from the definition itself (for the help page).
pub fn describe(c: &Condition) -> String {
    match c {
        Condition::Answer { q, r#in } => format!("{q} is {}", answers_in_words(r#in)),
        Condition::EveryOf { every, r#in } => {
            let qs: Vec<&str> = every.iter().map(String::as_str).collect();
            match qs.as_slice() {
                [one] => format!("{one} is {}", answers_in_words(r#in)),
                _ => format!("{} are all {}", joined(&qs, "and"), answers_in_words(r#in)),
            }
        }
        Condition::SomeOf { some, r#in } => {
            let qs: Vec<&str> = some.iter().map(String::as_str).collect();
            match qs.as_slice() {
                [one] => format!("{one} is {}", answers_in_words(r#in)),
                _ => format!("any of {} is {}", or_list(&qs), answers_in_words(r#in)),
            }
        }
        Condition::All { all } => {
            let parts: Vec<String> = all.iter().map(nested).collect();
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            joined(&parts, "and")
        }
        Condition::Any { any } => {
            let parts: Vec<String> = any.iter().map(nested).collect();
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            format!("either {}", joined(&parts, "or"))
        }
    }
}

/// A part of a larger condition: bracketed when it is itself a list.
fn nested(c: &Condition) -> String {
    match c {
        Condition::All { .. } | Condition::Any { .. } => format!("({})", describe(c)),
        _ => describe(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::reference::capacity_definitions;

    fn def_v(version: i32) -> CapacityDefinition {
        capacity_definitions().unwrap().into_iter().find(|(d, _)| d.version == version).unwrap().0
    }

    fn def() -> CapacityDefinition {
        def_v(1)
    }

    /// Answers: the gates pass, every C and P is "no", then the given overrides.
    fn with(overrides: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        let mut a: BTreeMap<String, Answer> = def().questions.iter().map(|q| (q.code.clone(), Answer::No)).collect();
        a.insert("G1".into(), Answer::Yes);
        a.insert("G2".into(), Answer::Yes);
        for (k, v) in overrides {
            a.insert(k.to_string(), *v);
        }
        a
    }

    fn rule(overrides: &[(&str, Answer)]) -> (String, String) {
        let s = evaluate(&def(), &with(overrides), Nation::England);
        (s.rule, s.outcome)
    }

    /// The same, on version 2.
    fn rule2(overrides: &[(&str, Answer)]) -> (String, String) {
        let s = evaluate(&def_v(2), &with(overrides), Nation::England);
        (s.rule, s.outcome)
    }

    fn is(rule: &str, outcome: &str) -> (String, String) {
        (rule.into(), outcome.into())
    }

    use Answer::*;

    #[test]
    fn r1_not_a_member_is_out_of_jurisdiction_whatever_else() {
        assert_eq!(rule(&[("G1", No), ("C1", Yes)]), ("R1".into(), "OUT_OF_JURISDICTION".into()));
    }

    #[test]
    fn r2_attribution_not_established_needs_investigation() {
        assert_eq!(rule(&[("G2", Unclear), ("C3", Yes)]), ("R2".into(), "UNCLEAR".into()));
        assert_eq!(rule(&[("G2", No)]).0, "R2");
        assert_eq!(rule(&[("G2", Unanswered)]).0, "R2");
    }

    #[test]
    fn r3_council_business_or_misuse_of_position_is_official() {
        assert_eq!(rule(&[("C1", Yes)]), ("R3".into(), "OFFICIAL".into()));
        assert_eq!(rule(&[("C2", Yes), ("P1", Yes)]), ("R3".into(), "OFFICIAL".into()));
    }

    #[test]
    fn r4_councillor_presentation_on_a_private_topic_is_unclear() {
        assert_eq!(rule(&[("C3", Yes), ("P1", Yes)]), ("R4".into(), "UNCLEAR".into()));
    }

    #[test]
    fn r5_cllr_handle_bio_or_own_role_is_official() {
        for q in ["C3", "C4", "C7"] {
            assert_eq!(rule(&[(q, Yes)]), ("R5".into(), "OFFICIAL".into()), "{q}");
        }
    }

    #[test]
    fn r6_council_business_with_another_indicator_is_official() {
        for q in ["C5", "C8", "C9"] {
            assert_eq!(rule(&[("C6", Yes), (q, Yes)]), ("R6".into(), "OFFICIAL".into()), "{q}");
        }
    }

    #[test]
    fn r7_council_business_alone_is_unclear() {
        assert_eq!(rule(&[("C6", Yes)]), ("R7".into(), "UNCLEAR".into()));
    }

    #[test]
    fn r8_no_official_indicator_and_a_private_topic_is_private() {
        assert_eq!(rule(&[("P1", Yes)]), ("R8".into(), "PRIVATE".into()));
        // A disclaimer or a share changes nothing on its own.
        assert_eq!(rule(&[("P1", Yes), ("C10", Yes), ("C11", Yes)]), ("R8".into(), "PRIVATE".into()));
    }

    #[test]
    fn r9_anything_else_goes_forward_as_unclear() {
        assert_eq!(rule(&[]), ("R9".into(), "UNCLEAR".into()));
        assert_eq!(rule(&[("P1", Yes), ("C5", Unclear)]), ("R9".into(), "UNCLEAR".into()));
        assert_eq!(rule(&[("C5", Yes)]), ("R9".into(), "UNCLEAR".into()));
    }

    #[test]
    fn the_suggestion_names_the_answers_that_drove_it() {
        let s = evaluate(&def(), &with(&[("C3", Yes)]), Nation::England);
        assert!(s.drivers.contains(&("C3".into(), Yes)));
        assert!(s.explanation.contains("C3, C4 or C7"));
        assert_eq!(s.outcome_label, "Official capacity: the code applies");
        assert_eq!(s.outcome_note, None, "version 1 words its outcomes without nation notes");
    }

    /// Version 1's answers where version 2 differs, as the issue lists them: version 1 is kept
    /// as it was (assessments made on it render unchanged).
    #[test]
    fn version_1_keeps_the_outcomes_version_2_corrects() {
        assert_eq!(rule(&[("G2", No)]), is("R2", "UNCLEAR"));
        assert_eq!(rule(&[("G1", Unclear), ("C1", Yes)]), is("R3", "OFFICIAL"));
        assert_eq!(rule(&[("P2", Yes)]), is("R9", "UNCLEAR"));
        assert_eq!(rule(&[("P1", Yes), ("C8", Yes)]), is("R9", "UNCLEAR"));
    }

    // Version 2, rule by rule (domain.md section (b), rules 1 to 6 in order).

    #[test]
    fn v2_r1a_not_a_member_is_out_of_jurisdiction_whatever_else() {
        assert_eq!(rule2(&[("G1", No), ("C1", Yes), ("G2", Unclear)]), is("R1a", "OUT_OF_JURISDICTION"));
    }

    #[test]
    fn v2_r1b_membership_unclear_is_unclear_whatever_else() {
        assert_eq!(rule2(&[("G1", Unclear)]), is("R1b", "UNCLEAR"));
        assert_eq!(rule2(&[("G1", Unclear), ("C1", Yes), ("C2", Yes), ("C3", Yes)]), is("R1b", "UNCLEAR"));
        assert_eq!(rule2(&[("G1", Unclear), ("P1", Yes)]), is("R1b", "UNCLEAR"));
        assert_eq!(rule2(&[("G1", Unclear), ("G2", No)]), is("R1b", "UNCLEAR"), "membership is settled first");
        assert_eq!(rule2(&[("G1", Unanswered)]), is("R1b", "UNCLEAR"));
        let s = evaluate(&def_v(2), &with(&[("G1", Unclear)]), Nation::England);
        assert!(s.explanation.starts_with("Establish membership first"), "{}", s.explanation);
    }

    #[test]
    fn v2_r1c_attribution_disproved_is_out_of_jurisdiction() {
        assert_eq!(rule2(&[("G2", No)]), is("R1c", "OUT_OF_JURISDICTION"));
        assert_eq!(rule2(&[("G2", No), ("C1", Yes), ("C3", Yes)]), is("R1c", "OUT_OF_JURISDICTION"));
    }

    #[test]
    fn v2_r1d_attribution_unclear_is_unclear() {
        assert_eq!(rule2(&[("G2", Unclear), ("C2", Yes)]), is("R1d", "UNCLEAR"));
        assert_eq!(rule2(&[("G2", Unanswered)]), is("R1d", "UNCLEAR"));
        let s = evaluate(&def_v(2), &with(&[("G2", Unclear)]), Nation::England);
        assert!(s.explanation.starts_with("Establish attribution first"), "{}", s.explanation);
    }

    #[test]
    fn v2_r2_council_business_or_misuse_of_position_is_official() {
        assert_eq!(rule2(&[("C1", Yes)]), is("R2", "OFFICIAL"));
        assert_eq!(rule2(&[("C2", Yes), ("P1", Yes)]), is("R2", "OFFICIAL"));
        assert_eq!(rule2(&[("C2", Yes), ("P2", Yes)]), is("R2", "OFFICIAL"));
    }

    #[test]
    fn v2_r3a_councillor_presentation_on_a_wholly_private_topic_is_a_rebuttable_presumption() {
        for q in ["C3", "C4", "C7"] {
            assert_eq!(rule2(&[(q, Yes), ("P1", Yes)]), is("R3a", "UNCLEAR"), "{q}");
        }
        let s = evaluate(&def_v(2), &with(&[("C3", Yes), ("P1", Yes)]), Nation::England);
        assert!(s.explanation.contains("presumption is rebutted"), "{}", s.explanation);
    }

    #[test]
    fn v2_r3b_cllr_handle_bio_or_own_role_is_official() {
        for q in ["C3", "C4", "C7"] {
            assert_eq!(rule2(&[(q, Yes)]), is("R3b", "OFFICIAL"), "{q}");
        }
        // Being a candidate does not rebut the presumption: only a wholly private topic does.
        assert_eq!(rule2(&[("C3", Yes), ("P2", Yes)]), is("R3b", "OFFICIAL"));
        assert_eq!(rule2(&[("C3", Yes), ("P1", Unclear)]), is("R3b", "OFFICIAL"));
    }

    #[test]
    fn v2_r4a_council_business_with_another_indicator_is_official() {
        for q in ["C5", "C8", "C9"] {
            assert_eq!(rule2(&[("C6", Yes), (q, Yes)]), is("R4a", "OFFICIAL"), "{q}");
        }
    }

    #[test]
    fn v2_r4b_council_business_alone_is_unclear() {
        assert_eq!(rule2(&[("C6", Yes)]), is("R4b", "UNCLEAR"));
        assert_eq!(rule2(&[("C6", Yes), ("C10", Yes), ("C11", Yes)]), is("R4b", "UNCLEAR"));
    }

    #[test]
    fn v2_r5_no_official_indicator_and_a_private_topic_or_candidacy_is_private() {
        assert_eq!(rule2(&[("P1", Yes)]), is("R5", "PRIVATE"));
        assert_eq!(rule2(&[("P2", Yes)]), is("R5", "PRIVATE"));
        // Being known or addressed as a councillor does not block it.
        assert_eq!(rule2(&[("P1", Yes), ("C8", Yes)]), is("R5", "PRIVATE"));
        assert_eq!(rule2(&[("P2", Yes), ("C8", Unclear)]), is("R5", "PRIVATE"));
        // A disclaimer or a share changes nothing on its own.
        assert_eq!(rule2(&[("P1", Yes), ("C10", Yes), ("C11", Yes)]), is("R5", "PRIVATE"));
    }

    #[test]
    fn v2_r6_anything_else_goes_forward_as_unclear() {
        assert_eq!(rule2(&[]), is("R6", "UNCLEAR"));
        assert_eq!(rule2(&[("P1", Yes), ("C5", Unclear)]), is("R6", "UNCLEAR"), "an official indicator in doubt");
        assert_eq!(rule2(&[("C5", Yes)]), is("R6", "UNCLEAR"));
        assert_eq!(rule2(&[("C8", Yes)]), is("R6", "UNCLEAR"), "awareness alone is neither official nor private");
    }

    #[test]
    fn v2_a_private_outcome_in_wales_keeps_the_disrepute_reminder() {
        let answers = with(&[("P1", Yes)]);
        let wales = evaluate(&def_v(2), &answers, Nation::Wales);
        assert_eq!(wales.outcome, "PRIVATE");
        let note = wales.outcome_note.expect("a note for Wales");
        assert!(note.contains("disrepute") && note.contains("outside official capacity"), "{note}");
        let england = evaluate(&def_v(2), &answers, Nation::England);
        assert_eq!(england.outcome, "PRIVATE", "the nation changes the note, not the outcome");
        assert!(!england.outcome_note.unwrap().contains("disrepute"));
    }

    #[test]
    fn v2_every_rule_names_its_source_and_can_fire() {
        let def = def_v(2);
        for r in def.rules.iter().chain(def.default.iter()) {
            assert!(r.source.as_deref().is_some_and(|s| !s.is_empty()), "rule {} has a source", r.id);
        }
        for q in &def.questions {
            assert!(q.source.as_deref().is_some_and(|s| !s.is_empty()), "question {} has a source", q.code);
        }
        let fired: std::collections::BTreeSet<String> = [
            vec![("G1", No)],
            vec![("G1", Unclear)],
            vec![("G2", No)],
            vec![("G2", Unclear)],
            vec![("C1", Yes)],
            vec![("C3", Yes), ("P1", Yes)],
            vec![("C3", Yes)],
            vec![("C6", Yes), ("C5", Yes)],
            vec![("C6", Yes)],
            vec![("P1", Yes)],
            vec![],
        ]
        .iter()
        .map(|o| rule2(o).0)
        .collect();
        assert_eq!(fired.len(), def.rules.len() + 1, "each rule (and the default) is reached: {fired:?}");
    }

    #[test]
    fn conditions_read_as_plain_english() {
        let def = def_v(2);
        let text = |id: &str| describe(def.rules.iter().find(|r| r.id == id).unwrap().when.as_ref().unwrap());
        assert_eq!(text("R1b"), "G1 is unclear or not answered");
        assert_eq!(text("R2"), "any of C1 or C2 is yes");
        assert_eq!(text("R3a"), "any of C3, C4 or C7 is yes and P1 is yes");
        assert_eq!(text("R5"), "C1, C2, C3, C4, C5, C6, C7 and C9 are all no and any of P1 or P2 is yes");
    }
}
