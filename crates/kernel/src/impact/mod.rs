//! Did referring a repeat caller change how often they call? An honest estimate of the effect
//! of referral, robust to regression to the mean.
//!
//! Callers are picked at their peak, so their calls fall afterwards whether or not anyone
//! helps; a before/after comparison of referred callers overstates any effect. This module
//! compares referred callers with eligible callers who were not (yet) referred, each aligned
//! at the week they first qualified, so the burst-then-decline of a crisis is shared by both.
//!
//! # Estimand and design
//!
//! - **Cohort.** Callers who became eligible (first qualified under the rule) inside the study
//!   period `[start, end)`. Eligibility outside the period: excluded and counted.
//! - **Time axis.** Weeks since eligibility, `k = floor((t − eligible_at) / 7 days)`, negative
//!   before. Week `k` of a caller is *observed* when the whole week lies inside the period.
//! - **History.** Every caller in the analysis must have the
//!   `H = max(anticipation_weeks + base_weeks, weeks_before)` weeks before eligibility observed
//!   (else excluded, counted as "no baseline"). So every base period and every event-study week
//!   before referral is observed for everyone, and the overall estimate and the event study
//!   rest on one sample.
//! - **Treatment.** The first `referred` decision. Its group `g` is the referral week on the
//!   same axis (the week in which the referral falls); a referral before eligibility is put at
//!   week 0 and counted. A referral outside the period cannot be placed honestly: the caller
//!   is dropped (neither treated nor control) and counted.
//! - **The referral week is neither before nor after.** A referral falls inside its week
//!   `g`, so week `g` is partly untreated; counting it as a post week would pull the estimate
//!   towards 1 (in the generator's crisis world, where calls are still frequent when callers
//!   are referred, 9% of the calls in weeks `g..g + 26` come before the referral, and a
//!   true effect of 0.5 was estimated as 0.545). Post weeks are the whole weeks after it,
//!   `k ∈ [g + 1, g + weeks_after]`; the referral week appears in the event study (`e = 0`)
//!   only.
//! - **Base period of group g:** weeks `[g − a − B, g − a − 1]` (`a` = anticipation weeks,
//!   `B` = base weeks); a caller's base level is its mean weekly outcome over them. The
//!   anticipation window keeps the selection burst (and any change just before referral) out
//!   of "before".
//! - **Group-time cells (g, k)** as in Callaway and Sant'Anna (2021) with not-yet-treated
//!   controls. Treated: callers of group `g` observed at `k`. Controls: callers never referred,
//!   or referred at a week `g' > max(k, g − a − 1) + a`, that is untreated (anticipation
//!   included) in week `k` *and* in every base week, observed at `k`, and not of group `g`
//!   itself ([`ControlGroup::NeverReferred`] keeps the never referred only, as a sensitivity
//!   check). (For cells after the base this is the rule `g' > k + a`; for placebo weeks before
//!   the base the extra condition keeps callers treated during the base out, and `g' ≠ g`
//!   keeps the group from being its own control, as R's `did::att_gt` does.)
//! - **Cell ratio.** `Σ_T Y_k / (Σ_T base × (Σ_C Y_k / Σ_C base))`: observed over expected,
//!   where expected moves the treated base level by the controls' change. This is exactly the
//!   rate ratio `exp(τ)` a Poisson GLM with caller and week fixed effects and a treated×week-k
//!   dummy gives on the cell's 2×2 panel (base weeks and week `k`; a ratio of sums), which
//!   `tests/impact_statsmodels.rs` checks against statsmodels. Cells with treated callers but
//!   no controls (or a zero control base) are skipped and counted.
//! - **Overall rate ratio:** Σ observed / Σ expected over all post cells
//!   `k ∈ [g + 1, g + weeks_after]`; **avoided** = Σ (expected − observed) over them, in
//!   outcome units (contacts, 999 calls, seconds of handling). The **treated** are the
//!   referred callers with at least one observed post week.
//! - **Event study:** the same ratio of sums for each `e = k − g ∈ [−weeks_before,
//!   weeks_after]`. Weeks `e < −a − B` lie before the base and are true placebo checks (≈ 1
//!   under parallel trends); weeks inside the base are ≈ 1 nearly by construction; weeks
//!   `−a ≤ e < 0` are the anticipation window; `e = 0` is the referral week, partly treated
//!   (not in the overall estimate).
//! - **Assumption.** Without referral, referred callers' outcomes would have moved, week by
//!   week since eligibility, in proportion to their comparisons' (parallel trends in ratio
//!   form). It fails when the week of referral depends on something that also shapes the
//!   trajectory, such as calendar time: a panel that starts with an empty waiting list just
//!   when the mix of callers becoming eligible differs. Placebo weeks check it before
//!   referral only. (The generator's crisis world once did this at its switch-on, and the
//!   estimate came out 1–2% high; see `engage_synth::crisis`.)
//! - **Naive before/after** (shown beside, labelled naive): treated callers' mean weekly
//!   outcome in the `a + B` weeks just before the referral week against their observed post
//!   weeks.
//! - **Intervals:** percentile bootstrap over callers (clustered: a caller's whole history is
//!   drawn together), `n` draws with replacement per replicate from the `n` analysed callers.
//!   Replicate `r` draws from ChaCha8 seeded with `seed`, stream `r` ([`replicate_weights`]),
//!   so results are identical whatever `threads` is. A replicate whose expected total is zero
//!   is not used (see `replicates_used`). Percentiles interpolate linearly between order
//!   statistics (R's type 7).
//!
//! # Speed
//!
//! One evaluation costs O(callers × weeks): the control set of a cell shrinks as its week
//! grows (callers leave it when they are referred or leave the period), so control sums are
//! accumulated once, from the largest week down (see `evaluate.rs`), rather than per cell.

