//! The morning pack: what the coordinator looks at before the day's meeting, one printed
//! page (or more) per community safety unit (CSU).
//!
//! The CLI fills [`MorningPack`] from the SQL views and calls [`render_morning`]. The data
//! carries keys, dates, counts and category text only: no names, addresses or notes.

mod card;
mod sections;

use crate::format::{local_datetime, thousands};
use crate::html::{self, Esc};
use engage_kernel::time::Micros;
use std::fmt::Write;

/// Everything the morning pack shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MorningPack {
    /// The pack's title, e.g. "Repeat callers: morning pack".
    pub title: String,
    /// The moment the pack describes (UTC microseconds); "last 24 h", "within 7 days" and the
    /// sparklines' last day are counted from here.
    pub as_of: Micros,
    /// The rule set as text, e.g. `10/7d`.
    pub rule: String,
    /// The contact count drawn as the threshold on the sparklines (the `10` of `10/7d`).
    pub threshold: u32,
    /// The window, in days, of the rolling count drawn on the sparklines (the `7` of `10/7d`).
    pub window_days: u32,
    /// The CSU the pack was limited to, or `None` for all CSUs.
    pub csu_filter: Option<String>,
    /// The data source: the snapshot's id.
    pub source: String,
    /// What produced the pack, e.g. `engage 0.1.0 pack morning`.
    pub generated_by: String,
    /// One entry per CSU, in the order to print them.
    pub csus: Vec<CsuMorning>,
}

/// One CSU's part of the morning pack (it starts a new printed page).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsuMorning {
    /// The CSU's name as held.
    pub csu: String,
    /// Callers who qualified since the previous working day and have no open case.
    pub new_repeat_callers: Vec<CallerItem>,
    /// Callers with an open case who called in the last 24 hours (`contacts_24h` says how
    /// often).
    pub called_again: Vec<CallerItem>,
    /// Cases whose marker expires within 7 days.
    pub markers_expiring: Vec<MarkerExpiring>,
    /// Cases whose review date has passed.
    pub reviews_overdue: Vec<ReviewOverdue>,
}

/// One caller, as every section shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct CallerItem {
    /// The caller key as held: a pseudonym, or an E.164 number in a snapshot that is not
    /// pseudonymised. Shown as is.
    pub caller_key: String,
    /// The open case, if there is one.
    pub case_id: Option<String>,
    /// The caller's CSU (most frequent of their contacts), if known.
    pub csu: Option<String>,
    /// The triage suggestion: `repeat_victim`, `vulnerable_caller`, `mixed` or
    /// `undetermined` (shown in words; another text is shown as is).
    pub suggested_type: String,
    /// The evidence behind the suggestion, as the `triage_evidence` column gives it.
    pub triage_evidence: String,
    /// The top categories with counts, as the `top_categories` column gives them.
    pub top_categories: String,
    /// When the caller was first identified (first qualifying contact), if they have been.
    pub first_flagged_at: Option<Micros>,
    /// The caller's latest contact.
    pub last_contact_at: Option<Micros>,
    /// Contacts in the 24 hours up to the pack's `as_of`.
    pub contacts_24h: u32,
    /// Contacts per UK local day, oldest first, ending on the as-of day (90 values).
    pub daily_contacts: Vec<u32>,
    /// Contacts by UK local weekday (0 = Monday) and hour (0..=23): the caller's profile as
    /// the views give it (`by_hour_weekday` of the kernel's `CallerProfile`).
    pub profile: [[u32; 24]; 7],
}

/// A case whose caller marker expires soon.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerExpiring {
    /// The caller (and case: `caller.case_id`).
    pub caller: CallerItem,
    /// When the marker expires (UTC microseconds).
    pub marker_expires: Micros,
}

/// A case whose review is overdue.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewOverdue {
    /// The caller (and case: `caller.case_id`).
    pub caller: CallerItem,
    /// When the review was due (UTC microseconds); days overdue are counted in UK local
    /// calendar days to the pack's `as_of`.
    pub review_due: Micros,
}

/// Section headings, in the order each CSU shows them.
pub const SECTION_HEADINGS: [&str; 4] = [
    "New repeat callers",
    "Called again",
    "Markers expiring within 7 days",
    "Reviews overdue",
];

/// Renders the morning pack as one self-contained HTML document.
pub fn render_morning(pack: &MorningPack) -> String {
    let mut body = String::new();
    let scope = pack
        .csu_filter
        .clone()
        .unwrap_or_else(|| "all CSUs".to_string());
    html::header(
        &mut body,
        &pack.title,
        &[
            ("As of", format!("{} (UK time)", local_datetime(pack.as_of))),
            ("Rule", pack.rule.clone()),
            ("CSU", scope),
        ],
        &pack.source,
    );
    summary(&mut body, pack);
    for csu in &pack.csus {
        let _ = writeln!(
            body,
            "<section class=\"csu\">\n<h2>CSU: {}</h2>",
            Esc(&csu.csu)
        );
        sections::new_repeat_callers(&mut body, pack, csu);
        sections::called_again(&mut body, pack, csu);
        sections::markers_expiring(&mut body, pack, csu);
        sections::reviews_overdue(&mut body, pack, csu);
        body.push_str("</section>\n");
    }
    html::footer(&mut body, &pack.generated_by);
    html::document(&pack.title, &body)
}

/// The first page's table: how many items each CSU has in each section.
fn summary(out: &mut String, pack: &MorningPack) {
    out.push_str("<h2>Summary</h2>\n");
    if pack.csus.is_empty() {
        html::none(out);
        return;
    }
    out.push_str("<table class=\"summary\"><thead><tr><th>CSU</th>");
    for heading in SECTION_HEADINGS {
        let _ = write!(out, "<th class=\"n\">{heading}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    let mut totals = [0u64; 4];
    for csu in &pack.csus {
        let counts = [
            csu.new_repeat_callers.len(),
            csu.called_again.len(),
            csu.markers_expiring.len(),
            csu.reviews_overdue.len(),
        ];
        let _ = write!(out, "<tr><td>{}</td>", Esc(&csu.csu));
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n as u64;
            let _ = write!(out, "<td class=\"n\">{n}</td>");
        }
        out.push_str("</tr>");
    }
    if pack.csus.len() > 1 {
        out.push_str("<tr class=\"total\"><td>All</td>");
        for total in totals {
            let _ = write!(out, "<td class=\"n\">{}</td>", thousands(total));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
}
