//! The operator's output columns: for each row, the kernel's [`CallerSummary`] or
//! [`EpisodeSummary`] gives the value of each column asked, and one typed builder per column
//! ([`ColumnBuilder`]) turns them into Arrow.

use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use datafusion::error::{DataFusionError, Result};
use engage_kernel::summary::{
    CallerColumn, CallerSummary, ContactSummary, ContactsNotRead, EpisodeColumn, EpisodeSummary,
};

use super::Grain;
use super::exec::{Found, Job};
use crate::sharded::CallerId;
use crate::summary_columns::ColumnBuilder;

impl Job {
    pub(super) fn output(
        &self,
        found: &Found,
        facts: Option<&[ContactSummary]>,
    ) -> Result<RecordBatch> {
        let columns = self
            .detection
            .columns
            .iter()
            .map(|name| self.column(name, found, facts))
            .collect::<Result<Vec<_>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(found.rows.len()));
        Ok(RecordBatch::try_new_with_options(
            self.detection.schema.clone(),
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
            DataFusionError::Execution(format!(
                "{}: no column {name}",
                self.detection.grain.function_name()
            ))
        };
        let contacts = |i: usize| facts.map(|f| &f[i]);
        let key = |i: usize| found.index.key(found.episodes[found.rows[i].start].key);
        let rows = found.rows.len();
        let value_error =
            |e: ContactsNotRead| DataFusionError::Execution(format!("EngageDetectionExec: {e}"));
        match self.detection.grain {
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
