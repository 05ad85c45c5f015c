//! Synthetic raw exports of a police control room, for developing and testing Engage without
//! anyone's real data.
//!
//! [`generate`] writes the four default exports that `engage publish` reads
//! (`docs/exports.md`: `acd_calls.csv`, `recordings.csv`, `incident_calls.csv`,
//! `partner_contacts.csv`), `planted_truth.csv`, the callers and addresses planted for
//! detection to find, `referrals.csv`, the case system's export of the coordinator's
//! decisions about the callers who met Kent's rule, and `planted_referrals.csv`, the truth of
//! each case. [`generate_to_dir`] writes them into a folder with `partner_key.txt` and
//! `generate_summary.json`. [`crisis::simulate`] runs the crisis world (callers in crisis,
//! some referred, with a known true effect of referral) without writing anything, for
//! validating outcome estimates over many seeds.
//!
//! # Determinism
//!
//! The same [`GenerateOptions`] give the same bytes on every platform and run: all
//! randomness comes from `ChaCha8Rng::seed_from_u64` (one stream for the plan, one for the
//! rows), sampled by this crate's own integer samplers on the raw 64-bit output (so neither a
//! `rand` upgrade nor a feature enabled elsewhere changes a byte); floats are only added,
//! multiplied, divided and compared (IEEE-exact everywhere, no `ln`/`exp` from a maths
//! library); nothing iterates a hash map; local times come from `chrono-tz`'s table.
//!
//! # Memory and speed
//!
//! Rows are generated hour by hour and written as they go (through a 64 KiB buffer per
//! file). What is kept grows with the planted callers (a few dozen calls each, about 2 calls
//! per 1,000 contacts; with crisis callers about 90 per 1,000, and their referral decisions)
//! and the busiest hour, not with `contacts`: the ordinary callers who may
//! call again are remembered only while they are among the last few days' callers (at most
//! 16,384 contacts back), open incidents only for the last 64 incidents.
//!
//! # What the data looks like (and why)
//!
//! - **Volume and rhythm.** `contacts` ACD calls over `days` days from local midnight of
//!   `start` (UK time), less the planted callers' calls which come on top, so the total is
//!   `max(contacts, planted)` plus 3 spring-gap rows per spring clock change in the period.
//!   Each hour's share follows a daily rhythm (quiet 03:00–06:00, busiest 17:00–20:00), a
//!   weekly one (Friday and Saturday busier) and a boost on Friday and Saturday evenings and
//!   the small hours after them. About 37.5 % of calls are to 999 and 62.5 % to 101, as in
//!   Kent in 2017 (about 900 and 1,500 a day), more of them 999 at night.
//! - **Outcomes and queues.** 999 calls go to `EMERGENCY` (5 % `EMERGENCY-OVERFLOW`) and are
//!   answered within seconds (2.5 % abandoned, 2 % transferred); 101 calls go to
//!   `NON-EMERGENCY`, `SWITCHBOARD` or `CRIME-REPORTING`, wait up to 40 minutes (14 %
//!   abandoned, 4 % transferred). Talk times run from a minute to half an hour. An abandoned
//!   call has no answered time, no recording and no incident; a transferred one has a
//!   recording but no incident.
//! - **Callers.** 6 % of calls withhold their number (`Withheld`, `Private`, `Anonymous`)
//!   and 2.5 % present none (`Unavailable`, empty, `Unknown`). Most callers call once; 28 %
//!   of calls (fewer in the first three days, while the pool of recent callers fills) are
//!   from a recent caller, chosen in proportion to their recent calls, which gives a heavy
//!   tail (some callers ring 20 or more times a month), but no ordinary caller makes more
//!   than 6 contacts (police and partners together) in any 7 days, nor two within an hour
//!   (so every recording and incident call links to the right call), so every caller who
//!   meets Kent's rule (10 in 7 days) is planted and listed in the truth file. Numbers are made up (see [`is_drama_e164`] for
//!   the drama-only mode), about four in five mobile, and each system writes them its own way:
//!   the ACD `07700900123`, `+447700900123`, `447700900123`, `7700900123`; the recorder
//!   `+447700900123`, `07700900123`, `447700900123`; handlers typing into C&C `07700 900123`,
//!   `(01632) 960123`, `+44 7700 900123`, `07700 900 123`, `07700-900123`,
//!   `+44 (0)7700 900123`, `0044 7700 900123` and so on.
//! - **Recordings.** Every answered (or transferred) call has an inbound phone recording
//!   starting 0–3 s after the answer, ending 0–2 s after the call, whose remote number is the
//!   caller's (in the recorder's form; `Withheld`/`Anonymous` or empty/`Unknown` when there is
//!   none). On top, about 30 % more rows that are not contacts: outbound phone calls (18 per
//!   100 inbound, mostly to recent callers) and radio (12 per 100, no remote number).
//! - **Incidents.** About half of the answered calls (72 % of 999, 42 % of 101) attach to an
//!   incident, at a `call_time` 30–300 s after the answer and before the end of the call.
//!   10 % of them join an incident opened by another caller in the last 45 minutes, and a
//!   caller who rings again within 6 hours often joins their own (so several calls, from
//!   different or the same callers, share an incident id). Locations are
//!   `12 High Street, Maidstone` or `Flat 3, 12 High Street, Maidstone` in a postcode district
//!   of `datasets/csu_districts.csv` (all of Kent, or the chosen districts), with a postcode
//!   such as `ME14 5XY` fixed by the address and typed as is (84 %), in lower case (8 %) or
//!   without the space (8 %), and empty for 2 % of ordinary incidents. Categories come from
//!   `datasets/triage_groups.csv`, weighted by how common they are; the closing category is
//!   the opening one 70 % of the time. Grades are 1–3 for 999 calls and 2–5 for 101.
//! - **Partners.** Fire and rescue (0.06 per police call) and ambulance (0.30 per police
//!   call, 8 % of them on `111`) contacts with their own categories, mostly from people who
//!   never call police (12 % are recent police callers), with `caller_key` the pseudonym of the
//!   caller's number under [`PARTNER_KEY`] (empty for 4 %); 93 % `answered`, 5 %
//!   `abandoned`, 2 % `transferred`.
//! - **Ids.** `call_id` is `A` and 10 digits, increasing with arrival; recordings `R` and 10
//!   digits in order of start within each hour; incidents `I` and 9 digits in order of
//!   opening; partner contacts `F` (fire) or `M` (ambulance) and 8 digits.
//! - **Times** are written `dd/mm/yyyy HH:MM:SS` in Europe/London local time.
//!
//! # Planted callers and addresses
//!
//! `max(2, round(contacts / 25,000))` of each kind (at most 60 with drama numbers only),
//! listed in `planted_truth.csv` (`caller_number_e164,kind,agencies,address,note`):
//!
//! - `vulnerable_caller`: 10–22 calls within 2–6.5 days, weighted to the night
//!   (22:00–06:00), 60 % to 999, 20 % abandoned (silent), 85 % of the answered ones with an
//!   incident, 90 % of those in vulnerability categories (concern for welfare, mental health,
//!   silent, abandoned, hoax, nuisance calls…), mostly at home; half of them a few later calls.
//!   Every other one (the first, the third, …) also has 3–8 ambulance and/or fire contacts
//!   around the burst, with the same person's pseudonym (`agencies` then lists them, e.g.
//!   `police;ambulance;fire`).
//! - `repeat_victim`: 10–16 calls within 1–6.5 days, every incident at one address (their
//!   home) in victimisation categories (assault, harassment, criminal damage, domestic
//!   abuse…).
//! - `near_threshold`: exactly 9 calls within 2–6.5 days and no other contact anywhere, so
//!   never 10 within 7 days.
//! - `communal_address`: 10–18 calls over 7–21 days from 8–12 different callers about one
//!   named address (`Rosewood House Hostel, 14 Station Road, Maidstone`), every call answered
//!   with its own incident there; `caller_number_e164` is empty and `address` is the location
//!   exactly as written in `incident_calls.csv`.
//!
//! - `crisis_caller`: a caller of the crisis world (below) who met Kent's rule; the note
//!   gives their baseline, the crisis's start, peak and half-life, when they met the rule and
//!   when (if) they were referred.
//!
//! One planted caller's calls are at least 30 minutes apart (so their recordings and
//! incidents link to the right call), none is within two hours of the autumn hour that happens
//! twice, and no planted row gets any dirt: their counts hold after any reading of the files.
//! Planted numbers are kept apart from every ordinary number.
//!
//! # Crisis callers: a true effect and regression to the mean
//!
//! [`GenerateOptions::crisis_callers`] callers (by default none for periods under 12 weeks,
//! so shorter runs, such as the shipped 28-day sample, are byte for byte what they were
//! before; else one per 1,100 contacts: about 820 for a year of 900,000) call at a baseline
//! of 0.2–1.5 calls a week until a crisis, which starts on a day in the first two thirds of
//! the period: a jump to 10–30 calls a week that decays back
//! towards the baseline (half-life one to four weeks) with or without help. About 95 % of them
//! meet Kent's rule and are listed as `crisis_caller`. They are reviewed, assessed, and the
//! referable ones wait up to 8 weeks for one of the weekly referral panel's places (by
//! default enough for about a fifth of the crisis callers: some 160 referred and 610 eligible
//! but not referred in such a year), picked at random, so referral never depends on the caller's
//! future. After referral a crisis caller's whole rate (baseline and crisis alike) is
//! multiplied by [`GenerateOptions::referral_effect`] (1.0 by default: no effect; the planted
//! vulnerable callers' and repeat victims' calls never change), yet at 1.0 their calls
//! in the 26 weeks after referral are still some 75 % below those of the 4 weeks before (the
//! naive before/after that regression to the mean produces). Their calls go into the
//! exports like other planted callers' (999 55 %, abandoned 12 %, 85 % of the answered ones
//! with an incident in vulnerability categories, mostly at home), exactly as
//! [`crisis::simulate`] returns them. See [`crisis`] for the model.
//!
//! # Referrals
//!
//! `referrals.csv` (`case_id,caller,decided_at,decision,assessment,csu,plan,review_due,
//! marker_expires,close_reason,note`) holds one case per eligible planted vulnerable caller,
//! repeat victim and crisis caller reviewed within the period, one row per decision in the
//! order entered (all cases interleaved in time order): `reviewed` 0–3 days after the caller
//! met the rule (assessment `vulnerable_caller`, `repeat_victim`, `nuisance` or
//! `not_a_repeat_caller`, mostly as their kind), `referred` to the CSU of their home address
//! (`datasets/csu_districts.csv`) when a panel place comes up, `plan_agreed`, `marker_set`
//! (expiring 45 days on), a `review` every 28 days with the marker renewed, and `closed`
//! (`no longer coming to notice` at a review with at most one call in the 28 days before,
//! `moved away`, `died`, `escalated to enforcement`, `not a repeat caller`). The planted
//! vulnerable callers and repeat victims have a panel of their own (half a place a week), so
//! that the crisis world does not depend on them. `caller` is typed as handlers type numbers
//! into C&C; `note` is synthetic free text (`Spoke to caller's GP`). Decisions are in working
//! hours, so never in the spring gap or the autumn hour that happens twice.
//!
//! `planted_referrals.csv` (`case_id,caller_number_e164,kind,eligible_at,reviewed_at,
//! referred_at,assessment,csu,closed_at`, times UTC RFC 3339, empty when not) gives each
//! case's truth; the `reviewed`, `referred` and `closed` rows carry it and never get dirt.
//! The other rows get dirt, each kind counted exactly in [`ReferralDirtCounts`]
//! (`rows = published + duplicates + unknown_decisions + unknown_csus + bad_times +
//! before_case_opened + short_rows`): duplicates (2 %, a copy up to 20 rows later), unknown
//! decisions (`refered`, `reveiw`…, 1 %), unknown CSUs (`Kent CSU`…, 1 % of rows with a
//! CSU), bad times (1 %), rows back-dated 1–30 days before their case opened (1 %), rows cut
//! short (1 %) and blank lines (1 %).
//!
//! # Dirt
//!
//! Only on ordinary rows, at most one kind per row, never on a row with an ambiguous time,
//! each kind counted exactly in [`DirtCounts`] per file:
//!
//! - `duplicates`: an extra, byte-identical copy of an earlier row, written 1–301 rows later
//!   (or at the end of the file), as overlapping export windows do (0.4 % of eligible rows,
//!   any file).
//! - `blank_lines`: an empty line before a row (0.1 %). Not counted in `rows`.
//! - `stray_quotes`: a phone field with a `"` before or after the number (`"07700 900123`),
//!   written through the CSV writer, so the file stays readable and the number still
//!   normalises (ACD `cli`, recording `remote_number`, incident `caller_phone`; 0.2 %).
//! - `short_rows`: a row cut after 1 to n−1 of its fields, written raw.
//! - `bad_times`: the row's main time (`arrived`, `started`, `call_time`, `received`) made
//!   impossible: month 13, hour 24–29, minute 60–99, `31/02/…`, `00/00/0000 00:00:00` or
//!   `#VALUE!`.
//! - `unparseable_phones`: a phone field that is not a number (`n/k 0770`, `see notes`,
//!   `07700 9001`, `999`, …; see the tests).
//! - `spring_gap_rows`: rows whose times were written an hour behind in the hour after the
//!   spring clock change, so they fall in the hour that does not exist (01:00–01:59 on the
//!   last Sunday of March): 3 extra abandoned ACD calls, 2 extra radio recordings and 1
//!   extra partner contact per spring change in the period.
//! - `autumn_ambiguous_rows` / `autumn_ambiguous_times`: not injected but counted: rows that
//!   fall in the autumn hour that happens twice are written with the ambiguous local time as
//!   the clock showed it; the counts are of rows with at least one such time, and of such
//!   time values (every time column: `arrived`, `answered`, `ended`; `started`, `ended`;
//!   `call_time`; `received`).
//!
//! Where rejecting dirt goes, so nothing else is lost: in `acd_calls.csv` rows cut short, bad
//! times and unparseable numbers go only on abandoned calls (which have no recording and no
//! incident); in `recordings.csv` rows cut short and bad times go only on outbound and radio
//! recordings; in `incident_calls.csv` and `partner_contacts.csv` on any ordinary row (an
//! incident row with an unparseable number cannot link to its call). Incident rows of calls
//! without a number (`without_caller_phone`: empty or `Withheld`) cannot link either.

