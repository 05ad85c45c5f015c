//! What the session-setting functions share: a setting of [`EngageOptions`] (`SET
//! engage.rule_set = ...` and so on) read back in SQL.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::docs::equal_by_name;
use crate::options::EngageOptions;

/// Which setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Setting {
    RuleSet,
    AsOf,
    QuietWeeks,
}

/// A setting as a function of no arguments.
#[derive(Debug)]
pub(super) struct SessionSetting {
    name: &'static str,
    setting: Setting,
    signature: Signature,
    documentation: &'static Documentation,
}

impl SessionSetting {
    /// The function `name`, answering `setting`.
    pub fn udf(
        name: &'static str,
        setting: Setting,
        documentation: &'static Documentation,
    ) -> ScalarUDF {
        ScalarUDF::new_from_impl(SessionSetting {
            name,
            setting,
            signature: Signature::nullary(Volatility::Stable),
            documentation,
        })
    }
}

equal_by_name!(SessionSetting);

impl ScalarUDFImpl for SessionSetting {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.setting {
            Setting::RuleSet => DataType::Utf8,
            Setting::AsOf => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Setting::QuietWeeks => DataType::Int64,
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let options = args
            .config_options
            .extensions
            .get::<EngageOptions>()
            .cloned()
            .unwrap_or_default();
        Ok(ColumnarValue::Scalar(match self.setting {
            Setting::RuleSet => ScalarValue::Utf8(Some(options.rule_set.to_string())),
            Setting::AsOf => ScalarValue::TimestampMicrosecond(options.as_of, Some("UTC".into())),
            Setting::QuietWeeks => ScalarValue::Int64(Some(i64::from(options.quiet_weeks))),
        }))
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(self.documentation)
    }
}
