//! Linking recordings and incident calls to the ACD call they belong to
//! (rules and tolerances in `docs/exports.md`).

use engage_kernel::Micros;
use engage_kernel::cache::prefetch;
use engage_kernel::time::{MINUTE, SECOND};

use crate::kept::{Caller, Code, KeptIncident, KeptRecording, KeptRows, Label, TextRef};
use crate::rows::{group_by_counting, sorted_order};

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

/// An answered call as linking weighs it: 20 bytes (packed: there are millions).
#[derive(Clone, Copy, Default)]
#[repr(C, packed(4))]
struct Candidate {
    answered: Micros,
    ended: Micros,
    /// The call's position in call id order, which is its id's order: ties go to the lower.
    call: u32,
}

/// Answered ACD calls by caller number (a code among the kept numbers), and the keyless ones
/// (withheld and unavailable), each in order of answer time: the numbers' calls in one array
/// grouped by number, rather than a list of its own for each of millions of numbers.
pub(crate) struct AcdIndex {
    /// The calls of every number, grouped by number code.
    numbered: Vec<Candidate>,
    /// How many calls there are, answered or not.
    calls: usize,
    /// Per number code, where its calls start in `numbered`; they end where the next
    /// number's start (one more entry than numbers).
    starts: Vec<u32>,
    keyless: Candidates,
}

/// The answered keyless calls in order of answer time, with the latest end in each block of
/// [`BLOCK`] calls, so a walk back for a call still in progress skips the blocks that hold
/// none (the keyless calls of a busy day are thousands).
struct Candidates {
    calls: Vec<Candidate>,
    latest_end: Vec<Micros>,
}

