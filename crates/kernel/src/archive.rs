//! Contacts gathered for batch detection, one at a time, in any order, in little memory.
//!
//! An adapter that reads a large table (a 100M-row Parquet archive) cannot afford to keep its
//! text keys, nor to sort all contacts at once. An [`Archive`] interns each caller key once
//! (its text is kept once, its code is dense, in order of first appearance) and files each
//! contact straight into a bucket of [`Archive::BUCKET_CALLERS`] callers by its code. A
//! contact then costs 10 bytes (16-bit code within its bucket, 64-bit time) and detection sorts
//! one small bucket at a time ([`Archive::detect_bucket`]): buckets are independent, so an
//! adapter may detect them on several threads. The answer is [`crate::detect_episodes`]'s.

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::hash::BuildHasher;

use crate::detect::scan_run;
use crate::episode::{Episode, EpisodeChain};
use crate::rule::RuleSet;
use crate::time::Micros;

/// Keyed contacts, bucketed by caller, and the callers' keys.
#[derive(Clone, Debug, Default)]
pub struct Archive {
    hasher: FixedState,
    index: HashTable<u32>,
    key_text: String,
    key_ends: Vec<usize>,
    buckets: Vec<Bucket>,
    contacts: u64,
    unkeyed: u64,
    previous: Option<u32>,
}

/// The contacts of [`Archive::BUCKET_CALLERS`] consecutive codes, in arrival order.
#[derive(Clone, Debug, Default)]
struct Bucket {
    low_codes: Vec<u16>,
    times: Vec<Micros>,
}

impl Archive {
    /// Callers per bucket: codes `b * BUCKET_CALLERS ..` share bucket `b`.
    pub const BUCKET_CALLERS: usize = 1 << 16;

    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// Files one contact; `None` is a contact without a caller key (counted, never detected).
    /// Returns the caller's code. Consecutive contacts of one caller (a snapshot sorted by
    /// caller) skip the hash lookup.
    pub fn push(&mut self, key: Option<&str>, at: Micros) -> Option<u32> {
        let Some(key) = key else {
            self.unkeyed += 1;
            return None;
        };
        let code = match self.previous {
            Some(code) if self.key(code) == key => code,
            _ => self.intern(key),
        };
        self.previous = Some(code);
        let bucket = &mut self.buckets[code as usize / Self::BUCKET_CALLERS];
        bucket.low_codes.push(code as u16);
        bucket.times.push(at);
        self.contacts += 1;
        Some(code)
    }

    fn intern(&mut self, key: &str) -> u32 {
        let hash = self.hasher.hash_one(key);
        let (text, ends) = (&self.key_text, &self.key_ends);
        let text_of = |code: u32| key_of(text, ends, code);
        if let Some(&code) = self.index.find(hash, |&c| text_of(c) == key) {
            return code;
        }
        let code = u32::try_from(self.key_ends.len())
            .ok()
            .filter(|&c| c != crate::NO_KEY)
            .expect("more than 4 billion callers");
        self.key_text.push_str(key);
        self.key_ends.push(self.key_text.len());
        let (text, ends, hasher) = (&self.key_text, &self.key_ends, &self.hasher);
        self.index.insert_unique(hash, code, |&c| {
            hasher.hash_one(key_of(text, ends, c))
        });
        if code as usize % Self::BUCKET_CALLERS == 0 {
            self.buckets.push(Bucket::default());
        }
        code
    }

    /// The code of a key already pushed.
    pub fn code_of(&self, key: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        self.index
            .find(hash, |&c| self.key(c) == key)
            .copied()
    }

    /// The key text of a code.
    pub fn key(&self, code: u32) -> &str {
        key_of(&self.key_text, &self.key_ends, code)
    }

    /// How many distinct callers.
    pub fn callers(&self) -> usize {
        self.key_ends.len()
    }

    /// How many contacts with a key were pushed.
    pub fn keyed_contacts(&self) -> u64 {
        self.contacts
    }

