//! Operators whose whole output is known at once (detection needs every contact first): they
//! read every input partition at once, then stream what they computed.

use std::future::Future;

use datafusion::arrow::array::RecordBatch;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::runtime::SpawnedTask;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use futures::StreamExt;

/// Runs `read` over every partition of `plan` at once, each on its own task, and returns what
/// each gave, in partition order.
pub(crate) async fn read_partitions<T, F>(
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
    read: impl Fn(SendableRecordBatchStream) -> F,
) -> Result<Vec<T>>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let tasks = (0..plan.output_partitioning().partition_count())
        .map(|partition| {
            Ok(SpawnedTask::spawn(read(
                plan.execute(partition, context.clone())?,
            )))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(
            task.join()
                .await
                .map_err(|e| DataFusionError::External(Box::new(e)))??,
        );
    }
    Ok(results)
}

/// A stream of the batches `batches` computes, or of its error.
pub(crate) fn stream_of(
    schema: SchemaRef,
    batches: impl Future<Output = Result<Vec<RecordBatch>>> + Send + 'static,
) -> SendableRecordBatchStream {
    let stream = futures::stream::once(batches)
        .map(|result| match result {
            Ok(batches) => futures::stream::iter(batches.into_iter().map(Ok)).left_stream(),
            Err(e) => futures::stream::once(async { Err(e) }).right_stream(),
        })
        .flatten();
    Box::pin(RecordBatchStreamAdapter::new(schema, stream))
}
