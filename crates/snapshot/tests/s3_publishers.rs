//! Two publishers of one snapshot at once against a real S3-compatible server (moto's, from
//! PyPI, started on loopback): the publish lock's conditional create (`If-None-Match: *`)
//! lets one through; the latest snapshot reads completely and nothing is left over. Without
//! moto the test is skipped with a message, except on CI (`CI` set), where it fails.

mod support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engage_snapshot::faults::{Faults, FaultyStore};
use engage_snapshot::{PublishError, SnapshotStore, StoreError};
use object_store::ObjectStore;
use support::{ingested, publish, read_latest};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// moto's server on a free loopback port with the bucket `engage`, or `None` (skip) when moto
/// is not installed and this is not CI.
fn moto() -> Option<(Server, String)> {
    let installed = Command::new("python3")
        .args(["-c", "import moto.server, boto3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "moto is not installed: pip install 'moto[server]' (CI must run this test)"
        );
        eprintln!("SKIPPED: moto is not installed (pip install 'moto[server]' to run this test)");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server(
        Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m moto.server starts"),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let make_bucket = format!(
        "import boto3; boto3.client('s3', endpoint_url='{endpoint}', aws_access_key_id='x', \
         aws_secret_access_key='x', region_name='us-east-1').create_bucket(Bucket='engage')"
    );
    assert!(
        Command::new("python3")
            .args(["-c", &make_bucket])
            .status()
            .unwrap()
            .success()
    );
    Some((server, endpoint))
}

fn s3(endpoint: &str, delay: Duration) -> SnapshotStore {
    let s3 = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name("engage")
        .with_region("us-east-1")
        .with_access_key_id("engage-test")
        .with_secret_access_key("engage-test")
        .build()
        .unwrap();
    let slow = FaultyStore::new(
        Arc::new(s3),
        Faults {
            delay: Some(delay),
            ..Faults::default()
        },
    );
    SnapshotStore::with_store(slow, "snapshots")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_publishers_of_one_snapshot_on_s3() {
    let Some((_server, endpoint)) = moto() else {
        return;
    };
    let plain = s3(&endpoint, Duration::ZERO);
    // The server refuses a second conditional create of one key: the lock rests on it.
    let create = object_store::PutOptions {
        mode: object_store::PutMode::Create,
        ..Default::default()
    };
    let key = plain.path("probe");
    let store = plain.object_store();
    store
        .put_opts(&key, "1".into(), create.clone())
        .await
        .unwrap();
    let second = store.put_opts(&key, "2".into(), create).await.unwrap_err();
    assert!(
        matches!(
            second,
            object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }
        ),
        "{second}"
    );
    object_store::ObjectStoreExt::delete(store.as_ref(), &key)
        .await
        .unwrap();
    publish(&plain, &ingested(2), "a").await.unwrap();
    let mut refused = 0;
    for _ in 0..5 {
        let first = s3(&endpoint, Duration::from_millis(5));
        let second = s3(&endpoint, Duration::from_millis(5));
        let one = tokio::spawn(async move { publish(&first, &ingested(5), "a").await });
        let two = tokio::spawn(async move { publish(&second, &ingested(7), "a").await });
        let results = [one.await.unwrap(), two.await.unwrap()];
        for result in &results {
            if let Err(error) = result {
                assert!(
                    matches!(error, PublishError::Store(StoreError::Busy(_))),
                    "{error}"
                );
                refused += 1;
            }
        }
        assert!(results.iter().any(Result::is_ok), "{results:?}");
        let (latest, contacts) = read_latest(&plain).await.unwrap().unwrap();
        assert!(results.iter().any(|r| r.as_ref().ok() == Some(&latest)));
        assert!([5, 7].contains(&contacts));
        assert_eq!(plain.leftovers().await.unwrap(), Default::default());
    }
    assert!(refused > 0, "the publishes never overlapped");
}
