//! Batch detection: rolling counts, qualifying contacts and episodes for many callers at once.
//!
//! Input is columns: one key code per contact (see [`crate::keys`]) and one timestamp per
//! contact, in any order. Contacts are grouped by key and ordered by time with a counting sort
//! on the codes (O(n) when the input is already in time order, as archives are; O(n log n) at
//! worst), or not at all when the input is already sorted by key and time, as an Engage
//! snapshot is. Each caller's contacts are then scanned once with one moving window edge per
//! rule.

use crate::episode::{Episode, EpisodeChain, QualifyingWindow};
use crate::keys::NO_KEY;
use crate::rule::{MAX_RULES, PerRule, Rule, RuleSet};
use crate::time::Micros;

/// The episodes found among a set of contacts, with nothing per contact: the answer of
/// [`detect_episodes`]. [`Detection`] has these and the per-contact figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Episodes {
    rules: usize,
    len: usize,
    episodes: Vec<Episode>,
    episode_numbers: Vec<u32>,
}

impl Episodes {
    /// How many contacts were given.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no contact was given.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The episodes, grouped by key (in ascending key code) and in time order within a key.
    pub fn episodes(&self) -> &[Episode] {
        &self.episodes
    }

    /// The episodes with their number within their caller (1, 2, ...).
    pub fn numbered_episodes(&self) -> impl Iterator<Item = (u32, &Episode)> {
        self.episode_numbers.iter().copied().zip(&self.episodes)
    }

    /// How many rules the answer has figures for.
    pub fn rule_count(&self) -> usize {
        self.rules
    }
}

/// The answer for a set of contacts: per contact in input order (rolling counts, whether it
/// qualifies, its episode) and the [`Episodes`]. The answer of [`detect`] and [`detect_run`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detection {
    episodes: Episodes,
    rolling_counts: Vec<u32>,
    qualifies: Vec<bool>,
    episode_no: Vec<u32>,
}

impl Detection {
    /// How many contacts were given.
    pub fn len(&self) -> usize {
        self.episodes.len
    }

    /// True when no contact was given.
    pub fn is_empty(&self) -> bool {
        self.episodes.is_empty()
    }

    /// Rolling counts under rule `rule` (index into the rule set), one per contact in input
    /// order; 0 for contacts without a key.
    pub fn rolling_counts(&self, rule: usize) -> &[u32] {
        let len = self.episodes.len;
        &self.rolling_counts[rule * len..(rule + 1) * len]
    }

    /// Whether each contact qualifies under at least one rule.
    pub fn qualifies(&self) -> &[bool] {
        &self.qualifies
    }

    /// Per contact, the number (1, 2, ... within its caller, in time order) of the episode
    /// whose span `[start, end]` holds it, or 0 when it is in none.
    pub fn episode_numbers_of_contacts(&self) -> &[u32] {
        &self.episode_no
    }

    /// The episode number of contact `i`, if it is inside an episode.
    pub fn episode_of(&self, i: usize) -> Option<u32> {
        self.episode_no.get(i).copied().filter(|&n| n > 0)
    }

    /// The episodes, grouped by key (in ascending key code) and in time order within a key.
    pub fn episodes(&self) -> &[Episode] {
        self.episodes.episodes()
    }

    /// The episodes with their number within their caller (1, 2, ...).
    pub fn numbered_episodes(&self) -> impl Iterator<Item = (u32, &Episode)> {
        self.episodes.numbered_episodes()
    }

    /// How many rules the answer has figures for.
    pub fn rule_count(&self) -> usize {
        self.episodes.rules
    }

    /// The episodes alone, the per-contact figures dropped.
    pub fn into_episodes(self) -> Episodes {
        self.episodes
    }
}

