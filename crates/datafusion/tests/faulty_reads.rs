//! Reading a snapshot through a failing object store, as `engage sql --data` on S3 does: every
//! query either answers exactly as without faults or fails with an error that names the object
//! it could not read. Never a partial answer. Faults come from
//! `engage_snapshot::faults::FaultyStore`: every Nth call fails, for every N up to one more than
//! the calls a query makes.

use std::sync::Arc;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::{ParquetReadOptions, SessionConfig};
use engage_snapshot::faults::{Faults, FaultyStore};
use object_store::local::LocalFileSystem;

mod common;

const QUERY: &str = "SELECT (SELECT count(*) FROM contacts) AS contacts, \
                     (SELECT count(*) FROM engage_repeat_callers('contacts', '3/30d')) AS callers";

/// The sample snapshot's folder and its contacts file, relative to it.
fn sample() -> (std::path::PathBuf, String) {
    let (snapshot, manifest) = common::sample_snapshot();
    let file = common::sample_file(&manifest, "contacts");
    (snapshot, file)
}

/// The query's answer over `store`, or the error's text.
async fn answer(store: Arc<FaultyStore>, file: &str) -> Result<String, String> {
    let ctx =
        engage_datafusion::new_session(SessionConfig::new().with_target_partitions(2)).unwrap();
    let base = url::Url::parse("faulty://sample").unwrap();
    ctx.register_object_store(&base, store);
    let run = async {
        ctx.register_parquet(
            "contacts",
            &format!("faulty://sample/{file}"),
            ParquetReadOptions::default(),
        )
        .await?;
        let batches = ctx.sql(QUERY).await?.collect().await?;
        Ok::<_, datafusion::error::DataFusionError>(pretty_format_batches(&batches)?.to_string())
    };
    run.await.map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_read_through_faults_answers_in_full_or_names_the_object() {
    let (folder, file) = sample();
    let local = Arc::new(LocalFileSystem::new_with_prefix(&folder).unwrap());
    let clean = FaultyStore::new(local.clone(), Faults::default());
    let expected = answer(clean.clone(), &file).await.unwrap();
    let calls = clean.calls();
    assert!(calls > 0);

    let (mut answered, mut failed) = (0, 0);
    for every in 1..=calls + 1 {
        let store = FaultyStore::new(
            local.clone(),
            Faults {
                fail_every: Some(every),
                ..Faults::default()
            },
        );
        match answer(store.clone(), &file).await {
            Ok(got) => {
                assert_eq!(got, expected, "every {every}th call failing");
                answered += 1;
            }
            Err(message) => {
                assert!(
                    message.contains("injected fault") && message.contains(&file),
                    "every {every}th call failing: the error does not name the object: {message}"
                );
                failed += 1;
            }
        }
    }
    eprintln!("{calls} calls; {failed} runs failed naming the object, {answered} answered in full");
    // The first N fail on a call the query needs; past its last call, nothing fails.
    assert!(failed >= 1, "no fault was ever hit");
    assert!(answered >= 1, "even with no call failing the query failed");
}
