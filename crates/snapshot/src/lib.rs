//! Engage's published snapshot (`shared/spec/data-model.md`): the `contacts` and `rejects`
//! tables (and `referrals`, when the raw folder has the case system's export) as Parquet files
//! that any Parquet reader opens without help, and a manifest written last, to a folder or an
//! object store.
//!
//! Layout under the store's root (`--out`):
//!
//! ```text
//! <snapshot id>/<run>/contacts/part-00000.parquet ...
//! <snapshot id>/<run>/rejects/part-00000.parquet
//! <snapshot id>/<run>/referrals/part-00000.parquet   only when referrals were read
//! <snapshot id>/manifest.json    written last: the snapshot exists once this does, and its
//!                                `tables` list the files (relative to <snapshot id>/)
//! <snapshot id>/publish.lock     only while a publish of this id runs
//! ```
//!
//! The snapshot id is a digest of the source files and the publish options, so publishing
//! the same exports twice writes the same snapshot again: into a new run folder, committed by
//! replacing the manifest, after which the old run's files are removed (docs/reliability.md).
//! Readers read exactly the files the manifest lists ([`SnapshotStore::table_locations`]).
//! Snapshots written before runs had folders list `contacts/part-00000.parquet` and so on;
//! they read the same way.

#[cfg(feature = "faults")]
pub mod faults;
pub mod key_file;
pub mod leftovers;
pub mod lock;
pub mod manifest;
mod parallel_parquet;
pub mod schema;
pub mod store;
pub mod write;

pub use key_file::{KeyFileError, load_key_file};
pub use leftovers::{Leftover, Leftovers, Why};
pub use manifest::{Manifest, SourceFile};
pub use store::{MANIFEST, SnapshotStore, StoreError};
pub use write::{PublishError, write_snapshot};

/// The version of the snapshot's schema and layout; readers check it. Adding a table that
/// readers may ignore (`referrals`) leaves the existing tables and the manifest's fields as
/// they were, so it does not change the version.
pub const SCHEMA_VERSION: u32 = 1;
