//! What each of a cluster's processes needs to speak Engage: the scheduler's session state, the
//! executors' configuration and function registry, and the client's session.

use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::object_store::{runtime_env_with_s3_support, session_config_with_s3_support};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::BallistaCodec;
use datafusion::error::Result;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};
use engage_datafusion::EngageOptions;

use crate::codec::{EngageLogicalCodec, EngagePhysicalCodec};

/// `config` made ready for a cluster: Engage's codecs and settings on it, with
/// `engage.partition_by_key` on, so that detection and Engage's window operator split their
/// input by caller and each executor sees whole callers.
pub fn cluster_config(config: SessionConfig) -> SessionConfig {
    let mut config = config
        .with_ballista_logical_extension_codec(Arc::new(EngageLogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(EngagePhysicalCodec::default()));
    let options = &mut config.options_mut().extensions;
    let mut engage = options.get::<EngageOptions>().cloned().unwrap_or_default();
    engage.partition_by_key = true;
    options.insert(engage);
    config
}

/// The configuration every process of the cluster starts from: Ballista's (with S3 settings)
/// and Engage's ([`cluster_config`]).
pub fn default_config() -> SessionConfig {
    cluster_config(session_config_with_s3_support())
}

/// The configuration `engage-scheduler` starts from: [`default_config`] on
/// [`static_planner`].
pub fn scheduler_config() -> SessionConfig {
    static_planner(default_config())
}

/// `config` with Ballista's adaptive planner off. With it, a query whose executor died hung
/// after the scheduler rolled its stage back ("Can't find active stage to update stage
/// outputs", Ballista 55.0.0), and its planner leaves out the session's physical optimizer
/// rules, so Engage's window operator was not planned; the static planner retries or fails
/// with an error (`tests/tests/cluster.rs`). A job's own settings choose its planner: the
/// scheduler's are the defaults that a client's settings override.
pub fn static_planner(config: SessionConfig) -> SessionConfig {
    config.with_ballista_adaptive_query_planner(false)
}

/// The codecs of every process of the cluster.
pub fn codec() -> BallistaCodec {
    BallistaCodec::new(
        Arc::new(EngageLogicalCodec::default()),
        Arc::new(EngagePhysicalCodec::default()),
    )
}

/// The scheduler's session state for one client's `config`: Engage's functions, table
/// functions, settings and physical optimizer rule on DataFusion's defaults, and Ballista's
/// object stores.
pub fn scheduler_state(config: SessionConfig) -> Result<SessionState> {
    let config = cluster_config(config);
    let runtime = runtime_env_with_s3_support(&config)?;
    Ok(engage_datafusion::new_session_with_runtime(config, runtime)?.state())
}

/// The executors' function registry: Ballista's default (DataFusion's built-ins), DataFusion's
/// array functions (not in Ballista's default, and used by the views: `array_to_string` in
/// `multi_agency`), and Engage's scalar, aggregate and window functions.
pub fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for udf in datafusion::functions_nested::all_default_nested_functions() {
        registry
            .scalar_functions
            .entry(udf.name().to_string())
            .or_insert(udf);
    }
    for udf in engage_datafusion::scalar_functions() {
        registry
            .scalar_functions
            .insert(udf.name().to_string(), Arc::new(udf));
    }
    for udaf in engage_datafusion::aggregate_functions() {
        registry
            .aggregate_functions
            .insert(udaf.name().to_string(), Arc::new(udaf));
    }
    for udwf in engage_datafusion::window_functions() {
        registry
            .window_functions
            .insert(udwf.name().to_string(), Arc::new(udwf));
    }
    registry
}

/// An executor's runtime for a task's `config` (Ballista's object stores, S3 among them).
pub fn executor_runtime(config: &SessionConfig) -> Result<Arc<RuntimeEnv>> {
    runtime_env_with_s3_support(config)
}

/// A client session on the cluster whose scheduler is at `url` (`df://host:port`): SQL is
/// planned here with Engage's functions and views, and runs on the cluster under the
/// [`static_planner`] (the client's settings are the job's).
pub async fn connect(url: &str, config: SessionConfig) -> Result<SessionContext> {
    client(url, static_planner(config)).await
}

/// A client session whose jobs run under the planner `config` says.
pub(crate) async fn client(url: &str, config: SessionConfig) -> Result<SessionContext> {
    let config = cluster_config(config.with_information_schema(true));
    let state = engage_datafusion::session_state(config);
    let ctx = SessionContext::remote_with_state(url, state).await?;
    // Ballista's upgrade of the state puts back its own list of functions.
    engage_datafusion::register_all(&ctx)?;
    Ok(ctx)
}
