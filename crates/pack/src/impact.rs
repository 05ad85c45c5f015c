//! The "Is it working?" section of the monthly pack: the estimated effect of referral with
//! its interval in words, the naive before/after figure beside it (labelled, with why it
//! misleads), the cohort sizes and the event-study chart; or the reason there is no estimate.

use crate::chart::event_study;
use crate::html::Esc;
use std::fmt::Write;

/// The impact estimate, as the outcomes analysis produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactSection {
    /// The outcome measured, plural and lower case, e.g. `contacts` or `999 calls`; the
    /// sentence reads "Contacts from referred callers were …".
    pub outcome: String,
    /// The rate ratio: referred callers' rate after referral over the rate expected without
    /// referral (from the comparison group). 0.86 means 14% lower than expected.
    pub ratio: f64,
    /// Lower end of its 95% interval.
    pub low: f64,
    /// Upper end of its 95% interval.
    pub high: f64,
    /// The naive before/after ratio of the same referred callers (rate after referral over
    /// rate before), with no comparison group.
    pub naive_ratio: f64,
    /// The event study: one point per week relative to referral (drawn for -8..=25).
    pub points: Vec<EventStudyPoint>,
    /// Weeks just before referral treated as anticipation (the burst that got the caller
    /// picked), shaded on the chart; 0 for none.
    pub anticipation_weeks: u32,
    /// Callers who crossed the rule and could have been referred.
    pub eligible: u32,
    /// Referred callers in the estimate.
    pub referred: u32,
    /// Eligible callers not (yet) referred, used as the comparison group.
    pub comparison: u32,
    /// One line on how the estimate was made, e.g. "Poisson rate ratio against not-yet- and
    /// never-referred eligible callers; 95% interval from 999 bootstrap resamples of callers".
    pub method: String,
}

/// One week of the event study.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventStudyPoint {
    /// Weeks relative to referral (0 = the week of referral, -1 = the week before).
    pub week: i32,
    /// Rate ratio in that week.
    pub ratio: f64,
    /// Lower end of its 95% interval.
    pub low: f64,
    /// Upper end of its 95% interval.
    pub high: f64,
}

/// The estimate in words, with its 95% interval and whether the interval excludes no effect
/// (a ratio of 1.0): the kernel's sentence (`engage_kernel::impact::effect_sentence`), the
/// same that `engage evaluate` prints.
pub fn effect_sentence(outcome: &str, ratio: f64, low: f64, high: f64) -> String {
    engage_kernel::impact::effect_sentence(outcome, ratio, low, high, 0.95)
}

/// The naive before/after figure in words, e.g. "Contacts from referred callers fell 62%
/// after referral compared with before (ratio 0.38)."
pub fn naive_sentence(outcome: &str, naive_ratio: f64) -> String {
    let subject = capitalise(outcome);
    let pct = ((naive_ratio - 1.0) * 100.0).round() as i64;
    let moved = match pct {
        0 => "were unchanged".to_string(),
        p if p < 0 => format!("fell {}%", -p),
        p => format!("rose {p}%"),
    };
    format!(
        "{subject} from referred callers {moved} after referral compared with before (ratio \
         {naive_ratio:.2})."
    )
}

/// Why the naive figure misleads, printed beside it.
pub const NAIVE_WARNING: &str = "This misleads: callers are picked at their peak, and their \
    calls fall afterwards anyway (regression to the mean), so a before/after fall appears \
    even when referral changes nothing. The estimate above compares referred callers with \
    eligible callers not (yet) referred instead.";

fn capitalise(s: &str) -> String {
    let mut chars = s.trim().chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn all_finite(section: &ImpactSection) -> bool {
    [section.ratio, section.low, section.high]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0)
}

