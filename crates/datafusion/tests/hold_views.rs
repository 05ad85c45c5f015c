//! `hold_views`: a job that reads several views computes `repeat_callers` once and the views
//! standing on it read the held answer. Every view must answer exactly as without holding, on
//! the shipped sample snapshot (contacts and referrals).

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

/// A session over the sample snapshot's tables, with the views.
async fn sample_session() -> SessionContext {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample/snapshot");
    let snapshot = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.json").exists())
        .expect("the sample snapshot");
    let manifest: engage_snapshot::Manifest =
        serde_json::from_str(&std::fs::read_to_string(snapshot.join("manifest.json")).unwrap())
            .unwrap();
    let ctx =
        engage_datafusion::new_session(SessionConfig::new().with_target_partitions(2)).unwrap();
    for table in ["contacts", "referrals"] {
        let [file] = manifest.table_files(table) else {
            panic!("the sample's {table} is one file");
        };
        ctx.register_parquet(
            table,
            snapshot.join(file).to_str().unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap();
    }
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
