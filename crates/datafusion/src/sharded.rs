//! The kernel's [`ContactIndex`] split into shards by a hash of the caller key, so that the readers
//! of a table's partitions intern keys on every core at once, and detection runs on every core.
//!
//! Interning is the costly part of reading an index in time order: each contact's key is a
//! hash lookup that misses the cache. One lock per shard per batch keeps the readers apart.

use std::hash::BuildHasher;
use std::sync::Mutex;

use datafusion::arrow::array::{Array, TimestampMicrosecondArray};
use datafusion::error::{DataFusionError, Result};
use engage_kernel::{ContactIndex, Episode, RuleSet};
use foldhash::fast::FixedState;

use crate::args::Text;

/// A caller: its shard and its code in that shard's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct CallerId {
    pub shard: u32,
    pub code: u32,
}

/// Shards being filled by concurrent readers.
pub(crate) struct ShardedIndex {
    shards: Vec<Mutex<ContactIndex>>,
    // Seeded apart from the archives' own hasher, whose low bits pick hash-table slots.
    hasher: FixedState,
}

/// The shards once every reader is done: detection and lookups.
pub(crate) struct FrozenIndex {
    shards: Vec<ContactIndex>,
    hasher: FixedState,
}

/// A row filed under no caller (no key, or no time).
pub(crate) const NO_CALLER: u64 = u64::MAX;

const SHARD_SEED: u64 = 0x656e_6761_6765; // "engage"

fn shard_of(hasher: &FixedState, key: &str, shards: usize) -> usize {
    // The high bits: independent of the low bits a hash table would use.
    ((hasher.hash_one(key) >> 32) as usize) % shards
}

fn poisoned<T>(_: T) -> DataFusionError {
    DataFusionError::Execution("a reader of the contacts table panicked".into())
}

impl ShardedIndex {
    /// Shards per thread: enough that two readers rarely want the same one.
    const SHARDS_PER_THREAD: usize = 8;

    /// An index for `threads` concurrent readers.
    pub fn for_threads(threads: usize) -> Self {
        ShardedIndex {
            shards: (0..Self::SHARDS_PER_THREAD * threads.max(1))
                .map(|_| Mutex::new(ContactIndex::new()))
                .collect(),
            hasher: FixedState::with_seed(SHARD_SEED),
        }
    }

    /// Files a batch of contacts (rows with a NULL time are not contacts in time and are left
    /// out), locking each shard once. With `callers`, each row's caller is written there
    /// ([`FrozenIndex::code`] makes it a code), [`NO_CALLER`] for rows filed nowhere.
    /// Returns how many bytes the shards grew by, for a memory reservation.
    pub fn push_batch(
        &self,
        keys: &Text,
        times: &TimestampMicrosecondArray,
        callers: Option<&mut [u64]>,
    ) -> Result<usize> {
        self.batch(keys, times, callers, true)
    }

    /// Like [`ShardedIndex::push_batch`] with `callers`, but files no contact: only codes.
    pub fn code_batch(
        &self,
        keys: &Text,
        times: &TimestampMicrosecondArray,
        callers: &mut [u64],
    ) -> Result<usize> {
        self.batch(keys, times, Some(callers), false)
    }

    fn batch(
        &self,
        keys: &Text,
        times: &TimestampMicrosecondArray,
        mut callers: Option<&mut [u64]>,
        file: bool,
    ) -> Result<usize> {
        let n = self.shards.len();
        let rows = times.len();
        // Rows grouped by shard with a counting sort; keyless rows go to shard 0's count.
        let mut shard = Vec::with_capacity(rows);
        let mut starts = vec![0usize; n + 1];
        for i in 0..rows {
            let s = keys.get(i).map_or(0, |k| shard_of(&self.hasher, k, n));
            shard.push(s as u32);
            starts[s + 1] += 1;
        }
        for s in 0..n {
            starts[s + 1] += starts[s];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; rows];
        for (i, &s) in shard.iter().enumerate() {
            order[next[s as usize]] = i as u32;
            next[s as usize] += 1;
        }
        if let Some(callers) = callers.as_deref_mut() {
            callers.fill(NO_CALLER);
        }
        let mut shard_keys = Vec::new();
        let mut shard_times = Vec::new();
        let mut shard_rows = Vec::new();
        let mut grown = 0;
        for s in 0..n {
            shard_keys.clear();
            shard_times.clear();
            shard_rows.clear();
            for &i in &order[starts[s]..starts[s + 1]] {
                let i = i as usize;
                if times.is_valid(i) {
                    shard_keys.push(keys.get(i));
                    shard_times.push(times.value(i));
                    shard_rows.push(i);
                }
            }
            if !shard_keys.is_empty() {
                let mut index = self.shards[s].lock().map_err(poisoned)?;
                let before = index.heap_size();
                let mut coded = |row: usize, code: u32| {
                    if let Some(callers) = callers.as_deref_mut() {
                        callers[shard_rows[row]] = ((s as u64) << 32) | code as u64;
                    }
                };
                if file {
                    index.push_batch_with(&shard_keys, &shard_times, &mut coded);
                } else {
                    index.code_batch(&shard_keys, &mut coded);
                }
                grown += index.heap_size().saturating_sub(before);
            }
        }
        Ok(grown)
    }