#![warn(missing_docs)]

mod categories;
mod clock;
mod coordinator;
pub mod crisis;
mod generate;
mod phone;
mod places;
mod plan;
mod pool;
mod referrals;
mod rng;
mod sink;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::NaiveDate;
use engage_kernel::pseudonym::PseudonymKey;
use serde::Serialize;

pub use phone::is_drama_e164;

/// The inter-agency pseudonymisation key agreed for generated data: partner rows'
/// `caller_key` is `PseudonymKey(PARTNER_KEY).pseudonymise(e164)`. Synthetic, so not secret;
/// `generate_to_dir` writes it to `partner_key.txt` for `--pseudonymise-key-file`.
pub const PARTNER_KEY: &str = "engage-synthetic-partner-key-v01";

/// [`PARTNER_KEY`] as a kernel pseudonymisation key.
pub fn partner_key() -> PseudonymKey {
    PseudonymKey::from_text(PARTNER_KEY).expect("PARTNER_KEY is 32 bytes, longer than the minimum")
}

/// The file names [`generate_to_dir`] writes.
pub mod files {
    // The exports' names are ingest's (`engage_ingest::exports`), where it looks for them.
    /// The ACD export.
    pub use engage_ingest::exports::ACD_FILE as ACD;
    /// The command and control export.
    pub use engage_ingest::exports::INCIDENTS_FILE as INCIDENTS;
    /// The partners' contacts.
    pub use engage_ingest::exports::PARTNERS_FILE as PARTNERS;
    /// The call recording export.
    pub use engage_ingest::exports::RECORDINGS_FILE as RECORDINGS;
    /// The planted callers and addresses.
    pub const TRUTH: &str = "planted_truth.csv";
    /// The case system's export of the coordinator's decisions.
    pub use engage_ingest::exports::REFERRALS_FILE as REFERRALS;
    /// The planted truth of the referrals: one row per case.
    pub const PLANTED_REFERRALS: &str = "planted_referrals.csv";
    /// [`crate::PARTNER_KEY`] and a newline.
    pub const PARTNER_KEY: &str = "partner_key.txt";
    /// The options and the [`crate::GenerateSummary`] as JSON.
    pub const SUMMARY: &str = "generate_summary.json";
}

