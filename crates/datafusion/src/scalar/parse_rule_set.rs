//! `parse_rule_set(text)`: a rule set in its canonical form, or an error saying what is wrong.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::RuleSet;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "A rule set in its canonical form; an error that says what is wrong when it is not one.",
        "parse_rule_set(text)",
        "SELECT parse_rule_set('5/30d, 12/90d'); -- 5/30d,12/90d",
        &[("text", "rules like 10/7d, joined by commas; units h, d, w")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "parse_rule_set",
        |t| {
            t.parse::<RuleSet>()
                .map(|r| Some(r.to_string()))
                .map_err(|e| e.to_string())
        },
        None,
        &DOCUMENTATION,
    )
}
