//! `engage_impact('contacts', 'referrals' [, rules] [, options])`: did referral change how
//! often referred callers come to notice? The kernel's estimate (`engage_kernel::impact`,
//! docs/impact.md), robust to regression to the mean, as rows an analyst can query.
//!
//! The cohort is the repeat callers of the contacts table under the rule set (their first
//! qualifying contact is when they became eligible), read through the same detection as
//! `engage_repeat_callers`; treatment is each caller's first `referred` decision in the
//! referrals table; the period is the contacts' first to last instant. The contacts are read
//! once more for the cohort's outcomes.

use std::fmt;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::{TableReference, exec_err, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext, session_state::SessionState};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::ExecutionPlan;
use engage_kernel::impact::{
    CallerHistory, ControlGroup, ImpactEstimate, ImpactOptions, estimate_impact, summarise,
};
use engage_kernel::profile::LineKind;
use engage_kernel::{Micros, RuleSet};
use foldhash::{HashMap, HashMapExt};
use futures::StreamExt;

use crate::args::{Text, micros_of};
use crate::batches::{read_partitions, stream_of};
use crate::detection::DetectionTable;
use crate::whole_input::{WholeInputExec, WholeInputOperator};

/// The documentation of the table function.
pub(crate) fn documentation() -> datafusion::logical_expr::Documentation {
    crate::docs::doc(
        "Did referral help? The effect of referral on referred callers' contacts, by difference in differences against eligible callers not yet or never referred, aligned on the week each first qualified (docs/impact.md): one row per figure (measure, week, estimate, low, high, callers, unit, note), the naive before/after ratio among them, labelled as such.",
        "engage_impact(contacts, referrals [, rule_set] [, options])",
        "SELECT measure, estimate, low, high FROM engage_impact('contacts', 'referrals', '10/7d', 'bootstrap=1000 seed=7') WHERE measure IN ('rate_ratio', 'naive_ratio');",
        &[
            ("contacts", "the name of the contacts table"),
            (
                "referrals",
                "the name of the referrals table (the case system's decisions)",
            ),
            (
                "rule_set",
                "the rule that makes a caller eligible; absent for the session's",
            ),
            (
                "options",
                "key=value pairs separated by spaces: outcome (contacts, calls_999, handling), weeks_after, weeks_before, anticipation_weeks, base_weeks, bootstrap, seed, confidence, min_treated, controls (not_yet or never), cost_per_contact, cost_per_hour",
            ),
        ],
    )
}

/// The table function.
pub(crate) fn function() -> (&'static str, Arc<dyn TableFunctionImpl>) {
    (NAME, Arc::new(ImpactFunction))
}

pub(crate) const NAME: &str = "engage_impact";

/// The impact operator's name in plans.
pub(crate) const EXEC_NAME: &str = "EngageImpactExec";

/// What is counted per contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every contact counts 1.
    Contacts,
    /// Contacts on 999 or 112.
    Calls999,
    /// Handling time, in hours: wait plus talk.
    Handling,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Contacts => "contacts",
            Outcome::Calls999 => "calls_999",
            Outcome::Handling => "handling",
        }
    }

    /// The unit of amounts avoided.
    fn unit(self) -> &'static str {
        match self {
            Outcome::Contacts => "contacts",
            Outcome::Calls999 => "calls",
            Outcome::Handling => "hours",
        }
    }

    fn value(self, line: &str, wait_s: Option<i32>, talk_s: Option<i32>) -> f64 {
        match self {
            Outcome::Contacts => 1.0,
            Outcome::Calls999 => f64::from(u8::from(LineKind::of(line) == LineKind::Emergency)),
            Outcome::Handling => {
                f64::from(wait_s.unwrap_or(0).max(0)) / 3600.0
                    + f64::from(talk_s.unwrap_or(0).max(0)) / 3600.0
            }
        }
    }
}

/// Police call handling costs about £8 a call (Metropolitan Police, Hackney frequent-caller
/// scheme; docs/impact.md gives the source).
pub const DEFAULT_COST_PER_CONTACT_GBP: f64 = 8.0;