// The exports' headers are ingest's (`engage_ingest::exports`): what is written here is what
// ingest reads.
/// Header of `acd_calls.csv` (`docs/exports.md`).
pub use engage_ingest::ACD_COLUMNS as ACD_HEADER;
/// Header of `incident_calls.csv`.
pub use engage_ingest::INCIDENTS_COLUMNS as INCIDENTS_HEADER;
/// Header of `partner_contacts.csv`.
pub use engage_ingest::PARTNERS_COLUMNS as PARTNERS_HEADER;
/// Header of `recordings.csv`.
pub use engage_ingest::RECORDINGS_COLUMNS as RECORDINGS_HEADER;
/// Header of `planted_truth.csv`.
pub const TRUTH_HEADER: [&str; 5] = ["caller_number_e164", "kind", "agencies", "address", "note"];
/// Header of `referrals.csv`.
pub use engage_ingest::REFERRALS_COLUMNS as REFERRALS_HEADER;
/// Header of `planted_referrals.csv`.
pub const PLANTED_REFERRALS_HEADER: [&str; 9] = [
    "case_id",
    "caller_number_e164",
    "kind",
    "eligible_at",
    "reviewed_at",
    "referred_at",
    "assessment",
    "csu",
    "closed_at",
];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateOptions {
    /// ACD calls to generate in all (approximately: planted callers' calls count towards it,
    /// spring-gap rows and duplicates come on top).
    pub contacts: u64,
    /// Length of the period in days (at least 1), from local midnight of `start`.
    pub days: u32,
    /// First day of the period (UK local).
    #[serde(serialize_with = "serialize_date")]
    pub start: NaiveDate,
    /// The seed: the same options give the same bytes.
    pub seed: u64,
    /// Restrict addresses to these districts of `datasets/csu_districts.csv` (such as
    /// `["Maidstone"]`, compared ignoring case); `None` for all of Kent and Medway.
    pub districts: Option<Vec<String>>,
    /// Use only numbers from Ofcom's drama ranges (`07700 900xxx`, `01632 960xxx`,
    /// `020 7946 0xxx`, `0113 496 0xxx`, …), as the shipped samples must. There are 17,000
    /// of them: 1,000 kept for planted callers, the rest reused in turn by ordinary callers,
    /// so above about 16,000 new callers a week (some 20,000 calls) unrelated ordinary callers
    /// may share a number within a week and the truth file is no longer the whole truth.
    pub drama_numbers_only: bool,
    /// Crisis callers to plant ([`crisis`]); `None` for the default: none for periods under
    /// 12 weeks, else one per 1,100 contacts.
    pub crisis_callers: Option<u32>,
    /// The true effect of a referral on a crisis caller's rate of calls (0.8: 20 % fewer
    /// calls after referral than without; 1.0, the default: no effect). From 0 to 1.
    pub referral_effect: f64,
}

