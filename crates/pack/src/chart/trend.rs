//! Month-on-month trend charts of the monthly pack: grouped bars of counts per month (with
//! each bar's value printed on it) and a line of a share per month.
//!
//! Geometry (viewBox units): month `m` of `n` owns the slot `LEFT + m * w / n`; in the bar
//! chart, series `s` of `k` is `<rect class="bar s{s}">` inside the middle 80% of the slot;
//! in the line chart, the month's `<circle class="point">` sits at the slot's centre.

use super::{nice_ceiling, px};
use crate::html::Esc;
use std::fmt::Write;

/// Width of both charts.
pub const WIDTH: f64 = 680.0;
/// Left margin.
pub const LEFT: f64 = 36.0;
/// Right margin.
pub const RIGHT: f64 = 8.0;
/// Top margin (legend).
pub const TOP: f64 = 24.0;
/// Bottom margin (month labels).
pub const BOTTOM: f64 = 18.0;
/// Height of the bar chart.
pub const BARS_HEIGHT: f64 = 200.0;
/// Height of the line chart.
pub const LINE_HEIGHT: f64 = 150.0;

/// One series of a bar chart: its name and colour.
pub struct Series<'a> {
    /// Shown in the legend.
    pub name: &'a str,
    /// A CSS colour.
    pub colour: &'a str,
}

fn slot(n: usize) -> f64 {
    (WIDTH - LEFT - RIGHT) / n.max(1) as f64
}

fn open(out: &mut String, class: &str, height: f64, label: &str) {
    let _ = write!(
        out,
        "<svg class=\"{class}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"{}\">",
        Esc(label),
        w = px(WIDTH),
        h = px(height),
    );
}

fn axis(out: &mut String, months: &[String], height: f64, top_label: &str) {
    let base = height - BOTTOM;
    let s = slot(months.len());
    let _ = write!(
        out,
        "<line x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#888\"/>\
         <text x=\"{lt}\" y=\"{tt}\" font-size=\"9\" text-anchor=\"end\">{}</text>\
         <text x=\"{lt}\" y=\"{b}\" font-size=\"9\" text-anchor=\"end\">0</text>",
        Esc(top_label),
        l = px(LEFT),
        r = px(WIDTH - RIGHT),
        b = px(base),
        lt = px(LEFT - 4.0),
        tt = px(TOP + 4.0),
    );
    for (m, month) in months.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
            px(LEFT + (m as f64 + 0.5) * s),
            px(height - 5.0),
            Esc(month)
        );
    }
}

/// Writes a grouped bar chart: `values[m][s]` is series `s` in month `months[m]`.
pub fn render_bars(
    out: &mut String,
    months: &[String],
    series: &[Series<'_>],
    values: &[Vec<u32>],
) {
    let largest = values.iter().flatten().copied().max().unwrap_or(0);
    let top = nice_ceiling(f64::from(largest));
    let plot_h = BARS_HEIGHT - TOP - BOTTOM;
    let base = BARS_HEIGHT - BOTTOM;
    let s = slot(months.len());
    let k = series.len().max(1) as f64;
    let bar_w = s * 0.8 / k;
    open(out, "trend-bars", BARS_HEIGHT, "Counts per month");
    axis(out, months, BARS_HEIGHT, &format!("{}", top as u64));
    let mut lx = LEFT;
    for sr in series {
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"6\" width=\"9\" height=\"9\" fill=\"{c}\"/>\
             <text x=\"{}\" y=\"14\" font-size=\"10\">{}</text>",
            px(lx),
            px(lx + 12.0),
            Esc(sr.name),
            c = Esc(sr.colour)
        );
        lx += 24.0 + 6.5 * sr.name.chars().count() as f64;
    }
    for (m, row) in values.iter().enumerate() {
        for (i, (&v, sr)) in row.iter().zip(series).enumerate() {
            let h = f64::from(v) / top * plot_h;
            let x = LEFT + m as f64 * s + s * 0.1 + i as f64 * bar_w;
            let _ = write!(
                out,
                "<rect class=\"bar s{i}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"7.5\" text-anchor=\"middle\">{v}</text>",
                px(x),
                px(base - h),
                px(bar_w * 0.92),
                px(h),
                Esc(sr.colour),
                px(x + bar_w * 0.46),
                px(base - h - 2.0),
            );
        }
    }
    out.push_str("</svg>");
}

/// Writes a line of shares (0.0..=1.0) per month, printed as percentages; a month without a
/// share (`None`) breaks the line and has no point.
pub fn render_share_line(out: &mut String, months: &[String], name: &str, shares: &[Option<f64>]) {
    let largest = shares
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |a, &b| a.max(b * 100.0));
    let top = nice_ceiling(largest);
    let plot_h = LINE_HEIGHT - TOP - BOTTOM;
    let base = LINE_HEIGHT - BOTTOM;
    let s = slot(months.len());
    let y = |share: f64| base - (share * 100.0).clamp(0.0, top) / top * plot_h;
    open(out, "trend-line", LINE_HEIGHT, name);
    axis(out, months, LINE_HEIGHT, &format!("{}%", top as u64));
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"14\" font-size=\"10\">{}</text>",
        px(LEFT),
        Esc(name)
    );
    let mut segment: Vec<(f64, f64)> = Vec::new();
    for (m, share) in shares.iter().enumerate() {
        match share.filter(|v| v.is_finite()) {
            Some(v) => segment.push((LEFT + (m as f64 + 0.5) * s, y(v))),
            None => polyline(out, &mut segment),
        }
    }
    polyline(out, &mut segment);
    for (m, share) in shares.iter().enumerate() {
        if let Some(v) = share.filter(|v| v.is_finite()) {
            let (x, yy) = (LEFT + (m as f64 + 0.5) * s, y(v));
            let _ = write!(
                out,
                "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"2.6\" fill=\"#12306b\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"8\" text-anchor=\"middle\">{:.1}%</text>",
                px(x),
                px(yy),
                px(x),
                px(yy - 5.0),
                v * 100.0
            );
        }
    }
    out.push_str("</svg>");
}

/// Writes the points gathered so far as one line (when there are two or more) and clears them.
fn polyline(out: &mut String, segment: &mut Vec<(f64, f64)>) {
    if segment.len() >= 2 {
        out.push_str("<polyline class=\"share\" fill=\"none\" stroke=\"#12306b\" stroke-width=\"1.6\" points=\"");
        for (k, &(x, y)) in segment.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            let _ = write!(out, "{},{}", px(x), px(y));
        }
        out.push_str("\"/>");
    }
    segment.clear();
}
