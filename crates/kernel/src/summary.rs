//! What Engage says about a repeat caller and about one episode, and the one description of
//! those columns that every adapter derives its output from.
//!
//! A newcomer asking "where is a caller's summary defined?" lands here:
//! - [`CallerColumn`], [`EpisodeColumn`] and [`ProfileColumn`] name each column once, with
//!   its type ([`ColumnType`]), its meaning (the text the SQL views' header comments carry,
//!   checked by a test of the DataFusion plugin) and whether it needs the caller's contacts
//!   (a second read of the table) or comes from detection alone ([`ColumnSource`]);
//! - [`ContactSummary`] gathers what the contacts say (the [`CallerProfile`] and the CSUs
//!   seen, [`CsuTally`]);
//! - [`CallerSummary`] and [`EpisodeSummary`] give each column's [`Value`].
//!
//! The DataFusion table functions (`engage_repeat_callers`, `engage_episodes`), the
//! `caller_profile` aggregate, the WASM module and the coordinator's packs (through those
//! views) all call these; none of them describes a column of its own.

use crate::episode::Episode;
use crate::profile::{CallerProfile, ContactFacts};
use crate::time::Micros;
use crate::triage::TriageTable;

/// The type of a summary column's values; adapters map it to their own types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text, may be missing.
    Text,
    /// A count (64-bit integer).
    Int,
    /// A share or ratio (64-bit float).
    Float,
    /// A UTC instant in microseconds, may be missing.
    Time,
    /// A list of counts.
    IntList,
}

/// Where a column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnSource {
    /// Detection alone: keys and times.
    Detection,
    /// The caller's contacts (line, agency, category, CSU): a second read of the table.
    Contacts,
}

/// One column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, `None` when missing.
    Text(Option<String>),
    /// A count.
    Int(i64),
    /// A share or ratio.
    Float(f64),
    /// A UTC instant in microseconds, `None` when missing.
    Time(Option<Micros>),
    /// A list of counts.
    IntList(Vec<i64>),
}

macro_rules! columns {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($column:literal, $ty:ident, $source:ident, $meaning:literal), )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every column, in output order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The column's name in SQL and JSON.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $column,)* }
            }

            /// The type of its values.
            pub fn column_type(self) -> ColumnType {
                match self { $($name::$variant => ColumnType::$ty,)* }
            }

            /// Where its values come from.
            pub fn source(self) -> ColumnSource {
                match self { $($name::$variant => ColumnSource::$source,)* }
            }

            /// What it means, as the views' documentation says it.
            pub fn meaning(self) -> &'static str {
                match self { $($name::$variant => $meaning,)* }
            }

            /// The column of that name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.name() == name)
            }
        }
    };
}

columns! {
    /// The columns of a caller's profile (the `caller_profile` aggregate's fields).
    ProfileColumn {
        /// Contacts counted.
        Contacts = ("contacts", Int, Contacts, "contacts counted"),
        /// Earliest contact.
        FirstContact = ("first_contact", Time, Contacts, "the earliest contact's time"),
        /// Latest contact.
        LastContact = ("last_contact", Time, Contacts, "the latest contact's time"),
        /// Contacts per local hour.
        ByHour = ("by_hour", IntList, Contacts, "contacts per UK local hour of day, 24 values from 00:00"),
        /// Contacts per local weekday.
        ByWeekday = ("by_weekday", IntList, Contacts, "contacts per UK local day of week, 7 values from Monday"),
        /// 999 and 112 calls.
        Calls999 = ("calls_999", Int, Contacts, "contacts on 999 or 112"),
        /// 101 calls.
        Calls101 = ("calls_101", Int, Contacts, "contacts on 101"),
        /// Calls on other lines.
        CallsOther = ("calls_other", Int, Contacts, "contacts on any other line (a partner's line such as 111)"),
        /// Night share.
        NightShare = ("night_share", Float, Contacts, "share of contacts between 22:00 and 06:00 UK local time (0.0 to 1.0)"),
        /// Top categories.
        TopCategories = ("top_categories", Text, Contacts, "top 3 categories with counts, by count then name"),
        /// Agencies seen.
        Agencies = ("agencies", Text, Contacts, "agencies seen, distinct, sorted, comma-separated"),
        /// Triage suggestion.
        SuggestedType = ("suggested_type", Text, Contacts, "repeat_victim | vulnerable_caller | mixed | undetermined"),
        /// Triage evidence.
        TriageEvidence = ("triage_evidence", Text, Contacts, "counts per triage group and category behind suggested_type"),
    }
}

