//! The triage suggestion: does a repeat caller look like a repeatedly targeted victim or a
//! vulnerable repeat caller?
//!
//! People decide this (the coordinator reviews the nature of the calls). The software only
//! *suggests*, as `shared/spec/detection.md` ("Triage suggestion") asks:
//!
//! 1. A [`TriageTable`], reference data a force edits (`datasets/triage_groups.csv`, columns
//!    `category,group`), puts every incident category in one [`TriageGroup`]:
//!    victimisation, vulnerability (indicator) or neutral. Categories the table does not list
//!    are neutral.
//! 2. A [`TriageEvidence`] counts a caller's (or an episode's) contacts per group and per
//!    category.
//! 3. [`TriageEvidence::suggest`] turns the counts into a [`SuggestedType`], saying
//!    [`SuggestedType::Undetermined`] when the evidence is thin, and
//!    [`TriageEvidence::summary`] renders the evidence to show beside it.
//!
//! The rule, with its thresholds as constants ([`MIN_EVIDENCE`], [`DOMINANT_SHARE_NUMERATOR`]
//! / [`DOMINANT_SHARE_DENOMINATOR`]):
//!
//! - *classified* = victimisation contacts + vulnerability contacts (neutral and
//!   uncategorised contacts are no evidence either way);
//! - classified < 3: `undetermined`;
//! - victimisation ≥ 2/3 of classified: `repeat_victim`;
//! - vulnerability ≥ 2/3 of classified: `vulnerable_caller`;
//! - otherwise: `mixed`.
//!
//! Shares are compared in exact integer arithmetic, so 2 of 3 is exactly 2/3.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::reference_csv;

/// The shipped reference table, `datasets/triage_groups.csv`.
const DEFAULT_TABLE_CSV: &str = include_str!("../../../datasets/triage_groups.csv");

/// The fewest classified (victimisation + vulnerability) contacts that support a suggestion;
/// with fewer, [`TriageEvidence::suggest`] says [`SuggestedType::Undetermined`].
pub const MIN_EVIDENCE: u32 = 3;

/// Numerator of the dominant share (2/3): a group holding at least this share of the
/// classified contacts decides the suggestion.
pub const DOMINANT_SHARE_NUMERATOR: u64 = 2;

/// Denominator of the dominant share (2/3); see [`DOMINANT_SHARE_NUMERATOR`].
pub const DOMINANT_SHARE_DENOMINATOR: u64 = 3;

/// The group an incident category belongs to, for triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TriageGroup {
    /// The caller is being targeted: assault, harassment, criminal damage, theft, domestic
    /// abuse and the like.
    Victimisation,
    /// An indicator that the caller may be vulnerable: concern for welfare, mental health,
    /// silent or abandoned calls, hoax or nuisance calls, repeated calls with no police
    /// action.
    Vulnerability,
    /// Evidence of neither (road traffic collisions, lost property, ...), and every category
    /// the reference table does not list.
    Neutral,
}

impl TriageGroup {
    /// All groups, in the order summaries show them.
    pub const ALL: [TriageGroup; 3] = [
        TriageGroup::Victimisation,
        TriageGroup::Vulnerability,
        TriageGroup::Neutral,
    ];

    /// The group's name as written in the reference table: `victimisation`,
    /// `vulnerability` or `neutral`.
    pub fn as_str(self) -> &'static str {
        match self {
            TriageGroup::Victimisation => "victimisation",
            TriageGroup::Vulnerability => "vulnerability",
            TriageGroup::Neutral => "neutral",
        }
    }
}

impl fmt::Display for TriageGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A triage group name that is not one of `victimisation`, `vulnerability` or `neutral`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a triage group `victimisation`, `vulnerability` or `neutral`, found `{0}`")]
pub struct ParseGroupError(pub String);

impl FromStr for TriageGroup {
    type Err = ParseGroupError;

    /// Parses a group name, ignoring case, surrounding whitespace and separators, so
    /// `Victimisation`, ` neutral ` and `vulnerability_indicator` are accepted. The
    /// spellings `victimization` and `vulnerability indicator` are accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match normalise_category(s).as_str() {
            "victimisation" | "victimization" => Ok(TriageGroup::Victimisation),
            "vulnerability" | "vulnerability indicator" => Ok(TriageGroup::Vulnerability),
            "neutral" => Ok(TriageGroup::Neutral),
            _ => Err(ParseGroupError(s.trim().to_string())),
        }
    }
}

