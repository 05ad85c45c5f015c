//! The data a command reads (`--data`, `--table`, `--rule`) and the DataFusion session made
//! from it: every Engage function, the snapshot's tables and the views. `engage sql`,
//! `engage pack` and `engage evaluate` open their sessions here.

use std::sync::Arc;

use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::options::ReadOptions;
use datafusion::datasource::listing::{ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext, col};
use engage_snapshot::{Manifest, SnapshotStore};

use crate::Error;

/// Where the data comes from, and the rule set.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Sources {
    /// A snapshot: its folder, or a snapshot store (folder or URL) whose latest committed
    /// snapshot is used. Registers `contacts` (declared sorted by caller and time), `rejects`
    /// and `referrals` (empty when the snapshot has none), and the views.
    #[arg(long)]
    pub data: Option<String>,
    /// Registers a Parquet file, folder or URL under a name (NAME=PATH_OR_URL); repeatable.
    /// A table named `contacts` with the snapshot's schema gets every view.
    #[arg(long = "table", value_name = "NAME=PATH_OR_URL")]
    pub tables: Vec<String>,
    /// The rule set the views follow (default 10/7d), e.g. 5/30d,12/90d.
    #[arg(long)]
    pub rule: Option<String>,
    /// See the data as it was at this time (RFC 3339, e.g. 2025-11-03T08:00:00Z): only
    /// contacts up to it, and the coordinator's views as of it (`engage.as_of`).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Memory the query engine may use, e.g. 512M or 2G (as datafusion-cli): a query that
    /// needs more ends with an error naming what held the memory, instead of the process
    /// being killed. Default: no limit.
    #[arg(long, value_name = "SIZE", value_parser = crate::flags::memory_size)]
    pub memory_limit: Option<usize>,
}

/// A session over `sources`, with the views when there is a `contacts` table.
pub async fn open(sources: &Sources) -> Result<SessionContext, Error> {
    Ok(open_snapshot(sources).await?.0)
}

/// [`open`], and the id of the snapshot read (when `--data` names one).
pub async fn open_snapshot(sources: &Sources) -> Result<(SessionContext, Option<String>), Error> {
    open_on(sources, None).await
}

/// [`open_snapshot`], on the Ballista cluster whose scheduler is at `cluster`
/// (`df://HOST:PORT`) when one is given.
pub async fn open_on(
    sources: &Sources,
    cluster: Option<&str>,
) -> Result<(SessionContext, Option<String>), Error> {
    // A snapshot is declared sorted by caller and time: keep that order through repartitioning
    // rather than sorting again (measured: 6.0 s to 4.7 s on 10M contacts, benches/peers).
    let mut config = SessionConfig::new().with_information_schema(true);
    config.options_mut().optimizer.prefer_existing_sort = true;
    let mut runtime = RuntimeEnvBuilder::new();
    if let Some(limit) = sources.memory_limit {
        let pool = TrackConsumersPool::new(
            GreedyMemoryPool::new(limit),
            std::num::NonZeroUsize::new(5).expect("five"),
        );
        runtime = runtime.with_memory_pool(Arc::new(pool));
    }
    let ctx = match cluster {
        None => engage_datafusion::new_session_with_runtime(config, runtime.build_arc()?)?,
        Some(url) => {
            if sources.memory_limit.is_some() {
                return Err(
                    "--memory-limit limits this machine's engine; on a cluster, limit each executor (engage-executor --memory-pool-size)".into(),
                );
            }
            engage_ballista::connect(url, config)
                .await
                .map_err(|e| format!("--cluster {url}: {e}"))?
        }
    };
    let snapshot_id = match &sources.data {
        Some(data) => Some(register_snapshot(&ctx, data).await?),
        None => None,
    };
    for table in &sources.tables {
        let (name, location) = table.split_once('=').ok_or_else(|| {
            format!("--table {table}: expected NAME=PATH_OR_URL, like contacts=archive.parquet")
        })?;
        register_object_store(&ctx, location)?;
        ctx.register_parquet(name.trim(), location.trim(), ParquetReadOptions::default())
            .await
            .map_err(|e| format!("--table {name}: cannot read {location}: {e}"))?;
    }
    if let Some(as_of) = &sources.as_of {
        see_as_of(&ctx, as_of).await?;
    }
    if ctx.table_exist("contacts")? {
        engage_datafusion::register_views(&ctx)
            .await
            .map_err(|e| format!("the table `contacts` does not have the snapshot's schema, so the views cannot be made: {e}"))?;
    }
    if let Some(rule) = &sources.rule {
        ctx.sql(&format!(
            "SET engage.rule_set = '{}'",
            rule.replace('\'', "''")
        ))
        .await
        .map_err(|e| format!("--rule: {e}"))?;
    }
    Ok((ctx, snapshot_id))
}

