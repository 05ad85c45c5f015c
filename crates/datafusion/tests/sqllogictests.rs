//! Runs the `.slt` files in `tests/slt/` with DataFusion's own sqllogictest driver. Each file
//! gets a fresh session with every Engage function registered, an empty `contacts` table with
//! the snapshot's schema, and the views; and runs twice: in Engage's session (window functions
//! over the whole table, `WholeTableWindowExec`) and in a plain DataFusion session (window
//! functions one partition at a time in DataFusion's window operator); and a third time in
//! Engage's session reading by key (`engage.partition_by_key`, as on a cluster: detection and
//! the window split their input by caller into three partitions, each detected alone). All
//! must give the file's answers.
//!
//! `cargo test -p engage-datafusion --test sqllogictests [-- NAME_SUBSTRING]`

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_sqllogictest::{DataFusion, df_value_validator, value_normalizer};
use sqllogictest::{Record, strict_column_validator};

/// Where Engage's window functions run.
#[derive(Clone, Copy, Debug)]
enum Windows {
    WholeTable,
    DataFusionOperator,
    ByKey,
}

async fn session(windows: Windows) -> datafusion::error::Result<SessionContext> {
    let ctx = match windows {
        Windows::WholeTable => engage_datafusion::new_session(SessionConfig::new())?,
        Windows::DataFusionOperator => {
            let ctx = SessionContext::new();
            engage_datafusion::register_all(&ctx)?;
            ctx
        }
        Windows::ByKey => {
            let ctx =
                engage_datafusion::new_session(SessionConfig::new().with_target_partitions(3))?;
            ctx.sql("SET engage.partition_by_key = true")
                .await?
                .collect()
                .await?;
            ctx
        }
    };
    let schema = engage_snapshot::schema::contacts_schema();
    ctx.register_table(
        "contacts",
        Arc::new(MemTable::try_new(schema, vec![vec![]])?),
    )?;
    ctx.register_table(
        "referrals",
        Arc::new(MemTable::try_new(
            engage_snapshot::schema::referrals_schema(),
            vec![vec![]],
        )?),
    )?;
    engage_datafusion::register_views(&ctx).await?;
    Ok(ctx)
}

async fn run_file(path: &Path, windows: Windows) -> Result<usize, String> {
    let ctx = session(windows)
        .await
        .map_err(|e| format!("session: {e}"))?;
    let relative = PathBuf::from(path.file_name().expect("a file"));
    let mut runner = sqllogictest::Runner::new(|| {
        let ctx = ctx.clone();
        let relative = relative.clone();
        async move {
            Ok(DataFusion::new(
                ctx,
                relative,
                indicatif::ProgressBar::hidden(),
            ))
        }
    });
    runner.with_column_validator(strict_column_validator);
    runner.with_normalizer(value_normalizer);
    runner.with_validator(df_value_validator);
    let records = sqllogictest::parse_file(path).map_err(|e| e.to_string())?;
    let mut errors = Vec::new();
    let mut ran = 0;
    for record in records {
        if let Record::Halt { .. } = record {
            break;
        }
        let counts = matches!(record, Record::Statement { .. } | Record::Query { .. });
        if let Err(e) = runner.run_async(record).await {
            errors.push(e.to_string());
        }
        ran += counts as usize;
    }
    if errors.is_empty() {
        Ok(ran)
    } else {
        Err(errors.join("\n\n"))
    }
}

#[tokio::main]
async fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .filter(|p| {
            filter
                .as_ref()
                .is_none_or(|f| p.to_string_lossy().contains(f.as_str()))
        })
        .collect();
    files.sort();
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        for windows in [
            Windows::WholeTable,
            Windows::DataFusionOperator,
            Windows::ByKey,
        ] {
            match run_file(file, windows).await {
                Ok(records) => {
                    passed += 1;
                    println!("test {name} [{windows:?}] ({records} records) ... ok");
                }
                Err(e) => {
                    failed += 1;
                    println!("test {name} [{windows:?}] ... FAILED\n{e}\n");
                }
            }
        }
    }
    println!("\nsqllogictest: {passed} passed, {failed} failed");
    if failed > 0 || files.is_empty() {
        std::process::exit(1);
    }
}
