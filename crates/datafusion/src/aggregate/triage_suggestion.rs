//! `triage_suggestion(category)`: a suggestion for the coordinator from the categories of a
//! caller's contacts.

use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::triage::TriageAggregate;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "A suggestion for the coordinator from the categories of a caller's contacts: repeat_victim, vulnerable_caller, mixed, or undetermined when the evidence is thin. People decide; show triage_evidence beside it.",
        "triage_suggestion(category)",
        "SELECT caller_key, triage_suggestion(category) FROM contacts GROUP BY caller_key;",
        &[("category", "the incident's opening category")],
    )
});

/// The function.
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(TriageAggregate::new(
        "triage_suggestion",
        &DOCUMENTATION,
        |evidence| evidence.suggest().as_str().to_string(),
    ))
}
