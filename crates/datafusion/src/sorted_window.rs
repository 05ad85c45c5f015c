//! Engage's window functions over input already sorted by the partition key and time (a
//! snapshot): streamed, one caller at a time.
//!
//! `EngageWholeTableWindowExec` ([`crate::whole_table_window`]) takes this path when every input partition comes sorted by
//! key then time. Each partition's rows go out batch by batch, with the functions' values, as
//! soon as their caller's contacts have ended: nothing is held but the open caller's rows. A
//! partition's first and last callers may go on in another partition (a caller cut by a file's
//! edge), so their rows are set aside; the last partition to end detects those callers on
//! everything set aside and emits them. Memory is one caller per partition plus the edges.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::exec_err;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use engage_kernel::{Detection, RuleSet, detect};
use futures::StreamExt;

use crate::args::{Text, micros_of};
use crate::window::Kind;

/// Whether every partition of `plan` comes sorted by column `key`, then column `time`, both
/// ascending (as an Engage snapshot declares `caller_key`, `received_at`).
pub(crate) fn is_sorted_by(plan: &Arc<dyn ExecutionPlan>, key: usize, time: usize) -> bool {
    let Some(ordering) = plan.properties().output_ordering() else {
        return false;
    };
    let column = |i: usize| {
        ordering.get(i).and_then(|sort| {
            let expr: &dyn std::any::Any = sort.expr.as_ref();
            let column = expr.downcast_ref::<Column>()?;
            (!sort.options.descending).then_some(column.index())
        })
    };
    column(0) == Some(key) && column(1) == Some(time)
}

/// What every partition of one execution shares: the window's functions and the callers set
/// aside at partitions' edges.
#[derive(Debug)]
pub(crate) struct SortedWindow {
    pub key: usize,
    pub time: usize,
    /// Each function's kind and the index of its rule set in `rule_sets`.
    pub functions: Vec<(Kind, usize)>,
    pub rule_sets: Vec<RuleSet>,
    pub schema: SchemaRef,
    edges: Mutex<Edges>,
}

/// Callers set aside at partitions' edges, and how many partitions have yet to end.
#[derive(Debug)]
struct Edges {
    partitions: usize,
    remaining: usize,
    runs: Vec<Run>,
}

/// One caller's consecutive rows in a partition.
#[derive(Debug)]
struct Run {
    key: Option<String>,
    times: Vec<i64>,
    /// The run's rows from earlier batches (and, once closed, all of them), in input order.
    rows: Vec<RecordBatch>,
}

impl SortedWindow {
    pub(crate) fn new(
        key: usize,
        time: usize,
        functions: Vec<(Kind, RuleSet)>,
        schema: SchemaRef,
        partitions: usize,
    ) -> Self {
        let mut rule_sets: Vec<RuleSet> = Vec::new();
        let functions = functions
            .into_iter()
            .map(|(kind, rules)| {
                let index = rule_sets
                    .iter()
                    .position(|r| *r == rules)
                    .unwrap_or_else(|| {
                        rule_sets.push(rules);
                        rule_sets.len() - 1
                    });
                (kind, index)
            })
            .collect();
        SortedWindow {
            key,
            time,
            functions,
            rule_sets,
            schema,
            edges: Mutex::new(Edges {
                partitions,
                remaining: partitions,
                runs: Vec::new(),
            }),
        }
    }

