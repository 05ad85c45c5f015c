//! The contacts table an ingest leaves: in the snapshot's order, and held compactly until it is
//! read. An ACD call's contact is kept as the codes and text offsets it was read into, with the
//! recording and incident linked to it, and read as a [`ContactRef`] (its texts borrowed from
//! the table) only when asked for: so the table is a third of the size of its contacts, no
//! text is copied to read it, and a writer reads each batch of them on a thread of its own.

use std::ops::Range;

use compact_str::CompactString;
use engage_kernel::Micros;
use engage_kernel::cache::prefetch;
use engage_kernel::time::SECOND;

use crate::contact::{Contact, ContactRef};
use crate::kept::{Code, KeptPartner, TextArena, TextRef, Vocabulary};
use crate::link::AcdCall;
use crate::rows::group_by_counting;
use crate::threads::both;

/// The contacts, sorted by caller key (keyless last), then time, then contact id; contacts
/// equal in all three keep their order (ACD calls in call id order, then partners' contacts
/// in file order).
///
/// Each contact is made when read ([`ContactTable::get`], [`ContactTable::rows`]); a read
/// allocates only the texts of over 24 bytes (pseudonyms).
pub struct ContactTable {
    calls: LinkedCalls,
    partners: KeptPartners,
    /// Phone lines, categories, postcodes, address keys and CSUs, of calls and partners.
    words: Vocabulary,
    /// Positions in table order: below the number of calls an ACD call's, from there a
    /// partner's contact's.
    order: Vec<u32>,
}

/// The ACD calls, linked, in call id order: the columns a contact of each is made from.
pub(crate) struct LinkedCalls {
    /// The calls, their instants resolved.
    pub rows: Vec<AcdCall>,
    /// The id of the recording linked to each, in `ids`.
    pub recordings: Vec<Option<TextRef>>,
    /// The incident linked to each, in `incidents`.
    pub linked: Vec<Option<Code>>,
    /// The incidents linked to calls.
    pub incidents: Vec<LinkedIncident>,
    /// Call, recording and incident ids.
    pub ids: TextArena,
    /// Each caller number's key as published (E.164, or its pseudonym), by number code.
    pub caller_keys: Vec<CompactString>,
}

/// The partners' contacts, in file order, as kept while reading.
pub(crate) struct KeptPartners {
    pub rows: Vec<KeptPartner>,
    /// Their ids.
    pub ids: TextArena,
    /// Their caller keys, as published.
    pub keys: Vocabulary,
}

impl KeptPartners {
    fn contact<'a>(&'a self, at: usize, words: &'a Vocabulary) -> ContactRef<'a> {
        let row = &self.rows[at];
        ContactRef {
            contact_id: self.ids.get(row.contact_id),
            agency: row.agency.word(),
            line: words.text(row.line),
            received_at: row.received_at,
            caller_key: row.caller_key.map(|code| self.keys.text(code)),
            cli_status: row.cli_status.word(),
            outcome: row.outcome.word(),
            category: row.category.map(|code| words.text(code)),
            ..ContactRef::default()
        }
    }
}

/// The fields an incident gives the contact of the call it is linked to: its id in
/// [`LinkedCalls::ids`], its texts as codes among the table's words.
pub(crate) struct LinkedIncident {
    pub incident_id: TextRef,
    pub category: Option<Code>,
    pub closing_category: Option<Code>,
    pub grade: Option<i8>,
    pub postcode: Option<Code>,
    pub address_key: Option<Code>,
    pub csu: Option<Code>,
}

impl LinkedCalls {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn contact_id(&self, at: usize) -> &str {
        self.ids.get(self.rows[at].call_id)
    }

    fn caller_key(&self, at: usize) -> Option<Code> {
        self.rows[at].caller.number()
    }

    /// Asks for what [`LinkedCalls::prefetch_texts`] and [`LinkedCalls::contact`] read first
    /// of the call at `at` to be brought into the cache.
    fn prefetch_call(&self, at: usize) {
        prefetch(&self.rows[at]);
        prefetch(&self.recordings[at]);
        prefetch(&self.linked[at]);
    }

    /// Asks for the texts and incident that [`LinkedCalls::contact`] reads of the call at
    /// `at`, after [`LinkedCalls::prefetch_call`], to be brought into the cache.
    fn prefetch_texts(&self, at: usize) {
        let row = &self.rows[at];
        prefetch(self.ids.get(row.call_id));
        if let Some(id) = self.recordings[at] {
            prefetch(self.ids.get(id));
        }
        if let Some(code) = row.caller.number() {
            prefetch(&self.caller_keys[code.index()]);
        }
        if let Some(incident) = self.linked[at] {
            prefetch(&self.incidents[incident.index()]);
        }
    }

