//! What `uk_hour`, `uk_weekday` and `uk_date` share: a part of an instant in UK local time
//! (Europe/London, BST applied), through the kernel's clock.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Date32Builder, Int32Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use engage_kernel::time::{london_date, london_hour_and_weekday};

use crate::args::{micros, timestamp_micros_type};
use crate::docs::equal_by_name;

/// Which part of the local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum LocalPart {
    Hour,
    Weekday,
    Date,
}

/// A local-time function.
#[derive(Debug)]
pub(super) struct LocalTime {
    name: &'static str,
    part: LocalPart,
    signature: Signature,
    documentation: &'static Documentation,
}

impl LocalTime {
    /// The function `name`, answering `part`.
    pub fn udf(
        name: &'static str,
        part: LocalPart,
        documentation: &'static Documentation,
    ) -> ScalarUDF {
        ScalarUDF::new_from_impl(LocalTime {
            name,
            part,
            signature: Signature::user_defined(Volatility::Immutable),
            documentation,
        })
    }
}

equal_by_name!(LocalTime);

impl ScalarUDFImpl for LocalTime {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [arg] => Ok(vec![timestamp_micros_type(arg, self.name)?]),
            _ => exec_err!("{} takes one timestamp", self.name),
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.part {
            LocalPart::Date => DataType::Date32,
            _ => DataType::Int32,
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let array: ArrayRef = args.args[0].to_array(if scalar { 1 } else { args.number_rows })?;
        let values = micros(&array)?;
        let out: ArrayRef = match self.part {
            LocalPart::Date => {
                let mut b = Date32Builder::with_capacity(values.len());
                for (i, &t) in values.iter().enumerate() {
                    b.append_option(array.is_valid(i).then(|| london_date(t)).flatten());
                }
                Arc::new(b.finish())
            }
            part => {
                let mut b = Int32Builder::with_capacity(values.len());
                for (i, &t) in values.iter().enumerate() {
                    let hw = array
                        .is_valid(i)
                        .then(|| london_hour_and_weekday(t))
                        .flatten();
                    b.append_option(hw.map(|(h, w)| {
                        if part == LocalPart::Hour {
                            h as i32
                        } else {
                            w as i32
                        }
                    }));
                }
                Arc::new(b.finish())
            }
        };
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(self.documentation)
    }
}
