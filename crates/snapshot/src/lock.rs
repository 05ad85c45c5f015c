//! The publish lock: one publish of a snapshot id at a time, so that one run's clean-up never
//! deletes files another run's manifest is about to list.
//!
//! The lock is the object `<id>/publish.lock`, created with a conditional put
//! (`PutMode::Create`: a hard link on the folder store, `If-None-Match: *` on S3), so two
//! publishers cannot both create it. It holds who took it: run, host, pid and time.
//!
//! A lock outlives a publish that was killed. It is stale, and taken over, when its host is
//! this host and its process is gone (`/proc/<pid>` absent or a zombie, on Linux), or is this
//! process but no longer holds that run (its release failed). A lock taken on another
//! host cannot be judged from here: the publish fails naming the holder, and the operator who
//! knows that publish is dead removes the lock ([`SnapshotStore::break_lock`]). Time alone never
//! breaks a lock: a publish of 13 million contacts takes minutes and has no heartbeat.
//!
//! Taking over a stale lock is itself guarded: the taker first creates
//! `<id>/publish.lock.<stale run>.takeover` with `PutMode::Create`, so of two publishers that
//! found the same stale lock only one replaces it; the other sees a live lock and fails.

use object_store::{PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use crate::store::{SnapshotStore, StoreError};

/// The lock's name in a snapshot's folder.
pub const LOCK: &str = "publish.lock";

/// Who holds a publish lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The run: the folder its files go to (`<id>/<run>/`).
    pub run: String,
    /// The host it runs on.
    pub host: String,
    /// Its process id.
    pub pid: u32,
    /// When it took the lock (RFC 3339, UTC).
    pub since: String,
}

