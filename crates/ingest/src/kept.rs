//! The rows of the four sources of contacts as kept from reading until linking, small: texts
//! that repeat (caller numbers, phone lines, categories, postcodes, address keys, CSUs,
//! partners' keys) are kept once and held as codes, each source's ids share one buffer, and the
//! raw rows that a link may yet reject are kept packed. `crate::rows` has the rows as a reading
//! thread makes them; `crate::sources` keeps them here, and the calls' and partners' rows go
//! on into the contacts table (`crate::table`).

use std::num::{NonZeroU32, NonZeroU64};

use engage_kernel::Micros;
use engage_kernel::contact_index::{ContactIndex, KeyHash};
use engage_kernel::phone::Cli;

use crate::local_time::LocalInstant;
use crate::profile::SourceKind;
use crate::rows::{AcdRow, CallerText, HashedText, IncidentRow, PartnerRow, RecordingRow};

/// Where a text is in a [`TextArena`]: 12 bytes (aligned to 4, so that rows of them pack
/// tight), and no more as an `Option`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(4))]
pub(crate) struct TextRef {
    /// The offset of its first byte, plus one (so that `None` costs no room).
    start_plus_one: NonZeroU64,
    len: u32,
}

impl TextRef {
    /// The text's length in bytes.
    pub fn byte_len(self) -> u32 {
        self.len
    }
}

/// The texts of many rows end to end in one buffer.
#[derive(Default)]
pub(crate) struct TextArena {
    text: String,
}

impl TextArena {
    /// Keeps `text`, and says where it is.
    pub fn push(&mut self, text: &str) -> TextRef {
        self.push_all(&[text])
    }

    /// Keeps `parts` end to end as one text, and says where it is.
    pub fn push_all(&mut self, parts: &[&str]) -> TextRef {
        self.push_with(|text| parts.iter().for_each(|part| text.push_str(part)))
    }

    /// Keeps what `write` appends to the buffer as one text, and says where it is.
    pub fn push_with(&mut self, write: impl FnOnce(&mut String)) -> TextRef {
        let start = self.text.len();
        write(&mut self.text);
        TextRef {
            start_plus_one: NonZeroU64::new(start as u64 + 1).expect("one more than an offset"),
            len: u32::try_from(self.text.len() - start)
                .expect("a field of a CSV row is under 4 GB"),
        }
    }

    /// The text kept at `at`.
    pub fn get(&self, at: TextRef) -> &str {
        let start = (at.start_plus_one.get() - 1) as usize;
        &self.text[start..start + at.len as usize]
    }

    /// Forgets every text, keeping the buffer for the next.
    pub fn clear(&mut self) {
        self.text.clear();
    }

    /// Gives back the buffer's room beyond its texts.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
    }
}

/// Where a text is among [`PackedTexts`]: its block, and its place in the block unpacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PackedRef {
    block: u32,
    start: u32,
    len: u32,
}

/// The texts of one [`TextArena`], compressed (LZ4) into one block.
pub(crate) struct PackedBlock(Box<[u8]>);

impl PackedBlock {
    /// The texts of `arena`, packed.
    pub fn pack(arena: &TextArena) -> Self {
        PackedBlock(lz4_flex::compress_prepend_size(arena.text.as_bytes()).into_boxed_slice())
    }
}

/// Texts kept for a rare use (the raw rows that a link may yet reject), packed a block at a
/// time: raw CSV rows take a third or less of their size.
#[derive(Default)]
pub(crate) struct PackedTexts {
    blocks: Vec<PackedBlock>,
}

impl PackedTexts {
    /// Keeps `block`; its texts are found by [`PackedTexts::at`] with what the returned code
    /// and their place in the arena it was packed from say.
    pub fn push(&mut self, block: PackedBlock) -> u32 {
        self.blocks.push(block);
        u32::try_from(self.blocks.len() - 1).expect("under 4 billion blocks")
    }

