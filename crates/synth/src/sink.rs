//! One export file: rows written through the `csv` writer (so quoting is right), raw lines
//! for the dirt the writer would refuse (rows cut short, blank lines), exact repeats of
//! earlier rows, and the counts of everything written.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use crate::{DirtCounts, GenerateError};

/// Bytes buffered before they are handed to the output.
const CHUNK: usize = 1 << 16;

/// The bytes of a file not yet handed to the output, shared by the CSV writer (which writes
/// records into it) and the sink (which appends raw lines and repeats, and drains it).
#[derive(Clone, Default)]
struct Buffer(Rc<RefCell<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A row waiting to be written again (an overlapping export window).
struct Pending {
    due: u64,
    seq: u64,
    bytes: Vec<u8>,
}

/// An export file being written.
pub(crate) struct Sink<W: Write> {
    out: W,
    csv: csv::Writer<Buffer>,
    buf: Buffer,
    columns: usize,
    /// Data rows written: records, duplicates and rows cut short; not the header, not blank
    /// lines.
    pub(crate) rows: u64,
    /// The dirt written so far.
    pub(crate) dirt: DirtCounts,
    pending: Vec<Pending>,
    seq: u64,
}

impl<W: Write> Sink<W> {
    /// A file with this header row.
    pub(crate) fn new(out: W, header: &[&str]) -> Result<Self, GenerateError> {
        let buf = Buffer::default();
        let csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(buf.clone());
        let mut sink = Sink {
            out,
            csv,
            buf,
            columns: header.len(),
            rows: 0,
            dirt: DirtCounts::default(),
            pending: Vec::new(),
            seq: 0,
        };
        sink.csv.write_record(header)?;
        sink.csv.flush()?;
        Ok(sink)
    }

    /// Writes a record; when `repeat_after` is given, the same bytes are written again after
    /// that many further rows (counted as a duplicate then).
    pub(crate) fn record(
        &mut self,
        fields: &[&str],
        repeat_after: Option<u64>,
    ) -> Result<(), GenerateError> {
        debug_assert_eq!(fields.len(), self.columns);
        let start = self.buf.0.borrow().len();
        self.csv.write_record(fields)?;
        self.csv.flush()?;
        if let Some(after) = repeat_after {
            let bytes = self.buf.0.borrow()[start..].to_vec();
            let due = self.rows + 1 + after;
            self.seq += 1;
            let seq = self.seq;
            let at = self
                .pending
                .partition_point(|p| (p.due, p.seq) <= (due, seq));
            self.pending.insert(at, Pending { due, seq, bytes });
        }
        self.rows += 1;
        self.after_row()
    }

    /// Writes the first `keep` fields of a record as a raw line (a row cut short), quoting
    /// fields the way CSV does.
    pub(crate) fn short_row(&mut self, fields: &[&str], keep: usize) -> Result<(), GenerateError> {
        debug_assert!(keep >= 1 && keep < fields.len());
        let mut buf = self.buf.0.borrow_mut();
        for (i, field) in fields[..keep].iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            if field.contains([',', '"', '\n', '\r']) {
                buf.push(b'"');
                buf.extend_from_slice(field.replace('"', "\"\"").as_bytes());
                buf.push(b'"');
            } else {
                buf.extend_from_slice(field.as_bytes());
            }
        }
        buf.push(b'\n');
        drop(buf);
        self.rows += 1;
        self.dirt.short_rows += 1;
        self.after_row()
    }

    /// Writes an empty line.
    pub(crate) fn blank_line(&mut self) -> Result<(), GenerateError> {
        self.buf.0.borrow_mut().push(b'\n');
        self.dirt.blank_lines += 1;
        Ok(())
    }

    /// Writes repeats that are due, and hands full chunks to the output.
    fn after_row(&mut self) -> Result<(), GenerateError> {
        while self.pending.first().is_some_and(|p| p.due <= self.rows) {
            let p = self.pending.remove(0);
            self.buf.0.borrow_mut().extend_from_slice(&p.bytes);
            self.rows += 1;
            self.dirt.duplicates += 1;
        }
        if self.buf.0.borrow().len() >= CHUNK {
            self.drain()?;
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<(), GenerateError> {
        let mut buf = self.buf.0.borrow_mut();
        self.out.write_all(&buf)?;
        buf.clear();
        Ok(())
    }

    /// Writes the repeats still waiting, then everything buffered, and flushes the output.
    pub(crate) fn finish(mut self) -> Result<(u64, DirtCounts), GenerateError> {
        for p in std::mem::take(&mut self.pending) {
            self.buf.0.borrow_mut().extend_from_slice(&p.bytes);
            self.rows += 1;
            self.dirt.duplicates += 1;
        }
        self.drain()?;
        self.out.flush()?;
        Ok((self.rows, self.dirt))
    }
}
