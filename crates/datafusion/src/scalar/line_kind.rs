//! `line_kind(line)`: the kind of line a contact came in on: 999, 101 or other.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::profile::LineKind;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The kind of line a contact came in on: '999' (999 or 112), '101', or 'other' (a partner's line such as 111); the same classification as the caller profiles' calls_999, calls_101 and calls_other.",
        "line_kind(line)",
        "SELECT line_kind(' 112 '); -- 999",
        &[("line", "the line called")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "line_kind",
        |t| Ok(Some(LineKind::of(t).as_str().to_string())),
        Some("other"),
        &DOCUMENTATION,
    )
}
