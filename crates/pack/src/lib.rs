//! Engage's coordinator packs, rendered as self-contained HTML.
//!
//! The CLI queries the SQL views, fills the plain structs of [`morning`] and [`monthly`],
//! and calls [`render_morning`] or [`render_monthly`]. The output is one HTML file with
//! inline CSS and inline SVG charts only: no script, no font, image or link from anywhere
//! else, so it opens offline, reads without scripts and prints on A4 (each CSU of the
//! morning pack on a new page; cards and charts are not split across pages).
//!
//! Data minimisation: the structs carry keys, dates, counts and category text, never names,
//! addresses or notes, and the renderers show nothing else. Every text is HTML-escaped.
//!
//! - [`morning`]: the morning pack's data and renderer.
//! - [`monthly`]: the monthly pack's data and renderer.
//! - [`impact`]: the "Is it working?" section (estimate in words, naive figure, chart).
//! - [`chart`]: the inline SVG charts (sparkline, heat map, event study, trends).
//! - [`html`] and [`format`]: escaping, the page skeleton, dates and numbers.

pub mod chart;
pub mod format;
pub mod html;
pub mod impact;
pub mod monthly;
pub mod morning;

pub use impact::{EventStudyPoint, ImpactSection};
pub use monthly::{
    CsuMonth, Demand, MonthlyPack, MultiAgencyCaller, Outcomes, TrendMonth, render_monthly,
};
pub use morning::{
    CallerItem, CsuMorning, MarkerExpiring, MorningPack, ReviewOverdue, render_morning,
};