mod bootstrap;
mod evaluate;
mod panel;
mod summary;

use std::ops::Range;

use crate::time::Micros;

pub use bootstrap::replicate_weights;
pub use summary::{effect_sentence, summarise};

/// The longest study period accepted, in weeks (100 years); arrays are sized by weeks.
pub const MAX_PERIOD_WEEKS: i64 = 5_200;

/// One eligible caller: when they first qualified, when they were first referred, and their
/// contacts.
#[derive(Clone, Debug, PartialEq)]
pub struct CallerHistory {
    /// When the caller first qualified under the rule (time zero).
    pub eligible_at: Micros,
    /// The first `referred` decision, if any.
    pub referred_at: Option<Micros>,
    /// Each contact's time and outcome value: 1.0 for contacts, 1.0/0.0 for 999 calls,
    /// handling seconds for handling. Any order.
    pub outcomes: Vec<(Micros, f64)>,
}

/// Choices of the estimator; [`Default`] gives the documented values.
#[derive(Clone, Debug, PartialEq)]
pub struct ImpactOptions {
    /// Weeks just before referral left out of the base period (the selection burst). Default 2.
    pub anticipation_weeks: u32,
    /// Weeks in the base period (before the anticipation window). Default 4; at least 1.
    pub base_weeks: u32,
    /// Event-study weeks before referral. Default 8.
    pub weeks_before: u32,
    /// Whole weeks after the referral week in the estimate and the event study. Default 26; at
    /// least 1.
    pub weeks_after: u32,
    /// Bootstrap replicates. Default 1,000; at least 1.
    pub bootstrap: u32,
    /// Seed of the bootstrap. Default 2021.
    pub seed: u64,
    /// Confidence level of the intervals, in (0, 1). Default 0.95.
    pub confidence: f64,
    /// Threads for the bootstrap; 0 is taken as 1, and on wasm32 only 1 is used. Default 1.
    pub threads: usize,
    /// The fewest treated callers (referred, with an observed week after the referral week) for which
    /// an estimate is given. Default 10; lower it only for worked examples and tests.
    pub min_treated: usize,
    /// Which callers are controls. Default [`ControlGroup::NotYetReferred`].
    pub controls: ControlGroup,
}

/// Which eligible callers serve as controls (a sensitivity choice, as R's `did::att_gt`
/// `control_group`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ControlGroup {
    /// Never referred, and referred callers before their referral (anticipation included).
    #[default]
    NotYetReferred,
    /// Never-referred callers only.
    NeverReferred,
}

