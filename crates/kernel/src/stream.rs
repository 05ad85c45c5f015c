//! Streaming detection: contacts arrive one at a time, in time order, as in a control room
//! ("is the caller on the line now a repeat caller?").
//!
//! The detector remembers only the contacts inside the longest window of its rule set (and the
//! episodes that a later window could still reach), so its memory is bounded by the traffic of
//! one window, however long it runs. Fed the same contacts, it gives the batch answer of
//! [`crate::detect`]:
//! - each contact's verdict carries the batch's rolling counts and qualification, except that
//!   contacts of one caller at the very same instant are only known together once the last of
//!   them has arrived: that one's verdict holds for all of them, and [`Verdict::tied_earlier`]
//!   says how many earlier verdicts it supersedes;
//! - the episodes it closes are exactly the batch's episodes.
//!
//! An episode is reported as it opens ([`ChainEvent::Opened`]); under a rule set with windows
//! of different lengths, a later long window can fold episodes opened earlier into one, which
//! the verdict reports as [`ChainEvent::Merged`].

use std::collections::VecDeque;
use std::hash::Hash;

use foldhash::{HashMap, HashMapExt};

use crate::episode::{ChainEvent, Episode, EpisodeChain, QualifyingWindow};
use crate::rule::{PerRule, RuleSet};
use crate::time::Micros;

/// What the detector says about one contact the moment it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The contact's rolling count under each rule of the set.
    pub rolling_counts: PerRule,
    /// Whether it qualifies under at least one rule.
    pub qualifies: bool,
    /// What its qualifying window did to the caller's episodes; `None` when it does not qualify.
    pub episode: Option<ChainEvent>,
    /// How many earlier contacts of this caller arrived at the same instant; this verdict
    /// supersedes theirs.
    pub tied_earlier: u32,
}

impl Verdict {
    /// True when this contact opens a new episode: the moment the caller is identified.
    pub fn opens_episode(&self) -> bool {
        self.episode == Some(ChainEvent::Opened)
    }
}

/// A contact given out of time order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a contact at {at} µs arrived after one at {latest} µs; the streaming detector takes \
     contacts in time order (sort them, or use batch detection)"
)]
pub struct OutOfOrder {
    /// The rejected contact's time.
    pub at: Micros,
    /// The latest time seen before it.
    pub latest: Micros,
}

struct CallerState<K> {
    key: K,
    /// Times of the caller's contacts inside the longest window, oldest first.
    times: VecDeque<Micros>,
    /// Contacts of this caller seen since its state was created: the next contact's ordinal.
    seen: u64,
    chain: EpisodeChain,
}

/// Detects repeat callers over contacts that arrive in time order.
///
/// ```
/// use engage_kernel::{RuleSet, StreamingDetector, time::HOUR};
/// let mut detector = StreamingDetector::new("3/1d".parse::<RuleSet>().unwrap());
/// assert!(!detector.push("+447700900123", 0).unwrap().qualifies);
/// assert!(!detector.push("+447700900123", HOUR).unwrap().qualifies);
/// let third = detector.push("+447700900123", 2 * HOUR).unwrap();
/// assert!(third.opens_episode());
/// assert_eq!(detector.finish().len(), 1);
/// ```
pub struct StreamingDetector<K> {
    rules: RuleSet,
    longest: Micros,
    index: HashMap<K, u32>,
    slots: Vec<Option<CallerState<K>>>,
    free_slots: Vec<u32>,
    /// Every remembered contact (time, caller slot), oldest first, for eviction.
    recent: VecDeque<(Micros, u32)>,
    latest: Option<Micros>,
    closed: Vec<Episode<K>>,
}

impl<K: Hash + Eq + Clone> StreamingDetector<K> {
    /// A detector for a rule set.
    pub fn new(rules: RuleSet) -> Self {
        StreamingDetector {
            longest: rules.longest_window(),
            rules,
            index: HashMap::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            recent: VecDeque::new(),
            latest: None,
            closed: Vec::new(),
        }
    }