columns! {
    /// The columns of `repeat_callers`: one row per caller with at least one episode.
    CallerColumn {
        /// The caller.
        CallerKey = ("caller_key", Text, Detection, "the caller (E.164 number or pseudonym)"),
        /// How many episodes.
        Episodes = ("episodes", Int, Detection, "how many episodes the caller has"),
        /// The first qualifying contact.
        FirstFlaggedAt = ("first_flagged_at", Time, Detection, "the caller's first qualifying contact (first_flagged_at of episode 1)"),
        /// The latest contact.
        LastContactAt = ("last_contact_at", Time, Contacts, "the caller's latest contact, in an episode or not"),
        /// All contacts.
        TotalContacts = ("total_contacts", Int, Contacts, "all the caller's contacts"),
        /// Per hour.
        ByHour = ("by_hour", IntList, Contacts, "contacts per UK local hour of day, 24 values from 00:00"),
        /// Per weekday.
        ByWeekday = ("by_weekday", IntList, Contacts, "contacts per UK local day of week, 7 values from Monday"),
        /// 999 and 112.
        Calls999 = ("calls_999", Int, Contacts, "contacts on 999 or 112"),
        /// 101.
        Calls101 = ("calls_101", Int, Contacts, "contacts on 101"),
        /// Other lines.
        CallsOther = ("calls_other", Int, Contacts, "contacts on any other line (a partner's line such as 111)"),
        /// Night share.
        NightShare = ("night_share", Float, Contacts, "share of contacts between 22:00 and 06:00 UK local time (0.0 to 1.0)"),
        /// Top categories.
        TopCategories = ("top_categories", Text, Contacts, "top 3 categories with counts, by count then name"),
        /// Agencies.
        Agencies = ("agencies", Text, Contacts, "agencies seen, distinct, sorted, comma-separated"),
        /// Triage suggestion.
        SuggestedType = ("suggested_type", Text, Contacts, "repeat_victim | vulnerable_caller | mixed | undetermined"),
        /// Triage evidence.
        TriageEvidence = ("triage_evidence", Text, Contacts, "counts per triage group and category behind suggested_type"),
        /// CSU.
        Csu = ("csu", Text, Contacts, "most frequent non-null csu of the caller's contacts (ties: first by name); NULL when none has one"),
    }
}

columns! {
    /// The columns of `episodes`: one row per episode.
    EpisodeColumn {
        /// The caller.
        CallerKey = ("caller_key", Text, Detection, "the caller (E.164 number or pseudonym)"),
        /// Episode number.
        EpisodeNo = ("episode_no", Int, Detection, "1, 2, ... per caller in time order"),
        /// Start.
        EpisodeStart = ("episode_start", Time, Detection, "earliest contact time of any qualifying window in the episode"),
        /// End.
        EpisodeEnd = ("episode_end", Time, Detection, "latest qualifying contact time in the episode"),
        /// First qualifying contact.
        FirstFlaggedAt = ("first_flagged_at", Time, Detection, "time of the episode's first qualifying contact (when the caller would have been identified)"),
        /// Contacts in the episode.
        Contacts = ("contacts", Int, Detection, "the caller's contacts with episode_start <= received_at <= episode_end"),
        /// Peak under the first rule.
        PeakCount = ("peak_count", Int, Detection, "highest rolling count, under the FIRST rule of the set, of any contact of the episode that qualifies under any rule"),
        /// Peaks per rule.
        PeakCounts = ("peak_counts", IntList, Detection, "the same per rule, in the rule set's order (list of bigint)"),
        /// 999 and 112.
        Calls999 = ("calls_999", Int, Contacts, "contacts in the episode on 999 or 112"),
        /// 101.
        Calls101 = ("calls_101", Int, Contacts, "contacts in the episode on 101"),
        /// Agencies.
        Agencies = ("agencies", Text, Contacts, "agencies seen in the episode, distinct, sorted, comma-separated"),
        /// Top categories.
        Categories = ("categories", Text, Contacts, "the episode's top 3 categories with counts, by count then name"),
        /// Triage suggestion.
        SuggestedType = ("suggested_type", Text, Contacts, "repeat_victim | vulnerable_caller | mixed | undetermined"),
        /// Triage evidence.
        TriageEvidence = ("triage_evidence", Text, Contacts, "counts per triage group and category behind suggested_type"),
        /// CSU.
        Csu = ("csu", Text, Contacts, "most frequent non-null csu of the episode's contacts (ties: first by name); NULL when none has one"),
    }
}

