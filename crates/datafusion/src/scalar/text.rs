//! What the text-to-text functions share: one text argument, mapped row by row through a
//! kernel function, NULL to a fixed answer.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::args::text_type;
use crate::docs::equal_by_name;

/// A map from a text to a text (or NULL), or the error that says why not.
pub(super) type TextMap = fn(&str) -> std::result::Result<Option<String>, String>;

/// A function of one text argument to text, through a kernel function.
#[derive(Debug)]
pub(super) struct TextFunction {
    name: &'static str,
    signature: Signature,
    map: TextMap,
    on_null: Option<&'static str>,
    documentation: &'static Documentation,
}

impl TextFunction {
    /// The function `name`: `map` on each text, `on_null` for NULL.
    pub fn udf(
        name: &'static str,
        map: TextMap,
        on_null: Option<&'static str>,
        documentation: &'static Documentation,
    ) -> ScalarUDF {
        ScalarUDF::new_from_impl(TextFunction {
            name,
            signature: Signature::user_defined(Volatility::Immutable),
            map,
            on_null,
            documentation,
        })
    }

    fn apply(&self, text: Option<&str>) -> Result<Option<String>> {
        match text {
            None => Ok(self.on_null.map(str::to_string)),
            Some(t) => {
                (self.map)(t).map_err(|e| DataFusionError::Execution(format!("{}: {e}", self.name)))
            }
        }
    }
}

equal_by_name!(TextFunction);

impl ScalarUDFImpl for TextFunction {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [arg] => Ok(vec![text_type(arg, self.name)?]),
            _ => exec_err!("{} takes one argument, given {}", self.name, args.len()),
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match &args.args[0] {
            ColumnarValue::Scalar(s) => Ok(ColumnarValue::Scalar(ScalarValue::Utf8(
                self.apply(s.try_as_str().flatten())?,
            ))),
            ColumnarValue::Array(a) => {
                let input = a.as_string::<i32>();
                let mut out = StringBuilder::with_capacity(input.len(), input.value_data().len());
                for v in input.iter() {
                    out.append_option(self.apply(v)?);
                }
                Ok(ColumnarValue::Array(Arc::new(out.finish())))
            }
        }
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(self.documentation)
    }
}
