//! `engage-executor`: Ballista's executor speaking Engage. It takes the same flags as
//! Ballista's `ballista-executor` (`--scheduler-host`, `--scheduler-port`, `--bind-port`,
//! `--concurrent-tasks`, `--work-dir`, ...; `--help` lists them), so Ballista's documentation
//! applies as written.

use std::env;
use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::config::LogRotationPolicy;
use ballista_core::error::BallistaError;
use ballista_executor::config::Config;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_executor::health::spawn_health_server;
use clap::Parser;
use engage_ballista::codec::{EngageLogicalCodec, EngagePhysicalCodec};
use engage_ballista::session::{default_config, executor_runtime, function_registry};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ballista_core::error::Result<()> {
    let opt = Config::parse();
    let bind_host = opt.bind_host.clone();
    let health_port = opt.bind_health_port;

    let mut config: ExecutorProcessConfig = opt.try_into()?;
    config.override_config_producer = Some(Arc::new(default_config));
    config.override_runtime_producer = Some(Arc::new(executor_runtime));
    config.override_function_registry = Some(Arc::new(function_registry()));
    config.override_logical_codec = Some(Arc::new(EngageLogicalCodec::default()));
    config.override_physical_codec = Some(Arc::new(EngagePhysicalCodec::default()));

    let filter = EnvFilter::new(
        env::var(EnvFilter::DEFAULT_ENV).unwrap_or_else(|_| config.special_mod_log_level.clone()),
    );
    let tracing = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_thread_names(config.print_thread_info)
        .with_thread_ids(config.print_thread_info)
        .with_env_filter(filter);
    match &config.log_dir {
        Some(dir) => {
            let prefix = config.log_file_name_prefix();
            let file = match config.log_rotation_policy {
                LogRotationPolicy::Minutely => tracing_appender::rolling::minutely(dir, &prefix),
                LogRotationPolicy::Hourly => tracing_appender::rolling::hourly(dir, &prefix),
                LogRotationPolicy::Daily => tracing_appender::rolling::daily(dir, &prefix),
                LogRotationPolicy::Never => tracing_appender::rolling::never(dir, &prefix),
            };
            tracing.with_writer(file).init();
        }
        None => tracing.init(),
    }

    // Ballista's executor binary serves its health probes itself; so does this one.
    let health_address: SocketAddr = format!("{bind_host}:{health_port}")
        .parse()
        .map_err(|e| BallistaError::General(format!("invalid --bind-health-port address: {e}")))?;
    let (stop_health, health_stopped) = tokio::sync::oneshot::channel();
    let health = spawn_health_server(health_address, config.health.clone(), health_stopped);
    let result = start_executor_process(Arc::new(config)).await;
    let _ = stop_health.send(());
    let _ = health.await;
    result
}
