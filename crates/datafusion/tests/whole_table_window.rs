//! When Engage's session plans its window functions over the whole table, and when it leaves
//! them to DataFusion's window operator. (The answers of both are checked by the `.slt` files,
//! which run under both.)

use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::datasource::MemTable;
use datafusion::physical_plan::displayable;
use datafusion::prelude::{SessionConfig, SessionContext};

async fn session() -> SessionContext {
    let ctx = engage_datafusion::new_session(SessionConfig::new().with_target_partitions(2))
        .expect("a session");
    let schema = Arc::new(Schema::new(vec![
        Field::new("caller_key", DataType::Utf8, true),
        Field::new(
            "received_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]));
    let hour = 3_600_000_000i64;
    let batch = |keys: Vec<Option<&str>>, hours: Vec<i64>| {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(keys)),
                Arc::new(
                    TimestampMicrosecondArray::from(
                        hours.into_iter().map(|h| h * hour).collect::<Vec<_>>(),
                    )
                    .with_timezone("UTC"),
                ),
            ],
        )
        .expect("a batch")
    };
    // Two partitions; caller a's contacts are split between them.
    let table = MemTable::try_new(
        schema.clone(),
        vec![
            vec![batch(vec![Some("a"), None, Some("b")], vec![0, 1, 2])],
            vec![batch(vec![Some("a"), Some("a"), None], vec![3, 4, 5])],
        ],
    )
    .expect("a table");
    ctx.register_table("calls", Arc::new(table))
        .expect("registered");
    ctx
}

async fn plan(ctx: &SessionContext, sql: &str) -> String {
    let frame = ctx.sql(sql).await.expect("planned");
    let plan = frame.create_physical_plan().await.expect("a physical plan");
    displayable(plan.as_ref()).indent(false).to_string()
}

const WINDOW: &str = "OVER (PARTITION BY caller_key ORDER BY received_at)";

#[tokio::test]
async fn engage_functions_alone_run_over_the_whole_table() {
    let ctx = session().await;
    let sql = format!(
        "SELECT caller_key, received_at, rolling_count(received_at, '1d') {WINDOW} AS n, repeat_episode(received_at, '3/1d') {WINDOW} AS e FROM calls"
    );
    let plan = plan(&ctx, &sql).await;
    assert!(plan.contains("EngageWholeTableWindowExec"), "{plan}");
    assert!(!plan.contains("WindowAggExec"), "{plan}");
    assert!(!plan.contains("SortExec"), "{plan}");

    // Rows come in no particular order; NULL keys are one partition, as in SQL.
    let rows = ctx
        .sql(&format!(
            "{sql} ORDER BY caller_key NULLS LAST, received_at"
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&rows)
        .unwrap()
        .to_string();
    let expected = "\
+------------+----------------------+---+---+
| caller_key | received_at          | n | e |
+------------+----------------------+---+---+
| a          | 1970-01-01T00:00:00Z | 1 | 1 |
| a          | 1970-01-01T03:00:00Z | 2 | 1 |
| a          | 1970-01-01T04:00:00Z | 3 | 1 |
| b          | 1970-01-01T02:00:00Z | 1 |   |
|            | 1970-01-01T01:00:00Z | 1 |   |
|            | 1970-01-01T05:00:00Z | 2 |   |
+------------+----------------------+---+---+";
    assert_eq!(text, expected);
}

#[tokio::test]
async fn other_windows_stay_with_datafusion() {
    let ctx = session().await;
    for sql in [
        // mixed with a built-in window function
        format!("SELECT rolling_count(received_at, '1d') {WINDOW}, row_number() {WINDOW} FROM calls"),
        // partitioned by an expression, not a column
        "SELECT rolling_count(received_at, '1d') OVER (PARTITION BY upper(caller_key) ORDER BY received_at) FROM calls".to_string(),
        // partitioned by a column that is not text
        "SELECT rolling_count(received_at, '1d') OVER (PARTITION BY received_at ORDER BY received_at) FROM calls".to_string(),
        // in descending time order
        "SELECT rolling_count(received_at, '1d') OVER (PARTITION BY caller_key ORDER BY received_at DESC) FROM calls".to_string(),
    ] {
        let plan = plan(&ctx, &sql).await;
        assert!(!plan.contains("EngageWholeTableWindowExec"), "{sql}\n{plan}");
    }
}
