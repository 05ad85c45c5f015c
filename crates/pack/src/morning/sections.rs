//! The four sections of each CSU's page. An empty section says "none".

use super::card::{self, Detail};
use super::{CsuMorning, MorningPack, SECTION_HEADINGS};
use crate::format::{days_between, local_date};
use crate::html::{self, Esc};
use std::fmt::Write;

fn heading(out: &mut String, index: usize, count: usize, explain: &str) {
    let _ = writeln!(
        out,
        "<h3>{} <span class=\"count\">({count})</span></h3>\n<p class=\"explain\">{explain}</p>",
        SECTION_HEADINGS[index]
    );
}

/// Callers who qualified since the previous working day and have no open case.
pub fn new_repeat_callers(out: &mut String, pack: &MorningPack, csu: &CsuMorning) {
    heading(
        out,
        0,
        csu.new_repeat_callers.len(),
        "Crossed the rule since the previous working day; no open case. Review and assess.",
    );
    if csu.new_repeat_callers.is_empty() {
        html::none(out);
    }
    for caller in &csu.new_repeat_callers {
        card::render(out, pack, &csu.csu, caller, None, Detail::Full);
    }
}

/// Callers with an open case who called in the last 24 hours.
pub fn called_again(out: &mut String, pack: &MorningPack, csu: &CsuMorning) {
    heading(
        out,
        1,
        csu.called_again.len(),
        "Open case; contacted us in the last 24 hours. Check the plan was followed.",
    );
    if csu.called_again.is_empty() {
        html::none(out);
    }
    for caller in &csu.called_again {
        card::render(out, pack, &csu.csu, caller, None, Detail::Full);
    }
}

/// Cases whose marker expires within 7 days.
pub fn markers_expiring(out: &mut String, pack: &MorningPack, csu: &CsuMorning) {
    heading(
        out,
        2,
        csu.markers_expiring.len(),
        "Decide whether to renew or let the marker lapse.",
    );
    if csu.markers_expiring.is_empty() {
        html::none(out);
    }
    for item in &csu.markers_expiring {
        let status = format!(
            "Marker expires <strong>{}</strong> ({})",
            Esc(&local_date(item.marker_expires)),
            expiry_words(days_between(pack.as_of, item.marker_expires))
        );
        card::render(
            out,
            pack,
            &csu.csu,
            &item.caller,
            Some(&status),
            Detail::Brief,
        );
    }
}

/// Cases whose review date has passed.
pub fn reviews_overdue(out: &mut String, pack: &MorningPack, csu: &CsuMorning) {
    heading(
        out,
        3,
        csu.reviews_overdue.len(),
        "Review date passed: review the case, set a new date or close it.",
    );
    if csu.reviews_overdue.is_empty() {
        html::none(out);
    }
    for item in &csu.reviews_overdue {
        let status = format!(
            "Review due <strong>{}</strong> ({})",
            Esc(&local_date(item.review_due)),
            overdue_words(days_between(item.review_due, pack.as_of))
        );
        card::render(
            out,
            pack,
            &csu.csu,
            &item.caller,
            Some(&status),
            Detail::Brief,
        );
    }
}

/// `today`, `in 1 day`, `in 4 days`, `expired 2 days ago`, from UK local days to expiry.
pub fn expiry_words(days: Option<i64>) -> String {
    match days {
        None => "date unknown".to_string(),
        Some(0) => "today".to_string(),
        Some(1) => "in 1 day".to_string(),
        Some(d) if d > 1 => format!("in {d} days"),
        Some(-1) => "expired 1 day ago".to_string(),
        Some(d) => format!("expired {} days ago", -d),
    }
}

/// `due today`, `1 day overdue`, `9 days overdue`, from UK local days past the due date.
pub fn overdue_words(days: Option<i64>) -> String {
    match days {
        None => "date unknown".to_string(),
        Some(0) => "due today".to_string(),
        Some(1) => "1 day overdue".to_string(),
        Some(d) if d > 1 => format!("{d} days overdue"),
        Some(-1) => "due in 1 day".to_string(),
        Some(d) => format!("due in {} days", -d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_in_words() {
        assert_eq!(expiry_words(Some(0)), "today");
        assert_eq!(expiry_words(Some(1)), "in 1 day");
        assert_eq!(expiry_words(Some(6)), "in 6 days");
        assert_eq!(expiry_words(Some(-2)), "expired 2 days ago");
        assert_eq!(overdue_words(Some(0)), "due today");
        assert_eq!(overdue_words(Some(1)), "1 day overdue");
        assert_eq!(overdue_words(Some(9)), "9 days overdue");
        assert_eq!(overdue_words(Some(-3)), "due in 3 days");
        assert_eq!(overdue_words(None), "date unknown");
    }
}
