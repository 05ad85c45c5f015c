//! The 90-day sparkline of one caller's daily contacts, drawn against the rule.
//!
//! Why this form: a rule such as `10/7d` compares a *rolling count* with a threshold, not a
//! day's count. So the chart draws the contacts in the last `window_days` days as a line
//! (one point per day, from the first day with a full window) and the threshold as a dashed
//! red line on the same contact scale: whether the caller is over the rule now, since when,
//! and whether it is rising or falling is read off in one glance. The daily contacts are pale
//! bars underneath on the same scale, to show the bursts that drive the line. A daily-bars-only
//! chart with the threshold "noted" would make the reader add up seven bars in their head.
//!
//! Geometry (viewBox units): the plot area is [`LEFT`]..`WIDTH - RIGHT` wide and
//! [`TOP`]..`HEIGHT - BOTTOM` high; day `i` of `n` owns the slot `LEFT + i * w / n` of width
//! `w / n`; its bar is `<rect class="day">` (one per day, height 0 on a day without contacts)
//! and its line point sits at the slot's centre. The scale's top is
//! [`nice_ceiling`](super::nice_ceiling) of the largest of the threshold, the largest
//! rolling count and the largest daily count, and is printed on the axis.

use super::{nice_ceiling, px};
use std::fmt::Write;

/// Width of the chart.
pub const WIDTH: f64 = 400.0;
/// Height of the chart.
pub const HEIGHT: f64 = 112.0;
/// Left margin (axis labels).
pub const LEFT: f64 = 26.0;
/// Right margin.
pub const RIGHT: f64 = 4.0;
/// Top margin.
pub const TOP: f64 = 8.0;
/// Bottom margin (date labels).
pub const BOTTOM: f64 = 16.0;

/// Contacts in the last `window` days for every day that has a full window behind it:
/// `(day index, sum of daily[i + 1 - window ..= i])`.
pub fn rolling_sums(daily: &[u32], window: usize) -> Vec<(usize, u64)> {
    let window = window.max(1);
    if daily.len() < window {
        return Vec::new();
    }
    let mut sum: u64 = daily[..window - 1].iter().map(|&v| u64::from(v)).sum();
    let mut out = Vec::with_capacity(daily.len() + 1 - window);
    for i in window - 1..daily.len() {
        sum += u64::from(daily[i]);
        out.push((i, sum));
        sum -= u64::from(daily[i + 1 - window]);
    }
    out
}

