//! Scalar functions, one file each: phone numbers ([`normalize_phone`], [`cli_status`]),
//! pseudonyms ([`pseudonymise`]), postcodes ([`postcode_normalise`], [`postcode_district`],
//! [`postcode_csu`]), triage groups ([`triage_group`]), lines ([`line_kind`]), rules
//! ([`parse_rule_set`]), UK local time ([`uk_hour`], [`uk_weekday`], [`uk_date`]) and the
//! session's settings ([`engage_rule_set`], [`engage_as_of`], [`engage_quiet_weeks`]). Shapes
//! that several share are in [`text`], [`local_time`] and [`setting`].

pub(crate) mod cli_status;
pub(crate) mod engage_as_of;
pub(crate) mod engage_quiet_weeks;
pub(crate) mod engage_rule_set;
pub(crate) mod line_kind;
mod local_time;
pub(crate) mod normalize_phone;
pub(crate) mod parse_rule_set;
pub(crate) mod postcode_csu;
pub(crate) mod postcode_district;
pub(crate) mod postcode_normalise;
pub(crate) mod pseudonymise;
mod setting;
mod text;
pub(crate) mod triage_group;
pub(crate) mod uk_date;
pub(crate) mod uk_hour;
pub(crate) mod uk_weekday;

use datafusion::logical_expr::ScalarUDF;

/// All scalar functions.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    vec![
        normalize_phone::udf(),
        cli_status::udf(),
        postcode_normalise::udf(),
        postcode_district::udf(),
        postcode_csu::udf(),
        triage_group::udf(),
        line_kind::udf(),
        parse_rule_set::udf(),
        pseudonymise::udf(),
        uk_hour::udf(),
        uk_weekday::udf(),
        uk_date::udf(),
        engage_rule_set::udf(),
        engage_as_of::udf(),
        engage_quiet_weeks::udf(),
    ]
}