    pub fn freeze(self) -> Result<FrozenIndex> {
        Ok(FrozenIndex {
            shards: self
                .shards
                .into_iter()
                .map(|m| m.into_inner().map_err(poisoned))
                .collect::<Result<_>>()?,
            hasher: self.hasher,
        })
    }
}

impl FrozenIndex {
    /// An index of these keys alone (one contact each, at time 0), in one shard.
    pub fn of_keys<'a>(keys: impl Iterator<Item = &'a str>) -> FrozenIndex {
        let mut index = ContactIndex::new();
        for key in keys {
            index.push(Some(key), 0);
        }
        FrozenIndex {
            shards: vec![index],
            hasher: FixedState::with_seed(SHARD_SEED),
        }
    }

    /// Every episode, by shard, then code, then time, detected on `threads` threads.
    pub fn detect(&self, rules: &RuleSet, threads: usize) -> Vec<Episode<CallerId>> {
        let work: Vec<(usize, usize)> = self
            .shards
            .iter()
            .enumerate()
            .flat_map(|(s, a)| (0..a.bucket_count()).map(move |b| (s, b)))
            .collect();
        let threads = threads.clamp(1, work.len().max(1));
        let mut found: Vec<Vec<Episode<CallerId>>> = vec![Vec::new(); work.len()];
        let detect = |&(s, b): &(usize, usize)| -> Vec<Episode<CallerId>> {
            self.shards[s]
                .detect_bucket(rules, b)
                .into_iter()
                .map(|e| {
                    let id = CallerId {
                        shard: s as u32,
                        code: e.key,
                    };
                    e.with_key(id)
                })
                .collect()
        };
        if threads == 1 {
            for (out, item) in found.iter_mut().zip(&work) {
                *out = detect(item);
            }
        } else {
            std::thread::scope(|scope| {
                // Item i goes to thread i % threads: shards are of similar size.
                let handles: Vec<_> = (0..threads)
                    .map(|t| {
                        let (work, detect) = (&work, &detect);
                        scope.spawn(move || {
                            (t..work.len())
                                .step_by(threads)
                                .map(|i| (i, detect(&work[i])))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                for handle in handles {
                    for (i, episodes) in handle.join().expect("detection does not panic") {
                        found[i] = episodes;
                    }
                }
            });
        }
        found.into_iter().flatten().collect()
    }

    /// A caller written by [`ShardedIndex::push_batch`] as one dense code over all shards
    /// (shard after shard), or None for [`NO_CALLER`].
    pub fn code(&self, caller: u64, offsets: &[u32]) -> Option<u32> {
        (caller != NO_CALLER).then(|| offsets[(caller >> 32) as usize] + caller as u32)
    }

    /// Where each shard's codes start in [`FrozenIndex::code`]'s numbering; the last entry
    /// is the number of callers.
    pub fn code_offsets(&self) -> Vec<u32> {
        let mut offsets = vec![0u32];
        for shard in &self.shards {
            offsets.push(offsets.last().copied().unwrap_or(0) + shard.callers() as u32);
        }
        offsets
    }

    /// The key text of a caller.
    pub fn key(&self, id: CallerId) -> &str {
        self.shards[id.shard as usize].key(id.code)
    }

    /// The caller of a key, if it was filed.
    pub fn find(&self, key: &str) -> Option<CallerId> {
        let shard = shard_of(&self.hasher, key, self.shards.len());
        self.shards[shard].code_of(key).map(|code| CallerId {
            shard: shard as u32,
            code,
        })
    }
}
