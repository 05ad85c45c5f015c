//! The manifest: what a snapshot holds and how it was made. Written last; a snapshot without
//! one does not exist for readers.

use std::collections::BTreeMap;

use engage_ingest::SourceCounts;
use serde::{Deserialize, Serialize};

/// One source file read for the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file name within the raw folder.
    pub file: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows read (blank lines are not rows).
    pub rows: u64,
}

/// The manifest of one snapshot (`manifest.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The snapshot's id: a digest of its sources and options.
    pub snapshot_id: String,
    /// When it was written (RFC 3339, UTC).
    pub created_at: String,
    /// The version of the schema and layout.
    pub schema_version: u32,
    /// The source files, by source name.
    pub sources: BTreeMap<String, SourceFile>,
    /// Per source: read, published, merged, duplicates, rejected, and the details. Referrals
    /// are listed only when their export was read.
    pub counts: BTreeMap<String, SourceCounts>,
    /// Rows in `contacts`.
    pub contacts: u64,
    /// Rows in `rejects`.
    pub rejects: u64,
    /// Rows in `referrals`; absent (and the table with it) when the raw folder had no
    /// referrals export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrals: Option<u64>,
    /// Whether the snapshot is pseudonymised: caller and address keys are keyed pseudonyms,
    /// postcodes are cut to their district, and rejects show no personal field.
    pub pseudonymised: bool,
    /// The sort order of `contacts`.
    pub sort_order: Vec<String>,
    /// The tables and their files, relative to the snapshot's folder.
    pub tables: BTreeMap<String, Vec<String>>,
    /// True when the data is synthetic (the raw folder said so).
    pub synthetic: bool,
}

impl Manifest {
    /// The files of `table`, relative to the snapshot's folder (`<id>/`); empty when the
    /// snapshot has no such table.
    pub fn table_files(&self, table: &str) -> &[String] {
        self.tables
            .get(table)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every file the manifest lists, relative to the snapshot's folder.
    pub fn files(&self) -> impl Iterator<Item = &String> {
        self.tables.values().flatten()
    }

    /// Checks what readers rely on before they open files: the manifest is that of the
    /// snapshot in folder `id`, and every file it lists is a plain relative path inside that
    /// folder (no `..`, no absolute path, no empty part, no glob characters), since readers
    /// join the names to the folder's path.
    ///
    /// # Errors
    ///
    /// What is wrong, quoting the value: for [`crate::StoreError::BadManifest`].
    pub fn check(&self, id: &str) -> Result<(), String> {
        if self.snapshot_id != id {
            return Err(format!(
                "names the snapshot `{}`, but is in the folder of `{id}`",
                self.snapshot_id
            ));
        }
        for (table, files) in &self.tables {
            for file in files {
                let inside = file
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != "..")
                    && !file.contains(['\\', '*', '?', '[', ']', '{', '}']);
                if !inside {
                    return Err(format!(
                        "lists `{file}` for the table `{table}`: expected a file inside the \
                         snapshot's folder, such as `contacts/part-00000.parquet`"
                    ));
                }
            }
        }
        Ok(())
    }
}