/// Input that detection cannot take.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    /// The key and time columns differ in length.
    #[error("the key column has {keys} values but the time column has {times}; they must match")]
    LengthMismatch {
        /// Keys given.
        keys: usize,
        /// Times given.
        times: usize,
    },
    /// Contacts of one caller given to [`detect_run`] are not in time order.
    #[error(
        "contact {position} of the caller is at {at} µs, before the contact ahead of it; \
         contacts must be in time order"
    )]
    NotInTimeOrder {
        /// Position of the first contact out of order.
        position: usize,
        /// Its time.
        at: Micros,
    },
    /// More contacts than the kernel indexes (4,294,967,295).
    #[error("{0} contacts are more than one detection can take (at most 4,294,967,295)")]
    TooMany(usize),
}

/// Detects repeat callers among contacts given as columns in any order.
///
/// `keys[i]` is contact *i*'s key code ([`NO_KEY`] when it has none) and `times[i]` its
/// arrival in UTC microseconds.
///
/// ```
/// use engage_kernel::{detect, RuleSet, time::HOUR};
/// // Caller 0 calls three times in two hours; caller 1 once.
/// let keys = [0, 1, 0, 0];
/// let times = [0, 0, HOUR, 2 * HOUR];
/// let d = detect(&"3/1d".parse::<RuleSet>().unwrap(), &keys, &times).unwrap();
/// assert_eq!(d.rolling_counts(0), &[1, 1, 2, 3]);
/// assert_eq!(d.episodes().len(), 1);
/// assert_eq!(d.episodes()[0].first_flagged_at, 2 * HOUR);
/// ```
pub fn detect(rules: &RuleSet, keys: &[u32], times: &[Micros]) -> Result<Detection, DetectError> {
    detect_with(rules, keys, times, true).map(Scan::into_detection)
}

/// Like [`detect`], but only the episodes: no per-contact figures are kept, so nothing is
/// written per contact in input order (the costly part on unsorted input).
pub fn detect_episodes(
    rules: &RuleSet,
    keys: &[u32],
    times: &[Micros],
) -> Result<Episodes, DetectError> {
    detect_with(rules, keys, times, false).map(|scan| scan.episodes)
}

fn detect_with(
    rules: &RuleSet,
    keys: &[u32],
    times: &[Micros],
    per_contact: bool,
) -> Result<Scan, DetectError> {
    if keys.len() != times.len() {
        return Err(DetectError::LengthMismatch {
            keys: keys.len(),
            times: times.len(),
        });
    }
    let n = keys.len();
    if n >= u32::MAX as usize {
        return Err(DetectError::TooMany(n));
    }
    let mut out = Scan::with_len(rules.len(), n, per_contact);
    let mut chain = EpisodeChain::default();

    if is_sorted_by_key_and_time(keys, times) {
        let keyed = keys.partition_point(|&k| k != NO_KEY);
        for run in runs(&keys[..keyed]) {
            let key = keys[run.start];
            out.scan(rules.rules(), key, &times[run.clone()], &mut chain, |p| {
                run.start + p
            });
        }
    } else {
        let sorted = SortedContacts::new(keys, times, per_contact);
        for run in runs(&sorted.keys) {
            let key = sorted.keys[run.start];
            let positions = sorted.positions.get(run.clone()).unwrap_or(&[]);
            out.scan(rules.rules(), key, &sorted.times[run], &mut chain, |p| {
                positions[p] as usize
            });
        }
    }
    Ok(out)
}

/// Detects on one caller's contacts, given as their times in time order: the shape of a
/// window function's partition. Episodes carry key 0.
pub fn detect_run(rules: &RuleSet, times: &[Micros]) -> Result<Detection, DetectError> {
    if let Some(position) = times.windows(2).position(|w| w[1] < w[0]) {
        return Err(DetectError::NotInTimeOrder {
            position: position + 1,
            at: times[position + 1],
        });
    }
    if times.len() >= u32::MAX as usize {
        return Err(DetectError::TooMany(times.len()));
    }
    let mut out = Scan::with_len(rules.len(), times.len(), true);
    let mut chain = EpisodeChain::default();
    out.scan(rules.rules(), 0, times, &mut chain, |p| p);
    Ok(out.into_detection())
}

