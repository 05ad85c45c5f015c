//! `engage evaluate`: did referral change how often referred callers come to notice? Runs
//! `engage_impact` over a snapshot's contacts and referrals and says what it found in words,
//! with the figures behind them (docs/impact.md).

use std::io::Write;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, Int32Type, Int64Type};
use datafusion::arrow::util::pretty::pretty_format_batches;

use crate::Error;
use crate::session::{self, Sources};

/// Options of `engage evaluate`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    sources: Sources,
    /// What is counted: contacts, calls_999, or handling (hours of wait and talk).
    #[arg(long, default_value = "contacts", value_parser = ["contacts", "calls_999", "handling"])]
    outcome: String,
    /// Weeks after referral in the estimate.
    #[arg(long, default_value_t = 26, value_parser = crate::flags::at_least_one)]
    weeks_after: u32,
    /// Bootstrap replicates for the intervals.
    #[arg(long, default_value_t = 1000, value_parser = crate::flags::at_least_one)]
    bootstrap: u32,
    /// Seed of the bootstrap (the same seed gives the same answer).
    #[arg(long, default_value_t = 2021)]
    seed: u64,
    /// Further options of engage_impact, e.g. "anticipation_weeks=3 cost_per_contact=8".
    #[arg(long, default_value = "")]
    options: String,
    /// Print every row of the estimate as a table after the summary.
    #[arg(long)]
    rows: bool,
}

/// Runs `engage evaluate`.
pub fn run(args: Args) -> Result<(), Error> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: Args) -> Result<(), Error> {
    if args.sources.data.is_none() && args.sources.tables.is_empty() {
        return Err("engage evaluate needs --data SNAPSHOTS (or --table contacts=... --table referrals=...)".into());
    }
    let ctx = session::open(&args.sources).await?;
    if !ctx.table_exist("referrals")? {
        return Err("there is no referrals table: publish the case system's referrals.csv with the other exports (docs/exports.md), or pass --table referrals=PATH".into());
    }
    let options = format!(
        "outcome={} weeks_after={} bootstrap={} seed={} {}",
        args.outcome, args.weeks_after, args.bootstrap, args.seed, args.options
    );
    let sql = format!(
        "SELECT * FROM engage_impact('contacts', 'referrals', engage_rule_set(), '{}')",
        options.replace('\'', "''")
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    let mut out = std::io::stdout().lock();
    report(&batches, &mut out)?;
    if args.rows {
        writeln!(out, "\n{}", pretty_format_batches(&batches)?)?;
    }
    Ok(())
}

/// The summary a person reads: the estimate in words, the naive figure beside it, the cohort,
/// and the event study.
fn report(batches: &[RecordBatch], out: &mut dyn Write) -> Result<(), Error> {
    for batch in batches {
        let measure = batch.column(0).as_string::<i32>();
        let week = batch.column(1).as_primitive::<Int32Type>();
        let estimate = batch.column(2).as_primitive::<Float64Type>();
        let low = batch.column(3).as_primitive::<Float64Type>();
        let high = batch.column(4).as_primitive::<Float64Type>();
        let callers = batch.column(5).as_primitive::<Int64Type>();
        let unit = batch.column(6).as_string::<i32>();
        let note = batch.column(7).as_string::<i32>();
        let opt = |a: &datafusion::arrow::array::Float64Array, i: usize| {
            a.is_valid(i).then(|| a.value(i))
        };
        let mut event_study_header = false;
        for i in 0..batch.num_rows() {
            let value = opt(estimate, i);
            let interval = match (opt(low, i), opt(high, i)) {
                (Some(l), Some(h)) => format!(" (95% interval {l:.3} to {h:.3})"),
                _ => String::new(),
            };
            match measure.value(i) {
                "rate_ratio" => {
                    writeln!(out, "{}", note.value(i))?;
                    writeln!(
                        out,
                        "  rate ratio {:.3}{interval}",
                        value.unwrap_or(f64::NAN)
                    )?;
                }
                "avoided" | "cost_avoided" => writeln!(
                    out,
                    "  {} {:.1} {}{}",
                    measure.value(i).replace('_', " "),
                    value.unwrap_or(f64::NAN),
                    unit.value(i),
                    interval.replace(".000", "")
                )?,
                "naive_ratio" => writeln!(
                    out,
                    "  naive before/after ratio {} ({})",
                    value.map_or("n/a".to_string(), |v| format!("{v:.3}")),
                    note.value(i)
                )?,
                "event_study" => {
                    if !event_study_header {
                        writeln!(
                            out,
                            "event study (rate ratio by week relative to referral):"
                        )?;
                        event_study_header = true;
                    }
                    if week.value(i) == 0 || week.value(i) % 4 == 0 {
                        writeln!(
                            out,
                            "  week {:>3}: {:.3}{interval}, {} referred callers",
                            week.value(i),
                            value.unwrap_or(f64::NAN),
                            callers.value(i)
                        )?;
                    }
                }
                other => writeln!(
                    out,
                    "  {}: {} ({})",
                    other.replace('_', " "),
                    callers.value(i),
                    note.value(i)
                )?,
            }
        }
    }
    Ok(())
}
