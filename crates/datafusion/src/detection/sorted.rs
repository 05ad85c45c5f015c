//! The read of input sorted by caller then time (a snapshot): each caller is detected as its
//! contacts end, so only one caller's times are held; callers that cross a partition's edge
//! are joined at the end.

use std::sync::Arc;

use datafusion::arrow::array::Array;
use datafusion::common::exec_err;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use engage_kernel::{Episode, RuleSet, detect_run_episodes};
use futures::StreamExt;

use crate::args::{Text, micros_of};
use crate::batches::read_partitions;
use crate::sharded::{CallerId, FrozenIndex};

/// Whether every partition of `plan` (columns `caller_key`, `received_at`) comes sorted by
/// caller then time, as an Engage snapshot declares.
pub(super) fn is_sorted_by_key_and_time(plan: &Arc<dyn ExecutionPlan>) -> bool {
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
pub(super) async fn read_sorted(
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
    rules: &RuleSet,
) -> Result<(FrozenIndex, Vec<Episode<CallerId>>)> {
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
    let index = FrozenIndex::of_keys(found.iter().map(|(key, _)| key.as_str()));
    let episodes = found
        .iter()
        .flat_map(|(key, episodes)| {
            let id = index.find(key).expect("filed just above");
            episodes.iter().map(move |e| e.with_key(id))
        })
        .collect();
    Ok((index, episodes))
}