/// The episodes of one caller, given as the times of its contacts in time order (as a
/// snapshot sorted by caller and time holds them), keyed `key`. Nothing per contact is kept.
pub fn detect_run_episodes<K: Copy>(
    rules: &RuleSet,
    key: K,
    times: &[Micros],
) -> Result<Vec<Episode<K>>, DetectError> {
    if let Some(position) = times.windows(2).position(|w| w[1] < w[0]) {
        return Err(DetectError::NotInTimeOrder {
            position: position + 1,
            at: times[position + 1],
        });
    }
    let mut chain = EpisodeChain::default();
    scan_run(rules.rules(), times, &mut chain, |_, _, _| {});
    Ok(chain.take_all().map(|open| open.close(key)).collect())
}

/// A detection under way: the episodes, and the per-contact figures when `per_contact`
/// (else they stay empty).
struct Scan {
    episodes: Episodes,
    per_contact: bool,
    rolling_counts: Vec<u32>,
    qualifies: Vec<bool>,
    episode_no: Vec<u32>,
}

impl Scan {
    fn with_len(rules: usize, len: usize, per_contact: bool) -> Self {
        let kept = if per_contact { len } else { 0 };
        Scan {
            episodes: Episodes {
                rules,
                len,
                episodes: Vec::new(),
                episode_numbers: Vec::new(),
            },
            per_contact,
            rolling_counts: vec![0; rules * kept],
            qualifies: vec![false; kept],
            episode_no: vec![0; kept],
        }
    }

    /// The answer with its per-contact figures (kept only when `per_contact`).
    fn into_detection(self) -> Detection {
        debug_assert!(self.per_contact, "per-contact figures were not kept");
        Detection {
            episodes: self.episodes,
            rolling_counts: self.rolling_counts,
            qualifies: self.qualifies,
            episode_no: self.episode_no,
        }
    }

    /// Scans one caller's time-ordered contacts; `slot(p)` is where position `p` of the run
    /// goes in the output.
    fn scan(
        &mut self,
        rules: &[Rule],
        key: u32,
        times: &[Micros],
        chain: &mut EpisodeChain,
        slot: impl Fn(usize) -> usize,
    ) {
        let per_contact = self.per_contact;
        let len = self.episodes.len;
        scan_run(rules, times, chain, |group, counts, qualifies| {
            if !per_contact {
                return;
            }
            for p in group {
                let i = slot(p);
                for (r, &c) in counts.as_slice().iter().enumerate() {
                    self.rolling_counts[r * len + i] = c;
                }
                self.qualifies[i] = qualifies;
            }
        });
        for (no, open) in chain.take_all().enumerate() {
            let no = no as u32 + 1;
            if per_contact {
                for p in open.first_ordinal as usize..=open.last_ordinal as usize {
                    self.episode_no[slot(p)] = no;
                }
            }
            self.episodes.episodes.push(open.close(key));
            self.episodes.episode_numbers.push(no);
        }
    }
}

/// Scans one caller's contacts in time order. For each group of contacts at one instant it
/// calls `emit(positions, rolling counts, qualifies)` and chains the group's qualifying window
/// into `chain`, whose ordinals are positions in `times`.
pub(crate) fn scan_run(
    rules: &[Rule],
    times: &[Micros],
    chain: &mut EpisodeChain,
    mut emit: impl FnMut(std::ops::Range<usize>, &PerRule, bool),
) {
    let n = times.len();
    let mut window_start = [0usize; MAX_RULES];
    let mut p = 0;
    while p < n {
        let t = times[p];
        let mut q = p + 1;
        while q < n && times[q] == t {
            q += 1;
        }
        let mut counts = PerRule::zeros(rules.len());
        let mut earliest = usize::MAX;
        for ((rule, lo), count) in rules
            .iter()
            .zip(window_start.iter_mut())
            .zip(counts.as_mut_slice())
        {
            let cutoff = t.saturating_sub(rule.window);
            while times[*lo] <= cutoff {
                *lo += 1;
            }
            *count = (q - *lo) as u32;
            if *count >= rule.min_contacts {
                earliest = earliest.min(*lo);
            }
        }
        let qualifies = earliest != usize::MAX;
        if qualifies {
            chain.add(QualifyingWindow {
                start: times[earliest],
                start_ordinal: earliest as u64,
                at: t,
                at_ordinal: (q - 1) as u64,
                counts,
            });
        }
        emit(p..q, &counts, qualifies);
        p = q;
    }
}