    /// Where the text at `at` in the arena packed as block `block` is kept.
    pub fn at(block: u32, at: TextRef) -> PackedRef {
        PackedRef {
            block,
            start: u32::try_from(at.start_plus_one.get() - 1).expect("a block is under 4 GB"),
            len: at.len,
        }
    }

    /// A reader of the texts, which unpacks one block at a time: read texts in
    /// [`PackedRef`] order to unpack each block once.
    pub fn reader(&self) -> PackedReader<'_> {
        PackedReader {
            texts: self,
            block: None,
            unpacked: String::new(),
        }
    }
}

/// Reads [`PackedTexts`], holding the last block unpacked.
pub(crate) struct PackedReader<'a> {
    texts: &'a PackedTexts,
    block: Option<u32>,
    unpacked: String,
}

impl PackedReader<'_> {
    /// The text kept at `at`.
    pub fn get(&mut self, at: PackedRef) -> &str {
        if self.block != Some(at.block) {
            let packed = &self.texts.blocks[at.block as usize].0;
            let bytes =
                lz4_flex::decompress_size_prepended(packed).expect("a block packed here unpacks");
            self.unpacked = String::from_utf8(bytes).expect("a block packed from a String");
            self.block = Some(at.block);
        }
        let start = at.start as usize;
        &self.unpacked[start..start + at.len as usize]
    }
}

/// A dense code: a text's among a [`Vocabulary`]'s, or a row's position among its source's.
/// 4 bytes, and no more as an `Option`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Code(NonZeroU32);

impl Code {
    /// The code numbered `code`.
    pub fn new(code: u32) -> Self {
        Code(NonZeroU32::new(code.wrapping_add(1)).expect("codes are under u32::MAX"))
    }

    /// The code of the row at `position`.
    pub fn of_position(position: usize) -> Self {
        Code::new(u32::try_from(position).expect("under 4 billion rows"))
    }

    /// Its number.
    pub fn get(self) -> u32 {
        self.0.get() - 1
    }

    /// Its number, as an index.
    pub fn index(self) -> usize {
        self.get() as usize
    }
}

/// Texts that repeat, each kept once, named by a dense [`Code`].
#[derive(Default)]
pub(crate) struct Vocabulary {
    codes: ContactIndex,
}

impl Vocabulary {
    /// The code of `text`, kept if new.
    pub fn code(&mut self, text: &str) -> Code {
        Code::new(self.codes.code_key(text))
    }

    /// The text of `code`.
    pub fn text(&self, code: Code) -> &str {
        self.codes.key(code.get())
    }

    /// Asks for the text of `code` to be brought into the cache, ahead of
    /// [`Vocabulary::text`].
    pub fn prefetch_text(&self, code: Code) {
        self.codes.prefetch_key(code.get());
    }

    /// How many texts are kept; their codes are those below.
    pub fn len(&self) -> usize {
        self.codes.callers()
    }

    /// Every code, in order.
    pub fn codes(&self) -> impl Iterator<Item = Code> + use<> {
        (0..self.len()).map(Code::of_position)
    }

    /// The code of `text`, whose hash is `hash`, kept if new.
    pub fn code_hashed(&mut self, text: &str, hash: KeyHash) -> Code {
        Code::new(self.codes.code_hashed_key(text, hash))
    }

    /// Asks for the slot of the text of `hash` to be brought into the cache, ahead of
    /// [`Vocabulary::code_hashed`].
    pub fn prefetch_slot(&self, hash: KeyHash) {
        self.codes.prefetch_slot(hash);
    }

    /// Asks for the record of the text of `hash` to be brought into the cache, after
    /// [`Vocabulary::prefetch_slot`].
    pub fn prefetch_record(&self, hash: KeyHash) {
        self.codes.prefetch_record(hash);
    }

    /// The code of a text read with its hash, kept if new.
    fn hashed(&mut self, word: HashedText, text: &TextArena) -> Code {
        self.code_hashed(text.get(word.text), word.hash)
    }
}

