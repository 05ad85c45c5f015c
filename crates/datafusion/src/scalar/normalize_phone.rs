//! `normalize_phone(text)`: a caller's number in E.164, NULL when withheld, unavailable or unparseable.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::phone::normalize_phone;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "A caller's number in E.164 (+447700900123), or NULL when withheld, unavailable or unparseable.",
        "normalize_phone(text)",
        "SELECT normalize_phone('07700 900123'); -- +447700900123",
        &[("text", "a phone number as typed or presented")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "normalize_phone",
        |t| Ok(normalize_phone(t)),
        None,
        &DOCUMENTATION,
    )
}
