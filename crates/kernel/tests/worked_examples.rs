//! The worked examples of `shared/spec/detection.md`, through batch and streaming detection.

use chrono::{TimeZone, Utc};
use engage_kernel::{ChainEvent, Episode, RuleSet, StreamingDetector, detect, time::Micros};

fn at(day: u32, hour: u32, minute: u32) -> Micros {
    Utc.with_ymd_and_hms(2025, 3, day, hour, minute, 0)
        .unwrap()
        .timestamp_micros()
}

fn batch(times: &[Micros]) -> engage_kernel::Detection {
    detect(&RuleSet::kent(), &vec![7; times.len()], times).unwrap()
}

fn streamed(times: &[Micros]) -> Vec<Episode<u32>> {
    let mut detector = StreamingDetector::new(RuleSet::kent());
    for &t in times {
        detector.push(7u32, t).unwrap();
    }
    detector.finish()
}

#[test]
fn example_1_the_window_is_half_open() {
    let mut times: Vec<Micros> = (0..9).map(|h| at(1, h, 0)).collect();
    times.push(at(8, 0, 0));
    let d = batch(&times);
    assert_eq!(d.rolling_counts(0)[9], 9);
    assert!(d.episodes().is_empty());
    assert!(streamed(&times).is_empty());
}

#[test]
fn example_2_tied_contacts_share_a_count() {
    let mut times: Vec<Micros> = (0..8).map(|m| at(1, 12, m)).collect();
    times.extend([at(1, 13, 0), at(1, 13, 0)]);
    let d = batch(&times);
    assert_eq!(&d.rolling_counts(0)[8..], &[10, 10]);
    assert_eq!(&d.qualifies()[7..], &[false, true, true]);
    let expected = Episode {
        key: 7,
        start: at(1, 12, 0),
        end: at(1, 13, 0),
        first_flagged_at: at(1, 13, 0),
        contacts: 10,
        peak_counts: d.episodes()[0].peak_counts,
    };
    assert_eq!(d.episodes(), &[expected]);
    assert_eq!(expected.peak_counts.as_slice(), &[10]);
    assert!(d.episode_numbers_of_contacts().iter().all(|&n| n == 1));
    assert_eq!(streamed(&times), vec![expected]);

    // Streaming: the first 13:00 call alone has 9; its twin supersedes it with 10.
    let mut detector = StreamingDetector::new(RuleSet::kent());
    let verdicts: Vec<_> = times
        .iter()
        .map(|&t| detector.push(7u32, t).unwrap())
        .collect();
    assert_eq!(verdicts[8].rolling_counts.as_slice(), &[9]);
    assert!(verdicts[9].opens_episode());
    assert_eq!(verdicts[9].tied_earlier, 1);
}

#[test]
fn example_3_two_bursts_are_two_episodes() {
    let mut times: Vec<Micros> = (0..10).map(|h| at(1, h, 0)).collect();
    times.extend((0..10).map(|h| at(20, h, 0)));
    let d = batch(&times);
    assert_eq!(d.episodes().len(), 2);
    let numbers: Vec<u32> = d.numbered_episodes().map(|(n, _)| n).collect();
    assert_eq!(numbers, vec![1, 2]);
    assert_eq!(d.episode_of(19), Some(2));
    assert_eq!(d.episode_of(0), Some(1));
    assert_eq!(streamed(&times), d.episodes());
}

#[test]
fn example_4_windows_chain_into_one_episode() {
    let mut times: Vec<Micros> = (0..10).map(|h| at(1, h, 0)).collect();
    times.extend((2..=12).map(|day| at(day, 12, 0)));
    let d = batch(&times);
    assert_eq!(d.episodes().len(), 1);
    let e = d.episodes()[0];
    assert_eq!(e.start, at(1, 0, 0));
    assert_eq!(e.first_flagged_at, at(1, 9, 0));
    // The call on 7 March at 12:00 still has 10 (all ten of 1 March are within 7 days); on 8
    // March at 12:00 the ten of 1 March have left the window, leaving 7 daily calls.
    let counts = d.rolling_counts(0);
    let last_qualifying = (0..times.len()).rev().find(|&i| counts[i] >= 10).unwrap();
    assert_eq!(times[last_qualifying], at(7, 12, 0));
    assert_eq!(e.end, at(7, 12, 0));
    assert_eq!(e.contacts, 16);
    assert_eq!(e.peak_counts.as_slice(), &[16]);
    assert_eq!(streamed(&times), vec![e]);
}

#[test]
fn a_long_window_folds_earlier_episodes_into_one() {
    // 5/30d finds two bursts 40 days apart; then 12/90d reaches back over both.
    let rules: RuleSet = "5/30d,12/90d".parse().unwrap();
    let mut times: Vec<Micros> = (0..5).map(|h| at(1, h, 0)).collect();
    let later = at(1, 0, 0) + 40 * engage_kernel::time::DAY;
    times.extend((0..7).map(|h| later + h * engage_kernel::time::HOUR));
    let d = detect(&rules, &vec![1; times.len()], &times).unwrap();
    assert_eq!(d.episodes().len(), 1);
    assert_eq!(d.episodes()[0].contacts, 12);
    assert_eq!(d.episodes()[0].peak_counts.as_slice(), &[7, 12]);

    let mut detector = StreamingDetector::new(rules);
    let events: Vec<_> = times
        .iter()
        .map(|&t| detector.push(1u32, t).unwrap().episode)
        .collect();
    assert_eq!(events[4], Some(ChainEvent::Opened));
    assert_eq!(events[9], Some(ChainEvent::Opened));
    assert_eq!(events[11], Some(ChainEvent::Merged(2)));
    assert_eq!(detector.finish(), d.episodes());
}
