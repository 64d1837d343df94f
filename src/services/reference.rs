//! Reference data from `seeds/`, loaded idempotently at every start: codes of conduct and the
//! capacity test. A version, once loaded, never changes; a changed file is reported, not applied.

use crate::db::DbConnection;
use crate::models::capacity::{self as cap, CapacityQuestion, CapacityTestVersion};
use crate::models::code::{self as codes, CodeOfConduct, CodeProvision, CodeVersion};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::sha256_hex;
use chrono::NaiveDate;
use include_dir::{include_dir, Dir};
use serde::Deserialize;

static SEEDS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seeds");

#[derive(Debug, Deserialize)]
struct CodeSeed {
    slug: String,
    title: String,
    description: String,
    version: String,
    published_on: NaiveDate,
    source: String,
    provisions: Vec<ProvisionSeed>,
}

#[derive(Debug, Deserialize)]
struct ProvisionSeed {
    number: String,
    heading: String,
    summary: String,
}

/// The capacity test definition as stored in `seeds/capacity_test/v*.json`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct CapacityDefinition {
    pub version: i32,
    pub title: String,
    pub source: String,
    pub answers: Vec<String>,
    pub questions: Vec<QuestionDef>,
    pub outcomes: std::collections::BTreeMap<String, OutcomeDef>,
    pub rules: Vec<RuleDef>,
    /// The rule that applies when no other does. Required: checked by `validate`, so that a
    /// definition without one is refused with a message that says so.
    #[serde(default)]
    pub default: Option<RuleDef>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct QuestionDef {
    pub code: String,
    pub section: String,
    pub weight: String,
    pub points_to: String,
    pub question: String,
    pub guidance: String,
    /// Where the question comes from: a protocol paragraph or a case (version 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// An outcome: its words (version 1 gives only those), and what follows from it in each nation
/// (version 2 on: in Wales a private conclusion still leaves the disrepute paragraph to consider).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum OutcomeDef {
    Label(String),
    Full {
        label: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        england: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wales: Option<String>,
    },
}

impl OutcomeDef {
    pub fn label(&self) -> &str {
        match self {
            OutcomeDef::Label(l) | OutcomeDef::Full { label: l, .. } => l,
        }
    }

