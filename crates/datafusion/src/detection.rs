//! Detection over a whole table: the table functions `engage_episodes` and
//! `engage_repeat_callers`, on which the `episodes` and `repeat_callers` views stand.
//!
//! Window functions see one caller at a time, after DataFusion has hash-repartitioned the
//! table by caller, sorted it and held every partition in memory. These functions instead
//! stream the table's `caller_key` and `received_at` columns, from all its partitions at once,
//! into the kernel's [`engage_kernel::Archive`], sharded by key (about 10 bytes a contact plus
//! each key once), detect bucket by bucket on every core, and only then, if a profile column is asked for, read the table a
//! second time for the contacts of the callers found. A query that asks only for the detection
//! columns never reads the rest.

use std::fmt;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{TableReference, exec_err, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext, session_state::SessionState};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{
    Boundedness, ChildrenPropertiesMode, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};
use engage_kernel::profile::ContactFacts;
use engage_kernel::summary::{
    CallerColumn, CallerSummary, ColumnSource, ContactSummary, EpisodeColumn, EpisodeSummary,
};
use engage_kernel::triage::TriageTable;
use engage_kernel::{Episode, RuleSet, detect_run_episodes};
use foldhash::{HashMap, HashMapExt};
use futures::StreamExt;

use crate::args::{Text, micros_of};
use crate::batches::{read_partitions, stream_of};
use crate::options::EngageOptions;
use crate::sharded::{CallerId, FrozenArchive, ShardedArchive};
use crate::summary_columns::{self, ColumnBuilder};

/// The table functions.
pub(crate) fn functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    [Grain::Episode, Grain::Caller]
        .into_iter()
        .map(|grain| {
            let function: Arc<dyn TableFunctionImpl> = Arc::new(DetectionFunction { grain });
            (grain.function_name(), function)
        })
        .collect()
}

/// What one output row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    /// One row per episode (`engage_episodes`).
    Episode,
    /// One row per caller with at least one episode (`engage_repeat_callers`).
    Caller,
}

/// The source columns read for profiles, after `caller_key` and `received_at`.
const FACT_COLUMNS: [&str; 4] = ["line", "agency", "category", "csu"];

static EPISODE_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    summary_columns::schema(
        EpisodeColumn::ALL,
        EpisodeColumn::name,
        EpisodeColumn::column_type,
    )
});

static CALLER_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    summary_columns::schema(
        CallerColumn::ALL,
        CallerColumn::name,
        CallerColumn::column_type,
    )
});

impl Grain {
    fn function_name(self) -> &'static str {
        match self {
            Grain::Episode => "engage_episodes",
            Grain::Caller => "engage_repeat_callers",
        }
    }

    fn schema(self) -> SchemaRef {
        match self {
            Grain::Episode => EPISODE_SCHEMA.clone(),
            Grain::Caller => CALLER_SCHEMA.clone(),
        }
    }

    /// Whether a column comes from detection alone (no second read of the table).
    fn is_detection_column(self, name: &str) -> bool {
        let source = match self {
            Grain::Episode => EpisodeColumn::from_name(name).map(EpisodeColumn::source),
            Grain::Caller => CallerColumn::from_name(name).map(CallerColumn::source),
        };
        source == Some(ColumnSource::Detection)
    }
}

/// `engage_episodes('contacts' [, '10/7d'])`, `engage_repeat_callers(...)`.
#[derive(Debug)]
struct DetectionFunction {
    grain: Grain,
}

