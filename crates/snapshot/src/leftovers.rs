//! Leftovers: files in a snapshot store that no committed manifest lists. A publish that was
//! killed leaves its run's folder (and, on the folder store, half-written `name#N` files);
//! a snapshot id with no manifest at all is entirely leftover. Readers never see them (they
//! read only what a manifest lists); [`SnapshotStore::clean_leftovers`] removes them.
//!
//! Cleaning a snapshot id takes its publish lock first, so it never deletes the files of a
//! publish in progress: an id whose lock is held by a live publish is skipped and reported.

use std::collections::BTreeSet;

use crate::lock::{LOCK, PublishLock, read_holder};
use crate::store::{MANIFEST, SnapshotStore, StoreError};

/// Why a file is a leftover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Why {
    /// The snapshot id has no manifest: nothing there was ever committed.
    Uncommitted,
    /// The id's committed manifest does not list it: an older version, or a killed run.
    NotListed,
    /// A folder store's temporary file (`name#N`) of a write that never finished.
    HalfWritten,
    /// The publish lock of a process that is gone, or the marker of a takeover of one.
    StaleLock,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Why::Uncommitted => "no manifest in its snapshot folder",
            Why::NotListed => "not listed by its snapshot's manifest",
            Why::HalfWritten => "a half-written temporary file",
            Why::StaleLock => "the lock of a publish that is gone",
        })
    }
}

/// One leftover file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leftover {
    /// Its path relative to the store's root (`<id>/...`).
    pub path: String,
    /// Why it is a leftover.
    pub why: Why,
}

/// What [`SnapshotStore::leftovers`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Leftovers {
    /// The leftover files, by path.
    pub files: Vec<Leftover>,
    /// Snapshot ids being published now (a live lock): not looked into.
    pub busy: Vec<String>,
}

/// Whether `name` is a snapshot id (16 lowercase hex digits): the only folders Engage looks
/// into or cleans, so a store's root may hold other things safely.
pub fn is_snapshot_id(name: &str) -> bool {
    name.len() == 16
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `name` is a folder store's temporary file name (`file#123`).
fn is_staged(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl SnapshotStore {
    /// The leftover files of every snapshot id, without changing anything.
    pub async fn leftovers(&self) -> Result<Leftovers, StoreError> {
        let mut found = Leftovers::default();
        for id in self
            .ids()
            .await?
            .into_iter()
            .filter(|id| is_snapshot_id(id))
        {
            match read_holder(self, &id).await? {
                Some(holder) if !holder.is_stale() => found.busy.push(id),
                Some(_) => {
                    found.files.push(Leftover {
                        path: format!("{id}/{LOCK}"),
                        why: Why::StaleLock,
                    });
                    found.files.extend(self.leftovers_of(&id).await?);
                }
                None => found.files.extend(self.leftovers_of(&id).await?),
            }
        }
        found.files.sort();
        Ok(found)
    }

    /// Removes every leftover file, snapshot id by snapshot id, each under its publish lock;
    /// returns what it removed, and the ids skipped because a publish holds them.
    pub async fn clean_leftovers(&self) -> Result<Leftovers, StoreError> {
        let mut done = Leftovers::default();
        let run = crate::write::new_run("clean");
        for id in self
            .ids()
            .await?
            .into_iter()
            .filter(|id| is_snapshot_id(id))
        {
            let lock = match PublishLock::acquire(self, &id, &run).await {
                Ok(lock) => lock,
                Err(StoreError::Busy(_)) => {
                    done.busy.push(id);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let removed = self.remove_leftovers_of(&id, &lock).await;
            lock.release(self).await?;
            done.files.extend(removed?);
        }
        done.files.sort();
        Ok(done)
    }

    /// Removes the leftovers of snapshot `id`; the caller holds its publish lock, `lock`
    /// (whose own takeover marker stays until the lock is released).
    pub(crate) async fn remove_leftovers_of(
        &self,
        id: &str,
        lock: &PublishLock,
    ) -> Result<Vec<Leftover>, StoreError> {
        let mut leftovers = self.leftovers_of(id).await?;
        leftovers.retain(|l| Some(l.path.as_str()) != lock.takeover_marker());
        for leftover in &leftovers {
            match (leftover.why, &self.local_dir()) {
                (Why::HalfWritten, Some(dir)) => {
                    remove_local(dir, &leftover.path).map_err(|source| StoreError::Io {
                        path: dir.join(&leftover.path),
                        source,
                    })?
                }
                _ => self.delete(&leftover.path).await?,
            }
        }
        Ok(leftovers)
    }

    /// The leftovers of snapshot `id` (whoever holds its lock).
    async fn leftovers_of(&self, id: &str) -> Result<Vec<Leftover>, StoreError> {
        let manifest = self.manifest(id).await?;
        let listed: BTreeSet<String> = manifest
            .iter()
            .flat_map(|m| m.files())
            .map(|file| format!("{id}/{file}"))
            .collect();
        let why = if manifest.is_some() {
            Why::NotListed
        } else {
            Why::Uncommitted
        };
        let mut found = Vec::new();
        for path in self.list(id).await? {
            let name = &path[id.len() + 1..];
            if name == LOCK || (name == MANIFEST && manifest.is_some()) || listed.contains(&path) {
                continue;
            }
            let why = if name.starts_with(&format!("{LOCK}.")) {
                Why::StaleLock
            } else {
                why
            };
            found.push(Leftover { path, why });
        }
        if let Some(dir) = self.local_dir() {
            let mut staged = Vec::new();
            staged_files(&dir.join(id), &mut staged);
            for file in staged {
                let relative = file.strip_prefix(dir).expect("under the folder");
                let path = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push(Leftover {
                    path,
                    why: Why::HalfWritten,
                });
            }
        }
        found.sort();
        Ok(found)
    }
}

/// The folder store's temporary files under `dir`.
fn staged_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            staged_files(&path, found);
        } else if path
            .file_name()
            .is_some_and(|n| is_staged(&n.to_string_lossy()))
        {
            found.push(path);
        }
    }
}

/// Removes `relative` under `dir`, then its parent folders while they are empty.
fn remove_local(dir: &std::path::Path, relative: &str) -> std::io::Result<()> {
    let path = dir.join(relative);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut parent = path.parent();
    while let Some(folder) = parent {
        if folder == dir || std::fs::remove_dir(folder).is_err() {
            break;
        }
        parent = folder.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_ids_are_sixteen_lowercase_hex_digits() {
        assert!(is_snapshot_id("0123456789abcdef"));
        assert!(!is_snapshot_id("0123456789ABCDEF"));
        assert!(!is_snapshot_id("0123456789abcde"));
        assert!(!is_snapshot_id("notes-0123456789"));
    }

    #[test]
    fn staged_names_end_in_a_hash_and_digits() {
        assert!(is_staged("part-00000.parquet#1"));
        assert!(is_staged("manifest.json#12"));
        assert!(!is_staged("manifest.json"));
        assert!(!is_staged("a#b"));
        assert!(!is_staged("a#"));
    }
}
