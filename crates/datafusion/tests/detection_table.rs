//! `engage_episodes` on input declared sorted by caller and time (an Engage snapshot) takes
//! its streaming path; its answer must be the archive path's on the same rows in any order.

use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::physical_plan::displayable;
use datafusion::prelude::{SessionConfig, SessionContext, col};

const HOUR: i64 = 3_600_000_000;

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("caller_key", DataType::Utf8, true),
        Field::new(
            "received_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("line", DataType::Utf8, true),
        Field::new("agency", DataType::Utf8, true),
        Field::new("category", DataType::Utf8, true),
        Field::new("csu", DataType::Utf8, true),
    ]))
}

fn batch(rows: &[(Option<String>, i64)]) -> RecordBatch {
    let n = rows.len();
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(StringArray::from_iter(rows.iter().map(|(k, _)| k.clone()))),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(rows.iter().map(|(_, t)| *t))
                    .with_timezone("UTC"),
            ),
            Arc::new(StringArray::from(vec!["999"; n])),
            Arc::new(StringArray::from(vec!["police"; n])),
            Arc::new(StringArray::from(vec![Some("Silent Call"); n])),
            Arc::new(StringArray::from(vec![None::<&str>; n])),
        ],
    )
    .unwrap()
}

/// Callers k00..k39 with 1 to 30 calls a few hours apart (a simple LCG picks them), and
/// withheld calls; in caller then time order, keyless last.
fn rows() -> Vec<(Option<String>, i64)> {
    let mut state = 7u64;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let mut rows = Vec::new();
    for caller in 0..40 {
        let calls = 1 + next(30);
        let mut t = next(1000) as i64 * HOUR;
        for _ in 0..calls {
            t += (next(20) as i64) * HOUR; // ties happen (a gap of 0)
            rows.push((Some(format!("k{caller:02}")), t));
        }
    }
    for i in 0..5 {
        rows.push((None, i * HOUR));
    }
    rows
}

async fn episodes(ctx: &SessionContext, table: &str) -> (String, String) {
    let sql = format!(
        "SELECT caller_key, episode_no, episode_start, episode_end, first_flagged_at, contacts, peak_counts, calls_999, categories FROM engage_episodes('{table}', '4/1d,6/3d') ORDER BY caller_key, episode_no"
    );
    let frame = ctx.sql(&sql).await.unwrap();
    let plan = frame.clone().create_physical_plan().await.unwrap();
    let plan = displayable(plan.as_ref()).indent(false).to_string();
    let rows = pretty_format_batches(&frame.collect().await.unwrap())
        .unwrap()
        .to_string();
    (rows, plan)
}

#[tokio::test]
async fn sorted_input_gives_the_archive_answer() {
    let ctx =
        engage_datafusion::new_session(SessionConfig::new().with_target_partitions(3)).unwrap();
    let rows = rows();
    // Sorted, in three partitions whose edges cut through callers (one partition holds a
    // single caller's middle).
    let cuts = [0, 37, 41, 180, rows.len()];
    let partitions: Vec<Vec<RecordBatch>> = cuts
        .windows(2)
        .map(|w| vec![batch(&rows[w[0]..w[1]])])
        .collect();
    let sorted = MemTable::try_new(schema(), partitions)
        .unwrap()
        .with_sort_order(vec![vec![
            col("caller_key").sort(true, false),
            col("received_at").sort(true, false),
        ]]);
    ctx.register_table("sorted", Arc::new(sorted)).unwrap();
    // The same rows shuffled (reversed, every other one first), in two partitions, no order.
    let mut shuffled: Vec<_> = rows.iter().rev().step_by(2).cloned().collect();
    shuffled.extend(rows.iter().rev().skip(1).step_by(2).cloned());
    let half = shuffled.len() / 2;
    let any = MemTable::try_new(
        schema(),
        vec![
            vec![batch(&shuffled[..half])],
            vec![batch(&shuffled[half..])],
        ],
    )
    .unwrap();
    ctx.register_table("any_order", Arc::new(any)).unwrap();

    let (from_sorted, sorted_plan) = episodes(&ctx, "sorted").await;
    let (from_any, any_plan) = episodes(&ctx, "any_order").await;
    assert!(
        sorted_plan.contains("input=sorted by caller"),
        "{sorted_plan}"
    );
    assert!(any_plan.contains("input=any order"), "{any_plan}");
    assert_eq!(from_sorted, from_any);
    assert!(
        from_sorted.lines().count() > 10,
        "some episodes: {from_sorted}"
    );
}

#[tokio::test]
async fn input_declared_sorted_but_not_is_an_error() {
    let ctx = engage_datafusion::new_session(SessionConfig::new()).unwrap();
    let rows = vec![(Some("b".to_string()), 0), (Some("a".to_string()), HOUR)];
    let table = MemTable::try_new(schema(), vec![vec![batch(&rows)]])
        .unwrap()
        .with_sort_order(vec![vec![
            col("caller_key").sort(true, false),
            col("received_at").sort(true, false),
        ]]);
    ctx.register_table("liar", Arc::new(table)).unwrap();
    let error = ctx
        .sql("SELECT * FROM engage_episodes('liar')")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("declared sorted by caller_key are not: 'a' comes after 'b'"),
        "{error}"
    );
}
