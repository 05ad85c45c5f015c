//! `postcode_district(postcode)`: the district of a postcode (Kent's districts and Medway).

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};
use engage_kernel::postcode::CsuTable;

use super::text::TextFunction;
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The district (Kent's districts and Medway) of a postcode, from datasets/csu_districts.csv.",
        "postcode_district(postcode)",
        "SELECT postcode_district('ME14 1AA'); -- Maidstone",
        &[(
            "postcode",
            "a postcode in any form, or a postcode district like ME14",
        )],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    TextFunction::udf(
        "postcode_district",
        |t| Ok(CsuTable::kent().lookup(t).map(|p| p.district.to_string())),
        None,
        &DOCUMENTATION,
    )
}
