//! Options for the GOV.UK select and radios components.

use serde::Serialize;

/// One option of a select or radios (`value`, `label`), as the GOV.UK components take them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: &str, label: &str) -> Self {
        Choice { value: value.to_string(), label: label.to_string() }
    }

    /// The options of a vocabulary list.
    pub fn list(list: &[(&str, &str)]) -> Vec<Choice> {
        list.iter().map(|(v, l)| Choice::new(v, l)).collect()
    }
}
