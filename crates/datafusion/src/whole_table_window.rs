//! Engage's window functions over a whole table at once: a physical optimizer rule and the
//! operator it plans.
//!
//! DataFusion runs a window function by hash-repartitioning its input by the PARTITION BY
//! key, sorting every partition by key and time, and handing the function one caller at a
//! time: for a table of contacts, most of the time goes to moving and comparing text keys. When
//! every function of a window node is Engage's (`rolling_count`, `repeat_episode`,
//! `repeat_qualifies`, `repeat_rolling_counts`) over one PARTITION BY column and ORDER BY the
//! time they take, [`WholeTableWindows`] plans [`WholeTableWindowExec`] instead, before
//! DataFusion adds any repartitioning or sort: it reads every input partition at once, interns
//! the keys (the sharded index), detects over the whole table in the kernel, and emits the
//! input rows, in no particular order, with the functions' values. Answers are the same; the
//! input rows are held in memory, as DataFusion's own window operator holds its partitions.
//! When the input comes sorted by key and time (a snapshot), nothing is held: the rows stream
//! through one caller at a time ([`crate::sorted_window`]).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::exec_err;
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{Column, Literal};
use datafusion::physical_expr::window::StandardWindowFunctionExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::windows::{
    BoundedWindowAggExec, StandardWindowExpr, WindowAggExec, WindowUDFExpr,
};
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties, WindowExpr};
use engage_kernel::{Detection, RuleSet, detect};
use futures::StreamExt;
use tokio::sync::OnceCell;

use crate::args::{Text, micros_of};
use crate::batches::{read_partitions, stream_of};
use crate::sharded::{NO_CALLER, ShardedIndex};
use crate::sorted_window::{SortedWindow, is_sorted_by};
use crate::whole_input::{Reading, WholeInputExec, WholeInputOperator};
use crate::window::{Kind, PerContact};
use crate::wire::{WireNode, WireRules};

/// Plans [`WholeTableWindowExec`] for window nodes made only of Engage's functions. Put it
/// before DataFusion's own physical optimizer rules ([`crate::session_state`] does).
#[derive(Debug, Default)]
pub struct WholeTableWindows;

