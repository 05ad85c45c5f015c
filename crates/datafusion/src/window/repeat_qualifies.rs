//! `repeat_qualifies(received_at, rule_set)`: whether each contact's rolling count reaches the
//! threshold of at least one rule of the set.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, BooleanArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::Documentation;

use super::{Definition, Figures};
use crate::docs::doc;

pub(crate) const DEFINITION: Definition = Definition {
    name: "repeat_qualifies",
    documentation: || &DOCUMENTATION,
    second_argument: "rule_set",
    return_type: || DataType::Boolean,
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "Whether the contact qualifies: its rolling count reaches the threshold of at least one rule of the set.",
        "repeat_qualifies(received_at, rule_set) OVER (PARTITION BY caller_key ORDER BY received_at)",
        "SELECT count(*) FROM (SELECT repeat_qualifies(received_at, '10/7d') OVER (PARTITION BY caller_key ORDER BY received_at) AS q FROM contacts WHERE caller_key IS NOT NULL) WHERE q;",
        &[
            ("received_at", "the contact's time"),
            ("rule_set", "rules like '10/7d' or '5/30d,12/90d'"),
        ],
    )
});

/// Whether each contact qualifies.
pub(super) fn values(figures: &impl Figures, range: Range<usize>) -> ArrayRef {
    Arc::new(BooleanArray::from(
        range.map(|i| figures.qualifies(i)).collect::<Vec<_>>(),
    ))
}
