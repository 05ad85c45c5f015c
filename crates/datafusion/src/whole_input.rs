//! The one shape of Engage's operators that read every partition of their inputs before they
//! answer: detection (every contact before any episode), the whole-table window (every caller's
//! contacts before any value) and the impact estimate (every cohort history before any
//! figure). [`WholeInputExec`] is the DataFusion `ExecutionPlan` they share; each says only
//! what differs, as a [`WholeInputOperator`]: its name, what EXPLAIN shows, its output and how
//! it runs. The reading itself is [`crate::batches::read_partitions`].
//!
//! An operator that works per key (detection and the window: a caller's answer needs only that
//! caller's contacts) can also read [`Reading::ByKey`]: its inputs hash-partitioned by the key,
//! each output partition computed from the same partition of every input alone. That is how
//! it runs on a cluster, where each executor holds some callers, whole.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::exec_err;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{Distribution, EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{
    Boundedness, ChildrenPropertiesMode, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties,
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

    /// Per input, the column holding the key when the operator can answer each key's part of
    /// its inputs alone ([`Reading::ByKey`]); `None` when it needs everything at once.
    fn key_columns(&self) -> Option<Vec<usize>> {
        None
    }

    /// Runs one output partition over `inputs`.
    fn execute(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream>;
}

/// How a [`WholeInputExec`] reads its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Every partition of every input at once, on one machine.
    Whole,
    /// Inputs hash-partitioned by the key, each output partition from its own input partition:
    /// the operator's answer for each key needs only that key's rows.
    ByKey,
}

impl Reading {
    /// How the session's settings say to read: by key when `engage.partition_by_key` is on.
    pub(crate) fn of_session(config: &datafusion::common::config::ConfigOptions) -> Reading {
        match config.extensions.get::<crate::options::EngageOptions>() {
            Some(options) if options.partition_by_key => Reading::ByKey,
            _ => Reading::Whole,
        }
    }

    /// [`Reading::ByKey`] when `by_key`, else [`Reading::Whole`].
    pub(crate) fn by_key(by_key: bool) -> Reading {
        if by_key {
            Reading::ByKey
        } else {
            Reading::Whole
        }
    }
}

/// A [`WholeInputOperator`] as a DataFusion operator.
#[derive(Debug)]
pub(crate) struct WholeInputExec<O> {
    operator: O,
    inputs: Vec<Arc<dyn ExecutionPlan>>,
    reading: Reading,
    properties: Arc<PlanProperties>,
}

impl<O: WholeInputOperator> WholeInputExec<O> {
    /// `operator` over `inputs`, read whole; an error when it takes another number of inputs.
    pub fn try_new(operator: O, inputs: Vec<Arc<dyn ExecutionPlan>>) -> Result<Self> {
        Self::try_new_reading(operator, inputs, Reading::Whole)
    }

    /// `operator` over `inputs`, read as `reading` says: [`Reading::ByKey`] falls back to
    /// [`Reading::Whole`] for an operator that has no key columns.
    pub fn try_new_reading(
        operator: O,
        inputs: Vec<Arc<dyn ExecutionPlan>>,
        reading: Reading,
    ) -> Result<Self> {
        if inputs.len() != operator.input_count() {
            return exec_err!(
                "{} takes {} inputs, not {}",
                O::NAME,
                operator.input_count(),
                inputs.len()
            );
        }
        let reading = match operator.key_columns() {
            Some(_) => reading,
            None => Reading::Whole,
        };
        let partitions = match reading {
            Reading::Whole => operator.output_partitions(&inputs),
            Reading::ByKey => inputs[0].output_partitioning().partition_count(),
        };
        let properties = PlanProperties::new(
            EquivalenceProperties::new(operator.schema()),
            Partitioning::UnknownPartitioning(partitions.max(1)),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        Ok(WholeInputExec {
            operator,
            inputs,
            reading,
            properties: Arc::new(properties),
        })
    }

    /// The operator it runs.
    pub fn operator(&self) -> &O {
        &self.operator
    }

    /// How it reads its inputs.
    pub fn reading(&self) -> Reading {
        self.reading
    }
}

impl<O: WholeInputOperator> DisplayAs for WholeInputExec<O> {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                write!(f, "{}: ", O::NAME)?;
                self.operator.describe(&self.inputs, true, f)?;
                match self.reading {
                    Reading::Whole => Ok(()),
                    Reading::ByKey => write!(f, ", partitioned by key"),
                }
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
        // Read whole, every partition is read at once: more of them is more parallel reading,
        // never less. By key, each partition is a share of the work.
        vec![self.reading == Reading::ByKey; self.inputs.len()]
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        match (self.reading, self.operator.key_columns()) {
            (Reading::ByKey, Some(keys)) => self
                .inputs
                .iter()
                .zip(keys)
                .map(|(input, key)| {
                    let name = input.schema().field(key).name().clone();
                    let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new(&name, key));
                    Distribution::KeyPartitioned(vec![column])
                })
                .collect(),
            _ => vec![Distribution::UnspecifiedDistribution; self.inputs.len()],
        }
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
        Ok(Arc::new(WholeInputExec::try_new_reading(
            operator,
            children,
            self.reading,
        )?))
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
        match self.reading {
            Reading::Whole => self.operator.execute(&self.inputs, partition, context),
            Reading::ByKey => {
                let slices = self
                    .inputs
                    .iter()
                    .map(|input| {
                        let count = input.output_partitioning().partition_count();
                        if count != partitions {
                            return exec_err!(
                                "{} reads its inputs by key and needs as many partitions in each: {count}, not {partitions}",
                                O::NAME
                            );
                        }
                        Ok(Arc::new(PartitionSlice::new(input.clone(), partition))
                            as Arc<dyn ExecutionPlan>)
                    })
                    .collect::<Result<Vec<_>>>()?;
                // A fresh operator: state shared between partitions belongs to the whole input.
                self.operator.renew(&slices).execute(&slices, 0, context)
            }
        }
    }
}

/// One partition of a plan as a plan of one partition: what an operator reading
/// [`Reading::ByKey`] hands its partition's computation.
#[derive(Debug)]
struct PartitionSlice {
    input: Arc<dyn ExecutionPlan>,
    partition: usize,
    properties: Arc<PlanProperties>,
}

impl PartitionSlice {
    fn new(input: Arc<dyn ExecutionPlan>, partition: usize) -> Self {
        let inner = input.properties();
        let properties = PlanProperties::new(
            inner.eq_properties.clone(),
            Partitioning::UnknownPartitioning(1),
            inner.emission_type,
            inner.boundedness,
        );
        PartitionSlice {
            input,
            partition,
            properties: Arc::new(properties),
        }
    }
}

impl DisplayAs for PartitionSlice {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "PartitionSlice: partition={}", self.partition)
    }
}

impl ExecutionPlan for PartitionSlice {
    fn name(&self) -> &str {
        "PartitionSlice"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
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
        match <[_; 1]>::try_from(children) {
            Ok([input]) => Ok(Arc::new(PartitionSlice::new(input, self.partition))),
            Err(_) => exec_err!("PartitionSlice takes one input"),
        }
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
        if partition != 0 {
            return exec_err!("PartitionSlice has one partition, not partition {partition}");
        }
        self.input.execute(self.partition, context)
    }
}
