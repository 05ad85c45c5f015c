//! Inline SVG charts. Each chart kind is its own module and writes one `<svg>` element with
//! a `viewBox`, so it scales to the page, prints sharply and needs no script.
//!
//! Coordinates are written with one decimal ([`px`]); every chart documents its geometry so
//! tests can check that marks sit where the data says.

pub mod event_study;
pub mod heatmap;
pub mod sparkline;
pub mod trend;

use std::fmt;

/// A coordinate rounded to one decimal, without a trailing `.0`.
pub struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = (self.0 * 10.0).round() / 10.0;
        if v == v.trunc() {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v:.1}")
        }
    }
}

/// Shorthand for [`Px`].
pub fn px(v: f64) -> Px {
    Px(v)
}

/// The smallest "nice" axis maximum (1, 2 or 5 times a power of ten, or a multiple of such
/// a step) at or above `value`, with at most about five steps; at least 1.
pub fn nice_ceiling(value: f64) -> f64 {
    if !value.is_finite() || value <= 1.0 {
        return 1.0;
    }
    let step = nice_step(value);
    (value / step).ceil() * step
}

/// The axis step used by [`nice_ceiling`] for a maximum of `value`.
pub fn nice_step(value: f64) -> f64 {
    let raw = value / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    step.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn px_prints_one_decimal() {
        assert_eq!(px(3.0).to_string(), "3");
        assert_eq!(px(2.26).to_string(), "2.3");
        assert_eq!(px(3.04159).to_string(), "3");
        assert_eq!(px(-0.04).to_string(), "0");
        assert_eq!(px(12.96).to_string(), "13");
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 3.0);
        assert_eq!(nice_ceiling(10.0), 10.0);
        assert_eq!(nice_ceiling(11.0), 15.0);
        assert_eq!(nice_ceiling(23.0), 25.0);
        assert_eq!(nice_ceiling(87.0), 100.0);
        assert_eq!(nice_ceiling(130.0), 150.0);
    }
}
