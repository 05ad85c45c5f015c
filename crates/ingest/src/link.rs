//! Linking recordings and incident calls to the ACD call they belong to
//! (rules and tolerances in `docs/exports.md`).

use engage_kernel::Micros;
use engage_kernel::time::{MINUTE, SECOND};

use crate::kept::{Caller, Code, KeptIncident, KeptRecording, KeptRows, Label, TextRef};
use crate::rows::sort_rows;

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

/// An ACD call with its instants resolved: what linking and the contacts table need of it.
pub(crate) struct AcdCall {
    /// In the calls' buffer of ids.
    pub call_id: TextRef,
    pub caller: Caller,
    /// Among the words.
    pub phone_line: Code,
    pub outcome: Label,
    pub arrived: Micros,
    pub answered: Option<Micros>,
    pub ended: Option<Micros>,
}

struct Candidate {
    answered: Micros,
    ended: Micros,
    /// The call's length of id and position in call id order, which is its id's order: ties
    /// go to the lower.
    id_len: u32,
    call: u32,
}

impl Candidate {
    fn order(&self) -> (u32, u32) {
        (self.id_len, self.call)
    }
}

/// Answered ACD calls by caller number (a code among the kept numbers), and the keyless ones
/// (withheld and unavailable), each in order of answer time: the numbers' calls in one array
/// grouped by number, rather than a list of its own for each of millions of numbers.
pub(crate) struct AcdIndex {
    /// The calls of every number, grouped by number code.
    numbered: Vec<Candidate>,
    /// How many calls there are, answered or not.
    calls: usize,
    /// Per number code, the range of its calls in `numbered` (empty for a number with none).
    ranges: Vec<(u32, u32)>,
    keyless: Candidates,
}

/// The answered keyless calls in order of answer time, with the latest end in each block of
/// [`BLOCK`] calls, so a walk back for a call still in progress skips the blocks that hold
/// none (the keyless calls of a busy day are thousands).
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

    fn view(&self) -> CallsOf<'_> {
        CallsOf {
            calls: &self.calls,
            latest_end: &self.latest_end,
        }
    }
}

/// The answered calls of one number (or the keyless ones) in order of answer time, and the
/// latest end in each block of [`BLOCK`] of them where known (none: no block is skipped).
#[derive(Clone, Copy)]
struct CallsOf<'a> {
    calls: &'a [Candidate],
    latest_end: &'a [Micros],
}

impl AcdIndex {
    /// `calls` are in call id order.
    pub fn new(calls: &[AcdCall]) -> Self {
        let mut numbered: Vec<(u32, Candidate)> = Vec::new();
        let mut keyless = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            if let Some(answered) = call.answered {
                let candidate = Candidate {
                    answered,
                    ended: call.ended.unwrap_or(answered),
                    id_len: call.call_id.byte_len(),
                    call: u32::try_from(i).expect("under 4 billion calls"),
                };
                match call.caller.number() {
                    Some(number) => numbered.push((number.get(), candidate)),
                    None => keyless.push(candidate),
                }
            }
        }
        // A call's order is unique: the unstable sort has one outcome.
        numbered.sort_unstable_by_key(|(number, c)| (*number, c.answered, c.order()));
        keyless.sort_unstable_by_key(|c| (c.answered, c.order()));
        let numbers = numbered
            .last()
            .map_or(0, |(number, _)| *number as usize + 1);
        let mut ranges = vec![(0u32, 0u32); numbers];
        for (at, (number, _)) in numbered.iter().enumerate() {
            let range = &mut ranges[*number as usize];
            if range.1 == range.0 {
                range.0 = at as u32;
            }
            range.1 = at as u32 + 1;
        }
        AcdIndex {
            numbered: numbered.into_iter().map(|(_, c)| c).collect(),
            calls: calls.len(),
            ranges,
            keyless: Candidates::new(keyless),
        }
    }

    /// The calls of `number`, or the keyless ones; `None` when there are none.
    fn calls_of(&self, number: Option<Code>) -> Option<CallsOf<'_>> {
        let calls = match number {
            Some(number) => {
                let &(start, end) = self.ranges.get(number.index())?;
                CallsOf {
                    calls: &self.numbered[start as usize..end as usize],
                    latest_end: &[],
                }
            }
            None => self.keyless.view(),
        };
        (!calls.calls.is_empty()).then_some(calls)
    }
}