    /// What follows from the outcome in England ("england") or Wales ("wales"), if the definition says.
    pub fn note(&self, nation: &str) -> Option<&str> {
        match self {
            OutcomeDef::Label(_) => None,
            OutcomeDef::Full { england, wales, .. } => match nation {
                "wales" => wales.as_deref(),
                _ => england.as_deref(),
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct RuleDef {
    pub id: String,
    pub outcome: String,
    pub explain: String,
    #[serde(default)]
    pub when: Option<Condition>,
    /// Where the rule comes from: protocol paragraphs or cases (version 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A rule's condition: an answer among some values; every one, or at least one, of a list of
/// questions answered among some values; or all/any of other conditions.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Condition {
    Answer { q: String, r#in: Vec<String> },
    EveryOf { every: Vec<String>, r#in: Vec<String> },
    SomeOf { some: Vec<String>, r#in: Vec<String> },
    All { all: Vec<Condition> },
    Any { any: Vec<Condition> },
}

impl Condition {
    /// The questions the condition names, in the order it names them.
    pub fn questions<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Answer { q, .. } => out.push(q),
            Condition::EveryOf { every: qs, .. } | Condition::SomeOf { some: qs, .. } => {
                out.extend(qs.iter().map(String::as_str))
            }
            Condition::All { all: cs } | Condition::Any { any: cs } => cs.iter().for_each(|c| c.questions(out)),
        }
    }

    /// Checks the condition against the definition's questions and answer values.
    fn check(&self, codes: &[&str], answers: &[String]) -> Result<(), String> {
        let known_answer = |v: &String| v == "unanswered" || answers.contains(v);
        match self {
            Condition::Answer { r#in, .. } | Condition::EveryOf { r#in, .. } | Condition::SomeOf { r#in, .. }
                if r#in.is_empty() =>
            {
                Err(format!("the condition on {} lists no answers", q_list(self)))
            }
            Condition::Answer { r#in, .. } | Condition::EveryOf { r#in, .. } | Condition::SomeOf { r#in, .. }
                if r#in.iter().any(|v| !known_answer(v)) =>
            {
                let bad = r#in.iter().find(|v| !known_answer(v)).expect("checked");
                Err(format!(
                    "the condition on {} names unknown answer \"{bad}\" (answers are {} or unanswered)",
                    q_list(self),
                    answers.join(", ")
                ))
            }
            Condition::EveryOf { every: qs, .. } | Condition::SomeOf { some: qs, .. } if qs.is_empty() => {
                Err("a condition lists no questions".into())
            }
            Condition::All { all: cs } | Condition::Any { any: cs } if cs.is_empty() => {
                Err("an \"all\" or \"any\" condition is empty".into())
            }
            Condition::All { all: cs } | Condition::Any { any: cs } => {
                cs.iter().try_for_each(|c| c.check(codes, answers))
            }
            _ => {
                let mut named = Vec::new();
                self.questions(&mut named);
                match named.iter().find(|q| !codes.contains(q)) {
                    Some(q) => Err(format!("names unknown question {q}")),
                    None => Ok(()),
                }
            }
        }
    }
}

fn q_list(c: &Condition) -> String {
    let mut named = Vec::new();
    c.questions(&mut named);
    named.join(", ")
}

impl CapacityDefinition {
    /// The default rule (present in every definition that passed `validate`).
    pub fn default_rule(&self) -> &RuleDef {
        self.default.as_ref().expect("a validated capacity test definition has a default rule")
    }

    /// The words of an outcome (the code itself if the definition does not define it).
    pub fn outcome_label(&self, outcome: &str) -> String {
        self.outcomes.get(outcome).map(|o| o.label().to_string()).unwrap_or_else(|| outcome.to_string())
    }

    /// Checks the definition before it is used: question codes unique, the answer values those
    /// of the engine, every rule (and the default, which must exist) with a known outcome, and
    /// every condition naming only questions and answers the definition has. The message names
    /// the rule at fault.
    pub fn validate(&self) -> Result<(), String> {
        let codes: Vec<&str> = self.questions.iter().map(|q| q.code.as_str()).collect();
        if let Some(q) = codes.iter().enumerate().find(|(i, q)| codes[..*i].contains(q)).map(|(_, q)| q) {
            return Err(format!("question {q} is defined twice"));
        }
        if self.answers.is_empty() {
            return Err("the definition lists no answers".into());
        }
        if let Some(a) = self.answers.iter().find(|a| !["yes", "no", "unclear"].contains(&a.as_str())) {
            return Err(format!("answer \"{a}\" is not one the engine knows (yes, no, unclear)"));
        }
        let Some(default) = &self.default else {
            return Err("the definition has no default rule (the rule that applies when no other does)".into());
        };
        if default.when.is_some() {
            return Err(format!("the default rule {} has a condition: it applies when no other rule does", default.id));
        }
        let mut ids: Vec<&str> = Vec::new();
        for rule in self.rules.iter().chain(std::iter::once(default)) {
            if ids.contains(&rule.id.as_str()) {
                return Err(format!("rule {} is defined twice", rule.id));
            }
            ids.push(&rule.id);
            if !self.outcomes.contains_key(&rule.outcome) {
                return Err(format!(
                    "rule {} names unknown outcome {} (outcomes are {})",
                    rule.id,
                    rule.outcome,
                    self.outcomes.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            if rule.explain.trim().is_empty() {
                return Err(format!("rule {} has no explanation", rule.id));
            }
        }
        for rule in &self.rules {
            let Some(c) = &rule.when else {
                return Err(format!("rule {} has no condition (only the default rule has none)", rule.id));
            };
            c.check(&codes, &self.answers).map_err(|e| format!("rule {} {e}", rule.id))?;
        }
        Ok(())
    }
}

/// Parses and checks one definition; the error names the file and the rule at fault.
pub fn parse_capacity_definition(name: &str, text: &str) -> Result<CapacityDefinition, String> {
    let def: CapacityDefinition = serde_json::from_str(text).map_err(|e| {
        // Name the rule whose shape is wrong, if it is a rule.
        let raw: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let rules = raw.get("rules").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        let bad = rules.iter().chain(raw.get("default")).find_map(|r| {
            serde_json::from_value::<RuleDef>(r.clone()).err().map(|err| {
                let id = r.get("id").and_then(|i| i.as_str()).unwrap_or("without an id");
                format!("rule {id} is not a valid rule ({err}; a condition is {{\"q\", \"in\"}}, {{\"every\", \"in\"}}, {{\"some\", \"in\"}}, {{\"all\"}} or {{\"any\"}})")
            })
        });
        format!("capacity test {name}: {}", bad.unwrap_or_else(|| e.to_string()))
    })?;
    def.validate().map_err(|e| format!("capacity test {name} (version {}): {e}", def.version))?;
    Ok(def)
}

/// Every capacity test definition shipped in `seeds/capacity_test/`, parsed and checked.
pub fn capacity_definitions() -> Result<Vec<(CapacityDefinition, String)>, String> {
    let dir = SEEDS.get_dir("capacity_test").ok_or("seeds/capacity_test is missing")?;
    let mut defs = Vec::new();
    for file in dir.files().filter(|f| f.path().extension().is_some_and(|e| e == "json")) {
        let text = file.contents_utf8().ok_or_else(|| format!("{} is not UTF-8", file.path().display()))?;
        let def = parse_capacity_definition(&file.path().display().to_string(), text)?;
        if defs.iter().any(|(d, _): &(CapacityDefinition, String)| d.version == def.version) {
            return Err(format!("{}: capacity test version {} is defined twice", file.path().display(), def.version));
        }
        defs.push((def, text.to_string()));
    }
    defs.sort_by_key(|(d, _)| d.version);
    Ok(defs)
}

fn code_seeds() -> Result<Vec<CodeSeed>, String> {
    let dir = SEEDS.get_dir("codes").ok_or("seeds/codes is missing")?;
    dir.files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
        .map(|f| {
            serde_json::from_str(f.contents_utf8().unwrap_or_default())
                .map_err(|e| format!("{}: {e}", f.path().display()))
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub loaded: Vec<String>,
    pub warnings: Vec<String>,
}

/// Loads what is missing; leaves what is there. Safe to run at every start and from several
/// instances (each item goes in its own transaction; a concurrent duplicate fails its unique key).
pub fn load(conn: &mut DbConnection) -> Result<LoadReport, String> {
    let mut report = LoadReport::default();
    let actor = Actor::system("reference data");
    // Every definition is checked before anything is loaded: a broken one stops here.
    let capacity = capacity_definitions()?;
    for seed in code_seeds()? {
        let done = crate::db::write(conn, |conn| -> diesel::QueryResult<bool> {
            let code = match codes::find_code_by_slug(conn, &seed.slug)? {
                Some(c) => c,
                None => {
                    let c = CodeOfConduct {
                        id: new_id(),
                        slug: seed.slug.clone(),
                        title: seed.title.clone(),
                        description: seed.description.clone(),
                        created_at: now(),
                        authority_id: None,
                        kind: codes::KIND_CODE.into(),
                    };
                    codes::insert_code(conn, &c)?;
                    c
                }
            };
            if codes::find_version(conn, &code.id, &seed.version)?.is_some() {
                return Ok(false);
            }
            let version = CodeVersion {
                id: new_id(),
                code_id: code.id.clone(),
                version_label: seed.version.clone(),
                published_on: seed.published_on,
                source: seed.source.clone(),
                created_at: now(),
            };
            codes::insert_version(conn, &version)?;
            for (i, p) in seed.provisions.iter().enumerate() {
                codes::insert_provision(
                    conn,
                    &CodeProvision {
                        id: new_id(),
                        code_version_id: version.id.clone(),
                        number: p.number.clone(),
                        heading: p.heading.clone(),
                        summary: p.summary.clone(),
                        position: i as i32 + 1,
                    },
                )?;
            }
            audit::record(
                conn,
                &actor,
                Event::new("code.loaded", "code_version", &version.id)
                    .summary(format!("{} (version {}) loaded from seeds", seed.title, seed.version)),
            )?;
            Ok(true)
        })
        .map_err(|e| format!("loading {}: {e}", seed.slug))?;
        if done {
            report.loaded.push(format!("{} {}", seed.title, seed.version));
        }
    }

    for (def, text) in capacity {
        let checksum = sha256_hex(text.as_bytes());
        let outcome = crate::db::write(conn, |conn| -> diesel::QueryResult<Result<bool, String>> {
            if let Some(existing) = cap::find_version(conn, def.version)? {
                if existing.checksum == checksum {
                    return Ok(Ok(false));
                }
                return Ok(Err(format!(
                    "seeds/capacity_test version {} differs from the copy loaded on {}; a loaded version never \
                             changes: add the change as a new version",
                    def.version,
                    existing.loaded_at.format("%-d %B %Y")
                )));
            }
            let version = CapacityTestVersion {
                id: new_id(),
                version: def.version,
                title: def.title.clone(),
                definition: text.clone(),
                checksum: checksum.clone(),
                loaded_at: now(),
            };
            cap::insert_version(conn, &version)?;
            for (i, q) in def.questions.iter().enumerate() {
                cap::insert_question(
                    conn,
                    &CapacityQuestion {
                        id: new_id(),
                        test_version_id: version.id.clone(),
                        code: q.code.clone(),
                        position: i as i32 + 1,
                        section: q.section.clone(),
                        question: q.question.clone(),
                        guidance: q.guidance.clone(),
                        weight: q.weight.clone(),
                        points_to: q.points_to.clone(),
                    },
                )?;
            }
            audit::record(
                conn,
                &actor,
                Event::new("capacity_test.loaded", "capacity_test_version", &version.id)
                    .summary(format!("{} loaded from seeds", def.title)),
            )?;
            Ok(Ok(true))
        })
        .map_err(|e| format!("loading capacity test {}: {e}", def.version))?;
        match outcome {
            Ok(true) => report.loaded.push(def.title.clone()),
            Ok(false) => {}
            Err(warning) => report.warnings.push(warning),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Version 2 as shipped, changed by `edit` (on its JSON), then parsed and checked.
    fn broken(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let dir = SEEDS.get_dir("capacity_test").unwrap();
        let text = dir.files().find(|f| f.path().ends_with("v2.json")).unwrap().contents_utf8().unwrap();
        let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
        edit(&mut v);
        parse_capacity_definition("v2.json", &v.to_string()).expect_err("a broken definition is refused")
    }

    fn rule_mut<'a>(v: &'a mut serde_json::Value, id: &str) -> &'a mut serde_json::Value {
        v["rules"].as_array_mut().unwrap().iter_mut().find(|r| r["id"] == id).unwrap()
    }

    #[test]
    fn the_shipped_definitions_are_valid_and_both_versions_load() {
        let defs = capacity_definitions().unwrap();
        let versions: Vec<i32> = defs.iter().map(|(d, _)| d.version).collect();
        assert_eq!(versions, [1, 2]);
    }

    #[test]
    fn a_rule_naming_an_unknown_question_is_refused_naming_the_rule() {
        let e = broken(|v| rule_mut(v, "R4b")["when"] = serde_json::json!({ "q": "C66", "in": ["yes"] }));
        assert!(e.contains("rule R4b") && e.contains("unknown question C66"), "{e}");
        let e = broken(|v| {
            rule_mut(v, "R5")["when"]["all"][0]["every"].as_array_mut().unwrap().push("C12".into());
        });
        assert!(e.contains("rule R5") && e.contains("unknown question C12"), "{e}");
    }

    #[test]
    fn a_rule_naming_an_unknown_outcome_is_refused_naming_the_rule() {
        let e = broken(|v| rule_mut(v, "R2")["outcome"] = "OFFICIALISH".into());
        assert!(e.contains("rule R2") && e.contains("unknown outcome OFFICIALISH"), "{e}");
        let e = broken(|v| v["default"]["outcome"] = "MAYBE".into());
        assert!(e.contains("rule R6") && e.contains("unknown outcome MAYBE"), "{e}");
    }

    #[test]
    fn a_definition_without_a_default_rule_is_refused() {
        let e = broken(|v| {
            v.as_object_mut().unwrap().remove("default");
        });
        assert!(e.contains("no default rule"), "{e}");
        let e = broken(|v| v["default"]["when"] = serde_json::json!({ "q": "G1", "in": ["yes"] }));
        assert!(e.contains("default rule R6 has a condition"), "{e}");
    }

    #[test]
    fn an_unknown_answer_value_is_refused_naming_the_rule() {
        let e = broken(|v| rule_mut(v, "R1a")["when"]["in"] = serde_json::json!(["nope"]));
        assert!(e.contains("rule R1a") && e.contains("unknown answer \"nope\""), "{e}");
        let e = broken(|v| rule_mut(v, "R1a")["when"]["in"] = serde_json::json!([]));
        assert!(e.contains("rule R1a") && e.contains("lists no answers"), "{e}");
        let e = broken(|v| v["answers"] = serde_json::json!(["yes", "no", "perhaps"]));
        assert!(e.contains("\"perhaps\""), "{e}");
    }

    #[test]
    fn malformed_or_duplicate_rules_are_refused_naming_the_rule() {
        let e = broken(|v| rule_mut(v, "R3a")["when"] = serde_json::json!({ "question": "C3" }));
        assert!(e.contains("rule R3a is not a valid rule"), "{e}");
        let e = broken(|v| {
            rule_mut(v, "R3a").as_object_mut().unwrap().remove("when");
        });
        assert!(e.contains("rule R3a has no condition"), "{e}");
        let e = broken(|v| rule_mut(v, "R3b")["id"] = "R3a".into());
        assert!(e.contains("rule R3a is defined twice"), "{e}");
        let e = broken(|v| rule_mut(v, "R4a")["when"]["all"] = serde_json::json!([]));
        assert!(e.contains("rule R4a") && e.contains("empty"), "{e}");
        let e = broken(|v| v["questions"][3]["code"] = "C1".into());
        assert!(e.contains("question C1 is defined twice"), "{e}");
    }
}
