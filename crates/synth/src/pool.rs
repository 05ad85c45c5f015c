//! Ordinary callers: most call once, a few call again and again (a heavy tail), none more than
//! [`CAP`] times in any 7 days.
//!
//! Every new caller takes the next id from one counter (shared by police callers and the
//! partners' callers, so ids are never reused). A call is from a recent caller with
//! probability `repeat_p`, chosen uniformly among the callers of the last `ring` contacts, so
//! a caller with more recent contacts is more likely to call again (preferential attachment,
//! which gives the heavy tail); only about a third of new callers ever enter that ring, the
//! rest are one-off callers by construction. A recent caller who already has [`CAP`] contacts
//! in the last 7 days, or a contact in the last hour, is not chosen (a new caller calls
//! instead), so ordinary callers never come near the 10-in-7-days rule and the planted truth
//! is the whole truth. While the ring is filling (the first three days) repeats are
//! proportionally rarer.

use std::collections::HashMap;

use crate::clock::{HOUR, WEEK};
use crate::rng::Rand;

/// Most contacts of one ordinary caller in any 7 days.
pub(crate) const CAP: usize = 6;

/// Share of new callers that can call again.
const ENTER_RING: f64 = 0.35;

/// Least time between two contacts of one ordinary caller: a call (waiting up to 40
/// minutes, its incident attached at most 5 minutes after the answer) is over, as far as
/// linking is concerned, before the same caller rings again, so their recordings and incident
/// calls link to the right call.
pub(crate) const MIN_GAP: i64 = HOUR;

/// Chance that a recent caller chosen while at the cap stays among the recent callers.
const KEEP_CAPPED: f64 = 0.5;

#[derive(Default)]
struct CallerState {
    /// Entries of this caller in the ring.
    in_ring: u32,
    /// The caller's last [`CAP`] contact times, a ring buffer.
    times: [i64; CAP],
    len: usize,
    next: usize,
    /// The caller's last incident (number) and when it was created.
    last_incident: Option<(u64, i64)>,
}

/// The ordinary callers of a run.
pub(crate) struct Pool {
    ring: Vec<u64>,
    ring_cap: usize,
    pos: usize,
    states: HashMap<u64, CallerState>,
    next_id: u64,
}

impl Pool {
    /// A pool whose ring holds the callers of the last `ring_cap` contacts.
    pub(crate) fn new(ring_cap: usize) -> Self {
        Pool {
            ring: Vec::with_capacity(ring_cap),
            ring_cap: ring_cap.max(1),
            pos: 0,
            states: HashMap::new(),
            next_id: 0,
        }
    }

    /// A new caller id, never used before.
    pub(crate) fn fresh(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A recent caller's id, without recording a contact (for outbound calls).
    pub(crate) fn recent(&mut self, rng: &mut Rand) -> Option<u64> {
        (!self.ring.is_empty()).then(|| self.ring[rng.index(self.ring.len())])
    }

    /// The caller of a contact at `t`: a recent caller with probability `repeat_p` (when one
    /// is under the cap), else a new one. The contact is recorded.
    pub(crate) fn caller(&mut self, rng: &mut Rand, t: i64, repeat_p: f64) -> u64 {
        // While the ring fills (the first days of a run) repeats are rarer, so the first
        // callers are not picked again and again.
        let fill = self.ring.len() as f64 / self.ring_cap as f64;
        if !self.ring.is_empty() && rng.chance(repeat_p * fill) {
            let id = self.ring[rng.index(self.ring.len())];
            if self.can_call(id, t) {
                self.note(id, t);
                return id;
            }
            // Would have called again: keep them in mind for later weeks.
            if rng.chance(KEEP_CAPPED) {
                self.push_ring(id);
            }
        }
        let id = self.fresh();
        if rng.chance(ENTER_RING) {
            self.note(id, t);
        }
        id
    }

    /// Whether caller `id` may make a contact at `t`: at least [`MIN_GAP`] after their last
    /// one, and staying within [`CAP`] in any 7 days (an hour of slack covers contacts
    /// generated slightly out of time order).
    fn can_call(&self, id: u64, t: i64) -> bool {
        self.states.get(&id).is_none_or(|s| {
            let oldest = s.times[s.next];
            let last = s.times[(s.next + CAP - 1) % CAP];
            (s.len == 0 || last <= t - MIN_GAP) && (s.len < CAP || oldest <= t - WEEK - HOUR)
        })
    }

    /// Records a contact of `id` at `t` and puts it in the ring.
    fn note(&mut self, id: u64, t: i64) {
        let state = self.states.entry(id).or_default();
        state.times[state.next] = t;
        state.next = (state.next + 1) % CAP;
        state.len = (state.len + 1).min(CAP);
        self.push_ring(id);
    }

    /// Puts caller `id` (who has a state) in the ring, evicting the oldest entry.
    fn push_ring(&mut self, id: u64) {
        if let Some(s) = self.states.get_mut(&id) {
            s.in_ring += 1;
        }
        if self.ring.len() < self.ring_cap {
            self.ring.push(id);
        } else {
            let old = std::mem::replace(&mut self.ring[self.pos], id);
            self.pos = (self.pos + 1) % self.ring_cap;
            if let Some(s) = self.states.get_mut(&old) {
                s.in_ring -= 1;
                if s.in_ring == 0 {
                    self.states.remove(&old);
                }
            }
        }
    }

    /// The last incident of caller `id`, if it is still remembered.
    pub(crate) fn last_incident(&self, id: u64) -> Option<(u64, i64)> {
        self.states.get(&id).and_then(|s| s.last_incident)
    }

    /// Remembers caller `id`'s incident (only for callers who may call again).
    pub(crate) fn set_last_incident(&mut self, id: u64, incident: u64, at: i64) {
        if let Some(s) = self.states.get_mut(&id) {
            s.last_incident = Some((incident, at));
        }
    }

    /// Callers remembered (bounded by the ring).
    #[cfg(test)]
    pub(crate) fn remembered(&self) -> usize {
        self.states.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::DAY;

    #[test]
    fn no_caller_exceeds_the_cap_and_memory_is_bounded() {
        let mut pool = Pool::new(3 * 2_400);
        let mut rng = Rand::new(1, 1);
        let mut calls: HashMap<u64, Vec<i64>> = HashMap::new();
        let mut t = 0;
        for _ in 0..200_000 {
            t += rng.range_i(0, 72);
            let id = pool.caller(&mut rng, t, 0.3);
            calls.entry(id).or_default().push(t);
            assert!(pool.remembered() <= 3 * 2_400);
        }
        let mut once = 0;
        let mut max_total = 0;
        for times in calls.values() {
            if times.len() == 1 {
                once += 1;
            }
            max_total = max_total.max(times.len());
            assert!(times.windows(2).all(|w| w[1] - w[0] >= MIN_GAP));
            for (i, &ti) in times.iter().enumerate() {
                let in_week = times[..=i].iter().filter(|&&tj| tj > ti - 7 * DAY).count();
                assert!(in_week <= CAP, "{in_week} contacts in 7 days");
            }
        }
        let mut hist = std::collections::BTreeMap::new();
        for times in calls.values() {
            *hist.entry(times.len()).or_insert(0) += 1;
        }
        println!("calls per caller: {hist:?}");
        assert!(once * 2 > calls.len(), "most callers call once");
        assert!(
            max_total > CAP,
            "a heavy tail: someone calls more than {CAP} times in all"
        );
    }
}
