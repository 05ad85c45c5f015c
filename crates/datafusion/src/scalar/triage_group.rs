//! `triage_group(category)`: the triage group of an incident category.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::triage::TriageTable;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The triage group of an incident category: victimisation, vulnerability or neutral (datasets/triage_groups.csv).",
        "triage_group(category)",
        "SELECT triage_group('Concern For Welfare'); -- vulnerability",
        &[("category", "an incident category")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "triage_group",
        |t| {
            Ok(Some(
                TriageTable::default_table()
                    .group_of(t)
                    .as_str()
                    .to_string(),
            ))
        },
        None,
        &DOCUMENTATION,
    )
}
