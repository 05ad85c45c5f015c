//! The monthly pack: the month's caseload per CSU, the demand from repeat callers, outcomes,
//! multi-agency overlap, the 12-month trend and "Is it working?".
//!
//! The CLI fills [`MonthlyPack`] from the SQL views and the outcomes analysis, and calls
//! [`render_monthly`]. Keys, counts and hours only: no names, addresses or notes.

mod sections;

use crate::format::month_long;
use crate::html;
use crate::impact::{self, ImpactSection};

/// Everything the monthly pack shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyPack {
    /// The pack's title, e.g. "Repeat callers: monthly pack".
    pub title: String,
    /// The month reported, `YYYY-MM`.
    pub month: String,
    /// The rule set as text, e.g. `10/7d`.
    pub rule: String,
    /// The data source: the snapshot's id.
    pub source: String,
    /// What produced the pack, e.g. `engage 0.1.0 pack monthly`.
    pub generated_by: String,
    /// The caseload per CSU, in the order to print them.
    pub csus: Vec<CsuMonth>,
    /// Demand from repeat callers in the month.
    pub demand: Demand,
    /// Who is no longer coming to notice, referred callers against the comparison group.
    pub outcomes: Outcomes,
    /// Callers seen by more than one agency in the month.
    pub multi_agency: Vec<MultiAgencyCaller>,
    /// The last 12 months, oldest first, ending with `month`.
    pub trend: Vec<TrendMonth>,
    /// The impact estimate, when one could be made.
    pub impact: Option<ImpactSection>,
    /// Why there is no impact estimate (e.g. "7 referred callers; at least 10 are needed"),
    /// shown when `impact` is `None`.
    pub impact_unavailable: Option<String>,
}

/// One CSU's caseload in the month.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsuMonth {
    /// The CSU's name as held.
    pub csu: String,
    /// Callers who qualified (crossed the rule) in the month.
    pub identified: u32,
    /// Callers newly referred in the month.
    pub newly_referred: u32,
    /// Cases closed in the month.
    pub closed: u32,
    /// Cases open at the end of the month.
    pub open_at_month_end: u32,
}

/// Contacts and handling time in the month: from repeat callers, and from everyone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Demand {
    /// Contacts from repeat callers.
    pub repeat_contacts: u64,
    /// All contacts (withheld numbers included).
    pub all_contacts: u64,
    /// Handling hours (talk time) of repeat callers' contacts.
    pub repeat_handling_hours: f64,
    /// Handling hours of all contacts.
    pub all_handling_hours: f64,
}

/// Who is no longer coming to notice: referred callers and the matched comparison group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcomes {
    /// What "no longer coming to notice" means here, e.g. "no contact in the last 28 days of
    /// the month".
    pub definition: String,
    /// Referred callers followed up.
    pub referred: u32,
    /// Of those, no longer coming to notice.
    pub referred_no_longer: u32,
    /// Comparison callers followed up.
    pub comparison: u32,
    /// Of those, no longer coming to notice.
    pub comparison_no_longer: u32,
}

/// A caller seen by more than one agency, with contacts per agency in the month.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiAgencyCaller {
    /// The pseudonymised key shared between agencies, as held.
    pub caller_key: String,
    /// Contacts with the police.
    pub police: u32,
    /// Contacts with fire and rescue.
    pub fire: u32,
    /// Contacts with the ambulance service.
    pub ambulance: u32,
    /// Contacts with any other agency (its column is shown only when some caller has one).
    pub other: u32,
}

/// One month of the trend.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrendMonth {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Callers identified.
    pub identified: u32,
    /// Callers referred.
    pub referred: u32,
    /// Cases closed.
    pub closed: u32,
    /// Contacts from repeat callers.
    pub repeat_contacts: u64,
    /// All contacts.
    pub all_contacts: u64,
}

/// Section headings, in order.
pub const SECTION_HEADINGS: [&str; 6] = [
    "Caseload by CSU",
    "Demand from repeat callers",
    "No longer coming to notice",
    "Multi-agency overlap",
    "Trend: last 12 months",
    "Is it working?",
];

/// Renders the monthly pack as one self-contained HTML document.
pub fn render_monthly(pack: &MonthlyPack) -> String {
    let mut body = String::new();
    html::header(
        &mut body,
        &pack.title,
        &[
            ("Month", month_long(&pack.month)),
            ("Rule", pack.rule.clone()),
        ],
        &pack.source,
    );
    sections::caseload(&mut body, &pack.csus);
    sections::demand(&mut body, &pack.demand);
    sections::outcomes(&mut body, &pack.outcomes);
    sections::multi_agency(&mut body, &pack.multi_agency);
    sections::trend(&mut body, &pack.trend);
    impact::render(
        &mut body,
        pack.impact.as_ref(),
        pack.impact_unavailable.as_deref(),
    );
    html::footer(&mut body, &pack.generated_by);
    html::document(&pack.title, &body)
}