/// The suggestion shown to the coordinator beside its evidence.
///
/// The strings of [`SuggestedType::as_str`] are an interface promise (the `suggested_type`
/// column of the `repeat_callers` view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SuggestedType {
    /// Looks like a repeatedly targeted victim (`repeat_victim`).
    RepeatVictim,
    /// Looks like a vulnerable repeat caller (`vulnerable_caller`).
    VulnerableCaller,
    /// Substantial evidence of both (`mixed`).
    Mixed,
    /// Too little evidence to suggest anything (`undetermined`).
    Undetermined,
}

impl SuggestedType {
    /// All suggestions.
    pub const ALL: [SuggestedType; 4] = [
        SuggestedType::RepeatVictim,
        SuggestedType::VulnerableCaller,
        SuggestedType::Mixed,
        SuggestedType::Undetermined,
    ];

    /// The suggestion as the interfaces spell it: `repeat_victim`, `vulnerable_caller`,
    /// `mixed` or `undetermined`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestedType::RepeatVictim => "repeat_victim",
            SuggestedType::VulnerableCaller => "vulnerable_caller",
            SuggestedType::Mixed => "mixed",
            SuggestedType::Undetermined => "undetermined",
        }
    }
}

impl fmt::Display for SuggestedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A suggestion name that is not one of the four of [`SuggestedType::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a suggested type `repeat_victim`, `vulnerable_caller`, `mixed` or `undetermined`, found `{0}`"
)]
pub struct ParseSuggestedTypeError(pub String);

impl FromStr for SuggestedType {
    type Err = ParseSuggestedTypeError;

    /// Parses the exact interface spelling, ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        SuggestedType::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| ParseSuggestedTypeError(t.to_string()))
    }
}

/// Why a triage reference table (CSV text) was refused. Line numbers count from 1, as an
/// editor shows them, blank lines included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The text has no header line at all.
    #[error("line 1: expected the header `category,group`, found an empty table")]
    MissingHeader,
    /// The first non-blank line is not the header `category,group`.
    #[error("line {line}: expected the header `category,group`, found `{found}`")]
    BadHeader {
        /// The line holding the wrong header.
        line: usize,
        /// The line as found.
        found: String,
    },
    /// A row does not have exactly two fields.
    #[error("line {line}: expected 2 fields `category,group`, found {found} in `{text}`")]
    FieldCount {
        /// The offending line.
        line: usize,
        /// How many comma-separated fields it has.
        found: usize,
        /// The line as found.
        text: String,
    },
    /// A row's `category` field is empty.
    #[error("line {line}, field `category`: expected a category name, found an empty field")]
    EmptyCategory {
        /// The offending line.
        line: usize,
    },
    /// A row's `group` field is not a triage group.
    #[error(
        "line {line}, field `group`: expected `victimisation`, `vulnerability` or `neutral`, found `{found}`"
    )]
    UnknownGroup {
        /// The offending line.
        line: usize,
        /// The field as found.
        found: String,
    },
    /// A category is listed twice (compared as [`normalise_category`] does).
    #[error(
        "line {line}, field `category`: expected each category once, found `{category}` again (first listed on line {first_line})"
    )]
    DuplicateCategory {
        /// The line listing it again.
        line: usize,
        /// The category as written on that line.
        category: String,
        /// The line that listed it first.
        first_line: usize,
    },
    /// The text is not CSV the `csv` crate can read.
    #[error("line {line}: the row cannot be read as CSV: {reason}")]
    Unreadable {
        /// The line where reading failed.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// The form in which categories are compared: lower case, surrounding whitespace removed,
/// and every run of whitespace, `_` and `-` turned into one space.
///
/// So `CONCERN_FOR_WELFARE`, ` Concern  for welfare ` and `concern-for-welfare` all become
/// `concern for welfare`, and `Anti-Social Behaviour` becomes `anti social behaviour`.
pub fn normalise_category(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// One row of a [`TriageTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct TableEntry {
    /// The category as the table writes it.
    category: String,
    group: TriageGroup,
}

/// Incident categories mapped to triage groups: reference data a force edits.
///
/// Lookups ([`TriageTable::group_of`]) ignore case, surrounding whitespace and the
/// difference between spaces, underscores and hyphens (see [`normalise_category`]); a
/// category the table does not list is [`TriageGroup::Neutral`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TriageTable {
    /// Normalised category -> the row.
    entries: BTreeMap<String, TableEntry>,
}

