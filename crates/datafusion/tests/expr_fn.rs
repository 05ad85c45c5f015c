//! `engage_datafusion::expr_fn`: every function as a DataFrame expression answers exactly as the
//! same function written in SQL, on the shipped sample snapshot's contacts.

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::dataframe::DataFrame;
use datafusion::error::Result;
use datafusion::logical_expr::{ExprFunctionExt, col, lit};
use datafusion::prelude::SessionContext;
use engage_datafusion::expr_fn::*;

mod common;

async fn sample_session() -> SessionContext {
    common::sample_session(&["contacts"]).await
}

/// The rows as sorted text lines, so that answers in any order compare.
async fn lines(frame: DataFrame) -> Result<Vec<String>> {
    let text = pretty_format_batches(&frame.collect().await?)?.to_string();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    Ok(lines)
}

async fn sql(ctx: &SessionContext, query: &str) -> Vec<String> {
    lines(ctx.sql(query).await.unwrap()).await.unwrap()
}

#[tokio::test]
async fn scalar_functions_as_expressions_answer_as_sql() {
    let ctx = sample_session().await;
    let frame = ctx
        .table("contacts")
        .await
        .unwrap()
        .select(vec![
            normalize_phone(col("caller_key")).alias("phone"),
            line_kind(col("line")).alias("kind"),
            postcode_district(col("postcode")).alias("district"),
            triage_group(col("category")).alias("group"),
            uk_hour(col("received_at")).alias("hour"),
            uk_date(col("received_at")).alias("day"),
            engage_rule_set().alias("rules"),
        ])
        .unwrap();
    let expected = sql(
        &ctx,
        "SELECT normalize_phone(caller_key) AS phone, line_kind(line) AS kind, \
         postcode_district(postcode) AS district, triage_group(category) AS \"group\", \
         uk_hour(received_at) AS hour, uk_date(received_at) AS day, engage_rule_set() AS rules \
         FROM contacts",
    )
    .await;
    let got = lines(frame).await.unwrap();
    assert_eq!(got.len(), expected.len());
    assert_eq!(got, expected);
}

#[tokio::test]
async fn aggregate_and_window_functions_as_expressions_answer_as_sql() {
    let ctx = sample_session().await;
    let contacts = ctx.table("contacts").await.unwrap();
    let profiles = contacts
        .clone()
        .filter(col("caller_key").is_not_null())
        .unwrap()
        .aggregate(
            vec![col("caller_key")],
            vec![
                caller_profile(
                    col("received_at"),
                    col("line"),
                    col("agency"),
                    col("category"),
                )
                .alias("profile"),
                triage_suggestion(col("category")).alias("suggestion"),
            ],
        )
        .unwrap();
    let expected = sql(
        &ctx,
        "SELECT caller_key, caller_profile(received_at, line, agency, category) AS profile, \
         triage_suggestion(category) AS suggestion FROM contacts \
         WHERE caller_key IS NOT NULL GROUP BY caller_key",
    )
    .await;
    assert_eq!(lines(profiles).await.unwrap(), expected);

    let window = |f: datafusion::logical_expr::Expr| {
        f.partition_by(vec![col("caller_key")])
            .order_by(vec![col("received_at").sort(true, false)])
            .build()
            .unwrap()
    };
    let counted = contacts
        .filter(col("caller_key").is_not_null())
        .unwrap()
        .select(vec![
            col("caller_key"),
            col("received_at"),
            window(rolling_count(col("received_at"), lit("7d"))).alias("in_week"),
            window(repeat_episode(col("received_at"), lit("3/30d"))).alias("episode"),
            window(repeat_qualifies(col("received_at"), lit("3/30d"))).alias("qualifies"),
            window(repeat_rolling_counts(
                col("received_at"),
                lit("3/30d,10/7d"),
            ))
            .alias("counts"),
        ])
        .unwrap();
    let over = "OVER (PARTITION BY caller_key ORDER BY received_at)";
    let expected = sql(
        &ctx,
        &format!(
            "SELECT caller_key, received_at, rolling_count(received_at, '7d') {over} AS in_week, \
             repeat_episode(received_at, '3/30d') {over} AS episode, \
             repeat_qualifies(received_at, '3/30d') {over} AS qualifies, \
             repeat_rolling_counts(received_at, '3/30d,10/7d') {over} AS counts \
             FROM contacts WHERE caller_key IS NOT NULL"
        ),
    )
    .await;
    assert_eq!(lines(counted).await.unwrap(), expected);
}