/// The estimate's settings: the kernel's options, the outcome, and unit costs.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactSettings {
    /// The estimator's choices.
    pub options: ImpactOptions,
    /// What is counted.
    pub outcome: Outcome,
    /// Cost of one contact handled, in pounds.
    pub cost_per_contact: f64,
    /// Cost of one hour of handling, in pounds; `None`: the cost per contact over the
    /// table's mean handling hours per contact.
    pub cost_per_hour: Option<f64>,
}

impl Default for ImpactSettings {
    fn default() -> Self {
        ImpactSettings {
            options: ImpactOptions::default(),
            outcome: Outcome::Contacts,
            cost_per_contact: DEFAULT_COST_PER_CONTACT_GBP,
            cost_per_hour: None,
        }
    }
}

impl ImpactSettings {
    /// Settings from text such as `outcome=handling weeks_after=26 bootstrap=1000 seed=7`
    /// (pairs separated by spaces or commas); unknown keys and bad values are errors that
    /// name them.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut settings = ImpactSettings::default();
        for pair in text.split([' ', ',', ';']).filter(|p| !p.trim().is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| {
                format!("option `{pair}`: expected key=value, such as bootstrap=1000")
            })?;
            let (key, value) = (key.trim(), value.trim());
            let whole = |min: u64| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|&n| n >= min)
                    .ok_or_else(|| {
                        format!("option {key}: `{value}` is not a whole number of at least {min}")
                    })
            };
            let money = || {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|&n| n.is_finite() && n >= 0.0)
                    .ok_or_else(|| format!("option {key}: `{value}` is not an amount of pounds"))
            };
            let small = |n: u64| {
                u32::try_from(n).map_err(|_| format!("option {key}: `{value}` is too large"))
            };
            let o = &mut settings.options;
            match key {
                "outcome" => {
                    settings.outcome = match value {
                        "contacts" => Outcome::Contacts,
                        "calls_999" => Outcome::Calls999,
                        "handling" => Outcome::Handling,
                        other => {
                            return Err(format!(
                                "option outcome: `{other}` is not one of contacts, calls_999, handling"
                            ));
                        }
                    }
                }
                "weeks_after" => o.weeks_after = small(whole(1)?)?,
                "weeks_before" => o.weeks_before = small(whole(0)?)?,
                "anticipation_weeks" => o.anticipation_weeks = small(whole(0)?)?,
                "base_weeks" => o.base_weeks = small(whole(1)?)?,
                "bootstrap" => o.bootstrap = small(whole(1)?)?,
                "seed" => o.seed = whole(0)?,
                "min_treated" => o.min_treated = whole(1)? as usize,
                "confidence" => {
                    o.confidence = value
                        .parse::<f64>()
                        .ok()
                        .filter(|c| *c > 0.0 && *c < 1.0)
                        .ok_or_else(|| {
                            format!(
                                "option confidence: `{value}` is not between 0 and 1, such as 0.95"
                            )
                        })?
                }
                "controls" => {
                    o.controls = match value {
                        "not_yet" => ControlGroup::NotYetReferred,
                        "never" => ControlGroup::NeverReferred,
                        other => {
                            return Err(format!(
                                "option controls: `{other}` is not one of not_yet (eligible callers not yet or never referred), never (never referred only)"
                            ));
                        }
                    }
                }
                "cost_per_contact" => settings.cost_per_contact = money()?,
                "cost_per_hour" => settings.cost_per_hour = Some(money()?),
                other => {
                    return Err(format!(
                        "option `{other}` is not an option of {NAME}; the options are outcome, weeks_after, weeks_before, anticipation_weeks, base_weeks, bootstrap, seed, confidence, min_treated, controls, cost_per_contact, cost_per_hour"
                    ));
                }
            }
        }
        Ok(settings)
    }
}