impl TriageTable {
    /// An empty table: every category is neutral.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the CSV form: a header `category,group`, then one row per category, such as
    /// `Concern For Welfare,vulnerability`.
    ///
    /// Blank lines are skipped, a leading byte-order mark and `\r\n` line ends are accepted,
    /// fields are trimmed and may be wrapped in double quotes (a quoted field may hold commas).
    /// Groups are parsed as [`TriageGroup::from_str`] does. A table with a header and no rows
    /// is valid (every category is neutral).
    ///
    /// # Errors
    /// A [`TableError`] naming the line (and field) at fault: a missing or wrong header, a
    /// row without exactly two fields, an empty category, an unknown group, or a category
    /// listed twice.
    pub fn parse_csv(text: &str) -> Result<Self, TableError> {
        let unreadable = |u: reference_csv::Unreadable| TableError::Unreadable {
            line: u.line,
            reason: u.reason,
        };
        let mut records = reference_csv::records(text);
        let header = records
            .next()
            .ok_or(TableError::MissingHeader)?
            .map_err(unreadable)?;
        let header_fields: Vec<String> = header
            .fields
            .iter()
            .map(|f| f.to_ascii_lowercase())
            .collect();
        if header_fields != ["category", "group"] {
            return Err(TableError::BadHeader {
                line: header.line,
                found: header.text.trim().to_string(),
            });
        }

        let mut table = TriageTable::new();
        let mut first_lines: BTreeMap<String, usize> = BTreeMap::new();
        for record in records {
            let record = record.map_err(unreadable)?;
            let line = record.line;
            let [category, group_text] = record.fields.as_slice() else {
                return Err(TableError::FieldCount {
                    line,
                    found: record.fields.len(),
                    text: record.text.trim().to_string(),
                });
            };
            let key = normalise_category(category);
            if key.is_empty() {
                return Err(TableError::EmptyCategory { line });
            }
            let group =
                group_text
                    .parse::<TriageGroup>()
                    .map_err(|_| TableError::UnknownGroup {
                        line,
                        found: group_text.to_string(),
                    })?;
            if let Some(&first_line) = first_lines.get(&key) {
                return Err(TableError::DuplicateCategory {
                    line,
                    category: category.to_string(),
                    first_line,
                });
            }
            first_lines.insert(key.clone(), line);
            table.entries.insert(
                key,
                TableEntry {
                    category: category.to_string(),
                    group,
                },
            );
        }
        Ok(table)
    }

    /// The table shipped in `datasets/triage_groups.csv`, parsed once and shared.
    pub fn default_table() -> &'static TriageTable {
        static TABLE: OnceLock<TriageTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            TriageTable::parse_csv(DEFAULT_TABLE_CSV)
                .expect("the shipped datasets/triage_groups.csv is a valid triage table")
        })
    }

    /// The group of `category`, matched ignoring case, surrounding whitespace and repeated
    /// spaces, underscores or hyphens; [`TriageGroup::Neutral`] when the table does not list
    /// it.
    pub fn group_of(&self, category: &str) -> TriageGroup {
        self.entries
            .get(&normalise_category(category))
            .map_or(TriageGroup::Neutral, |e| e.group)
    }

    /// Whether the table lists `category` (matched as [`TriageTable::group_of`] does).
    pub fn contains(&self, category: &str) -> bool {
        self.entries.contains_key(&normalise_category(category))
    }

    /// Adds or replaces a category, returning the group it had before, if it was listed.
    /// The category keeps the spelling given here (trimmed). A category that is empty once
    /// normalised is not added, and `None` is returned.
    pub fn insert(&mut self, category: &str, group: TriageGroup) -> Option<TriageGroup> {
        let category = category.trim();
        if normalise_category(category).is_empty() {
            return None;
        }
        self.entries
            .insert(
                normalise_category(category),
                TableEntry {
                    category: category.to_string(),
                    group,
                },
            )
            .map(|e| e.group)
    }

    /// The rows, as (category as written, group), ordered by normalised category.
    pub fn iter(&self) -> impl Iterator<Item = (&str, TriageGroup)> + '_ {
        self.entries
            .values()
            .map(|e| (e.category.as_str(), e.group))
    }

    /// How many categories the table lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table lists no category at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The table in its CSV form (header, then one row per category, `\n` line ends), which
    /// [`TriageTable::parse_csv`] reads back to an equal table.
    pub fn to_csv(&self) -> String {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        // Writing to memory cannot fail, and every field is UTF-8.
        let _ = out.write_record(["category", "group"]);
        for (category, group) in self.iter() {
            let _ = out.write_record([category, group.as_str()]);
        }
        String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// The triage evidence of a set of contacts: counts per group and per category.
///
/// Build it with [`TriageEvidence::default`] and [`TriageEvidence::add`] (or
/// [`TriageEvidence::merge`]), all with the same [`TriageTable`]. Categories that differ only
/// as [`normalise_category`] ignores are counted together, under the spelling seen first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TriageEvidence {
    victimisation: u32,
    vulnerability: u32,
    neutral: u32,
    uncategorised: u32,
    /// Category as first seen (trimmed) -> contacts.
    categories: BTreeMap<String, u32>,
    /// Normalised category -> (category as first seen, its group).
    seen: BTreeMap<String, (String, TriageGroup)>,
}

