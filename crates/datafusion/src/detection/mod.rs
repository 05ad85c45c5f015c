//! Detection over a whole table: the table functions `engage_episodes` and
//! `engage_repeat_callers`, on which the `episodes` and `repeat_callers` views stand.
//!
//! Window functions see one caller at a time, after DataFusion has hash-repartitioned the
//! table by caller, sorted it and held every partition in memory. These functions instead
//! stream the table's `caller_key` and `received_at` columns, from all its partitions at once,
//! into the kernel's [`engage_kernel::ContactIndex`], sharded by key (about 10 bytes a contact plus
//! each key once), detect bucket by bucket on every core, and only then, if a profile column is
//! asked for, read the table a second time for the contacts of the callers found. A query that
//! asks only for the detection columns never reads the rest. Input sorted by caller (a
//! snapshot) is detected one caller at a time as it streams by, holding nothing else.
//!
//! | module | what it holds |
//! |---|---|
//! | [`function`] | the table functions' arguments |
//! | [`provider`] | the table they return, planned when queried |
//! | [`exec`] | the operator: read, detect, read again, answer |
//! | [`unsorted`] | the read of input in any order, into the sharded index |
//! | [`sorted`] | the read of input sorted by caller, detecting as it goes |
//! | [`facts`] | the second read, for the profile columns |
//! | [`output`] | the output columns, from the kernel's caller and episode summaries |

mod exec;
mod facts;
mod function;
mod output;
mod provider;
mod sorted;
mod unsorted;
mod wire;

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableFunctionImpl;
use engage_kernel::summary::{CallerColumn, ColumnSource, EpisodeColumn};

use crate::summary_columns;

pub(crate) use function::documentation;
pub(crate) use provider::DetectionTable;
pub(crate) use wire::{describe_node, describe_table, rebuild_node, rebuild_table};

/// The table functions.
pub(crate) fn functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    [Grain::Episode, Grain::Caller]
        .into_iter()
        .map(|grain| {
            let function: Arc<dyn TableFunctionImpl> =
                Arc::new(function::DetectionFunction { grain });
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
    pub(crate) fn function_name(self) -> &'static str {
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

/// The default key column.
const CALLER_KEY: &str = "caller_key";
