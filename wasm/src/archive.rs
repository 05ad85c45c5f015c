//! Contacts held as columns in the page's memory.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use engage_ingest::{CompactString, Ingest, IngestOptions, IngestReport, Profiles, SourceKind};
use engage_kernel::Micros;
use engage_kernel::postcode::CsuTable;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use wasm_bindgen::prelude::*;

use crate::js::{js_error, to_js};
use crate::keys::{KeyColumn, KeySpace};

/// Small sets of repeated text (lines, agencies, categories, CSUs) as indexes.
#[derive(Clone, Default)]
pub(crate) struct Interned {
    pub names: Vec<String>,
    index: foldhash::HashMap<String, u32>,
}

impl Interned {
    pub const NONE: u32 = u32::MAX;

    fn code(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else { return Self::NONE };
        if let Some(&c) = self.index.get(text) {
            return c;
        }
        let c = self.names.len() as u32;
        self.names.push(text.to_string());
        self.index.insert(text.to_string(), c);
        c
    }

    pub fn name(&self, code: u32) -> Option<&str> {
        self.names.get(code as usize).map(String::as_str)
    }
}

/// Contacts loaded into the page: a snapshot's `contacts` table, or exports ingested here.
#[wasm_bindgen]
#[derive(Default)]
pub struct Archive {
    /// Who called (`caller_key`).
    pub(crate) callers: KeySpace,
    /// The incident address each contact was about (`address_key`), for address-keyed rules.
    pub(crate) addresses: KeySpace,
    pub(crate) times: Vec<Micros>,
    pub(crate) lines: Vec<u32>,
    pub(crate) agencies: Vec<u32>,
    pub(crate) categories: Vec<u32>,
    pub(crate) csus: Vec<u32>,
    pub(crate) text: Interned,
    pub(crate) report: Option<IngestReport>,
}

#[wasm_bindgen]
impl Archive {
    /// An empty archive.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Archive {
        Archive::default()
    }

    /// Adds the rows of one Parquet file of a snapshot's `contacts` table. A file that
    /// cannot be read adds nothing: the archive stays as it was.
    #[wasm_bindgen(js_name = addParquet)]
    pub fn add_parquet(&mut self, bytes: Vec<u8>) -> Result<(), JsError> {
        // The Arrow schema a writer may embed in the footer is only a hint, and decoding a
        // damaged one panics inside arrow-ipc ("Int type with bit width of 0"): read the
        // Parquet schema, which gives the same types for a snapshot's columns.
        let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
        let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
            bytes::Bytes::from(bytes),
            options,
        )
        .map_err(|e| js_error(format!("not a Parquet file: {e}")))?;
        check_claims(builder.metadata())?;
        let reader = builder.build().map_err(js_error)?;
        let (rows, text) = (self.times.len(), self.text.clone());
        let mut keys = NewKeys::default();
        let added = reader.into_iter().try_for_each(|batch| {
            let batch = batch.map_err(js_error)?;
            self.add_batch(&batch, &mut keys)
        });
        if let Err(e) = added {
            // A batch may have failed half-way (a corrupt page, a missing column): undo
            // what the earlier columns and batches added, so every column keeps one value
            // per contact.
            for column in [
                &mut self.lines,
                &mut self.agencies,
                &mut self.categories,
                &mut self.csus,
            ] {
                column.truncate(rows);
            }
            self.times.truncate(rows);
            self.text = text;
            return Err(e);
        }
        self.merge(keys);
        Ok(())
    }

    /// Ingests the default CSV exports (`docs/exports.md`) as `engage publish` would, without
    /// pseudonymising: each the file's bytes (a `Uint8Array`), as `engage publish` reads them,
    /// so bytes that are not UTF-8 are rejects there too. Missing sources may be empty.
    /// Bytes, not text: a page that read the files as text and passed strings spent a tenth of
    /// the ingest's time turning the text back into bytes.
    #[wasm_bindgen(js_name = addExports)]
    pub fn add_exports(
        &mut self,
        acd: &[u8],
        recordings: &[u8],
        incidents: &[u8],
        partners: &[u8],
    ) -> Result<(), JsError> {
        let profiles = Profiles::default();
        let mut ingest = Ingest::new(IngestOptions {
            profiles: &profiles,
            key: None,
            csu: CsuTable::kent(),
        });
        for (kind, text) in [
            (SourceKind::Acd, acd),
            (SourceKind::Recordings, recordings),
            (SourceKind::Incidents, incidents),
            (SourceKind::Partners, partners),
        ] {
            if text.trim_ascii().is_empty() {
                if kind == SourceKind::Acd {
                    return Err(js_error("acd_calls.csv is needed: it holds every contact"));
                }
                ingest.absent(kind);
                continue;
            }
            ingest.read(kind, text, &mut |_| {}).map_err(js_error)?;
        }
        let ingested = ingest.finish();
        self.report = Some(ingested.report);
        let added = ingested.contacts.len();
        let mut keys = NewKeys {
            callers: Vec::with_capacity(added),
            addresses: Vec::with_capacity(added),
        };
        for column in [
            &mut self.lines,
            &mut self.agencies,
            &mut self.categories,
            &mut self.csus,
        ] {
            column.reserve(added);
        }
        self.times.reserve(added);
        for c in &ingested.contacts {
            keys.callers.push(c.caller_key);
            keys.addresses.push(c.address_key);
            self.times.push(c.received_at);
            self.lines.push(self.text.code(Some(c.line)));
            self.agencies.push(self.text.code(Some(c.agency)));
            self.categories.push(self.text.code(c.category));
            self.csus.push(self.text.code(c.csu));
        }
        self.merge(keys);
        Ok(())
    }

    /// How many contacts are loaded.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.times.len()
    }

    /// The ingest report of the last exports added: per source, what happened to every
    /// row; `null` when no exports were added.
    #[wasm_bindgen(getter, unchecked_return_type = "IngestReport | null")]
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.report)
    }
}

