//! Where snapshots live: a local folder or an object store URL (`file://`, `s3://`,
//! `memory://`), which snapshots in it are committed, and the files a committed snapshot's
//! manifest lists (the only files a reader may read).

use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::manifest::Manifest;

/// A store that cannot be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The location is not a path or a supported URL.
    #[error(
        "`{location}` is not a folder or a supported URL (file://, s3://BUCKET/PREFIX, memory://): {why}"
    )]
    Location {
        /// As given.
        location: String,
        /// Why.
        why: String,
    },
    /// The object store failed on an object (or a listing under a prefix).
    #[error("{location}: {object}: {source}")]
    Store {
        /// The store's location.
        location: String,
        /// The object or prefix, from the store's root.
        object: String,
        /// The failure.
        source: object_store::Error,
    },
    /// Another publish of the same snapshot id holds its lock.
    #[error("{0}")]
    Busy(String),
    /// A local file that cannot be removed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A manifest that cannot be read.
    #[error("{path}: the manifest is not valid JSON of a snapshot: {source}")]
    Manifest {
        /// Its path.
        path: String,
        /// The failure.
        source: serde_json::Error,
    },
    /// A manifest that reads but names another snapshot or lists a file outside its
    /// snapshot's folder (readers join the listed names to the folder's path).
    #[error("{path}: the manifest {why}")]
    BadManifest {
        /// Its path.
        path: String,
        /// What is wrong, quoting the value.
        why: String,
    },
}

/// A folder or object-store prefix holding snapshots.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    store: Arc<dyn ObjectStore>,
    root: Path,
    location: String,
    /// The folder, for a folder store: its half-written files (`name#1`) are not listed by
    /// the object store, so [`SnapshotStore::leftovers`] looks for them on disk.
    local_dir: Option<std::path::PathBuf>,
    /// The size of the parts of a data file's upload (the last may be smaller).
    part_size: usize,
}

/// The default part size of uploads: object_store's `BufWriter` default, above S3's 5 MiB
/// minimum.
pub const PART_SIZE: usize = 10 * 1024 * 1024;

/// The object store a URL names and the path in it: the one place Engage turns a URL into a
/// store, for the snapshot store and for `engage sql --data`/`--table`. `s3://bucket/path`
/// (the usual `AWS_*` variables configure the client: `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`,
/// `AWS_REGION`, credentials) and `memory:///path`; other schemes are refused by name.
pub fn object_store_for(url: &url::Url) -> Result<(Arc<dyn ObjectStore>, Path), String> {
    match url.scheme() {
        "s3" => {
            let store = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url.as_str())
                .build()
                .map_err(|e| e.to_string())?;
            Ok((Arc::new(store), Path::from(url.path())))
        }
        "memory" => Ok((
            Arc::new(object_store::memory::InMemory::new()),
            Path::from(url.path()),
        )),
        other => Err(format!(
            "the scheme `{other}` is not supported (a folder, file://, s3:// or memory://)"
        )),
    }
}

impl SnapshotStore {
    /// Opens a local folder (created if missing) or an object store URL. For `s3://` the
    /// usual `AWS_*` variables configure the client (`AWS_ENDPOINT`, `AWS_ALLOW_HTTP`,
    /// `AWS_REGION`, credentials).
    pub fn open(location: &str) -> Result<Self, StoreError> {
        let bad = |why: String| StoreError::Location {
            location: location.to_string(),
            why,
        };
        let mut local_dir = None;
        let (store, root): (Arc<dyn ObjectStore>, Path) = if location.contains("://") {
            let url = url::Url::parse(location).map_err(|e| bad(e.to_string()))?;
            if url.scheme() == "file" {
                let dir = url
                    .to_file_path()
                    .map_err(|_| bad("not a local path".into()))?;
                let (store, root, dir) = local(&dir).map_err(bad)?;
                local_dir = Some(dir);
                (store, root)
            } else {
                object_store_for(&url).map_err(bad)?
            }
        } else {
            let (store, root, dir) = local(std::path::Path::new(location)).map_err(bad)?;
            local_dir = Some(dir);
            (store, root)
        };
        Ok(SnapshotStore {
            store,
            root,
            location: location.to_string(),
            local_dir,
            part_size: PART_SIZE,
        })
    }

    /// A store over an existing object store (tests share one `InMemory` this way).
    pub fn with_store(store: Arc<dyn ObjectStore>, root: &str) -> Self {
        SnapshotStore {
            store,
            root: Path::from(root),
            location: format!("store:{root}"),
            local_dir: None,
            part_size: PART_SIZE,
        }
    }

