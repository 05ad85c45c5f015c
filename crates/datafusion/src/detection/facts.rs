//! The second read, for the profile columns: each contact of a caller found (line, agency,
//! category, CSU) folded into its output row's [`ContactSummary`].

use std::sync::Arc;

use datafusion::arrow::array::Array;
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use engage_kernel::profile::ContactFacts;
use engage_kernel::summary::ContactSummary;
use engage_kernel::triage::TriageTable;
use foldhash::{HashMap, HashMapExt};
use futures::StreamExt;

use super::Grain;
use super::exec::Found;
use crate::args::{Text, micros_of};
use crate::batches::read_partitions;
use crate::sharded::CallerId;

/// The second read: each contact of a caller found, folded into its output row.
pub(super) async fn read_facts(
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
    let shared = Arc::new((row_of_code, found.index.clone(), found.episodes.clone()));
    let per_partition = read_partitions(plan, context, |mut stream| {
        let shared = shared.clone();
        async move {
            let (row_of_code, index, episodes) = &*shared;
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
                    let Some(&first_row) = index.find(key).and_then(|c| row_of_code.get(&c)) else {
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