impl Default for ImpactOptions {
    fn default() -> Self {
        ImpactOptions {
            anticipation_weeks: 2,
            base_weeks: 4,
            weeks_before: 8,
            weeks_after: 26,
            bootstrap: 1_000,
            seed: 2021,
            confidence: 0.95,
            threads: 1,
            min_treated: 10,
            controls: ControlGroup::NotYetReferred,
        }
    }
}

/// A rate ratio (observed / expected) with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateRatio {
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

/// Expected − observed over the treated post weeks, in outcome units, with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Avoided {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The ratio in one week relative to referral (`week` = k − g; negative before referral).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventStudyWeek {
    pub week: i32,
    pub ratio: f64,
    /// Interval bounds; `None` when no bootstrap replicate defines this week.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Referred callers observed in this week (in cells that had controls).
    pub treated_callers: usize,
}

/// The naive before/after comparison of referred callers, shown beside the estimate only to
/// show how far it misleads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NaiveComparison {
    /// Mean weekly outcome in the `anticipation + base` weeks just before the referral week.
    pub before_mean: f64,
    /// Mean weekly outcome in the observed whole weeks after the referral week (up to
    /// `weeks_after`).
    pub after_mean: f64,
    /// `after_mean / before_mean`; `None` when `before_mean` is zero.
    pub ratio: Option<f64>,
}

/// Who was analysed and who was left out, and why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CohortFlow {
    /// Histories given.
    pub callers: usize,
    /// Eligible outside the study period: not in the cohort.
    pub eligible_outside_period: usize,
    /// Cohort callers (eligible in the period).
    pub eligible: usize,
    /// Excluded: the weeks before eligibility needed for a base period are not in the period.
    pub no_baseline: usize,
    /// Excluded: referred, but the referral date is outside the study period.
    pub referral_outside_period: usize,
    /// Referred callers analysed (including those with no observed week after referral).
    pub referred: usize,
    /// Referred callers with at least one observed whole week after the referral week (the
    /// treated).
    pub treated: usize,
    /// Analysed callers never referred (controls throughout).
    pub never_referred: usize,
    /// Referred callers who were a not-yet-referred control in at least one post cell.
    pub not_yet_referred_controls: usize,
    /// Referrals dated before eligibility, placed at week 0.
    pub referred_before_eligible: usize,
    /// Group-time cells with treated callers but no controls or a zero control base.
    pub cells_skipped: usize,
}

/// The estimate of the effect of referral.
#[derive(Clone, Debug, PartialEq)]
pub struct ImpactEstimate {
    /// Overall rate ratio over the post weeks (1.0 = no effect, below 1 = fewer).
    pub overall: RateRatio,
    /// Expected − observed over the treated post weeks.
    pub avoided: Avoided,
    /// Observed total over the treated post weeks.
    pub observed: f64,
    /// Expected total over the treated post weeks.
    pub expected: f64,
    /// Ratios by week relative to referral, `−weeks_before ..= weeks_after` (0: the referral
    /// week, partly treated), weeks with an estimate only.
    pub event_study: Vec<EventStudyWeek>,
    /// The naive before/after comparison.
    pub naive: NaiveComparison,
    pub cohort: CohortFlow,
    /// The confidence level of the intervals.
    pub confidence: f64,
    /// Whole weeks after the referral week in the estimate.
    pub weeks_after: u32,
    /// Bootstrap replicates with a defined estimate (of `bootstrap` requested).
    pub replicates_used: usize,
}