impl TableFunctionImpl for DetectionFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let name = self.grain.function_name();
        let text = |expr: &Expr| match expr {
            Expr::Literal(value, _) => value.try_as_str().flatten().map(str::to_string),
            _ => None,
        };
        let (table, rules, key) = match args.exprs() {
            [table] => (text(table), None, None),
            [table, rules] | [table, rules, _] => {
                let rules = match text(rules) {
                    Some(r) if r.trim().is_empty() => None,
                    Some(r) => Some(r.parse::<RuleSet>().map_err(|e| {
                        DataFusionError::Plan(format!("{name}: rule set '{r}': {e}"))
                    })?),
                    None => {
                        return plan_err!("{name}: the rule set must be text such as '10/7d'");
                    }
                };
                let key = match args.exprs().get(2) {
                    Some(k) => match text(k) {
                        Some(k) if !k.trim().is_empty() => Some(k.trim().to_string()),
                        _ => {
                            return plan_err!(
                                "{name}: the key must name a column as text, such as 'address_key'"
                            );
                        }
                    },
                    None => None,
                };
                (text(table), rules, key)
            }
            _ => {
                return plan_err!(
                    "{name} takes a table name and, optionally, a rule set and the key column: {name}('contacts'), {name}('contacts', '5/30d,12/90d') or {name}('contacts', '3/30d', 'address_key')"
                );
            }
        };
        let Some(table) = table else {
            return plan_err!(
                "{name}: the first argument must be a table name as text, such as 'contacts'"
            );
        };
        Ok(Arc::new(DetectionTable {
            grain: self.grain,
            table: TableReference::from(table),
            rules,
            key: key.unwrap_or_else(|| CALLER_KEY.to_string()),
        }))
    }
}

/// The result of a detection table function, planned when queried.
#[derive(Debug)]
pub(crate) struct DetectionTable {
    grain: Grain,
    table: TableReference,
    /// None: the session's `engage.rule_set` at the time of the query.
    rules: Option<RuleSet>,
    /// The column whose values are the keys detection groups by: `caller_key`, or another
    /// such as `address_key` for address-keyed rules; the output's first column is named
    /// after it.
    key: String,
}

/// The default key column.
const CALLER_KEY: &str = "caller_key";

impl DetectionTable {
    /// The repeat callers of `table` under `rules` (the session's when `None`), as
    /// `engage_repeat_callers` gives them.
    pub(crate) fn repeat_callers(table: TableReference, rules: Option<RuleSet>) -> Self {
        DetectionTable {
            grain: Grain::Caller,
            table,
            rules,
            key: CALLER_KEY.to_string(),
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
        let source = session
            .schema_for_ref(self.table.clone())?
            .table(self.table.table())
            .await?;
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
        Ok(Arc::new(DetectionExec::new(
            self.grain,
            rules,
            Arc::new(output.project(&projection)?),
            names,
            keys,
            facts,
        )))
    }
}

/// Reads keys and times from `keys`, detects, and reads `facts` (when a profile column is
/// asked for) for the callers found. One output partition.
#[derive(Debug)]
struct DetectionExec {
    grain: Grain,
    rules: RuleSet,
    columns: Vec<String>,
    keys: Arc<dyn ExecutionPlan>,
    facts: Option<Arc<dyn ExecutionPlan>>,
    properties: Arc<PlanProperties>,
}

impl DetectionExec {
    fn new(
        grain: Grain,
        rules: RuleSet,
        schema: SchemaRef,
        columns: Vec<String>,
        keys: Arc<dyn ExecutionPlan>,
        facts: Option<Arc<dyn ExecutionPlan>>,
    ) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        DetectionExec {
            grain,
            rules,
            columns,
            keys,
            facts,
            properties: Arc::new(properties),
        }
    }
}

impl DisplayAs for DetectionExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => write!(
                f,
                "EngageDetectionExec: {}, rules={}, input={}, profiles={}",
                self.grain.function_name(),
                self.rules,
                if is_sorted_by_key_and_time(&self.keys) {
                    "sorted by caller"
                } else {
                    "any order"
                },
                self.facts.is_some()
            ),
            DisplayFormatType::TreeRender => write!(f, "rules={}", self.rules),
        }
    }
}

