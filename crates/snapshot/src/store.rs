//! Where snapshots live: a local folder or an object store URL (`file://`, `s3://`,
//! `memory://`), and which snapshots in it are committed.

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
    /// The object store failed.
    #[error("{location}: {source}")]
    Store {
        /// The store's location.
        location: String,
        /// The failure.
        source: object_store::Error,
    },
    /// A manifest that cannot be read.
    #[error("{path}: the manifest is not valid JSON of a snapshot: {source}")]
    Manifest {
        /// Its path.
        path: String,
        /// The failure.
        source: serde_json::Error,
    },
}

/// A folder or object-store prefix holding snapshots.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    store: Arc<dyn ObjectStore>,
    root: Path,
    location: String,
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
        let (store, root): (Arc<dyn ObjectStore>, Path) = if location.contains("://") {
            let url = url::Url::parse(location).map_err(|e| bad(e.to_string()))?;
            match url.scheme() {
                "s3" => {
                    let store = object_store::aws::AmazonS3Builder::from_env()
                        .with_url(location)
                        .build()
                        .map_err(|e| bad(e.to_string()))?;
                    (Arc::new(store), Path::from(url.path()))
                }
                "memory" => (
                    Arc::new(object_store::memory::InMemory::new()),
                    Path::from(url.path()),
                ),
                "file" => {
                    let dir = url
                        .to_file_path()
                        .map_err(|_| bad("not a local path".into()))?;
                    local(&dir).map_err(bad)?
                }
                other => return Err(bad(format!("the scheme `{other}` is not supported"))),
            }
        } else {
            local(std::path::Path::new(location)).map_err(bad)?
        };
        Ok(SnapshotStore {
            store,
            root,
            location: location.to_string(),
        })
    }

    /// A store over an existing object store (tests share one `InMemory` this way).
    pub fn with_store(store: Arc<dyn ObjectStore>, root: &str) -> Self {
        SnapshotStore {
            store,
            root: Path::from(root),
            location: format!("store:{root}"),
        }
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

    pub(crate) fn error(&self, source: object_store::Error) -> StoreError {
        StoreError::Store {
            location: self.location.clone(),
            source,
        }
    }

    /// Writes bytes at `relative`.
    pub async fn put(&self, relative: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.store
            .put(&self.path(relative), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Removes everything under `relative` (a snapshot's folder), manifest first.
    pub async fn remove_all(&self, relative: &str) -> Result<(), StoreError> {
        let manifest = self.path(&format!("{relative}/manifest.json"));
        match self.store.delete(&manifest).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(self.error(e)),
        }
        let prefix = self.path(relative);
        let found: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| self.error(e))?;
        for meta in found {
            match self.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        Ok(())
    }

    /// The committed snapshots (those with a manifest), oldest first.
    pub async fn committed(&self) -> Result<Vec<Manifest>, StoreError> {
        let listed: Vec<_> = self
            .store
            .list(Some(&self.root))
            .try_collect()
            .await
            .map_err(|e| self.error(e))?;
        let mut manifests = Vec::new();
        for meta in listed
            .iter()
            .filter(|m| m.location.filename() == Some("manifest.json"))
        {
            let bytes = self
                .store
                .get(&meta.location)
                .await
                .map_err(|e| self.error(e))?
                .bytes()
                .await
                .map_err(|e| self.error(e))?;
            let manifest: Manifest =
                serde_json::from_slice(&bytes).map_err(|source| StoreError::Manifest {
                    path: meta.location.to_string(),
                    source,
                })?;
            manifests.push(manifest);
        }
        manifests
            .sort_by(|a, b| (&a.created_at, &a.snapshot_id).cmp(&(&b.created_at, &b.snapshot_id)));
        Ok(manifests)
    }
}

fn local(dir: &std::path::Path) -> Result<(Arc<dyn ObjectStore>, Path), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the folder: {e}"))?;
    let store =
        object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string())?;
    Ok((Arc::new(store), Path::default()))
}
