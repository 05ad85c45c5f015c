//! Writes a morning and a monthly pack from made-up data, for looking at and screenshots:
//!
//! ```text
//! cargo run -p engage-pack --example sample_packs -- OUT_DIR
//! ```
//!
//! writes `OUT_DIR/sample-morning.html` and `OUT_DIR/sample-monthly.html` (OUT_DIR defaults
//! to `CARGO_TARGET_DIR`, else `target`). Every key and number is synthetic; the E.164
//! numbers are from Ofcom's drama range.

use chrono::{DateTime, Utc};
use engage_pack::{
    CallerItem, CsuMonth, CsuMorning, Demand, EventStudyPoint, ImpactSection, MarkerExpiring,
    MonthlyPack, MorningPack, MultiAgencyCaller, Outcomes, ReviewOverdue, TrendMonth,
    render_monthly, render_morning,
};
use std::path::PathBuf;

const DAY: i64 = 86_400_000_000;
const HOUR: i64 = 3_600_000_000;

/// A small deterministic generator, so the sample is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
}

fn utc(s: &str) -> i64 {
    s.parse::<DateTime<Utc>>().unwrap().timestamp_micros()
}

/// 90 days of contacts: a low background with a burst of `burst` days at `level` a day
/// ending `ends_days_ago` days before the last day.
fn series(rng: &mut Lcg, level: u32, burst: usize, ends_days_ago: usize) -> Vec<u32> {
    let mut days: Vec<u32> = (0..90)
        .map(|_| if rng.below(5) == 0 { 1 } else { 0 })
        .collect();
    let end = 89 - ends_days_ago;
    for day in &mut days[end + 1 - burst..=end] {
        *day = level.saturating_sub(1) + rng.below(3);
    }
    days
}

/// A weekly profile with most calls in the evenings (or at night when `night`).
fn profile(rng: &mut Lcg, total: u32, night: bool) -> [[u32; 24]; 7] {
    let mut grid = [[0u32; 24]; 7];
    for _ in 0..total {
        let hour = if night {
            (22 + rng.below(6)) % 24
        } else {
            16 + rng.below(7)
        };
        let day = if rng.below(3) == 0 {
            4 + rng.below(3)
        } else {
            rng.below(7)
        };
        grid[day as usize][hour as usize] += 1;
    }
    grid
}

/// A made-up caller: key, case, triage text, and the burst that made them a repeat caller
/// (`level` contacts a day for `days` days, ending `ends_days_ago` before the as-of day).
struct Sketch<'a> {
    key: &'a str,
    case: Option<&'a str>,
    suggested: &'a str,
    evidence: &'a str,
    categories: &'a str,
    level: u32,
    days: usize,
    ends_days_ago: usize,
    night: bool,
}

/// The morning of the first day whose last 7 days hold 10 contacts, or 120 days back when
/// the 90 days shown have none (the caller was identified before them).
fn first_flagged(as_of: i64, daily: &[u32]) -> i64 {
    let first = engage_pack::chart::sparkline::rolling_sums(daily, 7)
        .into_iter()
        .find(|&(_, sum)| sum >= 10)
        .map_or(120, |(i, _)| (daily.len() - 1 - i) as i64);
    as_of - first * DAY - 3 * HOUR
}

fn caller(rng: &mut Lcg, as_of: i64, c: Sketch<'_>) -> CallerItem {
    let daily = series(rng, c.level, c.days, c.ends_days_ago);
    let total: u32 = daily.iter().sum();
    CallerItem {
        caller_key: c.key.to_string(),
        case_id: c.case.map(str::to_string),
        csu: None,
        suggested_type: c.suggested.to_string(),
        triage_evidence: c.evidence.to_string(),
        top_categories: c.categories.to_string(),
        first_flagged_at: Some(first_flagged(as_of, &daily)),
        last_contact_at: daily
            .iter()
            .rposition(|&v| v > 0)
            .map(|i| as_of - (daily.len() - 1 - i) as i64 * DAY - HOUR),
        contacts_24h: *daily.last().unwrap(),
        profile: profile(rng, total, c.night),
        daily_contacts: daily,
    }
}

