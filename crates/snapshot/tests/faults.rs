//! Publishing and reading through a store that fails: every Nth call, multipart uploads that
//! fail part way or on completion, a put that lands but reports failure. A failed publish
//! names the object and commits nothing half-written; the committed snapshot stays complete;
//! the next publish without faults succeeds and leaves nothing over.

mod support;

use engage_snapshot::SnapshotStore;
use engage_snapshot::faults::{Faults, FaultyStore, MultipartFault};
use support::{files_under, ingested, publish, read_complete, read_latest, scratch};

/// A folder store with snapshot `a` committed (3 contacts), and a view of it through faults.
async fn committed_then_faulty(
    name: &str,
    faults: Faults,
) -> (
    std::path::PathBuf,
    SnapshotStore,
    std::sync::Arc<FaultyStore>,
    SnapshotStore,
) {
    let dir = scratch(name);
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    publish(&store, &ingested(3), "a").await.unwrap();
    let faulty = FaultyStore::new(store.object_store(), faults);
    // Small parts, so that data files go up as multipart uploads.
    let through = SnapshotStore::with_store(faulty.clone(), "").with_part_size(1024);
    (dir, store, faulty, through)
}

/// The snapshot is complete and is the old (3) or the new (40) version; nothing else is in
/// the folder but the committed files, once a fault-free publish has run.
async fn check_after(dir: &std::path::Path, store: &SnapshotStore, committed_new: bool) {
    let (manifest, contacts) = read_latest(store).await.unwrap().unwrap();
    assert_eq!(contacts, if committed_new { 40 } else { 3 });
    let again = publish(store, &ingested(40), "a").await.unwrap();
    assert_eq!(read_latest(store).await.unwrap().unwrap().1, 40);
    assert_eq!(store.leftovers().await.unwrap(), Default::default());
    let id = &manifest.snapshot_id;
    let mut expected: Vec<String> = again.files().map(|f| format!("{id}/{f}")).collect();
    expected.push(format!("{id}/manifest.json"));
    expected.sort();
    assert_eq!(files_under(dir), expected);
}

#[tokio::test]
async fn every_nth_call_failing_never_commits_half_a_snapshot() {
    // How many calls a fault-free publish makes through the wrapper.
    let (_, _, counter, through) = committed_then_faulty("count", Faults::default()).await;
    publish(&through, &ingested(40), "a").await.unwrap();
    let calls = counter.calls();
    assert!(calls >= 10, "{calls} calls");

    let (mut failed, mut committed) = (0, 0);
    for every in 1..=calls + 1 {
        let (dir, store, faulty, through) = committed_then_faulty(
            "nth",
            Faults {
                fail_every: Some(every),
                ..Faults::default()
            },
        )
        .await;
        let result = publish(&through, &ingested(40), "a").await;
        let injected = faulty.injected();
        match &result {
            Ok(manifest) => {
                committed += 1;
                assert_eq!(manifest.contacts, 40);
            }
            Err(error) => {
                failed += 1;
                let message = error.to_string();
                assert!(message.contains("injected fault"), "{message}");
                // The error names the object the failing call was on.
                let first = injected[0].split_once(' ').unwrap().1;
                assert!(message.contains(first), "{message} does not name {first}");
            }
        }
        // A fault after the manifest's put (in the clean-up) leaves the new version committed.
        let new = read_latest(&store).await.unwrap().unwrap().1 == 40;
        assert!(
            result.is_err() || new,
            "a publish that succeeded committed the old version"
        );
        check_after(&dir, &store, new).await;
    }
    eprintln!(
        "{calls} calls per publish; failing every Nth: {failed} failed, {committed} committed"
    );
    assert!(
        failed > 0 && committed > 0,
        "{failed} failed, {committed} committed"
    );
}

#[tokio::test]
async fn a_multipart_upload_failing_part_way_or_on_completion_commits_nothing() {
    for fault in [
        MultipartFault::AfterParts(0),
        MultipartFault::AfterParts(1),
        MultipartFault::OnComplete,
    ] {
        let (dir, store, _, through) = committed_then_faulty(
            "multipart",
            Faults {
                multipart: Some(fault),
                only_paths: Some("contacts/part-00000.parquet".into()),
                ..Faults::default()
            },
        )
        .await;
        let error = publish(&through, &ingested(40), "a").await.unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("contacts/part-00000.parquet") && message.contains("injected fault"),
            "{fault:?}: {message}"
        );
        check_after(&dir, &store, false).await;
    }
}

#[tokio::test]
async fn a_manifest_put_that_lands_but_reports_failure_is_committed() {
    let (dir, store, _, through) = committed_then_faulty(
        "lands",
        Faults {
            put_lands_then_fails: true,
            only_paths: Some("manifest.json".into()),
            ..Faults::default()
        },
    )
    .await;
    let manifest = publish(&through, &ingested(40), "a").await.unwrap();
    assert_eq!(read_latest(&store).await.unwrap().unwrap().0, manifest);
    check_after(&dir, &store, true).await;
}

#[tokio::test]
async fn reading_committed_snapshots_through_faults_fails_whole_or_reads_all() {
    let dir = scratch("read");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    publish(&store, &ingested(3), "a").await.unwrap();
    publish(&store, &ingested(4), "b").await.unwrap();
    let faulty = FaultyStore::new(store.object_store(), Faults::default());
    let through = SnapshotStore::with_store(faulty.clone(), "");
    for every in 1..=8 {
        faulty.set(Faults {
            fail_every: Some(every),
            ..Faults::default()
        });
        let read = async {
            let manifests = through.committed().await.map_err(|e| e.to_string())?;
            let mut contacts = Vec::new();
            for manifest in &manifests {
                contacts.push(read_complete(&through, manifest).await?.0);
            }
            contacts.sort();
            Ok::<_, String>(contacts)
        }
        .await;
        match read {
            Ok(contacts) => assert_eq!(contacts, vec![3, 4]),
            Err(message) => {
                let object = faulty.injected()[0].split_once(' ').unwrap().1.to_string();
                assert!(
                    message.contains("injected fault") && message.contains(&object),
                    "{message}"
                );
            }
        }
    }
}
