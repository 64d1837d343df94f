//! The typed ids of the report's tables and rows, and their words. Figures are keyed by these,
//! never by a label; the table codes name the page's anchors.

use crate::models::authority::is_local_tier;
use crate::services::vocab;
use serde::{Serialize, Serializer};

/// A table of the report. Its code is stable: it names the table's anchors on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableId {
    Source,
    Authority,
    Tier,
    Platform,
    Provision,
    Capacity,
    CapacityByVersion,
    InitialDecisions,
    PostInvestigationDecisions,
    ClosedByOutcome,
    Investigations,
    Hearings,
    Sanctions,
    Compliance,
    Ageing,
}

impl TableId {
    /// Every table, in the order the report shows them.
    pub const ALL: [TableId; 15] = [
        TableId::Source,
        TableId::Authority,
        TableId::Tier,
        TableId::Platform,
        TableId::Provision,
        TableId::Capacity,
        TableId::CapacityByVersion,
        TableId::InitialDecisions,
        TableId::PostInvestigationDecisions,
        TableId::ClosedByOutcome,
        TableId::Investigations,
        TableId::Hearings,
        TableId::Sanctions,
        TableId::Compliance,
        TableId::Ageing,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TableId::Source => "source",
            TableId::Authority => "authority",
            TableId::Tier => "tier",
            TableId::Platform => "platform",
            TableId::Provision => "provision",
            TableId::Capacity => "capacity",
            TableId::CapacityByVersion => "capacity-version",
            TableId::InitialDecisions => "initial",
            TableId::PostInvestigationDecisions => "post",
            TableId::ClosedByOutcome => "closed",
            TableId::Investigations => "investigations",
            TableId::Hearings => "hearings",
            TableId::Sanctions => "sanctions",
            TableId::Compliance => "compliance",
            TableId::Ageing => "ageing",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            TableId::Source => "Complaints received by source",
            TableId::Authority => "Complaints received by council",
            TableId::Tier => "Complaints received by tier",
            TableId::Platform => "Complaints received by platform",
            TableId::Provision => "Allegations by code of conduct provision",
            TableId::Capacity => "Capacity conclusions",
            TableId::CapacityByVersion => "Capacity conclusions by capacity test version",
            TableId::InitialDecisions => "Initial assessment decisions",
            TableId::PostInvestigationDecisions => "Post-investigation decisions",
            TableId::ClosedByOutcome => "Cases closed, by outcome",
            TableId::Investigations => "Investigations",
            TableId::Hearings => "Hearings and findings",
            TableId::Sanctions => "Sanctions",
            TableId::Compliance => "Sanctions: compliance",
            TableId::Ageing => "Open cases at the end of the period, by age",
        }
    }

    /// Whether the page draws the table as a bar chart too.
    pub fn chart(self) -> bool {
        !matches!(
            self,
            TableId::PostInvestigationDecisions
                | TableId::CapacityByVersion
                | TableId::Investigations
                | TableId::Hearings
                | TableId::Sanctions
                | TableId::Compliance
        )
    }

    /// Whether the rows keep their own order (else the largest come first).
    pub fn fixed_order(self) -> bool {
        matches!(self, TableId::CapacityByVersion | TableId::Investigations | TableId::Hearings | TableId::Ageing)
    }

    /// The code list a [`RowId::Code`] of this table comes from.
    fn code_list(self) -> &'static [(&'static str, &'static str)] {
        match self {
            TableId::Source => &vocab::COMPLAINT_SOURCES,
            TableId::Platform => &vocab::PLATFORMS,
            TableId::Capacity => &vocab::CAPACITY_OUTCOMES,
            TableId::InitialDecisions => &vocab::INITIAL_DECISIONS,
            TableId::PostInvestigationDecisions => &vocab::POST_INVESTIGATION_OUTCOMES,
            TableId::Sanctions => crate::services::sanction_lists::all_codes(),
            TableId::Compliance => &vocab::COMPLIANCE,
            _ => &[],
        }
    }

    /// The words for a row of this table.
    pub fn row_label(self, row: &RowId) -> String {
        match row {
            RowId::Code(code) => vocab::label(self.code_list(), code).to_string(),
            RowId::Authority(name) => name.clone(),
            RowId::Tier(tier) => tier.label().to_string(),
            RowId::Provision { number, heading } => format!("{number} {heading}"),
            RowId::Reason(reason) => reason.clone(),
            RowId::CapacityVersion { version, outcome } => format!(
                "Version {version}: {}",
                match outcome {
                    Some(o) => vocab::label(&vocab::CAPACITY_OUTCOMES, o),
                    None => "Other",
                }
            ),
            RowId::Unrecorded => match self {
                TableId::Capacity => "Other",
                TableId::ClosedByOutcome => "Closed",
                _ => "Not given",
            }
            .to_string(),
            RowId::Investigations(r) => r.label().to_string(),
            RowId::Hearings(r) => r.label().to_string(),
            RowId::Age(band) => band.label().to_string(),
        }
    }
}

