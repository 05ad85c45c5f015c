//! Engage's DataFusion plugin: every part of repeat-caller detection as SQL functions, and the
//! analysts' morning questions as views (`sql/`).
//!
//! ```no_run
//! # async fn demo() -> datafusion::error::Result<()> {
//! use datafusion::prelude::*;
//! let ctx = SessionContext::new();
//! engage_datafusion::register_all(&ctx)?;
//! ctx.register_parquet("contacts", "snapshot/contacts/", ParquetReadOptions::default()).await?;
//! engage_datafusion::register_views(&ctx).await?;
//! ctx.sql("SET engage.rule_set = '5/30d,12/90d'").await?;
//! ctx.sql("SELECT * FROM repeat_callers").await?.show().await?;
//! # Ok(()) }
//! ```
//!
//! The functions hold no detection logic: each translates Arrow columns for the kernel
//! (`engage-kernel`) and its answer back.

mod aggregate;
mod args;
mod batches;
mod detection;
mod docs;
pub mod expr_fn;
mod impact;
mod options;
pub mod reference;
mod scalar;
mod sharded;
mod sorted_window;
mod summary_columns;
mod views;
mod whole_input;
mod whole_table_window;
mod window;
pub mod wire;

use datafusion::error::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionState;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::sync::Arc;

pub use impact::{ImpactSettings, Outcome};
pub use options::EngageOptions;
pub use views::{REFERRAL_VIEWS, VIEWS, hold_views, register_views};
pub use whole_table_window::WholeTableWindows;

/// A session state whose physical optimizer first plans Engage's window functions over the
/// whole table ([`WholeTableWindows`]), then runs DataFusion's own rules.
pub fn session_state(config: SessionConfig) -> SessionState {
    session_state_with_runtime(config, Arc::new(RuntimeEnv::default()))
}

/// [`session_state`] on a given runtime (for example one whose memory pool has a limit).
pub fn session_state_with_runtime(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> SessionState {
    let mut rules: Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> =
        vec![Arc::new(WholeTableWindows)];
    rules.extend(PhysicalOptimizer::new().rules);
    SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .with_physical_optimizer_rules(rules)
        .build()
}

/// A new session for Engage: [`session_state`] with every function registered
/// ([`register_all`]).
pub fn new_session(config: SessionConfig) -> Result<SessionContext> {
    new_session_with_runtime(config, Arc::new(RuntimeEnv::default()))
}

/// [`new_session`] on a given runtime: Engage's operators that hold input reserve what they
/// hold from its memory pool, so a limit ends a too-big query with DataFusion's
/// resources-exhausted error naming the operator.
pub fn new_session_with_runtime(
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
) -> Result<SessionContext> {
    let ctx = SessionContext::new_with_state(session_state_with_runtime(config, runtime));
    register_all(&ctx)?;
    Ok(ctx)
}

/// Engage's scalar functions, as a function registry takes them.
pub fn scalar_functions() -> Vec<datafusion::logical_expr::ScalarUDF> {
    scalar::functions()
}

/// Engage's aggregate functions.
pub fn aggregate_functions() -> Vec<datafusion::logical_expr::AggregateUDF> {
    aggregate::functions()
}

/// Engage's window functions.
pub fn window_functions() -> Vec<datafusion::logical_expr::WindowUDF> {
    window::functions()
}

/// Registers every Engage function and the `engage.*` settings on a session.
pub fn register_all(ctx: &SessionContext) -> Result<()> {
    options::register(ctx);
    let state_ref = ctx.state_ref();
    let mut state = state_ref.write();
    for udf in scalar::functions() {
        state.register_udf(udf.into())?;
    }
    for udaf in aggregate::functions() {
        state.register_udaf(udaf.into())?;
    }
    for udwf in window::functions() {
        state.register_udwf(udwf.into())?;
    }
    drop(state);
    for (name, function) in detection::functions() {
        ctx.register_udtf(name, function);
    }
    let (name, function) = impact::function();
    ctx.register_udtf(name, function);
    Ok(())
}
