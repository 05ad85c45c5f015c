//! Scalar functions: phone numbers, pseudonyms, postcodes, triage groups, UK local time, and
//! the session's rule set.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Builder, Int32Builder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use engage_kernel::RuleSet;
use engage_kernel::phone::{classify_cli, normalize_phone};
use engage_kernel::postcode::{CsuTable, normalize_postcode};
use engage_kernel::profile::LineKind;
use engage_kernel::pseudonym::PseudonymKey;
use engage_kernel::time::{london_date, london_hour_and_weekday};
use engage_kernel::triage::TriageTable;

use crate::args::{constant_text, micros, text_type, timestamp_micros_type};
use crate::docs::doc;
use crate::options::EngageOptions;

/// All scalar functions.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    let text = |name, map, on_null, doc| {
        ScalarUDF::new_from_impl(TextFunction::new(name, map, on_null, doc))
    };
    vec![
        text(
            "normalize_phone",
            |t| Ok(normalize_phone(t)),
            None,
            doc(
                "A caller's number in E.164 (+447700900123), or NULL when withheld, unavailable or unparseable.",
                "normalize_phone(text)",
                "SELECT normalize_phone('07700 900123'); -- +447700900123",
                &[("text", "a phone number as typed or presented")],
            ),
        ),
        text(
            "cli_status",
            |t| Ok(classify_cli(t).ok().map(|c| c.status().to_string())),
            Some("unavailable"),
            doc(
                "Whether a caller line identity is present, withheld or unavailable; NULL when it is text that is not a number.",
                "cli_status(text)",
                "SELECT cli_status('Withheld'); -- withheld",
                &[("text", "a phone number or a word such as Withheld")],
            ),
        ),
        text(
            "postcode_normalise",
            |t| Ok(normalize_postcode(t)),
            None,
            doc(
                "A UK postcode in its normal form (upper case, one space), or NULL when it is not one.",
                "postcode_normalise(text)",
                "SELECT postcode_normalise('me141aa'); -- ME14 1AA",
                &[("text", "a postcode as typed")],
            ),
        ),
        text(
            "postcode_district",
            |t| Ok(CsuTable::kent().lookup(t).map(|p| p.district.to_string())),
            None,
            doc(
                "The district (Kent's districts and Medway) of a postcode, from datasets/csu_districts.csv.",
                "postcode_district(postcode)",
                "SELECT postcode_district('ME14 1AA'); -- Maidstone",
                &[(
                    "postcode",
                    "a postcode in any form, or a postcode district like ME14",
                )],
            ),
        ),
        text(
            "postcode_csu",
            |t| Ok(CsuTable::kent().lookup(t).map(|p| p.csu.to_string())),
            None,
            doc(
                "The community safety unit covering a postcode, from datasets/csu_districts.csv.",
                "postcode_csu(postcode)",
                "SELECT postcode_csu('ME14 1AA'); -- Maidstone CSU",
                &[(
                    "postcode",
                    "a postcode in any form, or a postcode district like ME14",
                )],
            ),
        ),
        text(
            "triage_group",
            |t| {
                Ok(Some(
                    TriageTable::default_table()
                        .group_of(t)
                        .as_str()
                        .to_string(),
                ))
            },
            None,
            doc(
                "The triage group of an incident category: victimisation, vulnerability or neutral (datasets/triage_groups.csv).",
                "triage_group(category)",
                "SELECT triage_group('Concern For Welfare'); -- vulnerability",
                &[("category", "an incident category")],
            ),
        ),
        text(
            "line_kind",
            |t| Ok(Some(LineKind::of(t).as_str().to_string())),
            Some("other"),
            doc(
                "The kind of line a contact came in on: '999' (999 or 112), '101', or 'other' (a partner's line such as 111); the same classification as the caller profiles' calls_999, calls_101 and calls_other.",
                "line_kind(line)",
                "SELECT line_kind(' 112 '); -- 999",
                &[("line", "the line called")],
            ),
        ),
        text(
            "parse_rule_set",
            |t| {
                t.parse::<RuleSet>()
                    .map(|r| Some(r.to_string()))
                    .map_err(|e| e.to_string())
            },
            None,
            doc(
                "A rule set in its canonical form; an error that says what is wrong when it is not one.",
                "parse_rule_set(text)",
                "SELECT parse_rule_set('5/30d, 12/90d'); -- 5/30d,12/90d",
                &[("text", "rules like 10/7d, joined by commas; units h, d, w")],
            ),
        ),
        ScalarUDF::new_from_impl(Pseudonymise::default()),
        ScalarUDF::new_from_impl(LocalTime::new(LocalPart::Hour)),
        ScalarUDF::new_from_impl(LocalTime::new(LocalPart::Weekday)),
        ScalarUDF::new_from_impl(LocalTime::new(LocalPart::Date)),
        ScalarUDF::new_from_impl(SessionSetting::new(Setting::RuleSet)),
        ScalarUDF::new_from_impl(SessionSetting::new(Setting::AsOf)),
        ScalarUDF::new_from_impl(SessionSetting::new(Setting::QuietWeeks)),
    ]
}

