//! `engage pack morning|monthly`: the coordinator's packs as one self-contained HTML file,
//! filled from the SQL views (`morning_list`, `caseload`, `outcomes`, `demand`,
//! `multi_agency`, `engage_impact`) and rendered by `engage-pack`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Europe::London;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{
    Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
};
use datafusion::prelude::SessionContext;
use engage_kernel::{Micros, RuleSet};
use engage_pack::{
    CallerItem, CsuMonth, CsuMorning, Demand, EventStudyPoint, ImpactSection, MarkerExpiring,
    MonthlyPack, MorningPack, MultiAgencyCaller, Outcomes, ReviewOverdue, TrendMonth,
};

use crate::Error;
use crate::session::{self, Sources};

const DAY: Micros = 86_400_000_000;

/// Which pack.
#[derive(clap::Subcommand)]
pub enum Command {
    /// The morning meeting: new repeat callers, open cases that called again, markers
    /// expiring, reviews overdue; per CSU, each caller with a 90-day sparkline and profile.
    Morning(MorningArgs),
    /// The monthly meeting: caseload per CSU, demand, outcomes beside the comparison group,
    /// multi-agency overlap, 12-month trends and "Is it working?".
    Monthly(MonthlyArgs),
}

/// Options of `engage pack morning`.
#[derive(clap::Args)]
pub struct MorningArgs {
    #[command(flatten)]
    sources: Sources,
    /// Only this CSU.
    #[arg(long)]
    csu: Option<String>,
    /// The HTML file to write.
    #[arg(long)]
    out: PathBuf,
}

/// Options of `engage pack monthly`.
#[derive(clap::Args)]
pub struct MonthlyArgs {
    #[command(flatten)]
    sources: Sources,
    /// The month reported, YYYY-MM (UK local calendar month).
    #[arg(long)]
    month: String,
    /// Only this CSU.
    #[arg(long)]
    csu: Option<String>,
    /// Bootstrap replicates of the impact estimate.
    #[arg(long, default_value_t = 1000, value_parser = crate::flags::at_least_one)]
    bootstrap: u32,
    /// The HTML file to write.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `engage pack`.
pub fn run(command: Command) -> Result<(), Error> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let (html, out) = match command {
            Command::Morning(args) => (morning(&args).await?, args.out),
            Command::Monthly(args) => (monthly(&args).await?, args.out),
        };
        std::fs::write(&out, html).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        eprintln!("wrote {}", out.display());
        Ok(())
    })
}

/// Runs one query; with `ENGAGE_PACK_TIMINGS` set, says on stderr how long it took.
async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, Error> {
    let started = std::time::Instant::now();
    let batches = ctx
        .sql(sql)
        .await
        .map_err(|e| format!("{e}\nin the query: {sql}"))?
        .collect()
        .await?;
    if std::env::var_os("ENGAGE_PACK_TIMINGS").is_some() {
        let head: String = sql.chars().take(100).collect();
        eprintln!("{:7.2} s  {head}", started.elapsed().as_secs_f64());
    }
    Ok(batches)
}

/// Text of a column, by name (Utf8, LargeUtf8 or Utf8View, as DataFusion gives it).
fn text(batch: &RecordBatch, column: &str, row: usize) -> Option<String> {
    let array = batch.column_by_name(column)?;
    if !array.is_valid(row) {
        return None;
    }
    if let Some(a) = array.as_string_opt::<i32>() {
        return Some(a.value(row).to_string());
    }
    if let Some(a) = array.as_string_opt::<i64>() {
        return Some(a.value(row).to_string());
    }
    array.as_string_view_opt().map(|a| a.value(row).to_string())
}

fn micros(batch: &RecordBatch, column: &str, row: usize) -> Option<Micros> {
    let array = batch.column_by_name(column)?;
    let array = array.as_primitive_opt::<TimestampMicrosecondType>()?;
    array.is_valid(row).then(|| array.value(row))
}

fn date(batch: &RecordBatch, column: &str, row: usize) -> Option<Micros> {
    let array = batch.column_by_name(column)?;
    let array = array.as_primitive_opt::<Date32Type>()?;
    array
        .is_valid(row)
        .then(|| i64::from(array.value(row)) * DAY)
}

