//! `triage_evidence(category)`: the evidence behind `triage_suggestion`, contacts per triage
//! group and per category.

use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::triage::TriageAggregate;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The evidence behind triage_suggestion: contacts per triage group and per category.",
        "triage_evidence(category)",
        "SELECT caller_key, triage_evidence(category) FROM contacts GROUP BY caller_key;",
        &[("category", "the incident's opening category")],
    )
});

/// The function.
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(TriageAggregate::new(
        "triage_evidence",
        &DOCUMENTATION,
        |evidence| evidence.summary(),
    ))
}