/// The CSUs of a caller's (or an episode's) contacts, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsuTally {
    counts: Vec<(String, u32)>,
}

impl CsuTally {
    /// Counts one contact's CSU.
    pub fn add(&mut self, csu: &str) {
        self.add_n(csu, 1);
    }

    fn add_n(&mut self, csu: &str, n: u32) {
        match self.counts.iter_mut().find(|(c, _)| c == csu) {
            Some((_, m)) => *m = m.saturating_add(n),
            None => self.counts.push((csu.to_string(), n)),
        }
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: &CsuTally) {
        for (csu, n) in &other.counts {
            self.add_n(csu, *n);
        }
    }

    /// The most frequent CSU; ties go to the first by name; `None` when none was counted.
    pub fn most_frequent(&self) -> Option<&str> {
        self.counts
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(c, _)| c.as_str())
    }
}

/// What a caller's (or an episode's) contacts say: their profile and their CSUs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactSummary {
    /// When, on which lines, to which agencies, about what.
    pub profile: CallerProfile,
    /// The CSUs of the contacts' locations.
    pub csus: CsuTally,
}

impl ContactSummary {
    /// Adds one contact, grouping its category with `table`.
    pub fn add(&mut self, table: &TriageTable, facts: ContactFacts<'_>, csu: Option<&str>) {
        self.profile.add(table, facts);
        if let Some(csu) = csu {
            self.csus.add(csu);
        }
    }

    /// Adds another summary's contacts.
    pub fn merge(&mut self, other: &ContactSummary) {
        self.profile.merge(&other.profile);
        self.csus.merge(&other.csus);
    }
}

impl CallerProfile {
    /// The value of one profile column.
    pub fn value(&self, column: ProfileColumn) -> Value {
        let count = |n: u32| Value::Int(i64::from(n));
        let text = |s: String| Value::Text(Some(s));
        match column {
            ProfileColumn::Contacts => count(self.contacts),
            ProfileColumn::FirstContact => Value::Time(self.first_contact),
            ProfileColumn::LastContact => Value::Time(self.last_contact),
            ProfileColumn::ByHour => Value::IntList(self.by_hour().map(i64::from).to_vec()),
            ProfileColumn::ByWeekday => Value::IntList(self.by_weekday().map(i64::from).to_vec()),
            ProfileColumn::Calls999 => count(self.by_line.emergency_999),
            ProfileColumn::Calls101 => count(self.by_line.non_emergency_101),
            ProfileColumn::CallsOther => count(self.by_line.other_line),
            ProfileColumn::NightShare => Value::Float(self.night_share()),
            ProfileColumn::TopCategories => text(self.top_categories_text()),
            ProfileColumn::Agencies => text(self.by_agency.names_seen().join(",")),
            ProfileColumn::SuggestedType => text(self.suggested_type().as_str().to_string()),
            ProfileColumn::TriageEvidence => text(self.triage.summary()),
        }
    }

    /// The top 3 categories with counts, by count then name: `Silent Call 4, Theft 1`.
    pub fn top_categories_text(&self) -> String {
        let top: Vec<String> = self
            .top_categories(3)
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        top.join(", ")
    }
}

/// A repeat caller: their episodes (in time order, at least one) and, when read, what all
/// their contacts say.
#[derive(Debug, Clone, Copy)]
pub struct CallerSummary<'a, K = u32> {
    /// The caller's key as text.
    pub caller_key: &'a str,
    /// The caller's episodes, in time order.
    pub episodes: &'a [Episode<K>],
    /// All the caller's contacts, summarised; `None` when only detection columns are asked.
    pub contacts: Option<&'a ContactSummary>,
}

/// Why a column has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("column {column} needs the caller's contacts, which were not read")]
pub struct ContactsNotRead {
    /// The column asked for.
    pub column: &'static str,
}