/// The few fixed words a contact's `agency`, `cli_status` and `outcome` take.
const LABELS: [&str; 9] = [
    "police",
    "fire",
    "ambulance",
    "present",
    "withheld",
    "unavailable",
    "answered",
    "abandoned",
    "transferred",
];

/// One of the fixed words of [`LABELS`], kept in a byte rather than a 16-byte `&str`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Label(u8);

impl Label {
    /// The label of `word`.
    ///
    /// # Panics
    /// When `word` is none of [`LABELS`]: the words come from Engage's code (a profile's
    /// outcomes are checked to be one of three), never from the data.
    pub fn of(word: &'static str) -> Self {
        let at = LABELS
            .iter()
            .position(|label| *label == word)
            .unwrap_or_else(|| panic!("`{word}` is not one of the fixed labels"));
        Label(at as u8)
    }

    /// The word.
    pub fn word(self) -> &'static str {
        LABELS[self.0 as usize]
    }
}

/// A caller number as kept, in 4 bytes: the code of its E.164 text among the numbers, or why
/// there is none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Caller(u32);

impl Caller {
    pub const WITHHELD: Caller = Caller(0);
    pub const UNAVAILABLE: Caller = Caller(1);
    /// What a number's code is held above.
    const FIRST_NUMBER: u32 = 2;

    fn keep(caller: CallerText, text: &TextArena, numbers: &mut Vocabulary) -> Self {
        match caller {
            CallerText::Present(number) => Caller::present(numbers.hashed(number, text)),
            CallerText::Withheld => Caller::WITHHELD,
            CallerText::Unavailable => Caller::UNAVAILABLE,
        }
    }

    /// The caller of `number`.
    pub fn present(number: Code) -> Self {
        Caller(
            number
                .get()
                .checked_add(Self::FIRST_NUMBER)
                .expect("under 4 billion numbers"),
        )
    }

    /// The code of the number, if one was presented.
    pub fn number(self) -> Option<Code> {
        self.0.checked_sub(Self::FIRST_NUMBER).map(Code::new)
    }

    /// The snapshot's `cli_status`, as [`Cli::status`] says it.
    pub fn status(self) -> &'static str {
        match self {
            // An empty `String` allocates nothing.
            Caller::WITHHELD => Cli::Withheld.status(),
            Caller::UNAVAILABLE => Cli::Unavailable.status(),
            _ => Cli::Present(String::new()).status(),
        }
    }
}

/// A [`LocalInstant`] as kept: 16 bytes, and no more as an `Option` (a `LocalInstant` is 24,
/// an `Option` of one 24), for the millions of times held until the clock change is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeptInstant {
    earlier: Micros,
    /// How much later the later instant is, plus one: 1 for a single instant.
    later_by_plus_one: NonZeroU64,
}

impl KeptInstant {
    /// The local time kept.
    pub fn get(self) -> LocalInstant {
        match self.later_by_plus_one.get() - 1 {
            0 => LocalInstant::Single(self.earlier),
            later_by => {
                LocalInstant::Ambiguous(self.earlier, self.earlier.wrapping_add_unsigned(later_by))
            }
        }
    }
}

impl From<LocalInstant> for KeptInstant {
    fn from(instant: LocalInstant) -> Self {
        let (earlier, later_by) = match instant {
            LocalInstant::Single(at) => (at, 0),
            // The later instant is the later: `local_time` makes them so.
            LocalInstant::Ambiguous(early, late) => (early, late.abs_diff(early)),
        };
        KeptInstant {
            earlier,
            later_by_plus_one: NonZeroU64::new(later_by.saturating_add(1))
                .expect("one more than a difference"),
        }
    }
}

// The kept rows are held by the million until linking, so each is made small: codes, labels
// and `Caller`s of 4 bytes or less, and the recordings and incident calls packed to 4 bytes'
// alignment (no padding after a 12-byte `TextRef` or `PackedRef`; their fields are in an order
// that leaves none between them either).

