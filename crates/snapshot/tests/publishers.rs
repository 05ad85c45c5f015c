//! Two publishers at once, against one folder store: of the same snapshot, both succeed (one
//! after the other) or one fails naming the other; of different snapshots, both succeed. The
//! latest committed snapshot always reads completely and nothing is left over.

mod support;

use std::time::Duration;

use engage_snapshot::faults::{Faults, FaultyStore};
use engage_snapshot::{PublishError, SnapshotStore, StoreError};
use support::{ingested, publish, read_latest, scratch};

/// A store over `dir` whose calls take `delay` each, so that two publishes overlap.
fn slow_store(dir: &std::path::Path, delay: Duration) -> SnapshotStore {
    let folder = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    let slow = FaultyStore::new(
        folder.object_store(),
        Faults {
            delay: Some(delay),
            ..Faults::default()
        },
    );
    SnapshotStore::with_store(slow, "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_publishers_of_the_same_snapshot() {
    let dir = scratch("same-id");
    let plain = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    publish(&plain, &ingested(2), "a").await.unwrap();
    let (mut both, mut one_refused) = (0, 0);
    for round in 0..12u64 {
        let first = slow_store(&dir, Duration::from_millis(3));
        let second = slow_store(&dir, Duration::from_millis(2 + round % 3));
        let one = tokio::spawn(async move { publish(&first, &ingested(5), "a").await });
        let two = tokio::spawn(async move { publish(&second, &ingested(7), "a").await });
        let results = [one.await.unwrap(), two.await.unwrap()];
        let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        for error in &refused {
            assert!(
                matches!(error, PublishError::Store(StoreError::Busy(_))),
                "{error}"
            );
            assert!(
                error.to_string().contains("is being published by run run-"),
                "{error}"
            );
        }
        match refused.len() {
            0 => both += 1,
            1 => one_refused += 1,
            _ => panic!("both publishers failed: {results:?}"),
        }
        let (latest, contacts) = read_latest(&plain).await.unwrap().unwrap();
        let committed: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        // The latest is one of the committed versions, complete.
        assert!(committed.contains(&&latest), "{latest:?}");
        assert!([5, 7].contains(&contacts));
        assert_eq!(plain.leftovers().await.unwrap(), Default::default());
    }
    assert_eq!(both + one_refused, 12);
    // Overlapping publishes of one id: at least one round has one refused.
    assert!(one_refused > 0, "the publishes never overlapped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_publishers_of_different_snapshots_both_commit() {
    let dir = scratch("other-ids");
    let plain = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    for _ in 0..4 {
        let first = slow_store(&dir, Duration::from_millis(2));
        let second = slow_store(&dir, Duration::from_millis(2));
        let one = tokio::spawn(async move { publish(&first, &ingested(5), "a").await });
        let two = tokio::spawn(async move { publish(&second, &ingested(7), "b").await });
        let (one, two) = (one.await.unwrap().unwrap(), two.await.unwrap().unwrap());
        assert_ne!(one.snapshot_id, two.snapshot_id);
        let committed = plain.committed().await.unwrap();
        assert_eq!(committed.len(), 2);
        for manifest in &committed {
            let (contacts, _) = support::read_complete(&plain, manifest).await.unwrap();
            assert_eq!(
                contacts,
                if manifest.snapshot_id == one.snapshot_id {
                    5
                } else {
                    7
                }
            );
        }
        assert_eq!(plain.leftovers().await.unwrap(), Default::default());
    }
}
