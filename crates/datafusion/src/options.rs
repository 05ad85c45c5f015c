//! The session's settings: `SET engage.rule_set = '5/30d,12/90d'`, `SET engage.as_of =
//! '2025-11-03T08:00:00Z'`, `SET engage.quiet_weeks = 8`, `SET engage.partition_by_key = true`.

use std::any::Any;

use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use engage_kernel::RuleSet;

/// Engage's settings on a DataFusion session (prefix `engage`).
#[derive(Clone, Debug)]
pub struct EngageOptions {
    /// The rule set the views follow (`engage.rule_set`), checked when set.
    pub rule_set: RuleSet,
    /// The time the coordinator's views are as of (`engage.as_of`, UTC microseconds); `None`:
    /// the latest contact in the table.
    pub as_of: Option<i64>,
    /// Weeks without a qualifying contact after which a referred caller is "no longer coming
    /// to notice" (`engage.quiet_weeks`, default [`DEFAULT_QUIET_WEEKS`]).
    pub quiet_weeks: u32,
    /// Whether detection and Engage's window operator split their input by the key and detect
    /// each part on its own (`engage.partition_by_key`), as a cluster needs so that each
    /// executor sees whole callers. Off on one machine, where reading every partition at once
    /// is faster; a cluster's sessions turn it on.
    pub partition_by_key: bool,
}

/// The default of `engage.quiet_weeks`.
pub const DEFAULT_QUIET_WEEKS: u32 = 8;

impl Default for EngageOptions {
    fn default() -> Self {
        EngageOptions {
            rule_set: RuleSet::default(),
            as_of: None,
            quiet_weeks: DEFAULT_QUIET_WEEKS,
            partition_by_key: false,
        }
    }
}

/// An instant as RFC 3339 (`2025-11-03T08:00:00Z`), or an empty text for "not set".
fn parse_as_of(value: &str) -> Result<Option<i64>> {
    let value = value.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("latest") {
        return Ok(None);
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| Some(t.timestamp_micros()))
        .map_err(|e| {
            DataFusionError::Configuration(format!(
                "engage.as_of: '{value}' is not a time with an offset such as 2025-11-03T08:00:00Z ({e}); use 'latest' for the latest contact"
            ))
        })
}

impl ConfigExtension for EngageOptions {
    const PREFIX: &'static str = "engage";
}

impl ExtensionOptions for EngageOptions {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            "rule_set" => {
                self.rule_set = value
                    .parse()
                    .map_err(|e| DataFusionError::Configuration(format!("engage.rule_set: {e}")))?;
                Ok(())
            }
            "as_of" => {
                self.as_of = parse_as_of(value)?;
                Ok(())
            }
            "quiet_weeks" => {
                self.quiet_weeks = value
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|&w| w > 0)
                    .ok_or_else(|| {
                        DataFusionError::Configuration(format!(
                            "engage.quiet_weeks: '{value}' is not a whole number of weeks of 1 or more"
                        ))
                    })?;
                Ok(())
            }
            "partition_by_key" => {
                self.partition_by_key = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(DataFusionError::Configuration(format!(
                            "engage.partition_by_key: '{value}' is not true or false"
                        )));
                    }
                };
                Ok(())
            }
            other => Err(DataFusionError::Configuration(format!(
                "`engage.{other}` is not a setting; the settings are engage.rule_set, engage.as_of, engage.quiet_weeks and engage.partition_by_key"
            ))),
        }
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        let as_of = self.as_of.and_then(chrono::DateTime::from_timestamp_micros);
        vec![
            ConfigEntry {
                key: "engage.rule_set".into(),
                value: Some(self.rule_set.to_string()),
                description: "The repeat-caller rule set the views follow, e.g. 10/7d or 5/30d,12/90d",
            },
            ConfigEntry {
                key: "engage.as_of".into(),
                value: as_of.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                description: "The time the coordinator's views are as of (RFC 3339); unset: the latest contact",
            },
            ConfigEntry {
                key: "engage.quiet_weeks".into(),
                value: Some(self.quiet_weeks.to_string()),
                description: "Weeks without a qualifying contact after which a referred caller is no longer coming to notice",
            },
            ConfigEntry {
                key: "engage.partition_by_key".into(),
                value: Some(self.partition_by_key.to_string()),
                description: "Split detection's input by the key and detect each part alone, as a cluster does (true on Ballista)",
            },
        ]
    }
}

/// Adds the settings to a session unless they are there already.
pub(crate) fn register(ctx: &SessionContext) {
    let state_ref = ctx.state_ref();
    let mut state = state_ref.write();
    let options = state.config_mut().options_mut();
    if options.extensions.get::<EngageOptions>().is_none() {
        options.extensions.insert(EngageOptions::default());
    }
}
