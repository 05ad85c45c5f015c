//! Detection's operator and tables as [`crate::wire`] descriptions, and back.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::{TableReference, internal_err};
use datafusion::error::Result;
use datafusion::physical_plan::ExecutionPlan;
use engage_kernel::RuleSet;

use super::exec::Detection;
use super::provider::Source;
use super::{DetectionTable, Grain};
use crate::whole_input::{Reading, WholeInputExec};
use crate::wire::{DescribedTable, WireNode, WireRules, WireTable};

fn grain_named(function: &str) -> Result<Grain> {
    [Grain::Episode, Grain::Caller]
        .into_iter()
        .find(|g| g.function_name() == function)
        .map_or_else(
            || internal_err!("a received detection names no detection function: {function}"),
            Ok,
        )
}

/// The description of a detection operator.
pub(crate) fn describe_node(plan: &dyn Any) -> Option<WireNode> {
    let exec = plan.downcast_ref::<WholeInputExec<Detection>>()?;
    let detection = exec.operator();
    Some(WireNode::Detection {
        function: detection.grain.function_name().to_string(),
        rules: WireRules::from(&detection.rules),
        columns: detection.columns.clone(),
        profiles: detection.profiles,
        by_key: exec.reading() == Reading::ByKey,
    })
}

/// The detection operator a [`WireNode::Detection`] describes.
pub(crate) fn rebuild_node(
    node: &WireNode,
    schema: SchemaRef,
    inputs: &[Arc<dyn ExecutionPlan>],
) -> Result<Arc<dyn ExecutionPlan>> {
    let WireNode::Detection {
        function,
        rules,
        columns,
        profiles,
        by_key,
    } = node
    else {
        return internal_err!("not a detection: {node:?}");
    };
    let detection = Detection {
        grain: grain_named(function)?,
        rules: RuleSet::try_from(rules)?,
        schema,
        columns: columns.clone(),
        profiles: *profiles,
    };
    let reading = Reading::by_key(*by_key);
    Ok(Arc::new(WholeInputExec::try_new_reading(
        detection,
        inputs.to_vec(),
        reading,
    )?))
}

/// The description of a detection table function's table, and the table it reads.
pub(crate) fn describe_table(provider: &dyn Any) -> Option<DescribedTable> {
    let table = provider.downcast_ref::<DetectionTable>()?;
    let source = match &table.source {
        Source::Named => None,
        Source::Captured(p) | Source::Received(p) => Some(p.clone()),
    };
    let wire = WireTable::Detection {
        function: table.grain.function_name().to_string(),
        table: table.table.to_string(),
        rules: table.rules.as_ref().map(WireRules::from),
        key: table.key.clone(),
    };
    Some((wire, source))
}

/// The detection table a [`WireTable::Detection`] describes, reading `source`.
pub(crate) fn rebuild_table(
    table: &WireTable,
    source: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>> {
    let WireTable::Detection {
        function,
        table,
        rules,
        key,
    } = table;
    Ok(Arc::new(DetectionTable::new(
        grain_named(function)?,
        TableReference::from(table.as_str()),
        rules.as_ref().map(RuleSet::try_from).transpose()?,
        key.clone(),
        Source::Received(source),
    )))
}
