//! The rows of the three linked sources as a reading thread makes them: an ACD call, a
//! recording and an incident call, their times still local (the clock change is resolved when
//! the ingest finishes, `crate::sources`). They are kept, smaller, as `crate::kept`'s rows
//! until `crate::link` joins them.

use engage_kernel::Micros;
use engage_kernel::contact_index::KeyHash;
use engage_kernel::phone::Cli;

use crate::kept::{TextArena, TextRef};
use crate::local_time::LocalInstant;

// The texts of a row are in the arena of the batch of rows it was read in (`TextRef`s), not
// a `String` each: a thread reading rows allocates one buffer a batch, and the thread keeping
// them frees one.

/// A text to be coded among a vocabulary (an E.164 number, an address key, a postcode) as
/// read: its text in the batch's arena, and its hash, worked out on the reading thread so that
/// the thread keeping the rows only looks it up (and can ask for its slot ahead).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HashedText {
    pub text: TextRef,
    pub hash: KeyHash,
}

impl HashedText {
    /// `word`, kept in `text`.
    pub fn keep(word: &str, text: &mut TextArena) -> Self {
        HashedText {
            text: text.push(word),
            hash: KeyHash::of(word),
        }
    }
}

/// A caller number as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallerText {
    Present(HashedText),
    Withheld,
    Unavailable,
}

impl CallerText {
    /// `cli`, its number kept in `text`.
    pub fn of(cli: Cli, text: &mut TextArena) -> Self {
        match cli {
            Cli::Present(number) => CallerText::Present(HashedText::keep(&number, text)),
            Cli::Withheld => CallerText::Withheld,
            Cli::Unavailable => CallerText::Unavailable,
        }
    }

    /// The number, if one was presented.
    pub fn number(self) -> Option<HashedText> {
        match self {
            CallerText::Present(number) => Some(number),
            CallerText::Withheld | CallerText::Unavailable => None,
        }
    }
}

/// One ACD call as read.
pub(crate) struct AcdRow {
    pub call_id: TextRef,
    pub phone_line: TextRef,
    pub cli: CallerText,
    pub arrived: LocalInstant,
    pub answered: Option<LocalInstant>,
    pub ended: Option<LocalInstant>,
    pub outcome: &'static str,
}

/// One inbound phone recording as read; `line` and `raw` make its reject should it link to no
/// call.
pub(crate) struct RecordingRow {
    pub recording_id: TextRef,
    /// The remote number; `None` when withheld or unavailable.
    pub remote: Option<HashedText>,
    pub started: LocalInstant,
    pub line: u64,
    /// The row as a reject shows it, in the batch's raw rows (`ParsedBatch::raw`).
    pub raw: TextRef,
}

/// One incident call as read; `line` and `raw` make its reject should it link to no call.
pub(crate) struct IncidentRow {
    pub incident_id: TextRef,
    pub call_time: LocalInstant,
    /// E.164.
    pub caller: Option<HashedText>,
    /// As published: pseudonymised when publishing with a key.
    pub address_key: Option<HashedText>,
    /// As published: the postcode district when publishing with a key.
    pub postcode: Option<HashedText>,
    /// Looked up with the full postcode.
    pub csu: Option<TextRef>,
    pub category: Option<TextRef>,
    pub closing_category: Option<TextRef>,
    pub grade: Option<i8>,
    pub line: u64,
    /// The row as a reject shows it, in the batch's raw rows (`ParsedBatch::raw`).
    pub raw: TextRef,
}

/// One partner's contact as read: the fields a partner's contact has.
pub(crate) struct PartnerRow {
    pub contact_id: TextRef,
    /// `fire` or `ambulance`.
    pub agency: &'static str,
    pub line: TextRef,
    pub received_at: Micros,
    /// As published: a pseudonym (read as one, or made with the key), or E.164.
    pub caller_key: Option<HashedText>,
    pub cli_status: &'static str,
    pub outcome: &'static str,
    pub category: Option<TextRef>,
}

/// Sorts `rows` by `first`, then by `then`, rows equal in both keeping their order (a stable
/// sort), moving each row once: the rows are large, their keys small. The sort orders the
/// rows' positions (4 bytes a row, not a key and a position's 16): for tens of millions of
/// recordings that is hundreds of megabytes less at the ingest's peak.
pub(crate) fn sort_rows<T, K: Ord>(
    rows: &mut [T],
    first: impl Fn(&T) -> i64,
    then: impl Fn(&T) -> K,
) {
    let order = sorted_order(rows, first, then);
    permute(rows, |at| order[at] as usize);
}