fn serialize_date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&date.format("%Y-%m-%d"))
}

impl Default for GenerateOptions {
    /// A month of a Kent-sized control room (2,400 calls a day) from 15 March 2024, so the
    /// spring clock change is in it; seed 0; all of Kent; made-up numbers.
    fn default() -> Self {
        GenerateOptions {
            contacts: 72_000,
            days: 30,
            start: NaiveDate::from_ymd_opt(2024, 3, 15).expect("a valid date"),
            seed: 0,
            districts: None,
            drama_numbers_only: false,
            crisis_callers: None,
            referral_effect: 1.0,
        }
    }
}

/// Where the seven files go.
pub struct Exports<W: Write> {
    /// `acd_calls.csv`.
    pub acd: W,
    /// `recordings.csv`.
    pub recordings: W,
    /// `incident_calls.csv`.
    pub incidents: W,
    /// `partner_contacts.csv`.
    pub partners: W,
    /// `planted_truth.csv`.
    pub truth: W,
    /// `referrals.csv`.
    pub referrals: W,
    /// `planted_referrals.csv`.
    pub planted_referrals: W,
}

/// Dirt written to one file, each kind counted exactly (see the crate docs for what each
/// means and where it goes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DirtCounts {
    /// Extra byte-identical copies of earlier rows.
    pub duplicates: u64,
    /// Empty lines (not rows).
    pub blank_lines: u64,
    /// Phone fields with a stray `"` (still a valid number).
    pub stray_quotes: u64,
    /// Rows with fewer fields than the header.
    pub short_rows: u64,
    /// Rows whose main time cannot be read.
    pub bad_times: u64,
    /// Rows whose phone field is not a phone number.
    pub unparseable_phones: u64,
    /// Rows with a local time in the spring gap.
    pub spring_gap_rows: u64,
    /// Rows with at least one time in the autumn hour that happens twice.
    pub autumn_ambiguous_rows: u64,
    /// Time values in the autumn hour that happens twice.
    pub autumn_ambiguous_times: u64,
}