impl TriageEvidence {
    /// An empty body of evidence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one contact of `category`, grouped by `table`. `None`, or a category that is
    /// empty once trimmed, counts as uncategorised (no evidence either way).
    pub fn add(&mut self, table: &TriageTable, category: Option<&str>) {
        let category = category.map(str::trim).filter(|c| !c.is_empty());
        let Some(category) = category else {
            self.uncategorised = self.uncategorised.saturating_add(1);
            return;
        };
        let key = normalise_category(category);
        let group = match self.seen.get(&key) {
            Some((text, group)) => {
                let group = *group;
                bump(&mut self.categories, text, 1);
                group
            }
            None => {
                let group = table.group_of(category);
                self.seen.insert(key, (category.to_string(), group));
                bump(&mut self.categories, category, 1);
                group
            }
        };
        self.add_to_group(group, 1);
    }

    /// Adds all of `other`'s counts to these, as if its contacts had been added after
    /// these. A category both have seen keeps this evidence's spelling and group.
    pub fn merge(&mut self, other: &TriageEvidence) {
        self.uncategorised = self.uncategorised.saturating_add(other.uncategorised);
        for (key, (text, group)) in &other.seen {
            let count = other.categories.get(text).copied().unwrap_or(0);
            let group = match self.seen.get(key) {
                Some((mine, mine_group)) => {
                    bump(&mut self.categories, mine, count);
                    *mine_group
                }
                None => {
                    self.seen.insert(key.clone(), (text.clone(), *group));
                    bump(&mut self.categories, text, count);
                    *group
                }
            };
            self.add_to_group(group, count);
        }
    }

    fn add_to_group(&mut self, group: TriageGroup, n: u32) {
        let slot = match group {
            TriageGroup::Victimisation => &mut self.victimisation,
            TriageGroup::Vulnerability => &mut self.vulnerability,
            TriageGroup::Neutral => &mut self.neutral,
        };
        *slot = slot.saturating_add(n);
    }

    /// Contacts whose category is in `group`.
    pub fn count(&self, group: TriageGroup) -> u32 {
        match group {
            TriageGroup::Victimisation => self.victimisation,
            TriageGroup::Vulnerability => self.vulnerability,
            TriageGroup::Neutral => self.neutral,
        }
    }

    /// Contacts whose category is a victimisation category.
    pub fn victimisation(&self) -> u32 {
        self.victimisation
    }

    /// Contacts whose category is a vulnerability indicator.
    pub fn vulnerability(&self) -> u32 {
        self.vulnerability
    }

    /// Contacts whose category is neutral (including categories the table does not list).
    pub fn neutral(&self) -> u32 {
        self.neutral
    }

    /// Contacts without a category.
    pub fn uncategorised(&self) -> u32 {
        self.uncategorised
    }

    /// Contacts that are evidence either way: victimisation + vulnerability.
    pub fn classified(&self) -> u32 {
        self.victimisation.saturating_add(self.vulnerability)
    }

    /// All contacts counted, uncategorised ones included.
    pub fn total(&self) -> u32 {
        self.classified()
            .saturating_add(self.neutral)
            .saturating_add(self.uncategorised)
    }

    /// Contacts per category, keyed by the category as first seen (trimmed).
    pub fn categories(&self) -> &BTreeMap<String, u32> {
        &self.categories
    }

