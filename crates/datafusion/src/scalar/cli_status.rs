//! `cli_status(text)`: whether a caller line identity is present, withheld or unavailable.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::phone::classify_cli;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "Whether a caller line identity is present, withheld or unavailable; NULL when it is text that is not a number.",
        "cli_status(text)",
        "SELECT cli_status('Withheld'); -- withheld",
        &[("text", "a phone number or a word such as Withheld")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "cli_status",
        |t| Ok(classify_cli(t).ok().map(|c| c.status().to_string())),
        Some("unavailable"),
        &DOCUMENTATION,
    )
}
