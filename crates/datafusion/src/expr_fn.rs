//! Engage's functions as DataFrame expressions, as DataFusion's own `expr_fn` modules give
//! theirs: `normalize_phone(col("caller"))` is the expression SQL writes
//! `normalize_phone(caller)`. Window functions return the call; add the window with
//! DataFusion's `ExprFunctionExt` (`.partition_by(..).order_by(..).build()`), as for any
//! window function.
//!
//! ```no_run
//! # async fn demo() -> datafusion::error::Result<()> {
//! use datafusion::logical_expr::ExprFunctionExt;
//! use datafusion::prelude::*;
//! use engage_datafusion::expr_fn::{normalize_phone, rolling_count};
//! let ctx = engage_datafusion::new_session(SessionConfig::new())?;
//! let contacts = ctx.table("contacts").await?;
//! let counted = contacts.select(vec![
//!     normalize_phone(col("caller")).alias("caller_key"),
//!     rolling_count(col("received_at"), lit("7d"))
//!         .partition_by(vec![col("caller_key")])
//!         .order_by(vec![col("received_at").sort(true, false)])
//!         .build()?
//!         .alias("in_week"),
//! ])?;
//! # Ok(()) }
//! ```

use std::sync::{Arc, LazyLock};

use datafusion::logical_expr::{AggregateUDF, Expr, ScalarUDF, WindowUDF};

use crate::window::Kind;
use crate::{aggregate, scalar};

/// One expression function per SQL function: `name(args) -> Expr`, calling the one shared
/// instance of the function made by `make`.
macro_rules! expr_fns {
    ($udf:ty: $( $(#[$doc:meta])* $name:ident($($arg:ident),*) = $make:expr; )*) => {
        $(
            $(#[$doc])*
            pub fn $name($($arg: Expr),*) -> Expr {
                static FUNCTION: LazyLock<Arc<$udf>> = LazyLock::new(|| Arc::new($make));
                FUNCTION.call(vec![$($arg),*])
            }
        )*
    };
}

expr_fns! { ScalarUDF:
    /// `normalize_phone(text)`: a caller's number in E.164, NULL when withheld or unparseable.
    normalize_phone(text) = scalar::normalize_phone::udf();
    /// `cli_status(text)`: `present`, `withheld` or `unavailable`.
    cli_status(text) = scalar::cli_status::udf();
    /// `postcode_normalise(text)`: a UK postcode in its normal form, or NULL.
    postcode_normalise(text) = scalar::postcode_normalise::udf();
    /// `postcode_district(postcode)`: the district covering a postcode.
    postcode_district(postcode) = scalar::postcode_district::udf();
    /// `postcode_csu(postcode)`: the community safety unit covering a postcode.
    postcode_csu(postcode) = scalar::postcode_csu::udf();
    /// `triage_group(category)`: victimisation, vulnerability or neutral.
    triage_group(category) = scalar::triage_group::udf();
    /// `line_kind(line)`: `999`, `101` or `other`.
    line_kind(line) = scalar::line_kind::udf();
    /// `parse_rule_set(text)`: a rule set in its canonical form.
    parse_rule_set(text) = scalar::parse_rule_set::udf();
    /// `pseudonymise(caller_key, secret)`: the keyed pseudonym of a caller key.
    pseudonymise(caller_key, secret) = scalar::pseudonymise::udf();
    /// `uk_hour(received_at)`: the hour of day in UK local time.
    uk_hour(received_at) = scalar::uk_hour::udf();
    /// `uk_weekday(received_at)`: the day of week in UK local time, 0 Monday.
    uk_weekday(received_at) = scalar::uk_weekday::udf();
    /// `uk_date(received_at)`: the calendar date in UK local time.
    uk_date(received_at) = scalar::uk_date::udf();
    /// `engage_rule_set()`: the session's rule set.
    engage_rule_set() = scalar::engage_rule_set::udf();
    /// `engage_as_of()`: the time the coordinator's views are as of.
    engage_as_of() = scalar::engage_as_of::udf();
    /// `engage_quiet_weeks()`: weeks quiet before a caller is no longer coming to notice.
    engage_quiet_weeks() = scalar::engage_quiet_weeks::udf();
}

expr_fns! { AggregateUDF:
    /// `triage_suggestion(category)`: a suggestion for the coordinator.
    triage_suggestion(category) = aggregate::triage_suggestion::udaf();
    /// `triage_evidence(category)`: the evidence behind the suggestion.
    triage_evidence(category) = aggregate::triage_evidence::udaf();
    /// `peak_counts(counts)`: the element-wise maximum of lists of counts.
    peak_counts(counts) = aggregate::peak_counts::udaf();
    /// `caller_profile(received_at, line, agency, category)`: a caller's profile.
    caller_profile(received_at, line, agency, category) = aggregate::caller_profile::udaf();
}

expr_fns! { WindowUDF:
    /// `rolling_count(received_at, window)`: each contact's rolling count.
    rolling_count(received_at, window) = Kind::RollingCount.udwf();
    /// `repeat_episode(received_at, rule_set)`: each contact's episode number, or NULL.
    repeat_episode(received_at, rule_set) = Kind::Episode.udwf();
    /// `repeat_qualifies(received_at, rule_set)`: whether each contact qualifies.
    repeat_qualifies(received_at, rule_set) = Kind::Qualifies.udwf();
    /// `repeat_rolling_counts(received_at, rule_set)`: each contact's counts under every rule.
    repeat_rolling_counts(received_at, rule_set) = Kind::RollingCounts.udwf();
}
