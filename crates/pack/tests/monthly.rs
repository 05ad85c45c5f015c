//! The monthly pack, rendered: sections, counts and shares, escaping, empty sections, the
//! trend charts and "Is it working?".

mod common;

use common::{assert_self_contained, count, num, points, tags};
use engage_pack::chart::event_study;
use engage_pack::{
    CsuMonth, Demand, EventStudyPoint, ImpactSection, MonthlyPack, MultiAgencyCaller, Outcomes,
    TrendMonth, render_monthly,
};

fn impact(ratio: f64, low: f64, high: f64) -> ImpactSection {
    ImpactSection {
        outcome: "contacts".to_string(),
        ratio,
        low,
        high,
        naive_ratio: 0.38,
        points: (-8..=25)
            .map(|week| EventStudyPoint {
                week,
                ratio: if week == -1 { 2.0 } else { 1.0 },
                low: 0.5,
                high: if week == -1 { 4.0 } else { 2.0 },
            })
            .collect(),
        anticipation_weeks: 2,
        eligible: 808,
        referred: 128,
        comparison: 680,
        method: "Poisson rate ratio; bootstrap over callers".to_string(),
    }
}

fn pack() -> MonthlyPack {
    let months = [
        "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07",
        "2026-08", "2026-09", "2026-10", "2026-11",
    ];
    MonthlyPack {
        title: "Repeat callers: monthly pack".to_string(),
        month: "2026-11".to_string(),
        rule: "10/7d".to_string(),
        source: "snap-test-002".to_string(),
        generated_by: "engage test".to_string(),
        csus: vec![
            CsuMonth {
                csu: "Canterbury".to_string(),
                identified: 9,
                newly_referred: 4,
                closed: 3,
                open_at_month_end: 17,
            },
            CsuMonth {
                csu: "Medway".to_string(),
                identified: 1200,
                newly_referred: 5,
                closed: 0,
                open_at_month_end: 21,
            },
        ],
        demand: Demand {
            repeat_contacts: 1_187,
            all_contacts: 31_402,
            repeat_handling_hours: 96.44,
            all_handling_hours: 2_315.8,
        },
        outcomes: Outcomes {
            definition: "no contact in the last 28 days of the month".to_string(),
            referred: 40,
            referred_no_longer: 18,
            comparison: 120,
            comparison_no_longer: 48,
        },
        multi_agency: vec![
            MultiAgencyCaller {
                caller_key: "p:7f3a9c21e0b4".to_string(),
                police: 23,
                fire: 0,
                ambulance: 14,
                other: 0,
            },
            MultiAgencyCaller {
                caller_key: "<b>x</b>".to_string(),
                police: 8,
                fire: 3,
                ambulance: 5,
                other: 0,
            },
        ],
        trend: months
            .iter()
            .enumerate()
            .map(|(i, m)| TrendMonth {
                month: m.to_string(),
                identified: 20 + i as u32,
                referred: 5 + i as u32,
                closed: i as u32,
                repeat_contacts: 100 * (i as u64 + 1),
                all_contacts: 4000,
            })
            .collect(),
        impact: Some(impact(0.86, 0.63, 1.16)),
        impact_unavailable: None,
    }
}

