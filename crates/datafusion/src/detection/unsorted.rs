//! The read of input in any order: every contact's key and time, from every partition at once,
//! into the sharded index, its growth reserved from the query's memory pool.

use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::MemoryReservation;
use datafusion::physical_plan::ExecutionPlan;
use futures::StreamExt;

use crate::args::{Text, micros_of};
use crate::batches::read_partitions;
use crate::sharded::{FrozenIndex, ShardedIndex};

/// Streams `caller_key` and `received_at` of every partition of `plan` into a sharded index.
pub(super) async fn read_index(
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
    threads: usize,
    memory: &Arc<MemoryReservation>,
) -> Result<FrozenIndex> {
    let index = Arc::new(ShardedIndex::for_threads(threads));
    read_partitions(plan, context, |mut stream| {
        let index = index.clone();
        let memory = memory.clone();
        async move {
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let keys = Text::of(batch.column(0))?;
                let grown = index.push_batch(&keys, &micros_of(batch.column(1))?, None)?;
                memory.try_grow(grown)?;
            }
            Ok(())
        }
    })
    .await?;
    Arc::try_unwrap(index)
        .map_err(|_| DataFusionError::Internal("index still shared".into()))?
        .freeze()
}
