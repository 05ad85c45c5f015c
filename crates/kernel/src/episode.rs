//! Episodes: qualifying windows of one caller chained by overlap.
//!
//! A qualifying contact at *t* has a window whose span is `[s, t]`, *s* being the earliest
//! contact time inside it. Two spans that share an instant belong to one episode. Spans arrive
//! here in time order of *t* (batch and streaming alike), so the open episodes of a caller form
//! a stack ordered by time, and a new span merges exactly the episodes on top of the stack whose
//! end is at or after *s*. With one rule, *s* never moves backwards and at most the top episode
//! is extended; with several rules a long window can reach back and fold earlier episodes into
//! one, which [`ChainEvent::Merged`] reports.

use crate::rule::PerRule;
use crate::time::Micros;

/// One episode of one caller, with every field of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Episode<K = u32> {
    /// The caller (or address) key.
    pub key: K,
    /// The earliest contact time of any window in the episode.
    pub start: Micros,
    /// The latest qualifying contact time in the episode.
    pub end: Micros,
    /// The time of the episode's first qualifying contact: when the caller was identified.
    pub first_flagged_at: Micros,
    /// The number of the caller's contacts with `start <= t <= end`.
    pub contacts: u32,
    /// Per rule, the highest rolling count under that rule of any qualifying contact in the
    /// episode (a contact qualifying under any rule of the set counts).
    pub peak_counts: PerRule,
}

impl<K> Episode<K> {
    /// The same episode under another key type.
    pub fn with_key<L>(self, key: L) -> Episode<L> {
        Episode {
            key,
            start: self.start,
            end: self.end,
            first_flagged_at: self.first_flagged_at,
            contacts: self.contacts,
            peak_counts: self.peak_counts,
        }
    }
}

/// An episode still being built, with the ordinals (positions in the caller's time-ordered
/// contacts) of its first and last contact, from which its `contacts` follows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OpenEpisode {
    pub start: Micros,
    pub end: Micros,
    pub first_flagged_at: Micros,
    pub first_ordinal: u64,
    pub last_ordinal: u64,
    pub peak_counts: PerRule,
}

impl OpenEpisode {
    pub fn close<K>(&self, key: K) -> Episode<K> {
        Episode {
            key,
            start: self.start,
            end: self.end,
            first_flagged_at: self.first_flagged_at,
            contacts: (self.last_ordinal - self.first_ordinal + 1) as u32,
            peak_counts: self.peak_counts,
        }
    }
}

/// What one qualifying window did to a caller's episodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainEvent {
    /// It overlaps no episode: a new episode opens with it.
    Opened,
    /// It overlaps the latest episode only, which now ends at it.
    Extended,
    /// It overlaps this many (two or more) earlier episodes, now one.
    Merged(u32),
}

/// A qualifying window: the contact that qualifies and the earliest contact inside its span.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QualifyingWindow {
    /// Earliest contact time in the window (the union over the rules it qualifies under).
    pub start: Micros,
    /// Ordinal of that earliest contact.
    pub start_ordinal: u64,
    /// The qualifying contact's time.
    pub at: Micros,
    /// Ordinal of the last contact at that time.
    pub at_ordinal: u64,
    /// The contact's rolling count under each rule.
    pub counts: PerRule,
}

/// A caller's open episodes, oldest first.
#[derive(Clone, Debug, Default)]
pub(crate) struct EpisodeChain {
    open: Vec<OpenEpisode>,
}

impl EpisodeChain {
    /// Chains a window whose contact is at or after every window seen before.
    pub fn add(&mut self, w: QualifyingWindow) -> ChainEvent {
        let mut merged = 0u32;
        let mut episode = OpenEpisode {
            start: w.start,
            end: w.at,
            first_flagged_at: w.at,
            first_ordinal: w.start_ordinal,
            last_ordinal: w.at_ordinal,
            peak_counts: w.counts,
        };
        while let Some(top) = self.open.last() {
            if top.end < w.start {
                break;
            }
            let top = self.open.pop().expect("checked above");
            merged += 1;
            if top.start < episode.start {
                episode.start = top.start;
                episode.first_ordinal = top.first_ordinal;
            }
            episode.first_flagged_at = episode.first_flagged_at.min(top.first_flagged_at);
            episode.peak_counts.max_assign(&top.peak_counts);
        }
        self.open.push(episode);
        match merged {
            0 => ChainEvent::Opened,
            1 => ChainEvent::Extended,
            n => ChainEvent::Merged(n),
        }
    }

    /// Removes and returns the oldest episodes that no later window can reach: those ending at
    /// or before `horizon` (a window at *t* starts after *t* minus the longest window).
    pub fn close_until(&mut self, horizon: Micros) -> impl Iterator<Item = OpenEpisode> + '_ {
        let closable = self.open.partition_point(|e| e.end <= horizon);
        self.open.drain(..closable)
    }

    /// All episodes, oldest first; the chain is left empty.
    pub fn take_all(&mut self) -> std::vec::Drain<'_, OpenEpisode> {
        self.open.drain(..)
    }
}
