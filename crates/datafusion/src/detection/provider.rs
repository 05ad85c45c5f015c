//! The table a detection function returns: its schema (the kernel's caller or episode columns,
//! the key column named as asked), and its plan, made when the query runs, over the source
//! table's key and time columns and, only when a profile column is asked for, its fact columns.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{TableReference, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use engage_kernel::RuleSet;

use super::exec::Detection;
use super::{CALLER_KEY, FACT_COLUMNS, Grain};
use crate::options::EngageOptions;
use crate::whole_input::{Reading, WholeInputExec};
use futures::FutureExt;

/// The result of a detection table function, planned when queried.
#[derive(Debug)]
pub(crate) struct DetectionTable {
    pub(super) grain: Grain,
    pub(super) table: TableReference,
    /// None: the session's `engage.rule_set` at the time of the query.
    pub(super) rules: Option<RuleSet>,
    /// The column whose values are the keys detection groups by: `caller_key`, or another
    /// such as `address_key` for address-keyed rules; the output's first column is named
    /// after it.
    pub(super) key: String,
    pub(super) source: Source,
}

/// Where detection's table of contacts comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Looked up by name in the session when scanned.
    Named,
    /// Looked up by name when scanned here; this provider, found when the function was called,
    /// is what a codec sends to another process.
    Captured(Arc<dyn TableProvider>),
    /// Received from another process: scanned as it is.
    Received(Arc<dyn TableProvider>),
}

impl Source {
    /// The table `table` of `session` if it can be found without waiting (a session's own
    /// tables can), else [`Source::Named`].
    pub(super) fn capture(session: &dyn Session, table: &TableReference) -> Source {
        let Some(state) = session.as_any().downcast_ref::<SessionState>() else {
            return Source::Named;
        };
        let Ok(schema) = state.schema_for_ref(table.clone()) else {
            return Source::Named;
        };
        match schema.table(table.table()).now_or_never() {
            Some(Ok(Some(provider))) => Source::Captured(provider),
            _ => Source::Named,
        }
    }
}

impl DetectionTable {
    pub(super) fn new(
        grain: Grain,
        table: TableReference,
        rules: Option<RuleSet>,
        key: String,
        source: Source,
    ) -> Self {
        DetectionTable {
            grain,
            table,
            rules,
            key,
            source,
        }
    }

    /// The repeat callers of `table` under `rules` (the session's when `None`), as
    /// `engage_repeat_callers` gives them.
    pub(crate) fn repeat_callers(table: TableReference, rules: Option<RuleSet>) -> Self {
        DetectionTable {
            grain: Grain::Caller,
            table,
            rules,
            key: CALLER_KEY.to_string(),
            source: Source::Named,
        }
    }
}

#[async_trait::async_trait]
impl TableProvider for DetectionTable {
    fn schema(&self) -> SchemaRef {
        let schema = self.grain.schema();
        if self.key == CALLER_KEY {
            return schema;
        }
        let fields = schema
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                CALLER_KEY => Arc::new(f.as_ref().clone().with_name(&self.key)),
                _ => f.clone(),
            })
            .collect::<Vec<_>>();
        Arc::new(datafusion::arrow::datatypes::Schema::new(fields))
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let name = self.grain.function_name();
        let Some(session) = state.as_any().downcast_ref::<SessionState>() else {
            return plan_err!("{name} needs a DataFusion SessionState");
        };
        let source = match &self.source {
            Source::Received(provider) => Some(provider.clone()),
            Source::Named | Source::Captured(_) => {
                session
                    .schema_for_ref(self.table.clone())?
                    .table(self.table.table())
                    .await?
            }
        };
        let Some(source) = source else {
            return plan_err!("{name}: there is no table named '{}'", self.table);
        };
        let source_schema = source.schema();
        let column = |column: &str| {
            source_schema.index_of(column).map_err(|_| {
                DataFusionError::Plan(format!(
                    "{name}: table '{}' has no column {column} (it needs the contacts schema)",
                    self.table
                ))
            })
        };
        let rules = match &self.rules {
            Some(rules) => rules.clone(),
            None => state
                .config_options()
                .extensions
                .get::<EngageOptions>()
                .map(|o| o.rule_set.clone())
                .unwrap_or_default(),
        };
        let output = self.schema();
        let projection: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..output.fields().len()).collect(),
        };
        // The kernel's names for the columns asked (the key column is `caller_key` there).
        let described = self.grain.schema();
        let names: Vec<String> = projection
            .iter()
            .map(|&i| described.field(i).name().clone())
            .collect();
        let key_columns = vec![column(&self.key)?, column("received_at")?];
        let keys = source.scan(state, Some(&key_columns), &[], None).await?;
        let facts = if names.iter().all(|n| self.grain.is_detection_column(n)) {
            None
        } else {
            let mut columns = key_columns;
            for c in FACT_COLUMNS {
                columns.push(column(c)?);
            }
            Some(source.scan(state, Some(&columns), &[], None).await?)
        };
        let detection = Detection {
            grain: self.grain,
            rules,
            schema: Arc::new(output.project(&projection)?),
            columns: names,
            profiles: facts.is_some(),
        };
        let inputs = [Some(keys), facts].into_iter().flatten().collect();
        let reading = Reading::of_session(state.config_options());
        Ok(Arc::new(WholeInputExec::try_new_reading(
            detection, inputs, reading,
        )?))
    }
}
