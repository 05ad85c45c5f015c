//! `uk_date(received_at)`: the calendar date of an instant in UK local time.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::local_time::{LocalPart, LocalTime};
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The calendar date of an instant in UK local time.",
        "uk_date(received_at)",
        "SELECT uk_date(received_at) AS day, count(*) FROM contacts GROUP BY 1;",
        &[("received_at", "a timestamp")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    LocalTime::udf("uk_date", LocalPart::Date, &DOCUMENTATION)
}