fn morning() -> MorningPack {
    let as_of = utc("2026-11-30T07:00:00Z");
    let mut rng = Lcg(20261130);
    let canterbury = CsuMorning {
        csu: "Canterbury".to_string(),
        new_repeat_callers: vec![
            caller(
                &mut rng,
                as_of,
                Sketch {
                    key: "p:7f3a9c21e0b4",
                    case: None,
                    suggested: "vulnerable_caller",
                    evidence: "vulnerability 11 (concern for welfare 6, silent call 5); victimisation 1 (theft 1)",
                    categories: "concern for welfare 6, silent call 5, theft 1",
                    level: 3,
                    days: 4,
                    ends_days_ago: 0,
                    night: true,
                },
            ),
            caller(
                &mut rng,
                as_of,
                Sketch {
                    key: "p:0c55e2d19a7f",
                    case: None,
                    suggested: "repeat_victim",
                    evidence: "victimisation 9 (harassment 6, criminal damage 3); vulnerability 1 (concern for welfare 1)",
                    categories: "harassment 6, criminal damage 3, concern for welfare 1",
                    level: 2,
                    days: 6,
                    ends_days_ago: 1,
                    night: false,
                },
            ),
        ],
        called_again: vec![caller(
            &mut rng,
            as_of,
            Sketch {
                key: "p:9b1d04c6f2e8",
                case: Some("CSU-CAN-2026-0412"),
                suggested: "mixed",
                evidence: "victimisation 7 (domestic abuse 4, assault 3); vulnerability 6 (mental health 6)",
                categories: "mental health 6, domestic abuse 4, assault 3",
                level: 2,
                days: 3,
                ends_days_ago: 0,
                night: false,
            },
        )],
        markers_expiring: vec![MarkerExpiring {
            caller: caller(
                &mut rng,
                as_of,
                Sketch {
                    key: "p:3e8f6a0b7d12",
                    case: Some("CSU-CAN-2026-0377"),
                    suggested: "vulnerable_caller",
                    evidence: "vulnerability 14 (hoax or nuisance 9, concern for welfare 5)",
                    categories: "hoax or nuisance 9, concern for welfare 5",
                    level: 2,
                    days: 5,
                    ends_days_ago: 40,
                    night: true,
                },
            ),
            marker_expires: as_of + 4 * DAY,
        }],
        reviews_overdue: vec![ReviewOverdue {
            caller: caller(
                &mut rng,
                as_of,
                Sketch {
                    key: "p:a41c9e7b3f05",
                    case: Some("CSU-CAN-2026-0298"),
                    suggested: "undetermined",
                    evidence: "neutral 8 (suspicious circumstances 5, lost property 3)",
                    categories: "suspicious circumstances 5, lost property 3",
                    level: 2,
                    days: 5,
                    ends_days_ago: 60,
                    night: false,
                },
            ),
            review_due: as_of - 9 * DAY,
        }],
    };
    let medway = CsuMorning {
        csu: "Medway".to_string(),
        new_repeat_callers: vec![caller(
            &mut rng,
            as_of,
            Sketch {
                key: "+447700900123",
                case: None,
                suggested: "undetermined",
                evidence: "neutral 10 (abandoned call 10)",
                categories: "abandoned call 10",
                level: 4,
                days: 3,
                ends_days_ago: 0,
                night: true,
            },
        )],
        called_again: Vec::new(),
        markers_expiring: Vec::new(),
        reviews_overdue: Vec::new(),
    };
    MorningPack {
        title: "Repeat callers: morning pack".to_string(),
        as_of,
        rule: "10/7d".to_string(),
        threshold: 10,
        window_days: 7,
        csu_filter: None,
        source: "snap-20261130-0600-3f1c2a (synthetic)".to_string(),
        generated_by: "engage 0.1.0 (example: sample_packs)".to_string(),
        csus: vec![canterbury, medway],
    }
}

