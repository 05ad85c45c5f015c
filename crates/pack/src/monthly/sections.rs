//! The monthly pack's sections before "Is it working?" (which is [`crate::impact`]). An
//! empty section says "none".

use super::{CsuMonth, Demand, MultiAgencyCaller, Outcomes, SECTION_HEADINGS, TrendMonth};
use crate::chart::trend::{self, Series};
use crate::format::{hours, month_tick, percent, thousands};
use crate::html::{self, Esc};
use std::fmt::Write;

fn open(out: &mut String, index: usize, class: &str) {
    let _ = writeln!(
        out,
        "<section class=\"block {class}\">\n<h2>{}</h2>",
        SECTION_HEADINGS[index]
    );
}

/// Per-CSU counts with a total row.
pub fn caseload(out: &mut String, csus: &[CsuMonth]) {
    open(out, 0, "caseload");
    if csus.is_empty() {
        html::none(out);
    } else {
        out.push_str(
            "<table><thead><tr><th>CSU</th><th class=\"n\">Identified</th>\
             <th class=\"n\">Newly referred</th><th class=\"n\">Closed</th>\
             <th class=\"n\">Open at month end</th></tr></thead><tbody>",
        );
        let mut totals = [0u64; 4];
        for row in csus {
            let values = [
                row.identified,
                row.newly_referred,
                row.closed,
                row.open_at_month_end,
            ];
            let _ = write!(out, "<tr><td>{}</td>", Esc(&row.csu));
            for (total, v) in totals.iter_mut().zip(values) {
                *total += u64::from(v);
                let _ = write!(out, "<td class=\"n\">{}</td>", thousands(u64::from(v)));
            }
            out.push_str("</tr>");
        }
        out.push_str("<tr class=\"total\"><td>All CSUs</td>");
        for total in totals {
            let _ = write!(out, "<td class=\"n\">{}</td>", thousands(total));
        }
        out.push_str(
            "</tr></tbody></table>\n<p class=\"explain\">Identified: callers who crossed \
            the rule in the month. Open: cases not closed at the end of the month.</p>\n",
        );
    }
    out.push_str("</section>\n");
}

/// Contacts and handling hours from repeat callers, and their share of all.
pub fn demand(out: &mut String, demand: &Demand) {
    open(out, 1, "demand");
    if demand.all_contacts == 0 {
        html::none(out);
    } else {
        let _ = writeln!(
            out,
            "<table><thead><tr><th></th><th class=\"n\">Repeat callers</th><th class=\"n\">All \
             contacts</th><th class=\"n\">Repeat callers' share</th></tr></thead><tbody>\
             <tr><td>Contacts</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\
             <tr><td>Handling hours</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\
             </tbody></table>",
            thousands(demand.repeat_contacts),
            thousands(demand.all_contacts),
            percent(demand.repeat_contacts as f64, demand.all_contacts as f64),
            hours(demand.repeat_handling_hours),
            hours(demand.all_handling_hours),
            percent(demand.repeat_handling_hours, demand.all_handling_hours),
        );
    }
    out.push_str("</section>\n");
}

/// Referred callers no longer coming to notice against the comparison group.
pub fn outcomes(out: &mut String, outcomes: &Outcomes) {
    open(out, 2, "outcomes");
    if outcomes.referred == 0 && outcomes.comparison == 0 {
        html::none(out);
    } else {
        let _ = writeln!(
            out,
            "<table><thead><tr><th>Group</th><th class=\"n\">Callers</th><th class=\"n\">No \
             longer coming to notice</th><th class=\"n\">Share</th></tr></thead><tbody>\
             <tr><td>Referred</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\
             <tr><td>Comparison group</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\
             </tbody></table>",
            outcomes.referred,
            outcomes.referred_no_longer,
            percent(
                f64::from(outcomes.referred_no_longer),
                f64::from(outcomes.referred)
            ),
            outcomes.comparison,
            outcomes.comparison_no_longer,
            percent(
                f64::from(outcomes.comparison_no_longer),
                f64::from(outcomes.comparison)
            ),
        );
        if !outcomes.definition.trim().is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"explain\">No longer coming to notice: {}. Many callers stop \
                 calling without help; compare the two shares, not the first alone.</p>",
                Esc(&outcomes.definition)
            );
        }
    }
    out.push_str("</section>\n");
}

/// Pseudonymised keys seen by more than one agency, with contacts per agency.
pub fn multi_agency(out: &mut String, callers: &[MultiAgencyCaller]) {
    open(out, 3, "multi-agency");
    if callers.is_empty() {
        html::none(out);
    } else {
        let with_other = callers.iter().any(|c| c.other > 0);
        out.push_str(
            "<table><thead><tr><th>Key (pseudonymised)</th><th class=\"n\">Police</th>\
             <th class=\"n\">Fire</th><th class=\"n\">Ambulance</th>",
        );
        if with_other {
            out.push_str("<th class=\"n\">Other</th>");
        }
        out.push_str("<th class=\"n\">Total</th></tr></thead><tbody>");
        for c in callers {
            let total = u64::from(c.police)
                + u64::from(c.fire)
                + u64::from(c.ambulance)
                + u64::from(c.other);
            let _ = write!(
                out,
                "<tr><td class=\"key\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td>",
                Esc(&c.caller_key),
                c.police,
                c.fire,
                c.ambulance
            );
            if with_other {
                let _ = write!(out, "<td class=\"n\">{}</td>", c.other);
            }
            let _ = write!(out, "<td class=\"n\">{total}</td></tr>");
        }
        let _ = writeln!(
            out,
            "</tbody></table>\n<p class=\"explain\">{} callers seen by more than one agency. \
             Share the overlap and the minimum fields only.</p>",
            callers.len()
        );
    }
    out.push_str("</section>\n");
}

/// Bars of identified, referred and closed per month, and the line of the repeat-caller
/// share of contacts.
pub fn trend(out: &mut String, months: &[TrendMonth]) {
    open(out, 4, "trend");
    if months.is_empty() {
        html::none(out);
    } else {
        let ticks: Vec<String> = months.iter().map(|m| month_tick(&m.month)).collect();
        let values: Vec<Vec<u32>> = months
            .iter()
            .map(|m| vec![m.identified, m.referred, m.closed])
            .collect();
        out.push_str("<figure class=\"block\">");
        trend::render_bars(
            out,
            &ticks,
            &[
                Series {
                    name: "identified",
                    colour: "#1f4e99",
                },
                Series {
                    name: "referred",
                    colour: "#2e8b57",
                },
                Series {
                    name: "closed",
                    colour: "#b26b00",
                },
            ],
            &values,
        );
        out.push_str("<figcaption>Callers identified and referred, and cases closed, per month.</figcaption></figure>\n<figure class=\"block\">");
        let shares: Vec<Option<f64>> = months
            .iter()
            .map(|m| (m.all_contacts > 0).then(|| m.repeat_contacts as f64 / m.all_contacts as f64))
            .collect();
        trend::render_share_line(
            out,
            &ticks,
            "repeat callers' share of all contacts",
            &shares,
        );
        out.push_str("<figcaption>Share of all contacts that came from repeat callers, per month.</figcaption></figure>\n");
    }
    out.push_str("</section>\n");
}
