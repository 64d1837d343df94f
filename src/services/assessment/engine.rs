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

/// What the engine suggests, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub outcome: String,
    pub outcome_label: String,
    pub rule: String,
    pub explanation: String,
    /// The answers the fired rule looked at, in question order: (code, answer).
    pub drivers: Vec<(String, Answer)>,
}

fn holds(c: &Condition, answers: &BTreeMap<String, Answer>) -> bool {
    match c {
        Condition::Answer { q, r#in } => {
            let a = answers.get(q).copied().unwrap_or(Answer::Unanswered);
            r#in.iter().any(|v| v == a.as_str())
        }
        Condition::All { all } => all.iter().all(|c| holds(c, answers)),
        Condition::Any { any } => any.iter().any(|c| holds(c, answers)),
    }
}

fn named(c: &Condition, out: &mut Vec<String>) {
    match c {
        Condition::Answer { q, .. } => {
            if !out.contains(q) {
                out.push(q.clone())
            }
        }
        Condition::All { all: cs } | Condition::Any { any: cs } => cs.iter().for_each(|c| named(c, out)),
    }
}

/// The first rule whose condition holds (or the default) gives the suggestion.
pub fn evaluate(def: &CapacityDefinition, answers: &BTreeMap<String, Answer>) -> Suggestion {
    let fired: &RuleDef =
        def.rules.iter().find(|r| r.when.as_ref().is_some_and(|c| holds(c, answers))).unwrap_or(&def.default);
    let mut codes = Vec::new();
    if let Some(c) = &fired.when {
        named(c, &mut codes);
    }
    let order: Vec<&str> = def.questions.iter().map(|q| q.code.as_str()).collect();
    codes.sort_by_key(|c| order.iter().position(|o| o == c));
    // Every answer the fired rule looked at, as given.
    let drivers: Vec<(String, Answer)> = codes
        .into_iter()
        .map(|c| {
            let a = answers.get(&c).copied().unwrap_or(Answer::Unanswered);
            (c, a)
        })
        .collect();
    Suggestion {
        outcome: fired.outcome.clone(),
        outcome_label: def.outcomes.get(&fired.outcome).cloned().unwrap_or_else(|| fired.outcome.clone()),
        rule: fired.id.clone(),
        explanation: fired.explain.clone(),
        drivers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::reference::capacity_definitions;

    fn def() -> CapacityDefinition {
        capacity_definitions().unwrap().into_iter().find(|(d, _)| d.version == 1).unwrap().0
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
        let s = evaluate(&def(), &with(overrides));
        (s.rule, s.outcome)
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
        let s = evaluate(&def(), &with(&[("C3", Yes)]));
        assert!(s.drivers.contains(&("C3".into(), Yes)));
        assert!(s.explanation.contains("C3, C4 or C7"));
        assert_eq!(s.outcome_label, "Official capacity: the code applies");
    }
}
