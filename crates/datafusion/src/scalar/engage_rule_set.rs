//! `engage_rule_set()`: the session's rule set (`SET engage.rule_set`).

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::setting::{SessionSetting, Setting};
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The session's rule set, which the views follow; change it with SET engage.rule_set = '5/30d,12/90d'.",
        "engage_rule_set()",
        "SELECT engage_rule_set(); -- 10/7d",
        &[],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    SessionSetting::udf("engage_rule_set", Setting::RuleSet, &DOCUMENTATION)
}
