//! Reading a file's rows on several threads: this thread splits the file into rows (the CSV
//! reader's own rules, so quoted fields across lines are never cut) and hands them out in
//! numbered batches; other threads read the rows; one more applies the results in file order,
//! so the outcome is the one of reading them one after the other. Not in WebAssembly, where
//! rows are read on the calling thread.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc;

use crate::contact::Reject;
use crate::parse::{ParsedBatch, RowContext, RowParser};
use crate::read::{RawRow, SourceReader};
use crate::sources::RowSink;

type Batch<T> = (u64, Vec<Result<T, Reject>>);

/// A batch read, and its number.
type ReadBatch = (u64, ParsedBatch);
/// Batches read, waiting for the batches ahead of them to be applied, by number.
type Waiting = BTreeMap<u64, ParsedBatch>;

/// Reads the rows of `reader` on `threads` threads, `batch_rows` at a time, and applies each to
/// `sink` in file order on a thread of its own; the rows applied come back to `reader` to read
/// later rows into. `progress` is told the rows split so far, now and then.
pub(crate) fn read_rows<R: Read>(
    context: &RowContext<'_>,
    reader: &mut SourceReader<R>,
    sink: &mut RowSink<'_>,
    threads: usize,
    batch_rows: usize,
    progress: &mut dyn FnMut(u64),
) {
    // Bounded queues both ways: the file is split no further ahead than the threads reading
    // rows keep up, and those read no further ahead than the rows are applied.
    let (to_workers, work) = mpsc::sync_channel::<Batch<RawRow>>(threads * 2);
    let work = Mutex::new(work);
    std::thread::scope(|scope| {
        let (to_applier, read) = mpsc::sync_channel::<ReadBatch>(threads * 2);
        for _ in 0..threads {
            let (work, to_applier) = (&work, to_applier.clone());
            scope.spawn(move || {
                let mut parser = RowParser::new(context);
                loop {
                    let next = work.lock().map(|queue| queue.recv());
                    let Ok(Ok((number, batch))) = next else { break };
                    if to_applier
                        .send((number, parser.parse_batch(batch)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(to_applier);

        // Applies the batches in file order as they come, until every thread reading rows is
        // done; the rows applied go back to this thread.
        let (to_reader, applied_rows) = mpsc::channel::<Vec<RawRow>>();
        let applier = scope.spawn(move || {
            let mut waiting = Waiting::new();
            let mut applied = 0u64;
            for (number, batch) in read {
                waiting.insert(number, batch);
                while let Some(batch) = waiting.remove(&applied) {
                    let mut rows = Vec::with_capacity(batch.rows.len());
                    sink.apply_batch(batch, |row| rows.push(row));
                    // This thread may be done splitting; the rows are then dropped.
                    let _ = to_reader.send(rows);
                    applied += 1;
                }
            }
            debug_assert!(waiting.is_empty(), "every batch applied");
        });

        let mut split = 0u64;
        let mut sent = 0u64;
        loop {
            for rows in applied_rows.try_iter() {
                rows.into_iter().for_each(|row| reader.recycle(row));
            }
            let batch: Vec<_> = std::iter::from_fn(|| reader.next_row())
                .take(batch_rows)
                .collect();
            if batch.is_empty() {
                break;
            }
            let rows = batch.len() as u64;
            if to_workers.send((sent, batch)).is_err() {
                break;
            }
            sent += 1;
            crate::sources::tell_progress(progress, split, split + rows);
            split += rows;
        }
        drop(to_workers);
        applier.join().expect("the applying thread does not panic");
    });
}
