//! The case system's export of decisions about repeat callers (`referrals.csv`): one published
//! decision and the rules that accept or reject each row (the export's header is in
//! `crate::exports`).
//!
//! The format and the rules are in `docs/exports.md`. A referral is not a contact: it is
//! published in its own table, keyed by the same caller key as `contacts` so the two join.
//! The free-text `note` is never kept, not even in a reject's raw text.

use std::io::Read;

use chrono::NaiveDate;
use engage_kernel::Micros;
use engage_kernel::phone::{Cli, classify_cli};
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::{PseudonymKey, is_pseudonym};
use foldhash::{HashMap, HashSet};

use crate::contact::Reject;
use crate::local_time::parse_local;
use crate::profile::SourceProfile;
use crate::read::{RawRow, SourceReader};
use crate::rejects::RejectTable;
use crate::report::SourceCounts;

/// The decisions a case records.
pub const DECISIONS: [&str; 6] = [
    "reviewed",
    "referred",
    "plan_agreed",
    "marker_set",
    "review",
    "closed",
];

/// The coordinator's assessments of a caller.
pub const ASSESSMENTS: [&str; 4] = [
    "vulnerable_caller",
    "repeat_victim",
    "nuisance",
    "not_a_repeat_caller",
];

/// One accepted decision, as the snapshot's `referrals` table holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Referral {
    /// The case (several decisions per case).
    pub case_id: String,
    /// E.164 number or pseudonym, pseudonymised with the contacts' key when publishing
    /// pseudonymised; a pseudonym given in the export is kept as it is.
    pub caller_key: String,
    /// When the decision was recorded, UTC.
    pub decided_at: Micros,
    /// One of [`DECISIONS`].
    pub decision: &'static str,
    /// One of [`ASSESSMENTS`].
    pub assessment: Option<&'static str>,
    /// The community safety unit referred to, as the CSU table spells it.
    pub csu: Option<String>,
    /// The plan agreed.
    pub plan: Option<String>,
    /// The next review date, days since 1970-01-01.
    pub review_due: Option<i32>,
    /// When the CAD marker expires, days since 1970-01-01.
    pub marker_expires: Option<i32>,
    /// Why the case closed.
    pub close_reason: Option<String>,
}

/// Field positions, in [`REFERRALS_FIELDS`](crate::exports::REFERRALS_FIELDS) order.
mod field {
    pub const CASE_ID: usize = 0;
    pub const CALLER: usize = 1;
    pub const DECIDED_AT: usize = 2;
    pub const DECISION: usize = 3;
    pub const ASSESSMENT: usize = 4;
    pub const CSU: usize = 5;
    pub const PLAN: usize = 6;
    pub const REVIEW_DUE: usize = 7;
    pub const MARKER_EXPIRES: usize = 8;
    pub const CLOSE_REASON: usize = 9;
}

/// What a case's first accepted row set.
struct Case {
    caller_key: String,
    opened: Micros,
    opened_line: u64,
    /// The latest decision accepted so far: an autumn-hour time is not put before it.
    latest: Micros,
}

/// The referrals read so far, and what the rules need to judge the next row.
pub(crate) struct Referrals {
    rows: Vec<Referral>,
    cases: HashMap<String, Case>,
    seen: HashSet<Vec<String>>,
    csus: Vec<String>,
}