/// Writes the section: the estimate when there is one, else `reason` (or a plain note when
/// neither is given).
pub fn render(out: &mut String, section: Option<&ImpactSection>, reason: Option<&str>) {
    out.push_str("<section class=\"impact\">\n<h2>Is it working?</h2>\n");
    let section = match section {
        Some(s) if all_finite(s) => s,
        Some(_) => {
            out.push_str(
                "<p class=\"none\">No estimate: the model's ratio or interval is not a positive \
                 finite number.</p>\n</section>\n",
            );
            return;
        }
        None => {
            let reason = reason.unwrap_or("no estimate was made for this month");
            let _ = writeln!(
                out,
                "<p class=\"none\">No estimate this month: {}</p>\n</section>",
                Esc(reason)
            );
            return;
        }
    };
    let _ = writeln!(
        out,
        "<p class=\"headline\">{}</p>\n<p class=\"meta\"><span><strong>Rate ratio:</strong> \
         {:.2} (95% interval {:.2} to {:.2})</span></p>",
        Esc(&effect_sentence(
            &section.outcome,
            section.ratio,
            section.low,
            section.high
        )),
        section.ratio,
        section.low,
        section.high
    );
    let _ = writeln!(
        out,
        "<div class=\"naive\"><span class=\"label\">Naive</span> before/after, not an estimate \
         of effect: {}<br>{}</div>",
        Esc(&naive_sentence(&section.outcome, section.naive_ratio)),
        NAIVE_WARNING
    );
    let _ = writeln!(
        out,
        "<table class=\"cohort\"><thead><tr><th>Cohort</th><th class=\"n\">Callers</th></tr></thead>\
         <tbody><tr><td>Eligible (crossed the rule)</td><td class=\"n\">{}</td></tr>\
         <tr><td>Referred</td><td class=\"n\">{}</td></tr>\
         <tr><td>Comparison (eligible, not yet or never referred)</td><td class=\"n\">{}</td></tr>\
         </tbody></table>",
        section.eligible, section.referred, section.comparison
    );
    out.push_str("<figure class=\"block\">");
    event_study::render(out, &section.points, section.anticipation_weeks);
    let _ = writeln!(
        out,
        "<figcaption>Rate ratio of {} by week relative to referral (log scale); shaded band: 95% \
         interval; solid line at 1.0: no difference from the comparison group. Weeks before \
         referral should sit near 1.0; the shaded weeks just before referral are the \
         anticipation window, left out of \"before\".</figcaption></figure>",
        Esc(&section.outcome)
    );
    if !section.method.trim().is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"note\">Method: {}</p>",
            Esc(&section.method)
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_covering_one() {
        assert_eq!(
            effect_sentence("contacts", 0.86, 0.63, 1.16),
            "Contacts from referred callers were 14% lower than expected (95% interval: 37% \
             lower to 16% higher); this is not yet distinguishable from no effect."
        );
    }

    #[test]
    fn lower_and_excluding_one() {
        assert_eq!(
            effect_sentence("999 calls", 0.70, 0.55, 0.88),
            "999 calls from referred callers were 30% lower than expected (95% interval: 45% \
             lower to 12% lower); the whole interval is below no effect, so 999 calls fell more \
             than chance alone would explain."
        );
    }

    #[test]
    fn higher_and_excluding_one() {
        assert_eq!(
            effect_sentence("contacts", 1.25, 1.05, 1.49),
            "Contacts from referred callers were 25% higher than expected (95% interval: 5% \
             higher to 49% higher); the whole interval is above no effect, so contacts rose more \
             than chance alone would explain."
        );
    }

    #[test]
    fn a_ratio_rounding_to_one_is_about_the_same() {
        assert_eq!(
            effect_sentence("contacts", 1.001, 0.8, 1.2),
            "Contacts from referred callers were about the same as expected (95% interval: 20% \
             lower to 20% higher); this is not yet distinguishable from no effect."
        );
    }

    #[test]
    fn naive_words() {
        assert_eq!(
            naive_sentence("contacts", 0.38),
            "Contacts from referred callers fell 62% after referral compared with before (ratio 0.38)."
        );
        assert_eq!(
            naive_sentence("contacts", 1.1),
            "Contacts from referred callers rose 10% after referral compared with before (ratio 1.10)."
        );
    }
}