impl Serialize for TableId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// A row of a table: a value from the data, or one of the fixed rows of a table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowId {
    /// A code from the table's code list (source, platform, capacity outcome, decision,
    /// sanction, compliance).
    Code(String),
    /// A council, by name.
    Authority(String),
    Tier(TierGroup),
    /// A provision by its number and heading: the same paragraph of different councils' codes
    /// counts as one.
    Provision {
        number: String,
        heading: String,
    },
    /// A closure reason as recorded on the case.
    Reason(String),
    /// A capacity conclusion on a version of the capacity test (None: an outcome not in the list).
    CapacityVersion {
        version: i32,
        outcome: Option<String>,
    },
    /// Nothing recorded (no platform given, no closure reason, an outcome not in the list).
    Unrecorded,
    Investigations(InvestigationRow),
    Hearings(HearingRow),
    Age(AgeBand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TierGroup {
    Principal,
    Local,
}

impl TierGroup {
    pub fn of(tier: &str) -> Self {
        if is_local_tier(tier) {
            TierGroup::Local
        } else {
            TierGroup::Principal
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TierGroup::Principal => "Principal council",
            TierGroup::Local => "Parish, town or community council",
        }
    }
}

/// The rows of the investigations table, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InvestigationRow {
    Started,
    Completed,
    OpenAtEnd,
}

impl InvestigationRow {
    pub fn label(self) -> &'static str {
        match self {
            InvestigationRow::Started => "Started",
            InvestigationRow::Completed => "Completed",
            InvestigationRow::OpenAtEnd => "Open at the end of the period",
        }
    }
}

/// The rows of the hearings table, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HearingRow {
    Decided,
    BreachFound,
    NoBreach,
}

impl HearingRow {
    pub fn label(self) -> &'static str {
        match self {
            HearingRow::Decided => "Hearings decided",
            HearingRow::BreachFound => "Allegations: breach found",
            HearingRow::NoBreach => "Allegations: no breach",
        }
    }
}

/// How long a case has been open at the end of the period, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBand {
    UpTo30Days,
    UpTo90Days,
    UpToSixMonths,
    OverSixMonths,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] =
        [AgeBand::UpTo30Days, AgeBand::UpTo90Days, AgeBand::UpToSixMonths, AgeBand::OverSixMonths];

    /// The band of an age in calendar days.
    pub fn of(days: i64) -> Self {
        match days {
            ..=30 => AgeBand::UpTo30Days,
            31..=90 => AgeBand::UpTo90Days,
            91..=182 => AgeBand::UpToSixMonths,
            _ => AgeBand::OverSixMonths,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::UpTo30Days => "Up to 30 days",
            AgeBand::UpTo90Days => "31 to 90 days",
            AgeBand::UpToSixMonths => "91 days to 6 months",
            AgeBand::OverSixMonths => "Over 6 months",
        }
    }
}

/// The summary measures, in the order the report shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Received,
    Closed,
    InvestigationsStarted,
    HearingsDecided,
    BreachesFound,
    Sanctions,
    OpenCases,
}

impl Measure {
    pub const HEADLINE: [Measure; 7] = [
        Measure::Received,
        Measure::Closed,
        Measure::InvestigationsStarted,
        Measure::HearingsDecided,
        Measure::BreachesFound,
        Measure::Sanctions,
        Measure::OpenCases,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Measure::Received => "Complaints received",
            Measure::Closed => "Cases closed",
            Measure::InvestigationsStarted => "Investigations started",
            Measure::HearingsDecided => "Hearings decided",
            Measure::BreachesFound => "Allegations where a breach was found",
            Measure::Sanctions => "Sanctions imposed or recommended",
            Measure::OpenCases => "Open cases at the end of the period",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_and_labels() {
        assert_eq!(AgeBand::of(0), AgeBand::UpTo30Days);
        assert_eq!(AgeBand::of(30), AgeBand::UpTo30Days);
        assert_eq!(AgeBand::of(31), AgeBand::UpTo90Days);
        assert_eq!(AgeBand::of(182), AgeBand::UpToSixMonths);
        assert_eq!(AgeBand::of(183), AgeBand::OverSixMonths);
        assert_eq!(TableId::Platform.row_label(&RowId::Unrecorded), "Not given");
        assert_eq!(TableId::Platform.row_label(&RowId::Code("x".into())), "X (formerly Twitter)");
        assert_eq!(TableId::ClosedByOutcome.row_label(&RowId::Unrecorded), "Closed");
        let codes: std::collections::BTreeSet<_> = TableId::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(codes.len(), TableId::ALL.len(), "table codes are distinct");
    }
}