impl<K> CallerSummary<'_, K> {
    /// The value of one column.
    pub fn value(&self, column: CallerColumn) -> Result<Value, ContactsNotRead> {
        use CallerColumn as C;
        let profile_column = match column {
            C::CallerKey => return Ok(Value::Text(Some(self.caller_key.to_string()))),
            C::Episodes => return Ok(Value::Int(self.episodes.len() as i64)),
            C::FirstFlaggedAt => {
                return Ok(Value::Time(
                    self.episodes.iter().map(|e| e.first_flagged_at).min(),
                ));
            }
            C::Csu => {
                let contacts = self.contacts_for(column)?;
                return Ok(Value::Text(
                    contacts.csus.most_frequent().map(str::to_string),
                ));
            }
            C::LastContactAt => ProfileColumn::LastContact,
            C::TotalContacts => ProfileColumn::Contacts,
            C::ByHour => ProfileColumn::ByHour,
            C::ByWeekday => ProfileColumn::ByWeekday,
            C::Calls999 => ProfileColumn::Calls999,
            C::Calls101 => ProfileColumn::Calls101,
            C::CallsOther => ProfileColumn::CallsOther,
            C::NightShare => ProfileColumn::NightShare,
            C::TopCategories => ProfileColumn::TopCategories,
            C::Agencies => ProfileColumn::Agencies,
            C::SuggestedType => ProfileColumn::SuggestedType,
            C::TriageEvidence => ProfileColumn::TriageEvidence,
        };
        Ok(self.contacts_for(column)?.profile.value(profile_column))
    }

    fn contacts_for(&self, column: CallerColumn) -> Result<&ContactSummary, ContactsNotRead> {
        self.contacts.ok_or(ContactsNotRead {
            column: column.name(),
        })
    }
}

/// One episode of a caller and, when read, what its contacts say.
#[derive(Debug, Clone, Copy)]
pub struct EpisodeSummary<'a, K = u32> {
    /// The caller's key as text.
    pub caller_key: &'a str,
    /// The episode's number within the caller's episodes (1, 2, ... in time order).
    pub episode_no: u32,
    /// The episode.
    pub episode: &'a Episode<K>,
    /// The episode's contacts summarised; `None` when only detection columns are asked.
    pub contacts: Option<&'a ContactSummary>,
}

