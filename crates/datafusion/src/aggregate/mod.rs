//! Aggregate functions, one file each: [`triage_suggestion`], [`triage_evidence`],
//! [`peak_counts`] and [`caller_profile`], each folding rows into the kernel's types. The two
//! triage functions share their accumulator ([`triage`]); this module holds the list helpers
//! every state needs.

pub(crate) mod caller_profile;
pub(crate) mod peak_counts;
mod triage;
pub(crate) mod triage_evidence;
pub(crate) mod triage_suggestion;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, StringArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::AggregateUDF;

/// All aggregate functions.
pub(crate) fn functions() -> Vec<AggregateUDF> {
    vec![
        triage_suggestion::udaf(),
        triage_evidence::udaf(),
        peak_counts::udaf(),
        caller_profile::udaf(),
    ]
}

/// A list of `item`s.
fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

/// A state field `name[suffix]` holding a list of `item`s: states are the rows themselves, as
/// lists, merged by appending.
fn state_field(name: &str, suffix: &str, item: DataType) -> FieldRef {
    Arc::new(Field::new(format!("{name}[{suffix}]"), list_of(item), true))
}

/// One list scalar holding every value of `values`.
fn single_list(values: ArrayRef) -> ScalarValue {
    let field = Arc::new(Field::new_list_field(values.data_type().clone(), true));
    ScalarValue::List(Arc::new(ListArray::new(
        field,
        OffsetBuffer::from_lengths([values.len()]),
        values,
        None,
    )))
}

/// One list scalar of texts.
fn text_list(values: impl Iterator<Item = Option<String>>) -> ScalarValue {
    single_list(Arc::new(StringArray::from_iter(values)))
}

/// The texts of a column.
fn texts(array: &ArrayRef) -> impl Iterator<Item = Option<&str>> {
    array.as_string::<i32>().iter()
}

/// Calls `append` with each row of list states as columns (the lists' values).
fn merge_lists(
    states: &[ArrayRef],
    mut append: impl FnMut(&[ArrayRef]) -> datafusion::error::Result<()>,
) -> datafusion::error::Result<()> {
    let lists: Vec<&ListArray> = states.iter().map(|s| s.as_list::<i32>()).collect();
    for row in 0..lists[0].len() {
        let columns: Vec<ArrayRef> = lists.iter().map(|l| l.value(row)).collect();
        append(&columns)?;
    }
    Ok(())
}
