//! `uk_weekday(received_at)`: the day of week of an instant in UK local time, 0 Monday to 6 Sunday.

use std::sync::LazyLock;

use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::local_time::{LocalPart, LocalTime};
use crate::docs::doc;

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The day of week of an instant in UK local time: 0 Monday .. 6 Sunday.",
        "uk_weekday(received_at)",
        "SELECT uk_weekday(received_at), count(*) FROM contacts GROUP BY 1;",
        &[("received_at", "a timestamp")],
    )
});

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    LocalTime::udf("uk_weekday", LocalPart::Weekday, &DOCUMENTATION)
}