impl PhysicalOptimizerRule for WholeTableWindows {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let reading = Reading::of_session(config);
        plan.transform_up(|node| {
            Ok(match WholeTableWindow::replacing(&node, reading)? {
                Some(exec) => Transformed::yes(Arc::new(exec) as Arc<dyn ExecutionPlan>),
                None => Transformed::no(node),
            })
        })
        .data()
    }

    fn name(&self) -> &str {
        "engage_whole_table_windows"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// One window function of the node: which, under which rules.
#[derive(Debug, Clone)]
struct Function {
    kind: Kind,
    rules: RuleSet,
}

/// The batches of every output partition, or the error that stopped them, shared by all.
type SharedOutput = std::result::Result<Arc<Vec<Vec<RecordBatch>>>, Arc<DataFusionError>>;

/// The input rows with the values of Engage window functions, detected over the whole input:
/// the operator `EngageWholeTableWindowExec`, one input.
#[derive(Debug)]
pub(crate) struct WholeTableWindow {
    key: usize,
    time: usize,
    functions: Vec<Function>,
    schema: SchemaRef,
    /// The output, computed once for all output partitions.
    output: Arc<OnceCell<SharedOutput>>,
    /// The streamed path's shared state, used when the input is sorted by key and time.
    sorted: Arc<SortedWindow>,
}

/// Engage's window operator as DataFusion plans it.
pub(crate) type WholeTableWindowExec = WholeInputExec<WholeTableWindow>;

fn column_index(expr: &Arc<dyn PhysicalExpr>) -> Option<usize> {
    let any: &dyn Any = expr.as_ref();
    any.downcast_ref::<Column>().map(Column::index)
}

impl WholeTableWindow {
    fn new(
        key: usize,
        time: usize,
        functions: Vec<Function>,
        schema: SchemaRef,
        input: &Arc<dyn ExecutionPlan>,
    ) -> Self {
        let sorted = Arc::new(SortedWindow::new(
            key,
            time,
            functions
                .iter()
                .map(|f| (f.kind, f.rules.clone()))
                .collect(),
            schema.clone(),
            Self::partitions(input),
        ));
        WholeTableWindow {
            key,
            time,
            functions,
            schema,
            output: Arc::new(OnceCell::new()),
            sorted,
        }
    }

    /// As many output partitions as input ones: the rows are dealt out again.
    fn partitions(input: &Arc<dyn ExecutionPlan>) -> usize {
        input.output_partitioning().partition_count().max(1)
    }

    /// The operator that replaces `node`, if `node` is a window node of Engage's functions only.
    fn replacing(
        node: &Arc<dyn ExecutionPlan>,
        reading: Reading,
    ) -> Result<Option<WholeTableWindowExec>> {
        let any: &dyn Any = node.as_ref();
        let (exprs, input) = if let Some(w) = any.downcast_ref::<BoundedWindowAggExec>() {
            (w.window_expr(), w.input())
        } else if let Some(w) = any.downcast_ref::<WindowAggExec>() {
            (w.window_expr(), w.input())
        } else {
            return Ok(None);
        };
        let mut functions = Vec::new();
        let mut columns: Option<(usize, usize)> = None;
        for expr in exprs {
            let Some(function) = Self::engage_function(expr.as_ref(), &mut columns)? else {
                return Ok(None);
            };
            functions.push(function);
        }
        let Some((key, time)) = columns else {
            return Ok(None);
        };
        let text_key = matches!(
            input.schema().field(key).data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
        );
        if !text_key {
            return Ok(None);
        }
        let window = WholeTableWindow::new(key, time, functions, node.schema(), input);
        Ok(Some(WholeInputExec::try_new_reading(
            window,
            vec![input.clone()],
            reading,
        )?))
    }

    /// The function of one window expression if it is Engage's, over the same key and time
    /// columns as the others (`columns`).
    fn engage_function(
        expr: &dyn WindowExpr,
        columns: &mut Option<(usize, usize)>,
    ) -> Result<Option<Function>> {
        let Some(standard) = expr.as_any().downcast_ref::<StandardWindowExpr>() else {
            return Ok(None);
        };
        let Some(udf) = standard
            .get_standard_func_expr()
            .as_any()
            .downcast_ref::<WindowUDFExpr>()
        else {
            return Ok(None);
        };
        let Some(kind) = Kind::of(udf.fun()) else {
            return Ok(None);
        };
        let (Some(key), Some(time)) = (
            expr.partition_by().first().and_then(column_index),
            expr.order_by().first().and_then(|o| {
                (!o.options.descending)
                    .then(|| column_index(&o.expr))
                    .flatten()
            }),
        ) else {
            return Ok(None);
        };
        if expr.partition_by().len() != 1 || expr.order_by().len() != 1 {
            return Ok(None);
        }
        let args = udf.expressions();
        let [received_at, second] = args.as_slice() else {
            return Ok(None);
        };
        let argument: &dyn Any = second.as_ref();
        let (Some(arg_time), Some(literal)) = (
            column_index(received_at),
            argument.downcast_ref::<Literal>(),
        ) else {
            return Ok(None);
        };
        if arg_time != time || columns.is_some_and(|c| c != (key, time)) {
            return Ok(None);
        }
        *columns = Some((key, time));
        // A rule set that does not parse is left to DataFusion's own window operator, whose
        // evaluation reports it in the function's words.
        let Ok(rules) = kind.rules(&literal.value().to_array_of_size(1)?) else {
            return Ok(None);
        };
        Ok(Some(Function { kind, rules }))
    }
}

impl WholeInputOperator for WholeTableWindow {
    const NAME: &'static str = "EngageWholeTableWindowExec";

    fn input_count(&self) -> usize {
        1
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn output_partitions(&self, inputs: &[Arc<dyn ExecutionPlan>]) -> usize {
        Self::partitions(&inputs[0])
    }

    fn key_columns(&self) -> Option<Vec<usize>> {
        Some(vec![self.key])
    }

    fn describe(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        verbose: bool,
        f: &mut fmt::Formatter,
    ) -> fmt::Result {
        let functions: Vec<String> = self
            .functions
            .iter()
            .map(|f| format!("{:?}({})", f.kind, f.rules))
            .collect();
        if !verbose {
            return write!(f, "{}", functions.join(", "));
        }
        write!(
            f,
            "key=#{}, time=#{}, [{}]{}",
            self.key,
            self.time,
            functions.join(", "),
            if is_sorted_by(&inputs[0], self.key, self.time) {
                ", input sorted by key and time: streamed"
            } else {
                ""
            }
        )
    }

    fn renew(&self, inputs: &[Arc<dyn ExecutionPlan>]) -> Self {
        WholeTableWindow::new(
            self.key,
            self.time,
            self.functions.clone(),
            self.schema.clone(),
            &inputs[0],
        )
    }

    fn execute(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = &inputs[0];
        let partitions = Self::partitions(input);
        if is_sorted_by(input, self.key, self.time) {
            return Ok(self.sorted.stream(input.execute(partition, context)?));
        }
        let output = self.output.clone();
        let job = Job {
            input: input.clone(),
            key: self.key,
            time: self.time,
            functions: self.functions.clone(),
            schema: self.schema.clone(),
            partitions,
        };
        Ok(stream_of(self.schema(), async move {
            let all = output
                .get_or_init(
                    || async move { job.run(context).await.map(Arc::new).map_err(Arc::new) },
                )
                .await
                .clone()
                .map_err(DataFusionError::Shared)?;
            Ok(all[partition].clone())
        }))
    }
}

/// One execution: all input rows, then their values, dealt to the output partitions.
struct Job {
    input: Arc<dyn ExecutionPlan>,
    key: usize,
    time: usize,
    functions: Vec<Function>,
    schema: SchemaRef,
    partitions: usize,
}

/// What detection works with per contact, beyond the rows and their callers and times: the
/// contacts' codes and times gathered per thread, sorted by caller with their positions (and
/// the sort's spare), and each contact's figures, in the kernel and back in input order.
const DETECTION_BYTES_PER_CONTACT: usize = 64;

/// One input partition's rows, each row's caller and each row's time, and the memory they
/// hold.
type PartitionRows = (Vec<RecordBatch>, Vec<u64>, Vec<i64>, MemoryReservation);

impl Job {
    async fn run(self, context: Arc<TaskContext>) -> Result<Vec<Vec<RecordBatch>>> {
        let threads = context.session_config().target_partitions().max(1);
        let index = Arc::new(ShardedIndex::for_threads(threads));
        let (key, time) = (self.key, self.time);
        // What is held: every input row, and its caller and time (16 bytes).
        let memory =
            MemoryConsumer::new("EngageWholeTableWindowExec").register(context.memory_pool());
        let parts: Vec<PartitionRows> = read_partitions(&self.input, &context, |mut stream| {
            let index = index.clone();
            let reservation = memory.new_empty();
            async move {
                let (mut batches, mut callers, mut times) = (Vec::new(), Vec::new(), Vec::new());
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    reservation.try_grow(batch.get_array_memory_size() + 16 * batch.num_rows())?;
                    let batch_times = micros_of(batch.column(time))?;
                    if batch_times.null_count() > 0 {
                        return exec_err!(
                            "received_at is NULL in {} rows; every contact needs a time",
                            batch_times.null_count()
                        );
                    }
                    let start = callers.len();
                    callers.resize(start + batch.num_rows(), NO_CALLER);
                    let keys = Text::of(batch.column(key))?;
                    let grown = index.code_batch(&keys, &batch_times, &mut callers[start..])?;
                    reservation.try_grow(grown)?;
                    times.extend_from_slice(batch_times.values());
                    batches.push(batch);
                }
                // Held until the output is built: the reservation goes with the rows.
                Ok((batches, callers, times, reservation))
            }
        })
        .await?;
        let index = Arc::try_unwrap(index)
            .map_err(|_| DataFusionError::Internal("index still shared".into()))?
            .freeze()?;
        let offsets = index.code_offsets();
        let callers = *offsets.last().unwrap_or(&0);
        // Rows without a key form one partition of their own, as in SQL: one more code.
        // Sized once: growing by doubling would copy and fault in the memory again.
        let total: usize = parts.iter().map(|(_, rows, _, _)| rows.len()).sum();
        let mut codes = Vec::with_capacity(total);
        let mut times = Vec::with_capacity(total);
        let mut input = Vec::new();
        let mut held = Vec::new();
        for (batches, rows, part_times, reservation) in parts {
            held.push(reservation);
            codes.extend(
                rows.iter()
                    .map(|&c| index.code(c, &offsets).unwrap_or(callers)),
            );
            times.extend_from_slice(&part_times);
            input.push(batches);
        }
        drop(index);
        // Detection's working memory, held until the output is built.
        let working = memory.new_empty();
        working.try_grow(codes.len() * DETECTION_BYTES_PER_CONTACT)?;
        let mut rule_sets: Vec<RuleSet> = Vec::new();
        for f in &self.functions {
            if !rule_sets.contains(&f.rules) {
                rule_sets.push(f.rules.clone());
            }
        }
        // Detection is CPU work for every core: off the runtime's workers.
        let detections: Vec<(RuleSet, PerContact)> = SpawnedTask::spawn_blocking(move || {
            rule_sets
                .into_iter()
                .map(|rules| {
                    let figures = detect_in_groups(&rules, &codes, &times, threads)?;
                    Ok((rules, figures))
                })
                .collect::<Result<Vec<_>>>()
        })
        .join()
        .await
        .map_err(|e| DataFusionError::External(Box::new(e)))??;
        let mut output: Vec<Vec<RecordBatch>> = vec![Vec::new(); self.partitions];
        let mut offset = 0;
        let mut n = 0;
        for batches in input {
            for batch in batches {
                let range = offset..offset + batch.num_rows();
                offset = range.end;
                let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
                for f in &self.functions {
                    let (_, d) = detections
                        .iter()
                        .find(|(r, _)| *r == f.rules)
                        .expect("detected above");
                    columns.push(f.kind.values(d, range.clone(), f.rules.len()));
                }
                output[n % self.partitions]
                    .push(RecordBatch::try_new(self.schema.clone(), columns)?);
                n += 1;
            }
        }
        drop(working);
        Ok(output)
    }
}

/// Detects on `threads` threads, each taking the callers whose code is its number modulo
/// `threads`, and gathers each contact's figures back into input order.
fn detect_in_groups(
    rules: &RuleSet,
    codes: &[u32],
    times: &[i64],
    threads: usize,
) -> Result<PerContact> {
    // Codes are dense and callers many, so each thread's share is close to an even split.
    let mut rows: Vec<Vec<u32>> = (0..threads)
        .map(|_| Vec::with_capacity(codes.len() / threads + codes.len() / 16 + 1))
        .collect();
    for (i, &code) in codes.iter().enumerate() {
        rows[code as usize % threads].push(i as u32);
    }
    let detections: Vec<Result<Detection>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .iter()
            .map(|rows| {
                scope.spawn(move || {
                    let codes: Vec<u32> = rows.iter().map(|&r| codes[r as usize]).collect();
                    let times: Vec<i64> = rows.iter().map(|&r| times[r as usize]).collect();
                    detect(rules, &codes, &times)
                        .map_err(|e| DataFusionError::Execution(e.to_string()))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("detection does not panic"))
            .collect()
    });
    let n = codes.len();
    let mut figures = PerContact {
        counts: vec![vec![0; n]; rules.len()],
        qualifies: vec![false; n],
        episode_no: vec![0; n],
    };
    for (rows, detection) in rows.iter().zip(detections) {
        let detection = detection?;
        for (r, counts) in figures.counts.iter_mut().enumerate() {
            for (&row, &c) in rows.iter().zip(detection.rolling_counts(r)) {
                counts[row as usize] = c;
            }
        }
        for (k, &row) in rows.iter().enumerate() {
            figures.qualifies[row as usize] = detection.qualifies()[k];
            figures.episode_no[row as usize] = detection.episode_numbers_of_contacts()[k];
        }
    }
    Ok(figures)
}

/// The description of a whole-table window operator.
pub(crate) fn describe_node(plan: &dyn Any) -> Option<WireNode> {
    let exec = plan.downcast_ref::<WholeTableWindowExec>()?;
    let window = exec.operator();
    Some(WireNode::WholeTableWindow {
        key: window.key,
        time: window.time,
        functions: window
            .functions
            .iter()
            .map(|f| {
                (
                    f.kind.definition().name.to_string(),
                    WireRules::from(&f.rules),
                )
            })
            .collect(),
        by_key: exec.reading() == Reading::ByKey,
    })
}

/// The whole-table window operator a [`WireNode::WholeTableWindow`] describes.
pub(crate) fn rebuild_node(
    node: &WireNode,
    schema: SchemaRef,
    inputs: &[Arc<dyn ExecutionPlan>],
) -> Result<Arc<dyn ExecutionPlan>> {
    let WireNode::WholeTableWindow {
        key,
        time,
        functions,
        by_key,
    } = node
    else {
        return exec_err!("not a whole-table window: {node:?}");
    };
    let [input] = inputs else {
        return exec_err!("{} takes one input", WholeTableWindow::NAME);
    };
    let functions = functions
        .iter()
        .map(|(name, rules)| {
            let kind = Kind::named(name).ok_or_else(|| {
                DataFusionError::Internal(format!(
                    "a received window names no Engage function: {name}"
                ))
            })?;
            Ok(Function {
                kind,
                rules: RuleSet::try_from(rules)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let window = WholeTableWindow::new(*key, *time, functions, schema, input);
    let reading = Reading::by_key(*by_key);
    Ok(Arc::new(WholeInputExec::try_new_reading(
        window,
        vec![input.clone()],
        reading,
    )?))
}
