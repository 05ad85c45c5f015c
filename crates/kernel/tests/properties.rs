//! Batch detection, streaming detection and a plain O(n²) reading of the spec agree on random
//! contacts with ties, exact window boundaries and several rules.

use engage_kernel::time::HOUR;
use engage_kernel::{Episode, Micros, NO_KEY, Rule, RuleSet, StreamingDetector, detect};
use proptest::prelude::*;

/// The spec, read literally.
struct Reference {
    counts: Vec<Vec<u32>>, // [rule][contact]
    qualifies: Vec<bool>,
    episode_no: Vec<u32>,
    episodes: Vec<Episode>,
}

fn reference(rules: &RuleSet, keys: &[u32], times: &[Micros]) -> Reference {
    let n = keys.len();
    let window = |i: usize, rule: &Rule| -> Vec<usize> {
        (0..n)
            .filter(|&j| {
                keys[j] == keys[i] && times[i] - rule.window < times[j] && times[j] <= times[i]
            })
            .collect()
    };
    let counts: Vec<Vec<u32>> = rules
        .rules()
        .iter()
        .map(|rule| {
            (0..n)
                .map(|i| {
                    if keys[i] == NO_KEY {
                        0
                    } else {
                        window(i, rule).len() as u32
                    }
                })
                .collect()
        })
        .collect();
    let qualifies: Vec<bool> = (0..n)
        .map(|i| {
            keys[i] != NO_KEY
                && rules
                    .rules()
                    .iter()
                    .enumerate()
                    .any(|(r, rule)| counts[r][i] >= rule.min_contacts)
        })
        .collect();

    // Every qualifying window of every rule: (key, span start, contact).
    let mut spans: Vec<(u32, Micros, usize)> = Vec::new();
    for i in (0..n).filter(|&i| qualifies[i]) {
        for (r, rule) in rules.rules().iter().enumerate() {
            if counts[r][i] >= rule.min_contacts {
                let start = window(i, rule).iter().map(|&j| times[j]).min().unwrap();
                spans.push((keys[i], start, i));
            }
        }
    }
    spans.sort_by_key(|&(key, start, i)| (key, start, times[i]));

    let mut episodes: Vec<Episode> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (key, start, i) in spans {
        let t = times[i];
        match episodes.last_mut() {
            Some(e) if e.key == key && start <= e.end => {
                e.end = e.end.max(t);
                members.last_mut().unwrap().push(i);
            }
            _ => {
                episodes.push(Episode {
                    key,
                    start,
                    end: t,
                    first_flagged_at: t,
                    contacts: 0,
                    peak_counts: engage_kernel::PerRule::zeros(rules.len()),
                });
                members.push(vec![i]);
            }
        }
    }
    let mut episode_no = vec![0; n];
    let mut number = 0;
    for (k, (e, qualifying)) in episodes.iter_mut().zip(&members).enumerate() {
        number = if k > 0 && members[k - 1].first().map(|&i| keys[i]) == Some(e.key) {
            number + 1
        } else {
            1
        };
        e.first_flagged_at = qualifying.iter().map(|&i| times[i]).min().unwrap();
        for (r, peak) in e.peak_counts.as_mut_slice().iter_mut().enumerate() {
            *peak = qualifying.iter().map(|&i| counts[r][i]).max().unwrap();
        }
        for j in 0..n {
            if keys[j] == e.key && e.start <= times[j] && times[j] <= e.end {
                e.contacts += 1;
                episode_no[j] = number;
            }
        }
    }
    Reference {
        counts,
        qualifies,
        episode_no,
        episodes,
    }
}

fn rule_set() -> impl Strategy<Value = RuleSet> {
    prop::collection::vec((1u32..7, 1i64..24), 1..4).prop_map(|rules| {
        RuleSet::new(
            rules
                .into_iter()
                .map(|(k, h)| Rule::new(k, h * HOUR).unwrap())
                .collect(),
        )
        .unwrap()
    })
}

/// Contacts on a coarse grid of half hours, so ties and exact boundaries are common; a few
/// without a key; keys spread out now and then so the sparse-key path runs too.
fn contacts() -> impl Strategy<Value = (Vec<u32>, Vec<Micros>)> {
    (
        prop::collection::vec((0u32..5, 0i64..80), 0..70),
        any::<bool>(),
    )
        .prop_map(|(rows, sparse)| {
            rows.into_iter()
                .map(|(key, half_hours)| {
                    let key = match key {
                        4 => NO_KEY,
                        k if sparse => k * 1_000_000_007 % 4_000_000_000,
                        k => k,
                    };
                    (key, half_hours * HOUR / 2)
                })
                .unzip()
        })
}

