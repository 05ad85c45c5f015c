//! The rows of the three linked sources as read, before the systems are linked: an ACD call,
//! a recording and an incident call, their times still local (the clock change is resolved
//! when the ingest finishes, `crate::sources`). `crate::link` joins them.

use engage_kernel::phone::Cli;

use crate::local_time::LocalInstant;

/// One ACD call as read.
pub(crate) struct AcdRow {
    pub call_id: String,
    pub phone_line: String,
    pub cli: Cli,
    pub arrived: LocalInstant,
    pub answered: Option<LocalInstant>,
    pub ended: Option<LocalInstant>,
    pub outcome: &'static str,
}

/// One inbound phone recording as read; `line` and `raw` make its reject should it link to no
/// call.
pub(crate) struct RecordingRow {
    pub recording_id: String,
    pub remote: Cli,
    pub started: LocalInstant,
    pub line: u64,
    /// The row as a reject shows it.
    pub raw: String,
}

/// One incident call as read; `line` and `raw` make its reject should it link to no call.
pub(crate) struct IncidentRow {
    pub incident_id: String,
    pub call_time: LocalInstant,
    pub caller: Option<String>,
    /// As published: pseudonymised when publishing with a key.
    pub address_key: Option<String>,
    /// As published: the postcode district when publishing with a key.
    pub postcode: Option<String>,
    /// Looked up with the full postcode.
    pub csu: Option<String>,
    pub category: Option<String>,
    pub closing_category: Option<String>,
    pub grade: Option<i8>,
    pub line: u64,
    /// The row as a reject shows it.
    pub raw: String,
}

/// Sorts `rows` by `first`, then by `then` as text, rows equal in both keeping their order (a
/// stable sort), moving each row once: the rows are large, their keys small.
pub(crate) fn sort_rows<T>(rows: &mut [T], first: impl Fn(&T) -> i64, then: impl Fn(&T) -> &str) {
    let mut order: Vec<(i64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (first(r), i))
        .collect();
    // A stable sort, which finds the runs of rows already in order (exports mostly are): an
    // unstable one sorted 5M nearly sorted calls from scratch.
    order.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| then(&rows[a.1]).cmp(then(&rows[b.1])))
    });
    permute(rows, |at| order[at].1);
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
            sort_rows(&mut tagged, |r| r.0, |r| r.1.as_str());
            prop_assert_eq!(&tagged, &reference);
            let untagged: Vec<(i64, String)> = tagged.into_iter().map(|(k, s, _)| (k, s)).collect();
            prop_assert_eq!(untagged, expected);
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
