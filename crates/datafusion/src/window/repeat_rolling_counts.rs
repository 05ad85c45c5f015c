//! `repeat_rolling_counts(received_at, rule_set)`: each contact's rolling count under every
//! rule of the set, as a list in the set's order.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Builder, ListBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::logical_expr::Documentation;

use super::{Definition, Figures};
use crate::docs::doc;

pub(crate) const DEFINITION: Definition = Definition {
    name: "repeat_rolling_counts",
    documentation: || &DOCUMENTATION,
    second_argument: "rule_set",
    return_type: || DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true))),
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The contact's rolling count under each rule of the set, in the set's order.",
        "repeat_rolling_counts(received_at, rule_set) OVER (PARTITION BY caller_key ORDER BY received_at)",
        "SELECT repeat_rolling_counts(received_at, '5/30d,12/90d') OVER (PARTITION BY caller_key ORDER BY received_at) FROM contacts WHERE caller_key IS NOT NULL;",
        &[
            ("received_at", "the contact's time"),
            ("rule_set", "rules like '5/30d,12/90d'"),
        ],
    )
});

/// Each contact's counts under the `rules` rules.
pub(super) fn values(figures: &impl Figures, range: Range<usize>, rules: usize) -> ArrayRef {
    let mut list = ListBuilder::with_capacity(
        Int64Builder::with_capacity(range.len() * rules),
        range.len(),
    );
    for i in range {
        for r in 0..rules {
            list.values().append_value(figures.count(r, i) as i64);
        }
        list.append(true);
    }
    Arc::new(list.finish())
}
