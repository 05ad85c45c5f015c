//! Snapshots commit like a table format (docs/reliability.md): a replaced snapshot stays
//! readable until its replacement commits, what a killed publish leaves is named and cleaned,
//! and two publishers of one snapshot never leave it incomplete.

mod support;

use std::sync::Arc;
use std::time::Duration;

use engage_snapshot::faults::{Faults, FaultyStore};
use engage_snapshot::lock::{Holder, LOCK};
use engage_snapshot::{Leftover, PublishError, SnapshotStore, StoreError, Why};
use support::{files_under, ingested, publish, read_complete, read_latest, scratch, sources};

/// The id of the snapshot `support::publish` writes under `name`.
fn id_of(name: &str) -> String {
    engage_snapshot::write::snapshot_id(&sources(name), "test")
}

#[tokio::test]
async fn a_publish_commits_its_run_folder_and_the_manifest_lists_it() {
    let dir = scratch("commit");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let manifest = publish(&store, &ingested(5), "a").await.unwrap();
    assert_eq!(manifest.contacts, 5);
    let contacts = manifest.table_files("contacts");
    assert_eq!(contacts.len(), 1);
    let run = contacts[0].split('/').next().unwrap();
    assert!(run.starts_with("run-"), "{run}");
    assert_eq!(contacts[0], format!("{run}/contacts/part-00000.parquet"));
    let id = &manifest.snapshot_id;
    assert_eq!(
        files_under(&dir),
        vec![
            format!("{id}/manifest.json"),
            format!("{id}/{run}/contacts/part-00000.parquet"),
            format!("{id}/{run}/rejects/part-00000.parquet"),
        ]
    );
    assert_eq!(
        store.table_locations(&manifest, "contacts"),
        vec![format!(
            "{}/{id}/{run}/contacts/part-00000.parquet",
            std::fs::canonicalize(&dir).unwrap().display()
        )]
    );
    assert_eq!(read_complete(&store, &manifest).await, Ok((5, 0)));
    assert_eq!(store.leftovers().await.unwrap().files, vec![]);
}

#[tokio::test]
async fn replacing_a_snapshot_keeps_the_old_one_until_the_new_one_commits() {
    let dir = scratch("replace");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let old = publish(&store, &ingested(3), "a").await.unwrap();

    // The manifest's put fails: the new files were written, nothing was committed.
    let faulty = FaultyStore::new(
        store.object_store(),
        Faults {
            fail_every: Some(1),
            only_paths: Some("manifest.json".into()),
            only_op: Some("put"),
            ..Faults::default()
        },
    );
    let through_faults = SnapshotStore::with_store(faulty.clone(), "");
    let failed = publish(&through_faults, &ingested(8), "a")
        .await
        .unwrap_err();
    let message = failed.to_string();
    assert!(
        message.contains(&format!("{}/manifest.json", old.snapshot_id)),
        "{message}"
    );
    let (still, contacts) = read_latest(&store).await.unwrap().unwrap();
    assert_eq!((still, contacts), (old.clone(), 3));
    // The failed run removed what it wrote.
    assert_eq!(store.leftovers().await.unwrap().files, vec![]);
    let id = &old.snapshot_id;
    let mut expected: Vec<String> = old.files().map(|f| format!("{id}/{f}")).collect();
    expected.push(format!("{id}/manifest.json"));
    expected.sort();
    assert_eq!(files_under(&dir), expected);

    // Without faults the replacement commits, and the old version's files go.
    let new = publish(&store, &ingested(8), "a").await.unwrap();
    assert_eq!(new.snapshot_id, old.snapshot_id);
    assert_eq!(read_latest(&store).await.unwrap().unwrap().1, 8);
    let mut expected: Vec<String> = new.files().map(|f| format!("{id}/{f}")).collect();
    expected.push(format!("{id}/manifest.json"));
    expected.sort();
    assert_eq!(files_under(&dir), expected);
}

