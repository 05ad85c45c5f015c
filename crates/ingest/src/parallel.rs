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
use crate::kept::TextArena;
use crate::parse::{ParsedRow, RowContext, RowParser};
use crate::read::{RawRow, SourceReader};
use crate::sources::RowSink;

type Batch<T> = (u64, Vec<Result<T, Reject>>);

/// How many rows ahead of the one applied its lookups' hash-table slots are fetched, and how
/// many its key records are.
const SLOTS_AHEAD: usize = 16;
const RECORDS_AHEAD: usize = 8;
/// A batch read: its number, its rows, and their texts.
type ReadBatch = (u64, Vec<Result<ParsedRow, Reject>>, TextArena);
/// Batches read, waiting for the batches ahead of them to be applied, by number.
type Waiting = BTreeMap<u64, (Vec<Result<ParsedRow, Reject>>, TextArena)>;

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
                    let parsed = batch
                        .into_iter()
                        .map(|row| row.map(|row| parser.parse(row)))
                        .collect();
                    if to_main.send((number, parsed, parser.take_text())).is_err() {
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
                while let Some((batch, text)) = waiting.remove(applied) {
                    // The lookups of rows a little ahead are started while this one is
                    // applied: the tables are far larger than the cache.
                    let mut rows = batch.into_iter();
                    while let Some(row) = rows.next() {
                        let ahead = rows.as_slice();
                        if let Some(ahead) = ahead.get(SLOTS_AHEAD) {
                            sink.prefetch_slots(ahead);
                        }
                        if let Some(ahead) = ahead.get(RECORDS_AHEAD) {
                            sink.prefetch_records(ahead);
                        }
                        if let Some(row) = sink.apply(row, &text) {
                            reader.recycle(row);
                        }
                    }
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
            for (number, parsed, text) in done.try_iter() {
                waiting.insert(number, (parsed, text));
            }
            apply_ready(&mut waiting, &mut applied, reader);
        }
        drop(to_workers);
        while applied < sent {
            let Ok((number, parsed, text)) = done.recv() else {
                break;
            };
            waiting.insert(number, (parsed, text));
            apply_ready(&mut waiting, &mut applied, reader);
        }
    });
}
