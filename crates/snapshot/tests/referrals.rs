//! The `referrals` table in a snapshot: written beside `contacts` and `rejects` when the
//! export was read, read back with the parquet crate (rows, types, sort order), listed in the
//! manifest; absent, with the manifest as before, when it was not.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Date32Type, TimeUnit, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use engage_ingest::{Ingested, REFERRALS_HEADER};
use engage_snapshot::{Manifest, SnapshotStore, SourceFile, write_snapshot};
use object_store::ObjectStoreExt;
use object_store::memory::InMemory;
use object_store::path::Path;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

mod support;

const ACD: &str = "call_id,line,cli,arrived,answered,ended,queue,outcome\n\
A1,999,07700 900500,01/03/2025 09:00:00,,01/03/2025 09:00:05,EMERGENCY,Abandoned\n";

fn referrals_csv() -> String {
    format!(
        "{REFERRALS_HEADER}\n\
C0000002,07700 900501,02/03/2025 10:00:00,reviewed,nuisance,,,,,,zz note\n\
C0000001,07700 900500,01/03/2025 10:00:00,reviewed,vulnerable_caller,,,,,,zz note\n\
C0000001,07700 900500,10/03/2025 14:00:00,plan_agreed,vulnerable_caller,Maidstone CSU,response plan,10/04/2025,,,zz note\n\
C0000001,07700 900500,10/03/2025 14:00:00,plan_agreed,vulnerable_caller,Maidstone CSU,response plan,10/04/2025,,,zz note\n\
C0000001,07700 900500,24/04/2025 10:00:00,marker_set,,,,,08/06/2025,,zz note\n\
C0000003,07700 900502,01/03/2025 10:00:00,escalated,,,,,,,zz note\n"
    )
}

fn ingest(referrals: Option<&str>) -> Ingested {
    support::ingest_acd(ACD, referrals)
}

fn source(file: &str) -> SourceFile {
    SourceFile {
        file: file.into(),
        sha256: "0".repeat(64),
        bytes: 1,
        rows: 1,
    }
}

async fn publish(ingested: &Ingested, with_referrals: bool) -> (Arc<InMemory>, Manifest) {
    let memory = Arc::new(InMemory::new());
    let store = SnapshotStore::with_store(memory.clone(), "snapshots");
    let mut sources = BTreeMap::from([("acd".to_string(), source("acd_calls.csv"))]);
    if with_referrals {
        sources.insert("referrals".into(), source("referrals.csv"));
    }
    let manifest = write_snapshot(&store, ingested, sources, "test", false, true, &mut |_| {})
        .await
        .unwrap();
    (memory, manifest)
}

/// The table's rows, and the columns (by index) its first row group says it is sorted on.
async fn read_table(
    memory: &InMemory,
    manifest: &Manifest,
    table: &str,
) -> (Vec<RecordBatch>, Vec<i32>) {
    let file = &manifest.tables[table][0];
    let path = Path::from(format!("snapshots/{}/{file}", manifest.snapshot_id));
    let bytes = memory.get(&path).await.unwrap().bytes().await.unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
    let sorted_on = builder
        .metadata()
        .row_group(0)
        .sorting_columns()
        .map(|columns| columns.iter().map(|c| c.column_idx).collect())
        .unwrap_or_default();
    let batches = builder.build().unwrap().collect::<Result<_, _>>().unwrap();
    (batches, sorted_on)
}

fn utc(text: &str) -> i64 {
    text.parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .timestamp_micros()
}

