//! What the crate's tests share: the sample snapshot and a generated one, registered as
//! `engage sql --data` registers a snapshot, and answers as sorted lines to compare.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionContext, col};
use engage_snapshot::Manifest;

/// The sample snapshot's folder.
pub fn sample_snapshot() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample/snapshot");
    std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.json").exists())
        .expect("the sample snapshot")
}

/// A snapshot of `calls` generated ACD calls over `days` (made once per size, under the
/// target folder).
pub fn generated_snapshot(calls: u64, days: u32) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cluster-{calls}-{days}"));
    let store_dir = root.join("snapshots");
    if let Some(found) = find_snapshot(&store_dir) {
        return found;
    }
    let raw = root.join("raw");
    let options = engage_synth::GenerateOptions {
        contacts: calls,
        days,
        start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        seed: 7,
        ..Default::default()
    };
    engage_synth::generate_to_dir(&options, &raw, &mut |_| {}).expect("generate");
    let profiles = engage_ingest::Profiles::default();
    let mut ingest = engage_ingest::Ingest::new(engage_ingest::IngestOptions {
        profiles: &profiles,
        key: None,
        csu: engage_kernel::postcode::CsuTable::kent(),
    });
    for kind in engage_ingest::SourceKind::ALL {
        let file = std::fs::File::open(raw.join(&profiles.get(kind).file)).expect("export");
        ingest
            .read(kind, std::io::BufReader::new(file), &mut |_| {})
            .expect("read");
    }
    let ingested = ingest.finish();
    let store = engage_snapshot::SnapshotStore::open(store_dir.to_str().unwrap()).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(engage_snapshot::write_snapshot(
            &store,
            &ingested,
            Default::default(),
            "cluster test",
            false,
            true,
            &mut |_| {},
        ))
        .expect("write");
    find_snapshot(&store_dir).expect("the snapshot just written")
}

fn find_snapshot(store: &Path) -> Option<PathBuf> {
    std::fs::read_dir(store)
        .ok()?
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.json").exists())
}

/// Registers a snapshot's `contacts` (declared sorted by caller and time) and `referrals`, and
/// the views, as `engage sql --data` does.
pub async fn register_snapshot(ctx: &SessionContext, snapshot: &Path) {
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(snapshot.join("manifest.json")).unwrap())
            .unwrap();
    let sorted = vec![vec![
        col("caller_key").sort(true, false),
        col("received_at").sort(true, false),
    ]];
    for (table, options) in [
        (
            "contacts",
            ParquetReadOptions::default().file_sort_order(sorted),
        ),
        ("referrals", ParquetReadOptions::default()),
    ] {
        let [file] = manifest.table_files(table) else {
            panic!("{table} is one file");
        };
        ctx.register_parquet(table, snapshot.join(file).to_str().unwrap(), options)
            .await
            .unwrap();
    }
    engage_datafusion::register_views(ctx).await.unwrap();
}

/// A copy of a snapshot's contacts dealt into `parts` Parquet files in chunks of 500 rows (so
/// that a caller's contacts lie in several files, and a cluster must bring them together),
/// in a folder registered as `contacts`, with the snapshot's `referrals`, and the views.
pub async fn register_split(ctx: &SessionContext, snapshot: &Path, parts: usize) {
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(snapshot.join("manifest.json")).unwrap())
            .unwrap();
    let name = snapshot.file_name().unwrap().to_string_lossy().into_owned();
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("split-{name}-{parts}"));
    if !folder.join("done").exists() {
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let [file] = manifest.table_files("contacts") else {
            panic!("contacts is one file");
        };
        let reader = ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(snapshot.join(file)).unwrap(),
        )
        .unwrap();
        let schema = reader.schema().clone();
        let mut writers: Vec<ArrowWriter<std::fs::File>> = (0..parts)
            .map(|i| {
                let out = std::fs::File::create(folder.join(format!("part-{i}.parquet"))).unwrap();
                ArrowWriter::try_new(out, schema.clone(), None).unwrap()
            })
            .collect();
        let mut chunk = 0;
        for batch in reader.build().unwrap() {
            let batch = batch.unwrap();
            for offset in (0..batch.num_rows()).step_by(500) {
                let len = 500.min(batch.num_rows() - offset);
                writers[chunk % parts]
                    .write(&batch.slice(offset, len))
                    .unwrap();
                chunk += 1;
            }
        }
        for writer in writers {
            writer.close().unwrap();
        }
        std::fs::write(folder.join("done"), b"").unwrap();
    }
    ctx.register_parquet(
        "contacts",
        folder.to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .unwrap();
    let [referrals] = manifest.table_files("referrals") else {
        panic!("referrals is one file");
    };
    ctx.register_parquet(
        "referrals",
        snapshot.join(referrals).to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .unwrap();
    engage_datafusion::register_views(ctx).await.unwrap();
}

/// The answer to `sql` as one line per row, sorted.
pub async fn answer(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let batches = ctx
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let options = FormatOptions::default().with_null("NULL");
    let mut lines = Vec::new();
    for batch in &batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect::<Vec<_>>();
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .map(|f| f.value(row).to_string())
                .collect();
            lines.push(cells.join(" | "));
        }
    }
    lines.sort();
    lines
}

/// The queries a cluster must answer as one machine does: every detection view, the
/// profiles, demand, multi-agency and an analyst's rolling_count job.
pub const QUERIES: [&str; 6] = [
    "SELECT * FROM episodes",
    "SELECT * FROM repeat_callers",
    "SELECT * FROM caller_profiles",
    "SELECT * FROM demand",
    "SELECT * FROM multi_agency",
    "SELECT caller_key, max(n) AS peak, sum(n) AS total FROM (SELECT caller_key, rolling_count(received_at, INTERVAL '7 days') OVER (PARTITION BY caller_key ORDER BY received_at) AS n FROM contacts WHERE caller_key IS NOT NULL) GROUP BY caller_key HAVING max(n) >= 3",
];
