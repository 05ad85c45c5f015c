//! Source profiles: where each source's file is and how its columns and times are written.
//!
//! The defaults are the formats of `docs/exports.md`. A force whose systems export other
//! columns or formats writes a small TOML file naming only what differs
//! (`docs/source-profiles.md`):
//!
//! ```toml
//! [acd]
//! file = "ACD_export.csv"
//! delimiter = ";"
//! time_format = "%Y-%m-%d %H:%M:%S"
//! columns = { call_id = "CallRef", cli = "CLI", arrived = "Offered" }
//! outcomes = { ANS = "answered", ABN = "abandoned", TRF = "transferred" }
//! ```

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::exports::{self, Field};

/// The sources of a control room's exports: four of contacts, and the case system's decisions
/// about repeat callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// The automatic call distributor: every inbound call.
    Acd,
    /// The call recording system.
    Recordings,
    /// Command and control: calls attached to incidents.
    Incidents,
    /// Partner agencies' contacts (fire and rescue, ambulance).
    Partners,
    /// The case system's decisions about repeat callers (`referrals.csv`); not contacts.
    Referrals,
}

impl SourceKind {
    /// All sources, in the order they are read.
    pub const ALL: [SourceKind; 5] = [
        SourceKind::Acd,
        SourceKind::Recordings,
        SourceKind::Incidents,
        SourceKind::Partners,
        SourceKind::Referrals,
    ];

    /// The source's name in reports, rejects and profiles.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Acd => "acd",
            SourceKind::Recordings => "recordings",
            SourceKind::Incidents => "incidents",
            SourceKind::Partners => "partners",
            SourceKind::Referrals => "referrals",
        }
    }

    /// The fields Engage reads from this source (the default column names), each with
    /// whether its text is personal.
    pub fn fields(self) -> &'static [Field] {
        match self {
            SourceKind::Acd => &exports::ACD_FIELDS,
            SourceKind::Recordings => &exports::RECORDINGS_FIELDS,
            SourceKind::Incidents => &exports::INCIDENTS_FIELDS,
            SourceKind::Partners => &exports::PARTNERS_FIELDS,
            SourceKind::Referrals => &exports::REFERRALS_FIELDS,
        }
    }

    /// The header of the source's default export, in column order: the read
    /// [`fields`](Self::fields) and the columns Engage does not read.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            SourceKind::Acd => &exports::ACD_COLUMNS,
            SourceKind::Recordings => &exports::RECORDINGS_COLUMNS,
            SourceKind::Incidents => &exports::INCIDENTS_COLUMNS,
            SourceKind::Partners => &exports::PARTNERS_COLUMNS,
            SourceKind::Referrals => &exports::REFERRALS_COLUMNS,
        }
    }

    /// The names of [`fields`](Self::fields), in order.
    pub fn field_names(self) -> impl Iterator<Item = &'static str> {
        self.fields().iter().map(|f| f.name)
    }

    /// Fields whose column a profile may name but whose text Engage never keeps (not even in
    /// a reject's raw text): the referrals' free-text `note`.
    pub fn withheld_fields(self) -> &'static [&'static str] {
        match self {
            SourceKind::Referrals => &exports::REFERRALS_WITHHELD,
            _ => &[],
        }
    }

    fn default_file(self) -> &'static str {
        match self {
            SourceKind::Acd => exports::ACD_FILE,
            SourceKind::Recordings => exports::RECORDINGS_FILE,
            SourceKind::Incidents => exports::INCIDENTS_FILE,
            SourceKind::Partners => exports::PARTNERS_FILE,
            SourceKind::Referrals => exports::REFERRALS_FILE,
        }
    }
}

