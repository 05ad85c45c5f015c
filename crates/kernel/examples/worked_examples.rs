//! Runs the worked examples of the detection spec through the kernel and prints what it finds:
//! `cargo run -p engage-kernel --example worked_examples [RULES]` (default `10/7d`).

use chrono::{DateTime, TimeZone, Utc};
use engage_kernel::time::{DAY, HOUR, MINUTE};
use engage_kernel::{Micros, RuleSet, StreamingDetector, detect};

fn main() {
    let rules: RuleSet = match std::env::args().nth(1).map(|text| text.parse()) {
        Some(Ok(rules)) => rules,
        Some(Err(e)) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
        None => RuleSet::kent(),
    };
    let march = |day: i64| {
        Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0)
            .unwrap()
            .timestamp_micros()
            + (day - 1) * DAY
    };
    let examples: Vec<(&str, Vec<Micros>)> = vec![
        ("1: nine hourly calls, a tenth 7 days after the first", {
            let mut t: Vec<Micros> = (0..9).map(|h| march(1) + h * HOUR).collect();
            t.push(march(8));
            t
        }),
        ("2: eight calls a minute apart, two at 13:00", {
            let mut t: Vec<Micros> = (0..8).map(|m| march(1) + 12 * HOUR + m * MINUTE).collect();
            t.extend([march(1) + 13 * HOUR; 2]);
            t
        }),
        ("3: ten calls on 1 March, ten on 20 March", {
            (0..10)
                .map(|h| march(1) + h * HOUR)
                .chain((0..10).map(|h| march(20) + h * HOUR))
                .collect()
        }),
        ("4: ten calls on 1 March, then one a day to 12 March", {
            (0..10)
                .map(|h| march(1) + h * HOUR)
                .chain((2..=12).map(|d| march(d) + 12 * HOUR))
                .collect()
        }),
    ];
    let show = |t: Micros| {
        DateTime::<Utc>::from_timestamp_micros(t)
            .unwrap()
            .format("%d %b %H:%M")
    };
    println!("rule set {rules}\n");
    for (caller, (title, times)) in examples.iter().enumerate() {
        println!("example {title}: {} contacts", times.len());
        let found =
            detect(&rules, &vec![caller as u32; times.len()], times).expect("columns match");
        if found.episodes().is_empty() {
            println!("  no episode");
        }
        for (no, e) in found.numbered_episodes() {
            println!(
                "  episode {no}: {} .. {}, flagged {}, {} contacts, peak {:?}",
                show(e.start),
                show(e.end),
                show(e.first_flagged_at),
                e.contacts,
                e.peak_counts.as_slice()
            );
        }
        let mut live = StreamingDetector::new(rules.clone());
        for &t in times {
            if live.push(caller, t).expect("in time order").opens_episode() {
                println!("  streaming: flagged the moment of the call at {}", show(t));
            }
        }
        println!();
    }
}