/// Consecutive ranges of equal keys.
fn runs(keys: &[u32]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= keys.len() {
            return None;
        }
        let key = keys[start];
        let len = keys[start..].iter().take_while(|&&k| k == key).count();
        let run = start..start + len;
        start += len;
        Some(run)
    })
}

/// True when keys never decrease (contacts without a key all at the end) and times never
/// decrease within a key.
fn is_sorted_by_key_and_time(keys: &[u32], times: &[Micros]) -> bool {
    keys.windows(2)
        .zip(times.windows(2))
        .all(|(k, t)| k[0] < k[1] || (k[0] == k[1] && (k[0] == NO_KEY || t[0] <= t[1])))
}

/// The keyed contacts ordered by key, then time, then position, with their input positions.
struct SortedContacts {
    keys: Vec<u32>,
    times: Vec<Micros>,
    positions: Vec<u32>,
}

impl SortedContacts {
    /// Bits of the key sorted per pass of the radix sort: 2,048 buckets stay in cache.
    const RADIX_BITS: u32 = 11;

    /// Sorts with a least-significant-digit radix sort on the key codes, which is stable, so
    /// contacts already in time order (as archives are) need no further work; groups that are
    /// not in time order are then sorted on their own.
    fn new(keys: &[u32], times: &[Micros], with_positions: bool) -> Self {
        let mut sorted = SortedContacts {
            keys: Vec::with_capacity(keys.len()),
            times: Vec::with_capacity(keys.len()),
            positions: Vec::with_capacity(if with_positions { keys.len() } else { 0 }),
        };
        for (i, (&k, &t)) in keys.iter().zip(times).enumerate() {
            if k != NO_KEY {
                sorted.keys.push(k);
                sorted.times.push(t);
                if with_positions {
                    sorted.positions.push(i as u32);
                }
            }
        }
        let n = sorted.keys.len();
        let key_bits = u32::BITS - sorted.keys.iter().max().map_or(0, |k| k.leading_zeros());
        let mut spare = SortedContacts {
            keys: vec![0; n],
            times: vec![0; n],
            positions: vec![0; if with_positions { n } else { 0 }],
        };
        let buckets = 1usize << Self::RADIX_BITS;
        let mut shift = 0;
        while shift < key_bits {
            let digit = |k: u32| ((k >> shift) as usize) & (buckets - 1);
            let mut next = vec![0usize; buckets];
            for &k in &sorted.keys {
                next[digit(k)] += 1;
            }
            if next.contains(&n) {
                shift += Self::RADIX_BITS;
                continue;
            }
            let mut offset = 0;
            for slot in next.iter_mut() {
                let count = *slot;
                *slot = offset;
                offset += count;
            }
            for i in 0..n {
                let k = sorted.keys[i];
                let to = &mut next[digit(k)];
                spare.keys[*to] = k;
                spare.times[*to] = sorted.times[i];
                if with_positions {
                    spare.positions[*to] = sorted.positions[i];
                }
                *to += 1;
            }
            std::mem::swap(&mut sorted, &mut spare);
            shift += Self::RADIX_BITS;
        }
        for run in runs(&sorted.keys) {
            if !sorted.times[run.clone()].is_sorted() {
                if !with_positions {
                    sorted.times[run].sort_unstable();
                    continue;
                }
                let mut rows: Vec<(Micros, u32)> = sorted.times[run.clone()]
                    .iter()
                    .copied()
                    .zip(sorted.positions[run.clone()].iter().copied())
                    .collect();
                rows.sort_unstable();
                for (p, (t, i)) in run.zip(rows) {
                    sorted.times[p] = t;
                    sorted.positions[p] = i;
                }
            }
        }
        sorted
    }
}