fn int(batch: &RecordBatch, column: &str, row: usize) -> Option<i64> {
    let array = batch.column_by_name(column)?;
    if let Some(a) = array.as_primitive_opt::<Int64Type>() {
        return a.is_valid(row).then(|| a.value(row));
    }
    let a = array.as_primitive_opt::<Int32Type>()?;
    a.is_valid(row).then(|| i64::from(a.value(row)))
}

fn float(batch: &RecordBatch, column: &str, row: usize) -> Option<f64> {
    let array = batch.column_by_name(column)?;
    let a = array.as_primitive_opt::<Float64Type>()?;
    a.is_valid(row).then(|| a.value(row))
}

fn rows(batches: &[RecordBatch]) -> impl Iterator<Item = (&RecordBatch, usize)> {
    batches
        .iter()
        .flat_map(|b| (0..b.num_rows()).map(move |i| (b, i)))
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The rule drawn on sparklines: the first of the session's rule set.
async fn rule(ctx: &SessionContext) -> Result<(String, u32, u32), Error> {
    let batches = query(ctx, "SELECT engage_rule_set() AS r").await?;
    let text = text(&batches[0], "r", 0).unwrap_or_default();
    let rules: RuleSet = text.parse()?;
    let first = rules.rules()[0];
    let days = (first.window / DAY).max(1) as u32;
    Ok((text, first.min_contacts, days))
}

/// The as-of time the views use.
async fn as_of(ctx: &SessionContext) -> Result<Micros, Error> {
    let batches = query(
        ctx,
        "SELECT coalesce(engage_as_of(), (SELECT max(received_at) FROM contacts)) AS t",
    )
    .await?;
    micros(&batches[0], "t", 0).ok_or_else(|| "the contacts table is empty: no pack to make".into())
}

async fn morning(args: &MorningArgs) -> Result<String, Error> {
    let (ctx, snapshot) = session::open_snapshot(&args.sources).await?;
    // Detection once for every section (the morning list and the callers' cards).
    engage_datafusion::hold_views(&ctx, &["repeat_callers"]).await?;
    let as_of = as_of(&ctx).await?;
    let (rule, threshold, window_days) = rule(&ctx).await?;
    let csu_filter = args
        .csu
        .as_ref()
        .map(|c| format!(" AND csu = {}", quote(c)))
        .unwrap_or_default();
    let list = query(
        &ctx,
        &format!(
            "SELECT * FROM morning_list WHERE true{csu_filter} ORDER BY section_order, caller_key"
        ),
    )
    .await?;
    let keys: Vec<String> = rows(&list)
        .filter_map(|(b, i)| text(b, "caller_key", i))
        .collect();
    let (daily, grids) = caller_series(&ctx, &keys, as_of).await?;
    let mut csus: BTreeMap<String, CsuMorning> = BTreeMap::new();
    for (b, i) in rows(&list) {
        let key = text(b, "caller_key", i).unwrap_or_default();
        let csu = text(b, "csu", i);
        let item = CallerItem {
            case_id: text(b, "case_id", i),
            csu: csu.clone(),
            suggested_type: text(b, "suggested_type", i).unwrap_or_default(),
            triage_evidence: text(b, "triage_evidence", i).unwrap_or_default(),
            top_categories: text(b, "top_categories", i).unwrap_or_default(),
            first_flagged_at: micros(b, "first_flagged_at", i),
            last_contact_at: micros(b, "last_contact_at", i),
            contacts_24h: int(b, "contacts_24h", i).unwrap_or(0) as u32,
            daily_contacts: daily.get(&key).cloned().unwrap_or_else(|| vec![0; 90]),
            profile: grids.get(&key).copied().unwrap_or([[0; 24]; 7]),
            caller_key: key,
        };
        let name = csu.unwrap_or_else(|| "No CSU recorded".to_string());
        let entry = csus.entry(name.clone()).or_insert_with(|| CsuMorning {
            csu: name,
            ..CsuMorning::default()
        });
        match text(b, "section", i).as_deref() {
            Some("new_repeat_caller") => entry.new_repeat_callers.push(item),
            Some("called_again") => entry.called_again.push(item),
            Some("marker_expiring") => entry.markers_expiring.push(MarkerExpiring {
                marker_expires: date(b, "marker_expires", i).unwrap_or(as_of),
                caller: item,
            }),
            Some("review_overdue") => entry.reviews_overdue.push(ReviewOverdue {
                review_due: date(b, "review_due", i).unwrap_or(as_of),
                caller: item,
            }),
            other => return Err(format!("morning_list: unknown section {other:?}").into()),
        }
    }
    Ok(engage_pack::render_morning(&MorningPack {
        title: "Repeat callers: morning pack".into(),
        as_of,
        rule,
        threshold,
        window_days,
        csu_filter: args.csu.clone(),
        source: source_of(snapshot, &args.sources),
        generated_by: format!("engage {} pack morning", env!("CARGO_PKG_VERSION")),
        csus: csus.into_values().collect(),
    }))
}

/// The pack's data source: the snapshot's id, else the tables given.
fn source_of(snapshot: Option<String>, sources: &Sources) -> String {
    snapshot.unwrap_or_else(|| sources.tables.join(", "))
}

type Series = (BTreeMap<String, Vec<u32>>, BTreeMap<String, [[u32; 24]; 7]>);

/// Each caller's contacts per UK day over the 90 days ending on the as-of day, and their
/// weekday-by-hour grid, from contacts up to the as-of time.
async fn caller_series(
    ctx: &SessionContext,
    keys: &[String],
    as_of: Micros,
) -> Result<Series, Error> {
    let mut daily: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut grids: BTreeMap<String, [[u32; 24]; 7]> = BTreeMap::new();
    if keys.is_empty() {
        return Ok((daily, grids));
    }
    let mut unique = keys.to_vec();
    unique.sort();
    unique.dedup();
    let list = unique
        .iter()
        .map(|k| quote(k))
        .collect::<Vec<_>>()
        .join(", ");
    let as_of_sql = ts(as_of);
    let last_day = engage_kernel::time::london_date(as_of).unwrap_or(0);
    let batches = query(
        ctx,
        &format!(
            "SELECT caller_key, CAST(uk_date(received_at) AS INT) AS day, uk_weekday(received_at) AS weekday, \
             uk_hour(received_at) AS hour, count(*) AS n FROM contacts \
             WHERE caller_key IN ({list}) AND received_at <= {as_of_sql} GROUP BY 1, 2, 3, 4"
        ),
    )
    .await?;
    for (b, i) in rows(&batches) {
        let key = text(b, "caller_key", i).unwrap_or_default();
        let n = int(b, "n", i).unwrap_or(0) as u32;
        if let (Some(day), Some(weekday), Some(hour)) =
            (int(b, "day", i), int(b, "weekday", i), int(b, "hour", i))
        {
            let offset = i64::from(last_day) - day;
            if (0..90).contains(&offset) {
                daily.entry(key.clone()).or_insert_with(|| vec![0; 90])[(89 - offset) as usize] +=
                    n;
            }
            if (0..7).contains(&weekday) && (0..24).contains(&hour) {
                grids.entry(key).or_insert([[0; 24]; 7])[weekday as usize][hour as usize] += n;
            }
        }
    }
    Ok((daily, grids))
}

/// UTC instants of the start of a UK local month and of the next.
fn month_bounds(month: &str) -> Result<(Micros, Micros), Error> {
    let bad = || format!("--month {month}: expected YYYY-MM, such as 2025-10");
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(bad)?;
    let at = |d: NaiveDate| -> Result<Micros, Error> {
        let local = d.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
        Ok(London
            .from_local_datetime(&local)
            .earliest()
            .ok_or_else(bad)?
            .timestamp_micros())
    };
    Ok((at(first)?, at(next)?))
}

/// An instant as SQL: a timestamp in UTC.
fn ts(t: Micros) -> String {
    format!("arrow_cast(to_timestamp_micros({t}), 'Timestamp(Microsecond, Some(\"UTC\"))')")
}

async fn monthly(args: &MonthlyArgs) -> Result<String, Error> {
    let (ctx, snapshot) = session::open_snapshot(&args.sources).await?;
    let (start, end) = month_bounds(&args.month)?;
    let in_month = query(
        &ctx,
        &format!(
            "SELECT count(*) AS n FROM contacts WHERE received_at >= {} AND received_at < {}",
            ts(start),
            ts(end)
        ),
    )
    .await?;
    if int(&in_month[0], "n", 0).unwrap_or(0) == 0 {
        return Err(format!(
            "--month {}: the data has no contacts in that month, so there is no pack to make (nothing was written)",
            args.month
        )
        .into());
    }
    let month_end = end - 1;
    query(
        &ctx,
        &format!("SET engage.as_of = {}", quote(&rfc3339(month_end))),
    )
    .await?;
    // Detection once for every section (callers identified, outcomes, multi-agency).
    engage_datafusion::hold_views(&ctx, &["repeat_callers"]).await?;
    let (rule, _, _) = rule(&ctx).await?;
    let csu_filter = |column: &str| {
        args.csu
            .as_ref()
            .map(|c| format!(" AND {column} = {}", quote(c)))
            .unwrap_or_default()
    };
    let between = |column: &str| format!("{column} >= {} AND {column} < {}", ts(start), ts(end));

    // Caseload per CSU.
    let mut csus: BTreeMap<String, CsuMonth> = BTreeMap::new();
    let mut bump = |csu: Option<String>, f: &dyn Fn(&mut CsuMonth), n: u32| {
        let name = csu.unwrap_or_else(|| "No CSU recorded".to_string());
        let entry = csus.entry(name.clone()).or_insert_with(|| CsuMonth {
            csu: name,
            identified: 0,
            newly_referred: 0,
            closed: 0,
            open_at_month_end: 0,
        });
        for _ in 0..n {
            f(entry);
        }
    };
    // One detection serves the month's callers per CSU and the trend.
    let trend = trend(&ctx, &args.month, end).await?;
    for ((month, csu), &n) in &trend.identified {
        if *month == args.month && args.csu.as_ref().is_none_or(|c| Some(c) == csu.as_ref()) {
            bump(csu.clone(), &|m| m.identified += 1, n);
        }
    }
    let cases = query(
        &ctx,
        &format!(
            "SELECT csu, count(*) FILTER (WHERE {}) AS referred, count(*) FILTER (WHERE {}) AS closed, \
             count(*) FILTER (WHERE stage <> 'closed') AS open FROM caseload WHERE true{} GROUP BY csu",
            between("referred_at"),
            between("closed_at"),
            csu_filter("csu")
        ),
    )
    .await?;
    for (b, i) in rows(&cases) {
        let csu = text(b, "csu", i);
        bump(
            csu.clone(),
            &|m| m.newly_referred += 1,
            int(b, "referred", i).unwrap_or(0) as u32,
        );
        bump(
            csu.clone(),
            &|m| m.closed += 1,
            int(b, "closed", i).unwrap_or(0) as u32,
        );
        bump(
            csu,
            &|m| m.open_at_month_end += 1,
            int(b, "open", i).unwrap_or(0) as u32,
        );
    }

    // Demand from repeat callers, as the demand view counts it: the month is the trend's last.
    let this_month = trend.months.iter().find(|t| t.month == args.month);
    let (all_handling_s, repeat_handling_s) =
        trend.handling_s.get(&args.month).copied().unwrap_or((0, 0));
    let demand = Demand {
        repeat_contacts: this_month.map_or(0, |t| t.repeat_contacts),
        all_contacts: this_month.map_or(0, |t| t.all_contacts),
        repeat_handling_hours: repeat_handling_s as f64 / 3600.0,
        all_handling_hours: all_handling_s as f64 / 3600.0,
    };

    // Outcomes beside the comparison group, as of the month's end.
    let outcomes = query(
        &ctx,
        &format!(
            "SELECT count(*) FILTER (WHERE referred) AS referred, \
             count(*) FILTER (WHERE referred AND no_longer_coming_to_notice) AS referred_quiet, \
             count(*) FILTER (WHERE NOT referred) AS comparison, \
             count(*) FILTER (WHERE NOT referred AND no_longer_coming_to_notice) AS comparison_quiet, \
             max(engage_quiet_weeks()) AS weeks FROM outcomes WHERE true{}",
            csu_filter("csu")
        ),
    )
    .await?;
    let o = &outcomes[0];
    let weeks = int(o, "weeks", 0).unwrap_or(8);
    let outcomes = Outcomes {
        definition: format!(
            "no qualifying contact for {weeks} weeks or more by the end of the month"
        ),
        referred: int(o, "referred", 0).unwrap_or(0) as u32,
        referred_no_longer: int(o, "referred_quiet", 0).unwrap_or(0) as u32,
        comparison: int(o, "comparison", 0).unwrap_or(0) as u32,
        comparison_no_longer: int(o, "comparison_quiet", 0).unwrap_or(0) as u32,
    };

    // Multi-agency overlap: callers with contacts in the month who reach several agencies.
    // Read as two queries and matched here. The view's aggregate over every keyed contact is
    // the monthly pack's slowest step (about 20 s of 33 s on 13.5M contacts).
    let in_month: std::collections::BTreeSet<String> = rows(
        &query(
            &ctx,
            &format!(
                "SELECT DISTINCT caller_key FROM contacts WHERE caller_key IS NOT NULL AND {}",
                between("received_at")
            ),
        )
        .await?,
    )
    .filter_map(|(b, i)| text(b, "caller_key", i))
    .collect();
    let overlap = query(
        &ctx,
        "SELECT caller_key, police, fire, ambulance, total - police - fire - ambulance AS other, total FROM multi_agency",
    )
    .await?;
    let mut multi_agency: Vec<(i64, MultiAgencyCaller)> = rows(&overlap)
        .filter_map(|(b, i)| {
            let caller_key = text(b, "caller_key", i)?;
            in_month.contains(&caller_key).then(|| {
                let count = |c: &str| int(b, c, i).unwrap_or(0) as u32;
                (
                    int(b, "total", i).unwrap_or(0),
                    MultiAgencyCaller {
                        caller_key,
                        police: count("police"),
                        fire: count("fire"),
                        ambulance: count("ambulance"),
                        other: count("other"),
                    },
                )
            })
        })
        .collect();
    multi_agency.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.caller_key.cmp(&b.1.caller_key))
    });
    let multi_agency = multi_agency.into_iter().take(50).map(|(_, m)| m).collect();

    let (impact, impact_unavailable) = impact(&ctx, args.bootstrap).await;
    Ok(engage_pack::render_monthly(&MonthlyPack {
        title: "Repeat callers: monthly pack".into(),
        month: args.month.clone(),
        rule,
        source: source_of(snapshot, &args.sources),
        generated_by: format!("engage {} pack monthly", env!("CARGO_PKG_VERSION")),
        csus: csus.into_values().collect(),
        demand,
        outcomes,
        multi_agency,
        trend: trend.months,
        impact,
        impact_unavailable,
    }))
}