/// What was written to `acd_calls.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AcdSummary {
    /// Data rows (including duplicates and rows cut short; not the header or blank lines).
    pub rows: u64,
    /// Distinct calls (`rows - dirt.duplicates`), each counted below whatever dirt its row
    /// carries.
    pub calls: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls abandoned.
    pub abandoned: u64,
    /// Calls transferred.
    pub transferred: u64,
    /// Calls to 999.
    pub line_999: u64,
    /// Calls to 101.
    pub line_101: u64,
    /// Calls with the number withheld.
    pub withheld: u64,
    /// Calls with no number presented.
    pub unavailable: u64,
    /// Dirt.
    pub dirt: DirtCounts,
}

/// What was written to `recordings.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordingsSummary {
    /// Data rows (including duplicates and rows cut short).
    pub rows: u64,
    /// Inbound phone recordings (one per answered or transferred call).
    pub inbound_phone: u64,
    /// Outbound phone recordings (not contacts).
    pub outbound_phone: u64,
    /// Radio recordings (not contacts), spring-gap rows included.
    pub radio: u64,
    /// Dirt.
    pub dirt: DirtCounts,
}

/// What was written to `incident_calls.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IncidentsSummary {
    /// Data rows (including duplicates and rows cut short).
    pub rows: u64,
    /// Distinct incidents.
    pub incidents: u64,
    /// Distinct rows for calls without a number (caller phone empty or `Withheld`), which
    /// cannot link to their call.
    pub without_caller_phone: u64,
    /// Dirt.
    pub dirt: DirtCounts,
}

