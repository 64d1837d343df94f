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
    pub outcomes: std::collections::BTreeMap<String, String>,
    pub rules: Vec<RuleDef>,
    pub default: RuleDef,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct QuestionDef {
    pub code: String,
    pub section: String,
    pub weight: String,
    pub points_to: String,
    pub question: String,
    pub guidance: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct RuleDef {
    pub id: String,
    pub outcome: String,
    pub explain: String,
    #[serde(default)]
    pub when: Option<Condition>,
}

/// A rule's condition: an answer among some values, or all/any of other conditions.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Condition {
    Answer { q: String, r#in: Vec<String> },
    All { all: Vec<Condition> },
    Any { any: Vec<Condition> },
}

impl Condition {
    fn questions<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Answer { q, .. } => out.push(q),
            Condition::All { all: cs } | Condition::Any { any: cs } => cs.iter().for_each(|c| c.questions(out)),
        }
    }
}

impl CapacityDefinition {
    /// Checks that rules only name questions and outcomes the definition has.
    pub fn validate(&self) -> Result<(), String> {
        let codes: Vec<&str> = self.questions.iter().map(|q| q.code.as_str()).collect();
        for rule in self.rules.iter().chain(std::iter::once(&self.default)) {
            if !self.outcomes.contains_key(&rule.outcome) {
                return Err(format!("rule {} names unknown outcome {}", rule.id, rule.outcome));
            }
            let mut named = Vec::new();
            if let Some(c) = &rule.when {
                c.questions(&mut named);
            }
            if let Some(q) = named.iter().find(|q| !codes.contains(q)) {
                return Err(format!("rule {} names unknown question {q}", rule.id));
            }
        }
        Ok(())
    }
}

/// Every capacity test definition shipped in `seeds/capacity_test/`, parsed and checked.
pub fn capacity_definitions() -> Result<Vec<(CapacityDefinition, String)>, String> {
    let dir = SEEDS.get_dir("capacity_test").ok_or("seeds/capacity_test is missing")?;
    let mut defs = Vec::new();
    for file in dir.files().filter(|f| f.path().extension().is_some_and(|e| e == "json")) {
        let text = file.contents_utf8().ok_or_else(|| format!("{} is not UTF-8", file.path().display()))?;
        let def: CapacityDefinition =
            serde_json::from_str(text).map_err(|e| format!("{}: {e}", file.path().display()))?;
        def.validate().map_err(|e| format!("{}: {e}", file.path().display()))?;
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

    for (def, text) in capacity_definitions()? {
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
