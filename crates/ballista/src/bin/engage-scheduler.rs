//! `engage-scheduler`: Ballista's scheduler speaking Engage. It takes the same flags as
//! Ballista's `ballista-scheduler` (`--bind-host`, `--bind-port`, ...; `--help` lists them),
//! so Ballista's documentation applies as written.

use std::sync::Arc;
use std::{env, io};

use ballista_core::config::LogRotationPolicy;
use ballista_core::error::BallistaError;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::{Config, SchedulerConfig};
use ballista_scheduler::scheduler_process::start_server;
use clap::Parser;
use engage_ballista::codec::{EngageLogicalCodec, EngagePhysicalCodec};
use engage_ballista::session::{scheduler_config, scheduler_state};
use tracing_subscriber::EnvFilter;

fn main() -> ballista_core::error::Result<()> {
    // Ballista's scheduler plans deep trees recursively: its binary runs on 32 MB stacks.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .thread_stack_size(32 * 1024 * 1024)
        .build()?;
    runtime.block_on(run(Config::parse()))
}

async fn run(opt: Config) -> ballista_core::error::Result<()> {
    let filter = EnvFilter::new(
        env::var(EnvFilter::DEFAULT_ENV).unwrap_or_else(|_| opt.log_level_setting.clone()),
    );
    let tracing = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_thread_names(opt.print_thread_info)
        .with_thread_ids(opt.print_thread_info)
        .with_env_filter(filter);
    match &opt.log_dir {
        Some(dir) => {
            let prefix = format!(
                "scheduler_{}_{}_{}",
                opt.namespace, opt.external_host, opt.bind_port
            );
            let file = match opt.log_rotation_policy {
                LogRotationPolicy::Minutely => tracing_appender::rolling::minutely(dir, &prefix),
                LogRotationPolicy::Hourly => tracing_appender::rolling::hourly(dir, &prefix),
                LogRotationPolicy::Daily => tracing_appender::rolling::daily(dir, &prefix),
                LogRotationPolicy::Never => tracing_appender::rolling::never(dir, &prefix),
            };
            tracing.with_writer(file).init();
        }
        None => tracing.with_writer(io::stdout).init(),
    }

    let address = format!("{}:{}", opt.bind_host, opt.bind_port)
        .parse()
        .map_err(|e: std::net::AddrParseError| BallistaError::Configuration(e.to_string()))?;
    let mut config: SchedulerConfig = opt.try_into()?;
    config = config
        .with_override_config_producer(Arc::new(scheduler_config))
        .with_override_session_builder(Arc::new(scheduler_state));
    config.override_logical_codec = Some(Arc::new(EngageLogicalCodec::default()));
    config.override_physical_codec = Some(Arc::new(EngagePhysicalCodec::default()));
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, address, Arc::new(config)).await
}