/// The output: one row per figure.
pub static IMPACT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("measure", DataType::Utf8, false),
        Field::new("week", DataType::Int32, true),
        Field::new("estimate", DataType::Float64, true),
        Field::new("low", DataType::Float64, true),
        Field::new("high", DataType::Float64, true),
        Field::new("callers", DataType::Int64, true),
        Field::new("unit", DataType::Utf8, true),
        Field::new("note", DataType::Utf8, true),
    ]))
});

#[derive(Debug)]
struct ImpactFunction;

impl TableFunctionImpl for ImpactFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let text = |expr: &Expr| match expr {
            Expr::Literal(value, _) => value.try_as_str().flatten().map(str::to_string),
            _ => None,
        };
        let usage = || {
            plan_err!(
                "{NAME} takes the contacts and referrals tables' names, then optionally a rule set and options: {NAME}('contacts', 'referrals', '10/7d', 'outcome=handling bootstrap=1000 seed=1')"
            )
        };
        let exprs = args.exprs();
        if !(2..=4).contains(&exprs.len()) {
            return usage();
        }
        let texts: Vec<Option<String>> = exprs.iter().map(text).collect();
        let (Some(contacts), Some(referrals)) = (texts[0].clone(), texts[1].clone()) else {
            return usage();
        };
        let rules = match texts.get(2).cloned().flatten() {
            Some(r) if !r.trim().is_empty() => Some(
                r.parse::<RuleSet>()
                    .map_err(|e| DataFusionError::Plan(format!("{NAME}: rule set '{r}': {e}")))?,
            ),
            _ => None,
        };
        let settings = match texts.get(3).cloned().flatten() {
            Some(o) => ImpactSettings::parse(&o)
                .map_err(|e| DataFusionError::Plan(format!("{NAME}: {e}")))?,
            None => ImpactSettings::default(),
        };
        Ok(Arc::new(ImpactTable {
            contacts: TableReference::from(contacts),
            referrals: TableReference::from(referrals),
            rules,
            settings,
        }))
    }
}

/// Whether a table provider is `engage_impact`'s.
pub(crate) fn is_impact_table(provider: &dyn std::any::Any) -> bool {
    provider.is::<ImpactTable>()
}

#[derive(Debug)]
struct ImpactTable {
    contacts: TableReference,
    referrals: TableReference,
    rules: Option<RuleSet>,
    settings: ImpactSettings,
}

