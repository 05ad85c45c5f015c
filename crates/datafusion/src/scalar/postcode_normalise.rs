//! `postcode_normalise(text)`: a UK postcode in its normal form.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::postcode::normalize_postcode;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "A UK postcode in its normal form (upper case, one space), or NULL when it is not one.",
        "postcode_normalise(text)",
        "SELECT postcode_normalise('me141aa'); -- ME14 1AA",
        &[("text", "a postcode as typed")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "postcode_normalise",
        |t| Ok(normalize_postcode(t)),
        None,
        &DOCUMENTATION,
    )
}
