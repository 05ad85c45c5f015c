//! Linking recordings and incident calls to the ACD call they belong to
//! (rules and tolerances in `docs/exports.md`).

use engage_kernel::Micros;
use engage_kernel::phone::Cli;
use engage_kernel::time::{MINUTE, SECOND};
use foldhash::HashMap;

use crate::rows::{AcdRow, IncidentRow, RecordingRow, sort_rows};

/// A recording links to a call answered within this of the recording's start.
pub const RECORDING_TOLERANCE: Micros = 5 * SECOND;
/// An incident call links to a call that ended no more than this before it.
pub const INCIDENT_AFTER_END: Micros = 10 * MINUTE;
/// No call is answered this long before an incident call that belongs to it.
pub const LONGEST_CALL: Micros = 24 * 60 * MINUTE;

/// Why a recording that links to no ACD call is rejected.
pub(crate) fn unmatched_recording() -> String {
    format!(
        "unmatched: no answered ACD call from that number within {} of the recording's start",
        tolerance(RECORDING_TOLERANCE)
    )
}

/// Why an incident call with a caller number that links to no ACD call is rejected.
pub(crate) fn unmatched_incident() -> String {
    format!(
        "unmatched: no ACD call from that number answered before the call time and ended within {} of it",
        tolerance(INCIDENT_AFTER_END)
    )
}

/// Why an incident call without a caller number that links to no ACD call is rejected.
pub(crate) const UNMATCHED_KEYLESS_INCIDENT: &str = "unmatched: the incident call has no caller number, and no keyless ACD call was in progress at its call time";

/// A tolerance as a reject's reason writes it: whole minutes in minutes (`10 minutes`), else
/// whole seconds (`5 s`).
fn tolerance(span: Micros) -> String {
    match span / MINUTE {
        1 if span % MINUTE == 0 => "1 minute".to_string(),
        minutes if span % MINUTE == 0 => format!("{minutes} minutes"),
        _ => format!("{} s", span / SECOND),
    }
}

/// An ACD call's instants, resolved.
pub(crate) struct AcdCall {
    pub arrived: Micros,
    pub answered: Option<Micros>,
    pub ended: Option<Micros>,
}

struct Candidate {
    answered: Micros,
    ended: Micros,
    call: usize,
    order: (usize, usize), // call id (length, position in id order) for ties
}

/// Answered ACD calls by caller number (withheld and unavailable share the empty number),
/// in order of answer time.
pub(crate) struct AcdIndex {
    by_number: HashMap<String, Candidates>,
}

/// The answered calls of one number in order of answer time, with the latest end in each
/// block of [`BLOCK`] calls, so a walk back for a call still in progress skips the blocks that
/// hold none (the keyless calls of a busy day are thousands).
struct Candidates {
    calls: Vec<Candidate>,
    latest_end: Vec<Micros>,
}

/// Calls per block of [`Candidates::latest_end`].
const BLOCK: usize = 64;

impl Candidates {
    fn new(calls: Vec<Candidate>) -> Self {
        let latest_end = calls
            .chunks(BLOCK)
            .map(|block| block.iter().map(|c| c.ended).max().unwrap_or(Micros::MIN))
            .collect();
        Candidates { calls, latest_end }
    }
}

fn number_of(cli: &Cli) -> &str {
    cli.e164().unwrap_or("")
}

impl AcdIndex {
    /// `rows` and `calls` are parallel and in call id order.
    pub fn new(rows: &[AcdRow], calls: &[AcdCall]) -> Self {
        let mut by_number: HashMap<String, Vec<Candidate>> = HashMap::default();
        for (i, (row, call)) in rows.iter().zip(calls).enumerate() {
            if let Some(answered) = call.answered {
                let candidate = Candidate {
                    answered,
                    ended: call.ended.unwrap_or(answered),
                    call: i,
                    order: (row.call_id.len(), i),
                };
                // A number's string is made once, not once a call.
                let number = number_of(&row.cli);
                match by_number.get_mut(number) {
                    Some(list) => list.push(candidate),
                    None => {
                        by_number.insert(number.to_string(), vec![candidate]);
                    }
                }
            }
        }
        let by_number = by_number
            .into_iter()
            .map(|(number, mut list)| {
                list.sort_by_key(|c| (c.answered, c.order));
                (number, Candidates::new(list))
            })
            .collect();
        AcdIndex { by_number }
    }
}

