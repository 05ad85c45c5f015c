//! Contacts gathered for batch detection, one at a time, in any order, in little memory.
//!
//! An adapter that reads a large table (a 100M-row Parquet archive) cannot afford to keep its
//! text keys, nor to sort all contacts at once. A [`ContactIndex`] interns each caller key once
//! (its text is kept once, its code is dense, in order of first appearance) and files each
//! contact straight into a bucket of [`ContactIndex::BUCKET_CALLERS`] callers by its code. A
//! contact then costs 10 bytes (16-bit code within its bucket, 64-bit time) and detection sorts
//! one small bucket at a time ([`ContactIndex::detect_bucket`]): buckets are independent, so an
//! adapter may detect them on several threads. The answer is [`crate::detect_episodes`]'s.

use foldhash::fast::FixedState;
use std::hash::BuildHasher;

use crate::cache::prefetch;
use crate::detect::scan_run;
use crate::episode::{Episode, EpisodeChain};
use crate::rule::RuleSet;
use crate::time::Micros;

/// Keyed contacts, bucketed by caller, and the callers' keys.
#[derive(Clone, Debug, Default)]
pub struct ContactIndex {
    index: KeyIndex,
    /// Per code, its key: inline when short (every phone number), else where it is in `long_keys`.
    keys: KeyRecords,
    long_keys: String,
    buckets: Vec<Bucket>,
    contacts: u64,
    unkeyed: u64,
    /// The last key pushed: its code and record.
    previous: Option<(u32, KeyRecord)>,
}

/// A key's hash as a [`ContactIndex`] works it out, for an adapter that hashes keys ahead of
/// interning them (on the threads that read the rows, say) and prefetches their slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHash(u64);

impl KeyHash {
    /// The hash of `key`.
    pub fn of(key: &str) -> Self {
        KeyHash(FixedState::default().hash_one(key))
    }
}

/// A key in 16 bytes: byte 0 is its length when at most [`KeyRecord::INLINE`] bytes, which
/// follow; else [`KeyRecord::LONG`], then its offset (u64) and length (u32) in the long keys. One
/// record is one cache line's quarter: a lookup touches the hash table and this, nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct KeyRecord([u8; 16]);

impl KeyRecord {
    const INLINE: usize = 15;
    const LONG: u8 = u8::MAX;

    fn new(key: &str, long_keys: &mut String) -> Self {
        let mut record = [0u8; 16];
        if key.len() <= Self::INLINE {
            record[0] = key.len() as u8;
            record[1..=key.len()].copy_from_slice(key.as_bytes());
        } else {
            record[0] = Self::LONG;
            record[1..9].copy_from_slice(&(long_keys.len() as u64).to_le_bytes());
            record[9..13].copy_from_slice(&(key.len() as u32).to_le_bytes());
            long_keys.push_str(key);
        }
        KeyRecord(record)
    }

    fn text<'a>(&'a self, long_keys: &'a str) -> &'a str {
        let r = &self.0;
        if r[0] == Self::LONG {
            let start = u64::from_le_bytes(r[1..9].try_into().expect("8 bytes")) as usize;
            let len = u32::from_le_bytes(r[9..13].try_into().expect("4 bytes")) as usize;
            &long_keys[start..start + len]
        } else {
            std::str::from_utf8(&r[1..=r[0] as usize]).expect("stored from a str")
        }
    }

    /// The record of a short key, built to compare whole records (two words, no memcmp).
    fn inline(key: &str) -> Option<Self> {
        (key.len() <= Self::INLINE).then(|| Self::new(key, &mut String::new()))
    }

    /// Whether this is the record of `key`, whose inline record is `probe` if it is short.
    fn is(&self, key: &str, probe: Option<KeyRecord>, long_keys: &str) -> bool {
        match probe {
            Some(probe) => *self == probe,
            None => self.0[0] == Self::LONG && self.text(long_keys) == key,
        }
    }
}

/// The key records by code, in chunks that never move (see [`Bucket`]).
#[derive(Clone, Debug, Default)]
struct KeyRecords {
    chunks: Vec<Vec<KeyRecord>>,
    len: usize,
}

impl KeyRecords {
    const CHUNK: usize = 1 << 16;

    fn get(&self, code: u32) -> &KeyRecord {
        let code = code as usize;
        &self.chunks[code / Self::CHUNK][code % Self::CHUNK]
    }