    /// The group each category seen was counted in, keyed as [`TriageEvidence::categories`].
    pub fn category_groups(&self) -> impl Iterator<Item = (&str, TriageGroup)> + '_ {
        self.seen.values().map(|(text, g)| (text.as_str(), *g))
    }

    /// The categories of `group` with their counts, by count (highest first), then name.
    pub fn categories_in(&self, group: TriageGroup) -> Vec<(&str, u32)> {
        let mut out: Vec<(&str, u32)> = self
            .seen
            .values()
            .filter(|(_, g)| *g == group)
            .map(|(text, _)| {
                (
                    text.as_str(),
                    self.categories.get(text).copied().unwrap_or(0),
                )
            })
            .collect();
        sort_by_count_then_name(&mut out);
        out
    }

    /// The suggestion for these contacts:
    ///
    /// - classified (victimisation + vulnerability) < [`MIN_EVIDENCE`]:
    ///   [`SuggestedType::Undetermined`];
    /// - victimisation ≥ 2/3 of classified: [`SuggestedType::RepeatVictim`];
    /// - vulnerability ≥ 2/3 of classified: [`SuggestedType::VulnerableCaller`];
    /// - otherwise [`SuggestedType::Mixed`].
    ///
    /// Neutral and uncategorised contacts do not count. The share 2/3 is
    /// [`DOMINANT_SHARE_NUMERATOR`] / [`DOMINANT_SHARE_DENOMINATOR`], compared exactly.
    pub fn suggest(&self) -> SuggestedType {
        let classified = u64::from(self.victimisation) + u64::from(self.vulnerability);
        if classified < u64::from(MIN_EVIDENCE) {
            return SuggestedType::Undetermined;
        }
        let dominant = |n: u32| {
            u64::from(n) * DOMINANT_SHARE_DENOMINATOR >= classified * DOMINANT_SHARE_NUMERATOR
        };
        if dominant(self.victimisation) {
            SuggestedType::RepeatVictim
        } else if dominant(self.vulnerability) {
            SuggestedType::VulnerableCaller
        } else {
            SuggestedType::Mixed
        }
    }

    /// The evidence for a human, for example
    /// `victimisation 7 (Assault 4, Harassment 3); vulnerability 1 (Concern For Welfare 1); neutral 2`.
    ///
    /// Every group is shown, with its total; victimisation and vulnerability list their
    /// categories by count (highest first), then name; neutral shows its total only;
    /// `; uncategorised N` is appended when some contacts had no category.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for group in TriageGroup::ALL {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(group.as_str());
            out.push(' ');
            out.push_str(&self.count(group).to_string());
            if group == TriageGroup::Neutral {
                continue;
            }
            let cats = self.categories_in(group);
            if cats.is_empty() {
                continue;
            }
            out.push_str(" (");
            for (i, (name, n)) in cats.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(name);
                out.push(' ');
                out.push_str(&n.to_string());
            }
            out.push(')');
        }
        if self.uncategorised > 0 {
            out.push_str("; uncategorised ");
            out.push_str(&self.uncategorised.to_string());
        }
        out
    }
}

/// Adds `n` to `map[key]`, inserting it when absent.
fn bump(map: &mut BTreeMap<String, u32>, key: &str, n: u32) {
    match map.get_mut(key) {
        Some(c) => *c = c.saturating_add(n),
        None => {
            map.insert(key.to_string(), n);
        }
    }
}