/// For each recording (re-ordered by start, then id), the ACD call it links to. A start in the
/// autumn hour that happens twice links with whichever of its instants finds a call, the
/// earlier first.
pub(crate) fn recordings(index: &AcdIndex, recordings: &mut [RecordingRow]) -> Vec<Option<usize>> {
    sort_rows(
        recordings,
        |r| r.started.resolve(None),
        |r| r.recording_id.as_str(),
    );
    let mut taken = foldhash::HashSet::default();
    recordings
        .iter()
        .map(|rec| {
            let list = &index.by_number.get(number_of(&rec.remote))?.calls;
            let best = rec.started.candidates().find_map(|started| {
                let from = list.partition_point(|c| c.answered < started - RECORDING_TOLERANCE);
                list[from..]
                    .iter()
                    .take_while(|c| c.answered <= started + RECORDING_TOLERANCE)
                    .min_by_key(|c| ((c.answered - started).abs(), c.order))
            })?;
            taken.insert(best.call).then_some(best.call)
        })
        .collect()
}

/// For each incident call (re-ordered by call time, then incident id), the ACD call it links
/// to: the latest answered at or before the call time among the caller's calls that ended no
/// more than [`INCIDENT_AFTER_END`] before it, or, with no number, among the keyless calls
/// still in progress. A call time in the autumn hour that happens twice links with whichever of
/// its instants finds a call, the earlier first.
pub(crate) fn incidents(index: &AcdIndex, incidents: &mut [IncidentRow]) -> Vec<Option<usize>> {
    sort_rows(
        incidents,
        |r| r.call_time.resolve(None),
        |r| r.incident_id.as_str(),
    );
    incidents
        .iter()
        .map(|inc| {
            let (list, after_end) = match inc.caller.as_deref() {
                Some(number) => (index.by_number.get(number)?, INCIDENT_AFTER_END),
                None => (index.by_number.get("")?, 0),
            };
            inc.call_time
                .candidates()
                .find_map(|at| latest_in_progress(list, at, at - after_end))
        })
        .collect()
}

/// Of the calls answered at or before `at` (and no more than [`LONGEST_CALL`] before it) that
/// ended at or after `ended_by`, the latest answered, the lowest in call id order among those
/// answered at that instant: walking back from `at`, whole blocks of calls that all ended
/// before `ended_by` are skipped until one is found.
fn latest_in_progress(list: &Candidates, at: Micros, ended_by: Micros) -> Option<usize> {
    let calls = &list.calls;
    let upto = calls.partition_point(|c| c.answered <= at);
    let from = calls.partition_point(|c| c.answered < at - LONGEST_CALL);
    let mut best: Option<&Candidate> = None;
    let mut i = upto;
    while i > from {
        if best.is_none() && i.is_multiple_of(BLOCK) && list.latest_end[i / BLOCK - 1] < ended_by {
            i -= BLOCK;
            continue;
        }
        i -= 1;
        let c = &calls[i];
        if best.is_some_and(|b| c.answered < b.answered) {
            break;
        }
        if c.ended >= ended_by && best.is_none_or(|b| c.order < b.order) {
            best = Some(c);
        }
    }
    best.map(|c| c.call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances_read_in_minutes_when_whole_else_seconds() {
        assert_eq!(tolerance(5 * SECOND), "5 s");
        assert_eq!(tolerance(90 * SECOND), "90 s");
        assert_eq!(tolerance(MINUTE), "1 minute");
        assert_eq!(tolerance(10 * MINUTE), "10 minutes");
    }

    /// The walk back over every call, as it was before the blocks.
    fn walk(list: &[Candidate], at: Micros, ended_by: Micros) -> Option<usize> {
        let upto = list.partition_point(|c| c.answered <= at);
        let mut best: Option<&Candidate> = None;
        for c in list[..upto].iter().rev() {
            if c.answered < at - LONGEST_CALL || best.is_some_and(|b| c.answered < b.answered) {
                break;
            }
            if c.ended >= ended_by && best.is_none_or(|b| c.order < b.order) {
                best = Some(c);
            }
        }
        best.map(|c| c.call)
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn skipping_blocks_finds_what_the_walk_finds(
            calls in prop::collection::vec((0i64..200, 0i64..40, 1usize..4), 0..400),
            queries in prop::collection::vec((0i64..220, 0i64..30), 1..20),
        ) {
            // Minutes, so a day (LONGEST_CALL) covers some of the calls and not others.
            let hour = 60 * MINUTE;
            let mut list: Vec<Candidate> = calls
                .iter()
                .enumerate()
                .map(|(i, &(answered, length, id_len))| Candidate {
                    answered: answered * hour / 4,
                    ended: answered * hour / 4 + length * MINUTE,
                    call: i,
                    order: (id_len, i),
                })
                .collect();
            list.sort_by_key(|c| (c.answered, c.order));
            let candidates = Candidates::new(list);
            for (at, back) in queries {
                let at = at * hour / 4;
                let ended_by = at - back * MINUTE;
                prop_assert_eq!(
                    latest_in_progress(&candidates, at, ended_by),
                    walk(&candidates.calls, at, ended_by)
                );
            }
        }
    }
}