fn day(text: &str) -> i32 {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

#[tokio::test]
async fn referrals_round_trip_through_parquet() {
    let ingested = ingest(Some(&referrals_csv()));
    let (memory, manifest) = publish(&ingested, true).await;
    // In the run's folder, beside the run's contacts.
    let run = manifest.tables["contacts"][0].split('/').next().unwrap();
    assert_eq!(
        manifest.tables["referrals"],
        vec![format!("{run}/referrals/part-00000.parquet")]
    );
    assert_eq!(manifest.referrals, Some(4));
    assert!(manifest.sources.contains_key("referrals"));
    let c = &manifest.counts["referrals"];
    assert_eq!(
        (
            c.file.as_str(),
            c.read,
            c.published,
            c.duplicates,
            c.rejected
        ),
        ("referrals.csv", 6, 4, 1, 1)
    );
    // The reject of the unknown decision is in `rejects`, its note withheld.
    assert_eq!(manifest.rejects, 1);
    let (rejects, _) = read_table(&memory, &manifest, "rejects").await;
    let raw = rejects[0].column_by_name("raw").unwrap().as_string::<i32>();
    assert_eq!(
        raw.value(0),
        "C0000003,07700 900502,01/03/2025 10:00:00,escalated,,,,,,,[note withheld]"
    );

    let (batches, sorted_on) = read_table(&memory, &manifest, "referrals").await;
    assert_eq!(sorted_on, vec![0, 2]); // case_id, decided_at
    let batch = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    let schema = batch.schema();
    let types: Vec<(&str, DataType, bool)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type().clone(), f.is_nullable()))
        .collect();
    let utc_micros = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    assert_eq!(
        types,
        vec![
            ("case_id", DataType::Utf8, false),
            ("caller_key", DataType::Utf8, false),
            ("decided_at", utc_micros, false),
            ("decision", DataType::Utf8, false),
            ("assessment", DataType::Utf8, true),
            ("csu", DataType::Utf8, true),
            ("plan", DataType::Utf8, true),
            ("review_due", DataType::Date32, true),
            ("marker_expires", DataType::Date32, true),
            ("close_reason", DataType::Utf8, true),
        ]
    );
    assert_eq!(batch.num_rows(), 4);
    let text = |name: &str| -> Vec<Option<String>> {
        batch
            .column_by_name(name)
            .unwrap()
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let some = |v: &[&str]| -> Vec<Option<String>> {
        v.iter()
            .map(|s| (!s.is_empty()).then(|| s.to_string()))
            .collect()
    };
    // Sorted by case, then time.
    assert_eq!(
        text("case_id"),
        some(&["C0000001", "C0000001", "C0000001", "C0000002"])
    );
    assert_eq!(
        text("caller_key"),
        some(&[
            "+447700900500",
            "+447700900500",
            "+447700900500",
            "+447700900501"
        ])
    );
    assert_eq!(
        text("decision"),
        some(&["reviewed", "plan_agreed", "marker_set", "reviewed"])
    );
    assert_eq!(
        text("assessment"),
        some(&["vulnerable_caller", "vulnerable_caller", "", "nuisance"])
    );
    assert_eq!(text("csu"), some(&["", "Maidstone CSU", "", ""]));
    assert_eq!(text("plan"), some(&["", "response plan", "", ""]));
    assert_eq!(text("close_reason"), some(&["", "", "", ""]));
    let decided: Vec<i64> = batch
        .column_by_name("decided_at")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>()
        .values()
        .to_vec();
    assert_eq!(
        decided,
        vec![
            utc("2025-03-01T10:00:00Z"),
            utc("2025-03-10T14:00:00Z"),
            utc("2025-04-24T09:00:00Z"),
            utc("2025-03-02T10:00:00Z"),
        ]
    );
    let dates = |name: &str| -> Vec<Option<i32>> {
        batch
            .column_by_name(name)
            .unwrap()
            .as_primitive::<Date32Type>()
            .iter()
            .collect()
    };
    assert_eq!(
        dates("review_due"),
        vec![None, Some(day("2025-04-10")), None, None]
    );
    assert_eq!(
        dates("marker_expires"),
        vec![None, None, Some(day("2025-06-08")), None]
    );
    // No column holds the note.
    for column in batch.columns() {
        if let Some(strings) = column.as_string_opt::<i32>() {
            assert!(strings.iter().flatten().all(|v| !v.contains("zz")));
        }
        assert!(column.len() == 4);
    }
}

#[tokio::test]
async fn without_referrals_the_snapshot_is_as_before() {
    let ingested = ingest(None);
    assert_eq!(
        ingested.report.sources["referrals"].file,
        "referrals.csv (absent)"
    );
    let (_, manifest) = publish(&ingested, false).await;
    assert_eq!(
        manifest.tables.keys().collect::<Vec<_>>(),
        vec!["contacts", "rejects"]
    );
    assert_eq!(manifest.referrals, None);
    assert!(!manifest.counts.contains_key("referrals"));
    let json = serde_json::to_string(&manifest).unwrap();
    assert!(!json.contains("referrals"), "{json}");
    // A manifest written before referrals existed still reads, with none.
    let old: Manifest = serde_json::from_str(&json).unwrap();
    assert_eq!(old, manifest);
}
