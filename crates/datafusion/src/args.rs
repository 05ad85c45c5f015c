//! Reading arguments and columns: constant text (rule sets, keys), text of any string type,
//! timestamps.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, TimestampMicrosecondArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::ColumnarValue;

/// The one text value of an argument meant to be constant (its first non-null value).
pub(crate) fn constant_text(value: &ColumnarValue) -> Result<Option<String>> {
    Ok(match value {
        ColumnarValue::Scalar(s) => s.try_as_str().flatten().map(str::to_string),
        ColumnarValue::Array(a) => first_text(a)?,
    })
}

/// The first non-null text of an array (a constant argument expanded to a column).
pub(crate) fn first_text(array: &ArrayRef) -> Result<Option<String>> {
    let scalar = (0..array.len())
        .find(|&i| array.is_valid(i))
        .map(|i| ScalarValue::try_from_array(array, i))
        .transpose()?;
    Ok(scalar.and_then(|s| s.try_as_str().flatten().map(str::to_string)))
}

/// A timestamp argument as µs, keeping its time zone.
pub(crate) fn timestamp_micros_type(arg: &DataType, name: &str) -> Result<DataType> {
    match arg {
        DataType::Timestamp(_, tz) => Ok(DataType::Timestamp(TimeUnit::Microsecond, tz.clone())),
        DataType::Null => Ok(DataType::Timestamp(
            TimeUnit::Microsecond,
            Some("UTC".into()),
        )),
        other => plan_err!("{name} takes a timestamp (received_at), not {other}"),
    }
}

/// Text arguments accept any string type.
pub(crate) fn text_type(arg: &DataType, name: &str) -> Result<DataType> {
    match arg {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
            Ok(DataType::Utf8)
        }
        DataType::Dictionary(_, v)
            if matches!(
                v.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            Ok(DataType::Utf8)
        }
        other => plan_err!("{name} takes text, not {other}"),
    }
}

/// The values of a µs timestamp column (nulls read as 0; callers check validity).
pub(crate) fn micros(array: &ArrayRef) -> Result<&[i64]> {
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Ok(array.as_primitive::<TimestampMicrosecondType>().values())
        }
        other => exec_err!("expected a microsecond timestamp, found {other}"),
    }
}

/// A text column of any string type.
pub(crate) enum Text {
    Utf8(ArrayRef),
    Large(ArrayRef),
    View(ArrayRef),
}

impl Text {
    pub(crate) fn of(array: &ArrayRef) -> Result<Text> {
        Ok(match array.data_type() {
            DataType::Utf8 => Text::Utf8(array.clone()),
            DataType::LargeUtf8 => Text::Large(array.clone()),
            DataType::Utf8View => Text::View(array.clone()),
            DataType::Null | DataType::Dictionary(..) => {
                Text::View(cast(array, &DataType::Utf8View)?)
            }
            other => return exec_err!("expected a text column, found {other}"),
        })
    }

    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        match self {
            Text::Utf8(a) => {
                let a = a.as_string::<i32>();
                a.is_valid(i).then(|| a.value(i))
            }
            Text::Large(a) => {
                let a = a.as_string::<i64>();
                a.is_valid(i).then(|| a.value(i))
            }
            Text::View(a) => {
                let a = a.as_string_view();
                a.is_valid(i).then(|| a.value(i))
            }
        }
    }
}

/// A timestamp column as UTC microseconds.
pub(crate) fn micros_of(array: &ArrayRef) -> Result<TimestampMicrosecondArray> {
    let micros = match array.data_type() {
        DataType::Timestamp(TimeUnit::Microsecond, _) => array.clone(),
        DataType::Timestamp(..) | DataType::Null => cast(
            array,
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        )?,
        other => return exec_err!("received_at must be a timestamp, found {other}"),
    };
    Ok(micros.as_primitive::<TimestampMicrosecondType>().clone())
}
