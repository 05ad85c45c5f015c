//! A caller's profile: when they call, on which lines, to which agencies, about what.
//!
//! The `repeat_callers` and `caller_profiles` views show, for each caller, their contacts by
//! hour of day and day of week in UK local time, their 999/101 mix, agencies, top categories
//! and the triage evidence. A [`CallerProfile`] accumulates all of these from one contact at a
//! time ([`CallerProfile::add`]) and combines with another profile ([`CallerProfile::merge`]),
//! so an adapter can build it row by row or in parallel partitions and get the same answer.
//!
//! Decisions:
//! - Hours and weekdays are UK local time (Europe/London, British Summer Time applied), from
//!   [`crate::time::london_hour_and_weekday`]. An instant outside chrono's range (never a real
//!   call) is counted everywhere except the hour/weekday grid.
//! - Lines: `999` and `112` (which reaches the same emergency service in the UK) count as
//!   emergency, `101` as non-emergency, anything else (a partner's line such as `111`) as
//!   other. A partner's `999` line counts as emergency too. Lines are trimmed before
//!   comparing.
//! - Agencies: `police`, `fire`, `ambulance` (ignoring case and surrounding whitespace), and
//!   anything else as other.
//! - Night is 22:00 to 06:00 UK local time ([`NIGHT_START_HOUR`], [`NIGHT_END_HOUR`]).

use crate::time::{Micros, london_hour_and_weekday};
use crate::triage::{TriageEvidence, TriageTable, sort_by_count_then_name};

/// First local hour (inclusive) counted as night by [`CallerProfile::night_share`].
pub const NIGHT_START_HOUR: u8 = 22;

/// First local hour after the night (exclusive end of night), see [`NIGHT_START_HOUR`].
pub const NIGHT_END_HOUR: u8 = 6;

/// Whether a local hour (0..=23) is in the night, 22:00 to 06:00.
pub fn is_night_hour(hour: u8) -> bool {
    !(NIGHT_END_HOUR..NIGHT_START_HOUR).contains(&hour)
}

/// The facts of one contact that a profile needs, borrowed from the adapter's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactFacts<'a> {
    /// When the call arrived (UTC microseconds).
    pub received_at: Micros,
    /// The line called: `999`, `101`, or a partner's line.
    pub line: &'a str,
    /// The agency: `police`, `fire` or `ambulance`.
    pub agency: &'a str,
    /// The incident category, if the contact has one.
    pub category: Option<&'a str>,
}

/// The kind of line a contact came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// `999`, or `112` (which reaches the same emergency services in the UK).
    Emergency,
    /// `101`, the police non-emergency number.
    NonEmergency,
    /// Any other line (a partner agency's line such as `111`).
    Other,
}

impl LineKind {
    /// The kind of `line` (trimmed before comparing).
    pub fn of(line: &str) -> LineKind {
        match line.trim() {
            "999" | "112" => LineKind::Emergency,
            "101" => LineKind::NonEmergency,
            _ => LineKind::Other,
        }
    }

    /// `999`, `101` or `other`: the name SQL's `line_kind` answers.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Emergency => "999",
            LineKind::NonEmergency => "101",
            LineKind::Other => "other",
        }
    }
}

/// Contacts per kind of line: the 999/101 mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineCounts {
    /// Contacts on `999` (or `112`).
    pub emergency_999: u32,
    /// Contacts on `101`.
    pub non_emergency_101: u32,
    /// Contacts on any other line (a partner agency's line).
    pub other_line: u32,
}

impl LineCounts {
    /// Counts one contact on `line` (trimmed; `999` and `112` are emergency, `101`
    /// non-emergency, anything else other).
    pub fn record(&mut self, line: &str) {
        let slot = match LineKind::of(line) {
            LineKind::Emergency => &mut self.emergency_999,
            LineKind::NonEmergency => &mut self.non_emergency_101,
            LineKind::Other => &mut self.other_line,
        };
        *slot = slot.saturating_add(1);
    }

    /// Adds another set of counts to these.
    pub fn merge(&mut self, other: &LineCounts) {
        self.emergency_999 = self.emergency_999.saturating_add(other.emergency_999);
        self.non_emergency_101 = self
            .non_emergency_101
            .saturating_add(other.non_emergency_101);
        self.other_line = self.other_line.saturating_add(other.other_line);
    }

    /// All contacts counted.
    pub fn total(&self) -> u32 {
        self.emergency_999
            .saturating_add(self.non_emergency_101)
            .saturating_add(self.other_line)
    }
}

