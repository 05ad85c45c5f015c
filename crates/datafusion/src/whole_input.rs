//! The one shape of Engage's operators that read every partition of their inputs before they
//! answer: detection (every contact before any episode), the whole-table window (every caller's
//! contacts before any value) and the impact estimate (every cohort history before any
//! figure). [`WholeInputExec`] is the DataFusion `ExecutionPlan` they share; each says only
//! what differs, as a [`WholeInputOperator`]: its name, what EXPLAIN shows, its output and how
//! it runs. The reading itself is [`crate::batches::read_partitions`].

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::exec_err;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{
    Boundedness, ChildrenPropertiesMode, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};

/// What one of Engage's whole-input operators does; [`WholeInputExec`] does the rest.
pub(crate) trait WholeInputOperator: fmt::Debug + Send + Sync + Sized + 'static {
    /// The operator's name in plans and in memory errors, such as `EngageDetectionExec`.
    const NAME: &'static str;

    /// How many inputs it reads, in order.
    fn input_count(&self) -> usize;

    /// Its output's schema.
    fn schema(&self) -> SchemaRef;

    /// Its output partitions, given its inputs: one unless it deals rows out again.
    fn output_partitions(&self, _inputs: &[Arc<dyn ExecutionPlan>]) -> usize {
        1
    }

    /// What EXPLAIN shows after the name (`verbose` for the indented and verbose forms, else
    /// the tree form's short line).
    fn describe(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        verbose: bool,
        f: &mut fmt::Formatter,
    ) -> fmt::Result;

    /// The same operator over new inputs: state that belongs to one set of inputs (a shared
    /// output, say) starts again.
    fn renew(&self, inputs: &[Arc<dyn ExecutionPlan>]) -> Self;

    /// Runs one output partition over `inputs`.
    fn execute(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream>;
}

/// A [`WholeInputOperator`] as a DataFusion operator.
#[derive(Debug)]
pub(crate) struct WholeInputExec<O> {
    operator: O,
    inputs: Vec<Arc<dyn ExecutionPlan>>,
    properties: Arc<PlanProperties>,
}

impl<O: WholeInputOperator> WholeInputExec<O> {
    /// `operator` over `inputs`; an error when it takes another number of inputs.
    pub fn try_new(operator: O, inputs: Vec<Arc<dyn ExecutionPlan>>) -> Result<Self> {
        if inputs.len() != operator.input_count() {
            return exec_err!(
                "{} takes {} inputs, not {}",
                O::NAME,
                operator.input_count(),
                inputs.len()
            );
        }
        let properties = PlanProperties::new(
            EquivalenceProperties::new(operator.schema()),
            Partitioning::UnknownPartitioning(operator.output_partitions(&inputs).max(1)),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        Ok(WholeInputExec {
            operator,
            inputs,
            properties: Arc::new(properties),
        })
    }
}

impl<O: WholeInputOperator> DisplayAs for WholeInputExec<O> {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                write!(f, "{}: ", O::NAME)?;
                self.operator.describe(&self.inputs, true, f)
            }
            DisplayFormatType::TreeRender => self.operator.describe(&self.inputs, false, f),
        }
    }
}

impl<O: WholeInputOperator> ExecutionPlan for WholeInputExec<O> {
    fn name(&self) -> &str {
        O::NAME
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        self.inputs.iter().collect()
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        // Every partition is read at once: more of them is more parallel reading, never less.
        vec![false; self.inputs.len()]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let operator = self.operator.renew(&children);
        Ok(Arc::new(WholeInputExec::try_new(operator, children)?))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let partitions = self.properties.partitioning.partition_count();
        if partition >= partitions {
            return exec_err!(
                "{} has {partitions} output partitions, not partition {partition}",
                O::NAME
            );
        }
        self.operator.execute(&self.inputs, partition, context)
    }
}
