//! Reading one source's CSV export through its profile: header checked, rows numbered, short
//! or long rows and unreadable bytes turned into rejects instead of errors.

use std::io::Read;

use crate::contact::Reject;
use crate::profile::SourceProfile;

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
        let mut out = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let _ = out.write_record(&self.record);
        let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
        text.truncate(text.trim_end_matches('\n').len());
        text
    }

    /// All fields, to compare rows for exact duplicates.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.record.iter()
    }
}

/// One source's export, opened.
pub struct SourceReader<R: Read> {
    reader: csv::Reader<R>,
    /// For each of the profile's fields (in `SourceKind::fields` order), its column index.
    columns: Vec<usize>,
    width: usize,
    file: String,
    source: &'static str,
    delimiter: u8,
    stopped: bool,
    header: csv::StringRecord,
}

impl<R: Read> SourceReader<R> {
    /// Opens a source and finds its columns by name (case-insensitively).
    pub fn open(profile: &SourceProfile, input: R) -> Result<Self, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(profile.delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(input);
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
                let column = profile.column(field);
                names
                    .iter()
                    .position(|n| n == &column.to_ascii_lowercase())
                    .ok_or_else(|| ReadError::MissingColumn {
                        file: file.clone(),
                        column: column.to_string(),
                        field: field.to_string(),
                        found: header.iter().collect::<Vec<_>>().join(", "),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(SourceReader {
            reader,
            columns,
            width: header.len(),

            file,
            source: profile.kind.name(),
            delimiter: profile.delimiter,
            stopped: false,
            header,
        })
    }

    /// The next row: `Ok` when it has as many fields as the header, else a reject. `None` at
    /// the end. Blank lines are not rows.
    pub fn next_row(&mut self) -> Option<Result<RawRow, Reject>> {
        if self.stopped {
            return None;
        }
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
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
                let line = e.position().map_or(0, |p| p.line());
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

    /// The text of field number `field` (in `SourceKind::fields` order) of a row.
    pub fn get<'r>(&self, row: &'r RawRow, field: usize) -> &'r str {
        row.record.get(self.columns[field]).unwrap_or("")
    }

    /// A reject of `row` with `reason`.
    pub fn reject(&self, row: &RawRow, reason: String) -> Reject {
        Reject {
            source: self.source,
            file: self.file.clone(),
            line: row.line,
            raw: row.raw(self.delimiter),
            reason,
        }
    }

    /// A reject of `row` naming the field at fault.
    pub fn reject_field(&self, row: &RawRow, field: usize, why: impl std::fmt::Display) -> Reject {
        let name = self.column_name(field);
        self.reject(row, format!("field `{name}`: {why}"))
    }

    fn column_name(&self, field: usize) -> &str {
        self.header.get(self.columns[field]).unwrap_or("")
    }

    /// The file name.
    pub fn file(&self) -> &str {
        &self.file
    }
}
