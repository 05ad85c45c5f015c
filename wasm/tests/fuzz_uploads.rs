//! Fuzzing what the page uploads to the bindings: a snapshot's `contacts` Parquet (changed
//! bytes, truncated, another schema, other column types, metadata claiming a huge file) and
//! CSV exports (a 10 MB field). Every upload returns; a bad one throws a JS error saying what
//! is wrong and leaves the archive as it was, still usable.
//!
//! The bindings' errors are JS `Error`s, which exist only in a JS host, so this runs in
//! headless Chromium like `web.rs`:
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     cargo test -p engage-wasm --target wasm32-unknown-unknown --test fuzz_uploads
//! ```
//!
//! Mutations come from a fixed-seed generator (proptest does not build for
//! wasm32-unknown-unknown without a JS entropy source); `FUZZ_CASES` at build time raises the
//! count.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use engage_wasm::Archive;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::{
    FileMetaData, ParquetMetaData, ParquetMetaDataReader, ParquetMetaDataWriter,
};
use parquet::file::properties::WriterProperties;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = Error)]
    type JsErrorObject;
    #[wasm_bindgen(method, getter)]
    fn message(this: &JsErrorObject) -> String;
}

fn message(e: JsError) -> String {
    JsValue::from(e).unchecked_into::<JsErrorObject>().message()
}

/// Mutated files tried per run.
fn cases() -> usize {
    option_env!("FUZZ_CASES")
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// xorshift64*: a fixed-seed source of mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `valid` with one to three bytes flipped, inserted, deleted or duplicated, or truncated.
fn mutate(valid: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = valid.to_vec();
    for _ in 0..1 + rng.below(3) {
        let n = b.len();
        match rng.below(5) {
            0 if n > 0 => {
                let i = rng.below(n);
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(n + 1);
                b.insert(i, rng.next() as u8);
            }
            2 if n > 0 => {
                b.remove(rng.below(n));
            }
            3 if n > 0 => {
                let s = rng.below(n);
                let l = 1 + rng.below((n - s).min(64));
                let copy = b[s..s + l].to_vec();
                b.splice(s..s, copy);
            }
            _ => b.truncate(rng.below(n + 1)),
        }
    }
    b
}

/// A `contacts` table of `n` calls with the columns the page reads, as the snapshot writes
/// them (zstd).
fn contacts(n: usize) -> RecordBatch {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let schema = Schema::new(vec![
        Field::new(
            "received_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        text("caller_key"),
        text("address_key"),
        text("line"),
        text("agency"),
        text("category"),
        text("csu"),
    ]);
    let strings = |f: &dyn Fn(usize) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from((0..n).map(f).collect::<Vec<_>>()))
    };
    let times: ArrayRef = Arc::new(
        TimestampMicrosecondArray::from(
            (0..n)
                .map(|i| 1_740_960_000_000_000 + i as i64 * 3_600_000_000)
                .collect::<Vec<_>>(),
        )
        .with_timezone("UTC"),
    );
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            times,
            strings(&|i| Some(format!("+4477009001{:02}", i % 3))),
            strings(&|i| Some(format!("{} HIGH STREET", i % 2))),
            strings(&|_| Some("999".into())),
            strings(&|_| Some("police".into())),
            strings(&|_| Some("Concern For Welfare".into())),
            strings(&|_| Some("Maidstone CSU".into())),
        ],
    )
    .unwrap()
}

fn parquet_of(batch: &RecordBatch) -> Vec<u8> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    out
}

/// A binding's answer as JSON, to compare and index.
fn json(value: wasm_bindgen::JsValue) -> serde_json::Value {
    serde_wasm_bindgen::from_value(value).expect("the bindings return plain JS values")
}

/// An archive holding 30 good calls, analysed once.
fn loaded() -> (Archive, serde_json::Value) {
    let mut archive = Archive::new();
    archive
        .add_parquet(parquet_of(&contacts(30)))
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let analysis = archive
        .analyse("10/7d", None)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    (archive, json(analysis))
}

/// After a refused upload the archive is as it was: same length, same analysis.
fn unchanged(archive: &Archive, analysis: &serde_json::Value, what: &str) {
    assert_eq!(archive.length(), 30, "{what}");
    let again = archive
        .analyse("10/7d", None)
        .unwrap_or_else(|e| panic!("{what}: {}", message(e)));
    assert_eq!(&json(again), analysis, "{what}");
}

