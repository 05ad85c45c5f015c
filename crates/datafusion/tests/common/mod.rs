//! What the crate's tests share: the shipped sample snapshot.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

/// The sample snapshot's folder and its manifest.
pub fn sample_snapshot() -> (PathBuf, engage_snapshot::Manifest) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample/snapshot");
    let snapshot = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.json").exists())
        .expect("the sample snapshot");
    let manifest =
        serde_json::from_str(&std::fs::read_to_string(snapshot.join("manifest.json")).unwrap())
            .unwrap();
    (snapshot, manifest)
}

/// The one file of the sample's `table`, relative to its snapshot folder.
pub fn sample_file(manifest: &engage_snapshot::Manifest, table: &str) -> String {
    let [file] = manifest.table_files(table) else {
        panic!("the sample's {table} is one file");
    };
    file.clone()
}

/// An Engage session (two partitions) with the sample's `tables` registered.
pub async fn sample_session(tables: &[&str]) -> SessionContext {
    let (snapshot, manifest) = sample_snapshot();
    let ctx =
        engage_datafusion::new_session(SessionConfig::new().with_target_partitions(2)).unwrap();
    for table in tables {
        ctx.register_parquet(
            *table,
            snapshot
                .join(sample_file(&manifest, table))
                .to_str()
                .unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap();
    }
    ctx
}
