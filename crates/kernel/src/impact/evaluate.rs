//! Observed and expected totals of every group-time cell for one set of caller weights (all 1
//! for the estimate, bootstrap counts for a replicate), in O(callers × weeks).
//!
//! The controls of cell (g, k) are the callers whose *control-until* week `u` (last observed
//! week for the never referred, `g' − a − 1` for the referred of group `g'`) is at least
//! `m = max(k, g − a − 1)`, less the members of group `g` itself. Sweeping `m` from the last
//! week down and adding each caller's weekly outcomes into `control` when `m` reaches its `u`,
//! `control[w]` is at every step the controls' total in week `w`, for the week `k` and the
//! base weeks alike. Group `g` members all have `u = g − a − 1`, so they are added only after
//! the cells that must exclude them (those with `m = g − a − 1`) are done.

use super::ControlGroup;
use super::panel::Panel;

/// Reusable buffers for one thread.
pub(super) struct Scratch {
    treated_y: Vec<f64>,
    treated_base: Vec<f64>,
    treated_n: Vec<f64>,
    control: Vec<f64>,
}

impl Scratch {
    pub fn new(panel: &Panel) -> Scratch {
        let cells = (panel.last_group + 1) as usize * event_weeks(panel);
        Scratch {
            treated_y: vec![0.0; cells],
            treated_base: vec![0.0; cells],
            treated_n: vec![0.0; cells],
            control: vec![0.0; panel.index(panel.last_week) + 1],
        }
    }
}

/// Totals by week relative to referral and over the post weeks.
pub(super) struct Evaluation {
    /// Observed total over post cells (the whole weeks after the referral week).
    pub observed: f64,
    /// Expected total over post cells.
    pub expected: f64,
    /// Post cells with treated callers and controls.
    pub expected_cells: usize,
    /// Cells with treated callers but no controls or a zero control base.
    pub cells_skipped: usize,
    /// Per week relative to referral (index `e + weeks_before`): observed, expected, treated
    /// weight.
    pub by_week: Vec<WeekTotals>,
    /// `post_cell_weeks[index(k)]`: a post cell with controls exists at week `k` (filled
    /// only when asked).
    pub post_cell_weeks: Vec<bool>,
}

#[derive(Clone, Copy, Default)]
pub(super) struct WeekTotals {
    pub observed: f64,
    pub expected: f64,
    pub treated: f64,
}

/// Number of event-study weeks, `weeks_before + 1 + weeks_after` (the referral week between).
pub(super) fn event_weeks(panel: &Panel) -> usize {
    (panel.weeks_before + 1 + panel.weeks_after) as usize
}

/// Evaluates every cell with callers weighted by `weights` (one per analysed caller).
pub(super) fn evaluate(
    panel: &Panel,
    weights: &[u32],
    scratch: &mut Scratch,
    mark_post_cells: bool,
) -> Evaluation {
    let weeks = event_weeks(panel);
    let before = panel.weeks_before;
    let a = panel.anticipation;
    let mut out = Evaluation {
        observed: 0.0,
        expected: 0.0,
        expected_cells: 0,
        cells_skipped: 0,
        by_week: vec![WeekTotals::default(); weeks],
        post_cell_weeks: if mark_post_cells {
            vec![false; scratch.control.len()]
        } else {
            Vec::new()
        },
    };

    // Treated totals per cell.
    scratch.treated_y.fill(0.0);
    scratch.treated_base.fill(0.0);
    scratch.treated_n.fill(0.0);
    for (g, members) in panel.by_group.iter().enumerate() {
        let g = g as i32;
        for &i in members {
            let w = weights[i as usize];
            if w == 0 {
                continue;
            }
            let w = f64::from(w);
            let caller = &panel.callers[i as usize];
            let last = (g + panel.weeks_after).min(caller.last_week);
            for k in g - before..=last {
                let cell = g as usize * weeks + (k - g + before) as usize;
                scratch.treated_y[cell] += w * caller.weekly[panel.index(k)];
                scratch.treated_base[cell] += w * caller.base;
                scratch.treated_n[cell] += w;
            }
        }
    }

    // Controls, swept from the last week down.
    scratch.control.fill(0.0);
    let add = |control: &mut [f64], i: u32, through: i32| {
        let w = weights[i as usize];
        if w != 0 {
            let w = f64::from(w);
            let weekly = &panel.callers[i as usize].weekly;
            let through = panel.index(through);
            for (c, y) in control[..=through].iter_mut().zip(weekly) {
                *c += w * y;
            }
        }
    };
    for t in (-a - 1..=panel.last_week).rev() {
        if t >= -1 {
            for &j in &panel.never_by_last_week[panel.index(t)] {
                add(&mut scratch.control, j, t);
            }
        }
        // Cells whose control set must leave out group t + a + 1 (placebo weeks up to e = −a − 1).
        let g = t + a + 1;
        if (0..=panel.last_group).contains(&g) {
            for k in g - before..=t {
                cell(panel, scratch, &mut out, g, k);
            }
            if panel.controls == ControlGroup::NotYetReferred {
                for &j in &panel.by_group[g as usize] {
                    add(&mut scratch.control, j, t);
                }
            }
        }
        // Cells in week t from e = −a on (anticipation and post weeks).
        let first = (t - panel.weeks_after).max(0);
        let last = (t + a).min(t + before).min(panel.last_group);
        for g in first..=last {
            cell(panel, scratch, &mut out, g, t);
        }
    }
    out
}

/// Adds cell (g, k) to the totals, with the controls' totals in `scratch.control`.
fn cell(panel: &Panel, scratch: &Scratch, out: &mut Evaluation, g: i32, k: i32) {
    let weeks = event_weeks(panel);
    let e = (k - g + panel.weeks_before) as usize;
    let at = g as usize * weeks + e;
    let treated = scratch.treated_n[at];
    if treated == 0.0 {
        return;
    }
    let control_base = panel.base_sum(&scratch.control, g) / f64::from(panel.base_weeks);
    if control_base <= 0.0 {
        out.cells_skipped += 1;
        return;
    }
    let control_y = scratch.control[panel.index(k)];
    let expected = scratch.treated_base[at] * control_y / control_base;
    let observed = scratch.treated_y[at];
    let week = &mut out.by_week[e];
    week.observed += observed;
    week.expected += expected;
    week.treated += treated;
    // The referral week itself (k = g) is partly before the referral: not a post week.
    if k > g {
        out.observed += observed;
        out.expected += expected;
        out.expected_cells += 1;
        if !out.post_cell_weeks.is_empty() {
            out.post_cell_weeks[panel.index(k)] = true;
        }
    }
}