/// Sets `engage.as_of` and puts a view of the contacts up to that time in place of
/// `contacts` (the full table stays readable as `contacts_archive`), so that detection and
/// profiles see only what was known then.
async fn see_as_of(ctx: &SessionContext, as_of: &str) -> Result<(), Error> {
    let quoted = as_of.replace('\'', "''");
    ctx.sql(&format!("SET engage.as_of = '{quoted}'"))
        .await
        .map_err(|e| format!("--as-of: {e}"))?;
    if let Some(contacts) = ctx.deregister_table("contacts")? {
        ctx.register_table("contacts_archive", contacts)?;
        ctx.sql(
            "CREATE VIEW contacts AS SELECT * FROM contacts_archive WHERE received_at <= engage_as_of()",
        )
        .await?;
    }
    Ok(())
}

/// Makes an object-store URL readable by the session (s3:// uses the AWS_* variables).
fn register_object_store(ctx: &SessionContext, location: &str) -> Result<(), Error> {
    if !location.contains("://") {
        return Ok(());
    }
    let url = url::Url::parse(location).map_err(|e| format!("`{location}` is not a URL: {e}"))?;
    // A folder is DataFusion's own; an in-memory store lives only in its own process.
    if matches!(url.scheme(), "file" | "memory") {
        return Ok(());
    }
    let host = url
        .host_str()
        .ok_or_else(|| format!("`{location}` names no bucket"))?;
    let base = url::Url::parse(&format!("{}://{host}", url.scheme()))?;
    let (store, _) = engage_snapshot::store::object_store_for(&base)
        .map_err(|why| format!("`{location}`: {why}"))?;
    ctx.register_object_store(&base, store);
    Ok(())
}

/// Registers table `name` as exactly the files a snapshot's manifest lists: the snapshot's
/// folder may also hold a publish in progress or a killed run's files.
async fn register_listed(
    ctx: &SessionContext,
    name: &str,
    snapshot: &str,
    files: &[String],
    options: ParquetReadOptions<'_>,
) -> Result<(), Error> {
    if files.is_empty() {
        return Err(
            format!("{snapshot}: the manifest lists no file for the table `{name}`").into(),
        );
    }
    let urls = files
        .iter()
        .map(|f| ListingTableUrl::parse(format!("{snapshot}/{f}")))
        .collect::<Result<Vec<_>, _>>()?;
    let listing = options.to_listing_options(&ctx.copied_config(), ctx.copied_table_options());
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(listing)
        .infer_schema(&ctx.state())
        .await
        .map_err(|e| format!("{snapshot}: the table `{name}`: {e}"))?;
    let table = ListingTable::try_new(config)?
        .with_cache(ctx.runtime_env().cache_manager.get_file_statistic_cache());
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}

/// Registers a snapshot's `contacts`, `rejects` and `referrals`; returns its id.
async fn register_snapshot(ctx: &SessionContext, data: &str) -> Result<String, Error> {
    let root = if data.contains("://") {
        data.trim_end_matches('/').to_string()
    } else {
        std::fs::canonicalize(data)
            .map_err(|e| format!("--data {data}: {e}"))?
            .to_string_lossy()
            .into_owned()
    };
    let local_manifest = std::path::Path::new(&root).join("manifest.json");
    let (snapshot, manifest) = if !data.contains("://") && local_manifest.is_file() {
        let text =
            std::fs::read_to_string(&local_manifest).map_err(|e| format!("--data {data}: {e}"))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| format!("--data {data}: manifest.json: {e}"))?;
        // The folder may have been copied under another name: only what it lists is checked.
        manifest
            .check(&manifest.snapshot_id)
            .map_err(|why| format!("--data {data}: manifest.json {why}"))?;
        (root, manifest)
    } else {
        let store = SnapshotStore::open(data)?;
        let manifests = store.committed().await?;
        let latest = manifests.into_iter().last().ok_or_else(|| {
            format!("--data {data}: no committed snapshot there (a snapshot has a manifest.json)")
        })?;
        (format!("{root}/{}", latest.snapshot_id), latest)
    };
    register_object_store(ctx, &snapshot)?;
    let sorted = vec![vec![
        col("caller_key").sort(true, false),
        col("received_at").sort(true, false),
    ]];
    register_listed(
        ctx,
        "contacts",
        &snapshot,
        manifest.table_files("contacts"),
        ParquetReadOptions::default().file_sort_order(sorted),
    )
    .await?;
    register_listed(
        ctx,
        "rejects",
        &snapshot,
        manifest.table_files("rejects"),
        ParquetReadOptions::default(),
    )
    .await?;
    if manifest.tables.contains_key("referrals") {
        register_listed(
            ctx,
            "referrals",
            &snapshot,
            manifest.table_files("referrals"),
            ParquetReadOptions::default(),
        )
        .await?;
    } else {
        // Published before the case system's export was read: no decisions, so no cases.
        let empty = MemTable::try_new(engage_snapshot::schema::referrals_schema(), vec![vec![]])?;
        ctx.register_table("referrals", Arc::new(empty))?;
    }
    Ok(manifest.snapshot_id)
}