impl ExecutionPlan for DetectionExec {
    fn name(&self) -> &str {
        "EngageDetectionExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        let mut children = vec![&self.keys];
        children.extend(self.facts.as_ref());
        children
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false; self.children().len()]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != self.children().len() {
            return exec_err!("EngageDetectionExec: wrong number of children");
        }
        let facts = (children.len() == 2).then(|| children.remove(1));
        Ok(Arc::new(DetectionExec::new(
            self.grain,
            self.rules.clone(),
            self.schema(),
            self.columns.clone(),
            children.remove(0),
            facts,
        )))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return exec_err!("EngageDetectionExec has one partition, not {partition}");
        }
        let job = Job {
            grain: self.grain,
            rules: self.rules.clone(),
            schema: self.schema(),
            columns: self.columns.clone(),
            keys: self.keys.clone(),
            facts: self.facts.clone(),
        };
        Ok(stream_of(self.schema(), job.run(context)))
    }
}

/// One execution of a [`DetectionExec`].
struct Job {
    grain: Grain,
    rules: RuleSet,
    schema: SchemaRef,
    columns: Vec<String>,
    keys: Arc<dyn ExecutionPlan>,
    facts: Option<Arc<dyn ExecutionPlan>>,
}

/// The callers found: episodes by code then time, and per output row its episodes.
struct Found {
    archive: Arc<FrozenArchive>,
    episodes: Arc<Vec<Episode<CallerId>>>,
    /// Per output row, the range of `episodes` it covers (one episode, or a caller's).
    rows: Vec<std::ops::Range<usize>>,
}

impl Job {
    async fn run(self, context: Arc<TaskContext>) -> Result<Vec<RecordBatch>> {
        let threads = context.session_config().target_partitions().max(1);
        let (archive, episodes) = if is_sorted_by_key_and_time(&self.keys) {
            read_sorted(&self.keys, &context, &self.rules).await?
        } else {
            let archive = read_archive(&self.keys, &context, threads).await?;
            let episodes = archive.detect(&self.rules, threads);
            (archive, episodes)
        };
        let archive = Arc::new(archive);
        let mut rows = Vec::new();
        match self.grain {
            Grain::Episode => rows.extend((0..episodes.len()).map(|i| i..i + 1)),
            Grain::Caller => {
                // A caller's episodes are consecutive.
                let mut start = 0;
                for caller in episodes.chunk_by(|a, b| a.key == b.key) {
                    rows.push(start..start + caller.len());
                    start += caller.len();
                }
            }
        }
        let found = Found {
            archive,
            episodes: Arc::new(episodes),
            rows,
        };
        let facts = match &self.facts {
            Some(plan) => Some(read_facts(plan, &context, &found, self.grain).await?),
            None => None,
        };
        let batch = self.output(&found, facts.as_deref())?;
        let size = context.session_config().batch_size().max(1);
        Ok((0..batch.num_rows())
            .step_by(size)
            .map(|offset| batch.slice(offset, size.min(batch.num_rows() - offset)))
            .collect())
    }

    fn output(&self, found: &Found, facts: Option<&[ContactSummary]>) -> Result<RecordBatch> {
        let columns = self
            .columns
            .iter()
            .map(|name| self.column(name, found, facts))
            .collect::<Result<Vec<_>>>()?;
        let options = datafusion::arrow::array::RecordBatchOptions::new()
            .with_row_count(Some(found.rows.len()));
        Ok(RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &options,
        )?)
    }

    fn column(
        &self,
        name: &str,
        found: &Found,
        facts: Option<&[ContactSummary]>,
    ) -> Result<ArrayRef> {
        let unknown = || {
            DataFusionError::Execution(format!("{}: no column {name}", self.grain.function_name()))
        };
        let contacts = |i: usize| facts.map(|f| &f[i]);
        let key = |i: usize| found.archive.key(found.episodes[found.rows[i].start].key);
        let rows = found.rows.len();
        let value_error = |e: engage_kernel::summary::ContactsNotRead| {
            DataFusionError::Execution(format!("EngageDetectionExec: {e}"))
        };
        match self.grain {
            Grain::Caller => {
                let column = CallerColumn::from_name(name).ok_or_else(unknown)?;
                let mut builder = ColumnBuilder::new(column.column_type(), rows);
                for (i, range) in found.rows.iter().enumerate() {
                    let caller = CallerSummary {
                        caller_key: key(i),
                        episodes: &found.episodes[range.clone()],
                        contacts: contacts(i),
                    };
                    builder.append(caller.value(column).map_err(value_error)?)?;
                }
                Ok(builder.finish())
            }
            Grain::Episode => {
                let column = EpisodeColumn::from_name(name).ok_or_else(unknown)?;
                let mut builder = ColumnBuilder::new(column.column_type(), rows);
                // Episodes of a caller are consecutive, in time order.
                let mut previous: Option<(CallerId, u32)> = None;
                for (i, range) in found.rows.iter().enumerate() {
                    let episode = &found.episodes[range.start];
                    let episode_no = match previous {
                        Some((k, n)) if k == episode.key => n + 1,
                        _ => 1,
                    };
                    previous = Some((episode.key, episode_no));
                    let summary = EpisodeSummary {
                        caller_key: key(i),
                        episode_no,
                        episode,
                        contacts: contacts(i),
                    };
                    builder.append(summary.value(column).map_err(value_error)?)?;
                }
                Ok(builder.finish())
            }
        }
    }
}