/// What was written to `partner_contacts.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartnersSummary {
    /// Data rows (including duplicates and rows cut short).
    pub rows: u64,
    /// Distinct fire and rescue contacts.
    pub fire: u64,
    /// Distinct ambulance contacts.
    pub ambulance: u64,
    /// Distinct contacts with an empty `caller_key`.
    pub without_caller_key: u64,
    /// Dirt.
    pub dirt: DirtCounts,
}

/// Dirt written to `referrals.csv`, each kind counted exactly (only on `plan_agreed`,
/// `marker_set` and `review` rows: never on the rows that carry the planted truth).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReferralDirtCounts {
    /// Extra copies, equal in every field, of earlier rows.
    pub duplicates: u64,
    /// Rows whose decision is not one of the six.
    pub unknown_decisions: u64,
    /// Rows whose CSU is not in the CSU table.
    pub unknown_csus: u64,
    /// Rows whose `decided_at` cannot be read.
    pub bad_times: u64,
    /// Rows dated before their case's first row (entered later, back-dated).
    pub before_case_opened: u64,
    /// Rows with fewer fields than the header.
    pub short_rows: u64,
    /// Empty lines (not rows).
    pub blank_lines: u64,
}

/// What was written to `referrals.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReferralsSummary {
    /// Data rows (including dirt; not the header or blank lines).
    pub rows: u64,
    /// Rows ingest publishes: `rows` less every kind of dirt but blank lines.
    pub published: u64,
    /// Cases (one per reviewed caller).
    pub cases: u64,
    /// Distinct decisions of each kind (each counted once whatever dirt its row carries).
    pub reviewed: u64,
    /// `referred` decisions.
    pub referred: u64,
    /// `plan_agreed` decisions.
    pub plans_agreed: u64,
    /// `marker_set` decisions (first markers and renewals).
    pub markers_set: u64,
    /// `review` decisions.
    pub reviews: u64,
    /// `closed` decisions.
    pub closed: u64,
    /// Dirt.
    pub dirt: ReferralDirtCounts,
}