    /// How many contacts without a key were pushed.
    pub fn unkeyed_contacts(&self) -> u64 {
        self.unkeyed
    }

    /// How many buckets [`Archive::detect_bucket`] takes.
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// The episodes of the callers of one bucket, by code then time, keyed by code.
    pub fn detect_bucket(&self, rules: &RuleSet, bucket: usize) -> Vec<Episode> {
        let Bucket { low_codes, times } = &self.buckets[bucket];
        let base = bucket * Self::BUCKET_CALLERS;
        let callers = (self.callers() - base).min(Self::BUCKET_CALLERS);
        // A counting sort on the code is stable: times already in order stay in order.
        let mut starts = vec![0usize; callers + 1];
        for &c in low_codes {
            starts[c as usize + 1] += 1;
        }
        for i in 0..callers {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut sorted = vec![0; times.len()];
        for (&c, &t) in low_codes.iter().zip(times) {
            let slot = &mut next[c as usize];
            sorted[*slot] = t;
            *slot += 1;
        }
        let mut episodes = Vec::new();
        let mut chain = EpisodeChain::default();
        for (low, span) in starts.windows(2).enumerate() {
            let run = &mut sorted[span[0]..span[1]];
            if !run.is_sorted() {
                run.sort_unstable();
            }
            scan_run(rules.rules(), run, &mut chain, |_, _, _| {});
            let code = (base + low) as u32;
            episodes.extend(chain.take_all().map(|open| open.close(code)));
        }
        episodes
    }

    /// The episodes of every caller, by code then time (bucket after bucket).
    pub fn detect(&self, rules: &RuleSet) -> Vec<Episode> {
        (0..self.bucket_count())
            .flat_map(|b| self.detect_bucket(rules, b))
            .collect()
    }
}

fn key_of<'a>(text: &'a str, ends: &[usize], code: u32) -> &'a str {
    let code = code as usize;
    let start = if code == 0 { 0 } else { ends[code - 1] };
    &text[start..ends[code]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect_episodes;
    use crate::keys::encode_keys;
    use crate::time::HOUR;

    #[test]
    fn same_episodes_as_batch_detection_across_buckets() {
        let rules: RuleSet = "3/1d".parse().unwrap();
        let callers = Archive::BUCKET_CALLERS + 10;
        let mut keys = Vec::new();
        let mut times = Vec::new();
        // Every caller calls 3 times within 2 hours, in reverse time order for odd callers,
        // interleaved with a withheld number.
        for round in 0..3i64 {
            for c in 0..callers {
                keys.push(Some(format!("k{c}")));
                let t = if c % 2 == 0 { round } else { 2 - round };
                times.push(c as i64 * 10 * HOUR + t * HOUR);
            }
            keys.push(None);
            times.push(0);
        }
        let mut archive = Archive::new();
        for (k, &t) in keys.iter().zip(&times) {
            archive.push(k.as_deref(), t);
        }
        assert_eq!(archive.callers(), callers);
        assert_eq!(archive.bucket_count(), 2);
        assert_eq!(archive.unkeyed_contacts(), 3);
        assert_eq!(archive.keyed_contacts(), 3 * callers as u64);

        let encoded = encode_keys(keys.iter().map(|k| k.as_deref()));
        let expected = detect_episodes(&rules, &encoded.codes, &times).unwrap();
        let text = |e: &Episode, key: &str| (key.to_string(), e.start, e.end, e.contacts);
        let mut got: Vec<_> = archive
            .detect(&rules)
            .iter()
            .map(|e| text(e, archive.key(e.key)))
            .collect();
        let mut want: Vec<_> = expected
            .episodes()
            .iter()
            .map(|e| text(e, encoded.keys[e.key as usize]))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got.len(), callers);
        assert_eq!(got, want);
        assert_eq!(archive.code_of("k7"), Some(7));
        assert_eq!(archive.code_of("nobody"), None);
    }
}