/// Contacts per agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgencyCounts {
    /// Contacts to the police.
    pub police: u32,
    /// Contacts to fire and rescue.
    pub fire: u32,
    /// Contacts to the ambulance service.
    pub ambulance: u32,
    /// Contacts to any other agency.
    pub other: u32,
}

impl AgencyCounts {
    /// Counts one contact to `agency` (`police`, `fire` or `ambulance`, ignoring case and
    /// surrounding whitespace; anything else is other).
    pub fn record(&mut self, agency: &str) {
        let a = agency.trim();
        let slot = if a.eq_ignore_ascii_case("police") {
            &mut self.police
        } else if a.eq_ignore_ascii_case("fire") {
            &mut self.fire
        } else if a.eq_ignore_ascii_case("ambulance") {
            &mut self.ambulance
        } else {
            &mut self.other
        };
        *slot = slot.saturating_add(1);
    }

    /// Adds another set of counts to these.
    pub fn merge(&mut self, other: &AgencyCounts) {
        self.police = self.police.saturating_add(other.police);
        self.fire = self.fire.saturating_add(other.fire);
        self.ambulance = self.ambulance.saturating_add(other.ambulance);
        self.other = self.other.saturating_add(other.other);
    }

    /// The agencies with at least one contact, by name: `ambulance`, `fire`, `other`, `police`.
    pub fn names_seen(&self) -> Vec<&'static str> {
        [
            ("ambulance", self.ambulance),
            ("fire", self.fire),
            ("other", self.other),
            ("police", self.police),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, _)| name)
        .collect()
    }

    /// How many of police, fire and ambulance (and other, counted as one) have at least one
    /// contact: more than one means a multi-agency caller.
    pub fn agencies_seen(&self) -> u32 {
        [self.police, self.fire, self.ambulance, self.other]
            .iter()
            .filter(|&&n| n > 0)
            .count() as u32
    }
}

/// One caller's (or one episode's) contacts, profiled.
///
/// Start from [`CallerProfile::default`] and [`CallerProfile::add`] each contact, in any
/// order; [`CallerProfile::merge`] gives the same profile as adding both sets of contacts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerProfile {
    /// Contacts counted.
    pub contacts: u32,
    /// The earliest contact's arrival, `None` when there are no contacts.
    pub first_contact: Option<Micros>,
    /// The latest contact's arrival, `None` when there are no contacts.
    pub last_contact: Option<Micros>,
    /// Contacts by UK local day of week (0 = Monday .. 6 = Sunday), then hour (0..=23).
    pub by_hour_weekday: [[u32; 24]; 7],
    /// Contacts by line: the 999/101 mix.
    pub by_line: LineCounts,
    /// Contacts by agency.
    pub by_agency: AgencyCounts,
    /// The triage evidence: contacts per group and per category.
    pub triage: TriageEvidence,
}

impl CallerProfile {
    /// Adds one contact, grouping its category with `table`.
    pub fn add(&mut self, table: &TriageTable, contact: ContactFacts<'_>) {
        let t = contact.received_at;
        self.contacts = self.contacts.saturating_add(1);
        self.first_contact = Some(self.first_contact.map_or(t, |f| f.min(t)));
        self.last_contact = Some(self.last_contact.map_or(t, |l| l.max(t)));
        if let Some((hour, weekday)) = london_hour_and_weekday(t) {
            let cell = &mut self.by_hour_weekday[usize::from(weekday)][usize::from(hour)];
            *cell = cell.saturating_add(1);
        }
        self.by_line.record(contact.line);
        self.by_agency.record(contact.agency);
        self.triage.add(table, contact.category);
    }

    /// Adds all of `other`'s contacts to this profile, giving the same profile as adding
    /// every contact of both (categories both have seen keep this profile's spelling).
    pub fn merge(&mut self, other: &CallerProfile) {
        self.contacts = self.contacts.saturating_add(other.contacts);
        self.first_contact = match (self.first_contact, other.first_contact) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_contact = match (self.last_contact, other.last_contact) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (mine, theirs) in self
            .by_hour_weekday
            .iter_mut()
            .flatten()
            .zip(other.by_hour_weekday.iter().flatten())
        {
            *mine = mine.saturating_add(*theirs);
        }
        self.by_line.merge(&other.by_line);
        self.by_agency.merge(&other.by_agency);
        self.triage.merge(&other.triage);
    }

    /// Contacts per UK local hour of day (0..=23), all weekdays summed.
    pub fn by_hour(&self) -> [u32; 24] {
        let mut out = [0u32; 24];
        for day in &self.by_hour_weekday {
            for (o, n) in out.iter_mut().zip(day) {
                *o = o.saturating_add(*n);
            }
        }
        out
    }

