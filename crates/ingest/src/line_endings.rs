//! The line a CSV row starts on. The `csv` crate notes a record's position before it skips
//! the line endings ahead of the record: the `\n` of a `\r\n` and any blank lines. So in a
//! file with Windows line endings every row after the first would be given the line before
//! its own, and a row after blank lines the line of the first blank one. [`LineEndings`]
//! sits between the export and the CSV reader and notes where each `\r` and `\n` is, so
//! that a row's line is the line of its first byte.

use std::collections::VecDeque;
use std::io::Read;

/// An export, read through, noting the offsets of its line-ending bytes not yet passed.
pub(crate) struct LineEndings<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// The line-ending bytes read and not yet passed: (offset, whether it is `\n`).
    ends: VecDeque<(u64, bool)>,
}

impl<R: Read> LineEndings<R> {
    pub fn new(inner: R) -> Self {
        LineEndings {
            inner,
            offset: 0,
            ends: VecDeque::new(),
        }
    }

    /// The line of the first byte at or after `start` that is not a line ending, where
    /// `line` is the line `start` is on (the CSV reader's position of a record). Offsets
    /// before `start` are forgotten: records must be asked about in file order.
    pub fn first_line_from(&mut self, start: u64, line: u64) -> u64 {
        while self.ends.front().is_some_and(|&(at, _)| at < start) {
            self.ends.pop_front();
        }
        // The line endings right at `start`, one after another, are skipped.
        let skipped = (start..)
            .zip(&self.ends)
            .take_while(|&(at, &(end, _))| end == at)
            .filter(|&(_, &(_, newline))| newline)
            .count();
        line + skipped as u64
    }
}

impl<R: Read> Read for LineEndings<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        self.ends.extend(
            memchr::memchr2_iter(b'\r', b'\n', read)
                .map(|i| (self.offset + i as u64, read[i] == b'\n')),
        );
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Each record's first field and line, read with the `csv` crate through
    /// [`LineEndings`].
    fn lines(text: &[u8]) -> Vec<(String, u64)> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .buffer_capacity(4)
            .from_reader(LineEndings::new(text));
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let position = record.position().unwrap();
            let line = reader
                .get_mut()
                .first_line_from(position.byte(), position.line());
            out.push((String::from_utf8_lossy(&record[0]).into_owned(), line));
        }
        out
    }

    fn expect(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
        pairs.iter().map(|&(f, l)| (f.to_string(), l)).collect()
    }

    #[test]
    fn rows_after_windows_line_endings_are_on_their_own_lines() {
        assert_eq!(
            lines(b"h\r\na\r\nb\r\nc"),
            expect(&[("h", 1), ("a", 2), ("b", 3), ("c", 4)])
        );
        // Mixed: a `\r\n` header, then `\n` rows.
        assert_eq!(
            lines(b"h\r\na\nb\n"),
            expect(&[("h", 1), ("a", 2), ("b", 3)])
        );
    }

    #[test]
    fn rows_after_blank_lines_are_on_their_own_lines() {
        assert_eq!(
            lines(b"\nh\na\n\n\nb\n\r\n\r\nc\n"),
            expect(&[("h", 2), ("a", 3), ("b", 6), ("c", 9)])
        );
    }

    #[test]
    fn a_lone_carriage_return_ends_a_row_but_not_a_line() {
        assert_eq!(lines(b"h\ra\nb"), expect(&[("h", 1), ("a", 1), ("b", 2)]));
    }

    #[test]
    fn a_quoted_field_over_several_lines_is_on_its_first() {
        assert_eq!(
            lines(b"h\n\"a\r\n\n\"\nb\n"),
            expect(&[("h", 1), ("a\r\n\n", 2), ("b", 5)])
        );
    }

    proptest! {
        /// Against a plain reference: rows of `x` between line endings of every kind; a row's
        /// line is one more than the `\n` bytes before its first `x`.
        #[test]
        fn each_row_is_on_the_line_of_its_first_byte(
            parts in prop::collection::vec(prop::sample::select(vec!["x", "\n", "\r", "\r\n"]), 0..40),
        ) {
            let text: String = parts.concat();
            // Each run of `x`s is one row.
            let runs: Vec<(String, u64)> = text
                .char_indices()
                .filter(|&(i, c)| c == 'x' && !text[..i].ends_with('x'))
                .map(|(i, _)| {
                    let run = text[i..].chars().take_while(|&c| c == 'x').count();
                    ("x".repeat(run), 1 + text[..i].matches('\n').count() as u64)
                })
                .collect();
            prop_assert_eq!(lines(text.as_bytes()), runs);
        }
    }
}
