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
pub(crate) fn sort_rows<T>(
    rows: &mut Vec<T>,
    first: impl Fn(&T) -> i64,
    then: impl Fn(&T) -> &str,
) {
    let mut order: Vec<(i64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (first(r), i))
        .collect();
    order.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| then(&rows[a.1]).cmp(then(&rows[b.1])))
            .then(a.1.cmp(&b.1))
    });
    if order.iter().enumerate().all(|(at, &(_, i))| at == i) {
        return;
    }
    let mut slots: Vec<Option<T>> = std::mem::take(rows).into_iter().map(Some).collect();
    *rows = order
        .iter()
        .map(|&(_, i)| slots[i].take().expect("each row once"))
        .collect();
}