/// Changes in the footer (the file's metadata: schema, row groups, the embedded Arrow schema)
/// and the magic bytes. Changes inside the data pages are not tried here: parquet 59.3.2 panics
/// on some damaged pages (dictionary_index.rs:46 index out of bounds; a debug assertion in
/// bit_util.rs:697), and a panic in WebAssembly aborts the module; see `docs/reliability.md`.
#[wasm_bindgen_test]
fn corrupt_parquet_uploads_are_refused_and_leave_the_archive_as_it_was() {
    let valid = parquet_of(&contacts(30));
    let footer_len =
        u32::from_le_bytes(valid[valid.len() - 8..valid.len() - 4].try_into().unwrap());
    let footer_at = valid.len() - 8 - footer_len as usize;
    let mut rng = Rng(0x5eed_f022);
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..cases() {
        let (mut archive, analysis) = loaded();
        let bytes = if rng.below(8) == 0 {
            let mut b = valid.clone();
            let i = rng.below(4);
            b[i] ^= 1 << rng.below(8);
            b
        } else {
            let mut b = valid[..footer_at].to_vec();
            b.extend(mutate(&valid[footer_at..], &mut rng));
            b
        };
        match archive.add_parquet(bytes) {
            // A change the reader cannot see (a value, a statistic) adds all 30 rows.
            Ok(()) => {
                accepted += 1;
                assert_eq!(archive.length(), 60, "case {case}");
                archive
                    .analyse("10/7d", None)
                    .unwrap_or_else(|e| panic!("case {case}: {}", message(e)));
            }
            Err(e) => {
                refused += 1;
                let text = message(e);
                assert!(!text.is_empty(), "case {case}");
                unchanged(&archive, &analysis, &format!("case {case}: {text}"));
            }
        }
    }
    assert_eq!(accepted + refused, cases());
    assert!(refused > 0);
}

#[wasm_bindgen_test]
fn a_truncated_parquet_upload_says_it_is_not_a_parquet_file() {
    let valid = parquet_of(&contacts(30));
    for cut in [0, 4, valid.len() / 2, valid.len() - 9, valid.len() - 1] {
        let (mut archive, analysis) = loaded();
        let text = message(archive.add_parquet(valid[..cut].to_vec()).unwrap_err());
        assert!(
            text.starts_with("not a Parquet file: "),
            "cut at {cut}: {text}"
        );
        unchanged(&archive, &analysis, &text);
    }
}

#[wasm_bindgen_test]
fn a_parquet_upload_of_another_schema_names_the_missing_column() {
    let good = contacts(5);
    let without_callers = good.project(&[0, 2, 3, 4, 5, 6]).unwrap();
    let (mut archive, analysis) = loaded();
    let text = message(
        archive
            .add_parquet(parquet_of(&without_callers))
            .unwrap_err(),
    );
    assert_eq!(
        text,
        "this Parquet file has no column `caller_key`: is it a snapshot's contacts table?"
    );
    unchanged(&archive, &analysis, &text);
}

#[wasm_bindgen_test]
fn a_parquet_upload_with_other_column_types_names_the_column() {
    let good = contacts(5);
    let mut columns = good.columns().to_vec();
    let mut fields: Vec<Field> = good
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    columns[0] = Arc::new(Int64Array::from(vec![0i64; 5]));
    fields[0] = Field::new("received_at", DataType::Int64, false);
    let wrong = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let (mut archive, analysis) = loaded();
    let text = message(archive.add_parquet(parquet_of(&wrong)).unwrap_err());
    assert_eq!(
        text,
        "received_at is Int64, expected a microsecond timestamp"
    );
    unchanged(&archive, &analysis, &text);
}