    /// Asks for the words that [`LinkedCalls::contact`] reads of the call at `at`, after
    /// [`LinkedCalls::prefetch_texts`], to be brought into the cache.
    fn prefetch_words(&self, at: usize, words: &Vocabulary) {
        let row = &self.rows[at];
        words.prefetch_text(row.phone_line);
        if let Some(incident) = self.linked[at] {
            let incident = &self.incidents[incident.index()];
            let codes = [incident.address_key, incident.postcode, incident.category];
            for code in codes.into_iter().flatten() {
                words.prefetch_text(code);
            }
        }
    }

    fn contact<'a>(&'a self, at: usize, words: &'a Vocabulary) -> ContactRef<'a> {
        let call = &self.rows[at];
        let word = |code: Option<Code>| code.map(|code| words.text(code));
        let mut contact = ContactRef {
            contact_id: self.ids.get(call.call_id),
            agency: "police",
            line: words.text(call.phone_line),
            received_at: call.arrived,
            caller_key: call
                .caller
                .number()
                .map(|code| self.caller_keys[code.index()].as_str()),
            cli_status: call.caller.status(),
            outcome: call.outcome.word(),
            wait_s: call.answered.map(|a| seconds(a - call.arrived)),
            talk_s: call.answered.zip(call.ended).map(|(a, e)| seconds(e - a)),
            recording_id: self.recordings[at].map(|id| self.ids.get(id)),
            ..ContactRef::default()
        };
        if let Some(incident) = self.linked[at] {
            let incident = &self.incidents[incident.index()];
            contact.incident_id = Some(self.ids.get(incident.incident_id));
            contact.category = word(incident.category);
            contact.closing_category = word(incident.closing_category);
            contact.grade = incident.grade;
            contact.postcode = word(incident.postcode);
            contact.address_key = word(incident.address_key);
            contact.csu = word(incident.csu);
        }
        contact
    }
}

impl ContactTable {
    /// The table of `calls` and `partners`, whose texts are coded among `words`, sorted (on two
    /// threads when `threads` is more than one).
    pub(crate) fn new(
        calls: LinkedCalls,
        partners: KeptPartners,
        words: Vocabulary,
        threads: usize,
    ) -> Self {
        let order = sorted_order(&calls, &partners, threads);
        ContactTable {
            calls,
            partners,
            words,
            order,
        }
    }

    /// The position among the calls of the contact at `at` in table order, if it is a call's.
    fn call_at(&self, at: usize) -> Option<usize> {
        let position = *self.order.get(at)? as usize;
        (position < self.calls.len()).then_some(position)
    }

    /// How many contacts.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The contact at `at` in table order.
    ///
    /// # Panics
    /// When `at` is not below [`ContactTable::len`].
    pub fn get(&self, at: usize) -> ContactRef<'_> {
        let position = self.order[at] as usize;
        match position.checked_sub(self.calls.len()) {
            None => self.calls.contact(position, &self.words),
            Some(partner) => self.partners.contact(partner, &self.words),
        }
    }

    /// The contacts in `range`, in table order.
    ///
    /// # Panics
    /// When `range` runs past [`ContactTable::len`].
    pub fn rows(&self, range: Range<usize>) -> Rows<'_> {
        assert!(range.end <= self.len(), "rows {range:?} of {}", self.len());
        Rows { table: self, range }
    }

    /// Every contact, in table order.
    pub fn iter(&self) -> Rows<'_> {
        self.rows(0..self.len())
    }

    /// Every contact, with texts of its own.
    pub fn to_vec(&self) -> Vec<Contact> {
        self.iter().map(ContactRef::to_contact).collect()
    }
}

/// How many contacts ahead [`Rows`] asks for a call's columns.
const CALLS_AHEAD: usize = 16;
/// How many contacts ahead [`Rows`] asks for a call's texts and incident.
const TEXTS_AHEAD: usize = 8;
/// How many contacts ahead [`Rows`] asks for a call's words (by their codes in the incident).
const WORDS_AHEAD: usize = 4;

/// Contacts of a [`ContactTable`] in table order, each made as it is reached.
#[derive(Clone, Debug)]
pub struct Rows<'a> {
    table: &'a ContactTable,
    range: Range<usize>,
}

impl<'a> Iterator for Rows<'a> {
    type Item = ContactRef<'a>;

    fn next(&mut self) -> Option<ContactRef<'a>> {
        let at = self.range.next()?;
        // Contacts in table order are scattered over the calls: the lookups of the contacts
        // [`CALLS_AHEAD`], [`TEXTS_AHEAD`] and [`WORDS_AHEAD`] on are asked for while this one is made.
        let table = self.table;
        if let Some(call) = table.call_at(at + CALLS_AHEAD) {
            table.calls.prefetch_call(call);
        }
        if let Some(call) = table.call_at(at + TEXTS_AHEAD) {
            table.calls.prefetch_texts(call);
        }
        if let Some(call) = table.call_at(at + WORDS_AHEAD) {
            table.calls.prefetch_words(call, &table.words);
        }
        Some(table.get(at))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl ExactSizeIterator for Rows<'_> {}

impl<'a> IntoIterator for &'a ContactTable {
    type Item = ContactRef<'a>;
    type IntoIter = Rows<'a>;

