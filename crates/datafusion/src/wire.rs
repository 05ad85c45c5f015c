//! Engage's operators and table functions as plain data, for codecs that send plans to other
//! processes (`engage-ballista` sends them to a cluster's scheduler and executors). Each
//! description rebuilds its node exactly; what cannot be sent says why.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::error::{DataFusionError, Result};
use datafusion::physical_plan::ExecutionPlan;
use engage_kernel::{Rule, RuleSet};
use serde::{Deserialize, Serialize};

use crate::detection;
use crate::whole_table_window;

/// A rule set as `(contacts, window in microseconds)` pairs: exact, whatever the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRules(Vec<(u32, i64)>);

impl From<&RuleSet> for WireRules {
    fn from(rules: &RuleSet) -> Self {
        WireRules(
            rules
                .rules()
                .iter()
                .map(|r| (r.min_contacts, r.window))
                .collect(),
        )
    }
}

impl TryFrom<&WireRules> for RuleSet {
    type Error = DataFusionError;

    fn try_from(wire: &WireRules) -> Result<RuleSet> {
        let rules = wire
            .0
            .iter()
            .map(|&(count, window)| Rule::new(count, window))
            .collect::<std::result::Result<Vec<_>, _>>()
            .and_then(RuleSet::new)
            .map_err(|e| DataFusionError::Internal(format!("a received rule set: {e}")))?;
        Ok(rules)
    }
}

/// One of Engage's operators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireNode {
    /// `EngageDetectionExec`.
    Detection {
        /// `engage_episodes` or `engage_repeat_callers`.
        function: String,
        rules: WireRules,
        /// The output columns, in the kernel's names.
        columns: Vec<String>,
        /// Whether it reads the facts for profiles (a second input).
        profiles: bool,
        /// Whether it reads its inputs by key.
        by_key: bool,
    },
    /// `EngageWholeTableWindowExec`.
    WholeTableWindow {
        key: usize,
        time: usize,
        /// Each function's name and rules.
        functions: Vec<(String, WireRules)>,
        by_key: bool,
    },
}

/// One of Engage's table functions' tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireTable {
    /// `engage_episodes(...)` or `engage_repeat_callers(...)`.
    Detection {
        function: String,
        /// The contacts table's name as written in the call.
        table: String,
        rules: Option<WireRules>,
        key: String,
    },
}

macro_rules! wire_bytes {
    ($type:ty, $what:literal) => {
        impl $type {
            /// The description as bytes.
            pub fn to_bytes(&self) -> Vec<u8> {
                serde_json::to_vec(self).expect("a wire description serialises")
            }

            /// The description these bytes hold.
            pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
                serde_json::from_slice(bytes).map_err(|e| {
                    DataFusionError::Internal(format!(concat!("a received ", $what, ": {}"), e))
                })
            }
        }
    };
}
wire_bytes!(WireNode, "Engage operator");
wire_bytes!(WireTable, "Engage table function");

/// The description of `plan` when it is one of Engage's operators; an error for one that
/// cannot run anywhere but here.
pub fn describe_node(plan: &dyn ExecutionPlan) -> Result<Option<WireNode>> {
    let any: &dyn Any = plan;
    if let Some(node) = detection::describe_node(any) {
        return Ok(Some(node));
    }
    if let Some(node) = whole_table_window::describe_node(any) {
        return Ok(Some(node));
    }
    if plan.name() == crate::impact::EXEC_NAME {
        return Err(DataFusionError::NotImplemented(format!(
            "{} cannot be sent to a cluster: the impact estimate needs every cohort's history in one place; run engage_impact without --cluster",
            crate::impact::NAME
        )));
    }
    Ok(None)
}

/// The operator `node` describes, with output `schema`, over `inputs`.
pub fn rebuild_node(
    node: &WireNode,
    schema: SchemaRef,
    inputs: &[Arc<dyn ExecutionPlan>],
) -> Result<Arc<dyn ExecutionPlan>> {
    match node {
        WireNode::Detection { .. } => detection::rebuild_node(node, schema, inputs),
        WireNode::WholeTableWindow { .. } => whole_table_window::rebuild_node(node, schema, inputs),
    }
}

/// A table function's table as sent: its description, and the table it reads as found when
/// the function was called (`None`: not found then).
pub type DescribedTable = (WireTable, Option<Arc<dyn TableProvider>>);

/// The description of `provider` when it is one of Engage's table functions' tables; an error
/// for one that cannot be sent.
pub fn describe_table(provider: &dyn TableProvider) -> Result<Option<DescribedTable>> {
    let any: &dyn Any = provider;
    if let Some(described) = detection::describe_table(any) {
        return Ok(Some(described));
    }
    if crate::impact::is_impact_table(any) {
        return Err(DataFusionError::NotImplemented(format!(
            "{} cannot be sent to a cluster: the impact estimate needs every cohort's history in one place; run it without --cluster",
            crate::impact::NAME
        )));
    }
    Ok(None)
}

/// The table `table` describes, reading `source`.
pub fn rebuild_table(
    table: &WireTable,
    source: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>> {
    match table {
        WireTable::Detection { .. } => detection::rebuild_table(table, source),
    }
}
