//! `postcode_csu(postcode)`: the community safety unit covering a postcode.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::postcode::CsuTable;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The community safety unit covering a postcode, from datasets/csu_districts.csv.",
        "postcode_csu(postcode)",
        "SELECT postcode_csu('ME14 1AA'); -- Maidstone CSU",
        &[(
            "postcode",
            "a postcode in any form, or a postcode district like ME14",
        )],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "postcode_csu",
        |t| Ok(CsuTable::kent().lookup(t).map(|p| p.csu.to_string())),
        None,
        &DOCUMENTATION,
    )
}
