//! One caller as a card: key, case, triage suggestion, dates and counts, the 90-day
//! sparkline against the rule and (in the full card) the weekly profile heat map.

use super::{CallerItem, MorningPack};
use crate::chart::{heatmap, sparkline};
use crate::format::{local_datetime_opt, short_date_before};
use crate::html::Esc;
use engage_kernel::triage::SuggestedType;
use std::fmt::Write;

/// How much of the caller a card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything, with both charts: for callers the meeting decides about today.
    Full,
    /// Without the heat map: for case housekeeping (markers, reviews), where the question is
    /// only whether the caller is still coming to notice.
    Brief,
}

/// The suggestion in words, and the CSS class of its badge (empty for an unknown text).
fn suggestion(text: &str) -> (String, &'static str) {
    match text.parse::<SuggestedType>() {
        Ok(SuggestedType::RepeatVictim) => ("suggested: repeat victim".into(), "repeat_victim"),
        Ok(SuggestedType::VulnerableCaller) => {
            ("suggested: vulnerable caller".into(), "vulnerable_caller")
        }
        Ok(SuggestedType::Mixed) => ("suggested: mixed".into(), "mixed"),
        Ok(SuggestedType::Undetermined) => ("suggested: undetermined".into(), ""),
        Err(_) => (format!("suggested: {}", text.trim()), ""),
    }
}

/// Writes one caller card. `status` is an extra line for the head (e.g. a marker's expiry),
/// already escaped; `section_csu` is left out of the facts when the caller's CSU is the same.
pub fn render(
    out: &mut String,
    pack: &MorningPack,
    section_csu: &str,
    caller: &CallerItem,
    status: Option<&str>,
    detail: Detail,
) {
    let (words, class) = suggestion(&caller.suggested_type);
    let _ = write!(
        out,
        "<div class=\"card\">\n<div class=\"card-head\"><span class=\"key\">{}</span>",
        Esc(&caller.caller_key)
    );
    if let Some(case) = &caller.case_id {
        let _ = write!(out, "<span>Case <strong>{}</strong></span>", Esc(case));
    }
    let _ = write!(
        out,
        "<span class=\"badge {class}\">{}</span><span class=\"calls24\">{} in the last 24 h</span>",
        Esc(&words),
        contacts_phrase(caller.contacts_24h)
    );
    if let Some(status) = status {
        let _ = write!(out, "<span>{status}</span>");
    }
    out.push_str("</div>\n<dl class=\"facts\">");
    let mut fact = |label: &str, value: &str| {
        let _ = write!(out, "<dt>{label}</dt><dd>{}</dd>", Esc(value));
    };
    fact(
        "First identified",
        &local_datetime_opt(caller.first_flagged_at),
    );
    fact("Last contact", &local_datetime_opt(caller.last_contact_at));
    fact("Top categories", or_dash(&caller.top_categories));
    fact("Triage evidence", or_dash(&caller.triage_evidence));
    if let Some(csu) = caller.csu.as_deref().filter(|c| *c != section_csu) {
        fact("Caller's CSU", csu);
    }
    out.push_str("</dl>\n<div class=\"charts\"><figure class=\"spark\">");
    let days = caller.daily_contacts.len();
    sparkline::render(
        out,
        &caller.daily_contacts,
        pack.threshold,
        pack.window_days,
        &short_date_before(pack.as_of, days.saturating_sub(1) as i64),
        &short_date_before(pack.as_of, 0),
    );
    let _ = write!(
        out,
        "<figcaption>Last {days} days: contacts per day (bars) and in the last {w} days (line) \
         against the rule's {t} (dashed).</figcaption></figure>",
        w = pack.window_days,
        t = pack.threshold,
    );
    if detail == Detail::Full {
        out.push_str("<figure class=\"heat\">");
        heatmap::render(out, &caller.profile);
        out.push_str("<figcaption>When they call: day of week by hour.</figcaption></figure>");
    }
    out.push_str("</div>\n</div>\n");
}

/// `1 contact`, `3 contacts`.
pub fn contacts_phrase(n: u32) -> String {
    if n == 1 {
        "1 contact".to_string()
    } else {
        format!("{n} contacts")
    }
}

fn or_dash(text: &str) -> &str {
    if text.trim().is_empty() {
        crate::format::NO_VALUE
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_in_words() {
        assert_eq!(
            suggestion("repeat_victim"),
            ("suggested: repeat victim".to_string(), "repeat_victim")
        );
        assert_eq!(
            suggestion("Vulnerable_Caller"),
            (
                "suggested: vulnerable caller".to_string(),
                "vulnerable_caller"
            )
        );
        assert_eq!(suggestion("undetermined").1, "");
        assert_eq!(
            suggestion("<i>odd</i>"),
            ("suggested: <i>odd</i>".to_string(), "")
        );
    }

    #[test]
    fn contact_counts_in_words() {
        assert_eq!(contacts_phrase(0), "0 contacts");
        assert_eq!(contacts_phrase(1), "1 contact");
        assert_eq!(contacts_phrase(12), "12 contacts");
    }
}
