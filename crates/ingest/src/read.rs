//! Reading one source's CSV export through its profile: header checked, rows numbered, short
//! or long rows and unreadable bytes turned into rejects instead of errors, and columns whose
//! text is never kept (referrals' notes; in a pseudonymised snapshot every personal field and
//! every column Engage does not read) withheld from a reject's raw text and reason.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use engage_kernel::phone::PhoneError;

use crate::contact::Reject;
use crate::kept::{TextArena, TextRef};
use crate::line_endings::LineEndings;
use crate::profile::SourceProfile;

/// What a reject's raw text and reason may show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosure {
    /// The row as read, but for the columns a source never keeps (referrals' note and
    /// unread columns): the archive owner's own, unpseudonymised snapshot.
    AsRead,
    /// No personal field (those the profile marks personal) and no column Engage does not
    /// read: a pseudonymised snapshot.
    Pseudonymised,
}

/// A source that cannot be read at all (as opposed to a bad row, which is rejected).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A required column is not in the header.
    #[error(
        "{file}: the header has no column `{column}` (field `{field}`); it has: {found}. \
         Name the column in a source profile (--profile) if this export calls it otherwise"
    )]
    MissingColumn {
        /// The file.
        file: String,
        /// The column looked for.
        column: String,
        /// The Engage field it holds.
        field: String,
        /// The header as read.
        found: String,
    },
    /// The file has no header row.
    #[error("{file}: the file is empty; expected a header row")]
    Empty {
        /// The file.
        file: String,
    },
    /// The reader failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The failure.
        source: csv::Error,
    },
}

/// A row as read, with its line number.
pub struct RawRow {
    /// The line it starts on (the header is line 1).
    pub line: u64,
    record: csv::StringRecord,
}

impl RawRow {
    /// The row as text, fields joined by the delimiter, for the rejects table.
    pub fn raw(&self, delimiter: u8) -> String {
        self.raw_withholding(delimiter, self.record.len(), &[])
    }

