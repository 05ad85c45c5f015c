//! The weekly profile heat map: contacts by UK local day of week (rows, Monday first) and
//! hour of day (columns, 00 to 23).
//!
//! Geometry (viewBox units): the cell for day `d`, hour `h` is `<rect class="cell">` at
//! `x = LEFT + h * STRIDE`, `y = TOP + d * STRIDE`, `CELL` square. A cell without contacts is
//! pale grey; otherwise it is blue with opacity `0.15 + 0.85 * count / max`, so the busiest
//! cell is solid. The largest count is printed under the grid.

use super::px;
use std::fmt::Write;

/// Left margin (day labels).
pub const LEFT: f64 = 28.0;
/// Top margin (hour labels).
pub const TOP: f64 = 12.0;
/// Distance between the starts of neighbouring cells.
pub const STRIDE: f64 = 11.0;
/// Side of one cell.
pub const CELL: f64 = 10.0;
/// Width of the chart.
pub const WIDTH: f64 = LEFT + 24.0 * STRIDE + 2.0;
/// Height of the chart.
pub const HEIGHT: f64 = TOP + 7.0 * STRIDE + 14.0;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The fill opacity of a cell with `count` contacts when the busiest cell has `max`.
pub fn opacity(count: u32, max: u32) -> f64 {
    if count == 0 || max == 0 {
        0.0
    } else {
        0.15 + 0.85 * f64::from(count) / f64::from(max)
    }
}

/// Writes the heat map of `grid[weekday][hour]` (weekday 0 = Monday).
pub fn render(out: &mut String, grid: &[[u32; 24]; 7]) {
    let max = grid.iter().flatten().copied().max().unwrap_or(0);
    let total: u64 = grid.iter().flatten().map(|&v| u64::from(v)).sum();
    let _ = write!(
        out,
        "<svg class=\"heatmap\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"Contacts by day of week and hour, {total} in all\">",
        w = px(WIDTH),
        h = px(HEIGHT),
    );
    for hour in [0, 6, 12, 18, 23] {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"8\" text-anchor=\"middle\">{hour:02}</text>",
            px(LEFT + f64::from(hour) * STRIDE + CELL / 2.0),
            px(TOP - 3.0)
        );
    }
    for (d, row) in grid.iter().enumerate() {
        let y = TOP + d as f64 * STRIDE;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"8\" text-anchor=\"end\">{}</text>",
            px(LEFT - 3.0),
            px(y + CELL - 1.5),
            DAYS[d]
        );
        for (h, &count) in row.iter().enumerate() {
            let x = LEFT + h as f64 * STRIDE;
            if count == 0 {
                let _ = write!(
                    out,
                    "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{c}\" height=\"{c}\" fill=\"#eceef2\"/>",
                    px(x),
                    px(y),
                    c = px(CELL)
                );
            } else {
                let _ = write!(
                    out,
                    "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{c}\" height=\"{c}\" fill=\"#12306b\" \
                     fill-opacity=\"{:.2}\"/>",
                    px(x),
                    px(y),
                    opacity(count, max),
                    c = px(CELL)
                );
            }
        }
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"8\">UK local time; darkest = {max} contacts</text></svg>",
        px(LEFT),
        px(HEIGHT - 3.0)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opacity_scales_with_the_busiest_cell() {
        assert_eq!(opacity(0, 5), 0.0);
        assert_eq!(opacity(5, 5), 1.0);
        assert!((opacity(1, 5) - 0.32).abs() < 1e-12);
    }
}