    /// The output of one input partition: its rows with the functions' values, streamed.
    pub(crate) fn stream(
        self: &Arc<Self>,
        input: SendableRecordBatchStream,
    ) -> SendableRecordBatchStream {
        let partition = Partition {
            window: self.clone(),
            open: None,
            open_start: 0,
            first_set_aside: false,
            edges: Vec::new(),
            ready: Vec::new(),
            ready_keys: Vec::new(),
            ready_times: Vec::new(),
        };
        let batches = futures::stream::unfold(
            (input, Some(partition)),
            |(mut input, partition)| async move {
                let mut partition = partition?;
                match input.next().await {
                    Some(Ok(batch)) => {
                        let out = partition.push(&batch);
                        let next = out.is_ok().then_some(partition);
                        Some((out, (input, next)))
                    }
                    Some(Err(e)) => Some((Err(e), (input, None))),
                    None => Some((partition.finish(), (input, None))),
                }
            },
        )
        .flat_map(|out| match out {
            Ok(batches) => futures::stream::iter(batches.into_iter().map(Ok)).left_stream(),
            Err(e) => futures::stream::once(async { Err(e) }).right_stream(),
        });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), batches))
    }

    /// `rows` (in input order) with the functions' values; `keys` numbers each row's caller
    /// (ascending) and `times` are the rows' times, both in the same order.
    fn with_values(
        &self,
        rows: &[RecordBatch],
        keys: &[u32],
        times: &[i64],
    ) -> Result<Vec<RecordBatch>> {
        let detections = self
            .rule_sets
            .iter()
            .map(|rules| {
                detect(rules, keys, times).map_err(|e| DataFusionError::Execution(e.to_string()))
            })
            .collect::<Result<Vec<Detection>>>()?;
        let mut offset = 0;
        rows.iter()
            .filter(|batch| batch.num_rows() > 0)
            .map(|batch| {
                let range = offset..offset + batch.num_rows();
                offset = range.end;
                let mut columns = batch.columns().to_vec();
                for &(kind, rules) in &self.functions {
                    columns.push(kind.values(
                        &detections[rules],
                        range.clone(),
                        self.rule_sets[rules].len(),
                    ));
                }
                Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
            })
            .collect()
    }

    /// Files a partition's edge callers; the last partition to end gets every edge caller's
    /// rows with their values.
    fn end_partition(&self, runs: Vec<Run>) -> Result<Vec<RecordBatch>> {
        let all = {
            let mut edges = self
                .edges
                .lock()
                .map_err(|_| DataFusionError::Internal("edges lock poisoned".into()))?;
            edges.runs.extend(runs);
            edges.remaining = edges.remaining.saturating_sub(1);
            if edges.remaining > 0 {
                return Ok(Vec::new());
            }
            // Ready for another execution of the same plan.
            edges.remaining = edges.partitions;
            std::mem::take(&mut edges.runs)
        };
        let mut by_key: BTreeMap<Option<String>, Vec<Run>> = BTreeMap::new();
        for run in all {
            by_key.entry(run.key.clone()).or_default().push(run);
        }
        let (mut rows, mut keys, mut times) = (Vec::new(), Vec::new(), Vec::new());
        for (code, runs) in by_key.into_values().enumerate() {
            for run in runs {
                keys.extend(std::iter::repeat_n(code as u32, run.times.len()));
                times.extend(run.times);
                rows.extend(run.rows);
            }
        }
        self.with_values(&rows, &keys, &times)
    }
}

/// One input partition as it streams by.
struct Partition {
    window: Arc<SortedWindow>,
    /// The caller whose rows are coming now.
    open: Option<Run>,
    /// Where in the current batch the open caller's rows begin.
    open_start: usize,
    /// Whether the partition's first caller has ended (and been set aside as an edge).
    first_set_aside: bool,
    edges: Vec<Run>,
    /// Rows of callers that have ended, not yet emitted, with their callers and times.
    ready: Vec<RecordBatch>,
    ready_keys: Vec<u32>,
    ready_times: Vec<i64>,
}

impl Partition {
    fn push(&mut self, batch: &RecordBatch) -> Result<Vec<RecordBatch>> {
        let n = batch.num_rows();
        let keys = Text::of(batch.column(self.window.key))?;
        let times = micros_of(batch.column(self.window.time))?;
        if times.null_count() > 0 {
            return exec_err!(
                "received_at is NULL in {} rows; every contact needs a time",
                times.null_count()
            );
        }
        let times = times.values();
        self.open_start = 0;
        // Where this batch's rows of ended callers begin (they run to the open caller's start).
        let mut chunk_start: Option<usize> = None;
        for i in 0..n {
            let key = keys.get(i);
            match &mut self.open {
                Some(run) if run.key.as_deref() == key => run.times.push(times[i]),
                open => {
                    if let Some(mut run) = open.take() {
                        if let (Some(key), Some(previous)) = (key, run.key.as_deref())
                            && key < previous
                        {
                            return exec_err!(
                                "contacts declared sorted by caller_key are not: '{key}' comes after '{previous}'"
                            );
                        }
                        if !self.first_set_aside {
                            self.first_set_aside = true;
                            run.rows
                                .push(batch.slice(self.open_start, i - self.open_start));
                            self.edges.push(run);
                        } else {
                            let code = self.ready_keys.last().map_or(0, |&k| k + 1);
                            self.ready_keys
                                .extend(std::iter::repeat_n(code, run.times.len()));
                            self.ready_times.extend(run.times);
                            // Rows from earlier batches precede this batch's chunk.
                            self.ready.extend(run.rows);
                            chunk_start.get_or_insert(self.open_start);
                        }
                        self.open_start = i;
                    }
                    *open = Some(Run {
                        key: key.map(str::to_string),
                        times: vec![times[i]],
                        rows: Vec::new(),
                    });
                }
            }
        }
        if let Some(start) = chunk_start {
            self.ready.push(batch.slice(start, self.open_start - start));
        }
        if let Some(run) = &mut self.open {
            run.rows
                .push(batch.slice(self.open_start, n - self.open_start));
        }
        if self.ready.is_empty() {
            return Ok(Vec::new());
        }
        let out = self
            .window
            .with_values(&self.ready, &self.ready_keys, &self.ready_times);
        self.ready.clear();
        self.ready_keys.clear();
        self.ready_times.clear();
        out
    }

    fn finish(mut self) -> Result<Vec<RecordBatch>> {
        // The last caller (the first too, when the partition holds one caller) may go on
        // in another partition.
        self.edges.extend(self.open.take());
        self.window.end_partition(self.edges)
    }
}
