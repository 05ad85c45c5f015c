//! `uk_hour(received_at)`: the hour of day (0–23) of an instant in UK local time.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::local_time::{LocalPart, LocalTime};
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The hour of day (0-23) of an instant in UK local time (Europe/London, BST applied).",
        "uk_hour(received_at)",
        "SELECT uk_hour(received_at), count(*) FROM contacts GROUP BY 1;",
        &[("received_at", "a timestamp")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    LocalTime::udf("uk_hour", LocalPart::Hour, &DOCUMENTATION)
}