type TextMap = fn(&str) -> std::result::Result<Option<String>, String>;

/// A function of one text argument to text, through a kernel function.
#[derive(Debug)]
struct TextFunction {
    name: &'static str,
    signature: Signature,
    map: TextMap,
    on_null: Option<&'static str>,
    doc: Documentation,
}

impl TextFunction {
    fn new(
        name: &'static str,
        map: TextMap,
        on_null: Option<&'static str>,
        doc: Documentation,
    ) -> Self {
        TextFunction {
            name,
            signature: Signature::user_defined(Volatility::Immutable),
            map,
            on_null,
            doc,
        }
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

impl PartialEq for TextFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for TextFunction {}
impl Hash for TextFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state)
    }
}

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
        Some(&self.doc)
    }
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

static PSEUDONYMISE_DOC: std::sync::LazyLock<Documentation> = std::sync::LazyLock::new(|| {
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
        Some(&PSEUDONYMISE_DOC)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LocalPart {
    Hour,
    Weekday,
    Date,
}

/// `uk_hour`, `uk_weekday`, `uk_date`: parts of an instant in UK local time.
#[derive(Debug, PartialEq, Eq, Hash)]
struct LocalTime {
    part: LocalPart,
    signature: Signature,
}

impl LocalTime {
    fn new(part: LocalPart) -> Self {
        LocalTime {
            part,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

static LOCAL_DOCS: std::sync::LazyLock<[Documentation; 3]> = std::sync::LazyLock::new(|| {
    [
        doc(
            "The hour of day (0-23) of an instant in UK local time (Europe/London, BST applied).",
            "uk_hour(received_at)",
            "SELECT uk_hour(received_at), count(*) FROM contacts GROUP BY 1;",
            &[("received_at", "a timestamp")],
        ),
        doc(
            "The day of week of an instant in UK local time: 0 Monday .. 6 Sunday.",
            "uk_weekday(received_at)",
            "SELECT uk_weekday(received_at), count(*) FROM contacts GROUP BY 1;",
            &[("received_at", "a timestamp")],
        ),
        doc(
            "The calendar date of an instant in UK local time.",
            "uk_date(received_at)",
            "SELECT uk_date(received_at) AS day, count(*) FROM contacts GROUP BY 1;",
            &[("received_at", "a timestamp")],
        ),
    ]
});

impl ScalarUDFImpl for LocalTime {
    fn name(&self) -> &str {
        match self.part {
            LocalPart::Hour => "uk_hour",
            LocalPart::Weekday => "uk_weekday",
            LocalPart::Date => "uk_date",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [arg] => Ok(vec![timestamp_micros_type(arg, self.name())?]),
            _ => exec_err!("{} takes one timestamp", self.name()),
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
        Some(&LOCAL_DOCS[self.part as usize])
    }
}

/// A session setting as a function: `engage_rule_set()`, `engage_as_of()`,
/// `engage_quiet_weeks()` (`SET engage.rule_set = ...` and so on, [`EngageOptions`]).
#[derive(Debug, PartialEq, Eq, Hash)]
struct SessionSetting {
    setting: Setting,
    signature: Signature,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Setting {
    RuleSet,
    AsOf,
    QuietWeeks,
}

impl SessionSetting {
    fn new(setting: Setting) -> Self {
        SessionSetting {
            setting,
            signature: Signature::nullary(Volatility::Stable),
        }
    }
}

static SETTING_DOCS: std::sync::LazyLock<[Documentation; 3]> = std::sync::LazyLock::new(|| {
    [
        doc(
            "The session's rule set, which the views follow; change it with SET engage.rule_set = '5/30d,12/90d'.",
            "engage_rule_set()",
            "SELECT engage_rule_set(); -- 10/7d",
            &[],
        ),
        doc(
            "The time the coordinator's views (caseload, morning_list, outcomes) are as of, set with SET engage.as_of = '2025-11-03T08:00:00Z'; NULL when not set (the views then use the latest contact).",
            "engage_as_of()",
            "SELECT coalesce(engage_as_of(), (SELECT max(received_at) FROM contacts));",
            &[],
        ),
        doc(
            "Weeks without a qualifying contact after which a referred caller counts as no longer coming to notice (SET engage.quiet_weeks = 8; default 8).",
            "engage_quiet_weeks()",
            "SELECT engage_quiet_weeks(); -- 8",
            &[],
        ),
    ]
});

impl ScalarUDFImpl for SessionSetting {
    fn name(&self) -> &str {
        match self.setting {
            Setting::RuleSet => "engage_rule_set",
            Setting::AsOf => "engage_as_of",
            Setting::QuietWeeks => "engage_quiet_weeks",
        }
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
        Some(&SETTING_DOCS[self.setting as usize])
    }
}
