//! `repeat_episode(received_at, rule_set)`: the number (1, 2, … within the caller) of the
//! episode whose span holds each contact, NULL outside every episode.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::Documentation;

use super::{Definition, Figures};
use crate::docs::doc;

pub(crate) const DEFINITION: Definition = Definition {
    name: "repeat_episode",
    documentation: || &DOCUMENTATION,
    second_argument: "rule_set",
    return_type: || DataType::Int64,
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The number (1, 2, ... within the caller) of the repeat-caller episode whose span holds the contact, or NULL outside every episode.",
        "repeat_episode(received_at, rule_set) OVER (PARTITION BY caller_key ORDER BY received_at)",
        "SELECT caller_key, received_at, repeat_episode(received_at, '10/7d') OVER (PARTITION BY caller_key ORDER BY received_at) FROM contacts WHERE caller_key IS NOT NULL;",
        &[
            ("received_at", "the contact's time"),
            (
                "rule_set",
                "rules like '10/7d' or '5/30d,12/90d'; engage_rule_set() for the session's",
            ),
        ],
    )
});

/// Each contact's episode number, NULL for 0.
pub(super) fn values(figures: &impl Figures, range: Range<usize>) -> ArrayRef {
    Arc::new(Int64Array::from_iter(range.map(|i| {
        let n = figures.episode_no(i);
        (n > 0).then_some(n as i64)
    })))
}