async fn scan_columns(
    state: &dyn Session,
    table: &TableReference,
    columns: &[&str],
) -> Result<Arc<dyn ExecutionPlan>> {
    let Some(session) = state.as_any().downcast_ref::<SessionState>() else {
        return plan_err!("{NAME} needs a DataFusion SessionState");
    };
    let Some(source) = session
        .schema_for_ref(table.clone())?
        .table(table.table())
        .await?
    else {
        return plan_err!("{NAME}: there is no table named '{table}'");
    };
    let schema = source.schema();
    let projection = columns
        .iter()
        .map(|c| {
            schema.index_of(c).map_err(|_| {
                DataFusionError::Plan(format!("{NAME}: table '{table}' has no column {c}"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    source.scan(state, Some(&projection), &[], None).await
}

#[async_trait::async_trait]
impl TableProvider for ImpactTable {
    fn schema(&self) -> SchemaRef {
        IMPACT_SCHEMA.clone()
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
        let contacts = scan_columns(
            state,
            &self.contacts,
            &["caller_key", "received_at", "line", "wait_s", "talk_s"],
        )
        .await?;
        let referrals = scan_columns(
            state,
            &self.referrals,
            &["caller_key", "decided_at", "decision"],
        )
        .await?;
        let eligible = DetectionTable::repeat_callers(self.contacts.clone(), self.rules.clone());
        let eligible_schema = eligible.schema();
        let key_and_flag = vec![
            eligible_schema.index_of("caller_key")?,
            eligible_schema.index_of("first_flagged_at")?,
        ];
        let eligible = eligible.scan(state, Some(&key_and_flag), &[], None).await?;
        let exec = WholeInputExec::try_new(
            Impact {
                settings: self.settings.clone(),
            },
            vec![eligible, contacts, referrals],
        )?;
        match projection {
            Some(p) if p.len() != IMPACT_SCHEMA.fields().len() => {
                let exprs = p
                    .iter()
                    .map(|&i| {
                        let field = IMPACT_SCHEMA.field(i);
                        let column: Arc<dyn PhysicalExpr> = Arc::new(
                            datafusion::physical_expr::expressions::Column::new(field.name(), i),
                        );
                        (column, field.name().clone())
                    })
                    .collect::<Vec<_>>();
                Ok(Arc::new(
                    datafusion::physical_plan::projection::ProjectionExec::try_new(
                        exprs,
                        Arc::new(exec),
                    )?,
                ))
            }
            _ => Ok(Arc::new(exec)),
        }
    }
}

/// Reads the cohort, the referrals and the cohort's contacts, then estimates. One partition.
/// Its inputs: the eligible callers (`caller_key`, `first_flagged_at`), the contacts, the
/// referrals.
#[derive(Debug, Clone)]
struct Impact {
    settings: ImpactSettings,
}

impl WholeInputOperator for Impact {
    const NAME: &'static str = EXEC_NAME;

    fn input_count(&self) -> usize {
        3
    }

    fn schema(&self) -> SchemaRef {
        IMPACT_SCHEMA.clone()
    }

    fn describe(
        &self,
        _inputs: &[Arc<dyn ExecutionPlan>],
        _verbose: bool,
        f: &mut fmt::Formatter,
    ) -> fmt::Result {
        let o = &self.settings.options;
        write!(
            f,
            "outcome={}, weeks_after={}, bootstrap={}, seed={}",
            self.settings.outcome.name(),
            o.weeks_after,
            o.bootstrap,
            o.seed
        )
    }

    fn renew(&self, _inputs: &[Arc<dyn ExecutionPlan>]) -> Self {
        self.clone()
    }

    fn execute(
        &self,
        inputs: &[Arc<dyn ExecutionPlan>],
        _partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let mut settings = self.settings.clone();
        settings.options.threads = context.session_config().target_partitions().max(1);
        let inputs = inputs.to_vec();
        Ok(stream_of(IMPACT_SCHEMA.clone(), async move {
            let (callers, period, mean_handling_hours) =
                read_cohort(&inputs, &context, settings.outcome).await?;
            let options = settings.options.clone();
            let estimate =
                SpawnedTask::spawn_blocking(move || estimate_impact(&callers, period, &options))
                    .join()
                    .await
                    .map_err(|e| DataFusionError::External(Box::new(e)))?
                    .map_err(|e| DataFusionError::Execution(format!("{NAME}: {e}")))?;
            Ok(vec![rows(&estimate, &settings, mean_handling_hours)?])
        }))
    }
}

/// Every eligible caller's history, the study period, and the mean handling hours per contact
/// (for the default cost of an hour).
async fn read_cohort(
    inputs: &[Arc<dyn ExecutionPlan>],
    context: &Arc<TaskContext>,
    outcome: Outcome,
) -> Result<(Vec<CallerHistory>, std::ops::Range<Micros>, f64)> {
    // Eligible callers: key -> index into histories.
    let eligible: Vec<(String, Micros)> =
        read_partitions(&inputs[0], context, |mut stream| async move {
            let mut out = Vec::new();
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let keys = Text::of(batch.column(0))?;
                let flagged = micros_of(batch.column(1))?;
                for i in 0..batch.num_rows() {
                    if let (Some(k), true) = (keys.get(i), flagged.is_valid(i)) {
                        out.push((k.to_string(), flagged.value(i)));
                    }
                }
            }
            Ok(out)
        })
        .await?
        .into_iter()
        .flatten()
        .collect();
    let mut index: HashMap<String, usize> = HashMap::with_capacity(eligible.len());
    let mut callers: Vec<CallerHistory> = eligible
        .into_iter()
        .enumerate()
        .map(|(i, (key, eligible_at))| {
            index.insert(key, i);
            CallerHistory {
                eligible_at,
                referred_at: None,
                outcomes: Vec::new(),
            }
        })
        .collect();
    let index = Arc::new(index);

    // First `referred` decision per eligible caller.
    let shared = index.clone();
    let referred = read_partitions(&inputs[2], context, move |mut stream| {
        let index = shared.clone();
        async move {
            let mut out: Vec<(usize, Micros)> = Vec::new();
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let keys = Text::of(batch.column(0))?;
                let decided = micros_of(batch.column(1))?;
                let decisions = Text::of(batch.column(2))?;
                for i in 0..batch.num_rows() {
                    if decisions.get(i).map(str::trim) != Some("referred") || !decided.is_valid(i) {
                        continue;
                    }
                    if let Some(&c) = keys.get(i).and_then(|k| index.get(k)) {
                        out.push((c, decided.value(i)));
                    }
                }
            }
            Ok(out)
        }
    })
    .await?;
    for (c, t) in referred.into_iter().flatten() {
        let r = &mut callers[c].referred_at;
        *r = Some(r.map_or(t, |old| old.min(t)));
    }

    // The cohort's contacts, and the period over all contacts.
    let shared = index.clone();
    let parts = read_partitions(&inputs[1], context, move |mut stream| {
        let index = shared.clone();
        async move {
            let mut out: Vec<(usize, Micros, f64)> = Vec::new();
            let (mut first, mut last) = (Micros::MAX, Micros::MIN);
            let (mut handling, mut seen) = (0.0f64, 0u64);
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let keys = Text::of(batch.column(0))?;
                let times = micros_of(batch.column(1))?;
                let lines = Text::of(batch.column(2))?;
                let int = |c: usize| -> Result<Vec<Option<i32>>> {
                    let a = datafusion::arrow::compute::cast(batch.column(c), &DataType::Int32)?;
                    let a = a
                        .as_any()
                        .downcast_ref::<datafusion::arrow::array::Int32Array>()
                        .ok_or_else(|| DataFusionError::Internal("wait_s/talk_s".into()))?
                        .iter()
                        .collect();
                    Ok(a)
                };
                let (wait, talk) = (int(3)?, int(4)?);
                for i in 0..batch.num_rows() {
                    if !times.is_valid(i) {
                        continue;
                    }
                    let t = times.value(i);
                    first = first.min(t);
                    last = last.max(t);
                    let line = lines.get(i).unwrap_or("");
                    handling += Outcome::Handling.value(line, wait[i], talk[i]);
                    seen += 1;
                    if let Some(&c) = keys.get(i).and_then(|k| index.get(k)) {
                        out.push((c, t, outcome.value(line, wait[i], talk[i])));
                    }
                }
            }
            Ok((out, first, last, handling, seen))
        }
    })
    .await?;
    let (mut first, mut last) = (Micros::MAX, Micros::MIN);
    let (mut handling, mut contacts) = (0.0, 0u64);
    for (rows, f, l, h, n) in parts {
        first = first.min(f);
        last = last.max(l);
        handling += h;
        contacts += n;
        for (c, t, v) in rows {
            callers[c].outcomes.push((t, v));
        }
    }
    if contacts == 0 {
        return exec_err!("{NAME}: the contacts table is empty, so there is nothing to evaluate");
    }
    Ok((
        callers,
        first..last.saturating_add(1),
        handling / contacts as f64,
    ))
}

/// The estimate as rows.
fn rows(
    e: &ImpactEstimate,
    settings: &ImpactSettings,
    mean_handling_hours: f64,
) -> Result<RecordBatch> {
    let mut measure = StringBuilder::new();
    let mut week = Int32Builder::new();
    let mut estimate = Float64Builder::new();
    let mut low = Float64Builder::new();
    let mut high = Float64Builder::new();
    let mut callers = Int64Builder::new();
    let mut unit = StringBuilder::new();
    let mut note = StringBuilder::new();
    let mut row = |m: &str,
                   w: Option<i32>,
                   v: Option<f64>,
                   interval: Option<(Option<f64>, Option<f64>)>,
                   n: Option<usize>,
                   u: &str,
                   text: Option<String>| {
        measure.append_value(m);
        week.append_option(w);
        estimate.append_option(v);
        let (l, h) = interval.unwrap_or((None, None));
        low.append_option(l);
        high.append_option(h);
        callers.append_option(n.map(|n| n as i64));
        unit.append_value(u);
        note.append_option(text);
    };
    let outcome = settings.outcome;
    row(
        "rate_ratio",
        None,
        Some(e.overall.ratio),
        Some((Some(e.overall.low), Some(e.overall.high))),
        Some(e.cohort.treated),
        "ratio",
        Some(summarise(e, outcome.name())),
    );
    row(
        "avoided",
        None,
        Some(e.avoided.value),
        Some((Some(e.avoided.low), Some(e.avoided.high))),
        Some(e.cohort.treated),
        outcome.unit(),
        Some(format!(
            "{} expected minus observed over the {} weeks after referral",
            outcome.unit(),
            e.weeks_after
        )),
    );
    let cost = match outcome {
        Outcome::Contacts => Some((settings.cost_per_contact, "per contact")),
        Outcome::Handling => {
            let per_hour = settings.cost_per_hour.or_else(|| {
                (mean_handling_hours > 0.0).then(|| settings.cost_per_contact / mean_handling_hours)
            });
            per_hour.map(|p| (p, "per hour of handling"))
        }
        Outcome::Calls999 => None,
    };
    if let Some((price, per)) = cost {
        row(
            "cost_avoided",
            None,
            Some(e.avoided.value * price),
            Some((Some(e.avoided.low * price), Some(e.avoided.high * price))),
            Some(e.cohort.treated),
            "GBP",
            Some(format!("at £{price:.2} {per}")),
        );
    }
    row(
        "naive_ratio",
        None,
        e.naive.ratio,
        None,
        Some(e.cohort.treated),
        "ratio",
        Some("NAIVE before/after of referred callers: compares them at their peak with their ordinary level afterwards (regression to the mean), so it overstates any effect".into()),
    );
    for w in &e.event_study {
        row(
            "event_study",
            Some(w.week),
            Some(w.ratio),
            Some((w.low, w.high)),
            Some(w.treated_callers),
            "ratio",
            None,
        );
    }
    let flow = &e.cohort;
    for (m, n, u, text) in [
        (
            "eligible_callers",
            flow.eligible,
            "callers",
            "callers who first qualified in the period",
        ),
        (
            "treated_callers",
            flow.treated,
            "callers",
            "referred callers with a week observed after referral",
        ),
        (
            "never_referred_callers",
            flow.never_referred,
            "callers",
            "eligible callers never referred: controls",
        ),
        (
            "not_yet_referred_controls",
            flow.not_yet_referred_controls,
            "callers",
            "referred callers used as controls before their referral",
        ),
        (
            "excluded_no_baseline",
            flow.no_baseline,
            "callers",
            "eligible too early in the period for a baseline: excluded",
        ),
        (
            "excluded_referral_outside_period",
            flow.referral_outside_period,
            "callers",
            "referred outside the contacts' period: excluded, never used",
        ),
        (
            "cells_skipped",
            flow.cells_skipped,
            "cells",
            "referral-week cells without controls: skipped",
        ),
    ] {
        row(m, None, Some(n as f64), None, Some(n), u, Some(text.into()));
    }
    Ok(RecordBatch::try_new(
        IMPACT_SCHEMA.clone(),
        vec![
            Arc::new(measure.finish()),
            Arc::new(week.finish()),
            Arc::new(estimate.finish()),
            Arc::new(low.finish()),
            Arc::new(high.finish()),
            Arc::new(callers.finish()),
            Arc::new(unit.finish()),
            Arc::new(note.finish()),
        ],
    )?)
}