/// What was planted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlantedSummary {
    /// `vulnerable_caller` rows.
    pub vulnerable_callers: u64,
    /// Of them, those with ambulance or fire contacts.
    pub multi_agency_vulnerable_callers: u64,
    /// `repeat_victim` rows.
    pub repeat_victims: u64,
    /// `near_threshold` rows.
    pub near_threshold_callers: u64,
    /// `communal_address` rows.
    pub communal_addresses: u64,
    /// Different callers about the communal addresses.
    pub communal_callers: u64,
    /// ACD calls of all planted callers.
    pub acd_calls: u64,
    /// Partner contacts of planted callers.
    pub partner_contacts: u64,
    /// Crisis callers ([`crisis`]).
    pub crisis_callers: u64,
    /// Of them, those who met Kent's rule (listed in the truth file as `crisis_caller`).
    pub crisis_callers_eligible: u64,
    /// Eligible callers (of every kind) reviewed: one case each.
    pub reviewed: u64,
    /// Of them, those referred.
    pub referred: u64,
    /// Eligible crisis callers referred.
    pub crisis_callers_referred: u64,
}

/// Everything [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GenerateSummary {
    /// `acd_calls.csv`.
    pub acd: AcdSummary,
    /// `recordings.csv`.
    pub recordings: RecordingsSummary,
    /// `incident_calls.csv`.
    pub incidents: IncidentsSummary,
    /// `partner_contacts.csv`.
    pub partners: PartnersSummary,
    /// Data rows of `planted_truth.csv`.
    pub truth_rows: u64,
    /// What was planted.
    pub planted: PlantedSummary,
    /// `referrals.csv`.
    pub referrals: ReferralsSummary,
    /// Data rows of `planted_referrals.csv` (one per case).
    pub planted_referrals_rows: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The options cannot be generated; the message says which and what to do.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// A district in `districts` is not in the CSU table.
    #[error("unknown district {name:?}: expected one of {known}")]
    UnknownDistrict {
        /// The name given.
        name: String,
        /// The districts of the table.
        known: String,
    },
    /// Writing failed.
    #[error("could not write the exports: {0}")]
    Io(#[from] std::io::Error),
    /// Writing a CSV row failed.
    #[error("could not write a CSV row: {0}")]
    Csv(#[from] csv::Error),
    /// Writing the JSON summary failed.
    #[error("could not write the summary: {0}")]
    Json(#[from] serde_json::Error),
}

/// Most days in one run.
const MAX_DAYS: u32 = 36_600;
/// Most contacts in one run (call ids have 10 digits).
const MAX_CONTACTS: u64 = 5_000_000_000;

/// Writes synthetic exports for `options` to `out`, calling `progress` with the ACD rows
/// written so far after every generated hour (and once at the end).
///
/// # Errors
///
/// [`GenerateError::InvalidOptions`] or [`GenerateError::UnknownDistrict`] for options that
/// cannot be generated (no days, a period outside the calendar, an unknown district, too many
/// contacts or crisis callers, a referral effect outside 0–1); [`GenerateError::Io`] or
/// [`GenerateError::Csv`] when a writer fails.
pub fn generate<W: Write>(
    options: &GenerateOptions,
    out: Exports<W>,
    progress: &mut dyn FnMut(u64),
) -> Result<GenerateSummary, GenerateError> {
    if options.days == 0 || options.days > MAX_DAYS {
        return Err(GenerateError::InvalidOptions(format!(
            "days is {}; expected 1 to {MAX_DAYS}",
            options.days
        )));
    }
    if options.contacts > MAX_CONTACTS {
        return Err(GenerateError::InvalidOptions(format!(
            "contacts is {}; expected at most {MAX_CONTACTS}",
            options.contacts
        )));
    }
    let period = || {
        let end_date = options
            .start
            .checked_add_days(chrono::Days::new(u64::from(options.days)))?;
        Some((
            clock::london_midnight(options.start)?,
            clock::london_midnight(end_date)?,
        ))
    };
    let Some((start, end)) = period() else {
        return Err(GenerateError::InvalidOptions(format!(
            "the period of {} days from {} is outside the calendar",
            options.days, options.start
        )));
    };

    let mut clock = clock::Clock::new();
    let numbers = phone::Numbers::new(options.seed, options.drama_numbers_only);
    let places = places::Places::new(options.districts.as_deref(), options.seed)?;
    let per_day = options.contacts / u64::from(options.days);
    let mut pool = pool::Pool::new((per_day * 3).clamp(64, 16_384) as usize);
    let mut plan_rng = rng::Rand::new(options.seed, 1);
    let plan = plan::plan(
        options,
        (start, end),
        &mut clock,
        &numbers,
        &places,
        &mut pool,
        &mut plan_rng,
    )?;

    let mut truth = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out.truth);
    truth.write_record(TRUTH_HEADER)?;
    for row in &plan.truth {
        truth.write_record([
            row.e164.as_str(),
            row.kind,
            row.agencies.as_str(),
            row.address.as_str(),
            row.note.as_str(),
        ])?;
    }
    truth.flush()?;
    drop(truth);

    let referrals = referrals::write(
        &plan,
        (start, end),
        &mut clock,
        options.seed,
        out.referrals,
        out.planted_referrals,
    )?;

    let ordinary = options.contacts.saturating_sub(plan.summary.acd_calls);
    let generator = generate::Generator::new(generate::Parts {
        rng: rng::Rand::new(options.seed, 2),
        clock,
        numbers,
        places,
        pool,
        plan,
        seed: options.seed,
        acd: out.acd,
        recordings: out.recordings,
        incidents: out.incidents,
        partners: out.partners,
    })?;
    let mut summary = generator.run(start, end, ordinary, progress)?;
    summary.planted.reviewed = referrals.cases;
    summary.planted.referred = referrals.referred;
    summary.planted.crisis_callers_referred = referrals.crisis_referred;
    summary.planted_referrals_rows = referrals.cases;
    summary.referrals = referrals.summary;
    Ok(summary)
}

/// The contents of `generate_summary.json`.
#[derive(Serialize)]
struct SummaryFile<'a> {
    synthetic: bool,
    generator: &'static str,
    options: &'a GenerateOptions,
    crisis: crisis::CrisisOptions,
    files: [&'static str; 9],
    summary: &'a GenerateSummary,
}

/// Writes [`PARTNER_KEY`] and a newline to `path`, readable by its owner only (as
/// `--pseudonymise-key-file` requires, on unix).
fn write_key_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // A file left by an earlier run keeps its mode: narrow it too.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(format!("{PARTNER_KEY}\n").as_bytes())
}