/// Days since 1970-01-01 of `date`.
fn days(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    (date - epoch).num_days() as i32
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Referrals {
    /// Nothing read yet; CSUs are checked against `csu`.
    pub(crate) fn new(csu: &CsuTable) -> Self {
        let mut csus: Vec<String> = csu.iter().map(|(_, p)| p.csu.to_string()).collect();
        csus.sort();
        csus.dedup();
        Referrals {
            rows: Vec::new(),
            cases: HashMap::default(),
            seen: HashSet::default(),
            csus,
        }
    }

    /// Reads every row of one export, counting each and collecting the rejects.
    pub(crate) fn read<R: Read>(
        &mut self,
        reader: &mut SourceReader<R>,
        profile: &SourceProfile,
        key: Option<&PseudonymKey>,
        counts: &mut SourceCounts,
        rejects: &mut RejectTable,
        progress: &mut dyn FnMut(u64),
    ) {
        while let Some(row) = reader.next_row() {
            counts.read += 1;
            if counts.read.is_multiple_of(65_536) {
                progress(counts.read);
            }
            let row = match row {
                Ok(row) => row,
                Err(reject) => {
                    counts.rejected += 1;
                    rejects.push(reject);
                    continue;
                }
            };
            if !self.seen.insert(row.fields().map(str::to_string).collect()) {
                counts.duplicates += 1;
                continue;
            }
            match self.row(reader, profile, key, &row, counts) {
                Ok(referral) => {
                    counts.published += 1;
                    self.rows.push(referral);
                }
                Err(reject) => {
                    counts.rejected += 1;
                    rejects.push(reject);
                }
            }
        }
        progress(counts.read);
    }

    /// One row checked against the format and its case.
    fn row<R: Read>(
        &mut self,
        reader: &SourceReader<R>,
        profile: &SourceProfile,
        key: Option<&PseudonymKey>,
        row: &RawRow,
        counts: &mut SourceCounts,
    ) -> Result<Referral, Reject> {
        use field::*;
        let text = |f: usize| reader.get(row, f).trim();
        let case_id = optional(text(CASE_ID))
            .ok_or_else(|| reader.reject_field(row, CASE_ID, "is empty; a case id is required"))?;
        let caller_key = Self::caller_key(reader, row, key)?;
        let decided = parse_local(text(DECIDED_AT), &profile.time_format, profile.timezone)
            .map_err(|e| reader.reject_field(row, DECIDED_AT, e))?;
        let decision =
            Self::word(reader, row, DECISION, &DECISIONS, "a decision")?.ok_or_else(|| {
                reader.reject_field(
                    row,
                    DECISION,
                    format!("is empty; expected one of {}", DECISIONS.join(", ")),
                )
            })?;
        let assessment = Self::word(reader, row, ASSESSMENT, &ASSESSMENTS, "an assessment")?;
        let csu = match text(CSU) {
            "" => None,
            given => Some(
                self.csus
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(given))
                    .cloned()
                    .ok_or_else(|| {
                        reader.reject_field(
                            row,
                            CSU,
                            format!(
                                "`{given}` is not a community safety unit of the CSU table in use; expected one of {}",
                                self.csus.join(", ")
                            ),
                        )
                    })?,
            ),
        };
        let date = |f: usize| -> Result<Option<i32>, Reject> {
            match text(f) {
                "" => Ok(None),
                given => NaiveDate::parse_from_str(given, &profile.date_format)
                    .map(|d| Some(days(d)))
                    .map_err(|_| {
                        reader.reject_field(
                            row,
                            f,
                            format!(
                                "`{given}` is not a date in the form {}",
                                profile.date_format
                            ),
                        )
                    }),
            }
        };
        let review_due = date(REVIEW_DUE)?;
        let marker_expires = date(MARKER_EXPIRES)?;
        if decided.is_ambiguous() {
            counts.ambiguous_times += 1;
        }

        // The case: its first accepted row opens it and names its caller.
        let decided_at = match self.cases.get_mut(&case_id) {
            Some(case) => {
                if case.caller_key != caller_key {
                    return Err(reader.reject_field(
                        row,
                        CALLER,
                        format!(
                            "not the caller of case `{case_id}` (opened on line {})",
                            case.opened_line
                        ),
                    ));
                }
                let at = decided.resolve(Some(case.latest));
                if at < case.opened {
                    return Err(reader.reject_field(
                        row,
                        DECIDED_AT,
                        format!(
                            "dated before case `{case_id}` opened (on line {})",
                            case.opened_line
                        ),
                    ));
                }
                case.latest = case.latest.max(at);
                at
            }
            None => {
                let at = decided.resolve(None);
                self.cases.insert(
                    case_id.clone(),
                    Case {
                        caller_key: caller_key.clone(),
                        opened: at,
                        opened_line: row.line,
                        latest: at,
                    },
                );
                at
            }
        };
        Ok(Referral {
            case_id,
            caller_key,
            decided_at,
            decision,
            assessment,
            csu,
            plan: optional(text(PLAN)),
            review_due,
            marker_expires,
            close_reason: optional(text(CLOSE_REASON)),
        })
    }

    /// The caller as the contacts key it: a pseudonym as given, else the E.164 number,
    /// pseudonymised with `key` when there is one.
    fn caller_key<R: Read>(
        reader: &SourceReader<R>,
        row: &RawRow,
        key: Option<&PseudonymKey>,
    ) -> Result<String, Reject> {
        let given = reader.get(row, field::CALLER).trim();
        if given.is_empty() {
            return Err(reader.reject_field(
                row,
                field::CALLER,
                "is empty; a number or a pseudonym is required",
            ));
        }
        if is_pseudonym(given) {
            return Ok(given.to_string());
        }
        match classify_cli(given).map_err(|e| reader.reject_phone(row, field::CALLER, &e))? {
            Cli::Present(number) => Ok(match key {
                Some(key) => key.pseudonymise(&number),
                None => number,
            }),
            other => Err(reader.reject_field(
                row,
                field::CALLER,
                format!("is {}, not a number or a pseudonym", other.status()),
            )),
        }
    }

    /// A word of `words` (any case), or `None` when the field is empty.
    fn word<R: Read>(
        reader: &SourceReader<R>,
        row: &RawRow,
        field: usize,
        words: &[&'static str],
        what: &str,
    ) -> Result<Option<&'static str>, Reject> {
        let given = reader.get(row, field).trim();
        if given.is_empty() {
            return Ok(None);
        }
        words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(given))
            .copied()
            .map(Some)
            .ok_or_else(|| {
                reader.reject_field(
                    row,
                    field,
                    format!(
                        "`{given}` is not {what}; expected one of {}",
                        words.join(", ")
                    ),
                )
            })
    }

    /// The accepted decisions sorted by case id, then time, then input line.
    pub(crate) fn finish(mut self) -> Vec<Referral> {
        // Stable: rows were pushed in input order, which breaks ties.
        self.rows
            .sort_by(|a, b| (&a.case_id, a.decided_at).cmp(&(&b.case_id, b.decided_at)));
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_1970() {
        assert_eq!(days(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
        // 2025-03-01: 55 years of 365 days, 14 leap days (1972..=2024), then Jan and Feb.
        assert_eq!(
            days(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()),
            55 * 365 + 14 + 31 + 28
        );
    }
}
