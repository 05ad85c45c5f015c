//! The rejects table, held compactly: the raw rows end to end in one buffer, each reason and
//! each file kept once. A large export's unmatched recordings and incident calls can be
//! millions of rejects that share a few reasons and files; as [`Reject`]s, with three texts of
//! their own each, they took over twice the room.

use std::ops::Range;

use crate::contact::Reject;
use crate::kept::{Code, TextArena, TextRef, Vocabulary};

/// A reject as the table keeps it: 32 bytes, its texts elsewhere.
#[derive(Clone, Copy)]
struct KeptReject {
    line: u64,
    raw: TextRef,
    reason: Code,
    origin: u16,
}

/// A file rejects come from, and its source.
struct Origin {
    source: &'static str,
    file: String,
}

/// The rows not published, with where each came from and why: made with [`Reject`]s, read as
/// [`RejectRef`]s (by [`RejectTable::get`], [`RejectTable::rows`] or [`RejectTable::iter`]).
#[derive(Default)]
pub struct RejectTable {
    rows: Vec<KeptReject>,
    origins: Vec<Origin>,
    raw: TextArena,
    reasons: Vocabulary,
}

/// One reject of a [`RejectTable`], its texts borrowed from the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RejectRef<'a> {
    /// `acd`, `recordings`, `incidents`, `partners` or `referrals`.
    pub source: &'static str,
    /// The file name.
    pub file: &'a str,
    /// The line number in the file (1 is the header).
    pub line: u64,
    /// The row as read (for referrals, with the note and unread columns withheld).
    pub raw: &'a str,
    /// What is wrong, naming the field.
    pub reason: &'a str,
}

impl RejectRef<'_> {
    /// The reject with texts of its own.
    pub fn to_reject(self) -> Reject {
        Reject {
            source: self.source,
            file: self.file.to_string(),
            line: self.line,
            raw: self.raw.to_string(),
            reason: self.reason.to_string(),
        }
    }
}

impl RejectTable {
    /// The number of rejects.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row was rejected.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The reject at `at`.
    ///
    /// # Panics
    /// If `at` is not below [`RejectTable::len`].
    pub fn get(&self, at: usize) -> RejectRef<'_> {
        let row = self.rows[at];
        let origin = &self.origins[row.origin as usize];
        RejectRef {
            source: origin.source,
            file: &origin.file,
            line: row.line,
            raw: self.raw.get(row.raw),
            reason: self.reasons.text(row.reason),
        }
    }

    /// The rejects in `range`, in order.
    ///
    /// # Panics
    /// If `range` goes past [`RejectTable::len`].
    pub fn rows(&self, range: Range<usize>) -> RejectRows<'_> {
        assert!(
            range.end <= self.len(),
            "rejects {range:?} of {}",
            self.len()
        );
        RejectRows { table: self, range }
    }

    /// Every reject, in order.
    pub fn iter(&self) -> RejectRows<'_> {
        self.rows(0..self.len())
    }

    /// Every reject, with texts of its own.
    pub fn to_vec(&self) -> Vec<Reject> {
        self.iter().map(RejectRef::to_reject).collect()
    }

    /// Adds `reject` at the end.
    pub(crate) fn push(&mut self, reject: Reject) {
        self.push_parts(
            reject.source,
            &reject.file,
            reject.line,
            &reject.raw,
            &reject.reason,
        );
    }

    /// Adds a reject at the end, from its parts.
    pub(crate) fn push_parts(
        &mut self,
        source: &'static str,
        file: &str,
        line: u64,
        raw: &str,
        reason: &str,
    ) {
        // Rejects come a file at a time: the last origin is the one to try first.
        let origin = match self
            .origins
            .iter()
            .rposition(|o| o.source == source && o.file == file)
        {
            Some(at) => at,
            None => {
                self.origins.push(Origin {
                    source,
                    file: file.to_string(),
                });
                self.origins.len() - 1
            }
        };
        self.rows.push(KeptReject {
            line,
            raw: self.raw.push(raw),
            reason: self.reasons.code(reason),
            origin: u16::try_from(origin).expect("under 65,536 files"),
        });
    }

    /// Orders the rejects by source, then file, then line; rejects of one line keep the order
    /// they were added in.
    pub(crate) fn sort(&mut self) {
        let mut by_name: Vec<usize> = (0..self.origins.len()).collect();
        by_name.sort_by(|&a, &b| {
            let (a, b) = (&self.origins[a], &self.origins[b]);
            (a.source, &a.file).cmp(&(b.source, &b.file))
        });
        let mut rank = vec![0; self.origins.len()];
        for (place, origin) in by_name.into_iter().enumerate() {
            rank[origin] = place;
        }
        self.rows.sort_by_key(|r| (rank[r.origin as usize], r.line));
        self.rows.shrink_to_fit();
        self.raw.shrink_to_fit();
    }
}