#[tokio::test]
async fn readers_always_find_a_complete_snapshot_while_it_is_replaced() {
    let dir = scratch("readers");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    publish(&store, &ingested(3), "a").await.unwrap();
    // Slow calls stretch the replacement out so that the readers run through all of it.
    let slow = FaultyStore::new(
        store.object_store(),
        Faults {
            delay: Some(Duration::from_millis(15)),
            ..Faults::default()
        },
    );
    let slow = SnapshotStore::with_store(slow, "");
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..3 {
        let store = store.clone();
        let done = done.clone();
        readers.push(tokio::spawn(async move {
            let mut seen = std::collections::BTreeMap::<u64, u32>::new();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let before = store.committed().await.unwrap();
                assert_eq!(before.len(), 1, "exactly one committed snapshot");
                match read_complete(&store, &before[0]).await {
                    Ok((contacts, _)) => *seen.entry(contacts).or_default() += 1,
                    // The documented race: a reader that took the old manifest just before the
                    // replacement committed finds its files removed; the manifest it reads
                    // again is then the new one.
                    Err(e) => {
                        let after = store.committed().await.unwrap();
                        assert_ne!(after, before, "{e}: files missing, manifest unchanged");
                    }
                }
            }
            seen
        }));
    }
    for round in 0..4 {
        let calls = if round % 2 == 0 { 9 } else { 3 };
        publish(&slow, &ingested(calls), "a").await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    for reader in readers {
        let seen = reader.await.unwrap();
        assert!(seen.keys().all(|n| [3, 9].contains(n)), "{seen:?}");
        assert!(!seen.is_empty());
    }
    assert_eq!(read_latest(&store).await.unwrap().unwrap().1, 3);
    assert_eq!(store.leftovers().await.unwrap().files, vec![]);
}

/// A process id that is not running: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn write(dir: &std::path::Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn what_killed_publishes_leave_is_named_and_cleaned() {
    let dir = scratch("leftovers");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let committed = publish(&store, &ingested(4), "a").await.unwrap();
    let a = committed.snapshot_id.clone();
    let b = id_of("b");
    // A run killed while replacing `a`: its data files, a half-written file and manifest, and
    // its lock (its process is gone).
    write(
        &dir,
        &format!("{a}/run-killed/contacts/part-00000.parquet"),
        "x",
    );
    write(
        &dir,
        &format!("{a}/run-killed/rejects/part-00000.parquet#1"),
        "x",
    );
    write(&dir, &format!("{a}/manifest.json#1"), "{");
    let stale = Holder {
        pid: dead_pid(),
        ..Holder::me("run-killed")
    };
    write(
        &dir,
        &format!("{a}/{LOCK}"),
        &serde_json::to_string(&stale).unwrap(),
    );
    // A first publish of `b` killed before its manifest.
    write(
        &dir,
        &format!("{b}/run-first/contacts/part-00000.parquet"),
        "x",
    );
    // Not a snapshot: never touched.
    write(&dir, "notes/readme.txt", "kept");

    let found = store.leftovers().await.unwrap();
    let leftover = |path: String, why| Leftover { path, why };
    assert_eq!(found.busy, Vec::<String>::new());
    let mut expected = vec![
        leftover(format!("{a}/{LOCK}"), Why::StaleLock),
        leftover(format!("{a}/manifest.json#1"), Why::HalfWritten),
        leftover(
            format!("{a}/run-killed/contacts/part-00000.parquet"),
            Why::NotListed,
        ),
        leftover(
            format!("{a}/run-killed/rejects/part-00000.parquet#1"),
            Why::HalfWritten,
        ),
        leftover(
            format!("{b}/run-first/contacts/part-00000.parquet"),
            Why::Uncommitted,
        ),
    ];
    expected.sort();
    assert_eq!(found.files, expected);
    // Cleaning takes over the stale lock; the lock itself is gone when it is given back.
    let cleaned = store.clean_leftovers().await.unwrap();
    assert_eq!(cleaned.files.len(), 4, "{cleaned:?}");
    assert_eq!(store.leftovers().await.unwrap(), Default::default());
    let mut expected: Vec<String> = committed.files().map(|f| format!("{a}/{f}")).collect();
    expected.push(format!("{a}/manifest.json"));
    expected.push("notes/readme.txt".into());
    expected.sort();
    assert_eq!(files_under(&dir), expected);
    assert_eq!(read_latest(&store).await.unwrap().unwrap().1, 4);
}