/// One ACD call as kept (`crate::rows::AcdRow`).
pub(crate) struct KeptAcd {
    pub call_id: TextRef,
    /// Among the words.
    pub phone_line: Code,
    pub caller: Caller,
    pub arrived: KeptInstant,
    pub answered: Option<KeptInstant>,
    pub ended: Option<KeptInstant>,
    pub outcome: Label,
}

/// One inbound recording as kept (`crate::rows::RecordingRow`).
#[repr(C, packed(4))]
pub(crate) struct KeptRecording {
    pub recording_id: TextRef,
    /// Among the numbers; `None` when withheld or unavailable.
    pub number: Option<Code>,
    pub started: KeptInstant,
    pub line: u64,
    pub raw: PackedRef,
}

/// One incident call as kept (`crate::rows::IncidentRow`); the optional texts are codes among
/// the words, the caller a code among the numbers.
#[repr(C, packed(4))]
pub(crate) struct KeptIncident {
    pub incident_id: TextRef,
    pub call_time: KeptInstant,
    pub number: Option<Code>,
    pub address_key: Option<Code>,
    pub postcode: Option<Code>,
    pub csu: Option<Code>,
    pub category: Option<Code>,
    pub closing_category: Option<Code>,
    pub grade: Option<i8>,
    pub line: u64,
    pub raw: PackedRef,
}

/// One partner's contact as kept (`crate::parse` reads it as a [`Contact`]): its id in the
/// partners' buffer, its line and category codes among the words, its caller key a code among
/// the partners' keys.
pub(crate) struct KeptPartner {
    pub contact_id: TextRef,
    pub agency: Label,
    pub line: Code,
    pub received_at: Micros,
    pub caller_key: Option<Code>,
    pub cli_status: Label,
    pub outcome: Label,
    pub category: Option<Code>,
}

/// One source's rows, the buffer of their texts, and their raw rows packed when a link may
/// yet reject them (recordings and incident calls).
pub(crate) struct KeptRows<T> {
    pub rows: Vec<T>,
    pub text: TextArena,
    pub raw: PackedTexts,
}

impl<T> Default for KeptRows<T> {
    fn default() -> Self {
        KeptRows {
            rows: Vec::new(),
            text: TextArena::default(),
            raw: PackedTexts::default(),
        }
    }
}

/// The rows of the four sources of contacts read so far, and the texts they share.
#[derive(Default)]
pub(crate) struct Kept {
    /// Caller numbers (E.164) of all three sources.
    pub numbers: Vocabulary,
    /// Phone lines, categories, postcodes, address keys and CSUs.
    pub words: Vocabulary,
    /// Partners' caller keys, as published.
    pub partner_keys: Vocabulary,
    pub acd: KeptRows<KeptAcd>,
    pub recordings: KeptRows<KeptRecording>,
    pub incidents: KeptRows<KeptIncident>,
    pub partners: KeptRows<KeptPartner>,
}

impl Kept {
    /// Keeps the raw rows of a batch of `kind`'s rows, packed, and says which block of that
    /// source's they are. Only recordings and incident calls keep theirs, for the rows a link
    /// rejects; the other sources' batches have none.
    pub fn raw(&mut self, kind: SourceKind, block: PackedBlock) -> u32 {
        match kind {
            SourceKind::Recordings => self.recordings.raw.push(block),
            SourceKind::Incidents => self.incidents.raw.push(block),
            SourceKind::Acd | SourceKind::Partners | SourceKind::Referrals => 0,
        }
    }

    /// Keeps an ACD call whose texts are in `text`.
    pub fn acd(&mut self, row: AcdRow, text: &TextArena) {
        let kept = KeptAcd {
            call_id: self.acd.text.push(text.get(row.call_id)),
            phone_line: self.words.code(text.get(row.phone_line)),
            caller: Caller::keep(row.cli, text, &mut self.numbers),
            arrived: row.arrived.into(),
            answered: row.answered.map(Into::into),
            ended: row.ended.map(Into::into),
            outcome: Label::of(row.outcome),
        };
        self.acd.rows.push(kept);
    }

