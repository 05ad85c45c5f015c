//! Operators whose whole output is known at once (detection needs every contact first).

use std::future::Future;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::Result;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;

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
