//! A Ballista cluster in this process (a scheduler and two executors on loopback, as
//! Ballista's own client tests start them) answers Engage's views and an analyst's window job
//! exactly as one machine does, on the sample and on generated data; and its plans detect by
//! caller, each executor on whole callers.

mod common;

use common::{
    QUERIES, answer, generated_snapshot, register_snapshot, register_split, sample_snapshot,
};
use datafusion::prelude::SessionConfig;
use std::path::Path;

/// A client of the in-process cluster, four partitions.
async fn client(url: &str) -> datafusion::prelude::SessionContext {
    engage_ballista::local::connect(url, SessionConfig::new().with_target_partitions(4))
        .await
        .expect("a client session")
}

/// The queries' answers on a cluster of two executors, over the snapshot's contacts dealt
/// into four files (four partitions, shuffled by caller), equal one machine's over the
/// snapshot itself.
async fn compare(snapshot: &Path) {
    let url = engage_ballista::local::start(2, 2)
        .await
        .expect("a cluster");
    let cluster = client(&url).await;
    register_split(&cluster, snapshot, 4).await;
    let local = engage_datafusion::new_session(SessionConfig::new().with_target_partitions(2))
        .expect("a session");
    register_snapshot(&local, snapshot).await;
    for sql in QUERIES {
        let here = answer(&local, sql).await;
        let there = answer(&cluster, sql).await;
        assert!(!here.is_empty(), "{sql}: no rows to compare");
        assert_eq!(here.len(), there.len(), "{sql}: row counts differ");
        for (a, b) in here.iter().zip(&there) {
            assert_eq!(a, b, "{sql}: rows differ");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sample_answers_as_on_one_machine() {
    compare(&sample_snapshot()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn generated_data_answers_as_on_one_machine() {
    let snapshot = tokio::task::spawn_blocking(|| generated_snapshot(40_000, 60))
        .await
        .unwrap();
    compare(&snapshot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn detection_is_planned_by_caller() {
    let url = engage_ballista::local::start(1, 2)
        .await
        .expect("a cluster");
    let cluster =
        engage_ballista::local::connect(&url, SessionConfig::new().with_target_partitions(4))
            .await
            .expect("a client session");
    register_split(&cluster, &sample_snapshot(), 4).await;
    let plan = answer(
        &cluster,
        "EXPLAIN SELECT caller_key, episode_no FROM episodes",
    )
    .await
    .join("\n");
    assert!(
        plan.contains("EngageDetectionExec") && plan.contains("partitioned by key"),
        "detection reads by key on a cluster:\n{plan}"
    );
    assert!(
        plan.contains("Hash([caller_key"),
        "the contacts are split by caller_key:\n{plan}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_cannot_be_distributed_says_so() {
    let url = engage_ballista::local::start(1, 2)
        .await
        .expect("a cluster");
    let cluster = engage_ballista::local::connect(&url, SessionConfig::new())
        .await
        .expect("a client session");
    register_snapshot(&cluster, &sample_snapshot()).await;
    let error = cluster
        .sql("SELECT * FROM engage_impact('contacts', 'referrals')")
        .await
        .unwrap()
        .collect()
        .await
        .expect_err("the impact estimate does not run on a cluster")
        .to_string();
    assert!(
        error.contains("engage_impact") && error.contains("without --cluster"),
        "{error}"
    );

    let typed = datafusion::arrow::record_batch::RecordBatch::try_from_iter([
        (
            "caller_key",
            std::sync::Arc::new(datafusion::arrow::array::StringArray::from(vec!["a"]))
                as datafusion::arrow::array::ArrayRef,
        ),
        (
            "received_at",
            std::sync::Arc::new(
                datafusion::arrow::array::TimestampMicrosecondArray::from(vec![0])
                    .with_timezone("UTC"),
            ),
        ),
    ])
    .unwrap();
    cluster.register_batch("typed", typed).unwrap();
    let error = cluster
        .sql("SELECT count(*) FROM engage_episodes('typed', '1/1d')")
        .await
        .unwrap()
        .collect()
        .await
        .expect_err("a table in this process's memory cannot reach the executors")
        .to_string();
    assert!(
        error.contains("typed") && error.contains("cannot be sent to the cluster"),
        "{error}"
    );
}
