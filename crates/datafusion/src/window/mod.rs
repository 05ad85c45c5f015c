//! Window functions over one caller's contacts in time order, one file each:
//! [`rolling_count`], [`repeat_episode`], [`repeat_qualifies`], [`repeat_rolling_counts`].
//!
//! Each partition (one caller, `PARTITION BY caller_key ORDER BY received_at`) is handed to the
//! kernel whole ([`engage_kernel::detect_run`]); the window frame is not used. On a snapshot
//! declared sorted by caller and time, DataFusion sorts again after repartitioning by key unless
//! `datafusion.optimizer.prefer_existing_sort` is on (`engage sql` sets it). This module holds
//! what they share: the DataFusion function ([`RepeatWindow`]), its evaluator, and the
//! per-contact figures ([`Figures`]) the whole-table operators also fill.

pub(crate) mod repeat_episode;
pub(crate) mod repeat_qualifies;
pub(crate) mod repeat_rolling_counts;
pub(crate) mod rolling_count;

use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    Documentation, PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};
use engage_kernel::{Detection, RuleSet, detect_run};

use crate::args::{first_text, micros, text_type, timestamp_micros_type};

/// All window functions.
pub(crate) fn functions() -> Vec<WindowUDF> {
    Kind::ALL.into_iter().map(Kind::udwf).collect()
}

/// Which of Engage's window functions: what the whole-table operators dispatch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    RollingCount,
    Episode,
    Qualifies,
    RollingCounts,
}

/// What one window function is: each file defines one.
pub(crate) struct Definition {
    pub name: &'static str,
    pub documentation: fn() -> &'static Documentation,
    /// The second argument's name in messages: `window` or `rule_set`.
    pub second_argument: &'static str,
    pub return_type: fn() -> DataType,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::RollingCount,
        Kind::Episode,
        Kind::Qualifies,
        Kind::RollingCounts,
    ];

    /// The function as DataFusion registers it.
    pub(crate) fn udwf(self) -> WindowUDF {
        WindowUDF::new_from_impl(RepeatWindow::new(self))
    }

    /// Its definition, from its file.
    pub(crate) fn definition(self) -> &'static Definition {
        match self {
            Kind::RollingCount => &rolling_count::DEFINITION,
            Kind::Episode => &repeat_episode::DEFINITION,
            Kind::Qualifies => &repeat_qualifies::DEFINITION,
            Kind::RollingCounts => &repeat_rolling_counts::DEFINITION,
        }
    }

    /// The Engage window function of this name, if there is one.
    pub(crate) fn named(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.definition().name == name)
    }

    /// The Engage window function behind a DataFusion window UDF, if it is one.
    pub(crate) fn of(udf: &WindowUDF) -> Option<Kind> {
        let inner: &dyn std::any::Any = udf.inner().as_ref();
        inner.downcast_ref::<RepeatWindow>().map(|w| w.kind)
    }

    /// The rules from the second argument: a window for `rolling_count`, else a rule set.
    pub(crate) fn rules(self, argument: &ArrayRef) -> Result<RuleSet> {
        match self {
            Kind::RollingCount => rolling_count::rules(argument),
            _ => rule_set(argument),
        }
    }

    /// This function's values for the contacts `range` of a detection.
    pub(crate) fn values(
        self,
        figures: &impl Figures,
        range: Range<usize>,
        rules: usize,
    ) -> ArrayRef {
        match self {
            Kind::RollingCount => rolling_count::values(figures, range),
            Kind::Episode => repeat_episode::values(figures, range),
            Kind::Qualifies => repeat_qualifies::values(figures, range),
            Kind::RollingCounts => repeat_rolling_counts::values(figures, range, rules),
        }
    }
}

/// A rule set given as text, as every function but `rolling_count` takes it.
fn rule_set(argument: &ArrayRef) -> Result<RuleSet> {
    let Some(text) = first_text(argument)? else {
        return exec_err!("the rule set is NULL; give rules like '10/7d'");
    };
    text.parse()
        .map_err(|e| DataFusionError::Execution(format!("{e}")))
}

/// An Engage window function as DataFusion sees it.
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

impl WindowUDFImpl for RepeatWindow {
    fn name(&self) -> &str {
        self.kind.definition().name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let definition = self.kind.definition();
        let [time, second] = args else {
            return plan_err!(
                "{} takes (received_at, {}), given {} arguments",
                definition.name,
                definition.second_argument,
                args.len()
            );
        };
        let second = match self.kind {
            Kind::RollingCount => rolling_count::coerce_window(second)?,
            _ => text_type(second, definition.name)?,
        };
        Ok(vec![timestamp_micros_type(time, definition.name)?, second])
    }

    fn partition_evaluator(
        &self,
        _: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(RepeatEvaluator { kind: self.kind }))
    }

    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let data_type = (self.kind.definition().return_type)();
        Ok(Arc::new(Field::new(args.name(), data_type, true)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some((self.kind.definition().documentation)())
    }
}

#[derive(Debug)]
struct RepeatEvaluator {
    kind: Kind,
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
