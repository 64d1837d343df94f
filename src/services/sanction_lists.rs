//! The sanctions a standards hearing may impose, as versioned reference data per nation
//! (`seeds/sanctions/<nation>-<version>.json`): England's list has no suspension, Wales's has.
//! A sanction records the list (and version) it was chosen from, so a later list never changes
//! what an earlier decision said. Each entry says whether it needs a follow-up date (censure
//! does not) and whether it is only a recommendation to someone else (removal from committees or
//! cabinet: the Leader or the member's group decides).

use include_dir::{include_dir, Dir};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

static DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seeds/sanctions");

/// One sanction of a list.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SanctionDef {
    pub code: &'static str,
    pub label: &'static str,
    /// Whether compliance is followed up by a date (censure takes effect with the decision).
    pub follow_up: bool,
    /// Who the panel recommends it to, when it cannot order it.
    #[serde(default)]
    pub recommendation_to: Option<&'static str>,
    pub hint: &'static str,
}

/// One nation's list, in one version.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SanctionList {
    pub nation: &'static str,
    pub version: i32,
    pub in_force_from: &'static str,
    pub source: &'static str,
    pub sanctions: Vec<SanctionDef>,
}

impl SanctionList {
    /// How a sanction row names the list: "england-1".
    pub fn id(&self) -> String {
        format!("{}-{}", self.nation, self.version)
    }

    pub fn get(&self, code: &str) -> Option<&SanctionDef> {
        self.sanctions.iter().find(|s| s.code == code)
    }
}

static LISTS: LazyLock<Vec<SanctionList>> = LazyLock::new(|| {
    let mut lists: Vec<SanctionList> = DIR
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
        .map(|f| {
            let text = f.contents_utf8().expect("seeds/sanctions files are UTF-8");
            serde_json::from_str(text).unwrap_or_else(|e| panic!("seeds/sanctions/{}: {e}", f.path().display()))
        })
        .collect();
    lists.sort_by(|a, b| (a.nation, a.version).cmp(&(b.nation, b.version)));
    lists
});

/// Every code with its words, over every list (for labels in reports and letters).
static ALL_CODES: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for list in LISTS.iter().rev() {
        for s in &list.sanctions {
            if !out.iter().any(|(c, _)| *c == s.code) {
                out.push((s.code, s.label));
            }
        }
    }
    out
});

pub fn lists() -> &'static [SanctionList] {
    &LISTS
}

/// The list in force for a nation ("england", "wales"): its highest version. A nation without a
/// list of its own uses England's.
pub fn current(nation: &str) -> &'static SanctionList {
    LISTS
        .iter()
        .filter(|l| l.nation == nation)
        .max_by_key(|l| l.version)
        .or_else(|| LISTS.iter().filter(|l| l.nation == "england").max_by_key(|l| l.version))
        .expect("seeds/sanctions has England's list")
}

/// The list a sanction was chosen from ("england-1").
pub fn find(id: &str) -> Option<&'static SanctionList> {
    LISTS.iter().find(|l| l.id() == id)
}

/// Every code with its words.
pub fn all_codes() -> &'static [(&'static str, &'static str)] {
    &ALL_CODES
}

/// The words for a sanction's code, from the list it was chosen from.
pub fn label(list_id: &str, code: &str) -> &'static str {
    find(list_id)
        .and_then(|l| l.get(code))
        .map(|s| s.label)
        .unwrap_or_else(|| crate::services::vocab::label(all_codes(), code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parses_and_england_has_no_suspension() {
        assert!(lists().len() >= 2);
        let england = current("england");
        assert!(england.sanctions.iter().all(|s| !s.code.contains("suspension")));
        assert!(!england.get("censure").unwrap().follow_up);
        assert!(england.get("remove-from-committees").unwrap().recommendation_to.is_some());
        let wales = current("wales");
        assert!(wales.get("suspension").is_some());
        assert_eq!(current("scotland").id(), england.id());
        assert_eq!(label("england-1", "training"), "Training");
        for l in lists() {
            let mut codes: Vec<_> = l.sanctions.iter().map(|s| s.code).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), l.sanctions.len(), "{} has a code twice", l.id());
        }
    }
}
