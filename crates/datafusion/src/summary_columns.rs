//! The kernel's summary columns (`engage_kernel::summary`) as Arrow: each column's data type,
//! a schema for a list of columns, and arrays or scalars built from the kernel's values. The
//! table functions and the `caller_profile` aggregate describe no column of their own.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int64Builder, ListArray, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use engage_kernel::summary::{ColumnType, Value};

/// The Arrow type of a kernel column type.
pub(crate) fn data_type(column_type: ColumnType) -> DataType {
    match column_type {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Int => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ColumnType::IntList => {
            DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
        }
    }
}

/// Nullable fields named and typed as the kernel describes `columns`.
pub(crate) fn fields<C: Copy>(
    columns: &[C],
    name: fn(C) -> &'static str,
    column_type: fn(C) -> ColumnType,
) -> Fields {
    columns
        .iter()
        .map(|&c| Field::new(name(c), data_type(column_type(c)), true))
        .collect()
}

/// A schema of [`fields`].
pub(crate) fn schema<C: Copy>(
    columns: &[C],
    name: fn(C) -> &'static str,
    column_type: fn(C) -> ColumnType,
) -> SchemaRef {
    Arc::new(Schema::new(fields(columns, name, column_type)))
}

/// Builds one column's array from the kernel's values, row by row.
pub(crate) enum ColumnBuilder {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Time(TimestampMicrosecondBuilder),
    IntList(ListBuilder<Int64Builder>),
}

impl ColumnBuilder {
    /// A builder for `rows` values of `column_type`.
    pub(crate) fn new(column_type: ColumnType, rows: usize) -> Self {
        match column_type {
            ColumnType::Text => ColumnBuilder::Text(StringBuilder::with_capacity(rows, rows * 16)),
            ColumnType::Int => ColumnBuilder::Int(Int64Builder::with_capacity(rows)),
            ColumnType::Float => ColumnBuilder::Float(Float64Builder::with_capacity(rows)),
            ColumnType::Time => {
                ColumnBuilder::Time(TimestampMicrosecondBuilder::with_capacity(rows))
            }
            ColumnType::IntList => ColumnBuilder::IntList(ListBuilder::new(Int64Builder::new())),
        }
    }

    /// Appends one value; an error when its type is not the column's.
    pub(crate) fn append(&mut self, value: Value) -> Result<()> {
        match (self, value) {
            (ColumnBuilder::Text(b), Value::Text(v)) => b.append_option(v),
            (ColumnBuilder::Int(b), Value::Int(v)) => b.append_value(v),
            (ColumnBuilder::Float(b), Value::Float(v)) => b.append_value(v),
            (ColumnBuilder::Time(b), Value::Time(v)) => b.append_option(v),
            (ColumnBuilder::IntList(b), Value::IntList(v)) => {
                b.values().append_slice(&v);
                b.append(true);
            }
            (_, value) => {
                return Err(DataFusionError::Internal(format!(
                    "a summary value of the wrong type for its column: {value:?}"
                )));
            }
        }
        Ok(())
    }

    /// The column.
    pub(crate) fn finish(self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Int(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Float(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Time(mut b) => Arc::new(b.finish().with_timezone("UTC")),
            ColumnBuilder::IntList(mut b) => Arc::new(b.finish()),
        }
    }
}

/// One value as a scalar (for aggregates).
pub(crate) fn scalar(value: Value) -> ScalarValue {
    match value {
        Value::Text(v) => ScalarValue::Utf8(v),
        Value::Int(v) => ScalarValue::Int64(Some(v)),
        Value::Float(v) => ScalarValue::Float64(Some(v)),
        Value::Time(v) => ScalarValue::TimestampMicrosecond(v, Some("UTC".into())),
        Value::IntList(v) => {
            ScalarValue::List(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
                [Some(v.into_iter().map(Some).collect::<Vec<_>>())],
            )))
        }
    }
}
