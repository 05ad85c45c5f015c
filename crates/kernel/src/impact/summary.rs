//! The estimate in plain English, for a report or a coordinator.

use super::ImpactEstimate;

/// The estimate in a few plain sentences; `outcome` names the outcome in the plural
/// ("contacts", "999 calls", "seconds of handling").
///
/// For example: "Contacts from referred callers were 14% lower than expected (95% interval:
/// 37% lower to 16% higher); this is not yet distinguishable from no effect."
pub fn summarise(estimate: &ImpactEstimate, outcome: &str) -> String {
    let overall = &estimate.overall;
    let level = percent(estimate.confidence);
    let mut text = effect_sentence(
        outcome,
        overall.ratio,
        overall.low,
        overall.high,
        estimate.confidence,
    );
    let avoided = &estimate.avoided;
    text.push_str(&format!(
        " Expected minus observed over the {} weeks after referral: {} {outcome} ({level} interval: {} to {}).",
        estimate.weeks_after,
        amount(avoided.value),
        amount(avoided.low),
        amount(avoided.high),
    ));
    if let Some(naive) = estimate.naive.ratio {
        let change = (naive - 1.0) * 100.0;
        let direction = if change <= 0.0 { "fall" } else { "rise" };
        text.push_str(&format!(
            " The naive before/after comparison shows a {direction} of {:.0}%; it compares callers at their peak with their ordinary level afterwards, so it overstates any effect.",
            change.abs()
        ));
    }
    let cohort = &estimate.cohort;
    text.push_str(&format!(
        " Based on {} referred callers and {} eligible callers never referred ({} referred callers also served as not-yet-referred comparisons).",
        cohort.treated, cohort.never_referred, cohort.not_yet_referred_controls
    ));
    text
}

/// The estimate's first sentence: the rate ratio and its interval in words, and whether the
/// interval tells the scheme from no effect. Every adapter that shows the estimate (the
/// monthly pack, `engage evaluate`) says it this way.
///
/// For example: "Contacts from referred callers were 14% lower than expected (95% interval:
/// 37% lower to 16% higher); this is not yet distinguishable from no effect."
pub fn effect_sentence(outcome: &str, ratio: f64, low: f64, high: f64, confidence: f64) -> String {
    let verdict = if high < 1.0 {
        format!(
            "the whole interval is below no effect, so {outcome} fell more than chance alone would explain"
        )
    } else if low > 1.0 {
        format!(
            "the whole interval is above no effect, so {outcome} rose more than chance alone would explain"
        )
    } else {
        "this is not yet distinguishable from no effect".to_string()
    };
    format!(
        "{} from referred callers were {} expected ({} interval: {} to {}); {verdict}.",
        capitalise(outcome),
        relative(ratio, "than"),
        percent(confidence),
        relative(low, ""),
        relative(high, ""),
    )
}

/// "14% lower than" / "16% higher" / "about the same as".
fn relative(ratio: f64, than: &str) -> String {
    let change = ((ratio - 1.0) * 100.0).round();
    let than = if than.is_empty() {
        String::new()
    } else {
        format!(" {than}")
    };
    if change == 0.0 {
        if than.is_empty() {
            "no change".to_string()
        } else {
            "about the same as".to_string()
        }
    } else if change < 0.0 {
        format!("{:.0}% lower{than}", -change)
    } else {
        format!("{change:.0}% higher{than}")
    }
}

fn percent(level: f64) -> String {
    let p = level * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p}%")
    }
}

fn amount(value: f64) -> String {
    if value.abs() >= 10.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
