//! `pseudonymise(caller_key, secret)`: the kernel's keyed, one-way pseudonym of a caller key.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use engage_kernel::pseudonym::PseudonymKey;

use crate::args::{constant_text, text_type};
use crate::docs::doc;

/// The function.
pub(crate) fn udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(Pseudonymise::default())
}

/// `pseudonymise(caller_key, secret)`: the kernel's keyed pseudonym.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Pseudonymise {
    signature: Signature,
}

impl Default for Pseudonymise {
    fn default() -> Self {
        Pseudonymise {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    doc(
        "A keyed, one-way, stable pseudonym of a caller key: ps: and 32 hex digits (HMAC-SHA-256). The same key gives the same pseudonym everywhere, so agencies that share a key can match callers without sharing numbers.",
        "pseudonymise(caller_key, secret)",
        "SELECT pseudonymise(caller_key, 'a shared secret of 16+ bytes') FROM contacts;",
        &[
            ("caller_key", "an E.164 number"),
            ("secret", "the key, at least 16 bytes; never logged"),
        ],
    )
});

impl ScalarUDFImpl for Pseudonymise {
    fn name(&self) -> &str {
        "pseudonymise"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [a, b] => Ok(vec![
                text_type(a, "pseudonymise")?,
                text_type(b, "pseudonymise")?,
            ]),
            _ => exec_err!(
                "pseudonymise takes (caller_key, secret), given {} arguments",
                args.len()
            ),
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let Some(secret) = constant_text(&args.args[1])? else {
            return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None)));
        };
        let key = PseudonymKey::new(secret.as_bytes())
            .map_err(|e| DataFusionError::Execution(format!("pseudonymise: {e}")))?;
        match &args.args[0] {
            ColumnarValue::Scalar(s) => Ok(ColumnarValue::Scalar(ScalarValue::Utf8(
                s.try_as_str().flatten().map(|k| key.pseudonymise(k)),
            ))),
            ColumnarValue::Array(a) => {
                let input = a.as_string::<i32>();
                let mut out = StringBuilder::with_capacity(input.len(), input.len() * 35);
                let mut buffer = String::new();
                for v in input.iter() {
                    match v {
                        Some(k) => {
                            buffer.clear();
                            key.pseudonymise_into(k, &mut buffer);
                            out.append_value(&buffer);
                        }
                        None => out.append_null(),
                    }
                }
                Ok(ColumnarValue::Array(Arc::new(out.finish())))
            }
        }
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}