    /// The row as text with the withheld columns' text replaced by their marker. `withheld`
    /// holds (column index, marker) for a row of `width` fields. In a row of another width the
    /// columns may have shifted, so every position a withheld column could have moved to
    /// (up to the number of fields missing or extra) is replaced, and neighbouring replaced
    /// fields with the same marker become one; a row of the header's width keeps one field
    /// per column.
    pub fn raw_withholding(
        &self,
        delimiter: u8,
        width: usize,
        withheld: &[(usize, &'static str)],
    ) -> String {
        let mut text = String::new();
        self.write_raw_withholding(delimiter, width, withheld, &mut text);
        text
    }

    /// Appends [`RawRow::raw_withholding`]'s text to `out`.
    pub(crate) fn write_raw_withholding(
        &self,
        delimiter: u8,
        width: usize,
        withheld: &[(usize, &'static str)],
        out: &mut String,
    ) {
        if withheld.is_empty() {
            return write_fields(delimiter, self.record.iter(), out);
        }
        let len = self.record.len();
        let mut markers: Vec<Option<&'static str>> = vec![None; len];
        for &(column, marker) in withheld {
            let first = column.saturating_sub(width.saturating_sub(len));
            let last = column + len.saturating_sub(width);
            for slot in markers.iter_mut().take(last + 1).skip(first) {
                *slot = Some(marker);
            }
        }
        let mut fields: Vec<&str> = Vec::with_capacity(len);
        for (i, field) in self.record.iter().enumerate() {
            match markers[i] {
                Some(marker) if len != width && i > 0 && markers[i - 1] == Some(marker) => {}
                Some(marker) => fields.push(marker),
                None => fields.push(field),
            }
        }
        write_fields(delimiter, fields.iter().copied(), out)
    }

    /// All fields, to compare rows for exact duplicates.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.record.iter()
    }
}

/// Appends `fields` to `out` as one CSV record (without its line end) the way the csv crate
/// writes it: joined by `delimiter`, a field quoted (its quotes doubled) only when it holds the
/// delimiter, a quote or a line end, and a record of one empty field (or none) as `""`. Written
/// here, straight into `out`, for the millions of rows kept; the csv crate's writer only for a
/// delimiter beyond ASCII.
fn write_fields<'f>(
    delimiter: u8,
    fields: impl Iterator<Item = &'f str> + Clone,
    out: &mut String,
) {
    if !delimiter.is_ascii() {
        return out.push_str(&join_fields(delimiter, fields));
    }
    let needs_quotes = |field: &str| {
        field.bytes().fold(false, |any, b| {
            any | matches!(b, b'"' | b'\n' | b'\r') | (b == delimiter)
        })
    };
    if fields.clone().nth(1).is_none() && fields.clone().all(str::is_empty) {
        return out.push_str("\"\"");
    }
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(char::from(delimiter));
        }
        if needs_quotes(field) {
            out.push('"');
            for (j, piece) in field.split('"').enumerate() {
                if j > 0 {
                    out.push_str("\"\"");
                }
                out.push_str(piece);
            }
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
}

/// `fields` as one CSV record, written by the csv crate.
fn join_fields<I>(delimiter: u8, fields: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    thread_local! {
        /// One writer per thread and delimiter, reused: making a writer for each row cost
        /// more than writing the row.
        static WRITER: RefCell<Option<(u8, csv::Writer<SharedBytes>, SharedBytes)>> =
            const { RefCell::new(None) };
    }
    WRITER.with_borrow_mut(|slot| {
        if slot.as_ref().is_none_or(|(d, _, _)| *d != delimiter) {
            let bytes = SharedBytes::default();
            let writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(csv::Terminator::Any(b'\n'))
                .flexible(true)
                .from_writer(bytes.clone());
            *slot = Some((delimiter, writer, bytes));
        }
        let (_, writer, bytes) = slot.as_mut().expect("made above");
        let written = writer
            .write_record(fields)
            .and_then(|()| Ok(writer.flush()?));
        let bytes = std::mem::take(&mut *bytes.0.borrow_mut());
        if written.is_err() {
            // A failed write leaves the writer in an unknown state: the next call makes another.
            *slot = None;
            return String::new();
        }
        let mut text = String::from_utf8(bytes).unwrap_or_default();
        text.truncate(text.trim_end_matches('\n').len());
        text
    })
}

/// Bytes written by a reused CSV writer, taken after each record.
#[derive(Clone, Default)]
struct SharedBytes(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for SharedBytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The marker that replaces a referral's note in a reject's raw text.
pub const NOTE_WITHHELD: &str = "[note withheld]";
/// The marker that replaces, in a reject's raw text, a column of a source whose unread
/// columns are withheld (referrals), other than the note.
pub const COLUMN_WITHHELD: &str = "[withheld]";

/// One source's export, opened.
pub struct SourceReader<R: Read> {
    reader: csv::Reader<LineEndings<R>>,
    stopped: bool,
    /// The bytes of the last row read, to size the next.
    last_len: usize,
    layout: SourceLayout,
    /// Records of rows done with ([`SourceReader::recycle`]), to read the next rows into
    /// without allocating.
    spare: Vec<csv::StringRecord>,
}

/// Most records kept for reuse.
const MOST_SPARE: usize = 1 << 16;

/// Where a source's fields are and what its rejects may show: all a row needs to be read
/// and rejected, apart from the file, so rows can be read on other threads.
#[derive(Clone, Debug)]
pub struct SourceLayout {
    /// For each of the profile's fields (in `SourceKind::fields` order), its column index.
    columns: Vec<usize>,
    width: usize,
    file: String,
    source: &'static str,
    delimiter: u8,
    header: csv::StringRecord,
    /// Columns whose text a reject's raw text and reason never show, with their marker.
    withheld: Vec<(usize, &'static str)>,
    disclosure: Disclosure,
}

impl<R: Read> std::ops::Deref for SourceReader<R> {
    type Target = SourceLayout;

    fn deref(&self) -> &SourceLayout {
        &self.layout
    }
}

impl<R: Read> SourceReader<R> {
    /// Opens a source and finds its columns by name (case-insensitively); its rejects show
    /// what `disclosure` allows.
    pub fn open(
        profile: &SourceProfile,
        input: R,
        disclosure: Disclosure,
    ) -> Result<Self, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(profile.delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(LineEndings::new(input));
        let file = profile.file.clone();
        let header = reader
            .headers()
            .map_err(|source| ReadError::Io {
                file: file.clone(),
                source,
            })?
            .clone();
        if header.is_empty() {
            return Err(ReadError::Empty { file });
        }
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        let columns = profile
            .kind
            .fields()
            .iter()
            .map(|field| {
                let column = profile.column(field.name);
                names
                    .iter()
                    .position(|n| n == &column.to_ascii_lowercase())
                    .ok_or_else(|| ReadError::MissingColumn {
                        file: file.clone(),
                        column: column.to_string(),
                        field: field.name.to_string(),
                        found: header.iter().collect::<Vec<_>>().join(", "),
                    })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        // Referrals carry free text that may hold personal data: of their columns, a reject
        // keeps only those Engage reads; the note and any other column are withheld. A
        // pseudonymised snapshot does the same for every source, and withholds the personal
        // fields Engage reads too.
        let pseudonymised = disclosure == Disclosure::Pseudonymised;
        let notes: Vec<String> = profile
            .kind
            .withheld_fields()
            .iter()
            .map(|f| profile.column(f).to_ascii_lowercase())
            .collect();
        let withhold_unread = pseudonymised || !profile.kind.withheld_fields().is_empty();
        let withheld = (0..names.len())
            .filter_map(|i| match columns.iter().position(|&c| c == i) {
                Some(field) => (pseudonymised && profile.kind.fields()[field].personal)
                    .then_some((i, COLUMN_WITHHELD)),
                None if notes.contains(&names[i]) => Some((i, NOTE_WITHHELD)),
                None => withhold_unread.then_some((i, COLUMN_WITHHELD)),
            })
            .collect();
        Ok(SourceReader {
            reader,
            stopped: false,
            last_len: 64,
            spare: Vec::new(),
            layout: SourceLayout {
                columns,
                width: header.len(),
                file,
                source: profile.kind.name(),
                delimiter: profile.delimiter,
                header,
                withheld,
                disclosure,
            },
        })
    }

    /// Takes back a row done with, to read a later row into its memory.
    pub fn recycle(&mut self, row: RawRow) {
        if self.spare.len() < MOST_SPARE {
            self.spare.push(row.record);
        }
    }

    /// The line a record starts on, from its position as the CSV reader gives it.
    fn line_of(&mut self, position: Option<&csv::Position>) -> u64 {
        position.map_or(0, |p| {
            self.reader.get_mut().first_line_from(p.byte(), p.line())
        })
    }

    /// The source's layout, to read its rows elsewhere.
    pub fn layout(&self) -> &SourceLayout {
        &self.layout
    }

    /// The next row: `Ok` when it has as many fields as the header, else a reject. `None` at
    /// the end. Blank lines are not rows.
    pub fn next_row(&mut self) -> Option<Result<RawRow, Reject>> {
        if self.stopped {
            return None;
        }
        // A record done with, or one sized like the last row: growing a record field by field
        // cost more than reading it.
        let mut record = self
            .spare
            .pop()
            .unwrap_or_else(|| csv::StringRecord::with_capacity(self.last_len, self.width));
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                self.last_len = record.as_slice().len().max(64);
                let line = self.line_of(record.position());
                let row = RawRow { line, record };
                if row.record.len() != self.width {
                    let reason = format!(
                        "the row has {} fields but the header has {}; the row is cut short or has extra separators",
                        row.record.len(),
                        self.width
                    );
                    Some(Err(self.reject(&row, reason)))
                } else {
                    Some(Ok(row))
                }
            }
            Err(e) => {
                let line = self.line_of(e.position());
                let reason = if let csv::ErrorKind::Io(_) = e.kind() {
                    self.stopped = true;
                    format!("reading stopped here, the rest of the file is lost: {e}")
                } else {
                    format!("the row cannot be read: {e}")
                };
                Some(Err(Reject {
                    source: self.source,
                    file: self.file.clone(),
                    line,
                    raw: String::new(),
                    reason,
                }))
            }
        }
    }
}

impl SourceLayout {
    /// The text of field number `field` (in `SourceKind::fields` order) of a row.
    pub fn get<'r>(&self, row: &'r RawRow, field: usize) -> &'r str {
        row.record.get(self.columns[field]).unwrap_or("")
    }

    /// A reject of `row` with `reason`. Neither its raw text nor its reason shows a withheld
    /// column's text: any such text (of three or more characters) quoted in `reason` is
    /// replaced by [`COLUMN_WITHHELD`].
    pub fn reject(&self, row: &RawRow, reason: String) -> Reject {
        // The field's name (`field `cli`: `) is kept: a value equal to it (a header repeated
        // as a row, where the cli field reads `cli`) must not mask the name.
        let named = reason
            .strip_prefix("field `")
            .and_then(|rest| rest.find("`: "))
            .map_or(0, |end| "field `".len() + end + "`: ".len());
        let (name, mut reason) = (reason[..named].to_string(), reason[named..].to_string());
        if row.record.len() == self.width {
            for &(column, _) in &self.withheld {
                let value = row.record.get(column).unwrap_or("").trim();
                if value.chars().count() >= 3 && reason.contains(value) {
                    reason = reason.replace(value, COLUMN_WITHHELD);
                }
            }
        }
        let reason = name + &reason;
        Reject {
            source: self.source,
            file: self.file.clone(),
            line: row.line,
            raw: self.raw(row),
            reason,
        }
    }

    /// The row as a reject shows it: withheld columns replaced by their marker.
    pub fn raw(&self, row: &RawRow) -> String {
        row.raw_withholding(self.delimiter, self.width, &self.withheld)
    }

    /// Keeps [`SourceLayout::raw`]'s text of `row` in `arena`.
    pub(crate) fn keep_raw(&self, row: &RawRow, arena: &mut TextArena) -> TextRef {
        arena.push_with(|out| {
            row.write_raw_withholding(self.delimiter, self.width, &self.withheld, out)
        })
    }

    /// A reject of `row` naming the field at fault.
    pub fn reject_field(&self, row: &RawRow, field: usize, why: impl std::fmt::Display) -> Reject {
        let name = self.column_name(field);
        self.reject(row, format!("field `{name}`: {why}"))
    }

    /// A reject of `row` whose number field `field` could not be read: the error quotes the
    /// field unless the snapshot is pseudonymised, where it only says what is wrong.
    pub fn reject_phone(&self, row: &RawRow, field: usize, error: &PhoneError) -> Reject {
        match self.disclosure {
            Disclosure::AsRead => self.reject_field(row, field, error),
            Disclosure::Pseudonymised => self.reject_field(row, field, error.problem()),
        }
    }

    fn column_name(&self, field: usize) -> &str {
        self.header.get(self.columns[field]).unwrap_or("")
    }

    /// The file name.
    pub fn file(&self) -> &str {
        &self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn fields_joined_directly_are_what_the_csv_writer_writes(
            fields in prop::collection::vec("[a,;\"\r\n é\u{a7}]{0,4}", 0..5),
            delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|', b'"', 0xa7]),
        ) {
            let mut joined = String::from("kept before: ");
            write_fields(delimiter, fields.iter().map(String::as_str), &mut joined);
            let written = join_fields(delimiter, &fields);
            prop_assert_eq!(joined, format!("kept before: {written}"));
        }
    }
}