    /// Contacts per UK local day of week (0 = Monday .. 6 = Sunday), all hours summed.
    pub fn by_weekday(&self) -> [u32; 7] {
        let mut out = [0u32; 7];
        for (o, day) in out.iter_mut().zip(&self.by_hour_weekday) {
            *o = day.iter().fold(0u32, |a, n| a.saturating_add(*n));
        }
        out
    }

    /// The hour/weekday grid flattened weekday-major: index `weekday * 24 + hour`, so
    /// Monday 00:00 is 0 and Sunday 23:00 is 167. For columnar (list) output.
    pub fn hour_weekday_flat(&self) -> [u32; 168] {
        let mut out = [0u32; 168];
        for (o, n) in out.iter_mut().zip(self.by_hour_weekday.iter().flatten()) {
            *o = *n;
        }
        out
    }

    /// Contacts between 22:00 and 06:00 UK local time.
    pub fn night_contacts(&self) -> u32 {
        self.by_hour()
            .iter()
            .enumerate()
            .filter(|(h, _)| is_night_hour(*h as u8))
            .fold(0u32, |a, (_, n)| a.saturating_add(*n))
    }

    /// The share (0.0..=1.0) of contacts made between 22:00 and 06:00 UK local time, out of
    /// the contacts placed on the hour/weekday grid; 0.0 when there are none.
    pub fn night_share(&self) -> f64 {
        let placed: u64 = self
            .by_hour_weekday
            .iter()
            .flatten()
            .map(|n| u64::from(*n))
            .sum();
        if placed == 0 {
            0.0
        } else {
            f64::from(self.night_contacts()) / placed as f64
        }
    }

    /// The `n` most frequent categories with their counts, by count (highest first), then
    /// name; each category under the spelling first seen. Uncategorised contacts are not
    /// listed.
    pub fn top_categories(&self, n: usize) -> Vec<(&str, u32)> {
        let mut out: Vec<(&str, u32)> = self
            .triage
            .categories()
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        sort_by_count_then_name(&mut out);
        out.truncate(n);
        out
    }