/// The positions of `rows` in the order [`sort_rows`] would put them, leaving the rows where
/// they are: for rows only read in that order once.
pub(crate) fn sorted_order<T, K: Ord>(
    rows: &[T],
    first: impl Fn(&T) -> i64,
    then: impl Fn(&T) -> K,
) -> Vec<u32> {
    let mut order: Vec<u32> =
        (0..u32::try_from(rows.len()).expect("under 4 billion rows")).collect();
    // A stable sort, which finds the runs of rows already in order (exports mostly are): an
    // unstable one sorted 5M nearly sorted calls from scratch. In nearly sorted rows the rows
    // compared are mostly neighbours, so reading their keys seldom misses the cache.
    order.sort_by(|&a, &b| {
        let (a, b) = (&rows[a as usize], &rows[b as usize]);
        first(a).cmp(&first(b)).then_with(|| then(a).cmp(&then(b)))
    });
    order
}

/// The items `items()` gives, each with its group (below `groups`), grouped by counting: each
/// group's items in the order given. Returns where each group starts among the items (one
/// more entry than groups: a group ends where the next starts) and the items. `items` is
/// called twice, once to count and once to place.
pub(crate) fn group_by_counting<T: Copy + Default, I: Iterator<Item = (usize, T)>>(
    groups: usize,
    items: impl Fn() -> I,
) -> (Vec<u32>, Vec<T>) {
    let mut starts = vec![0u32; groups + 1];
    for (group, _) in items() {
        starts[group + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut grouped = vec![T::default(); starts[groups] as usize];
    let mut next = starts.clone();
    for (group, item) in items() {
        grouped[next[group] as usize] = item;
        next[group] += 1;
    }
    (starts, grouped)
}

/// Reorders `rows` in place so that position `at` holds the row that was at `from(at)` (a
/// permutation), following each cycle with swaps: no second copy of the rows, which for
/// millions of contacts is gigabytes of fresh memory.
pub(crate) fn permute<T>(rows: &mut [T], from: impl Fn(usize) -> usize) {
    let mut done = vec![false; rows.len()];
    for start in 0..rows.len() {
        if done[start] {
            continue;
        }
        let mut at = start;
        loop {
            done[at] = true;
            let source = from(at);
            if source == start {
                break;
            }
            rows.swap(at, source);
            at = source;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sort_rows_is_the_stable_sort(rows in prop::collection::vec((0i64..5, "[ab]{0,2}"), 0..60)) {
            let mut expected = rows.clone();
            expected.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            // Tag each row with its position to tell equal rows apart.
            let mut tagged: Vec<(i64, String, usize)> =
                rows.into_iter().enumerate().map(|(i, (k, s))| (k, s, i)).collect();
            let mut reference = tagged.clone();
            reference.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            sort_rows(&mut tagged, |r| r.0, |r| r.1.clone());
            prop_assert_eq!(&tagged, &reference);
            let untagged: Vec<(i64, String)> = tagged.into_iter().map(|(k, s, _)| (k, s)).collect();
            prop_assert_eq!(untagged, expected);
        }

        #[test]
        fn grouping_by_counting_is_a_stable_sort_by_group(items in prop::collection::vec((0usize..5, any::<u8>()), 0..60)) {
            let (starts, grouped) = group_by_counting(5, || items.iter().copied());
            let mut expected = items.clone();
            expected.sort_by_key(|&(group, _)| group);
            prop_assert_eq!(&grouped, &expected.iter().map(|&(_, item)| item).collect::<Vec<_>>());
            for group in 0..5 {
                let count = items.iter().filter(|&&(g, _)| g == group).count();
                prop_assert_eq!((starts[group + 1] - starts[group]) as usize, count);
            }
        }

        #[test]
        fn permute_puts_each_row_where_it_is_asked(order in Just((0..50).collect::<Vec<usize>>()).prop_shuffle()) {
            let mut rows: Vec<usize> = (100..150).collect();
            permute(&mut rows, |at| order[at]);
            let expected: Vec<usize> = order.iter().map(|&i| 100 + i).collect();
            prop_assert_eq!(rows, expected);
        }
    }
}