    fn into_iter(self) -> Rows<'a> {
        self.iter()
    }
}

/// Two tables are equal when they hold equal contacts in the same order, however held.
impl PartialEq for ContactTable {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for ContactTable {}

impl std::fmt::Debug for ContactTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactTable")
            .field("contacts", &self.len())
            .field("partners", &self.partners.rows.len())
            .finish_non_exhaustive()
    }
}

/// The positions of the calls' and partners' contacts in table order. The distinct caller keys
/// are ranked once (each compared as text only while ranking), and the contacts sorted by rank
/// and time, comparing contact ids only between contacts of one caller at one instant.
fn sorted_order(calls: &LinkedCalls, partners: &KeptPartners, threads: usize) -> Vec<u32> {
    let numbers = calls.caller_keys.len();
    // Each number's key, then each partner's key.
    let key = |which: u32| match (which as usize).checked_sub(numbers) {
        None => calls.caller_keys[which as usize].as_str(),
        Some(partner) => partners.keys.text(Code::of_position(partner)),
    };
    let (rank, last_rank) = rank_keys(numbers + partners.keys.len(), key, threads);
    let keyless = last_rank + 1;
    let call_count = calls.len();
    let contacts = call_count + partners.rows.len();
    let caller_rank = |at: usize| match at.checked_sub(call_count) {
        None => calls.caller_key(at).map(|code| rank[code.index()]),
        Some(p) => partners.rows[p]
            .caller_key
            .map(|code| rank[numbers + code.index()]),
    };
    let received_at = |at: usize| match at.checked_sub(call_count) {
        None => calls.rows[at].arrived,
        Some(p) => partners.rows[p].received_at,
    };
    let contact_id = |at: u32| match (at as usize).checked_sub(call_count) {
        None => calls.contact_id(at as usize),
        Some(p) => partners.ids.get(partners.rows[p].contact_id),
    };
    // Grouped by caller rank by counting (keyless last), each group in position order; then
    // each group sorted by time and contact id, stably: contacts equal in both keep their
    // order. The groups of the lower half of the contacts and the rest are sorted each on a
    // thread of its own when there are two.
    let ranks: Vec<u32> = (0..contacts)
        .map(|at| caller_rank(at).unwrap_or(keyless))
        .collect();
    drop(rank);
    let (starts, mut grouped) = group_by_counting(keyless as usize + 1, || {
        ranks.iter().enumerate().map(|(at, &rank)| {
            let position = u32::try_from(at).expect("under 4 billion contacts");
            (rank as usize, (position, received_at(at)))
        })
    });
    drop(ranks);
    let sort_groups = |grouped: &mut [(u32, Micros)], starts: &[u32]| {
        let offset = starts[0];
        for group in starts.windows(2) {
            let group = &mut grouped[(group[0] - offset) as usize..(group[1] - offset) as usize];
            if group.len() > 1 {
                group.sort_by(|a, b| {
                    a.1.cmp(&b.1)
                        .then_with(|| contact_id(a.0).cmp(contact_id(b.0)))
                });
            }
        }
    };
    // The first group that starts in the upper half of the contacts.
    let split = starts.partition_point(|&start| (start as usize) < contacts / 2);
    let split = split.min(starts.len() - 1);
    let (low, high) = grouped.split_at_mut(starts[split] as usize);
    both(
        threads,
        || sort_groups(low, &starts[..=split]),
        || sort_groups(high, &starts[split..]),
    );
    grouped.into_iter().map(|(at, _)| at).collect()
}

