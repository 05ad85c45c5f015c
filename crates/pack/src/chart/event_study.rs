//! The event-study chart of the "Is it working?" section: the rate ratio of referred callers
//! against the comparison group, week by week relative to referral, on a log scale.
//!
//! Geometry (viewBox units): weeks [`FIRST_WEEK`]..=[`LAST_WEEK`] each own an equal slot of
//! the plot area; a week's point sits at its slot's centre. The y axis is log2, from the
//! power of two at or below the smallest value shown to the one at or above the largest
//! (values are clamped to 1/32..32 first, and 1.0 is always in range). Marks: the shaded 95%
//! band `<polygon class="band">`, the estimate `<polyline class="estimate">` with one
//! `<circle class="point">` per week, the reference line at 1.0 `<line class="ref">`, the
//! anticipation weeks `<rect class="anticipation">` and the referral `<line class="referral">`.

use super::px;
use crate::impact::EventStudyPoint;
use std::fmt::Write;

/// First week drawn, relative to referral.
pub const FIRST_WEEK: i32 = -8;
/// Last week drawn, relative to referral.
pub const LAST_WEEK: i32 = 25;
/// Width of the chart.
pub const WIDTH: f64 = 680.0;
/// Height of the chart.
pub const HEIGHT: f64 = 250.0;
/// Left margin (ratio labels and axis title).
pub const LEFT: f64 = 48.0;
/// Right margin.
pub const RIGHT: f64 = 12.0;
/// Top margin.
pub const TOP: f64 = 14.0;
/// Bottom margin (week labels and axis title).
pub const BOTTOM: f64 = 36.0;

const SMALLEST: f64 = 1.0 / 32.0;
const LARGEST: f64 = 32.0;

/// The x of week `week`'s slot centre.
pub fn x_of(week: i32) -> f64 {
    let slots = f64::from(LAST_WEEK - FIRST_WEEK + 1);
    LEFT + (f64::from(week - FIRST_WEEK) + 0.5) * (WIDTH - LEFT - RIGHT) / slots
}

