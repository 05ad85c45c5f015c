//! Window functions over one caller's contacts in time order:
//! `rolling_count`, `repeat_episode`, `repeat_qualifies`, `repeat_rolling_counts`.
//!
//! Each partition (one caller, `PARTITION BY caller_key ORDER BY received_at`) is handed to the
//! kernel whole ([`engage_kernel::detect_run`]); the window frame is not used. On a snapshot
//! declared sorted by caller and time, DataFusion sorts again after repartitioning by key unless
//! `datafusion.optimizer.prefer_existing_sort` is on (`engage sql` sets it).

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, Int64Builder, ListBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, IntervalMonthDayNanoType, IntervalUnit,
};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    Documentation, PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};
use engage_kernel::{Detection, Rule, RuleSet, detect_run};

use crate::args::{first_text, micros, text_type, timestamp_micros_type};
use crate::docs::doc;

/// All window functions.
pub(crate) fn functions() -> Vec<WindowUDF> {
    [
        Kind::RollingCount,
        Kind::Episode,
        Kind::Qualifies,
        Kind::RollingCounts,
    ]
    .into_iter()
    .map(|kind| WindowUDF::new_from_impl(RepeatWindow::new(kind)))
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    RollingCount,
    Episode,
    Qualifies,
    RollingCounts,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct RepeatWindow {
    kind: Kind,
    signature: Signature,
}

impl RepeatWindow {
    fn new(kind: Kind) -> Self {
        RepeatWindow {
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

static DOCS: LazyLock<[Documentation; 4]> = LazyLock::new(|| {
    [
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
        ),
        doc(
            "The number (1, 2, ... within the caller) of the repeat-caller episode whose span holds the contact, or NULL outside every episode.",
            "repeat_episode(received_at, rule_set) OVER (PARTITION BY caller_key ORDER BY received_at)",
            "SELECT caller_key, received_at, repeat_episode(received_at, '10/7d') OVER (PARTITION BY caller_key ORDER BY received_at) FROM contacts WHERE caller_key IS NOT NULL;",
            &[
                ("received_at", "the contact's time"),
                (
                    "rule_set",
                    "rules like '10/7d' or '5/30d,12/90d'; engage_rule_set() for the session's",
                ),
            ],
        ),
        doc(
            "Whether the contact qualifies: its rolling count reaches the threshold of at least one rule of the set.",
            "repeat_qualifies(received_at, rule_set) OVER (PARTITION BY caller_key ORDER BY received_at)",
            "SELECT count(*) FROM (SELECT repeat_qualifies(received_at, '10/7d') OVER (PARTITION BY caller_key ORDER BY received_at) AS q FROM contacts WHERE caller_key IS NOT NULL) WHERE q;",
            &[
                ("received_at", "the contact's time"),
                ("rule_set", "rules like '10/7d' or '5/30d,12/90d'"),
            ],
        ),
        doc(
            "The contact's rolling count under each rule of the set, in the set's order.",
            "repeat_rolling_counts(received_at, rule_set) OVER (PARTITION BY caller_key ORDER BY received_at)",
            "SELECT repeat_rolling_counts(received_at, '5/30d,12/90d') OVER (PARTITION BY caller_key ORDER BY received_at) FROM contacts WHERE caller_key IS NOT NULL;",
            &[
                ("received_at", "the contact's time"),
                ("rule_set", "rules like '5/30d,12/90d'"),
            ],
        ),
    ]
});

impl WindowUDFImpl for RepeatWindow {
    fn name(&self) -> &str {
        match self.kind {
            Kind::RollingCount => "rolling_count",
            Kind::Episode => "repeat_episode",
            Kind::Qualifies => "repeat_qualifies",
            Kind::RollingCounts => "repeat_rolling_counts",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let [time, second] = args else {
            return plan_err!(
                "{} takes (received_at, {}), given {} arguments",
                self.name(),
                self.second_arg(),
                args.len()
            );
        };
        let second = match (self.kind, second) {
            (Kind::RollingCount, DataType::Interval(_)) => {
                DataType::Interval(IntervalUnit::MonthDayNano)
            }
            (_, other) => text_type(other, self.name())?,
        };
        Ok(vec![timestamp_micros_type(time, self.name())?, second])
    }

    fn partition_evaluator(
        &self,
        _: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(RepeatEvaluator { kind: self.kind }))
    }

    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let data_type = match self.kind {
            Kind::RollingCount | Kind::Episode => DataType::Int64,
            Kind::Qualifies => DataType::Boolean,
            Kind::RollingCounts => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
            }
        };
        Ok(Arc::new(Field::new(args.name(), data_type, true)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCS[self.kind as usize])
    }
}

impl RepeatWindow {
    fn second_arg(&self) -> &'static str {
        match self.kind {
            Kind::RollingCount => "window",
            _ => "rule_set",
        }
    }
}

#[derive(Debug)]
struct RepeatEvaluator {
    kind: Kind,
}

impl Kind {
    /// The Engage window function behind a DataFusion window UDF, if it is one.
    pub(crate) fn of(udf: &WindowUDF) -> Option<Kind> {
        let inner: &dyn std::any::Any = udf.inner().as_ref();
        inner.downcast_ref::<RepeatWindow>().map(|w| w.kind)
    }

    /// The rules from the second argument: a window for `rolling_count`, else a rule set.
    pub(crate) fn rules(self, argument: &ArrayRef) -> Result<RuleSet> {
        if self != Kind::RollingCount {
            let Some(text) = first_text(argument)? else {
                return exec_err!("the rule set is NULL; give rules like '10/7d'");
            };
            return text
                .parse()
                .map_err(|e| DataFusionError::Execution(format!("{e}")));
        }
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
        // A threshold no caller reaches: counts only, no episodes to build.
        let rule = Rule::new(u32::MAX, window).expect("a positive window makes a rule");
        Ok(RuleSet::new(vec![rule]).expect("one rule"))
    }
}

/// The window as the user wrote it: `INTERVAL '-1 days'` or `'-1d'`.
fn window_words(argument: &ArrayRef) -> String {
    datafusion::common::ScalarValue::try_from_array(argument, 0)
        .map(|v| match v {
            datafusion::common::ScalarValue::IntervalMonthDayNano(Some(i)) => {
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

impl PartitionEvaluator for RepeatEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let times_array = &values[0];
        if times_array.null_count() > 0 {
            return exec_err!(
                "received_at is NULL in {} rows; every contact needs a time",
                times_array.null_count()
            );
        }
        let times = &micros(times_array)?[..num_rows];
        let rules = self.kind.rules(&values[1])?;
        let detection: Detection = detect_run(&rules, times).map_err(|e| {
            DataFusionError::Execution(format!(
                "{e}; use OVER (PARTITION BY caller_key ORDER BY received_at)"
            ))
        })?;
        Ok(self.kind.values(&detection, 0..num_rows, rules.len()))
    }
}

/// Per-contact figures, in input order: a kernel [`Detection`], or [`PerContact`] gathered
/// from several.
pub(crate) trait Figures {
    fn count(&self, rule: usize, i: usize) -> u32;
    fn qualifies(&self, i: usize) -> bool;
    /// 0 outside every episode.
    fn episode_no(&self, i: usize) -> u32;
}

impl Figures for Detection {
    fn count(&self, rule: usize, i: usize) -> u32 {
        self.rolling_counts(rule)[i]
    }
    fn qualifies(&self, i: usize) -> bool {
        self.qualifies()[i]
    }
    fn episode_no(&self, i: usize) -> u32 {
        self.episode_numbers_of_contacts()[i]
    }
}

/// Per-contact figures kept as plain columns.
#[derive(Debug, Default)]
pub(crate) struct PerContact {
    /// `[rule][contact]`
    pub counts: Vec<Vec<u32>>,
    pub qualifies: Vec<bool>,
    pub episode_no: Vec<u32>,
}

impl Figures for PerContact {
    fn count(&self, rule: usize, i: usize) -> u32 {
        self.counts[rule][i]
    }
    fn qualifies(&self, i: usize) -> bool {
        self.qualifies[i]
    }
    fn episode_no(&self, i: usize) -> u32 {
        self.episode_no[i]
    }
}

impl Kind {
    /// This function's values for the contacts `range` of a detection.
    pub(crate) fn values(
        self,
        figures: &impl Figures,
        range: std::ops::Range<usize>,
        rules: usize,
    ) -> ArrayRef {
        match self {
            Kind::RollingCount => Arc::new(Int64Array::from_iter_values(
                range.map(|i| figures.count(0, i) as i64),
            )),
            Kind::Episode => Arc::new(Int64Array::from_iter(range.map(|i| {
                let n = figures.episode_no(i);
                (n > 0).then_some(n as i64)
            }))),
            Kind::Qualifies => Arc::new(BooleanArray::from(
                range.map(|i| figures.qualifies(i)).collect::<Vec<_>>(),
            )),
            Kind::RollingCounts => {
                let mut list = ListBuilder::with_capacity(
                    Int64Builder::with_capacity(range.len() * rules),
                    range.len(),
                );
                for i in range {
                    for r in 0..rules {
                        list.values().append_value(figures.count(r, i) as i64);
                    }
                    list.append(true);
                }
                Arc::new(list.finish())
            }
        }
    }
}
