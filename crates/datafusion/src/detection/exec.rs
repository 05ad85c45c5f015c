//! The detection operator (`EngageDetectionExec`): reads the key and time of every contact,
//! detects, reads the facts of the callers found when a profile column is asked for, and
//! answers in one partition.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::runtime::SpawnedTask;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::ExecutionPlan;
use engage_kernel::{Episode, RuleSet};

use super::Grain;
use super::facts::read_facts;
use super::sorted::{is_sorted_by_key_and_time, read_sorted};
use super::unsorted::read_index;
use crate::batches::stream_of;
use crate::sharded::{CallerId, FrozenIndex};
use crate::whole_input::WholeInputOperator;

/// Detection of `grain` rows under `rules`. Its inputs: the source's key and time columns, and,
/// when `profiles`, the key, time and fact columns for the second read.
#[derive(Debug, Clone)]
pub(super) struct Detection {
    pub grain: Grain,
    pub rules: RuleSet,
    /// The output: the columns asked for, in the kernel's names.
    pub schema: SchemaRef,
    pub columns: Vec<String>,
    pub profiles: bool,
}

impl WholeInputOperator for Detection {
    const NAME: &'static str = "EngageDetectionExec";

    fn input_count(&self) -> usize {
        1 + usize::from(self.profiles)
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn describe(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        verbose: bool,
        f: &mut fmt::Formatter,
    ) -> fmt::Result {
        if !verbose {
            return write!(f, "rules={}", self.rules);
        }
        write!(
            f,
            "{}, rules={}, input={}, profiles={}",
            self.grain.function_name(),
            self.rules,
            if is_sorted_by_key_and_time(&inputs[0]) {
                "sorted by caller"
            } else {
                "any order"
            },
            self.profiles
        )
    }

    fn renew(&self, _inputs: &[Arc<dyn ExecutionPlan>]) -> Self {
        self.clone()
    }

    fn key_columns(&self) -> Option<Vec<usize>> {
        // Both reads start with the key.
        Some(vec![0; self.input_count()])
    }

    fn execute(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        _partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let job = Job {
            detection: self.clone(),
            keys: inputs[0].clone(),
            facts: inputs.get(1).cloned(),
        };
        Ok(stream_of(self.schema(), job.run(context)))
    }
}

/// One execution of a [`Detection`].
pub(super) struct Job {
    pub detection: Detection,
    keys: Arc<dyn ExecutionPlan>,
    facts: Option<Arc<dyn ExecutionPlan>>,
}

/// The callers found: episodes by code then time, and per output row its episodes.
pub(super) struct Found {
    pub index: Arc<FrozenIndex>,
    pub episodes: Arc<Vec<Episode<CallerId>>>,
    /// Per output row, the range of `episodes` it covers (one episode, or a caller's).
    pub rows: Vec<std::ops::Range<usize>>,
}

impl Job {
    async fn run(self, context: Arc<TaskContext>) -> Result<Vec<RecordBatch>> {
        let Detection { grain, rules, .. } = &self.detection;
        let threads = context.session_config().target_partitions().max(1);
        // What the unsorted path holds until the output is built: every contact's time and
        // code, and each key once.
        let memory = Arc::new(MemoryConsumer::new(Detection::NAME).register(context.memory_pool()));
        let (index, episodes) = if is_sorted_by_key_and_time(&self.keys) {
            read_sorted(&self.keys, &context, rules).await?
        } else {
            let index = read_index(&self.keys, &context, threads, &memory).await?;
            // Detection is CPU work for every core: off the runtime's workers, so that other
            // operators' reads go on.
            let rules = rules.clone();
            SpawnedTask::spawn_blocking(move || {
                let episodes = index.detect(&rules, threads);
                (index, episodes)
            })
            .join()
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?
        };
        let index = Arc::new(index);
        let mut rows = Vec::new();
        match grain {
            Grain::Episode => rows.extend((0..episodes.len()).map(|i| i..i + 1)),
            Grain::Caller => {
                // A caller's episodes are consecutive.
                let mut start = 0;
                for caller in episodes.chunk_by(|a, b| a.key == b.key) {
                    rows.push(start..start + caller.len());
                    start += caller.len();
                }
            }
        }
        let found = Found {
            index,
            episodes: Arc::new(episodes),
            rows,
        };
        let facts = match &self.facts {
            Some(plan) => Some(read_facts(plan, &context, &found, *grain).await?),
            None => None,
        };
        let batch = self.output(&found, facts.as_deref())?;
        let size = context.session_config().batch_size().max(1);
        Ok((0..batch.num_rows())
            .step_by(size)
            .map(|offset| batch.slice(offset, size.min(batch.num_rows() - offset)))
            .collect())
    }
}
