//! Writing one Parquet file with each row group's record batches made, and its columns
//! encoded, on several threads (parquet's `ArrowColumnWriter`), then handed to the store one
//! row group at a time: the same file an `AsyncArrowWriter` writes, on every core.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, compute_leaves};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Rows made into batches and encoded at a time within a row group: bounds the record batches
/// held at once (a row group's encoded pages are held until it is complete, as with
/// `AsyncArrowWriter`).
const ROWS_PER_SLICE: usize = 262_144;

/// How a file's rows are cut and how many threads encode them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// Rows per row group.
    pub rows_per_row_group: usize,
    /// Rows per record batch (and so at most per data page).
    pub rows_per_batch: usize,
    /// Threads making batches and encoding columns (1: all on the calling thread).
    pub threads: usize,
}

/// Writes `rows` rows to `out` as one Parquet file of `schema`, each `layout.rows_per_batch`
/// of them made a record batch by `to_batch` (given the rows' range), and closes `out`. `progress` is told the rows written so
/// far after each row group. The schema must be flat (one Parquet column per field).
pub(crate) async fn write_parquet<W: AsyncWrite + Unpin + Send>(
    out: &mut W,
    schema: SchemaRef,
    properties: WriterProperties,
    rows: usize,
    to_batch: impl Fn(Range<usize>) -> Result<RecordBatch, ArrowError> + Sync,
    layout: Layout,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(), ParquetError> {
    // The Arrow writer writes the magic bytes and keeps the Arrow schema for the footer.
    let (mut file, factory) = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(properties))?
        .into_serialized_writer()?;
    let mut written = 0u64;
    for (index, group) in ranges(0..rows, layout.rows_per_row_group).enumerate() {
        // Each column's writer, taken (`None`) when it is closed.
        let writers: Vec<Mutex<Option<ArrowColumnWriter>>> = factory
            .create_column_writers(index)?
            .into_iter()
            .map(|writer| Mutex::new(Some(writer)))
            .collect();
        if writers.len() != schema.fields().len() {
            return Err(ParquetError::General(
                "a nested schema cannot be written column by column".into(),
            ));
        }
        for slice in ranges(group.clone(), ROWS_PER_SLICE) {
            let per_batch = layout.rows_per_batch.max(1);
            let batches = in_parallel(layout.threads, slice.len().div_ceil(per_batch), |i| {
                let start = slice.start + i * per_batch;
                to_batch(start..(start + per_batch).min(slice.end))
            })
            .into_iter()
            .collect::<Result<Vec<RecordBatch>, ArrowError>>()?;
            in_parallel(layout.threads, writers.len(), |column| {
                let mut slot = writers[column].lock().expect("no thread panicked");
                let writer = slot.as_mut().expect("closed only below");
                let field = &schema.fields()[column];
                for batch in &batches {
                    for leaf in compute_leaves(field, batch.column(column))? {
                        writer.write(&leaf)?;
                    }
                }
                Ok::<(), ParquetError>(())
            })
            .into_iter()
            .collect::<Result<(), ParquetError>>()?;
        }
        let chunks = in_parallel(layout.threads, writers.len(), |column| {
            let mut slot = writers[column].lock().expect("no thread panicked");
            slot.take().expect("closed once").close()
        });
        let mut row_group = file.next_row_group()?;
        for chunk in chunks {
            chunk?.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
        file.flush()?;
        send(out, std::mem::take(file.inner_mut())).await?;
        written += group.len() as u64;
        progress(written);
    }
    file.finish()?;
    file.flush()?;
    send(out, std::mem::take(file.inner_mut())).await?;
    out.flush()
        .await
        .map_err(|e| ParquetError::External(Box::new(e)))?;
    out.shutdown()
        .await
        .map_err(|e| ParquetError::External(Box::new(e)))?;
    Ok(())
}

/// `range` cut into consecutive ranges of `size` (at least 1), the last perhaps shorter.
pub(crate) fn ranges(range: Range<usize>, size: usize) -> impl Iterator<Item = Range<usize>> {
    let size = size.max(1);
    range
        .clone()
        .step_by(size)
        .map(move |start| start..(start + size).min(range.end))
}

async fn send<W: AsyncWrite + Unpin + Send>(
    out: &mut W,
    bytes: Vec<u8>,
) -> Result<(), ParquetError> {
    out.write_all(&bytes)
        .await
        .map_err(|e| ParquetError::External(Box::new(e)))
}

/// `task(0)` .. `task(tasks - 1)` on up to `threads` threads, each thread taking the next task
/// as it finishes one; the results in task order.
fn in_parallel<R: Send>(threads: usize, tasks: usize, task: impl Fn(usize) -> R + Sync) -> Vec<R> {
    if threads <= 1 || tasks <= 1 {
        return (0..tasks).map(task).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = (0..tasks).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.min(tasks) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= tasks {
                        break;
                    }
                    let result = task(i);
                    *results[i].lock().expect("no thread panicked") = Some(result);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("no thread panicked")
                .expect("every task ran")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::{Array, Int32Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use bytes::Bytes;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::async_writer::AsyncArrowWriter;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int32, false),
            Field::new("text", DataType::Utf8, true),
        ]))
    }

    fn batch(rows: &[(i32, Option<String>)]) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.0))),
                Arc::new(StringArray::from_iter(rows.iter().map(|r| r.1.clone()))),
            ],
        )
    }

    fn rows(n: i32) -> Vec<(i32, Option<String>)> {
        (0..n)
            .map(|i| (i * 7 % 11, (i % 3 != 0).then(|| format!("row {i}"))))
            .collect()
    }

    fn write(rows: &[(i32, Option<String>)], threads: usize) -> Vec<u8> {
        let layout = Layout {
            rows_per_row_group: 10,
            rows_per_batch: 3,
            threads,
        };
        let mut out = Vec::new();
        let mut written = Vec::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(write_parquet(
                &mut out,
                schema(),
                WriterProperties::default(),
                rows.len(),
                |range| batch(&rows[range]),
                layout,
                &mut |n| written.push(n),
            ))
            .unwrap();
        let groups = rows.len().div_ceil(10) as u64;
        let expected: Vec<u64> = (1..=groups)
            .map(|g| (g * 10).min(rows.len() as u64))
            .collect();
        assert_eq!(written, expected, "progress after each row group");
        out
    }

    /// The rows of a Parquet file, and its row groups' sizes.
    fn read(file: Vec<u8>) -> (Vec<(i32, Option<String>)>, Vec<i64>) {
        let builder = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(file)).unwrap();
        let groups = builder
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        let mut rows = Vec::new();
        for batch in builder.build().unwrap() {
            let batch = batch.unwrap();
            let n = batch
                .column(0)
                .as_any()
                .downcast_ref::<Int32Array>()
                .unwrap();
            let text = batch
                .column(1)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap();
            for i in 0..batch.num_rows() {
                rows.push((
                    n.value(i),
                    text.is_valid(i).then(|| text.value(i).to_string()),
                ));
            }
        }
        (rows, groups)
    }

    #[test]
    fn the_file_holds_the_rows_in_row_groups_as_the_arrow_writer_cuts_them() {
        for n in [0, 1, 9, 10, 11, 25] {
            let rows = rows(n);
            let parallel = write(&rows, 3);
            // The same rows through parquet's own writer, for the reference.
            let mut reference = Vec::new();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            runtime.block_on(async {
                let properties = WriterProperties::builder()
                    .set_max_row_group_row_count(Some(10))
                    .build();
                let mut writer =
                    AsyncArrowWriter::try_new(&mut reference, schema(), Some(properties)).unwrap();
                for chunk in rows.chunks(3) {
                    writer.write(&batch(chunk).unwrap()).await.unwrap();
                }
                writer.close().await.unwrap();
            });
            let (read_rows, groups) = read(parallel.clone());
            assert_eq!(read_rows, rows, "{n} rows");
            assert_eq!(groups, read(reference).1, "{n} rows");
            assert_eq!(
                write(&rows, 1),
                parallel,
                "one thread or three, the same bytes"
            );
        }
    }
}