/// Streams `caller_key` and `received_at` of every partition of `plan` into a sharded archive.
async fn read_archive(
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
    threads: usize,
) -> Result<FrozenArchive> {
    let archive = Arc::new(ShardedArchive::for_threads(threads));
    read_partitions(plan, context, |mut stream| {
        let archive = archive.clone();
        async move {
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let keys = Text::of(batch.column(0))?;
                archive.push_batch(&keys, &micros_of(batch.column(1))?, None)?;
            }
            Ok(())
        }
    })
    .await?;
    Arc::try_unwrap(archive)
        .map_err(|_| DataFusionError::Internal("archive still shared".into()))?
        .freeze()
}

/// Whether every partition of `plan` (columns `caller_key`, `received_at`) comes sorted by
/// caller then time, as an Engage snapshot declares.
fn is_sorted_by_key_and_time(plan: &Arc<dyn ExecutionPlan>) -> bool {
    crate::sorted_window::is_sorted_by(plan, 0, 1)
}

/// One caller's contacts as they stream by, in time order.
struct Run {
    key: String,
    times: Vec<i64>,
}

/// What a partition sorted by caller yields: its first and last callers' contacts (either may
/// go on in the next or previous partition) and the episodes of every caller in between.
#[derive(Default)]
struct SortedPartition {
    first: Option<Run>,
    last: Option<Run>,
    found: Vec<(String, Vec<Episode<()>>)>,
}

impl SortedPartition {
    fn close(&mut self, run: Run, rules: &RuleSet) -> Result<()> {
        if self.first.is_none() {
            self.first = Some(run);
            return Ok(());
        }
        let episodes = episodes_of(&run, rules)?;
        if !episodes.is_empty() {
            self.found.push((run.key, episodes));
        }
        Ok(())
    }
}

fn episodes_of(run: &Run, rules: &RuleSet) -> Result<Vec<Episode<()>>> {
    let sorted;
    let times = if run.times.is_sorted() {
        &run.times
    } else {
        sorted = {
            let mut t = run.times.clone();
            t.sort_unstable();
            t
        };
        &sorted
    };
    detect_run_episodes(rules, (), times).map_err(|e| DataFusionError::Execution(e.to_string()))
}