fn monthly() -> MonthlyPack {
    let months = [
        "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07",
        "2026-08", "2026-09", "2026-10", "2026-11",
    ];
    let mut rng = Lcg(202611);
    let trend = months
        .iter()
        .map(|m| {
            let all = 28_000 + u64::from(rng.below(8_000));
            TrendMonth {
                month: m.to_string(),
                identified: 18 + rng.below(14),
                referred: 6 + rng.below(8),
                closed: 4 + rng.below(8),
                repeat_contacts: all * u64::from(30 + rng.below(15)) / 1000,
                all_contacts: all,
            }
        })
        .collect();
    // A true ratio near 0.86 with a wide interval, a dip in the anticipation weeks.
    let points = (-8..=25)
        .map(|week: i32| {
            let (ratio, half) = match week {
                -8..=-3 => (1.0 + 0.04 * f64::from(week % 3), 0.25),
                -2 | -1 => (1.9 - 0.2 * f64::from(week + 2), 0.35),
                0 => (1.0, 0.0),
                w => (0.95 - 0.004 * f64::from(w), 0.25 + 0.01 * f64::from(w)),
            };
            EventStudyPoint {
                week,
                ratio,
                low: ratio * (1.0 - half),
                high: ratio / (1.0 - half),
            }
        })
        .collect();
    MonthlyPack {
        title: "Repeat callers: monthly pack".to_string(),
        month: "2026-11".to_string(),
        rule: "10/7d".to_string(),
        source: "snap-20261201-0600-9ad4e1 (synthetic)".to_string(),
        generated_by: "engage 0.1.0 (example: sample_packs)".to_string(),
        csus: vec![
            CsuMonth {
                csu: "Canterbury".into(),
                identified: 9,
                newly_referred: 4,
                closed: 3,
                open_at_month_end: 17,
            },
            CsuMonth {
                csu: "Maidstone".into(),
                identified: 7,
                newly_referred: 2,
                closed: 2,
                open_at_month_end: 11,
            },
            CsuMonth {
                csu: "Medway".into(),
                identified: 12,
                newly_referred: 5,
                closed: 4,
                open_at_month_end: 21,
            },
        ],
        demand: Demand {
            repeat_contacts: 1_187,
            all_contacts: 31_402,
            repeat_handling_hours: 96.4,
            all_handling_hours: 2_315.8,
        },
        outcomes: Outcomes {
            definition: "no contact in the last 28 days of the month".into(),
            referred: 38,
            referred_no_longer: 17,
            comparison: 121,
            comparison_no_longer: 49,
        },
        multi_agency: vec![
            MultiAgencyCaller {
                caller_key: "p:7f3a9c21e0b4".into(),
                police: 23,
                fire: 0,
                ambulance: 14,
                other: 0,
            },
            MultiAgencyCaller {
                caller_key: "p:52be07c1d9a3".into(),
                police: 8,
                fire: 3,
                ambulance: 5,
                other: 0,
            },
        ],
        trend,
        impact: Some(ImpactSection {
            outcome: "contacts".into(),
            ratio: 0.86,
            low: 0.63,
            high: 1.16,
            naive_ratio: 0.38,
            points,
            anticipation_weeks: 2,
            eligible: 808,
            referred: 128,
            comparison: 680,
            method: "Poisson rate ratio against eligible callers not yet or never referred; \
                     95% interval from 999 bootstrap resamples of callers (synthetic figures)."
                .into(),
        }),
        impact_unavailable: None,
    }
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"));
    std::fs::create_dir_all(&dir)?;
    let morning_path = dir.join("sample-morning.html");
    let monthly_path = dir.join("sample-monthly.html");
    std::fs::write(&morning_path, render_morning(&morning()))?;
    std::fs::write(&monthly_path, render_monthly(&monthly()))?;
    println!("{}\n{}", morning_path.display(), monthly_path.display());
    Ok(())
}