/// Why no estimate can honestly be given.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ImpactError {
    #[error(
        "the study period must end after it starts and last at most {MAX_PERIOD_WEEKS} weeks (start {start}, end {end} µs)"
    )]
    InvalidPeriod { start: Micros, end: Micros },
    #[error(
        "caller {caller} (0-based, in input order): outcome value {value} is not a finite number at least 0"
    )]
    InvalidOutcome { caller: usize, value: f64 },
    #[error("invalid impact option `{option}`: {reason}")]
    InvalidOption {
        option: &'static str,
        reason: &'static str,
    },
    #[error(
        "no caller in the cohort was referred within the study period ({eligible} eligible callers, {no_baseline} of them left out for qualifying in the first {history_weeks} weeks of the period, before which their history is not known; {outside} referrals fall outside the period)"
    )]
    NoReferrals {
        eligible: usize,
        no_baseline: usize,
        history_weeks: u32,
        outside: usize,
    },
    #[error(
        "{treated} referred callers with an observed week after the referral week in the cohort; at least {needed} are needed for an estimate"
    )]
    TooFewTreated { treated: usize, needed: usize },
    #[error(
        "no comparison callers: no week after a referral has eligible callers who were not yet referred or never referred ({cells_skipped} cells without controls)"
    )]
    NoControls { cells_skipped: usize },
    #[error(
        "nothing was expected after referral (referred callers had no outcome in their base weeks, or comparison callers none in the weeks after), so no ratio can be formed"
    )]
    NothingExpected,
    #[error(
        "only {used} of {requested} bootstrap replicates gave an estimate; the interval would not be honest"
    )]
    BootstrapFailed { used: usize, requested: usize },
}

/// Estimates the effect of referral on the outcome over the study `period` (`[start, end)`).
pub fn estimate_impact(
    callers: &[CallerHistory],
    period: Range<Micros>,
    options: &ImpactOptions,
) -> Result<ImpactEstimate, ImpactError> {
    validate(&period, options)?;
    let mut panel = panel::Panel::new(callers, &period, options)?;
    if panel.flow.referred == 0 {
        return Err(ImpactError::NoReferrals {
            eligible: panel.flow.eligible,
            no_baseline: panel.flow.no_baseline,
            history_weeks: (options.anticipation_weeks + options.base_weeks)
                .max(options.weeks_before),
            outside: panel.flow.referral_outside_period,
        });
    }
    if panel.flow.treated < options.min_treated.max(1) {
        return Err(ImpactError::TooFewTreated {
            treated: panel.flow.treated,
            needed: options.min_treated.max(1),
        });
    }
    let mut scratch = evaluate::Scratch::new(&panel);
    let weights = vec![1u32; panel.callers.len()];
    let point = evaluate::evaluate(&panel, &weights, &mut scratch, true);
    panel.flow.cells_skipped = point.cells_skipped;
    panel.flow.not_yet_referred_controls = panel.not_yet_referred_controls(&point.post_cell_weeks);
    if point.expected_cells == 0 {
        return Err(ImpactError::NoControls {
            cells_skipped: point.cells_skipped,
        });
    }
    if point.expected <= 0.0 {
        return Err(ImpactError::NothingExpected);
    }
    let replicates = bootstrap::run(&panel, options);
    let used = replicates.len();
    let requested = options.bootstrap as usize;
    if used * 2 < requested {
        return Err(ImpactError::BootstrapFailed { used, requested });
    }
    Ok(bootstrap::assemble(&panel, options, &point, &replicates))
}

fn validate(period: &Range<Micros>, options: &ImpactOptions) -> Result<(), ImpactError> {
    let weeks = (i128::from(period.end) - i128::from(period.start)) / i128::from(crate::time::WEEK);
    if period.end <= period.start || weeks > i128::from(MAX_PERIOD_WEEKS) {
        return Err(ImpactError::InvalidPeriod {
            start: period.start,
            end: period.end,
        });
    }
    let invalid = |option, reason| Err(ImpactError::InvalidOption { option, reason });
    if options.base_weeks == 0 {
        return invalid("base_weeks", "must be at least 1");
    }
    if options.weeks_after == 0 {
        return invalid("weeks_after", "must be at least 1");
    }
    if options.bootstrap == 0 {
        return invalid("bootstrap", "must be at least 1");
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return invalid("confidence", "must be between 0 and 1, such as 0.95");
    }
    let weeks = i64::from(options.anticipation_weeks)
        + i64::from(options.base_weeks)
        + i64::from(options.weeks_before)
        + i64::from(options.weeks_after);
    if weeks > MAX_PERIOD_WEEKS {
        return invalid(
            "weeks",
            "the windows add up to more than the longest period",
        );
    }
    Ok(())
}