    /// The rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Takes the next contact (not before any contact already taken) and says what it is.
    pub fn push(&mut self, key: K, at: Micros) -> Result<Verdict, OutOfOrder> {
        if let Some(latest) = self.latest
            && at < latest
        {
            return Err(OutOfOrder { at, latest });
        }
        self.latest = Some(at);
        let horizon = at.saturating_sub(self.longest);
        self.forget_until(horizon);

        let slot = self.slot_of(key);
        self.recent.push_back((at, slot));
        let state = self.slots[slot as usize].as_mut().expect("live slot");
        for open in state.chain.close_until(horizon) {
            self.closed.push(open.close(state.key.clone()));
        }
        state.times.push_back(at);
        let ordinal = state.seen;
        state.seen += 1;
        let len = state.times.len();
        let first_ordinal = ordinal + 1 - len as u64;

        let mut counts = PerRule::zeros(self.rules.len());
        let mut earliest = usize::MAX;
        for (rule, count) in self.rules.rules().iter().zip(counts.as_mut_slice()) {
            let cutoff = at.saturating_sub(rule.window);
            let lo = state.times.partition_point(|&t| t <= cutoff);
            *count = (len - lo) as u32;
            if *count >= rule.min_contacts {
                earliest = earliest.min(lo);
            }
        }
        let tied_earlier = (len - 1 - state.times.partition_point(|&t| t < at)) as u32;
        let episode = (earliest != usize::MAX).then(|| {
            state.chain.add(QualifyingWindow {
                start: state.times[earliest],
                start_ordinal: first_ordinal + earliest as u64,
                at,
                at_ordinal: ordinal,
                counts,
            })
        });
        Ok(Verdict {
            rolling_counts: counts,
            qualifies: episode.is_some(),
            episode,
            tied_earlier,
        })
    }

    /// Episodes that can no longer change, taken out of the detector (in the order they closed).
    pub fn drain_closed(&mut self) -> std::vec::Drain<'_, Episode<K>> {
        self.closed.drain(..)
    }

    /// Closes every episode still open and returns all episodes not yet drained.
    pub fn finish(mut self) -> Vec<Episode<K>> {
        for state in self.slots.iter_mut().flatten() {
            for open in state.chain.take_all() {
                self.closed.push(open.close(state.key.clone()));
            }
        }
        self.closed
    }

    /// How many contacts the detector remembers now (all inside the longest window).
    pub fn remembered_contacts(&self) -> usize {
        self.recent.len()
    }

    /// How many callers the detector remembers now.
    pub fn remembered_callers(&self) -> usize {
        self.index.len()
    }

    fn slot_of(&mut self, key: K) -> u32 {
        if let Some(&slot) = self.index.get(&key) {
            return slot;
        }
        let state = CallerState {
            key: key.clone(),
            times: VecDeque::new(),
            seen: 0,
            chain: EpisodeChain::default(),
        };
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(state);
                slot
            }
            None => {
                self.slots.push(Some(state));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        slot
    }

    /// Forgets contacts at or before `horizon`: no window of a later contact holds them. A
    /// caller with nothing left to remember is forgotten whole, its episodes closed.
    fn forget_until(&mut self, horizon: Micros) {
        while let Some(&(t, slot)) = self.recent.front() {
            if t > horizon {
                break;
            }
            self.recent.pop_front();
            let entry = &mut self.slots[slot as usize];
            let state = entry
                .as_mut()
                .expect("remembered contacts have a live caller");
            state.times.pop_front();
            if state.times.is_empty() {
                let mut state = entry.take().expect("checked above");
                for open in state.chain.take_all() {
                    self.closed.push(open.close(state.key.clone()));
                }
                self.index.remove(&state.key);
                self.free_slots.push(slot);
            }
        }
    }
}