/// The rejects of a range of a [`RejectTable`], in order.
pub struct RejectRows<'a> {
    table: &'a RejectTable,
    range: Range<usize>,
}

impl<'a> Iterator for RejectRows<'a> {
    type Item = RejectRef<'a>;

    fn next(&mut self) -> Option<RejectRef<'a>> {
        self.range.next().map(|at| self.table.get(at))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl ExactSizeIterator for RejectRows<'_> {}

impl<'a> IntoIterator for &'a RejectTable {
    type Item = RejectRef<'a>;
    type IntoIter = RejectRows<'a>;

    fn into_iter(self) -> RejectRows<'a> {
        self.iter()
    }
}

/// Tables are equal when their rejects are, in order.
impl PartialEq for RejectTable {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for RejectTable {}

impl std::fmt::Debug for RejectTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<Reject> for RejectTable {
    fn from_iter<I: IntoIterator<Item = Reject>>(rejects: I) -> Self {
        let mut table = RejectTable::default();
        for reject in rejects {
            table.push(reject);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(source: &'static str, file: &str, line: u64, raw: &str, reason: &str) -> Reject {
        Reject {
            source,
            file: file.to_string(),
            line,
            raw: raw.to_string(),
            reason: reason.to_string(),
        }
    }

    #[test]
    fn keeps_each_reject_as_pushed_and_sorts_by_source_file_line() {
        let rejects = vec![
            reject("recordings", "r.csv", 9, "R9,x", "unmatched"),
            reject("acd", "b.csv", 3, "B3", "field `cli`: empty"),
            reject("acd", "a.csv", 7, "", "the row cannot be read"),
            reject("recordings", "r.csv", 2, "R2,y", "unmatched"),
            reject("acd", "a.csv", 7, "A7 again", "conflicts with line 2"),
            reject("acd", "a.csv", 1, "A1", "unmatched"),
        ];
        let mut table: RejectTable = rejects.iter().cloned().collect();
        assert_eq!(table.len(), 6);
        assert_eq!(table.to_vec(), rejects);
        assert_eq!(table.get(4).raw, "A7 again");
        assert_eq!(table.origins.len(), 3);

        table.sort();
        let mut sorted = rejects.clone();
        sorted.sort_by(|a, b| (a.source, &a.file, a.line).cmp(&(b.source, &b.file, b.line)));
        assert_eq!(table.to_vec(), sorted);
        assert_eq!(
            table.rows(1..3).map(|r| r.raw).collect::<Vec<_>>(),
            ["", "A7 again"]
        );
        assert_eq!(format!("{table:?}").matches("RejectRef").count(), 6);
    }

    #[test]
    fn tables_are_equal_by_their_rejects() {
        let a: RejectTable = [reject("acd", "a.csv", 1, "x", "why")]
            .into_iter()
            .collect();
        let b: RejectTable = [reject("acd", "a.csv", 1, "x", "why")]
            .into_iter()
            .collect();
        let c: RejectTable = [reject("acd", "a.csv", 1, "y", "why")]
            .into_iter()
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(RejectTable::default().is_empty());
    }
}
