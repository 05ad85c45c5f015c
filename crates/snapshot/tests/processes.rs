//! Publishes in other processes (this test binary, started again as a child): killed with
//! SIGKILL at spread-out moments while replacing a committed snapshot, and two at once.
//! After each kill the committed snapshot reads completely, every other file is a named
//! leftover, and the next publish succeeds and leaves nothing over.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use engage_snapshot::SnapshotStore;
use engage_snapshot::faults::{Faults, FaultyStore};
use support::{files_under, ingested, publish, read_latest, scratch};

const CHILD: &str = "ENGAGE_SNAPSHOT_TEST_CHILD";

/// In a child: publishes `calls` contacts to the folder in `ENGAGE_SNAPSHOT_TEST_CHILD`, each
/// store call slowed by 4 ms so that a kill lands anywhere in the publish; exits 3 when the
/// publish is refused because another holds the lock.
#[tokio::test]
async fn child_publish() {
    let Ok(spec) = std::env::var(CHILD) else {
        return; // only as a child
    };
    let (dir, calls) = spec.split_once('|').unwrap();
    let folder = SnapshotStore::open(dir).unwrap();
    let slow = FaultyStore::new(
        folder.object_store(),
        Faults {
            delay: Some(Duration::from_millis(4)),
            ..Faults::default()
        },
    );
    let store = SnapshotStore::with_store(slow, "").with_part_size(2048);
    match publish(&store, &ingested(calls.parse().unwrap()), "a").await {
        Ok(_) => std::process::exit(0),
        Err(engage_snapshot::PublishError::Store(engage_snapshot::StoreError::Busy(m))) => {
            eprintln!("{m}");
            std::process::exit(3)
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}

fn spawn(dir: &std::path::Path, calls: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_publish",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD, format!("{}|{calls}", dir.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Checks the store after a kill: complete, and every file committed or a named leftover.
async fn check_after_kill(dir: &std::path::Path, store: &SnapshotStore, what: &str) {
    let (manifest, contacts) = read_latest(store)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .unwrap_or_else(|| panic!("{what}: no committed snapshot"));
    assert!([3, 300].contains(&contacts), "{what}: {contacts}");
    let named: Vec<String> = store
        .leftovers()
        .await
        .unwrap()
        .files
        .into_iter()
        .map(|l| l.path)
        .collect();
    let id = &manifest.snapshot_id;
    for file in files_under(dir) {
        let committed = file == format!("{id}/manifest.json")
            || manifest.files().any(|f| format!("{id}/{f}") == file);
        assert!(
            committed || named.contains(&file),
            "{what}: {file} is neither committed nor a named leftover"
        );
    }
}

#[tokio::test]
async fn publishes_killed_at_any_moment_never_leave_a_reader_without_a_snapshot() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let dir = scratch("killed");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    publish(&store, &ingested(3), "a").await.unwrap();
    // How long one publish takes in a child.
    let started = Instant::now();
    let status = spawn(&dir, 300).wait().unwrap();
    assert!(status.success());
    let took = started.elapsed();
    publish(&store, &ingested(3), "a").await.unwrap();
    let kills = 40u32;
    let mut mid_run = 0;
    for k in 0..kills {
        // Spread over the whole run, startup included.
        let delay = took.mul_f64(f64::from(k) / f64::from(kills - 1) * 1.05);
        let mut child = spawn(&dir, 300);
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let what = format!("kill {k} after {delay:?} of {took:?}");
        check_after_kill(&dir, &store, &what).await;
        // The next publish takes over the dead child's lock and cleans up after it.
        publish(&store, &ingested(3), "a").await.unwrap();
        assert_eq!(
            store.leftovers().await.unwrap(),
            Default::default(),
            "{what}"
        );
        let (manifest, _) = read_latest(&store).await.unwrap().unwrap();
        let id = &manifest.snapshot_id;
        let mut expected: Vec<String> = manifest.files().map(|f| format!("{id}/{f}")).collect();
        expected.push(format!("{id}/manifest.json"));
        expected.sort();
        assert_eq!(files_under(&dir), expected, "{what}");
    }
    eprintln!("one publish in a child: {took:?}; {kills} kills, {mid_run} mid-run");
    assert!(
        mid_run >= kills / 2,
        "{mid_run} of {kills} kills landed mid-run"
    );
}

#[tokio::test]
async fn two_processes_publishing_one_snapshot() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let dir = scratch("two-processes");
    let store = SnapshotStore::open(dir.to_str().unwrap()).unwrap();
    publish(&store, &ingested(3), "a").await.unwrap();
    let mut refused = 0;
    for _ in 0..4 {
        let (one, two) = (spawn(&dir, 300), spawn(&dir, 300));
        for child in [one, two] {
            let out = child.wait_with_output().unwrap();
            match out.status.code() {
                Some(0) => {}
                Some(3) => {
                    refused += 1;
                    let message = String::from_utf8_lossy(&out.stderr);
                    assert!(message.contains("is being published by run"), "{message}");
                }
                other => panic!("{other:?}: {}", String::from_utf8_lossy(&out.stderr)),
            }
        }
        assert_eq!(read_latest(&store).await.unwrap().unwrap().1, 300);
        assert_eq!(store.leftovers().await.unwrap(), Default::default());
    }
    eprintln!("two processes at once, 4 rounds: {refused} refused");
}
