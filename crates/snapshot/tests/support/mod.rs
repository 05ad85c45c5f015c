//! Shared by the snapshot crate's tests: small ingested exports, scratch folders, and a
//! reader that reads a committed snapshot the way Engage's readers do (only the files its
//! manifest lists) and checks it is complete.

#![allow(dead_code)]

use std::collections::BTreeMap;

use engage_ingest::{Ingest, IngestOptions, Ingested, Profiles, SourceKind};
use engage_kernel::postcode::CsuTable;
use engage_snapshot::{Manifest, SnapshotStore, SourceFile, StoreError, write_snapshot};
use object_store::ObjectStoreExt;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// An ingest of an ACD export with `calls` distinct calls (and empty other sources).
pub fn ingested(calls: usize) -> Ingested {
    let mut acd = String::from("call_id,line,cli,arrived,answered,ended,queue,outcome\n");
    for i in 0..calls {
        acd.push_str(&format!(
            "A{i},999,07700 900{:03},01/03/2025 {:02}:{:02}:00,,01/03/2025 {:02}:{:02}:05,EMERGENCY,Abandoned\n",
            i % 7,
            i / 60,
            i % 60,
            i / 60,
            i % 60
        ));
    }
    ingest_acd(&acd, None)
}

/// An ingest of an ACD export and, when given, a referrals export (recordings and incidents
/// empty, partners absent).
pub fn ingest_acd(acd: &str, referrals: Option<&str>) -> Ingested {
    let profiles = Profiles::default();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key: None,
        csu: CsuTable::kent(),
    });
    ingest
        .read(SourceKind::Acd, acd.as_bytes(), &mut |_| {})
        .unwrap();
    for kind in [SourceKind::Recordings, SourceKind::Incidents] {
        let header: Vec<&str> = kind.field_names().collect();
        ingest
            .read(
                kind,
                format!("{}\n", header.join(",")).as_bytes(),
                &mut |_| {},
            )
            .unwrap();
    }
    ingest.absent(SourceKind::Partners);
    match referrals {
        Some(text) => ingest
            .read(SourceKind::Referrals, text.as_bytes(), &mut |_| {})
            .unwrap(),
        None => ingest.absent(SourceKind::Referrals),
    }
    ingest.finish()
}

/// The sources of a publish: `name` picks the snapshot id (same name, same id).
pub fn sources(name: &str) -> BTreeMap<String, SourceFile> {
    BTreeMap::from([(
        "acd".to_string(),
        SourceFile {
            file: format!("{name}.csv"),
            sha256: "0".repeat(64),
            bytes: 1,
            rows: 1,
        },
    )])
}

/// Publishes `ingested` as the snapshot named `name`.
pub async fn publish(
    store: &SnapshotStore,
    ingested: &Ingested,
    name: &str,
) -> Result<Manifest, engage_snapshot::PublishError> {
    write_snapshot(
        store,
        ingested,
        sources(name),
        "test",
        false,
        true,
        &mut |_| {},
    )
    .await
}

/// A fresh scratch folder.
pub fn scratch(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "engage-snapshot-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Rows in a Parquet object.
pub async fn rows_in(
    store: &SnapshotStore,
    path: &object_store::path::Path,
) -> Result<u64, String> {
    let bytes = store
        .object_store()
        .get(path)
        .await
        .map_err(|e| format!("{path}: {e}"))?
        .bytes()
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| format!("{path}: {e}"))?;
    Ok(builder.metadata().file_metadata().num_rows() as u64)
}

/// Reads every table of a committed snapshot from the files its manifest lists: the rows of
/// `contacts` and `rejects`, each checked against the manifest's counts.
pub async fn read_complete(
    store: &SnapshotStore,
    manifest: &Manifest,
) -> Result<(u64, u64), String> {
    let mut counts = [0u64; 2];
    for (n, table) in ["contacts", "rejects"].iter().enumerate() {
        let paths = store.table_paths(manifest, table);
        if paths.is_empty() {
            return Err(format!("the manifest lists no file for {table}"));
        }
        for path in paths {
            counts[n] += rows_in(store, &path).await?;
        }
    }
    if counts != [manifest.contacts, manifest.rejects] {
        return Err(format!(
            "read {counts:?} rows, the manifest says {:?}",
            [manifest.contacts, manifest.rejects]
        ));
    }
    Ok((counts[0], counts[1]))
}

/// The latest committed snapshot of `id`, read completely.
pub async fn read_latest(store: &SnapshotStore) -> Result<Option<(Manifest, u64)>, String> {
    let manifests = store
        .committed()
        .await
        .map_err(|e: StoreError| e.to_string())?;
    let Some(latest) = manifests.into_iter().last() else {
        return Ok(None);
    };
    let (contacts, _) = read_complete(store, &latest).await?;
    Ok(Some((latest, contacts)))
}

/// Every file under a folder, relative to it, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