impl Holder {
    /// This process, for `run`.
    pub fn me(run: &str) -> Self {
        Holder {
            run: run.to_string(),
            host: hostname(),
            pid: std::process::id(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }

    /// Whether the holder is known to be gone: same host, and no such process, or this
    /// process holding no such run (a lock whose release failed).
    pub fn is_stale(&self) -> bool {
        if self.host != hostname() {
            return false;
        }
        if self.pid == std::process::id() {
            return !ACTIVE.lock().unwrap().contains(&self.run);
        }
        !process_alive(self.pid)
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {} (pid {} on {}, since {})",
            self.run, self.pid, self.host, self.since
        )
    }
}

/// This machine's name.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Whether process `pid` exists on this host. Where that cannot be told (no `/proc`), every
/// process counts as alive, so no lock is ever taken over wrongly.
fn process_alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    match std::fs::read_to_string(proc.join(pid.to_string()).join("stat")) {
        // A zombie (state Z) has exited; it only waits for its parent to reap it.
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// The runs this process holds a lock for.
static ACTIVE: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// A held publish lock; [`PublishLock::release`] gives it back. Dropped without a release
/// (or when the release failed), the lock left in the store is stale: the next publish on
/// this host takes it over.
#[derive(Debug)]
pub struct PublishLock {
    id: String,
    holder: Holder,
    took_over: Option<String>,
}

fn lock_path(id: &str) -> String {
    format!("{id}/{LOCK}")
}

fn takeover_path(id: &str, stale_run: &str) -> String {
    format!("{id}/{LOCK}.{stale_run}.takeover")
}

fn busy(store: &SnapshotStore, id: &str, holder: &Holder) -> StoreError {
    StoreError::Busy(format!(
        "snapshot {id} in {} is being published by {holder}; wait for it to finish. If that \
         publish is dead (killed on another host), remove {} and publish again",
        store.location(),
        store.path(&lock_path(id))
    ))
}

impl Drop for PublishLock {
    fn drop(&mut self) {
        ACTIVE.lock().unwrap().remove(&self.holder.run);
    }
}

impl PublishLock {
    fn held(id: &str, holder: Holder, took_over: Option<String>) -> Self {
        ACTIVE.lock().unwrap().insert(holder.run.clone());
        PublishLock {
            id: id.to_string(),
            holder,
            took_over,
        }
    }

    /// Takes the lock of snapshot `id` for `run`, taking over a stale one; fails with
    /// [`StoreError::Busy`] naming the holder when another live publish has it.
    pub async fn acquire(store: &SnapshotStore, id: &str, run: &str) -> Result<Self, StoreError> {
        let me = Holder::me(run);
        let json = serde_json::to_vec_pretty(&me).expect("a holder serialises");
        // A few rounds: the lock may vanish or change hands between our reads.
        for _ in 0..5 {
            if create(store, &lock_path(id), json.clone()).await? {
                return Ok(PublishLock::held(id, me, None));
            }
            let Some(holder) = read_holder(store, id).await? else {
                continue; // released meanwhile: try again
            };
            if holder.run == me.run && holder.host == me.host && holder.pid == me.pid {
                // Our own create landed though it was answered with an error and retried.
                return Ok(PublishLock::held(id, holder, None));
            }
            if !holder.is_stale() {
                return Err(busy(store, id, &holder));
            }
            let takeover = takeover_path(id, &holder.run);
            if !create(store, &takeover, json.clone()).await? {
                // Another publisher is taking over the same stale lock.
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                match read_holder(store, id).await? {
                    Some(now) if now.run != holder.run => return Err(busy(store, id, &now)),
                    _ => continue,
                }
            }
            // We alone took over this stale run; replace its lock unless it changed meanwhile.
            if read_holder(store, id).await?.as_ref() == Some(&holder) {
                store.put(&lock_path(id), json.clone()).await?;
                return Ok(PublishLock::held(id, me, Some(takeover)));
            }
            store.delete(&takeover).await?;
        }
        Err(StoreError::Busy(format!(
            "snapshot {id} in {}: the publish lock {} kept changing hands; try again",
            store.location(),
            store.path(&lock_path(id))
        )))
    }

    /// The marker of the stale lock this one took over, if it did.
    pub fn takeover_marker(&self) -> Option<&str> {
        self.took_over.as_deref()
    }

    /// Who holds it (this run).
    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// Fails unless the lock is still ours (checked just before committing).
    pub async fn check(&self, store: &SnapshotStore) -> Result<(), StoreError> {
        match read_holder(store, &self.id).await? {
            Some(holder) if holder == self.holder => Ok(()),
            Some(other) => Err(StoreError::Busy(format!(
                "snapshot {} in {}: the publish lock was taken by {other} while this publish \
                 ran; nothing was committed",
                self.id,
                store.location()
            ))),
            None => Err(StoreError::Busy(format!(
                "snapshot {} in {}: the publish lock was removed while this publish ran; \
                 nothing was committed",
                self.id,
                store.location()
            ))),
        }
    }

    /// Gives the lock back (only if it is still ours).
    pub async fn release(self, store: &SnapshotStore) -> Result<(), StoreError> {
        if read_holder(store, &self.id).await?.as_ref() == Some(&self.holder) {
            store.delete(&lock_path(&self.id)).await?;
        }
        if let Some(takeover) = &self.took_over {
            store.delete(takeover).await?;
        }
        Ok(())
    }
}

/// Who holds the lock of snapshot `id`, if anyone.
pub async fn read_holder(store: &SnapshotStore, id: &str) -> Result<Option<Holder>, StoreError> {
    let Some(bytes) = store.get(&lock_path(id)).await? else {
        return Ok(None);
    };
    // A lock that does not parse (written by something else) is held by an unknown process.
    Ok(Some(serde_json::from_slice(&bytes).unwrap_or(Holder {
        run: "unknown".into(),
        host: "unknown".into(),
        pid: 0,
        since: "unknown".into(),
    })))
}

/// Creates `relative` only if it does not exist; `false` when it does.
async fn create(store: &SnapshotStore, relative: &str, bytes: Vec<u8>) -> Result<bool, StoreError> {
    let options = PutOptions {
        mode: PutMode::Create,
        ..Default::default()
    };
    let path = store.path(relative);
    match store
        .object_store()
        .put_opts(&path, PutPayload::from(bytes), options)
        .await
    {
        Ok(_) => Ok(true),
        Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
        // S3 answers a lost race on If-None-Match with 412 Precondition Failed.
        Err(object_store::Error::Precondition { .. }) => Ok(false),
        Err(e) => Err(store.error(&path, e)),
    }
}

impl SnapshotStore {
    /// Removes the publish lock of snapshot `id`, whoever holds it, and says who did: for a
    /// lock left by a publish killed on another host, which cannot be judged stale from here.
    /// Only for an operator who knows that publish is dead: breaking a live publish's lock
    /// makes it fail before committing (it checks its lock first), or lets a clean-up remove
    /// its files.
    pub async fn break_lock(&self, id: &str) -> Result<Option<Holder>, StoreError> {
        let holder = read_holder(self, id).await?;
        if holder.is_some() {
            self.delete(&lock_path(id)).await?;
        }
        Ok(holder)
    }
}