    /// Uploads data files in parts of `bytes` (tests use small parts to exercise multipart
    /// uploads; S3 needs at least 5 MiB).
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes;
        self
    }

    /// The size of the parts of a data file's upload.
    pub fn part_size(&self) -> usize {
        self.part_size
    }

    /// The folder of a folder store (`None` for object stores).
    pub fn local_dir(&self) -> Option<&std::path::Path> {
        self.local_dir.as_deref()
    }

    /// The object store.
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// The path of `relative` under the root.
    pub fn path(&self, relative: &str) -> Path {
        let mut path = self.root.clone();
        for part in relative.split('/').filter(|p| !p.is_empty()) {
            path = path.clone().join(part);
        }
        path
    }

    /// The location as given.
    pub fn location(&self) -> &str {
        &self.location
    }

    pub(crate) fn error(&self, object: &Path, source: object_store::Error) -> StoreError {
        StoreError::Store {
            location: self.location.clone(),
            object: object.to_string(),
            source,
        }
    }

    /// Writes bytes at `relative`.
    pub async fn put(&self, relative: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let path = self.path(relative);
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.error(&path, e))
    }

    /// Reads the object at `relative`; `None` when there is none.
    pub async fn get(&self, relative: &str) -> Result<Option<bytes::Bytes>, StoreError> {
        let path = self.path(relative);
        match self.store.get(&path).await {
            Ok(found) => found
                .bytes()
                .await
                .map(Some)
                .map_err(|e| self.error(&path, e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(&path, e)),
        }
    }

    /// Everything under `relative`, as paths relative to the root.
    pub async fn list(&self, relative: &str) -> Result<Vec<String>, StoreError> {
        let prefix = self.path(relative);
        let listed: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| self.error(&prefix, e))?;
        Ok(listed
            .into_iter()
            .filter_map(|m| self.relative(&m.location))
            .collect())
    }

    /// Deletes the object at `relative`; one already gone is not an error.
    pub async fn delete(&self, relative: &str) -> Result<(), StoreError> {
        let path = self.path(relative);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(&path, e)),
        }
    }

    /// `path` relative to the root, `None` when it is not under it.
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        let parts: Vec<_> = path
            .prefix_match(&self.root)?
            .map(|p| p.as_ref().to_string())
            .collect();
        Some(parts.join("/"))
    }

    /// The committed manifest of snapshot `id`, `None` when it has none.
    pub async fn manifest(&self, id: &str) -> Result<Option<Manifest>, StoreError> {
        let relative = format!("{id}/{MANIFEST}");
        let Some(bytes) = self.get(&relative).await? else {
            return Ok(None);
        };
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|source| StoreError::Manifest {
                path: self.path(&relative).to_string(),
                source,
            })?;
        manifest.check(id).map_err(|why| StoreError::BadManifest {
            path: self.path(&relative).to_string(),
            why,
        })?;
        Ok(Some(manifest))
    }

    /// The ids of the snapshot folders in the store (committed or not).
    pub async fn ids(&self) -> Result<Vec<String>, StoreError> {
        let listed = self
            .store
            .list_with_delimiter(Some(&self.root))
            .await
            .map_err(|e| self.error(&self.root, e))?;
        let mut ids: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// The committed snapshots (those with a manifest at `<id>/manifest.json`), oldest first.
    pub async fn committed(&self) -> Result<Vec<Manifest>, StoreError> {
        let mut manifests = Vec::new();
        for id in self.ids().await? {
            if let Some(manifest) = self.manifest(&id).await? {
                manifests.push(manifest);
            }
        }
        manifests
            .sort_by(|a, b| (&a.created_at, &a.snapshot_id).cmp(&(&b.created_at, &b.snapshot_id)));
        Ok(manifests)
    }

    /// The latest committed snapshot, if any.
    pub async fn latest(&self) -> Result<Option<Manifest>, StoreError> {
        Ok(self.committed().await?.pop())
    }

    /// Where each file of `table` in the committed snapshot `manifest` is, as a reader opens
    /// it: an absolute path for a folder store, a URL (`s3://bucket/prefix/...`) otherwise.
    /// Read exactly these: a snapshot's folder may also hold files of a publish in progress
    /// or of one that was killed.
    pub fn table_locations(&self, manifest: &Manifest, table: &str) -> Vec<String> {
        let base = match &self.local_dir {
            Some(dir) => dir.to_string_lossy().into_owned(),
            None => self.location.trim_end_matches('/').to_string(),
        };
        manifest
            .table_files(table)
            .iter()
            .map(|file| format!("{base}/{}/{file}", manifest.snapshot_id))
            .collect()
    }

    /// The object paths (for [`SnapshotStore::object_store`]) of `table`'s files in the
    /// committed snapshot `manifest`.
    pub fn table_paths(&self, manifest: &Manifest, table: &str) -> Vec<Path> {
        manifest
            .table_files(table)
            .iter()
            .map(|file| self.path(&format!("{}/{file}", manifest.snapshot_id)))
            .collect()
    }
}

/// The name of a snapshot's manifest, in its folder: the snapshot is committed once it exists.
pub const MANIFEST: &str = "manifest.json";

type Local = (Arc<dyn ObjectStore>, Path, std::path::PathBuf);

/// A folder store. Its puts write a temporary file (`name#N`) and rename it into place, so a
/// manifest is either all there or absent; deleting a folder's last file removes the folder.
fn local(dir: &std::path::Path) -> Result<Local, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the folder: {e}"))?;
    let dir = std::fs::canonicalize(dir).map_err(|e| e.to_string())?;
    let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)
        .map_err(|e| e.to_string())?
        .with_automatic_cleanup(true);
    Ok((Arc::new(store), Path::default(), dir))
}
