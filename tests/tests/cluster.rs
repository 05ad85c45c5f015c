//! `engage-scheduler` and two `engage-executor`s started as processes on 127.0.0.1 with free
//! ports, `engage sql --cluster` against them: the same answers as `engage sql` alone; and an
//! executor killed in the middle of a query ends in an error or a right answer, never a wrong
//! one.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use engage_tests::{cluster_binaries, engage, engage_ok, scratch, workspace_root};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Processes stopped when dropped.
struct Cluster {
    scheduler: Child,
    executors: Vec<Child>,
    url: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in self.executors.iter_mut().chain([&mut self.scheduler]) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A scheduler and `executors` executors on loopback, their logs under `logs`.
fn start(executors: usize, logs: &Path) -> Cluster {
    let (scheduler_bin, executor_bin) = cluster_binaries();
    let log = |name: &str| Stdio::from(std::fs::File::create(logs.join(name)).unwrap());
    let port = free_port();
    let scheduler = Command::new(scheduler_bin)
        .args(["--bind-host", "127.0.0.1", "--bind-port", &port.to_string()])
        .args(["--external-host", "127.0.0.1"])
        // A killed executor is declared dead after 6 s without a heartbeat (180 s by default).
        .args(["--executor-timeout-seconds", "6"])
        .args(["--expire-dead-executor-interval-seconds", "1"])
        .stdout(log("scheduler.out"))
        .stderr(log("scheduler.err"))
        .spawn()
        .expect("engage-scheduler starts");
    let mut cluster = Cluster {
        scheduler,
        executors: Vec::new(),
        url: format!("df://127.0.0.1:{port}"),
    };
    wait_for_port(port, "the scheduler");
    for i in 0..executors {
        let work = logs.join(format!("executor-{i}"));
        std::fs::create_dir_all(&work).unwrap();
        let (flight, grpc, health) = (free_port(), free_port(), free_port());
        let child = Command::new(executor_bin)
            .args(["--bind-host", "127.0.0.1", "--external-host", "127.0.0.1"])
            .args([
                "--scheduler-host",
                "127.0.0.1",
                "--scheduler-port",
                &port.to_string(),
            ])
            .args(["--bind-port", &flight.to_string()])
            .args(["--bind-grpc-port", &grpc.to_string()])
            .args(["--bind-health-port", &health.to_string()])
            .args(["--concurrent-tasks", "2"])
            .args(["--executor-heartbeat-interval-seconds", "2"])
            .args(["--work-dir", work.to_str().unwrap()])
            .stdout(log(&format!("executor-{i}.out")))
            .stderr(log(&format!("executor-{i}.err")))
            .spawn()
            .expect("engage-executor starts");
        cluster.executors.push(child);
        wait_for_port(flight, "an executor");
    }
    // The executors register with the scheduler on their first heartbeat.
    std::thread::sleep(Duration::from_secs(2));
    cluster
}

/// The latest snapshot's contacts under `store`, dealt into `parts` files in chunks of 1,000
/// rows, in `out`.
fn split_contacts(store: &Path, out: &Path, parts: usize) {
    let manifest_path = std::fs::read_dir(store)
        .unwrap()
        .map(|e| e.unwrap().path().join("manifest.json"))
        .find(|p| p.exists())
        .expect("a snapshot");
    let snapshot = manifest_path.parent().unwrap();
    let manifest: engage_snapshot::Manifest =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let [file] = manifest.table_files("contacts") else {
        panic!("contacts is one file");
    };
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(snapshot.join(file)).unwrap())
            .unwrap();
    let schema = reader.schema().clone();
    std::fs::create_dir_all(out).unwrap();
    let mut writers: Vec<ArrowWriter<std::fs::File>> = (0..parts)
        .map(|i| {
            let file = std::fs::File::create(out.join(format!("part-{i}.parquet"))).unwrap();
            ArrowWriter::try_new(file, schema.clone(), None).unwrap()
        })
        .collect();
    let mut chunk = 0;
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        for offset in (0..batch.num_rows()).step_by(1000) {
            let len = 1000.min(batch.num_rows() - offset);
            writers[chunk % parts]
                .write(&batch.slice(offset, len))
                .unwrap();
            chunk += 1;
        }
    }
    for writer in writers {
        writer.close().unwrap();
    }
}

