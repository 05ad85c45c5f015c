//! Engage's codecs: every Engage operator and table function's table goes through the wire
//! and comes back the same (the same plan, the same answer), and other nodes pass through to
//! Ballista's codec.

mod common;

use std::sync::Arc;

use common::{answer, register_snapshot, sample_snapshot};
use datafusion::physical_plan::{ExecutionPlan, displayable};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::bytes::{
    logical_plan_from_bytes_with_extension_codec, logical_plan_to_bytes_with_extension_codec,
    physical_plan_from_bytes_with_extension_codec, physical_plan_to_bytes_with_extension_codec,
};
use engage_ballista::{EngageLogicalCodec, EngagePhysicalCodec};

async fn session(by_key: bool) -> SessionContext {
    let ctx = engage_datafusion::new_session(SessionConfig::new().with_target_partitions(2))
        .expect("a session");
    register_snapshot(&ctx, &sample_snapshot()).await;
    if by_key {
        ctx.sql("SET engage.partition_by_key = true")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
    }
    ctx
}

/// Plans with each of Engage's operators in them.
const PLANNED: [(&str, &str); 6] = [
    (
        "EngageDetectionExec",
        "SELECT caller_key, episode_no FROM episodes",
    ),
    ("EngageDetectionExec", "SELECT * FROM episodes"),
    ("EngageDetectionExec", "SELECT * FROM repeat_callers"),
    (
        "EngageDetectionExec",
        "SELECT * FROM engage_episodes('contacts', '3/30d', 'address_key')",
    ),
    (
        "EngageWholeTableWindowExec",
        "SELECT caller_key, rolling_count(received_at, INTERVAL '90 minutes') OVER (PARTITION BY caller_key ORDER BY received_at) AS n FROM contacts",
    ),
    (
        "EngageWholeTableWindowExec",
        "SELECT caller_key, repeat_episode(received_at, '5/30d,12/90d') OVER (PARTITION BY caller_key ORDER BY received_at) AS e, repeat_qualifies(received_at, '10/7d') OVER (PARTITION BY caller_key ORDER BY received_at) AS q FROM contacts",
    ),
];

fn text(plan: &Arc<dyn ExecutionPlan>) -> String {
    displayable(plan.as_ref()).indent(true).to_string()
}

#[tokio::test]
async fn engage_operators_round_trip() {
    let codec = EngagePhysicalCodec::default();
    for by_key in [false, true] {
        let ctx = session(by_key).await;
        for (operator, sql) in PLANNED {
            let plan = ctx
                .sql(sql)
                .await
                .unwrap()
                .create_physical_plan()
                .await
                .unwrap();
            let before = text(&plan);
            assert!(
                before.contains(operator),
                "{sql} plans {operator}:\n{before}"
            );
            assert_eq!(before.contains("partitioned by key"), by_key, "{before}");
            let bytes = physical_plan_to_bytes_with_extension_codec(plan.clone(), &codec)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let back =
                physical_plan_from_bytes_with_extension_codec(&bytes, &ctx.task_ctx(), &codec)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(before, text(&back), "{sql}: the plan changed on the way");
            assert_eq!(plan.schema(), back.schema(), "{sql}");
            let sent = datafusion::physical_plan::collect(back, ctx.task_ctx())
                .await
                .unwrap();
            let kept = datafusion::physical_plan::collect(plan, ctx.task_ctx())
                .await
                .unwrap();
            let rows = |b: &[datafusion::arrow::record_batch::RecordBatch]| {
                b.iter().map(|b| b.num_rows()).sum::<usize>()
            };
            assert!(rows(&kept) > 0, "{sql}: nothing to compare");
            assert_eq!(rows(&kept), rows(&sent), "{sql}: answers differ");
        }
    }
}

#[tokio::test]
async fn table_functions_round_trip_with_their_source() {
    let codec = EngageLogicalCodec::default();
    let ctx = session(false).await;
    for sql in [
        "SELECT * FROM engage_episodes('contacts', '5/30d,12/90d')",
        "SELECT * FROM engage_repeat_callers('contacts')",
        "SELECT * FROM engage_episodes('contacts', '3/30d', 'address_key')",
        "SELECT * FROM repeat_callers",
    ] {
        let plan = ctx.sql(sql).await.unwrap().into_optimized_plan().unwrap();
        let bytes = logical_plan_to_bytes_with_extension_codec(&plan, &codec)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let back = logical_plan_from_bytes_with_extension_codec(&bytes, &ctx.task_ctx(), &codec)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(
            plan.display_indent().to_string(),
            back.display_indent().to_string(),
            "{sql}"
        );
        // A fresh session that has no `contacts` of its own reads the source that came along.
        let fresh = engage_datafusion::new_session(SessionConfig::new()).unwrap();
        let received = fresh
            .execute_logical_plan(back)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let rows: usize = received.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, answer(&ctx, sql).await.len(), "{sql}");
        assert!(rows > 0, "{sql}: nothing to compare");
    }
}

#[tokio::test]
async fn other_nodes_pass_to_ballista() {
    let codec = EngagePhysicalCodec::default();
    let ctx = session(true).await;
    let plan = ctx
        .sql("SELECT line, count(*) FROM contacts GROUP BY line")
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    let bytes = physical_plan_to_bytes_with_extension_codec(plan.clone(), &codec).unwrap();
    let back =
        physical_plan_from_bytes_with_extension_codec(&bytes, &ctx.task_ctx(), &codec).unwrap();
    assert_eq!(text(&plan), text(&back));
    assert!(
        !bytes
            .windows(engage_ballista::codec::MAGIC.len())
            .any(|w| w == engage_ballista::codec::MAGIC),
        "no Engage node in the plan, so no Engage bytes"
    );
}