/// Writes the sparkline of `daily` (oldest first, ending on the as-of day) against
/// `threshold` contacts within `window_days` days. `first_day` and `last_day` label the ends
/// of the time axis.
pub fn render(
    out: &mut String,
    daily: &[u32],
    threshold: u32,
    window_days: u32,
    first_day: &str,
    last_day: &str,
) {
    let n = daily.len().max(1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / n as f64;
    let base = TOP + plot_h;
    let rolling = rolling_sums(daily, window_days as usize);
    let largest = rolling
        .iter()
        .map(|&(_, s)| s)
        .chain(daily.iter().map(|&v| u64::from(v)))
        .chain([u64::from(threshold)])
        .max()
        .unwrap_or(0);
    let top = nice_ceiling(largest as f64);
    let y = |v: f64| base - v / top * plot_h;

    let _ = write!(
        out,
        "<svg class=\"sparkline\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Daily contacts over {n} days \
         and contacts in the last {window_days} days against the threshold of {threshold}\">",
        w = px(WIDTH),
        h = px(HEIGHT),
        n = daily.len(),
    );
    // Axis and its labels.
    let _ = write!(
        out,
        "<line x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#888\" stroke-width=\"1\"/>\
         <text x=\"{lt}\" y=\"{tt}\" font-size=\"9\" text-anchor=\"end\">{top}</text>\
         <text x=\"{lt}\" y=\"{bt}\" font-size=\"9\" text-anchor=\"end\">0</text>\
         <text x=\"{l}\" y=\"{dy}\" font-size=\"9\">{first}</text>\
         <text x=\"{r}\" y=\"{dy}\" font-size=\"9\" text-anchor=\"end\">{last}</text>",
        l = px(LEFT),
        r = px(WIDTH - RIGHT),
        b = px(base),
        lt = px(LEFT - 3.0),
        tt = px(TOP + 7.0),
        bt = px(base),
        top = top as u64,
        dy = px(HEIGHT - 3.0),
        first = crate::html::Esc(first_day),
        last = crate::html::Esc(last_day),
    );
    // Daily bars.
    for (i, &v) in daily.iter().enumerate() {
        let h = f64::from(v) / top * plot_h;
        let _ = write!(
            out,
            "<rect class=\"day\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#b9c4d6\"/>",
            px(LEFT + i as f64 * slot + slot * 0.1),
            px(base - h),
            px(slot * 0.8),
            px(h)
        );
    }
    // The threshold, labelled at the left end (the line usually rises at the right end),
    // above the line unless that would leave the chart.
    let ty = y(f64::from(threshold));
    let label_y = if ty - 3.0 < TOP + 6.0 {
        ty + 10.0
    } else {
        ty - 3.0
    };
    let _ = write!(
        out,
        "<line class=\"threshold\" x1=\"{l}\" y1=\"{ty}\" x2=\"{r}\" y2=\"{ty}\" stroke=\"#c0392b\" \
         stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{tl}\" y=\"{tly}\" font-size=\"9\" style=\"fill:#c0392b\">threshold {threshold} \
         in {window_days} d</text>",
        l = px(LEFT),
        r = px(WIDTH - RIGHT),
        ty = px(ty),
        tl = px(LEFT + 3.0),
        tly = px(label_y),
    );
    // Contacts in the last `window_days` days.
    if rolling.len() >= 2 {
        out.push_str(
            "<polyline class=\"rolling\" fill=\"none\" stroke=\"#12306b\" stroke-width=\"1.6\" \
             stroke-linejoin=\"round\" points=\"",
        );
        for (k, &(i, s)) in rolling.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            let _ = write!(
                out,
                "{},{}",
                px(LEFT + (i as f64 + 0.5) * slot),
                px(y(s as f64))
            );
        }
        out.push_str("\"/>");
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain reference: sum each full window directly.
    fn reference(daily: &[u32], window: usize) -> Vec<(usize, u64)> {
        (0..daily.len())
            .filter(|&i| i + 1 >= window)
            .map(|i| {
                (
                    i,
                    daily[i + 1 - window..=i]
                        .iter()
                        .map(|&v| u64::from(v))
                        .sum(),
                )
            })
            .collect()
    }

    #[test]
    fn rolling_sums_match_direct_sums() {
        let daily = [0, 3, 1, 0, 0, 5, 2, 2, 0, 9, 1];
        assert_eq!(rolling_sums(&daily, 7), reference(&daily, 7));
        assert_eq!(rolling_sums(&daily, 7)[0], (6, 11));
        assert_eq!(rolling_sums(&daily, 1), reference(&daily, 1));
        assert_eq!(rolling_sums(&daily, 11), vec![(10, 23)]);
        assert!(rolling_sums(&daily, 12).is_empty());
    }

    fn numbers_after(svg: &str, attr: &str) -> Vec<f64> {
        svg.match_indices(&format!(" {attr}=\""))
            .map(|(i, m)| {
                let rest = &svg[i + m.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    proptest::proptest! {
        /// Whatever the data, bars and line stay inside the plot, bars are proportional to
        /// the counts, and the threshold line is at the threshold's height.
        #[test]
        fn marks_stay_in_the_plot_and_in_proportion(
            daily in proptest::collection::vec(0u32..40, 1..120),
            threshold in 1u32..60,
            window in 1u32..15,
        ) {
            let mut svg = String::new();
            render(&mut svg, &daily, threshold, window, "a", "b");
            let base = HEIGHT - BOTTOM;
            let heights = numbers_after(&svg, "height");
            // The first "height" is the svg's own.
            let bars = &heights[1..];
            proptest::prop_assert_eq!(bars.len(), daily.len());
            let largest = *daily.iter().max().unwrap();
            let top_bar = bars.iter().cloned().fold(0.0, f64::max);
            for (&h, &v) in bars.iter().zip(&daily) {
                proptest::prop_assert!(h >= 0.0 && h <= base - TOP + 0.05);
                if largest > 0 {
                    let expected = top_bar * f64::from(v) / f64::from(largest);
                    proptest::prop_assert!((h - expected).abs() <= 0.1);
                }
            }
            for y in numbers_after(&svg, "y1") {
                proptest::prop_assert!(y >= TOP - 0.05 && y <= base + 0.05);
            }
            if let Some(i) = svg.find("class=\"rolling\"") {
                let pts = &svg[i..];
                let pts = &pts[pts.find("points=\"").unwrap() + 8..];
                let pts = &pts[..pts.find('"').unwrap()];
                let n = pts.split(' ').count();
                proptest::prop_assert_eq!(n, daily.len() + 1 - window as usize);
                for p in pts.split(' ') {
                    let y: f64 = p.split_once(',').unwrap().1.parse().unwrap();
                    proptest::prop_assert!(y >= TOP - 0.05 && y <= base + 0.05);
                }
            } else {
                proptest::prop_assert!(daily.len() <= window as usize);
            }
        }

        #[test]
        fn rolling_sums_agree_with_reference(
            daily in proptest::collection::vec(0u32..50, 0..120),
            window in 1usize..30,
        ) {
            proptest::prop_assert_eq!(rolling_sums(&daily, window), reference(&daily, window));
        }
    }
}