fn rfc3339(t: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .unwrap_or_default()
}

/// The 12 months up to the reported one: identified, referred, closed, and contacts from
/// repeat callers among all.
/// The twelve months to the pack's, from one detection and one pass of the demand view.
struct Trend {
    months: Vec<TrendMonth>,
    /// Callers first identified, per month and CSU (`None`: no CSU recorded).
    identified: BTreeMap<(String, Option<String>), u32>,
    /// Police handling seconds per month: all, and from repeat callers.
    handling_s: BTreeMap<String, (i64, i64)>,
}

async fn trend(ctx: &SessionContext, month: &str, end: Micros) -> Result<Trend, Error> {
    let last = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")?;
    let months: Vec<String> = (0..12)
        .rev()
        .filter_map(|k| last.checked_sub_months(chrono::Months::new(k)))
        .map(|d| format!("{:04}-{:02}", d.year(), d.month()))
        .collect();
    let (start, _) = month_bounds(&months[0])?;
    let month_of = |column: &str| format!("to_char(uk_date({column}), '%Y-%m')");
    let window = |column: &str| format!("{column} >= {} AND {column} < {}", ts(start), ts(end));
    let mut by_month: BTreeMap<String, TrendMonth> = months
        .iter()
        .map(|m| {
            (
                m.clone(),
                TrendMonth {
                    month: m.clone(),
                    identified: 0,
                    referred: 0,
                    closed: 0,
                    repeat_contacts: 0,
                    all_contacts: 0,
                },
            )
        })
        .collect();
    let mut identified = BTreeMap::new();
    let callers = query(
        ctx,
        &format!(
            "SELECT {} AS m, csu, count(*) AS n FROM repeat_callers WHERE {} GROUP BY 1, 2",
            month_of("first_flagged_at"),
            window("first_flagged_at")
        ),
    )
    .await?;
    for (b, i) in rows(&callers) {
        let (Some(m), n) = (text(b, "m", i), int(b, "n", i).unwrap_or(0) as u32) else {
            continue;
        };
        if let Some(entry) = by_month.get_mut(&m) {
            entry.identified += n;
        }
        identified.insert((m, text(b, "csu", i)), n);
    }
    let counted = [
        (
            format!(
                "SELECT {} AS m, count(*) AS n FROM caseload WHERE {} GROUP BY 1",
                month_of("referred_at"),
                window("referred_at")
            ),
            true,
        ),
        (
            format!(
                "SELECT {} AS m, count(*) AS n FROM caseload WHERE {} GROUP BY 1",
                month_of("closed_at"),
                window("closed_at")
            ),
            false,
        ),
    ];
    for (sql, referred) in counted {
        for (b, i) in rows(&query(ctx, &sql).await?) {
            if let Some(entry) = text(b, "m", i).and_then(|m| by_month.get_mut(&m)) {
                let n = int(b, "n", i).unwrap_or(0) as u32;
                if referred {
                    entry.referred = n;
                } else {
                    entry.closed = n;
                }
            }
        }
    }
    let demand = query(
        ctx,
        &format!(
            "SELECT to_char(day, '%Y-%m') AS m, sum(contacts) AS all_n, sum(from_repeat_callers) AS repeat_n, \
             sum(handling_s) AS all_s, sum(repeat_handling_s) AS repeat_s FROM demand WHERE day >= uk_date({}) AND day < uk_date({}) GROUP BY 1",
            ts(start),
            ts(end)
        ),
    )
    .await?;
    let mut handling_s = BTreeMap::new();
    for (b, i) in rows(&demand) {
        let Some(m) = text(b, "m", i) else { continue };
        if let Some(entry) = by_month.get_mut(&m) {
            entry.all_contacts = int(b, "all_n", i).unwrap_or(0) as u64;
            entry.repeat_contacts = int(b, "repeat_n", i).unwrap_or(0) as u64;
        }
        handling_s.insert(
            m,
            (
                int(b, "all_s", i).unwrap_or(0),
                int(b, "repeat_s", i).unwrap_or(0),
            ),
        );
    }
    Ok(Trend {
        months: by_month.into_values().collect(),
        identified,
        handling_s,
    })
}