/// The most rows, and the most bytes uncompressed, one uploaded Parquet file may claim: the
/// page holds its contacts in the browser's memory. A small file whose metadata claims more
/// (the shape of a zip bomb) is refused before anything is decoded.
const MAX_PARQUET_ROWS: i64 = 20_000_000;
const MAX_PARQUET_BYTES: i64 = 1 << 30;

/// Refuses a file whose metadata claims more rows or bytes than the page can hold.
fn check_claims(metadata: &parquet::file::metadata::ParquetMetaData) -> Result<(), JsError> {
    let rows = metadata.file_metadata().num_rows();
    let groups = metadata.row_groups().iter();
    let group_rows = groups
        .clone()
        .fold(0i64, |n, g| n.saturating_add(g.num_rows()));
    let bytes = groups
        .flat_map(|g| g.columns())
        .fold(0i64, |n, c| n.saturating_add(c.uncompressed_size().max(0)));
    let claimed = rows.max(group_rows);
    if !(0..=MAX_PARQUET_ROWS).contains(&rows)
        || !(0..=MAX_PARQUET_ROWS).contains(&group_rows)
        || bytes > MAX_PARQUET_BYTES
    {
        return Err(js_error(format!(
            "this Parquet file claims {claimed} rows and {bytes} bytes uncompressed; the page \
             reads at most {MAX_PARQUET_ROWS} rows and {MAX_PARQUET_BYTES} bytes per file: \
             query a bigger snapshot with `engage sql`"
        )));
    }
    Ok(())
}

/// The keys of contacts being added, merged into the key spaces once all are read.
#[derive(Default)]
struct NewKeys<K = CompactString> {
    callers: Vec<Option<K>>,
    addresses: Vec<Option<K>>,
}

impl Archive {
    /// The key space detection groups by when keyed on `column`.
    pub(crate) fn key_space(&self, column: KeyColumn) -> &KeySpace {
        match column {
            KeyColumn::Caller => &self.callers,
            KeyColumn::Address => &self.addresses,
        }
    }

    fn add_batch(&mut self, batch: &RecordBatch, keys: &mut NewKeys) -> Result<(), JsError> {
        let column = |name: &str| {
            batch.column_by_name(name).ok_or_else(|| {
                js_error(format!(
                    "this Parquet file has no column `{name}`: is it a snapshot's contacts table?"
                ))
            })
        };
        let received = column("received_at")?;
        if !matches!(
            received.data_type(),
            DataType::Timestamp(TimeUnit::Microsecond, _)
        ) {
            return Err(js_error(format!(
                "received_at is {}, expected a microsecond timestamp",
                received.data_type()
            )));
        }
        self.times.extend(
            received
                .as_primitive::<TimestampMicrosecondType>()
                .values()
                .iter(),
        );
        let strings = |name: &str| -> Result<Vec<Option<CompactString>>, JsError> {
            let array = column(name)?;
            let array = arrow::compute::cast(&array, &DataType::Utf8).map_err(js_error)?;
            Ok(array
                .as_string::<i32>()
                .iter()
                .map(|v| v.map(CompactString::from))
                .collect())
        };
        // Columns older snapshots lack: none of their contacts has a value, not an error.
        let optional_strings = |name: &str| -> Result<Vec<Option<CompactString>>, JsError> {
            if batch.column_by_name(name).is_some() {
                strings(name)
            } else {
                Ok(vec![None; batch.num_rows()])
            }
        };
        keys.callers.extend(strings("caller_key")?);
        keys.addresses.extend(optional_strings("address_key")?);
        for v in strings("line")? {
            let c = self.text.code(v.as_deref());
            self.lines.push(c);
        }
        for v in strings("agency")? {
            let c = self.text.code(v.as_deref());
            self.agencies.push(c);
        }
        for v in strings("category")? {
            let c = self.text.code(v.as_deref());
            self.categories.push(c);
        }
        for v in optional_strings("csu")? {
            let c = self.text.code(v.as_deref());
            self.csus.push(c);
        }
        Ok(())
    }

    fn merge<K: AsRef<str>>(&mut self, keys: NewKeys<K>) {
        self.callers.merge(&keys.callers);
        self.addresses.merge(&keys.addresses);
    }
}
