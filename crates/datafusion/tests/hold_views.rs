//! `hold_views`: a job that reads several views computes `repeat_callers` once and the views
//! standing on it read the held answer. Every view must answer exactly as without holding, on
//! the shipped sample snapshot (contacts and referrals).

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;

mod common;

/// A session over the sample snapshot's tables, with the views.
async fn sample_session() -> SessionContext {
    let ctx = common::sample_session(&["contacts", "referrals"]).await;
    engage_datafusion::register_views(&ctx).await.unwrap();
    ctx
}

/// Every view's rows as text, each view's lines sorted.
async fn every_view(ctx: &SessionContext) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (name, _) in engage_datafusion::VIEWS
        .iter()
        .chain(engage_datafusion::REFERRAL_VIEWS.iter())
    {
        let batches = ctx
            .sql(&format!("SELECT * FROM {name}"))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = pretty_format_batches(&batches).unwrap().to_string();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        out.push((name.to_string(), lines));
    }
    out
}

#[tokio::test]
async fn views_over_held_detection_answer_as_before() {
    let ctx = sample_session().await;
    ctx.sql("SET engage.rule_set = '5/30d,12/90d'")
        .await
        .unwrap();
    let before = every_view(&ctx).await;
    let outcomes_plan = async || {
        let plan = ctx
            .sql("EXPLAIN SELECT * FROM outcomes")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        pretty_format_batches(&plan).unwrap().to_string()
    };
    let plan = outcomes_plan().await;
    assert!(
        plan.contains("EngageDetection"),
        "outcomes detects:\n{plan}"
    );
    engage_datafusion::hold_views(&ctx, &["repeat_callers"])
        .await
        .unwrap();
    let plan = outcomes_plan().await;
    assert!(
        !plan.contains("EngageDetection"),
        "outcomes still detects:\n{plan}"
    );
    let after = every_view(&ctx).await;
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        assert!(a.len() > 4, "{name} is empty on the sample");
        assert_eq!(a, b, "{name} differs over held detection");
    }
}