/// How one source is exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceProfile {
    /// The source.
    pub kind: SourceKind,
    /// The file name within the raw folder.
    pub file: String,
    /// The field separator.
    pub delimiter: u8,
    /// The time format, in chrono's strftime notation.
    pub time_format: String,
    /// The format of dates without a time (referrals' `review_due`, `marker_expires`), in
    /// chrono's strftime notation.
    pub date_format: String,
    /// The zone the local times are in.
    pub timezone: Tz,
    /// Engage field name → the column name in the file (all fields, defaults filled in).
    pub columns: BTreeMap<String, String>,
    /// The source's outcome words (lowercase) → `answered`, `abandoned` or `transferred`.
    pub outcomes: BTreeMap<String, &'static str>,
    /// Whether the source may be absent from the raw folder (partners and referrals are
    /// optional).
    pub optional: bool,
}

impl SourceProfile {
    /// The default profile of a source (`docs/exports.md`).
    pub fn default_for(kind: SourceKind) -> Self {
        let outcomes = [
            ("answered", "answered"),
            ("abandoned", "abandoned"),
            ("transferred", "transferred"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        SourceProfile {
            kind,
            file: kind.default_file().to_string(),
            delimiter: b',',
            time_format: "%d/%m/%Y %H:%M:%S".to_string(),
            date_format: "%d/%m/%Y".to_string(),
            timezone: chrono_tz::Europe::London,
            columns: kind
                .field_names()
                .chain(kind.withheld_fields().iter().copied())
                .map(|f| (f.to_string(), f.to_string()))
                .collect(),
            outcomes,
            optional: matches!(kind, SourceKind::Partners | SourceKind::Referrals),
        }
    }

    /// The column name of an Engage field.
    pub fn column<'s>(&'s self, field: &'s str) -> &'s str {
        self.columns.get(field).map(String::as_str).unwrap_or(field)
    }

    /// The Engage outcome of a source's outcome word, if known.
    pub fn outcome(&self, word: &str) -> Option<&'static str> {
        self.outcomes
            .get(&word.trim().to_ascii_lowercase())
            .copied()
    }
}

/// The profiles of all sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profiles {
    /// One per source, in [`SourceKind::ALL`] order.
    pub sources: Vec<SourceProfile>,
}

impl Default for Profiles {
    fn default() -> Self {
        Profiles {
            sources: SourceKind::ALL
                .iter()
                .map(|&k| SourceProfile::default_for(k))
                .collect(),
        }
    }
}