/// A small file whose footer claims a huge row count and huge column chunks (the shape of a
/// zip bomb): refused from its metadata, before anything is decoded.
#[wasm_bindgen_test]
fn a_parquet_upload_claiming_a_huge_size_is_refused_before_decoding() {
    let valid = parquet_of(&contacts(30));
    let metadata = ParquetMetaDataReader::new()
        .parse_and_finish(&bytes::Bytes::from(valid.clone()))
        .unwrap();
    let footer_len =
        u32::from_le_bytes(valid[valid.len() - 8..valid.len() - 4].try_into().unwrap());
    let data_end = valid.len() - 8 - footer_len as usize;
    for (what, rows, chunk_bytes) in [
        ("rows", i64::MAX / 2, None),
        ("bytes", 30, Some(i64::MAX / 4)),
    ] {
        let groups: Vec<_> = metadata
            .row_groups()
            .iter()
            .map(|g| {
                let columns = g
                    .columns()
                    .iter()
                    .map(|c| match chunk_bytes {
                        Some(b) => c
                            .clone()
                            .into_builder()
                            .set_total_uncompressed_size(b)
                            .build()
                            .unwrap(),
                        None => c.clone(),
                    })
                    .collect();
                g.clone()
                    .into_builder()
                    .set_num_rows(rows)
                    .set_column_metadata(columns)
                    .build()
                    .unwrap()
            })
            .collect();
        let file = metadata.file_metadata();
        let claimed = ParquetMetaData::new(
            FileMetaData::new(
                file.version(),
                rows,
                file.created_by().map(str::to_string),
                file.key_value_metadata().cloned(),
                file.schema_descr_ptr(),
                file.column_orders().cloned(),
            ),
            groups,
        );
        let mut bomb = valid[..data_end].to_vec();
        ParquetMetaDataWriter::new(&mut bomb, &claimed)
            .finish()
            .unwrap();
        let (mut archive, analysis) = loaded();
        let text = message(archive.add_parquet(bomb).unwrap_err());
        assert!(
            text.starts_with("this Parquet file claims ")
                && text.contains("the page reads at most"),
            "{what}: {text}"
        );
        unchanged(&archive, &analysis, &text);
    }
}

/// An ACD export with a 10 MB caller field: that row is rejected, the rest are read.
#[wasm_bindgen_test]
fn a_csv_upload_with_a_ten_megabyte_field_rejects_that_row() {
    let header = "call_id,line,cli,arrived,answered,ended,queue,outcome";
    let good = "A1,999,07700 900123,03/03/2025 10:00:00,,03/03/2025 10:01:00,EMERGENCY,Abandoned";
    let huge = format!(
        "A2,999,{},03/03/2025 11:00:00,,03/03/2025 11:01:00,EMERGENCY,Abandoned",
        "7".repeat(10 << 20)
    );
    let mut archive = Archive::new();
    archive
        .add_exports(
            format!("{header}\n{good}\n{huge}\n").as_bytes(),
            b"",
            b"",
            b"",
        )
        .unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(archive.length(), 1);
    let report: serde_json::Value = json(archive.report().unwrap());
    assert_eq!(report["sources"]["acd"]["read"], 2);
    assert_eq!(report["sources"]["acd"]["rejected"], 1);
}

/// CSV uploads of arbitrary bytes after a valid header: read or refused, never a panic, and
/// every row accounted for.
#[wasm_bindgen_test]
fn csv_uploads_of_changed_bytes_are_accounted_for() {
    let header = "call_id,line,cli,arrived,answered,ended,queue,outcome\n";
    let rows: String = (0..10)
        .map(|i| format!("A{i},999,07700 90012{},03/03/2025 1{i}:00:00,,03/03/2025 1{i}:01:00,EMERGENCY,Abandoned\n", i % 3))
        .collect();
    let valid = format!("{header}{rows}");
    let mut rng = Rng(0x00c5_f00d);
    for case in 0..cases() {
        let bytes = mutate(valid.as_bytes(), &mut rng);
        let mut archive = Archive::new();
        match archive.add_exports(&bytes, b"", b"", b"") {
            Ok(()) => {
                let report: serde_json::Value = json(archive.report().unwrap());
                let acd = &report["sources"]["acd"];
                let n = |k: &str| acd[k].as_u64().unwrap();
                assert_eq!(
                    n("read"),
                    n("published") + n("merged") + n("duplicates") + n("rejected"),
                    "case {case}: {acd}"
                );
                assert_eq!(archive.length() as u64, n("published"), "case {case}");
            }
            Err(e) => {
                let text = message(e);
                assert!(text.starts_with("acd_calls.csv"), "case {case}: {text}");
            }
        }
    }
}
