//! Vocabularies stored in the database as TEXT codes and read back as Rust enums. A stored value
//! that no variant names is a read error (never silently a default), and a code is written only
//! from a variant, never from a free string.

use crate::models::case::Case;

/// Declares an enum stored as TEXT: `as_str` (the stored code), `label` (for people), `parse`,
/// `ALL`, serde as the code, and diesel `ToSql`/`FromSql` for every backend.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in forms and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// What people read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&code).ok_or_else(|| serde::de::Error::custom(format!(
                    concat!("unknown ", stringify!($name), " {:?}"), code
                )))
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                $name::parse(&code).ok_or_else(|| {
                    format!(concat!("unknown ", stringify!($name), " {:?} in the database"), code).into()
                })
            }
        }
    };
}

stored_enum! {
    /// Where a case is in the journey (DESIGN.md "The journey").
    pub enum CaseStatus {
        Received = ("received", "Received"),
        Acknowledged = ("acknowledged", "Acknowledged"),
        InitialAssessment = ("initial-assessment", "Initial assessment"),
        InformalResolution = ("informal-resolution", "Informal resolution"),
        Investigation = ("investigation", "Investigation"),
        PostInvestigation = ("post-investigation", "Post-investigation decision"),
        Hearing = ("hearing", "Hearing"),
        DecisionNotice = ("decision-notice", "Decision notice"),
        Sanctions = ("sanctions", "Sanctions"),
        Referred = ("referred", "Referred"),
        Closed = ("closed", "Closed"),
        Destroyed = ("destroyed", "Destroyed"),
    }
}

impl CaseStatus {
    /// The GOV.UK tag colour for the status.
    pub fn colour(self) -> &'static str {
        use CaseStatus::*;
        match self {
            Received => "blue",
            Acknowledged => "light-blue",
            InitialAssessment => "purple",
            InformalResolution => "turquoise",
            Investigation | PostInvestigation => "orange",
            Hearing | DecisionNotice | Sanctions => "red",
            Referred => "pink",
            Closed | Destroyed => "grey",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Closed | CaseStatus::Destroyed)
    }

    /// The statuses of cases that are still being worked.
    pub fn open() -> Vec<CaseStatus> {
        Self::ALL.iter().copied().filter(|s| s.is_open()).collect()
    }

    /// The transitions the journey allows from here (the state machine in
    /// `services::cases::state` is the only writer).
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Received => &[Acknowledged, InitialAssessment, Closed],
            Acknowledged => &[InitialAssessment, Closed],
            InitialAssessment => &[InformalResolution, Investigation, Referred, Closed],
            InformalResolution => &[InitialAssessment, Investigation, Closed],
            Investigation => &[PostInvestigation],
            PostInvestigation => &[InformalResolution, Hearing, Closed],
            Hearing => &[DecisionNotice],
            DecisionNotice => &[Sanctions, Closed],
            Sanctions => &[Closed],
            Referred => &[InitialAssessment, Closed],
            Closed => &[Destroyed],
            Destroyed => &[],
        }
    }
}

impl Case {
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }
}

stored_enum! {
    /// Where a takedown (removal) request stands.
    pub enum TakedownStatus {
        Requested = ("requested", "Requested"),
        Acknowledged = ("acknowledged", "Acknowledged"),
        Removed = ("removed", "Removed (verified)"),
        PartlyRemoved = ("partly-removed", "Partly removed (verified)"),
        Refused = ("refused", "Refused"),
        Lapsed = ("lapsed", "Lapsed"),
        Reinstated = ("reinstated", "Reinstated: the post came back"),
    }
}

impl TakedownStatus {
    /// Still waiting for the post to come down.
    pub fn is_open(self) -> bool {
        matches!(self, TakedownStatus::Requested | TakedownStatus::Acknowledged | TakedownStatus::Reinstated)
    }

    pub fn open() -> Vec<TakedownStatus> {
        Self::ALL.iter().copied().filter(|s| s.is_open()).collect()
    }

    /// A removal that was verified with a re-capture.
    pub fn is_removal(self) -> bool {
        matches!(self, TakedownStatus::Removed | TakedownStatus::PartlyRemoved)
    }

    /// The moves a request can make from here.
    pub fn can_move_to(self, to: TakedownStatus) -> bool {
        use TakedownStatus::*;
        match self {
            Requested => matches!(to, Acknowledged | Removed | PartlyRemoved | Refused | Lapsed),
            Acknowledged => matches!(to, Removed | PartlyRemoved | Refused | Lapsed),
            Removed | PartlyRemoved => to == Reinstated,
            Reinstated => matches!(to, Removed | PartlyRemoved | Refused | Lapsed),
            Refused | Lapsed => to == Reinstated,
        }
    }
}

stored_enum! {
    /// What an evidence item captures.
    pub enum EvidenceKind {
        Post = ("post", "A post"),
        Profile = ("profile", "An account profile (name, handle, bio, logos)"),
    }
}

stored_enum! {
    /// Who captured an evidence item: an officer, or the complainant (not verified).
    pub enum EvidenceSource {
        Officer = ("officer", "Captured by an officer"),
        Complainant = ("complainant", "Supplied by the complainant (not verified)"),
    }
}

stored_enum! {
    /// Whether a captured post was still online when last checked.
    pub enum EvidenceStatus {
        Live = ("live", "Live"),
        Removed = ("removed", "Removed"),
        Unknown = ("unknown", "Unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(*s));
        }
        for s in TakedownStatus::ALL {
            assert_eq!(TakedownStatus::parse(s.as_str()), Some(*s));
        }
        for s in EvidenceKind::ALL {
            assert_eq!(EvidenceKind::parse(s.as_str()), Some(*s));
        }
        for s in EvidenceSource::ALL {
            assert_eq!(EvidenceSource::parse(s.as_str()), Some(*s));
        }
        for s in EvidenceStatus::ALL {
            assert_eq!(EvidenceStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(CaseStatus::parse("Received"), None);
    }

    #[test]
    fn closed_cases_only_move_to_destroyed() {
        assert_eq!(CaseStatus::Closed.next(), &[CaseStatus::Destroyed]);
        assert!(CaseStatus::Destroyed.next().is_empty());
    }
}