/// Detection on input sorted by caller: each caller is detected as its contacts end, so
/// nothing but one caller's times is held, and no key is looked up. Callers that cross a
/// partition's edge are joined at the end.
async fn read_sorted(
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
    rules: &RuleSet,
) -> Result<(FrozenArchive, Vec<Episode<CallerId>>)> {
    let parts = read_partitions(plan, context, |mut stream| {
        let rules = rules.clone();
        async move {
            let mut part = SortedPartition::default();
            let mut current: Option<Run> = None;
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let keys = Text::of(batch.column(0))?;
                let times = micros_of(batch.column(1))?;
                for i in 0..batch.num_rows() {
                    let (Some(key), true) = (keys.get(i), times.is_valid(i)) else {
                        continue;
                    };
                    match &mut current {
                        Some(run) if run.key == key => run.times.push(times.value(i)),
                        _ => {
                            if let Some(run) = current.take() {
                                if key < run.key.as_str() {
                                    return exec_err!(
                                        "contacts declared sorted by caller_key are not: '{key}' comes after '{}'",
                                        run.key
                                    );
                                }
                                part.close(run, &rules)?;
                            }
                            current = Some(Run {
                                key: key.to_string(),
                                times: vec![times.value(i)],
                            });
                        }
                    }
                }
            }
            match (current, part.first.is_some()) {
                (Some(run), true) => part.last = Some(run),
                (Some(run), false) => part.first = Some(run),
                (None, _) => {}
            }
            Ok(part)
        }
    })
    .await?;
    let mut found = Vec::new();
    let mut edges: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for part in parts {
        found.extend(part.found);
        for run in [part.first, part.last].into_iter().flatten() {
            edges.entry(run.key).or_default().extend(run.times);
        }
    }
    for (key, times) in edges {
        let run = Run { key, times };
        let episodes = episodes_of(&run, rules)?;
        if !episodes.is_empty() {
            found.push((run.key, episodes));
        }
    }
    let archive = FrozenArchive::of_keys(found.iter().map(|(key, _)| key.as_str()));
    let episodes = found
        .iter()
        .flat_map(|(key, episodes)| {
            let id = archive.find(key).expect("filed just above");
            episodes.iter().map(move |e| e.with_key(id))
        })
        .collect();
    Ok((archive, episodes))
}

/// The second read: each contact of a caller found, folded into its output row.
async fn read_facts(
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
    found: &Found,
    grain: Grain,
) -> Result<Vec<ContactSummary>> {
    // code -> first output row of that caller
    let mut row_of_code: HashMap<CallerId, usize> = HashMap::with_capacity(found.rows.len());
    for (row, range) in found.rows.iter().enumerate() {
        row_of_code
            .entry(found.episodes[range.start].key)
            .or_insert(row);
    }
    let shared = Arc::new((row_of_code, found.archive.clone(), found.episodes.clone()));
    let per_partition = read_partitions(plan, context, |mut stream| {
        let shared = shared.clone();
        async move {
            let (row_of_code, archive, episodes) = &*shared;
            let mut facts: HashMap<usize, ContactSummary> = HashMap::new();
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let keys = Text::of(batch.column(0))?;
                let times = micros_of(batch.column(1))?;
                let texts: Vec<Text> = (2..6)
                    .map(|c| Text::of(batch.column(c)))
                    .collect::<Result<_>>()?;
                for i in 0..batch.num_rows() {
                    let (Some(key), true) = (keys.get(i), times.is_valid(i)) else {
                        continue;
                    };
                    let Some(&first_row) = archive.find(key).and_then(|c| row_of_code.get(&c))
                    else {
                        continue;
                    };
                    let t = times.value(i);
                    let row = match grain {
                        Grain::Caller => first_row,
                        Grain::Episode => {
                            let code = episodes[first_row].key;
                            let ahead = episodes[first_row..]
                                .iter()
                                .take_while(|e| e.key == code)
                                .position(|e| e.start <= t && t <= e.end);
                            match ahead {
                                Some(offset) => first_row + offset,
                                None => continue,
                            }
                        }
                    };
                    facts.entry(row).or_default().add(
                        TriageTable::default_table(),
                        ContactFacts {
                            received_at: t,
                            line: texts[0].get(i).unwrap_or(""),
                            agency: texts[1].get(i).unwrap_or(""),
                            category: texts[2].get(i),
                        },
                        texts[3].get(i),
                    );
                }
            }
            Ok(facts)
        }
    })
    .await?;
    let mut all = vec![ContactSummary::default(); found.rows.len()];
    for facts in per_partition {
        for (row, f) in facts {
            all[row].merge(&f);
        }
    }
    Ok(all)
}