/// "Is it working?": the estimate over the whole archive, or why there is none.
async fn impact(ctx: &SessionContext, bootstrap: u32) -> (Option<ImpactSection>, Option<String>) {
    let sql = format!(
        "SELECT * FROM engage_impact('contacts', 'referrals', engage_rule_set(), 'bootstrap={bootstrap}')"
    );
    let batches = match query(ctx, &sql).await {
        Ok(b) => b,
        Err(e) => {
            let message = e.to_string();
            let reason = message
                .lines()
                .next()
                .unwrap_or("")
                .rsplit("engage_impact: ")
                .next()
                .unwrap_or("")
                .to_string();
            return (None, Some(reason));
        }
    };
    let mut section = ImpactSection {
        outcome: "contacts".into(),
        ratio: f64::NAN,
        low: f64::NAN,
        high: f64::NAN,
        naive_ratio: f64::NAN,
        points: Vec::new(),
        anticipation_weeks: engage_kernel::impact::ImpactOptions::default().anticipation_weeks,
        eligible: 0,
        referred: 0,
        comparison: 0,
        method: format!(
            "Poisson rate ratio against eligible callers not yet or never referred, aligned on the week they first qualified; 95% interval from {bootstrap} bootstrap resamples of callers (docs/impact.md)"
        ),
    };
    for (b, i) in rows(&batches) {
        let value = float(b, "estimate", i);
        let n = int(b, "callers", i).unwrap_or(0) as u32;
        match text(b, "measure", i).as_deref() {
            Some("rate_ratio") => {
                section.ratio = value.unwrap_or(f64::NAN);
                section.low = float(b, "low", i).unwrap_or(f64::NAN);
                section.high = float(b, "high", i).unwrap_or(f64::NAN);
            }
            Some("naive_ratio") => section.naive_ratio = value.unwrap_or(f64::NAN),
            Some("event_study") => section.points.push(EventStudyPoint {
                week: int(b, "week", i).unwrap_or(0) as i32,
                ratio: value.unwrap_or(f64::NAN),
                low: float(b, "low", i).unwrap_or(f64::NAN),
                high: float(b, "high", i).unwrap_or(f64::NAN),
            }),
            Some("eligible_callers") => section.eligible = n,
            Some("treated_callers") => section.referred = n,
            Some("never_referred_callers") => section.comparison += n,
            Some("not_yet_referred_controls") => section.comparison += n,
            _ => {}
        }
    }
    (Some(section), None)
}
