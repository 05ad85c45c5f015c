//! Reading a file's rows on several threads: this thread splits the file into rows (the CSV
//! reader's own rules, so quoted fields across lines are never cut) and hands them out in
//! numbered batches; the other threads read the rows; this thread applies the results in
//! file order, so the outcome is the one of reading them one after the other. Not in
//! WebAssembly, where rows are read on the calling thread.

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
/// `sink` in file order; the rows applied go back to `reader` to read later rows into.
pub(crate) fn read_rows<R: Read>(
    context: &RowContext<'_>,
    reader: &mut SourceReader<R>,
    sink: &mut RowSink<'_>,
    threads: usize,
    batch_rows: usize,
) {
    // A bounded queue: the file is read no further ahead than the threads can keep up.
    let (to_workers, work) = mpsc::sync_channel::<Batch<RawRow>>(threads * 2);
    let work = Mutex::new(work);
    std::thread::scope(|scope| {
        let (to_main, done) = mpsc::channel::<ReadBatch>();
        for _ in 0..threads {
            let (work, to_main) = (&work, to_main.clone());
            scope.spawn(move || {
                let mut parser = RowParser::new(context);
                loop {
                    let next = work.lock().map(|queue| queue.recv());
                    let Ok(Ok((number, batch))) = next else { break };
                    if to_main.send((number, parser.parse_batch(batch))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(to_main);

        let mut applied = 0u64; // batches applied
        let mut waiting = Waiting::new();
        let mut apply_ready =
            |waiting: &mut Waiting, applied: &mut u64, reader: &mut SourceReader<R>| {
                while let Some(batch) = waiting.remove(applied) {
                    sink.apply_batch(batch, |row| reader.recycle(row));
                    *applied += 1;
                }
            };
        let mut sent = 0u64;
        loop {
            let batch: Vec<_> = std::iter::from_fn(|| reader.next_row())
                .take(batch_rows)
                .collect();
            if batch.is_empty() {
                break;
            }
            if to_workers.send((sent, batch)).is_err() {
                break;
            }
            sent += 1;
            for (number, parsed) in done.try_iter() {
                waiting.insert(number, parsed);
            }
            apply_ready(&mut waiting, &mut applied, reader);
        }
        drop(to_workers);
        while applied < sent {
            let Ok((number, parsed)) = done.recv() else {
                break;
            };
            waiting.insert(number, parsed);
            apply_ready(&mut waiting, &mut applied, reader);
        }
    });
}
