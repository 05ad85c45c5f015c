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

/// Contacts sorted by caller (NULLs last) and time, cut into partitions and batches at any
/// rows: the shape of a snapshot, whose files may cut a caller anywhere.
#[derive(Debug, Clone)]
struct SortedContacts {
    rows: Vec<(Option<String>, i64)>,
    /// Where partitions end (row indexes, ascending, may repeat: empty partitions).
    partition_ends: Vec<usize>,
    batch_rows: usize,
}

fn sorted_contacts() -> impl proptest::strategy::Strategy<Value = SortedContacts> {
    use proptest::prelude::*;
    (
        prop::collection::vec((prop::option::weighted(0.9, 0u8..6), 0i64..72), 0..120),
        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        1usize..9,
    )
        .prop_map(|(raw, cuts, batch_rows)| {
            let mut rows: Vec<(Option<String>, i64)> = raw
                .into_iter()
                .map(|(k, h)| (k.map(|k| format!("caller-{k}")), h))
                .collect();
            rows.sort_by(|a, b| match (&a.0, &b.0) {
                (Some(x), Some(y)) => x.cmp(y).then(a.1.cmp(&b.1)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.1.cmp(&b.1),
            });
            let mut partition_ends: Vec<usize> =
                cuts.iter().map(|c| c.index(rows.len() + 1)).collect();
            partition_ends.push(rows.len());
            partition_ends.sort_unstable();
            SortedContacts {
                rows,
                partition_ends,
                batch_rows,
            }
        })
}

fn contacts_schema() -> datafusion::arrow::datatypes::SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("caller_key", DataType::Utf8, true),
        Field::new(
            "received_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]))
}

fn batch_of(rows: &[(Option<String>, i64)]) -> RecordBatch {
    let hour = 3_600_000_000i64;
    RecordBatch::try_new(
        contacts_schema(),
        vec![
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            )),
            Arc::new(
                TimestampMicrosecondArray::from(
                    rows.iter().map(|r| r.1 * hour).collect::<Vec<_>>(),
                )
                .with_timezone("UTC"),
            ),
        ],
    )
    .expect("a batch")
}

/// Every Engage window function over `table`, one text line per row, in a canonical order.
async fn window_answer(ctx: &SessionContext, table: &str) -> (Vec<String>, String) {
    let sql = format!(
        "SELECT caller_key, received_at, \
         rolling_count(received_at, '6h') {WINDOW} AS n, \
         repeat_episode(received_at, '3/6h') {WINDOW} AS e, \
         repeat_qualifies(received_at, '2/2h,3/6h') {WINDOW} AS q, \
         repeat_rolling_counts(received_at, '2/2h,3/6h') {WINDOW} AS c, \
         repeat_episode(received_at, '2/2h,3/6h') {WINDOW} AS e2 \
         FROM {table}"
    );
    let plan = plan(ctx, &sql).await;
    let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(1)
        .map(str::to_string)
        .collect();
    lines.sort();
    (lines, plan)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

    /// On input declared sorted by caller and time, the functions stream one caller at a time;
    /// the answer equals the whole-table path's on the same rows unsorted, and DataFusion's own
    /// window operator's, however partitions and batches cut the callers.
    #[test]
    fn sorted_input_streams_with_the_same_answer(contacts in sorted_contacts()) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (streamed, whole, datafusion_own, plan) = runtime.block_on(async {
            let mut partitions = Vec::new();
            let mut start = 0;
            for &end in &contacts.partition_ends {
                partitions.push(
                    contacts.rows[start..end]
                        .chunks(contacts.batch_rows)
                        .map(batch_of)
                        .collect::<Vec<_>>(),
                );
                start = end;
            }
            let order = vec![vec![
                datafusion::prelude::col("caller_key").sort(true, false),
                datafusion::prelude::col("received_at").sort(true, false),
            ]];
            let sorted = MemTable::try_new(contacts_schema(), partitions)
                .unwrap()
                .with_sort_order(order);
            // The same rows, in reverse and not declared sorted.
            let mut reversed = contacts.rows.clone();
            reversed.reverse();
            let unsorted = MemTable::try_new(
                contacts_schema(),
                vec![
                    reversed.chunks(5).map(batch_of).collect::<Vec<_>>(),
                    vec![],
                ],
            )
            .unwrap();
            let config = SessionConfig::new().with_target_partitions(3);
            let ctx = engage_datafusion::new_session(config.clone()).unwrap();
            ctx.register_table("sorted", Arc::new(sorted)).unwrap();
            ctx.register_table("unsorted", Arc::new(unsorted)).unwrap();
            let (streamed, plan) = window_answer(&ctx, "sorted").await;
            let (whole, _) = window_answer(&ctx, "unsorted").await;
            let plain = SessionContext::new_with_config(config);
            engage_datafusion::register_all(&plain).unwrap();
            let batch = batch_of(&contacts.rows);
            plain
                .register_table(
                    "contacts",
                    Arc::new(MemTable::try_new(contacts_schema(), vec![vec![batch]]).unwrap()),
                )
                .unwrap();
            let (datafusion_own, _) = window_answer(&plain, "contacts").await;
            (streamed, whole, datafusion_own, plan)
        });
        proptest::prop_assert!(plan.contains("streamed"), "{}", plan);
        proptest::prop_assert_eq!(&streamed, &whole);
        proptest::prop_assert_eq!(&streamed, &datafusion_own);
        proptest::prop_assert_eq!(streamed.len(), contacts.rows.len());
    }
}
