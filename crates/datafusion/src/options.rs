//! The session's settings: `SET engage.rule_set = '5/30d,12/90d'`.

use std::any::Any;

use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use engage_kernel::RuleSet;

/// Engage's settings on a DataFusion session (prefix `engage`).
#[derive(Clone, Debug, Default)]
pub struct EngageOptions {
    /// The rule set the views follow (`engage.rule_set`), checked when set.
    pub rule_set: RuleSet,
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
            other => Err(DataFusionError::Configuration(format!(
                "`engage.{other}` is not a setting; the setting is engage.rule_set"
            ))),
        }
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        vec![ConfigEntry {
            key: "engage.rule_set".into(),
            value: Some(self.rule_set.to_string()),
            description: "The repeat-caller rule set the views follow, e.g. 10/7d or 5/30d,12/90d",
        }]
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
