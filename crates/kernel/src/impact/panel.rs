//! The analysed callers as weekly outcomes on the weeks-since-eligibility axis, with the cohort
//! flow (who was left out and why).

use std::ops::Range;

use super::{CallerHistory, CohortFlow, ControlGroup, ImpactError, ImpactOptions, NaiveComparison};
use crate::time::{Micros, WEEK};

/// One analysed caller.
pub(super) struct Caller {
    /// Referral week on the eligibility axis (`None`: never referred).
    pub group: Option<i32>,
    /// Last observed week.
    pub last_week: i32,
    /// Outcome per week, index `k + history` for `k` in `[−history, last_week]`.
    pub weekly: Vec<f64>,
    /// Mean weekly outcome over the base period of the caller's own group (referred only).
    pub base: f64,
}

/// The analysed callers and the shape of the design.
pub(super) struct Panel {
    pub anticipation: i32,
    pub base_weeks: i32,
    pub weeks_before: i32,
    pub weeks_after: i32,
    pub controls: ControlGroup,
    /// Weeks before eligibility every analysed caller has observed.
    pub history: i32,
    pub callers: Vec<Caller>,
    /// The largest observed week of any analysed caller.
    pub last_week: i32,
    /// The largest referral group (−1 when none).
    pub last_group: i32,
    /// Referred callers by group (index `g`).
    pub by_group: Vec<Vec<u32>>,
    /// Never-referred callers by last observed week (index `k + history`).
    pub never_by_last_week: Vec<Vec<u32>>,
    pub flow: CohortFlow,
}

impl Panel {
    pub fn new(
        histories: &[CallerHistory],
        period: &Range<Micros>,
        options: &ImpactOptions,
    ) -> Result<Panel, ImpactError> {
        let anticipation = options.anticipation_weeks as i32;
        let base_weeks = options.base_weeks as i32;
        let weeks_before = options.weeks_before as i32;
        let history = (anticipation + base_weeks).max(weeks_before);
        let mut flow = CohortFlow {
            callers: histories.len(),
            ..CohortFlow::default()
        };
        let mut callers = Vec::new();
        for (index, h) in histories.iter().enumerate() {
            if !period.contains(&h.eligible_at) {
                flow.eligible_outside_period += 1;
                continue;
            }
            flow.eligible += 1;
            if weeks_between(period.start, h.eligible_at) < i64::from(history) {
                flow.no_baseline += 1;
                continue;
            }
            let group = match h.referred_at {
                None => None,
                Some(r) if !period.contains(&r) => {
                    flow.referral_outside_period += 1;
                    continue;
                }
                Some(r) if r < h.eligible_at => {
                    flow.referred_before_eligible += 1;
                    Some(0)
                }
                Some(r) => Some(weeks_between(h.eligible_at, r) as i32),
            };
            let last_week = (weeks_between(h.eligible_at, period.end) - 1) as i32;
            let mut weekly = vec![0.0; (last_week + history + 1) as usize];
            for &(t, value) in &h.outcomes {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(ImpactError::InvalidOutcome {
                        caller: index,
                        value,
                    });
                }
                let k = weeks_between(h.eligible_at, t);
                if (-i64::from(history)..=i64::from(last_week)).contains(&k) {
                    weekly[(k + i64::from(history)) as usize] += value;
                }
            }
            match group {
                None => flow.never_referred += 1,
                Some(g) => {
                    flow.referred += 1;
                    if g < last_week {
                        flow.treated += 1;
                    }
                }
            }
            callers.push(Caller {
                group,
                last_week,
                weekly,
                base: 0.0,
            });
        }
        let last_week = callers.iter().map(|c| c.last_week).max().unwrap_or(-1);
        let last_group = callers.iter().filter_map(|c| c.group).max().unwrap_or(-1);
        let mut panel = Panel {
            anticipation,
            base_weeks,
            weeks_before,
            weeks_after: options.weeks_after as i32,
            controls: options.controls,
            history,
            callers,
            last_week,
            last_group,
            by_group: vec![Vec::new(); (last_group + 1) as usize],
            never_by_last_week: vec![Vec::new(); (last_week + history + 1) as usize],
            flow,
        };
        for i in 0..panel.callers.len() {
            match panel.callers[i].group {
                Some(g) => {
                    let base = panel.base_sum(&panel.callers[i].weekly, g) / f64::from(base_weeks);
                    panel.callers[i].base = base;
                    panel.by_group[g as usize].push(i as u32);
                }
                None => {
                    let at = panel.index(panel.callers[i].last_week);
                    panel.never_by_last_week[at].push(i as u32);
                }
            }
        }
        Ok(panel)
    }

    /// Index of week `k` in weekly arrays.
    pub fn index(&self, k: i32) -> usize {
        (k + self.history) as usize
    }

    /// The base weeks of group `g`: `[g − a − B, g − a − 1]`.
    pub fn base_range(&self, g: i32) -> Range<i32> {
        g - self.anticipation - self.base_weeks..g - self.anticipation
    }

    /// Sum of a weekly array over the base weeks of group `g`.
    pub fn base_sum(&self, weekly: &[f64], g: i32) -> f64 {
        self.base_range(g).map(|w| weekly[self.index(w)]).sum()
    }

    /// The naive before/after comparison of the treated: mean weekly outcome over the
    /// `a + B` weeks just before the referral week and over the observed post weeks (the
    /// whole weeks after it), pooled over callers.
    pub fn naive(&self) -> NaiveComparison {
        let (mut before, mut before_weeks, mut after, mut after_weeks) = (0.0, 0usize, 0.0, 0usize);
        for c in &self.callers {
            let Some(g) = c.group.filter(|&g| g < c.last_week) else {
                continue;
            };
            for k in g - self.anticipation - self.base_weeks..g {
                before += c.weekly[self.index(k)];
                before_weeks += 1;
            }
            for k in g + 1..=(g + self.weeks_after).min(c.last_week) {
                after += c.weekly[self.index(k)];
                after_weeks += 1;
            }
        }
        let before_mean = before / before_weeks as f64;
        let after_mean = after / after_weeks as f64;
        NaiveComparison {
            before_mean,
            after_mean,
            ratio: (before_mean > 0.0).then(|| after_mean / before_mean),
        }
    }

    /// Referred callers who were controls (not yet referred) in at least one post cell; a post
    /// cell with controls exists at week `k` when `post_cell_weeks[index(k)]`.
    pub fn not_yet_referred_controls(&self, post_cell_weeks: &[bool]) -> usize {
        if self.controls == ControlGroup::NeverReferred {
            return 0;
        }
        self.callers
            .iter()
            .filter(|c| {
                c.group.is_some_and(|g| {
                    let until = (g - self.anticipation - 1).min(c.last_week);
                    (0..=until).any(|k| post_cell_weeks[self.index(k)])
                })
            })
            .count()
    }
}

/// Whole weeks from `from` to `to`, rounded down (negative when `to` is earlier).
fn weeks_between(from: Micros, to: Micros) -> i64 {
    (i128::from(to) - i128::from(from)).div_euclid(i128::from(WEEK)) as i64
}
