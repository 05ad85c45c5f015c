//! `engage_quiet_weeks()`: weeks without a qualifying contact after which a referred caller is no longer coming to notice (`SET engage.quiet_weeks`).

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::setting::{SessionSetting, Setting};
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "Weeks without a qualifying contact after which a referred caller counts as no longer coming to notice (SET engage.quiet_weeks = 8; default 8).",
        "engage_quiet_weeks()",
        "SELECT engage_quiet_weeks(); -- 8",
        &[],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    SessionSetting::udf("engage_quiet_weeks", Setting::QuietWeeks, &DOCUMENTATION)
}