    /// The triage suggestion for these contacts (see [`TriageEvidence::suggest`]).
    pub fn suggested_type(&self) -> crate::triage::SuggestedType {
        self.triage.suggest()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR;
    use crate::triage::{SuggestedType, TriageGroup};

    fn utc(s: &str) -> Micros {
        s.parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp_micros()
    }

    fn table() -> TriageTable {
        TriageTable::parse_csv(
            "category,group\nAssault,victimisation\nHarassment,victimisation\n\
             Concern For Welfare,vulnerability\nSilent Call,vulnerability\n",
        )
        .unwrap()
    }

    fn facts<'a>(t: &str, line: &'a str, category: Option<&'a str>) -> ContactFacts<'a> {
        ContactFacts {
            received_at: utc(t),
            line,
            agency: "police",
            category,
        }
    }

    fn profile(contacts: &[ContactFacts<'_>]) -> CallerProfile {
        let t = table();
        let mut p = CallerProfile::default();
        for c in contacts {
            p.add(&t, *c);
        }
        p
    }

    #[test]
    fn empty_profile() {
        let p = CallerProfile::default();
        assert_eq!(p.contacts, 0);
        assert_eq!(p.first_contact, None);
        assert_eq!(p.last_contact, None);
        assert_eq!(p.night_share(), 0.0);
        assert_eq!(p.by_hour(), [0; 24]);
        assert_eq!(p.by_weekday(), [0; 7]);
        assert!(p.top_categories(5).is_empty());
        assert_eq!(p.suggested_type(), SuggestedType::Undetermined);
    }

    #[test]
    fn summer_time_moves_the_hour_and_the_day() {
        // 2024-07-01 is a Monday: 23:30 UTC is 00:30 BST on Tuesday.
        let p = profile(&[facts("2024-07-01T23:30:00Z", "999", None)]);
        assert_eq!(p.by_hour_weekday[1][0], 1);
        assert_eq!(p.by_hour()[0], 1);
        assert_eq!(p.by_weekday()[1], 1);
        assert_eq!(p.hour_weekday_flat()[24], 1);
        assert_eq!(p.hour_weekday_flat().iter().sum::<u32>(), 1);
    }

    #[test]
    fn winter_time_is_utc() {
        // 2024-01-01 is a Monday: 23:30 UTC is 23:30 GMT on Monday.
        let p = profile(&[facts("2024-01-01T23:30:00Z", "999", None)]);
        assert_eq!(p.by_hour_weekday[0][23], 1);
        assert_eq!(p.by_hour()[23], 1);
        assert_eq!(p.by_weekday()[0], 1);
        assert_eq!(p.hour_weekday_flat()[23], 1);
    }

    #[test]
    fn clocks_going_forward_skip_an_hour() {
        // Sunday 31 March 2024: 00:30 UTC is 00:30 GMT; 01:30 UTC is 02:30 BST.
        let p = profile(&[
            facts("2024-03-31T00:30:00Z", "101", None),
            facts("2024-03-31T01:30:00Z", "101", None),
        ]);
        assert_eq!(p.by_hour_weekday[6][0], 1);
        assert_eq!(p.by_hour_weekday[6][1], 0);
        assert_eq!(p.by_hour_weekday[6][2], 1);
        // Sunday 27 October 2024: 00:30 UTC is 01:30 BST and 01:30 UTC is 01:30 GMT.
        let p = profile(&[
            facts("2024-10-27T00:30:00Z", "101", None),
            facts("2024-10-27T01:30:00Z", "101", None),
        ]);
        assert_eq!(p.by_hour_weekday[6][1], 2);
        assert_eq!(p.hour_weekday_flat()[6 * 24 + 1], 2);
    }

    #[test]
    fn first_and_last_contact_ignore_arrival_order() {
        let p = profile(&[
            facts("2024-05-02T10:00:00Z", "101", None),
            facts("2024-05-01T10:00:00Z", "101", None),
            facts("2024-05-03T10:00:00Z", "101", None),
        ]);
        assert_eq!(p.contacts, 3);
        assert_eq!(p.first_contact, Some(utc("2024-05-01T10:00:00Z")));
        assert_eq!(p.last_contact, Some(utc("2024-05-03T10:00:00Z")));
    }

    #[test]
    fn line_mix_counts_999_101_and_others() {
        let p = profile(&[
            facts("2024-05-01T10:00:00Z", "999", None),
            facts("2024-05-01T11:00:00Z", " 999 ", None),
            facts("2024-05-01T12:00:00Z", "112", None),
            facts("2024-05-01T13:00:00Z", "101", None),
            facts("2024-05-01T14:00:00Z", "111", None),
            facts("2024-05-01T15:00:00Z", "", None),
        ]);
        assert_eq!(
            p.by_line,
            LineCounts {
                emergency_999: 3,
                non_emergency_101: 1,
                other_line: 2
            }
        );
        assert_eq!(p.by_line.total(), p.contacts);
    }

    #[test]
    fn agencies_are_counted_ignoring_case() {
        let t = table();
        let mut p = CallerProfile::default();
        for agency in ["police", "Police", " FIRE ", "ambulance", "coastguard"] {
            p.add(
                &t,
                ContactFacts {
                    received_at: 0,
                    line: "999",
                    agency,
                    category: None,
                },
            );
        }
        assert_eq!(
            p.by_agency,
            AgencyCounts {
                police: 2,
                fire: 1,
                ambulance: 1,
                other: 1
            }
        );
        assert_eq!(p.by_agency.agencies_seen(), 4);
        assert_eq!(AgencyCounts::default().agencies_seen(), 0);
    }

    #[test]
    fn night_share_counts_22_to_06_local() {
        assert!(is_night_hour(22) && is_night_hour(23) && is_night_hour(0) && is_night_hour(5));
        assert!(!is_night_hour(6) && !is_night_hour(21) && !is_night_hour(12));
        // Winter (GMT = UTC): 22:00, 05:59 are night; 06:00, 21:59 are not.
        let p = profile(&[
            facts("2024-01-10T22:00:00Z", "999", None),
            facts("2024-01-11T05:59:59Z", "999", None),
            facts("2024-01-11T06:00:00Z", "999", None),
            facts("2024-01-11T21:59:59Z", "999", None),
        ]);
        assert_eq!(p.night_contacts(), 2);
        assert_eq!(p.night_share(), 0.5);
        // Summer: 21:30 UTC is 22:30 BST (night); 05:30 UTC is 06:30 BST (day).
        let p = profile(&[
            facts("2024-07-10T21:30:00Z", "999", None),
            facts("2024-07-11T05:30:00Z", "999", None),
        ]);
        assert_eq!(p.night_contacts(), 1);
        assert_eq!(p.night_share(), 0.5);
    }

    #[test]
    fn hour_and_weekday_sums_agree_with_the_grid() {
        let mut contacts = Vec::new();
        let start = utc("2024-03-25T00:00:00Z");
        let mut p = CallerProfile::default();
        let t = table();
        for i in 0..500 {
            let c = ContactFacts {
                received_at: start + i * 7 * HOUR + i * 1_234_567,
                line: if i % 3 == 0 { "999" } else { "101" },
                agency: "police",
                category: None,
            };
            contacts.push(c);
            p.add(&t, c);
        }
        assert_eq!(p.by_hour().iter().sum::<u32>(), 500);
        assert_eq!(p.by_weekday().iter().sum::<u32>(), 500);
        let flat = p.hour_weekday_flat();
        for d in 0..7 {
            for h in 0..24 {
                assert_eq!(flat[d * 24 + h], p.by_hour_weekday[d][h]);
            }
        }
        for c in &contacts {
            let (h, d) = london_hour_and_weekday(c.received_at).unwrap();
            assert!(p.by_hour_weekday[usize::from(d)][usize::from(h)] > 0);
        }
    }

    #[test]
    fn top_categories_by_count_then_name() {
        let p = profile(&[
            facts("2024-05-01T10:00:00Z", "999", Some("Harassment")),
            facts("2024-05-01T11:00:00Z", "999", Some("Assault")),
            facts("2024-05-01T12:00:00Z", "999", Some("HARASSMENT")),
            facts("2024-05-01T13:00:00Z", "101", Some("Silent Call")),
            facts("2024-05-01T14:00:00Z", "101", Some("Lost Property")),
            facts("2024-05-01T15:00:00Z", "101", None),
        ]);
        assert_eq!(
            p.top_categories(3),
            vec![("Harassment", 2), ("Assault", 1), ("Lost Property", 1)]
        );
        assert_eq!(p.top_categories(10).len(), 4);
        assert!(p.top_categories(0).is_empty());
        assert_eq!(p.triage.count(TriageGroup::Victimisation), 3);
        assert_eq!(p.triage.uncategorised(), 1);
        // 3 of 4 classified contacts are victimisation.
        assert_eq!(p.suggested_type(), SuggestedType::RepeatVictim);
    }

    #[test]
    fn merge_equals_adding_all() {
        let t = table();
        let agencies = ["police", "fire", "ambulance", "police", "other"];
        let lines = ["999", "101", "111", "999", "101"];
        let cats = [
            Some("Assault"),
            None,
            Some("Concern For Welfare"),
            Some("assault"),
            Some("Road Traffic Collision"),
        ];
        let start = utc("2024-03-29T20:00:00Z");
        let all: Vec<ContactFacts<'_>> = (0..40)
            .map(|i: usize| ContactFacts {
                received_at: start + i as i64 * 5 * HOUR,
                line: lines[i % 5],
                agency: agencies[i % 4],
                category: cats[i % 5],
            })
            .collect();

        let mut whole = CallerProfile::default();
        for c in &all {
            whole.add(&t, *c);
        }
        // Split unevenly and out of time order: later contacts first.
        let mut later = CallerProfile::default();
        for c in &all[13..] {
            later.add(&t, *c);
        }
        let mut earlier = CallerProfile::default();
        for c in &all[..13] {
            earlier.add(&t, *c);
        }
        let mut merged = earlier.clone();
        merged.merge(&later);
        assert_eq!(merged, whole);

        let mut reversed = later.clone();
        reversed.merge(&earlier);
        assert_eq!(reversed.contacts, whole.contacts);
        assert_eq!(reversed.first_contact, whole.first_contact);
        assert_eq!(reversed.last_contact, whole.last_contact);
        assert_eq!(reversed.by_hour_weekday, whole.by_hour_weekday);
        assert_eq!(reversed.by_line, whole.by_line);
        assert_eq!(reversed.by_agency, whole.by_agency);
        // Only the spelling kept for a category may differ (the first seen wins).
        for g in TriageGroup::ALL {
            assert_eq!(reversed.triage.count(g), whole.triage.count(g));
        }
        assert_eq!(
            reversed.triage.uncategorised(),
            whole.triage.uncategorised()
        );
        assert_eq!(reversed.suggested_type(), whole.suggested_type());

        // Merging with an empty profile changes nothing, either way round.
        let mut with_empty = whole.clone();
        with_empty.merge(&CallerProfile::default());
        assert_eq!(with_empty, whole);
        let mut from_empty = CallerProfile::default();
        from_empty.merge(&whole);
        assert_eq!(from_empty, whole);
    }
}
