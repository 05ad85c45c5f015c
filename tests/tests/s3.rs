//! `engage publish` to `s3://` against a real S3-compatible server (moto's, from PyPI) that
//! the test starts on loopback.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use engage_snapshot::SnapshotStore;
use engage_tests::{engage_binary, scratch};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "engage-test"),
    ("AWS_SECRET_ACCESS_KEY", "engage-test"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_ALLOW_HTTP", "true"),
];

#[test]
fn publish_commits_a_snapshot_to_an_s3_server() {
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
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
            .expect("python3 -m moto.server starts (scripts/test-all installs moto[server])"),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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

    let dir = scratch("publish-s3");
    let raw = dir.join("raw");
    let generated = Command::new(engage_binary())
        .args([
            "generate",
            "--out",
            raw.to_str().unwrap(),
            "--contacts",
            "3000",
            "--days",
            "14",
        ])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let published = Command::new(engage_binary())
        .args([
            "publish",
            "--raw",
            raw.to_str().unwrap(),
            "--out",
            "s3://engage/snapshots",
        ])
        .envs(ENV)
        .env("AWS_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    assert!(
        published.status.success(),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );

    // SAFETY: this test binary has this one test, so no other thread reads the environment.
    unsafe {
        for (k, v) in ENV {
            std::env::set_var(k, v);
        }
        std::env::set_var("AWS_ENDPOINT", &endpoint);
    }
    let store = SnapshotStore::open("s3://engage/snapshots").unwrap();
    let manifests = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store.committed())
        .unwrap();
    assert_eq!(manifests.len(), 1);
    let m = &manifests[0];
    assert!(m.contacts > 2000, "{m:?}");
    let listed = Command::new("python3")
        .args(["-c", &format!(
            "import boto3; c = boto3.client('s3', endpoint_url='{endpoint}', aws_access_key_id='x', \
             aws_secret_access_key='x', region_name='us-east-1'); \
             print('\\n'.join(o['Key'] for o in c.list_objects_v2(Bucket='engage')['Contents']))"
        )])
        .output()
        .unwrap();
    let keys = String::from_utf8_lossy(&listed.stdout);
    assert!(
        keys.contains(&format!("snapshots/{}/manifest.json", m.snapshot_id)),
        "{keys}"
    );
    assert!(
        keys.contains(&format!(
            "snapshots/{}/{}",
            m.snapshot_id, m.tables["contacts"][0]
        )),
        "{keys}"
    );
    drop(server);
}
