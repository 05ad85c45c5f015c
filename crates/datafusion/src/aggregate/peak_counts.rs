//! `peak_counts(counts)`: the element-wise maximum of lists of counts (an episode's per-rule
//! peaks).

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, Signature, Volatility,
};

use super::{list_of, state_field};
use crate::docs::doc;

const NAME: &str = "peak_counts";

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "The element-wise maximum of lists of counts (per-rule peaks of an episode).",
        "peak_counts(counts)",
        "SELECT peak_counts(counts) FROM (SELECT repeat_rolling_counts(received_at, '5/30d,12/90d') OVER (PARTITION BY caller_key ORDER BY received_at) AS counts FROM contacts WHERE caller_key IS NOT NULL);",
        &[("counts", "a list of counts, one per rule")],
    )
});

/// The function.
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(PeakCounts {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PeakCounts {
    signature: Signature,
}

impl AggregateUDFImpl for PeakCounts {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)] => {
                Ok(vec![list_of(DataType::Int64)])
            }
            [other] => plan_err!(
                "{NAME} takes a list of counts (such as repeat_rolling_counts gives), not {other}"
            ),
            _ => plan_err!(
                "{NAME} takes one argument, a list of counts; given {}",
                args.len()
            ),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(list_of(DataType::Int64))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![state_field(args.name, "peaks", DataType::Int64)])
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(PeakAccumulator::default()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

/// Element-wise maximum of lists.
#[derive(Debug, Default)]
struct PeakAccumulator {
    peaks: Vec<i64>,
    seen: bool,
}

impl PeakAccumulator {
    fn fold(&mut self, lists: &ListArray) {
        for row in 0..lists.len() {
            if lists.is_null(row) {
                continue;
            }
            let item = lists.value(row);
            let values = item.as_primitive::<Int64Type>();
            if values.len() > self.peaks.len() {
                self.peaks.resize(values.len(), i64::MIN);
            }
            for (peak, v) in self.peaks.iter_mut().zip(values.iter()) {
                if let Some(v) = v {
                    *peak = (*peak).max(v);
                }
            }
            self.seen = true;
        }
    }

    fn value(&self) -> ScalarValue {
        if !self.seen {
            return ScalarValue::List(Arc::new(ListArray::new_null(
                Arc::new(Field::new_list_field(DataType::Int64, true)),
                1,
            )));
        }
        ScalarValue::List(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
            [Some(
                self.peaks
                    .iter()
                    .map(|&p| (p != i64::MIN).then_some(p))
                    .collect::<Vec<_>>(),
            )],
        )))
    }
}

impl Accumulator for PeakAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.fold(values[0].as_list::<i32>());
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.fold(states[0].as_list::<i32>());
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.value()])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.peaks.capacity() * 8
    }
}
