//! `engage_as_of()`: the time the coordinator's views are as of (`SET engage.as_of`).

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::setting::{SessionSetting, Setting};
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The time the coordinator's views (caseload, morning_list, outcomes) are as of, set with SET engage.as_of = '2025-11-03T08:00:00Z' ('latest' unsets it); NULL when not set (the views then use the latest contact).",
        "engage_as_of()",
        "SELECT coalesce(engage_as_of(), (SELECT max(received_at) FROM contacts));",
        &[],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    SessionSetting::udf("engage_as_of", Setting::AsOf, &DOCUMENTATION)
}