    fn push(&mut self, record: KeyRecord) {
        if self.len.is_multiple_of(Self::CHUNK) {
            self.chunks.push(Vec::with_capacity(Self::CHUNK));
        }
        self.chunks.last_mut().expect("pushed above").push(record);
        self.len += 1;
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// Key hash to code: open addressing with linear probing. A slot holds the hash's low 32 bits
/// (its tag) and the code plus one (0 is empty), so a probe reads one slot and, only when the
/// tags agree, one key record. A key's first slot is the low bits of its tag, so the table
/// grows without rehashing a key. (Callers that shard archives by a hash use its high bits.) Written here rather than taken from a hash-map crate because
/// [`ContactIndex::push_batch`] prefetches slots, which no map's API allows.
#[derive(Clone, Debug, Default)]
struct KeyIndex {
    slots: Vec<u64>,
    /// `slots.len() == 1 << bits` (no slots at all before the first key).
    bits: u32,
    len: usize,
}

impl KeyIndex {
    const MIN_BITS: u32 = 10;
    const MAX_BITS: u32 = 32;

    fn tag(hash: u64) -> u32 {
        hash as u32
    }

    fn first_slot(&self, tag: u32) -> usize {
        // With no slots yet (`bits == 0`) this is slot 0, which `get` lacks.
        (tag as u64 & ((1u64 << self.bits) - 1)) as usize
    }

    fn prefetch_slot(&self, hash: u64) {
        if let Some(slot) = self.slots.get(self.first_slot(Self::tag(hash))) {
            prefetch(slot);
        }
    }

    /// The code in the key's first slot if the tags agree (a guess, for prefetching).
    fn probable_code(&self, hash: u64) -> Option<u32> {
        let tag = Self::tag(hash);
        let slot = *self.slots.get(self.first_slot(tag))?;
        (slot != 0 && (slot >> 32) as u32 == tag).then(|| slot as u32 - 1)
    }

    fn find(&self, hash: u64, is: impl Fn(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let tag = Self::tag(hash);
        let mut i = self.first_slot(tag);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            let code = slot as u32 - 1;
            if (slot >> 32) as u32 == tag && is(code) {
                return Some(code);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds a code known to be absent, growing the table past seven eighths full.
    fn insert(&mut self, hash: u64, code: u32) {
        if (self.len + 1) * 8 > self.slots.len() * 7 {
            self.bits = (self.bits + 1).max(Self::MIN_BITS);
            assert!(
                self.bits <= Self::MAX_BITS,
                "more than 3 billion keys in one contact index"
            );
            let old = std::mem::replace(&mut self.slots, vec![0; 1 << self.bits]);
            for slot in old.into_iter().filter(|&s| s != 0) {
                self.place(slot);
            }
        }
        self.place(((Self::tag(hash) as u64) << 32) | (code as u64 + 1));
        self.len += 1;
    }

    fn place(&mut self, slot: u64) {
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot((slot >> 32) as u32);
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }
}

/// The contacts of [`ContactIndex::BUCKET_CALLERS`] consecutive codes, in arrival order, in chunks
/// of fixed size: a chunk is allocated once and never moved, so a large index neither copies
/// its contacts as it grows nor leaves the allocator's heaps full of holes.
#[derive(Clone, Debug, Default)]
struct Bucket {
    chunks: Vec<Chunk>,
}

#[derive(Clone, Debug)]
struct Chunk {
    low_codes: Vec<u16>,
    times: Vec<Micros>,
}

impl Bucket {
    /// Contacts per chunk: 640 KiB, in the allocator's own mappings.
    const CHUNK: usize = 1 << 16;

    fn push(&mut self, low_code: u16, at: Micros) {
        if self
            .chunks
            .last()
            .is_none_or(|c| c.times.len() == Self::CHUNK)
        {
            self.chunks.push(Chunk {
                low_codes: Vec::with_capacity(Self::CHUNK),
                times: Vec::with_capacity(Self::CHUNK),
            });
        }
        let chunk = self.chunks.last_mut().expect("pushed above");
        chunk.low_codes.push(low_code);
        chunk.times.push(at);
    }

    fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.times.len()).sum()
    }

    /// Every contact: (code within the bucket, time), in arrival order.
    fn contacts(&self) -> impl Iterator<Item = (u16, Micros)> + '_ {
        self.chunks
            .iter()
            .flat_map(|c| c.low_codes.iter().copied().zip(c.times.iter().copied()))
    }
}

impl ContactIndex {
    /// Callers per bucket: codes `b * BUCKET_CALLERS ..` share bucket `b`.
    pub const BUCKET_CALLERS: usize = 1 << 16;

    /// An empty contacts_index.
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
        Some(self.file(key, KeyHash::of(key).0, at))
    }

    /// Files a batch of contacts, as [`ContactIndex::push`] one by one, but faster on large
    /// archives: the hash-table slots and key records of contacts a little ahead are fetched
    /// into the cache while the current ones are filed, so the cache misses overlap.
    pub fn push_batch(&mut self, keys: &[Option<&str>], times: &[Micros]) {
        self.push_batch_with(keys, times, |_, _| {});
    }

    /// Like [`ContactIndex::push_batch`], telling `coded(row, code)` each keyed row's code.
    pub fn push_batch_with(
        &mut self,
        keys: &[Option<&str>],
        times: &[Micros],
        coded: impl FnMut(usize, u32),
    ) {
        assert_eq!(keys.len(), times.len(), "a time per key");
        self.batch(keys, Some(times), coded);
    }

    /// Tells `coded(row, code)` each keyed row's caller code, interning new keys, without
    /// filing any contact: for an adapter that keeps the contacts itself (a window function
    /// answers per contact, in the input's order).
    pub fn code_batch(&mut self, keys: &[Option<&str>], coded: impl FnMut(usize, u32)) {
        self.batch(keys, None, coded);
    }

    fn batch(
        &mut self,
        keys: &[Option<&str>],
        times: Option<&[Micros]>,
        mut coded: impl FnMut(usize, u32),
    ) {
        const AHEAD: usize = 16;
        let hashes: Vec<u64> = keys
            .iter()
            .map(|k| k.map_or(0, |k| KeyHash::of(k).0))
            .collect();
        for (i, &key) in keys.iter().enumerate() {
            if let Some(Some(_)) = keys.get(i + AHEAD) {
                self.index.prefetch_slot(hashes[i + AHEAD]);
            }
            if let Some(Some(_)) = keys.get(i + AHEAD / 2)
                && let Some(code) = self.index.probable_code(hashes[i + AHEAD / 2])
            {
                prefetch(self.keys.get(code));
            }
            match (key, times) {
                (None, _) => self.unkeyed += 1,
                (Some(key), Some(times)) => coded(i, self.file(key, hashes[i], times[i])),
                (Some(key), None) => coded(i, self.code(key, hashes[i])),
            }
        }
    }

    fn file(&mut self, key: &str, hash: u64, at: Micros) -> u32 {
        let code = self.code(key, hash);
        self.buckets[code as usize / Self::BUCKET_CALLERS].push(code as u16, at);
        self.contacts += 1;
        code
    }

    /// The key's code: the last key's again, or looked up, or a new one.
    fn code(&mut self, key: &str, hash: u64) -> u32 {
        let probe = KeyRecord::inline(key);
        match self.previous {
            Some((code, record)) if record.is(key, probe, &self.long_keys) => code,
            _ => {
                let code = self.intern(key, probe, hash);
                self.previous = Some((code, *self.keys.get(code)));
                code
            }
        }
    }

    fn intern(&mut self, key: &str, probe: Option<KeyRecord>, hash: u64) -> u32 {
        let (keys, long_keys) = (&self.keys, &self.long_keys);
        if let Some(code) = self
            .index
            .find(hash, |c| keys.get(c).is(key, probe, long_keys))
        {
            return code;
        }
        let code = u32::try_from(self.keys.len())
            .ok()
            .filter(|&c| c < crate::NO_KEY - 1)
            .expect("more than 4 billion callers");
        self.keys.push(KeyRecord::new(key, &mut self.long_keys));
        self.index.insert(hash, code);
        if (code as usize).is_multiple_of(Self::BUCKET_CALLERS) {
            self.buckets.push(Bucket::default());
        }
        code
    }

    /// The code of `key`, interned if new, filing no contact: for an adapter that only needs
    /// text kept once and named by a dense code.
    pub fn code_key(&mut self, key: &str) -> u32 {
        let hash = KeyHash::of(key).0;
        self.code(key, hash)
    }

    /// [`ContactIndex::code_key`] with the key's hash worked out already.
    pub fn code_hashed_key(&mut self, key: &str, hash: KeyHash) -> u32 {
        debug_assert_eq!(hash, KeyHash::of(key), "the hash of this key");
        self.code(key, hash.0)
    }

    /// Asks the CPU to bring the hash-table slot of the key of `hash` into the cache: a hint
    /// for an adapter that interns keys one at a time but knows the next ones. Call it a few
    /// keys ahead, and [`ContactIndex::prefetch_record`] a little later.
    pub fn prefetch_slot(&self, hash: KeyHash) {
        self.index.prefetch_slot(hash.0);
    }

    /// Asks the CPU to bring the record of the key of `hash` into the cache, when the slot
    /// (fetched by [`ContactIndex::prefetch_slot`]) says which record that probably is.
    pub fn prefetch_record(&self, hash: KeyHash) {
        if let Some(code) = self.index.probable_code(hash.0) {
            prefetch(self.keys.get(code));
        }
    }

    /// The code of a key already pushed.
    pub fn code_of(&self, key: &str) -> Option<u32> {
        let hash = KeyHash::of(key).0;
        let probe = KeyRecord::inline(key);
        self.index
            .find(hash, |c| self.keys.get(c).is(key, probe, &self.long_keys))
    }

    /// Asks the CPU to bring the record of the key of `code` into the cache, ahead of
    /// [`ContactIndex::key`] (which holds a key of up to 15 bytes).
    pub fn prefetch_key(&self, code: u32) {
        prefetch(self.keys.get(code));
    }

    /// The key text of a code.
    pub fn key(&self, code: u32) -> &str {
        self.keys.get(code).text(&self.long_keys)
    }

    /// How many distinct callers.
    pub fn callers(&self) -> usize {
        self.keys.len()
    }

    /// The bytes this index holds on the heap (its allocations, used or not), for an adapter
    /// that accounts for memory, such as a query engine's memory pool.
    pub fn heap_size(&self) -> usize {
        let keys: usize = self
            .keys
            .chunks
            .iter()
            .map(|chunk| chunk.capacity() * size_of::<KeyRecord>())
            .sum();
        let contacts: usize = self
            .buckets
            .iter()
            .flat_map(|bucket| &bucket.chunks)
            .map(|chunk| {
                chunk.low_codes.capacity() * size_of::<u16>()
                    + chunk.times.capacity() * size_of::<Micros>()
            })
            .sum();
        self.index.slots.capacity() * size_of::<u64>()
            + keys
            + self.keys.chunks.capacity() * size_of::<Vec<KeyRecord>>()
            + self.long_keys.capacity()
            + self.buckets.capacity() * size_of::<Bucket>()
            + contacts
    }

    /// How many contacts with a key were pushed.
    pub fn keyed_contacts(&self) -> u64 {
        self.contacts
    }

    /// How many contacts without a key were pushed.
    pub fn unkeyed_contacts(&self) -> u64 {
        self.unkeyed
    }

    /// How many buckets [`ContactIndex::detect_bucket`] takes.
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// The episodes of the callers of one bucket, by code then time, keyed by code.
    pub fn detect_bucket(&self, rules: &RuleSet, bucket: usize) -> Vec<Episode> {
        let contacts = &self.buckets[bucket];
        let base = bucket * Self::BUCKET_CALLERS;
        let callers = (self.callers() - base).min(Self::BUCKET_CALLERS);
        // A counting sort on the code is stable: times already in order stay in order.
        let mut starts = vec![0usize; callers + 1];
        for (c, _) in contacts.contacts() {
            starts[c as usize + 1] += 1;
        }
        for i in 0..callers {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut sorted = vec![0; contacts.len()];
        for (c, t) in contacts.contacts() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect_episodes;
    use crate::keys::encode_keys;
    use crate::time::HOUR;

    #[test]
    fn code_key_names_each_text_once_in_order_of_first_sight_and_files_nothing() {
        let mut index = ContactIndex::new();
        let long = "ps:".to_string() + &"a".repeat(30);
        let codes: Vec<u32> = ["b", "a", "b", long.as_str(), "a", long.as_str()]
            .iter()
            .map(|k| index.code_key(k))
            .collect();
        assert_eq!(codes, vec![0, 1, 0, 2, 1, 2]);
        assert_eq!(
            (index.key(0), index.key(1), index.key(2)),
            ("b", "a", long.as_str())
        );
        assert_eq!(index.code_of("a"), Some(1));
        assert_eq!(index.callers(), 3);
        assert_eq!(index.keyed_contacts(), 0);
    }

    #[test]
    fn keys_hashed_ahead_and_prefetched_get_the_codes_of_code_key() {
        let keys: Vec<String> = (0..5_000u32)
            .map(|i| match i % 3 {
                0 => format!("+4477009{:05}", i % 1_700),
                1 => format!("ps:{:032x}", i % 900),
                _ => String::new(),
            })
            .collect();
        let mut plain = ContactIndex::new();
        let mut ahead = ContactIndex::new();
        for (i, key) in keys.iter().enumerate() {
            if let Some(next) = keys.get(i + 4) {
                ahead.prefetch_slot(KeyHash::of(next));
                ahead.prefetch_record(KeyHash::of(next));
            }
            let hashed = ahead.code_hashed_key(key, KeyHash::of(key));
            assert_eq!(hashed, plain.code_key(key), "{key}");
        }
        assert_eq!(ahead.callers(), plain.callers());
    }

    #[test]
    fn heap_size_covers_the_times_and_the_keys() {
        let mut contacts_index = ContactIndex::new();
        let empty = contacts_index.heap_size();
        let long_key = "ps:".to_string() + &"f".repeat(40);
        let keys: Vec<Option<&str>> = (0..100_000)
            .map(|i| Some(if i % 2 == 0 { "k1" } else { long_key.as_str() }))
            .collect();
        let times: Vec<Micros> = (0..100_000).collect();
        contacts_index.push_batch(&keys, &times);
        let filled = contacts_index.heap_size();
        // Each contact's time (8 bytes) and low code (2 bytes) are held; the keys once each.
        assert!(filled - empty >= 100_000 * 10, "{empty} -> {filled}");
        assert!(filled - empty < 100_000 * 10 * 3, "{empty} -> {filled}");
    }

    #[test]
    fn same_episodes_as_batch_detection_across_buckets() {
        let rules: RuleSet = "3/1d".parse().unwrap();
        let callers = ContactIndex::BUCKET_CALLERS + 10;
        let mut keys = Vec::new();
        let mut times = Vec::new();
        // Every caller calls 3 times within 2 hours, in reverse time order for odd callers,
        // interleaved with a withheld number.
        for round in 0..3i64 {
            for c in 0..callers {
                // Short keys are kept inline, long ones (pseudonyms) apart: both kinds.
                let key = if c % 3 == 0 {
                    format!("ps:{c:032x}")
                } else {
                    format!("k{c}")
                };
                keys.push(Some(key));
                let t = if c % 2 == 0 { round } else { 2 - round };
                times.push(c as i64 * 10 * HOUR + t * HOUR);
            }
            keys.push(None);
            times.push(0);
        }
        let mut contacts_index = ContactIndex::new();
        let batch: Vec<Option<&str>> = keys.iter().map(|k| k.as_deref()).collect();
        contacts_index.push_batch(&batch, &times);
        assert_eq!(contacts_index.callers(), callers);
        assert_eq!(contacts_index.bucket_count(), 2);
        assert_eq!(contacts_index.unkeyed_contacts(), 3);
        assert_eq!(contacts_index.keyed_contacts(), 3 * callers as u64);

        let encoded = encode_keys(keys.iter().map(|k| k.as_deref()));
        let expected = detect_episodes(&rules, &encoded.codes, &times).unwrap();
        let text = |e: &Episode, key: &str| (key.to_string(), e.start, e.end, e.contacts);
        let mut got: Vec<_> = contacts_index
            .detect(&rules)
            .iter()
            .map(|e| text(e, contacts_index.key(e.key)))
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
        assert_eq!(contacts_index.code_of("k7"), Some(7));
        let mut codes = Vec::new();
        contacts_index.code_batch(&[Some("k7"), None, Some("new")], |row, code| {
            codes.push((row, code))
        });
        assert_eq!(codes, vec![(0, 7), (2, callers as u32)]);
        assert_eq!(
            contacts_index.keyed_contacts(),
            3 * callers as u64,
            "codes file no contact"
        );
        assert_eq!(contacts_index.key(6), format!("ps:{:032x}", 6));
        assert_eq!(contacts_index.code_of(&format!("ps:{:032x}", 6)), Some(6));
        assert_eq!(contacts_index.code_of(&format!("ps:{:032x}", 7)), None);
        assert_eq!(contacts_index.code_of("nobody"), None);
    }
}