/// The rank in text order of each of `count` keys (`key(which)` gives key `which`'s text),
/// equal texts sharing one, and the highest rank (0 when there are none). The keys are sorted
/// by their first 16 bytes as a number (the whole of an E.164 number), their texts compared
/// only when those are equal; the two halves each on a thread of its own when there are two,
/// then ranked as they are merged.
fn rank_keys<'k>(
    count: usize,
    key: impl Fn(u32) -> &'k str + Sync,
    threads: usize,
) -> (Vec<u32>, u32) {
    let mut keys: Vec<(u64, u64, u32)> = (0..u32::try_from(count)
        .expect("under 4 billion caller keys"))
        .map(|which| {
            let prefix = text_prefix(key(which));
            ((prefix >> 64) as u64, prefix as u64, which)
        })
        .collect();
    let order = |a: &(u64, u64, u32), b: &(u64, u64, u32)| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| key(a.2).cmp(key(b.2)))
    };
    let (low, high) = keys.split_at_mut(count / 2);
    both(
        threads,
        || low.sort_unstable_by(order),
        || high.sort_unstable_by(order),
    );
    let (mut low, mut high) = keys.split_at(count / 2);
    let mut rank = vec![0u32; count];
    let mut last = 0u32;
    let mut previous: Option<(u64, u64, u32)> = None;
    loop {
        let next = match (low.first(), high.first()) {
            (Some(a), Some(b)) if order(a, b).is_le() => &mut low,
            (Some(_), Some(_)) | (None, Some(_)) => &mut high,
            (Some(_), None) => &mut low,
            (None, None) => break,
        };
        let this = next[0];
        *next = &next[1..];
        if previous.is_some_and(|p| (p.0, p.1) != (this.0, this.1) || key(p.2) != key(this.2)) {
            last += 1;
        }
        rank[this.2 as usize] = last;
        previous = Some(this);
    }
    (rank, last)
}

/// The first 16 bytes of `text` (zeros after its end) as a big-endian number: two texts whose
/// numbers differ are in the order of their numbers.
fn text_prefix(text: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// Whole seconds, held to an `i32`.
fn seconds(micros: Micros) -> i32 {
    (micros / SECOND).clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kept::Kept;
    use crate::rows::{HashedText, PartnerRow};
    use proptest::prelude::*;

    fn no_calls() -> LinkedCalls {
        LinkedCalls {
            rows: Vec::new(),
            recordings: Vec::new(),
            linked: Vec::new(),
            incidents: Vec::new(),
            ids: TextArena::default(),
            caller_keys: Vec::new(),
        }
    }

    proptest! {
        #[test]
        fn text_prefixes_keep_the_order_of_the_texts(a in "[+0-9a-f\u{0}é]{0,20}", b in "[+0-9a-f\u{0}é]{0,20}") {
            let (pa, pb) = (text_prefix(&a), text_prefix(&b));
            if pa != pb {
                prop_assert_eq!(pa.cmp(&pb), a.cmp(&b));
            }
        }

        #[test]
        fn keys_rank_in_text_order_equal_texts_alike(
            keys in prop::collection::vec("(\\+44|ps:)?[0-9]{0,17}", 0..60),
            threads in 1usize..3,
        ) {
            let (rank, last) = rank_keys(keys.len(), |which| keys[which as usize].as_str(), threads);
            let mut distinct: Vec<&str> = keys.iter().map(String::as_str).collect();
            distinct.sort_unstable();
            distinct.dedup();
            for (key, rank) in keys.iter().zip(&rank) {
                prop_assert_eq!(distinct[*rank as usize], key.as_str());
            }
            prop_assert_eq!(last as usize, distinct.len().saturating_sub(1));
        }

        #[test]
        fn contacts_sort_by_caller_then_time_then_id_stably(
            rows in prop::collection::vec((prop::option::of("(\\+44|ps:)[0-9]{0,16}"), 0i64..4, "[AB]{1,2}", any::<u8>()), 0..80),
        ) {
            let contacts: Vec<Contact> = rows
                .iter()
                .map(|(key, at, id, line)| Contact {
                    caller_key: key.as_deref().map(Into::into),
                    received_at: *at,
                    contact_id: id.into(),
                    line: line.to_string().into(),
                    agency: "fire",
                    cli_status: if key.is_some() { "present" } else { "withheld" },
                    outcome: "answered",
                    ..Contact::default()
                })
                .collect();
            let mut expected = contacts.clone();
            expected.sort_by(|a, b| {
                (a.caller_key.is_none(), &a.caller_key, a.received_at, &a.contact_id)
                    .cmp(&(b.caller_key.is_none(), &b.caller_key, b.received_at, &b.contact_id))
            });
            let mut kept = Kept::default();
            for contact in contacts {
                let mut text = TextArena::default();
                let row = PartnerRow {
                    contact_id: text.push(&contact.contact_id),
                    agency: contact.agency,
                    line: text.push(&contact.line),
                    received_at: contact.received_at,
                    caller_key: contact.caller_key.as_deref().map(|key| HashedText::keep(key, &mut text)),
                    cli_status: contact.cli_status,
                    outcome: contact.outcome,
                    category: contact.category.as_deref().map(|c| text.push(c)),
                };
                kept.partner(row, &text);
            }
            let partners = KeptPartners {
                rows: kept.partners.rows,
                ids: kept.partners.text,
                keys: kept.partner_keys,
            };
            let table = ContactTable::new(no_calls(), partners, kept.words, 2);
            prop_assert_eq!(table.len(), expected.len());
            prop_assert_eq!(table.to_vec(), expected);
        }
    }
}