/// Sorts (name, count) pairs by count, highest first, then by name.
pub(crate) fn sort_by_count_then_name(pairs: &mut [(&str, u32)]) {
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_table() -> TriageTable {
        TriageTable::parse_csv(
            "category,group\n\
             Assault,victimisation\n\
             Harassment,victimisation\n\
             Concern For Welfare,vulnerability\n\
             Silent Call,vulnerability\n\
             Road Traffic Collision,neutral\n",
        )
        .unwrap()
    }

    fn evidence(table: &TriageTable, cats: &[Option<&str>]) -> TriageEvidence {
        let mut e = TriageEvidence::default();
        for c in cats {
            e.add(table, *c);
        }
        e
    }

    #[test]
    fn group_and_suggestion_strings_are_the_interface_spellings() {
        assert_eq!(TriageGroup::Victimisation.as_str(), "victimisation");
        assert_eq!(TriageGroup::Vulnerability.as_str(), "vulnerability");
        assert_eq!(TriageGroup::Neutral.as_str(), "neutral");
        assert_eq!(SuggestedType::RepeatVictim.as_str(), "repeat_victim");
        assert_eq!(
            SuggestedType::VulnerableCaller.as_str(),
            "vulnerable_caller"
        );
        assert_eq!(SuggestedType::Mixed.as_str(), "mixed");
        assert_eq!(SuggestedType::Undetermined.as_str(), "undetermined");
        assert_eq!(SuggestedType::Mixed.to_string(), "mixed");
        assert_eq!(TriageGroup::Neutral.to_string(), "neutral");
    }

    #[test]
    fn groups_and_suggestions_round_trip_through_from_str() {
        for g in TriageGroup::ALL {
            assert_eq!(g.as_str().parse::<TriageGroup>(), Ok(g));
        }
        for s in SuggestedType::ALL {
            assert_eq!(s.as_str().parse::<SuggestedType>(), Ok(s));
        }
        assert_eq!(
            " Vulnerability_Indicator ".parse::<TriageGroup>(),
            Ok(TriageGroup::Vulnerability)
        );
        assert_eq!(
            "Victimization".parse::<TriageGroup>(),
            Ok(TriageGroup::Victimisation)
        );
        assert_eq!(
            "VULNERABLE_CALLER".parse::<SuggestedType>(),
            Ok(SuggestedType::VulnerableCaller)
        );
        let err = "victim".parse::<TriageGroup>().unwrap_err();
        assert_eq!(err, ParseGroupError("victim".into()));
        assert!(err.to_string().contains("found `victim`"));
        let err = "victim".parse::<SuggestedType>().unwrap_err();
        assert!(err.to_string().contains("repeat_victim"));
    }

    #[test]
    fn normalise_category_folds_case_spaces_underscores_and_hyphens() {
        assert_eq!(
            normalise_category("CONCERN_FOR_WELFARE"),
            "concern for welfare"
        );
        assert_eq!(
            normalise_category("  Concern  for \t welfare "),
            "concern for welfare"
        );
        assert_eq!(
            normalise_category("anti-social--behaviour"),
            "anti social behaviour"
        );
        assert_eq!(normalise_category("_-Assault-_"), "assault");
        assert_eq!(normalise_category(" _ "), "");
    }

    #[test]
    fn lookups_ignore_case_spacing_and_separators() {
        let t = small_table();
        for spelling in [
            "Concern For Welfare",
            "CONCERN_FOR_WELFARE",
            "Concern for welfare",
            "  concern   for-welfare  ",
        ] {
            assert_eq!(
                t.group_of(spelling),
                TriageGroup::Vulnerability,
                "{spelling}"
            );
        }
        assert_eq!(t.group_of("assault"), TriageGroup::Victimisation);
        assert_eq!(t.group_of("Road Traffic Collision"), TriageGroup::Neutral);
        assert!(t.contains("SILENT_CALL"));
        assert!(!t.contains("Sheep Worrying"));
    }

    #[test]
    fn unknown_categories_are_neutral() {
        let t = small_table();
        assert_eq!(t.group_of("Sheep Worrying"), TriageGroup::Neutral);
        assert_eq!(t.group_of(""), TriageGroup::Neutral);
        assert_eq!(TriageTable::new().group_of("Assault"), TriageGroup::Neutral);
    }

    #[test]
    fn parse_skips_blank_lines_and_accepts_bom_crlf_and_quotes() {
        let t = TriageTable::parse_csv(
            "\u{feff}Category , Group\r\n\r\n\"Assault\",\"victimisation\"\r\n   \r\nSilent Call , VULNERABILITY\r\n",
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.group_of("assault"), TriageGroup::Victimisation);
        assert_eq!(t.group_of("silent call"), TriageGroup::Vulnerability);
        let rows: Vec<_> = t.iter().collect();
        assert_eq!(
            rows,
            vec![
                ("Assault", TriageGroup::Victimisation),
                ("Silent Call", TriageGroup::Vulnerability)
            ]
        );
    }

    #[test]
    fn a_quoted_category_may_hold_commas_and_writes_back_quoted() {
        let t = TriageTable::parse_csv(
            "category,group\n\"Theft, from vehicle\",victimisation\nAssault,victimisation\n",
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(
            t.group_of("theft, from vehicle"),
            TriageGroup::Victimisation
        );
        assert_eq!(
            t.to_csv(),
            "category,group\nAssault,victimisation\n\"Theft, from vehicle\",victimisation\n"
        );
        assert_eq!(TriageTable::parse_csv(&t.to_csv()).unwrap(), t);
    }

    #[test]
    fn header_only_table_is_empty_and_valid() {
        let t = TriageTable::parse_csv("category,group\n").unwrap();
        assert!(t.is_empty());
    }

    #[test]
    fn parse_errors_name_line_and_field() {
        assert_eq!(TriageTable::parse_csv(""), Err(TableError::MissingHeader));
        assert_eq!(
            TriageTable::parse_csv("\n  \n"),
            Err(TableError::MissingHeader)
        );

        let err = TriageTable::parse_csv("\ncategory;group\nAssault,victimisation").unwrap_err();
        assert_eq!(
            err,
            TableError::BadHeader {
                line: 2,
                found: "category;group".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "line 2: expected the header `category,group`, found `category;group`"
        );

        let err = TriageTable::parse_csv("category,group\nAssault,victimisation,x\n").unwrap_err();
        assert_eq!(
            err,
            TableError::FieldCount {
                line: 2,
                found: 3,
                text: "Assault,victimisation,x".into()
            }
        );
        assert!(err.to_string().starts_with("line 2: expected 2 fields"));

        let err = TriageTable::parse_csv("category,group\nAssault\n").unwrap_err();
        assert!(matches!(
            err,
            TableError::FieldCount {
                line: 2,
                found: 1,
                ..
            }
        ));

        let err = TriageTable::parse_csv("category,group\n\n  ,neutral\n").unwrap_err();
        assert_eq!(err, TableError::EmptyCategory { line: 3 });
        assert_eq!(
            err.to_string(),
            "line 3, field `category`: expected a category name, found an empty field"
        );

        let err = TriageTable::parse_csv("category,group\nAssault,victim\n").unwrap_err();
        assert_eq!(
            err,
            TableError::UnknownGroup {
                line: 2,
                found: "victim".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "line 2, field `group`: expected `victimisation`, `vulnerability` or `neutral`, found `victim`"
        );

        let err = TriageTable::parse_csv(
            "category,group\nSilent Call,vulnerability\nAssault,victimisation\nSILENT_CALL,neutral\n",
        )
        .unwrap_err();
        assert_eq!(
            err,
            TableError::DuplicateCategory {
                line: 4,
                category: "SILENT_CALL".into(),
                first_line: 2
            }
        );
        let msg = err.to_string();
        assert!(msg.starts_with("line 4, field `category`"), "{msg}");
        assert!(msg.contains("first listed on line 2"), "{msg}");
    }

    #[test]
    fn to_csv_round_trips() {
        let t = small_table();
        assert_eq!(TriageTable::parse_csv(&t.to_csv()).unwrap(), t);
    }

    #[test]
    fn insert_adds_and_replaces() {
        let mut t = small_table();
        assert_eq!(t.insert("Sheep Worrying", TriageGroup::Neutral), None);
        assert_eq!(
            t.insert("ASSAULT", TriageGroup::Neutral),
            Some(TriageGroup::Victimisation)
        );
        assert_eq!(t.group_of("assault"), TriageGroup::Neutral);
        assert!(t.contains("sheep worrying"));
        let len = t.len();
        assert_eq!(t.insert(" _ ", TriageGroup::Victimisation), None);
        assert_eq!(t.len(), len);
        assert_eq!(t.group_of(""), TriageGroup::Neutral);
    }

    #[test]
    fn shipped_table_parses_and_groups_the_spec_examples() {
        let t = TriageTable::default_table();
        assert!(std::ptr::eq(t, TriageTable::default_table()));
        assert!(t.len() > 50);
        for c in [
            "Assault",
            "Harassment",
            "Stalking",
            "Criminal Damage",
            "Theft",
            "Burglary Dwelling",
            "Domestic Abuse",
            "Domestic Incident",
            "Threats To Kill",
            "Hate Incident",
            "Robbery",
            "Sexual Offence",
            "Fraud",
        ] {
            assert_eq!(t.group_of(c), TriageGroup::Victimisation, "{c}");
        }
        for c in [
            "Concern For Welfare",
            "Mental Health",
            "Suicidal Person",
            "Silent Call",
            "Abandoned Call",
            "Hoax Call",
            "Nuisance Call",
            "Repeat Call No Police Action",
        ] {
            assert_eq!(t.group_of(c), TriageGroup::Vulnerability, "{c}");
        }
        for c in [
            "Road Traffic Collision",
            "Suspicious Activity",
            "Anti-Social Behaviour",
            "Lost Property",
            "Information",
            "Admin",
            "Alarm Activation",
        ] {
            assert!(t.contains(c), "{c}");
            assert_eq!(t.group_of(c), TriageGroup::Neutral, "{c}");
        }
        assert_eq!(
            t.group_of("ANTI_SOCIAL_BEHAVIOUR_PERSONAL"),
            TriageGroup::Victimisation
        );
        // Every row of the shipped table names its category in Title Case, once.
        assert_eq!(TriageTable::parse_csv(&t.to_csv()).unwrap(), *t);
    }

    #[test]
    fn evidence_counts_groups_categories_and_uncategorised() {
        let t = small_table();
        let e = evidence(
            &t,
            &[
                Some("Assault"),
                Some(" ASSAULT "),
                Some("harassment"),
                Some("Concern_For_Welfare"),
                Some("Sheep Worrying"),
                None,
                Some("   "),
            ],
        );
        assert_eq!(e.victimisation(), 3);
        assert_eq!(e.vulnerability(), 1);
        assert_eq!(e.neutral(), 1);
        assert_eq!(e.uncategorised(), 2);
        assert_eq!(e.classified(), 4);
        assert_eq!(e.total(), 7);
        assert_eq!(e.count(TriageGroup::Victimisation), 3);
        let cats: Vec<(&str, u32)> = e
            .categories()
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        // Keyed by the spelling seen first, trimmed.
        assert_eq!(
            cats,
            vec![
                ("Assault", 2),
                ("Concern_For_Welfare", 1),
                ("Sheep Worrying", 1),
                ("harassment", 1)
            ]
        );
        let groups: BTreeMap<&str, TriageGroup> = e.category_groups().collect();
        assert_eq!(groups["Sheep Worrying"], TriageGroup::Neutral);
        assert_eq!(groups["Assault"], TriageGroup::Victimisation);
    }

    #[test]
    fn thin_evidence_is_undetermined() {
        let t = small_table();
        assert_eq!(
            TriageEvidence::default().suggest(),
            SuggestedType::Undetermined
        );
        let e = evidence(
            &t,
            &[
                Some("Assault"),
                Some("Assault"),
                Some("Road Traffic Collision"),
                Some("Road Traffic Collision"),
                Some("Unknown Thing"),
                None,
                None,
            ],
        );
        // Only 2 classified contacts, however many others.
        assert_eq!(e.classified(), 2);
        assert_eq!(e.suggest(), SuggestedType::Undetermined);
    }

    #[test]
    fn suggestion_follows_the_two_thirds_rule() {
        let t = small_table();
        let a = Some("Assault");
        let w = Some("Concern For Welfare");
        assert_eq!(
            evidence(&t, &[a, a, a]).suggest(),
            SuggestedType::RepeatVictim
        );
        assert_eq!(
            evidence(&t, &[w, w, w]).suggest(),
            SuggestedType::VulnerableCaller
        );
        // Exactly 2/3 is enough.
        assert_eq!(
            evidence(&t, &[a, a, w]).suggest(),
            SuggestedType::RepeatVictim
        );
        assert_eq!(
            evidence(&t, &[w, w, a]).suggest(),
            SuggestedType::VulnerableCaller
        );
        // Just under 2/3 (5 of 8 = 0.625) is mixed.
        assert_eq!(
            evidence(&t, &[a, a, a, a, a, w, w, w]).suggest(),
            SuggestedType::Mixed
        );
        assert_eq!(evidence(&t, &[a, a, w, w]).suggest(), SuggestedType::Mixed);
        // Neutral contacts do not dilute the share.
        let n = Some("Road Traffic Collision");
        assert_eq!(
            evidence(&t, &[a, a, a, n, n, n, n, n, None]).suggest(),
            SuggestedType::RepeatVictim
        );
    }

    #[test]
    fn merge_equals_adding_everything() {
        let t = small_table();
        let first = [Some("Assault"), None, Some("Silent Call")];
        let second = [
            Some("ASSAULT"),
            Some("Harassment"),
            Some("Sheep Worrying"),
            None,
        ];
        let mut merged = evidence(&t, &first);
        merged.merge(&evidence(&t, &second));
        let all: Vec<_> = first.iter().chain(second.iter()).copied().collect();
        assert_eq!(merged, evidence(&t, &all));
        assert_eq!(merged.categories()["Assault"], 2);
        assert!(!merged.categories().contains_key("ASSAULT"));

        let mut into_empty = TriageEvidence::new();
        into_empty.merge(&merged);
        assert_eq!(into_empty, merged);
    }

    #[test]
    fn summary_lists_groups_and_categories_by_count_then_name() {
        let t = small_table();
        let mut cats = vec![Some("Assault"); 4];
        cats.extend(vec![Some("Harassment"); 3]);
        cats.push(Some("Concern For Welfare"));
        cats.push(Some("Road Traffic Collision"));
        cats.push(Some("Sheep Worrying"));
        let e = evidence(&t, &cats);
        assert_eq!(
            e.summary(),
            "victimisation 7 (Assault 4, Harassment 3); vulnerability 1 (Concern For Welfare 1); neutral 2"
        );
        assert_eq!(e.suggest(), SuggestedType::RepeatVictim);

        // Ties are broken by name; uncategorised contacts are appended.
        let e = evidence(
            &t,
            &[Some("Silent Call"), Some("Concern For Welfare"), None],
        );
        assert_eq!(
            e.summary(),
            "victimisation 0; vulnerability 2 (Concern For Welfare 1, Silent Call 1); neutral 0; uncategorised 1"
        );
        assert_eq!(
            TriageEvidence::default().summary(),
            "victimisation 0; vulnerability 0; neutral 0"
        );
    }

    #[test]
    fn categories_in_orders_by_count_then_name() {
        let t = small_table();
        let e = evidence(
            &t,
            &[
                Some("Harassment"),
                Some("Assault"),
                Some("Harassment"),
                Some("Sheep Worrying"),
            ],
        );
        assert_eq!(
            e.categories_in(TriageGroup::Victimisation),
            vec![("Harassment", 2), ("Assault", 1)]
        );
        assert_eq!(
            e.categories_in(TriageGroup::Neutral),
            vec![("Sheep Worrying", 1)]
        );
        assert!(e.categories_in(TriageGroup::Vulnerability).is_empty());
    }
}
