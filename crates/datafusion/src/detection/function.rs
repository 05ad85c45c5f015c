//! The table functions' arguments: `engage_episodes('contacts' [, rules [, key column]])` and
//! `engage_repeat_callers(...)`, checked when the query is planned.

use std::sync::Arc;

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{TableReference, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Documentation, Expr};
use engage_kernel::RuleSet;

use super::provider::Source;
use super::{CALLER_KEY, DetectionTable, Grain};
use crate::docs::doc;

/// `engage_episodes('contacts' [, '10/7d'])`, `engage_repeat_callers(...)`.
#[derive(Debug)]
pub(super) struct DetectionFunction {
    pub(super) grain: Grain,
}

impl TableFunctionImpl for DetectionFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let name = self.grain.function_name();
        let text = |expr: &Expr| match expr {
            Expr::Literal(value, _) => value.try_as_str().flatten().map(str::to_string),
            _ => None,
        };
        let (table, rules, key) = match args.exprs() {
            [table] => (text(table), None, None),
            [table, rules] | [table, rules, _] => {
                let rules = match text(rules) {
                    Some(r) if r.trim().is_empty() => None,
                    Some(r) => Some(r.parse::<RuleSet>().map_err(|e| {
                        DataFusionError::Plan(format!("{name}: rule set '{r}': {e}"))
                    })?),
                    None => {
                        return plan_err!("{name}: the rule set must be text such as '10/7d'");
                    }
                };
                let key = match args.exprs().get(2) {
                    Some(k) => match text(k) {
                        Some(k) if !k.trim().is_empty() => Some(k.trim().to_string()),
                        _ => {
                            return plan_err!(
                                "{name}: the key must name a column as text, such as 'address_key'"
                            );
                        }
                    },
                    None => None,
                };
                (text(table), rules, key)
            }
            _ => {
                return plan_err!(
                    "{name} takes a table name and, optionally, a rule set and the key column: {name}('contacts'), {name}('contacts', '5/30d,12/90d') or {name}('contacts', '3/30d', 'address_key')"
                );
            }
        };
        let Some(table) = table else {
            return plan_err!(
                "{name}: the first argument must be a table name as text, such as 'contacts'"
            );
        };
        let table = TableReference::from(table);
        let source = Source::capture(args.session(), &table);
        Ok(Arc::new(DetectionTable::new(
            self.grain,
            table,
            rules,
            key.unwrap_or_else(|| CALLER_KEY.to_string()),
            source,
        )))
    }
}

/// The documentation of the function of `grain`.
pub(crate) fn documentation(grain: Grain) -> Documentation {
    let (description, example) = match grain {
        Grain::Episode => (
            "The repeat-caller episodes of a table of contacts under a rule set: one row per episode (a caller's maximal run of qualifying contacts, as the spec defines it), with its span, size, peaks and, when asked for, the profile of its contacts. The episodes view is this over contacts with the session's rule set.",
            "SELECT caller_key, episode_no, episode_start, contacts FROM engage_episodes('contacts', '5/30d,12/90d') ORDER BY contacts DESC LIMIT 10;",
        ),
        Grain::Caller => (
            "The repeat callers of a table of contacts under a rule set: one row per caller with at least one episode, with their episodes, first qualifying time and, when asked for, their profile, triage suggestion and CSU. The repeat_callers view is this over contacts with the session's rule set.",
            "SELECT caller_key, episodes, suggested_type, csu FROM engage_repeat_callers('contacts', '10/7d') ORDER BY episodes DESC;",
        ),
    };
    let name = grain.function_name();
    doc(
        description,
        &format!("{name}(table [, rule_set [, key_column]])"),
        example,
        &[
            (
                "table",
                "the name of a table with the contacts schema (caller_key, received_at, line, agency, category, csu)",
            ),
            (
                "rule_set",
                "rules like '10/7d' or '5/30d,12/90d'; absent or '' for the session's engage.rule_set",
            ),
            (
                "key_column",
                "the column to group by: caller_key (the default), or another such as address_key for address rules; the output's first column takes its name",
            ),
        ],
    )
}