fn sample() -> String {
    workspace_root()
        .join("datasets/sample/snapshot")
        .to_string_lossy()
        .into_owned()
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

const QUERIES: [&str; 4] = [
    "SELECT * FROM episodes",
    "SELECT * FROM caller_profiles",
    "SELECT * FROM demand",
    "SELECT caller_key, max(n) AS peak, count(*) AS contacts FROM (SELECT caller_key, rolling_count(received_at, INTERVAL '7 days') OVER (PARTITION BY caller_key ORDER BY received_at) AS n FROM contacts WHERE caller_key IS NOT NULL) GROUP BY caller_key",
];

#[test]
fn sql_on_a_cluster_of_processes_answers_as_one_machine() {
    let logs = scratch("cluster-processes");
    let cluster = start(2, &logs);
    let data = sample();
    for sql in QUERIES {
        let alone = engage_ok(&["sql", "--data", &data, "--format", "json", "-c", sql]);
        let there = engage_ok(&[
            "sql",
            "--cluster",
            &cluster.url,
            "--data",
            &data,
            "--format",
            "json",
            "-c",
            sql,
        ]);
        let (alone, there) = (sorted_lines(&alone), sorted_lines(&there));
        assert!(alone.len() > 1, "{sql}: nothing to compare");
        assert_eq!(alone, there, "{sql}");
    }
    // The scheduler logs each job's plan. A client's settings are the job's, so the client
    // must ask for the static planner itself: under the adaptive one, the window job ran in
    // DataFusion's window operator and a dead executor could hang a query.
    let plans = std::fs::read_to_string(logs.join("scheduler.out")).unwrap();
    assert!(!plans.contains("AdaptiveDatafusionExec"), "{plans}");
    assert!(plans.contains("EngageWholeTableWindowExec"), "{plans}");
}

#[test]
fn a_scheduler_that_is_not_there_is_named() {
    let port = free_port();
    let url = format!("df://127.0.0.1:{port}");
    let out = engage(&[
        "sql",
        "--cluster",
        &url,
        "--data",
        &sample(),
        "-c",
        "SELECT count(*) FROM contacts",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&url) || stderr.contains(&port.to_string()),
        "{stderr}"
    );
}

#[test]
fn an_executor_killed_mid_query_never_gives_a_wrong_answer() {
    let logs = scratch("cluster-kill");
    let raw = logs.join("raw");
    let snapshots = logs.join("snapshots");
    engage_ok(&[
        "generate",
        "--out",
        raw.to_str().unwrap(),
        "--contacts",
        "200000",
        "--days",
        "120",
    ]);
    engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        snapshots.to_str().unwrap(),
    ]);
    // Four files, each a share of every caller's contacts: four tasks on the two executors.
    let split = logs.join("contacts");
    split_contacts(&snapshots, &split, 4);
    let table = format!("contacts={}", split.display());
    let sql = QUERIES[3];
    let expected = sorted_lines(&engage_ok(&[
        "sql", "--table", &table, "--format", "json", "-c", sql,
    ]));
    for delay_ms in [200, 600, 1500] {
        let mut cluster = start(2, &logs);
        let mut query = Command::new(engage_tests::engage_binary())
            .args([
                "sql",
                "--cluster",
                &cluster.url,
                "--table",
                &table,
                "--format",
                "json",
            ])
            .args(["-c", sql])
            .stdout(std::fs::File::create(logs.join("query.out")).unwrap())
            .stderr(std::fs::File::create(logs.join("query.err")).unwrap())
            .spawn()
            .expect("engage runs");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = cluster.executors[0].kill();
        let started = Instant::now();
        while query.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(120) {
                let _ = query.kill();
                panic!("killed after {delay_ms} ms: the query hung for 2 minutes");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let status = query.wait().unwrap();
        let stdout = std::fs::read_to_string(logs.join("query.out")).unwrap();
        let stderr = std::fs::read_to_string(logs.join("query.err")).unwrap();
        eprintln!(
            "executor killed after {delay_ms} ms: {}",
            if status.success() {
                "answered"
            } else {
                "failed"
            }
        );
        if status.success() {
            let got = sorted_lines(&stdout);
            assert_eq!(got, expected, "killed after {delay_ms} ms: a wrong answer");
        } else {
            assert!(
                !stderr.trim().is_empty(),
                "killed after {delay_ms} ms: an error with no words"
            );
        }
    }
}