/// A profile file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Not valid TOML, or not the expected shape.
    #[error("the source profile is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is not allowed.
    #[error("the source profile's [{source_name}] {key}: {reason}")]
    Value {
        /// The source section.
        source_name: &'static str,
        /// The key.
        key: String,
        /// What is wrong and what is expected.
        reason: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    acd: Option<SourceOverride>,
    recordings: Option<SourceOverride>,
    incidents: Option<SourceOverride>,
    partners: Option<SourceOverride>,
    referrals: Option<SourceOverride>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SourceOverride {
    file: Option<String>,
    delimiter: Option<String>,
    time_format: Option<String>,
    date_format: Option<String>,
    timezone: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    outcomes: BTreeMap<String, String>,
    optional: Option<bool>,
}

impl Profiles {
    /// The defaults with the overrides of a TOML profile file applied.
    pub fn from_toml(text: &str) -> Result<Self, ProfileError> {
        let file: ProfileFile = toml::from_str(text)?;
        let mut profiles = Profiles::default();
        let overrides = [
            file.acd,
            file.recordings,
            file.incidents,
            file.partners,
            file.referrals,
        ];
        for (profile, over) in profiles.sources.iter_mut().zip(overrides) {
            if let Some(over) = over {
                apply(profile, over)?;
            }
        }
        Ok(profiles)
    }

    /// The profile of one source.
    pub fn get(&self, kind: SourceKind) -> &SourceProfile {
        &self.sources[SourceKind::ALL
            .iter()
            .position(|&k| k == kind)
            .expect("all kinds")]
    }
}

fn apply(profile: &mut SourceProfile, over: SourceOverride) -> Result<(), ProfileError> {
    let source_name = profile.kind.name();
    let bad = |key: &str, reason: String| ProfileError::Value {
        source_name,
        key: key.to_string(),
        reason,
    };
    if let Some(file) = over.file {
        profile.file = file;
    }
    if let Some(d) = over.delimiter {
        let d = if d == "\\t" || d == "tab" {
            "\t".to_string()
        } else {
            d
        };
        match d.as_bytes() {
            [b] => profile.delimiter = *b,
            _ => {
                return Err(bad(
                    "delimiter",
                    format!("`{d}` is not one character, like \",\" or \";\" or \"tab\""),
                ));
            }
        }
    }
    if let Some(format) = over.time_format {
        profile.time_format = format;
    }
    if let Some(format) = over.date_format {
        if profile.kind != SourceKind::Referrals {
            return Err(bad(
                "date_format",
                "this source has no dates without a time; only [referrals] takes a date_format"
                    .into(),
            ));
        }
        profile.date_format = format;
    }
    if let Some(zone) = over.timezone {
        profile.timezone = zone.parse().map_err(|_| {
            bad(
                "timezone",
                format!("`{zone}` is not an IANA time zone, like \"Europe/London\""),
            )
        })?;
    }
    for (field, column) in over.columns {
        let known = || {
            profile
                .kind
                .field_names()
                .chain(profile.kind.withheld_fields().iter().copied())
        };
        if !known().any(|f| f == field) {
            return Err(bad(
                "columns",
                format!(
                    "`{field}` is not a field of this source; expected one of {}",
                    known().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        profile.columns.insert(field, column);
    }
    if profile.kind == SourceKind::Referrals && !over.outcomes.is_empty() {
        return Err(bad(
            "outcomes",
            "referrals are decisions, not calls: they have no outcome words".into(),
        ));
    }
    for (word, outcome) in over.outcomes {
        let outcome = match outcome.to_ascii_lowercase().as_str() {
            "answered" => "answered",
            "abandoned" => "abandoned",
            "transferred" => "transferred",
            _ => {
                return Err(bad(
                    "outcomes",
                    format!(
                        "`{word}` maps to `{outcome}`; expected answered, abandoned or transferred"
                    ),
                ));
            }
        };
        profile
            .outcomes
            .insert(word.trim().to_ascii_lowercase(), outcome);
    }
    if let Some(optional) = over.optional {
        profile.optional = optional;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_on_top_of_the_defaults() {
        let p = Profiles::from_toml(
            r#"
            [acd]
            file = "ACD.csv"
            delimiter = ";"
            time_format = "%Y-%m-%d %H:%M:%S"
            columns = { call_id = "CallRef" }
            outcomes = { ANS = "answered" }
            "#,
        )
        .unwrap();
        let acd = p.get(SourceKind::Acd);
        assert_eq!(acd.file, "ACD.csv");
        assert_eq!(acd.delimiter, b';');
        assert_eq!(acd.column("call_id"), "CallRef");
        assert_eq!(acd.column("cli"), "cli");
        assert_eq!(acd.outcome("ans"), Some("answered"));
        assert_eq!(acd.outcome("Abandoned"), Some("abandoned"));
        assert_eq!(
            p.get(SourceKind::Recordings),
            &SourceProfile::default_for(SourceKind::Recordings)
        );
    }

    #[test]
    fn mistakes_are_named() {
        let err = Profiles::from_toml("[acd]\ncolumns = { caller = \"CLI\" }").unwrap_err();
        assert!(err.to_string().contains("`caller` is not a field"), "{err}");
        let err = Profiles::from_toml("[acd]\ntimezone = \"Kent\"").unwrap_err();
        assert!(err.to_string().contains("IANA"), "{err}");
        let err = Profiles::from_toml("[acd]\nfiel = \"x\"").unwrap_err();
        assert!(err.to_string().contains("fiel"), "{err}");
        let err = Profiles::from_toml("[acd]\noutcomes = { X = \"maybe\" }").unwrap_err();
        assert!(err.to_string().contains("expected answered"), "{err}");
    }
}