    /// Keeps a recording whose texts are in `text`, its raw row in `raw_block`.
    pub fn recording(&mut self, row: RecordingRow, text: &TextArena, raw_block: u32) {
        let own = &mut self.recordings.text;
        let kept = KeptRecording {
            recording_id: own.push(text.get(row.recording_id)),
            number: row.remote.map(|number| self.numbers.hashed(number, text)),
            started: row.started.into(),
            line: row.line,
            raw: PackedTexts::at(raw_block, row.raw),
        };
        self.recordings.rows.push(kept);
    }

    /// Keeps an incident call whose texts are in `text`, its raw row in `raw_block`.
    pub fn incident(&mut self, row: IncidentRow, text: &TextArena, raw_block: u32) {
        let own = &mut self.incidents.text;
        let words = &mut self.words;
        let address_key = row.address_key.map(|key| words.hashed(key, text));
        let postcode = row.postcode.map(|code| words.hashed(code, text));
        let mut word = |at: Option<TextRef>| at.map(|at| words.code(text.get(at)));
        let kept = KeptIncident {
            incident_id: own.push(text.get(row.incident_id)),
            call_time: row.call_time.into(),
            number: row.caller.map(|number| self.numbers.hashed(number, text)),
            address_key,
            postcode,
            csu: word(row.csu),
            category: word(row.category),
            closing_category: word(row.closing_category),
            grade: row.grade,
            line: row.line,
            raw: PackedTexts::at(raw_block, row.raw),
        };
        self.incidents.rows.push(kept);
    }
}