/// Creates `dir` (and its parents) and writes into it `acd_calls.csv`, `recordings.csv`,
/// `incident_calls.csv`, `partner_contacts.csv`, `planted_truth.csv`, `referrals.csv`,
/// `planted_referrals.csv`, `partner_key.txt` ([`PARTNER_KEY`] and a newline, mode 0600) and
/// `generate_summary.json` (`"synthetic": true`, the options, the crisis world's options
/// with its defaults filled in, and the summary), in that order: the summary last, once
/// everything else is written.
///
/// # Errors
///
/// As [`generate`], and [`GenerateError::Io`] when the folder or a file cannot be created.
pub fn generate_to_dir(
    options: &GenerateOptions,
    dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<GenerateSummary, GenerateError> {
    std::fs::create_dir_all(dir)?;
    let open = |name: &str| -> Result<BufWriter<File>, GenerateError> {
        Ok(BufWriter::with_capacity(
            1 << 16,
            File::create(dir.join(name))?,
        ))
    };
    let out = Exports {
        acd: open(files::ACD)?,
        recordings: open(files::RECORDINGS)?,
        incidents: open(files::INCIDENTS)?,
        partners: open(files::PARTNERS)?,
        truth: open(files::TRUTH)?,
        referrals: open(files::REFERRALS)?,
        planted_referrals: open(files::PLANTED_REFERRALS)?,
    };
    let summary = generate(options, out, progress)?;
    write_key_file(&dir.join(files::PARTNER_KEY))?;
    let mut json = open(files::SUMMARY)?;
    serde_json::to_writer_pretty(
        &mut json,
        &SummaryFile {
            synthetic: true,
            generator: concat!("engage-synth ", env!("CARGO_PKG_VERSION")),
            options,
            crisis: crisis::CrisisOptions::of(options),
            files: [
                files::ACD,
                files::RECORDINGS,
                files::INCIDENTS,
                files::PARTNERS,
                files::TRUTH,
                files::REFERRALS,
                files::PLANTED_REFERRALS,
                files::PARTNER_KEY,
                files::SUMMARY,
            ],
            summary: &summary,
        },
    )?;
    json.write_all(b"\n")?;
    json.flush()?;
    Ok(summary)
}