/// How many rows ahead a link asks for where a number's calls start, and for the first of
/// them ([`AcdIndex::prefetch_ahead`]).
const STARTS_AHEAD: usize = 16;
const CALLS_AHEAD: usize = 8;

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
        let candidate = |(i, call): (usize, &AcdCall)| {
            let answered = call.answered?;
            Some(Candidate {
                answered,
                ended: call.ended.unwrap_or(answered),
                call: u32::try_from(i).expect("under 4 billion calls"),
            })
        };
        // Grouped by number by counting: each number's calls stay in call id order, then are
        // put in order of answer time (a stable sort, of runs mostly in order already).
        let numbers = calls
            .iter()
            .filter_map(|call| call.caller.number())
            .map(|number| number.index() + 1)
            .max()
            .unwrap_or(0);
        let (starts, mut numbered) = group_by_counting(numbers, || {
            calls.iter().enumerate().filter_map(|(i, call)| {
                Some((call.caller.number()?.index(), candidate((i, call))?))
            })
        });
        let mut keyless: Vec<Candidate> = calls
            .iter()
            .enumerate()
            .filter(|(_, call)| call.caller.number().is_none())
            .filter_map(candidate)
            .collect();
        for number in starts.windows(2) {
            numbered[number[0] as usize..number[1] as usize].sort_by_key(|c| c.answered);
        }
        keyless.sort_by_key(|c| c.answered);
        AcdIndex {
            numbered,
            calls: calls.len(),
            starts,
            keyless: Candidates::new(keyless),
        }
    }

    /// Asks for what [`AcdIndex::calls_of`] reads of `number` to be brought into the cache,
    /// for the rows [`STARTS_AHEAD`] and [`CALLS_AHEAD`] on from `at` (whose numbers `number`
    /// says), so that the lookups of several rows overlap: the index is far larger than the
    /// cache, and rows in time order look up numbers all over it.
    fn prefetch_ahead<T>(&self, rows: &[T], at: usize, number: impl Fn(&T) -> Option<Code>) {
        if let Some(number) = rows.get(at + STARTS_AHEAD).and_then(&number)
            && let Some(start) = self.starts.get(number.index())
        {
            prefetch(start);
        }
        if let Some(number) = rows.get(at + CALLS_AHEAD).and_then(&number)
            && let Some(&start) = self.starts.get(number.index())
            && let Some(first) = self.numbered.get(start as usize)
        {
            prefetch(first);
        }
    }

    /// The calls of `number`, or the keyless ones; `None` when there are none.
    fn calls_of(&self, number: Option<Code>) -> Option<CallsOf<'_>> {
        let calls = match number {
            Some(number) => {
                let (&start, &end) = (
                    self.starts.get(number.index())?,
                    self.starts.get(number.index() + 1)?,
                );
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

/// Each recording's position, in order of start (then id), and the ACD call it links to. A
/// start in the autumn hour that happens twice links with whichever of its instants finds a
/// call, the earlier first.
pub(crate) fn recordings(
    index: &AcdIndex,
    recordings: &KeptRows<KeptRecording>,
) -> Vec<(u32, Option<Code>)> {
    let KeptRows { rows, text, .. } = recordings;
    let order = sorted_order(
        rows,
        |r| r.started.get().resolve(None),
        |r| text.get(r.recording_id),
    );
    // Each call links to one recording at most: the first in that order to find it.
    let mut taken = vec![false; index.calls];
    let number = |&row: &u32| rows[row as usize].number;
    (0..order.len())
        .map(|at| {
            index.prefetch_ahead(&order, at, number);
            let rec = &rows[order[at] as usize];
            let mut link = || {
                let list = index.calls_of(rec.number)?.calls;
                let best = rec.started.get().candidates().find_map(|started| {
                    let from = list.partition_point(|c| c.answered < started - RECORDING_TOLERANCE);
                    list[from..]
                        .iter()
                        .take_while(|c| c.answered <= started + RECORDING_TOLERANCE)
                        .min_by_key(|c| ((c.answered - started).abs(), c.call))
                })?;
                let call = best.call;
                (!std::mem::replace(&mut taken[call as usize], true)).then(|| Code::new(call))
            };
            (order[at], link())
        })
        .collect()
}

/// Each incident call's position, in order of call time (then incident id), and the ACD call
/// it links to: the latest answered at or before the call time among the caller's calls that
/// ended no more than [`INCIDENT_AFTER_END`] before it, or, with no number, among the keyless
/// calls still in progress. A call time in the autumn hour that happens twice links with
/// whichever of its instants finds a call, the earlier first.
pub(crate) fn incidents(
    index: &AcdIndex,
    incidents: &KeptRows<KeptIncident>,
) -> Vec<(u32, Option<Code>)> {
    let KeptRows { rows, text, .. } = incidents;
    let order = sorted_order(
        rows,
        |r| r.call_time.get().resolve(None),
        |r| text.get(r.incident_id),
    );
    let number = |&row: &u32| rows[row as usize].number;
    (0..order.len())
        .map(|at| {
            index.prefetch_ahead(&order, at, number);
            let inc = &rows[order[at] as usize];
            let link = || {
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
            };
            (order[at], link())
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
        if c.ended >= ended_by && best.is_none_or(|b| c.call < b.call) {
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
            if c.ended >= ended_by && best.is_none_or(|b| c.call < b.call) {
                best = Some(c);
            }
        }
        best.map(|c| c.call)
    }

    use crate::kept::{Caller, Code, Label, TextArena};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_index_holds_each_numbers_answered_calls_by_answer_time_then_id(
            calls in prop::collection::vec((prop::option::of(0u32..6), prop::option::of(0i64..8), 0i64..3), 0..200),
        ) {
            let mut ids = TextArena::default();
            let calls: Vec<AcdCall> = calls
                .iter()
                .map(|&(number, answered, length)| AcdCall {
                    call_id: ids.push("A1"),
                    caller: number.map_or(Caller::WITHHELD, |n| Caller::present(Code::new(n))),
                    phone_line: Code::new(0),
                    outcome: Label::of("answered"),
                    arrived: 0,
                    answered,
                    ended: answered.map(|a| a + length),
                })
                .collect();
            let index = AcdIndex::new(&calls);
            prop_assert_eq!(index.calls, calls.len());
            for number in (0..7).map(|n| Some(Code::new(n))).chain([None]) {
                let mut expected: Vec<(i64, i64, u32)> = calls
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.caller.number() == number)
                    .filter_map(|(i, c)| Some((c.answered?, c.ended?, i as u32)))
                    .collect();
                expected.sort_by_key(|&(answered, _, call)| (answered, call));
                let found: Vec<(i64, i64, u32)> = index
                    .calls_of(number)
                    .map(|list| list.calls.iter().map(|c| (c.answered, c.ended, c.call)).collect())
                    .unwrap_or_default();
                prop_assert_eq!(found, expected);
            }
        }

        #[test]
        fn skipping_blocks_finds_what_the_walk_finds(
            calls in prop::collection::vec((0i64..200, 0i64..40), 0..400),
            queries in prop::collection::vec((0i64..220, 0i64..30), 1..20),
        ) {
            // Minutes, so a day (LONGEST_CALL) covers some of the calls and not others.
            let hour = 60 * MINUTE;
            let mut list: Vec<Candidate> = calls
                .iter()
                .enumerate()
                .map(|(i, &(answered, length))| Candidate {
                    answered: answered * hour / 4,
                    ended: answered * hour / 4 + length * MINUTE,
                    call: i as u32,
                })
                .collect();
            list.sort_by_key(|c| (c.answered, c.call));
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
