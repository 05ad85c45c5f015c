//! The ids read from one file, to find its repeated rows: each id with the line it was first
//! read on and the fingerprint of that row.
//!
//! Exports list rows in time order, and ids mostly rise with time, so most ids are greater
//! than every id before them and need no lookup to be known new: they are kept in a list in
//! rising order, searched (from its end, where repeats of an overlapping export window are)
//! only for an id that is not. Ids read out of order are kept in a hash table. At 20M calls,
//! a table of every id missed the cache on nearly every row.

use engage_kernel::contact_index::{ContactIndex, KeyHash};

use crate::kept::{TextArena, TextRef};

/// Where and how an id was first read: its line and the fingerprint of that row.
pub(crate) type FirstRead = (u64, u64);

/// The ids read from one file so far.
#[derive(Default)]
pub(crate) struct SeenKeys {
    /// Ids each greater (bytewise) than every id read before it, in the order read (so in
    /// rising order), with their first reads.
    rising: Vec<(TextRef, FirstRead)>,
    rising_text: TextArena,
    /// The other ids, interned, and their first reads by code.
    others: ContactIndex,
    others_first: Vec<FirstRead>,
}

impl SeenKeys {
    /// The first read of the id `key` (whose hash is `hash`); if there was none, `None`, and
    /// `this` is noted as its first read.
    pub fn first(&mut self, key: &str, hash: KeyHash, this: FirstRead) -> Option<FirstRead> {
        let greatest = self.rising.last().map(|&(id, _)| self.rising_text.get(id));
        if greatest.is_none_or(|greatest| key > greatest) {
            self.keep_rising(key, this);
            return None;
        }
        if let Some(first) = self.rising_first(key) {
            return Some(first);
        }
        let code = self.others.code_hashed_key(key, hash) as usize;
        if code == self.others_first.len() {
            self.others_first.push(this);
            return None;
        }
        Some(self.others_first[code])
    }

    /// Asks for the hash-table slot of the id of `hash` to be brought into the cache, ahead
    /// of [`SeenKeys::first`], should the id be out of order.
    pub fn prefetch_slot(&self, hash: KeyHash) {
        if !self.others_first.is_empty() {
            self.others.prefetch_slot(hash);
        }
    }

    /// Asks for the record of the id of `hash` to be brought into the cache, after
    /// [`SeenKeys::prefetch_slot`].
    pub fn prefetch_record(&self, hash: KeyHash) {
        if !self.others_first.is_empty() {
            self.others.prefetch_record(hash);
        }
    }

    fn keep_rising(&mut self, key: &str, this: FirstRead) {
        let at = self.rising_text.push(key);
        self.rising.push((at, this));
    }

    /// The first read of `key` among the rising ids: looked for in the last 1, 2, 4, ... of
    /// them until one is not greater, then by halves within those.
    fn rising_first(&self, key: &str) -> Option<FirstRead> {
        let text = |at: usize| self.rising_text.get(self.rising[at].0);
        let len = self.rising.len();
        let mut span = 1;
        while span < len && text(len - span) > key {
            span *= 2;
        }
        let from = len.saturating_sub(span);
        let at =
            from + self.rising[from..].partition_point(|(id, _)| self.rising_text.get(*id) < key);
        (at < len && text(at) == key).then(|| self.rising[at].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn first(seen: &mut SeenKeys, key: &str, this: FirstRead) -> Option<FirstRead> {
        seen.first(key, KeyHash::of(key), this)
    }

    #[test]
    fn an_id_is_seen_again_with_its_first_line_and_fingerprint() {
        let mut seen = SeenKeys::default();
        // An incident's id (id, time and number) is longer than a key kept inline.
        let long = "I240000001\u{1f}06/10/2025 00:25:09\u{1f}029 2018 0107";
        assert_eq!(first(&mut seen, "A1", (2, 10)), None);
        assert_eq!(first(&mut seen, "B2", (3, 11)), None);
        assert_eq!(first(&mut seen, long, (4, 12)), None);
        assert_eq!(first(&mut seen, "A1", (5, 13)), Some((2, 10)));
        assert_eq!(first(&mut seen, "B2", (6, 14)), Some((3, 11)));
        assert_eq!(first(&mut seen, long, (7, 15)), Some((4, 12)));
        assert_eq!(first(&mut seen, "", (8, 16)), None);
        assert_eq!(first(&mut seen, "", (9, 17)), Some((8, 16)));
        assert_eq!(first(&mut seen, "A1 ", (10, 18)), None);
        assert_eq!(first(&mut seen, "A1 ", (11, 19)), Some((10, 18)));
    }

    proptest! {
        #[test]
        fn finds_what_a_map_of_every_id_finds(
            // Ids mostly rising, some repeated or out of order, as exports are.
            steps in prop::collection::vec((0u32..6, 0u32..40), 0..300),
        ) {
            let mut seen = SeenKeys::default();
            let mut reference: HashMap<String, FirstRead> = HashMap::new();
            let mut next = 0u32;
            for (line, (kind, back)) in steps.into_iter().enumerate() {
                let number = match kind {
                    0..=2 => { next += 1; next }
                    3 | 4 => next.saturating_sub(back),
                    _ => back * 7,
                };
                // Unpadded (`A9` after `A10`) now and then, so bytewise order is not numeric.
                let key = if number % 5 == 0 { format!("A{number}") } else { format!("A{number:05}") };
                let this = (line as u64, u64::from(number) * 3 + u64::from(kind));
                let expected = match reference.get(&key) {
                    Some(&first) => Some(first),
                    None => { reference.insert(key.clone(), this); None }
                };
                prop_assert_eq!(first(&mut seen, &key, this), expected);
            }
        }
    }
}