/// The log2 scale's range `(lowest power, highest power)` for the values drawn.
pub fn log2_range(points: &[EventStudyPoint]) -> (i32, i32) {
    let values = points
        .iter()
        .filter(|p| in_range(p.week))
        .flat_map(|p| [p.ratio, p.low, p.high])
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| v.clamp(SMALLEST, LARGEST))
        .chain([1.0]);
    let (lo, hi) = values.fold((1.0f64, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let mut low = lo.log2().floor() as i32;
    let mut high = hi.log2().ceil() as i32;
    // At least one doubling either side of 1.0, so a flat line still has a readable scale.
    low = low.min(-1);
    high = high.max(1);
    (low, high)
}

fn in_range(week: i32) -> bool {
    (FIRST_WEEK..=LAST_WEEK).contains(&week)
}

fn usable(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Writes the chart of `points`, shading the `anticipation_weeks` weeks before referral.
pub fn render(out: &mut String, points: &[EventStudyPoint], anticipation_weeks: u32) {
    let (low_pow, high_pow) = log2_range(points);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let right = WIDTH - RIGHT;
    let slot = (WIDTH - LEFT - RIGHT) / f64::from(LAST_WEEK - FIRST_WEEK + 1);
    let y = |v: f64| {
        let l = v.clamp(SMALLEST, LARGEST).log2();
        TOP + plot_h * (f64::from(high_pow) - l) / f64::from(high_pow - low_pow)
    };
    let mut shown: Vec<&EventStudyPoint> = points
        .iter()
        .filter(|p| in_range(p.week) && usable(p.ratio))
        .collect();
    shown.sort_by_key(|p| p.week);

    let _ = write!(
        out,
        "<svg class=\"event-study\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"Rate ratio by week relative to referral, log scale, with 95% band\">",
        w = px(WIDTH),
        h = px(HEIGHT),
    );
    // Anticipation weeks, then the referral line.
    let anticipation = i32::try_from(anticipation_weeks)
        .unwrap_or(i32::MAX)
        .min(-FIRST_WEEK);
    if anticipation > 0 {
        let x0 = x_of(-anticipation) - slot / 2.0;
        let x1 = x_of(-1) + slot / 2.0;
        let _ = write!(
            out,
            "<rect class=\"anticipation\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff0c2\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"end\">anticipation</text>",
            px(x0),
            px(TOP),
            px(x1 - x0),
            px(plot_h),
            px(x1 - 3.0),
            px(TOP + 9.0)
        );
    }
    let rx = x_of(0) - slot / 2.0;
    let _ = write!(
        out,
        "<line class=\"referral\" x1=\"{rx}\" y1=\"{t}\" x2=\"{rx}\" y2=\"{b}\" stroke=\"#555\" \
         stroke-dasharray=\"3 3\"/><text x=\"{lx}\" y=\"{ly}\" font-size=\"9\">referral</text>",
        rx = px(rx),
        t = px(TOP),
        b = px(base),
        lx = px(rx + 3.0),
        ly = px(TOP + 9.0),
    );
    // Gridlines and labels at each power of two.
    for k in low_pow..=high_pow {
        let v = 2f64.powi(k);
        let gy = y(v);
        let label = if k >= 0 {
            format!("{}", v as u64)
        } else {
            format!("{v}")
        };
        if k == 0 {
            let _ = write!(
                out,
                "<line class=\"ref\" x1=\"{}\" y1=\"{g}\" x2=\"{}\" y2=\"{g}\" stroke=\"#222\" stroke-width=\"1.2\"/>",
                px(LEFT),
                px(right),
                g = px(gy)
            );
        } else {
            let _ = write!(
                out,
                "<line x1=\"{}\" y1=\"{g}\" x2=\"{}\" y2=\"{g}\" stroke=\"#ddd\" stroke-width=\"1\"/>",
                px(LEFT),
                px(right),
                g = px(gy)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"end\">{label}</text>",
            px(LEFT - 4.0),
            px(gy + 3.0)
        );
    }
    // Week labels every four weeks, and the axis titles.
    for week in (FIRST_WEEK..=LAST_WEEK).filter(|w| w % 4 == 0) {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{week}</text>",
            px(x_of(week)),
            px(base + 12.0)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#888\"/>\
         <text x=\"{cx}\" y=\"{ty}\" font-size=\"10\" text-anchor=\"middle\">weeks relative to referral</text>\
         <text transform=\"translate(12 {cy}) rotate(-90)\" font-size=\"10\" text-anchor=\"middle\">rate ratio (log scale)</text>",
        l = px(LEFT),
        r = px(right),
        b = px(base),
        cx = px((LEFT + right) / 2.0),
        ty = px(HEIGHT - 6.0),
        cy = px(TOP + plot_h / 2.0),
    );
    // The 95% band: highs left to right, then lows right to left.
    let band: Vec<&&EventStudyPoint> = shown
        .iter()
        .filter(|p| usable(p.low) && usable(p.high))
        .collect();
    if band.len() >= 2 {
        out.push_str("<polygon class=\"band\" fill=\"#9db4db\" fill-opacity=\"0.45\" points=\"");
        let upper = band.iter().map(|p| (x_of(p.week), y(p.high)));
        let lower = band.iter().rev().map(|p| (x_of(p.week), y(p.low)));
        for (k, (x, yy)) in upper.chain(lower).enumerate() {
            if k > 0 {
                out.push(' ');
            }
            let _ = write!(out, "{},{}", px(x), px(yy));
        }
        out.push_str("\"/>");
    }
    if shown.len() >= 2 {
        out.push_str(
            "<polyline class=\"estimate\" fill=\"none\" stroke=\"#12306b\" stroke-width=\"1.6\" points=\"",
        );
        for (k, p) in shown.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            let _ = write!(out, "{},{}", px(x_of(p.week)), px(y(p.ratio)));
        }
        out.push_str("\"/>");
    }
    for p in &shown {
        let _ = write!(
            out,
            "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"2.4\" fill=\"#12306b\"/>",
            px(x_of(p.week)),
            px(y(p.ratio))
        );
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(week: i32, ratio: f64, low: f64, high: f64) -> EventStudyPoint {
        EventStudyPoint {
            week,
            ratio,
            low,
            high,
        }
    }

    #[test]
    fn weeks_are_evenly_spaced_slots() {
        let slot = (WIDTH - LEFT - RIGHT) / 34.0;
        assert_eq!(x_of(FIRST_WEEK), LEFT + slot / 2.0);
        assert!((x_of(LAST_WEEK) - (WIDTH - RIGHT - slot / 2.0)).abs() < 1e-9);
    }

    #[test]
    fn log_range_covers_the_values_and_one() {
        assert_eq!(log2_range(&[]), (-1, 1));
        assert_eq!(log2_range(&[point(0, 0.8, 0.3, 1.9)]), (-2, 1));
        assert_eq!(log2_range(&[point(3, 1.5, 1.1, 5.0)]), (-1, 3));
        // Outside the drawn weeks: ignored; absurd values: clamped.
        assert_eq!(log2_range(&[point(40, 0.01, 0.01, 100.0)]), (-1, 1));
        assert_eq!(log2_range(&[point(1, 0.5, 1e-9, 1e9)]), (-5, 5));
    }
}