/// For each recording (re-ordered by start, then id), the ACD call it links to. A start in the
/// autumn hour that happens twice links with whichever of its instants finds a call, the
/// earlier first.
pub(crate) fn recordings(
    index: &AcdIndex,
    recordings: &mut KeptRows<KeptRecording>,
) -> Vec<Option<Code>> {
    let KeptRows { rows, text, .. } = recordings;
    sort_rows(
        rows,
        |r| r.started.get().resolve(None),
        |r| text.get(r.recording_id),
    );
    // Each call links to one recording at most.
    let mut taken = vec![false; index.calls];
    rows.iter()
        .map(|rec| {
            let list = index.calls_of(rec.number)?.calls;
            let best = rec.started.get().candidates().find_map(|started| {
                let from = list.partition_point(|c| c.answered < started - RECORDING_TOLERANCE);
                list[from..]
                    .iter()
                    .take_while(|c| c.answered <= started + RECORDING_TOLERANCE)
                    .min_by_key(|c| ((c.answered - started).abs(), c.order()))
            })?;
            let call = best.call;
            (!std::mem::replace(&mut taken[call as usize], true)).then(|| Code::new(call))
        })
        .collect()
}

/// For each incident call (re-ordered by call time, then incident id), the ACD call it links
/// to: the latest answered at or before the call time among the caller's calls that ended no
/// more than [`INCIDENT_AFTER_END`] before it, or, with no number, among the keyless calls
/// still in progress. A call time in the autumn hour that happens twice links with whichever of
/// its instants finds a call, the earlier first.
pub(crate) fn incidents(
    index: &AcdIndex,
    incidents: &mut KeptRows<KeptIncident>,
) -> Vec<Option<Code>> {
    let KeptRows { rows, text, .. } = incidents;
    sort_rows(
        rows,
        |r| r.call_time.get().resolve(None),
        |r| text.get(r.incident_id),
    );
    rows.iter()
        .map(|inc| {
            let list = index.calls_of(inc.number)?;
            let after_end = if inc.number.is_some() {
                INCIDENT_AFTER_END
            } else {
                0
            };
            inc.call_time
                .get()
                .candidates()
                .find_map(|at| latest_in_progress(list, at, at - after_end))
                .map(Code::new)
        })
        .collect()
}

/// Of the calls answered at or before `at` (and no more than [`LONGEST_CALL`] before it) that
/// ended at or after `ended_by`, the latest answered, the lowest in call id order among those
/// answered at that instant: walking back from `at`, whole blocks of calls that all ended
/// before `ended_by` are skipped until one is found.
fn latest_in_progress(list: CallsOf<'_>, at: Micros, ended_by: Micros) -> Option<u32> {
    let calls = &list.calls;
    let upto = calls.partition_point(|c| c.answered <= at);
    let from = calls.partition_point(|c| c.answered < at - LONGEST_CALL);
    let mut best: Option<&Candidate> = None;
    let mut i = upto;
    while i > from {
        if best.is_none()
            && i.is_multiple_of(BLOCK)
            && list
                .latest_end
                .get(i / BLOCK - 1)
                .is_some_and(|&end| end < ended_by)
        {
            i -= BLOCK;
            continue;
        }
        i -= 1;
        let c = &calls[i];
        if best.is_some_and(|b| c.answered < b.answered) {
            break;
        }
        if c.ended >= ended_by && best.is_none_or(|b| c.order() < b.order()) {
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
    fn walk(list: &[Candidate], at: Micros, ended_by: Micros) -> Option<u32> {
        let upto = list.partition_point(|c| c.answered <= at);
        let mut best: Option<&Candidate> = None;
        for c in list[..upto].iter().rev() {
            if c.answered < at - LONGEST_CALL || best.is_some_and(|b| c.answered < b.answered) {
                break;
            }
            if c.ended >= ended_by && best.is_none_or(|b| c.order() < b.order()) {
                best = Some(c);
            }
        }
        best.map(|c| c.call)
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn skipping_blocks_finds_what_the_walk_finds(
            calls in prop::collection::vec((0i64..200, 0i64..40, 1u32..4), 0..400),
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
                    id_len,
                    call: i as u32,
                })
                .collect();
            list.sort_by_key(|c| (c.answered, c.order()));
            let candidates = Candidates::new(list);
            for (at, back) in queries {
                let at = at * hour / 4;
                let ended_by = at - back * MINUTE;
                let walked = walk(&candidates.calls, at, ended_by);
                prop_assert_eq!(latest_in_progress(candidates.view(), at, ended_by), walked);
                let unblocked = CallsOf { calls: &candidates.calls, latest_end: &[] };
                prop_assert_eq!(latest_in_progress(unblocked, at, ended_by), walked);
            }
        }
    }
}
