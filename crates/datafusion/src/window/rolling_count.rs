//! `rolling_count(received_at, window)`: how many of the caller's contacts fall in the window
//! (t − W, t] that ends at each contact (the spec's rolling count).

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNanoType, IntervalUnit};
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::Documentation;
use engage_kernel::{Rule, RuleSet};

use super::{Definition, Figures};
use crate::args::{first_text, text_type};
use crate::docs::doc;

pub(crate) const DEFINITION: Definition = Definition {
    name: "rolling_count",
    documentation: || &DOCUMENTATION,
    second_argument: "window",
    return_type: || DataType::Int64,
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The rolling count of a contact: how many of its caller's contacts fall in the window (t - W, t] that ends at it. Contacts at the same instant share a count.",
        "rolling_count(received_at, window) OVER (PARTITION BY caller_key ORDER BY received_at)",
        "SELECT caller_key, received_at, rolling_count(received_at, INTERVAL '7 days') OVER (PARTITION BY caller_key ORDER BY received_at) FROM contacts WHERE caller_key IS NOT NULL;",
        &[
            ("received_at", "the contact's time"),
            (
                "window",
                "the window W: an interval such as INTERVAL '7 days' (no months), or text such as '7d', '36h', '2w'",
            ),
        ],
    )
});

/// The window argument's type: an interval, or text such as `'7d'`.
pub(super) fn coerce_window(given: &DataType) -> Result<DataType> {
    match given {
        DataType::Interval(_) => Ok(DataType::Interval(IntervalUnit::MonthDayNano)),
        other => text_type(other, DEFINITION.name).map_err(|_| {
            DataFusionError::Plan(format!(
                "rolling_count: the window is an interval such as INTERVAL '7 days' or text such as '7d', not {other}"
            ))
        }),
    }
}

/// The window as a rule set of one rule whose threshold no caller reaches: counts only, no
/// episodes to build.
pub(super) fn rules(argument: &ArrayRef) -> Result<RuleSet> {
    let window = match argument.data_type() {
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let values = argument.as_primitive::<IntervalMonthDayNanoType>();
            let Some(i) = (0..values.len()).find(|&i| values.is_valid(i)) else {
                return exec_err!("the window is NULL; give it like INTERVAL '7 days'");
            };
            let v = values.value(i);
            if v.months != 0 {
                return exec_err!(
                    "rolling_count: a window in months is not a fixed length; give it in days (a month is 30 days: INTERVAL '30 days')"
                );
            }
            v.days as i64 * engage_kernel::time::DAY + v.nanoseconds / 1_000
        }
        _ => {
            let Some(text) = first_text(argument)? else {
                return exec_err!("the window is NULL; give it like '7d'");
            };
            let rule: Rule = format!("1/{}", text.trim()).parse().map_err(|_| {
                DataFusionError::Execution(format!(
                    "rolling_count: `{text}` is not a window; expected a length with unit h, d or w, like '7d'"
                ))
            })?;
            rule.window
        }
    };
    if window <= 0 {
        return exec_err!(
            "rolling_count: the window must be longer than zero, not {}",
            window_words(argument)
        );
    }
    let rule = Rule::new(u32::MAX, window).expect("a positive window makes a rule");
    Ok(RuleSet::new(vec![rule]).expect("one rule"))
}

/// The window as the user wrote it: `INTERVAL '-1 days'` or `'-1d'`.
fn window_words(argument: &ArrayRef) -> String {
    ScalarValue::try_from_array(argument, 0)
        .map(|v| match v {
            ScalarValue::IntervalMonthDayNano(Some(i)) => {
                let mut parts = Vec::new();
                if i.days != 0 {
                    parts.push(format!("{} days", i.days));
                }
                if i.nanoseconds != 0 || parts.is_empty() {
                    parts.push(format!("{} seconds", i.nanoseconds as f64 / 1e9));
                }
                format!("INTERVAL '{}'", parts.join(" "))
            }
            other => format!("'{other}'"),
        })
        .unwrap_or_else(|_| "the window given".to_string())
}

/// Each contact's count.
pub(super) fn values(figures: &impl Figures, range: Range<usize>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(
        range.map(|i| figures.count(0, i) as i64),
    ))
}