impl<K> EpisodeSummary<'_, K> {
    /// The value of one column.
    pub fn value(&self, column: EpisodeColumn) -> Result<Value, ContactsNotRead> {
        use EpisodeColumn as E;
        let e = self.episode;
        let peaks = e.peak_counts.as_slice();
        let profile_column = match column {
            E::CallerKey => return Ok(Value::Text(Some(self.caller_key.to_string()))),
            E::EpisodeNo => return Ok(Value::Int(i64::from(self.episode_no))),
            E::EpisodeStart => return Ok(Value::Time(Some(e.start))),
            E::EpisodeEnd => return Ok(Value::Time(Some(e.end))),
            E::FirstFlaggedAt => return Ok(Value::Time(Some(e.first_flagged_at))),
            E::Contacts => return Ok(Value::Int(i64::from(e.contacts))),
            E::PeakCount => {
                return Ok(Value::Int(peaks.first().copied().map_or(0, i64::from)));
            }
            E::PeakCounts => {
                return Ok(Value::IntList(
                    peaks.iter().map(|&c| i64::from(c)).collect(),
                ));
            }
            E::Csu => {
                let contacts = self.contacts_for(column)?;
                return Ok(Value::Text(
                    contacts.csus.most_frequent().map(str::to_string),
                ));
            }
            E::Calls999 => ProfileColumn::Calls999,
            E::Calls101 => ProfileColumn::Calls101,
            E::Agencies => ProfileColumn::Agencies,
            E::Categories => ProfileColumn::TopCategories,
            E::SuggestedType => ProfileColumn::SuggestedType,
            E::TriageEvidence => ProfileColumn::TriageEvidence,
        };
        Ok(self.contacts_for(column)?.profile.value(profile_column))
    }

    fn contacts_for(&self, column: EpisodeColumn) -> Result<&ContactSummary, ContactsNotRead> {
        self.contacts.ok_or(ContactsNotRead {
            column: column.name(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::PerRule;

    fn utc(s: &str) -> Micros {
        s.parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn names_are_unique_and_found_again() {
        fn check<C: Copy + PartialEq + std::fmt::Debug>(
            all: &[C],
            name: fn(C) -> &'static str,
            from: fn(&str) -> Option<C>,
        ) {
            let mut names: Vec<&str> = all.iter().map(|&c| name(c)).collect();
            for &c in all {
                assert_eq!(from(name(c)), Some(c));
            }
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), all.len());
        }
        check(
            CallerColumn::ALL,
            CallerColumn::name,
            CallerColumn::from_name,
        );
        check(
            EpisodeColumn::ALL,
            EpisodeColumn::name,
            EpisodeColumn::from_name,
        );
        check(
            ProfileColumn::ALL,
            ProfileColumn::name,
            ProfileColumn::from_name,
        );
        assert_eq!(CallerColumn::from_name("no_such_column"), None);
    }

    #[test]
    fn detection_columns_need_no_contacts() {
        let mut peak_counts = PerRule::zeros(2);
        peak_counts.as_mut_slice().copy_from_slice(&[10, 4]);
        let episodes = [Episode {
            key: 0u32,
            start: utc("2025-03-01T12:00:00Z"),
            end: utc("2025-03-01T13:00:00Z"),
            first_flagged_at: utc("2025-03-01T13:00:00Z"),
            contacts: 10,
            peak_counts,
        }];
        let caller = CallerSummary {
            caller_key: "+447700900123",
            episodes: &episodes,
            contacts: None,
        };
        for &column in CallerColumn::ALL {
            let value = caller.value(column);
            match column.source() {
                ColumnSource::Detection => assert!(value.is_ok(), "{column:?}"),
                ColumnSource::Contacts => assert_eq!(
                    value,
                    Err(ContactsNotRead {
                        column: column.name()
                    })
                ),
            }
        }
        assert_eq!(
            caller.value(CallerColumn::FirstFlaggedAt),
            Ok(Value::Time(Some(utc("2025-03-01T13:00:00Z"))))
        );
        let episode = EpisodeSummary {
            caller_key: "+447700900123",
            episode_no: 2,
            episode: &episodes[0],
            contacts: None,
        };
        assert_eq!(episode.value(EpisodeColumn::EpisodeNo), Ok(Value::Int(2)));
        assert_eq!(episode.value(EpisodeColumn::PeakCount), Ok(Value::Int(10)));
        assert_eq!(
            episode.value(EpisodeColumn::PeakCounts),
            Ok(Value::IntList(vec![10, 4]))
        );
        assert!(episode.value(EpisodeColumn::Calls999).is_err());
    }

    #[test]
    fn csu_is_the_most_frequent_with_ties_to_the_first_by_name() {
        let mut tally = CsuTally::default();
        assert_eq!(tally.most_frequent(), None);
        tally.add("Swale CSU");
        tally.add("Ashford CSU");
        assert_eq!(tally.most_frequent(), Some("Ashford CSU"));
        let mut other = CsuTally::default();
        other.add("Swale CSU");
        tally.merge(&other);
        assert_eq!(tally.most_frequent(), Some("Swale CSU"));
    }

    #[test]
    fn caller_columns_come_from_the_profile() {
        let table = TriageTable::default_table();
        let mut contacts = ContactSummary::default();
        for (t, line, csu) in [
            ("2025-03-03T23:30:00Z", "999", Some("Maidstone CSU")),
            ("2025-03-04T10:00:00Z", "101", None),
            ("2025-03-04T11:00:00Z", "111", Some("Maidstone CSU")),
        ] {
            let facts = ContactFacts {
                received_at: utc(t),
                line,
                agency: if line == "111" { "ambulance" } else { "police" },
                category: None,
            };
            contacts.add(table, facts, csu);
        }
        let episodes: [Episode; 0] = [];
        let caller = CallerSummary {
            caller_key: "k",
            episodes: &episodes,
            contacts: Some(&contacts),
        };
        assert_eq!(caller.value(CallerColumn::TotalContacts), Ok(Value::Int(3)));
        assert_eq!(caller.value(CallerColumn::Calls999), Ok(Value::Int(1)));
        assert_eq!(caller.value(CallerColumn::CallsOther), Ok(Value::Int(1)));
        assert_eq!(
            caller.value(CallerColumn::Agencies),
            Ok(Value::Text(Some("ambulance,police".into())))
        );
        assert_eq!(
            caller.value(CallerColumn::Csu),
            Ok(Value::Text(Some("Maidstone CSU".into())))
        );
        assert_eq!(
            caller.value(CallerColumn::LastContactAt),
            Ok(Value::Time(Some(utc("2025-03-04T11:00:00Z"))))
        );
        assert_eq!(
            caller.value(CallerColumn::FirstFlaggedAt),
            Ok(Value::Time(None))
        );
    }
}
