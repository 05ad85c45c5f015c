//! A cluster in this process, on loopback: Ballista's standalone scheduler and executors with
//! Engage's session, codecs and functions, as Ballista's own client tests start them.

use std::sync::Arc;
use std::time::Duration;

use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_executor::new_standalone_executor_from_builder;
use ballista_scheduler::standalone::new_standalone_scheduler_with_builder;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::session::{
    client, codec, default_config, executor_runtime, function_registry, scheduler_state,
};

/// Starts a scheduler and `executors` executors (each running `slots` tasks at once) and
/// returns the scheduler's address as `df://localhost:PORT`.
pub async fn start(executors: usize, slots: usize) -> Result<String> {
    let external = |e: ballista_core::error::BallistaError| DataFusionError::External(Box::new(e));
    let address = new_standalone_scheduler_with_builder(
        Arc::new(scheduler_state),
        Arc::new(default_config),
        codec(),
    )
    .await
    .map_err(external)?;
    let url = format!("http://localhost:{}", address.port());
    let scheduler = loop {
        match SchedulerGrpcClient::connect(url.clone()).await {
            Ok(client) => break client,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    for _ in 0..executors {
        new_standalone_executor_from_builder(
            scheduler.clone(),
            slots,
            Arc::new(default_config),
            Arc::new(executor_runtime),
            codec(),
            function_registry(),
        )
        .await
        .map_err(external)?;
    }
    Ok(format!("df://localhost:{}", address.port()))
}

/// A client session on the cluster [`start`] made. Unlike [`crate::connect`], its jobs keep
/// Ballista's adaptive planner: this cluster's executors poll the scheduler for tasks, and
/// under the static planner their jobs of several stages stalled.
pub async fn connect(url: &str, config: SessionConfig) -> Result<SessionContext> {
    client(url, config).await
}
