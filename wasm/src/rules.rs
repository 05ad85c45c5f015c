//! Rule text read by the kernel's parser for the page: the page parses no rule text itself,
//! and a rule it cannot use is an error with the kernel's message, never dropped.

use engage_kernel::{Micros, Rule, RuleSet};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::js::{js_error, to_js};

/// One rule as the kernel read it (TypeScript `ParsedRule`).
#[derive(Serialize)]
pub(crate) struct ParsedRule {
    text: String,
    min_contacts: u32,
    window: Micros,
    window_length: i64,
    window_unit: &'static str,
}

/// A rule set as the kernel read it (TypeScript `ParsedRuleSet`).
#[derive(Serialize)]
pub(crate) struct ParsedRuleSet {
    text: String,
    rules: Vec<ParsedRule>,
}

impl ParsedRule {
    fn new(rule: &Rule) -> Result<ParsedRule, String> {
        let (window_length, unit) = rule
            .window_in_units()
            .ok_or_else(|| format!("the window of `{rule}` is not a whole number of hours"))?;
        Ok(ParsedRule {
            text: rule.to_string(),
            min_contacts: rule.min_contacts,
            window: rule.window,
            window_length,
            window_unit: unit.as_str(),
        })
    }
}

impl ParsedRuleSet {
    /// `text` read by the kernel's parser.
    pub fn parse(text: &str) -> Result<ParsedRuleSet, String> {
        let set: RuleSet = text.parse().map_err(|e| format!("{e}"))?;
        Ok(ParsedRuleSet {
            text: set.to_string(),
            rules: set
                .rules()
                .iter()
                .map(ParsedRule::new)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Reads a rule set (`10/7d`, `5/30d,12/90d`) with the kernel's parser: its canonical text
/// and each rule's threshold and window. Throws the CLI's message for text it cannot read.
#[wasm_bindgen(js_name = parseRules, unchecked_return_type = "ParsedRuleSet")]
pub fn parse_rules(text: &str) -> Result<JsValue, JsError> {
    to_js(&ParsedRuleSet::parse(text).map_err(js_error)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn parsed(text: &str) -> serde_json::Value {
        serde_json::to_value(ParsedRuleSet::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn a_rule_set_reads_back_canonical() {
        assert_eq!(
            parsed(" 3/2w , 12/90d"),
            serde_json::json!({
                "text": "3/14d,12/90d",
                "rules": [
                    {"text": "3/14d", "min_contacts": 3, "window": 14 * 86_400_000_000i64,
                     "window_length": 14, "window_unit": "d"},
                    {"text": "12/90d", "min_contacts": 12, "window": 90 * 86_400_000_000i64,
                     "window_length": 90, "window_unit": "d"},
                ],
            })
        );
        assert_eq!(parsed("5/36h")["rules"][0]["window_unit"], "h");
        assert_eq!(parsed("5/36h")["rules"][0]["window_length"], 36);
    }

    #[test]
    fn a_bad_part_is_an_error_with_the_kernels_message() {
        assert_eq!(
            ParsedRuleSet::parse("10/7d,abc").err().as_deref(),
            Some(
                "invalid rule `10/7d,abc`: in `abc`: expected COUNT/WINDOW with a `/`, like `10/7d`"
            )
        );
        assert_eq!(
            ParsedRuleSet::parse("10/7x").err().as_deref(),
            Some(
                "invalid rule `10/7x`: unknown unit `x` in `7x`; expected h (hours), d (days) or w (weeks)"
            )
        );
    }
}