fn sorted_by_key_and_time(keys: &[u32], times: &[Micros]) -> (Vec<u32>, Vec<Micros>) {
    let mut rows: Vec<(u32, Micros)> = keys.iter().copied().zip(times.iter().copied()).collect();
    rows.sort();
    rows.into_iter().unzip()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn batch_agrees_with_the_reference((keys, times) in contacts(), rules in rule_set()) {
        for (keys, times) in [(keys.clone(), times.clone()), sorted_by_key_and_time(&keys, &times)] {
            let expected = reference(&rules, &keys, &times);
            let got = detect(&rules, &keys, &times).unwrap();
            for r in 0..rules.len() {
                prop_assert_eq!(got.rolling_counts(r), &expected.counts[r][..]);
            }
            prop_assert_eq!(got.qualifies(), &expected.qualifies[..]);
            prop_assert_eq!(got.episode_numbers_of_contacts(), &expected.episode_no[..]);
            let mut episodes = got.episodes().to_vec();
            episodes.sort_by_key(|e| (e.key, e.start));
            prop_assert_eq!(&episodes, &expected.episodes);
            // Caller by caller, as a sorted snapshot gives them.
            let (sorted_keys, sorted_times) = sorted_by_key_and_time(&keys, &times);
            let mut by_run = Vec::new();
            let mut start = 0;
            while start < sorted_keys.len() && sorted_keys[start] != NO_KEY {
                let end = start + sorted_keys[start..].iter().take_while(|&&k| k == sorted_keys[start]).count();
                by_run.extend(engage_kernel::detect_run_episodes(&rules, sorted_keys[start], &sorted_times[start..end]).unwrap());
                start = end;
            }
            prop_assert_eq!(&by_run, &expected.episodes);
            let only = engage_kernel::detect_episodes(&rules, &keys, &times).unwrap();
            prop_assert_eq!(only.episodes(), got.episodes());
            prop_assert_eq!(only.len(), keys.len());
            prop_assert_eq!(&only, &got.clone().into_episodes());
        }
    }

    #[test]
    fn archive_agrees_with_the_reference((keys, times) in contacts(), rules in rule_set()) {
        let mut contacts_index = engage_kernel::ContactIndex::new();
        // Odd keys padded past the inline length: both ways of keeping a key are tested.
        let texts: Vec<Option<String>> = keys
            .iter()
            .map(|&k| (k != NO_KEY).then(|| if k % 2 == 0 { k.to_string() } else { format!("{k:0>24}") }))
            .collect();
        // The first half one at a time, the rest as a batch.
        let half = keys.len() / 2;
        for (k, &t) in texts[..half].iter().zip(&times) {
            contacts_index.push(k.as_deref(), t);
        }
        let batch: Vec<Option<&str>> = texts[half..].iter().map(|k| k.as_deref()).collect();
        contacts_index.push_batch(&batch, &times[half..]);
        let mut episodes: Vec<Episode> = contacts_index
            .detect(&rules)
            .into_iter()
            .map(|e| {
                let key = contacts_index.key(e.key).parse().unwrap();
                e.with_key(key)
            })
            .collect();
        episodes.sort_by_key(|e| (e.key, e.start));
        prop_assert_eq!(&episodes, &reference(&rules, &keys, &times).episodes);
        prop_assert_eq!(contacts_index.unkeyed_contacts() as usize, keys.iter().filter(|&&k| k == NO_KEY).count());
    }

    #[test]
    fn streaming_agrees_with_batch((keys, times) in contacts(), rules in rule_set()) {
        let batch = detect(&rules, &keys, &times).unwrap();
        let mut arrival: Vec<usize> = (0..keys.len()).filter(|&i| keys[i] != NO_KEY).collect();
        arrival.sort_by_key(|&i| (times[i], i));
        let mut detector = StreamingDetector::new(rules.clone());
        for (position, &i) in arrival.iter().enumerate() {
            let verdict = detector.push(keys[i], times[i]).unwrap();
            let ties_after = arrival[position + 1..]
                .iter()
                .take_while(|&&j| times[j] == times[i])
                .filter(|&&j| keys[j] == keys[i])
                .count() as u32;
            for r in 0..rules.len() {
                prop_assert_eq!(verdict.rolling_counts.as_slice()[r] + ties_after, batch.rolling_counts(r)[i]);
            }
            if ties_after == 0 {
                prop_assert_eq!(verdict.qualifies, batch.qualifies()[i]);
            }
            // Memory: only contacts inside the longest window are remembered.
            let inside = arrival[..=position]
                .iter()
                .filter(|&&j| times[j] > times[i] - rules.longest_window())
                .count();
            prop_assert!(detector.remembered_contacts() <= inside);
        }
        let mut episodes = detector.finish();
        episodes.sort_by_key(|e| (e.key, e.start));
        let mut expected = batch.episodes().to_vec();
        expected.sort_by_key(|e| (e.key, e.start));
        prop_assert_eq!(episodes, expected);
    }

    #[test]
    fn opening_verdicts_mark_first_flags((keys, times) in contacts(), rules in rule_set()) {
        // Under one rule every episode opens exactly once, at its first_flagged_at.
        let single = RuleSet::new(vec![rules.rules()[0]]).unwrap();
        let batch = detect(&single, &keys, &times).unwrap();
        let mut arrival: Vec<usize> = (0..keys.len()).filter(|&i| keys[i] != NO_KEY).collect();
        arrival.sort_by_key(|&i| (times[i], i));
        let mut detector = StreamingDetector::new(single);
        let mut opened: Vec<(u32, Micros)> = arrival
            .iter()
            .filter_map(|&i| detector.push(keys[i], times[i]).unwrap().opens_episode().then_some((keys[i], times[i])))
            .collect();
        opened.sort();
        let mut flagged: Vec<(u32, Micros)> = batch.episodes().iter().map(|e| (e.key, e.first_flagged_at)).collect();
        flagged.sort();
        prop_assert_eq!(opened, flagged);
    }
}

#[test]
fn out_of_order_contacts_are_refused() {
    let mut detector = StreamingDetector::new(RuleSet::kent());
    detector.push("a", 10).unwrap();
    let err = detector.push("b", 5).unwrap_err();
    assert!(err.to_string().contains("time order"), "{err}");
}

#[test]
fn mismatched_columns_are_refused() {
    let err = detect(&RuleSet::kent(), &[1, 2], &[0]).unwrap_err();
    assert!(
        err.to_string().contains("2 values") && err.to_string().contains("has 1"),
        "{err}"
    );
    let err = engage_kernel::detect_run(&RuleSet::kent(), &[5, 3]).unwrap_err();
    assert!(err.to_string().contains("time order"), "{err}");
}