impl Kept {
    /// Keeps a partner's contact whose texts are in `text`.
    pub fn partner(&mut self, row: PartnerRow, text: &TextArena) {
        let kept = KeptPartner {
            contact_id: self.partners.text.push(text.get(row.contact_id)),
            agency: Label::of(row.agency),
            line: self.words.code(text.get(row.line)),
            received_at: row.received_at,
            caller_key: row
                .caller_key
                .map(|key| self.partner_keys.hashed(key, text)),
            cli_status: Label::of(row.cli_status),
            outcome: Label::of(row.outcome),
            category: row.category.map(|c| self.words.code(text.get(c))),
        };
        self.partners.rows.push(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kept_rows_stay_small() {
        // Held by the million until linking.
        assert_eq!(size_of::<TextRef>(), 12);
        assert_eq!(size_of::<Option<Code>>(), 4);
        assert_eq!(size_of::<Caller>(), 4);
        assert!(size_of::<KeptAcd>() <= 72);
        assert!(size_of::<KeptRecording>() <= 52);
        assert!(size_of::<KeptIncident>() <= 76);
        assert!(size_of::<KeptPartner>() <= 40);
        assert!(size_of::<crate::link::AcdCall>() <= 64);
    }

    #[test]
    fn every_fixed_word_has_a_label_that_gives_it_back() {
        let outcomes = crate::profile::SourceProfile::default_for(crate::SourceKind::Acd).outcomes;
        let statuses = [
            Cli::Present("+441234567890".into()),
            Cli::Withheld,
            Cli::Unavailable,
        ]
        .map(|cli| cli.status());
        let agencies = ["police", "fire", "ambulance"];
        for word in outcomes.values().copied().chain(statuses).chain(agencies) {
            assert_eq!(Label::of(word).word(), word);
        }
        assert_ne!(Label::of("fire"), Label::of("police"));
    }

    #[test]
    fn a_caller_gives_back_its_number_or_why_there_is_none() {
        for code in [0, 1, 2, 77, u32::MAX - 3] {
            let caller = Caller::present(Code::new(code));
            assert_eq!(caller.number(), Some(Code::new(code)));
            assert_eq!(caller.status(), "present");
        }
        assert_eq!(Caller::WITHHELD.number(), None);
        assert_eq!(Caller::WITHHELD.status(), "withheld");
        assert_eq!(Caller::UNAVAILABLE.number(), None);
        assert_eq!(Caller::UNAVAILABLE.status(), "unavailable");
        assert_eq!(Code::new(5).get(), 5);
        assert_eq!(Code::of_position(9).index(), 9);
    }

    #[test]
    fn an_optional_text_ref_takes_no_more_room() {
        assert_eq!(size_of::<Option<TextRef>>(), size_of::<TextRef>());
    }

    #[test]
    fn a_kept_instant_is_smaller_and_gives_back_the_local_time() {
        assert_eq!(size_of::<Option<KeptInstant>>(), 16);
        assert!(size_of::<KeptInstant>() < size_of::<LocalInstant>());
        let hour = 3_600_000_000;
        for instant in [
            LocalInstant::Single(0),
            LocalInstant::Single(-5),
            LocalInstant::Single(i64::MAX),
            LocalInstant::Ambiguous(1_729_990_800_000_000, 1_729_990_800_000_000 + hour),
            LocalInstant::Ambiguous(i64::MIN, i64::MAX - 1),
        ] {
            assert_eq!(KeptInstant::from(instant).get(), instant);
        }
    }

    proptest! {
        #[test]
        fn an_arena_gives_back_each_text_kept(texts in prop::collection::vec(".{0,12}", 0..40)) {
            let mut arena = TextArena::default();
            let refs: Vec<TextRef> = texts.iter().map(|t| arena.push(t)).collect();
            let joined = arena.push_all(&texts.iter().map(String::as_str).collect::<Vec<_>>());
            for (text, at) in texts.iter().zip(refs) {
                prop_assert_eq!(arena.get(at), text.as_str());
            }
            prop_assert_eq!(arena.get(joined), texts.concat());
            arena.clear();
            let again = arena.push("x");
            prop_assert_eq!(arena.get(again), "x");
        }

        #[test]
        fn packed_texts_give_back_each_text_in_any_order(
            blocks in prop::collection::vec(prop::collection::vec(".{0,40}", 0..30), 0..6),
            order in any::<prop::sample::Index>(),
        ) {
            let mut packed = PackedTexts::default();
            let mut kept = Vec::new();
            for texts in &blocks {
                let mut arena = TextArena::default();
                let refs: Vec<TextRef> = texts.iter().map(|t| arena.push(t)).collect();
                let block = packed.push(PackedBlock::pack(&arena));
                for (text, at) in texts.iter().zip(refs) {
                    kept.push((PackedTexts::at(block, at), text.clone()));
                }
            }
            // Read once out of order (blocks unpacked again and again), once sorted.
            if !kept.is_empty() {
                let shift = order.index(kept.len());
                kept.rotate_left(shift);
                kept.reverse();
            }
            let mut reader = packed.reader();
            for (at, text) in &kept {
                prop_assert_eq!(reader.get(*at), text.as_str());
            }
            kept.sort();
            let mut reader = packed.reader();
            for (at, text) in &kept {
                prop_assert_eq!(reader.get(*at), text.as_str());
            }
        }

        #[test]
        fn a_vocabulary_gives_equal_texts_one_code(texts in prop::collection::vec("[a-c]{0,3}|[a-c]{16,20}", 0..60)) {
            let mut words = Vocabulary::default();
            let codes: Vec<Code> = texts.iter().map(|t| words.code(t)).collect();
            for (i, (a, &ca)) in texts.iter().zip(&codes).enumerate() {
                prop_assert_eq!(words.text(ca), a.as_str());
                for (b, &cb) in texts.iter().zip(&codes).skip(i + 1) {
                    prop_assert_eq!(a == b, ca == cb);
                }
            }
        }
    }
}