/// The text of the section whose `<h2>` is `heading`.
fn section<'a>(html: &'a str, heading: &str) -> &'a str {
    let start = html
        .find(&format!("<h2>{heading}</h2>"))
        .unwrap_or_else(|| panic!("no section {heading}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[test]
fn is_self_contained_and_has_every_section() {
    let html = render_monthly(&pack());
    assert_self_contained(&html);
    for heading in engage_pack::monthly::SECTION_HEADINGS {
        assert_eq!(count(&html, &format!("<h2>{heading}</h2>")), 1, "{heading}");
    }
    assert!(html.contains("<h1>Repeat callers: monthly pack</h1>"));
    assert!(html.contains("<strong>Month:</strong> Nov 2026"));
    assert!(html.contains("<strong>Rule:</strong> 10/7d"));
    assert!(html.contains("snapshot snap-test-002"));
    // "Is it working?" starts a printed page.
    assert!(html.contains("<section class=\"impact\">"));
}

#[test]
fn caseload_counts_and_totals_equal_the_inputs() {
    let html = render_monthly(&pack());
    let s = section(&html, "Caseload by CSU");
    assert!(s.contains(
        "<tr><td>Canterbury</td><td class=\"n\">9</td><td class=\"n\">4</td>\
         <td class=\"n\">3</td><td class=\"n\">17</td></tr>"
    ));
    assert!(s.contains(
        "<tr><td>Medway</td><td class=\"n\">1,200</td><td class=\"n\">5</td>\
         <td class=\"n\">0</td><td class=\"n\">21</td></tr>"
    ));
    assert!(s.contains(
        "<tr class=\"total\"><td>All CSUs</td><td class=\"n\">1,209</td>\
         <td class=\"n\">9</td><td class=\"n\">3</td><td class=\"n\">38</td></tr>"
    ));
}

#[test]
fn demand_and_outcome_shares() {
    let html = render_monthly(&pack());
    let demand = section(&html, "Demand from repeat callers");
    // 1187 / 31402 = 3.78%; 96.44 / 2315.8 = 4.16%.
    assert!(demand.contains(
        "<tr><td>Contacts</td><td class=\"n\">1,187</td><td class=\"n\">31,402</td>\
         <td class=\"n\">3.8%</td></tr>"
    ));
    assert!(demand.contains(
        "<tr><td>Handling hours</td><td class=\"n\">96.4</td><td class=\"n\">2,315.8</td>\
         <td class=\"n\">4.2%</td></tr>"
    ));
    let outcomes = section(&html, "No longer coming to notice");
    assert!(outcomes.contains(
        "<tr><td>Referred</td><td class=\"n\">40</td><td class=\"n\">18</td>\
         <td class=\"n\">45.0%</td></tr>"
    ));
    assert!(outcomes.contains(
        "<tr><td>Comparison group</td><td class=\"n\">120</td><td class=\"n\">48</td>\
         <td class=\"n\">40.0%</td></tr>"
    ));
    assert!(outcomes.contains("no contact in the last 28 days of the month"));
}

#[test]
fn multi_agency_rows_are_escaped_and_totalled() {
    let html = render_monthly(&pack());
    let s = section(&html, "Multi-agency overlap");
    assert!(s.contains(
        "<tr><td class=\"key\">p:7f3a9c21e0b4</td><td class=\"n\">23</td><td class=\"n\">0</td>\
         <td class=\"n\">14</td><td class=\"n\">37</td></tr>"
    ));
    assert!(s.contains("<td class=\"key\">&lt;b&gt;x&lt;/b&gt;</td>"));
    assert!(!html.contains("<b>x</b>"));
    assert!(!s.contains("<th class=\"n\">Other</th>"));
    assert!(s.contains("2 callers seen by more than one agency"));
    let mut other = pack();
    other.multi_agency[0].other = 2;
    let html = render_monthly(&other);
    let s = section(&html, "Multi-agency overlap");
    assert!(s.contains("<th class=\"n\">Other</th>"));
    assert!(s.contains("<td class=\"n\">14</td><td class=\"n\">2</td><td class=\"n\">39</td>"));
}

#[test]
fn empty_sections_say_none() {
    let mut p = pack();
    p.csus.clear();
    p.demand = Demand::default();
    p.outcomes = Outcomes::default();
    p.multi_agency.clear();
    p.trend.clear();
    let html = render_monthly(&p);
    assert_self_contained(&html);
    for heading in &engage_pack::monthly::SECTION_HEADINGS[..5] {
        assert!(
            section(&html, heading).contains("<p class=\"none\">none</p>"),
            "{heading}"
        );
    }
    assert_eq!(count(&html, "<svg"), 1, "only the event study is left");
}

#[test]
fn trend_bars_and_share_line_are_where_the_data_says() {
    let html = render_monthly(&pack());
    let s = section(&html, "Trend: last 12 months");
    for (i, class) in ["bar s0", "bar s1", "bar s2"].iter().enumerate() {
        let bars = tags(s, &format!("<rect class=\"{class}\""));
        assert_eq!(bars.len(), 12, "{class}");
        // Series i of month m has the value base(i) + m (closed: m), drawn with heights in
        // proportion: each month's bar is one unit taller than the last.
        let unit = (num(&bars[11], "height") - num(&bars[0], "height")) / 11.0;
        assert!(unit > 0.0);
        for (m, bar) in bars.iter().enumerate() {
            let expected = num(&bars[0], "height") + unit * m as f64;
            assert!(
                (num(bar, "height") - expected).abs() <= 0.15,
                "{class} month {m}"
            );
        }
        if i == 2 {
            assert_eq!(
                num(&bars[0], "height"),
                0.0,
                "closed is 0 in the first month"
            );
        }
    }
    // Each bar's value is printed: 20..=31 identified, 5..=16 referred, 0..=11 closed.
    for v in [20, 31, 5, 16, 0, 11] {
        assert!(
            s.contains(&format!("text-anchor=\"middle\">{v}</text>")),
            "{v}"
        );
    }
    // Month labels, with the year at January.
    assert!(s.contains(">Dec</text>") && s.contains(">Jan 26</text>") && s.contains(">Nov</text>"));
    // The share line: 2.5%, 5.0%, ..., 30.0% of contacts.
    let dots = tags(s, "<circle class=\"point\"");
    assert_eq!(dots.len(), 12);
    let line = points(&tags(s, "<polyline class=\"share\"")[0]);
    assert_eq!(line.len(), 12);
    let rise = line[0].1 - line[1].1;
    assert!(rise > 0.0);
    for (m, &(_, y)) in line.iter().enumerate() {
        assert!((line[0].1 - y - rise * m as f64).abs() <= 0.15, "month {m}");
        assert_eq!(num(&dots[m], "cy"), y);
    }
    assert!(s.contains(">2.5%</text>") && s.contains(">30.0%</text>"));
}

#[test]
fn impact_sentence_for_each_case() {
    let cases = [
        (
            (0.86, 0.63, 1.16),
            "Contacts from referred callers were 14% lower than expected (95% interval: 37% \
             lower to 16% higher); this is not yet distinguishable from no effect.",
        ),
        (
            (0.70, 0.55, 0.88),
            "Contacts from referred callers were 30% lower than expected (95% interval: 45% \
             lower to 12% lower); the whole interval is below no effect, so contacts fell more \
             than chance alone would explain.",
        ),
        (
            (1.25, 1.05, 1.49),
            "Contacts from referred callers were 25% higher than expected (95% interval: 5% \
             higher to 49% higher); the whole interval is above no effect, so contacts rose more \
             than chance alone would explain.",
        ),
    ];
    for ((ratio, low, high), sentence) in cases {
        let mut p = pack();
        p.impact = Some(impact(ratio, low, high));
        let html = render_monthly(&p);
        let s = section(&html, "Is it working?");
        assert!(
            s.contains(&format!("<p class=\"headline\">{sentence}</p>")),
            "{ratio}: {s}"
        );
        assert!(s.contains(&format!("{ratio:.2} (95% interval {low:.2} to {high:.2})")));
    }
}

#[test]
fn naive_figure_is_labelled_with_why_it_misleads() {
    let html = render_monthly(&pack());
    let s = section(&html, "Is it working?");
    assert!(s.contains("<span class=\"label\">Naive</span>"));
    assert!(s.contains(
        "Contacts from referred callers fell 62% after referral compared with before (ratio 0.38)."
    ));
    assert!(s.contains("regression to the mean"));
    assert!(s.contains("callers are picked at their peak"));
    // Cohort sizes.
    assert!(s.contains("<td>Eligible (crossed the rule)</td><td class=\"n\">808</td>"));
    assert!(s.contains("<td>Referred</td><td class=\"n\">128</td>"));
    assert!(s.contains(
        "<td>Comparison (eligible, not yet or never referred)</td><td class=\"n\">680</td>"
    ));
    assert!(s.contains("Method: Poisson rate ratio; bootstrap over callers"));
}

#[test]
fn without_an_estimate_the_reason_is_shown() {
    let mut p = pack();
    p.impact = None;
    p.impact_unavailable = Some("7 referred callers; at least 10 are needed <yet>".to_string());
    let html = render_monthly(&p);
    assert_self_contained(&html);
    let s = section(&html, "Is it working?");
    assert!(s.contains(
        "No estimate this month: 7 referred callers; at least 10 are needed &lt;yet&gt;"
    ));
    assert!(!s.contains("<svg"));
    assert!(!s.contains("Naive"));
    // A non-finite estimate is not printed as a number.
    p.impact = Some(impact(f64::NAN, 0.5, 1.5));
    let html = render_monthly(&p);
    let s = section(&html, "Is it working?");
    assert!(s.contains("No estimate"));
    assert!(!s.contains("NaN"));
}

#[test]
fn event_study_marks_are_where_the_data_says() {
    let html = render_monthly(&pack());
    let s = section(&html, "Is it working?");
    let start = s.find("<svg class=\"event-study\"").unwrap();
    let svg = &s[start..start + s[start..].find("</svg>").unwrap()];
    let dots = tags(svg, "<circle class=\"point\"");
    assert_eq!(dots.len(), 34, "weeks -8..=25");
    // x: week slots in order and evenly spaced (checked against the slot formula).
    for (k, dot) in dots.iter().enumerate() {
        let week = k as i32 - 8;
        assert!(
            (num(dot, "cx") - event_study::x_of(week)).abs() <= 0.06,
            "week {week}"
        );
    }
    // y: log scale. Ratios are 1.0 except 2.0 at week -1; band 0.5..2 (0.5..4 at week -1):
    // the range is 0.5..4, three doublings, so one doubling is a third of the plot height.
    let reference = &tags(svg, "<line class=\"ref\"")[0];
    let y1 = num(reference, "y1");
    let at_one = num(&dots[0], "cy");
    assert_eq!(at_one, y1, "ratio 1.0 sits on the reference line");
    let doubling = y1 - num(&dots[7], "cy"); // week -1, ratio 2.0
    let plot_h = event_study::HEIGHT - event_study::TOP - event_study::BOTTOM;
    assert!((doubling - plot_h / 3.0).abs() <= 0.11);
    // The band runs from 2.0 (one doubling up) to 0.5 (one down), and 4.0 at week -1.
    let band = points(&tags(svg, "<polygon class=\"band\"")[0]);
    assert_eq!(band.len(), 68);
    assert!((band[0].1 - (y1 - doubling)).abs() <= 0.11);
    assert!((band[7].1 - (y1 - 2.0 * doubling)).abs() <= 0.11);
    assert!((band[67].1 - (y1 + doubling)).abs() <= 0.11);
    // Anticipation: two weeks (-2 and -1) shaded, ending where the referral line is.
    let shade = &tags(svg, "<rect class=\"anticipation\"")[0];
    let referral = &tags(svg, "<line class=\"referral\"")[0];
    let slot = event_study::x_of(1) - event_study::x_of(0);
    assert!((num(shade, "width") - 2.0 * slot).abs() <= 0.11);
    assert!((num(shade, "x") + num(shade, "width") - num(referral, "x1")).abs() <= 0.11);
    assert!(svg.contains(">anticipation</text>"));
    for label in ["0.5", "1", "2", "4"] {
        assert!(
            svg.contains(&format!("text-anchor=\"end\">{label}</text>")),
            "{label}"
        );
    }
}