#[tokio::test]
async fn a_publish_in_progress_blocks_a_second_publish_and_is_not_cleaned() {
    let dir = scratch("busy");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let a = id_of("a");
    // A running process on this host holds it.
    let mut running = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let live = Holder {
        pid: running.id(),
        ..Holder::me("run-live")
    };
    write(
        &dir,
        &format!("{a}/{LOCK}"),
        &serde_json::to_string(&live).unwrap(),
    );
    write(
        &dir,
        &format!("{a}/run-live/contacts/part-00000.parquet"),
        "x",
    );

    let refused = publish(&store, &ingested(2), "a").await.unwrap_err();
    let message = refused.to_string();
    assert!(matches!(refused, PublishError::Store(StoreError::Busy(_))));
    assert!(
        message.contains(&format!("pid {} on {}", live.pid, live.host)) && message.contains(LOCK),
        "{message}"
    );
    let found = store.leftovers().await.unwrap();
    assert_eq!((found.files, found.busy.clone()), (vec![], vec![a.clone()]));
    let cleaned = store.clean_leftovers().await.unwrap();
    assert_eq!((cleaned.files, cleaned.busy), (vec![], vec![a.clone()]));
    assert!(
        dir.join(format!("{a}/run-live/contacts/part-00000.parquet"))
            .exists()
    );

    // A lock another host holds is not judged from here either.
    let elsewhere = Holder {
        host: "another-host".into(),
        pid: dead_pid(),
        ..live
    };
    write(
        &dir,
        &format!("{a}/{LOCK}"),
        &serde_json::to_string(&elsewhere).unwrap(),
    );
    let refused = publish(&store, &ingested(2), "a").await.unwrap_err();
    assert!(refused.to_string().contains("on another-host"), "{refused}");
    // The operator who knows it is dead breaks it; then the publish goes through.
    assert_eq!(store.break_lock(&a).await.unwrap(), Some(elsewhere));
    publish(&store, &ingested(2), "a").await.unwrap();
    assert_eq!(read_latest(&store).await.unwrap().unwrap().1, 2);
    running.kill().unwrap();
    running.wait().unwrap();
}

#[tokio::test]
async fn a_lock_this_process_failed_to_release_is_stale() {
    let dir = scratch("own-lock");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let a = id_of("a");
    let mine = Holder::me("run-released-badly");
    write(
        &dir,
        &format!("{a}/{LOCK}"),
        &serde_json::to_string(&mine).unwrap(),
    );
    assert!(mine.is_stale());
    publish(&store, &ingested(2), "a").await.unwrap();
    assert_eq!(store.leftovers().await.unwrap(), Default::default());
}

#[tokio::test]
async fn a_stale_lock_is_taken_over_by_the_next_publish() {
    let dir = scratch("stale");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let a = id_of("a");
    let stale = Holder {
        pid: dead_pid(),
        ..Holder::me("run-killed")
    };
    write(
        &dir,
        &format!("{a}/{LOCK}"),
        &serde_json::to_string(&stale).unwrap(),
    );
    write(
        &dir,
        &format!("{a}/run-killed/contacts/part-00000.parquet#1"),
        "x",
    );
    let manifest = publish(&store, &ingested(2), "a").await.unwrap();
    assert_eq!(read_latest(&store).await.unwrap().unwrap().1, 2);
    let mut expected: Vec<String> = manifest.files().map(|f| format!("{a}/{f}")).collect();
    expected.push(format!("{a}/manifest.json"));
    expected.sort();
    assert_eq!(files_under(&dir), expected);
}

#[tokio::test]
async fn a_publish_whose_lock_is_broken_commits_nothing_and_removes_nothing() {
    let dir = scratch("broken");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let old = publish(&store, &ingested(3), "a").await.unwrap();
    let a = old.snapshot_id.clone();
    // Slow calls; the lock is broken and taken by "another publish" while this one writes.
    let slow = FaultyStore::new(
        store.object_store(),
        Faults {
            delay: Some(Duration::from_millis(100)),
            ..Faults::default()
        },
    );
    let slow = SnapshotStore::with_store(slow, "");
    // The lock is taken at 100 ms; the data files are written from then to 300 ms.
    let writing = tokio::spawn(async move { publish(&slow, &ingested(8), "a").await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(store.break_lock(&a).await.unwrap().is_some());
    let other = Holder::me("run-other");
    write(
        &dir,
        &format!("{a}/{LOCK}"),
        &serde_json::to_string(&other).unwrap(),
    );
    write(
        &dir,
        &format!("{a}/run-other/contacts/part-00000.parquet"),
        "x",
    );
    let error = writing.await.unwrap().unwrap_err();
    assert!(matches!(error, PublishError::LockLost(_)), "{error}");
    assert!(error.to_string().contains("run-other"), "{error}");
    assert_eq!(read_latest(&store).await.unwrap().unwrap(), (old, 3));
    // The other run's file and lock are untouched.
    assert!(
        dir.join(format!("{a}/run-other/contacts/part-00000.parquet"))
            .exists()
    );
    assert_eq!(
        engage_snapshot::lock::read_holder(&store, &a)
            .await
            .unwrap(),
        Some(other)
    );
}
