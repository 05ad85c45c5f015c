//! A generated world, with its dirt, ingested with a key: no caller number, name, street
//! address, full postcode or note is left in clear anywhere the snapshot publishes it
//! (contacts, referrals, rejects' raw text and reasons); address rules find the same episodes
//! on the address pseudonyms as on the clear addresses; every figure is as without a key.

use std::collections::{BTreeSet, HashMap};

use engage_ingest::{Ingest, IngestOptions, Ingested, Profiles, SourceKind};
use engage_kernel::postcode::{CsuTable, normalize_postcode, postcode_district};
use engage_kernel::pseudonym::{PseudonymKey, is_address_pseudonym, is_pseudonym};
use engage_kernel::time::DAY;
use engage_kernel::{Episode, Rule, RuleSet, detect, encode_keys};
use engage_synth::{Exports, GenerateOptions, generate, partner_key};

/// The exports of one generated world, in `SourceKind::ALL` order.
fn world(contacts: u64) -> [Vec<u8>; 5] {
    let mut files: [Vec<u8>; 5] = Default::default();
    let (mut truth, mut planted_referrals) = (Vec::new(), Vec::new());
    let [acd, recordings, incidents, partners, referrals] = &mut files;
    generate(
        &GenerateOptions {
            contacts,
            ..GenerateOptions::default()
        },
        Exports {
            acd,
            recordings,
            incidents,
            partners,
            truth: &mut truth,
            referrals,
            planted_referrals: &mut planted_referrals,
        },
        &mut |_| {},
    )
    .unwrap();
    files
}

fn ingest(files: &[Vec<u8>; 5], key: Option<&PseudonymKey>) -> Ingested {
    let profiles = Profiles::default();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key,
        csu: CsuTable::kent(),
    });
    for (kind, bytes) in SourceKind::ALL.iter().zip(files) {
        ingest.read(*kind, bytes.as_slice(), &mut |_| {}).unwrap();
    }
    ingest.finish()
}

/// Every record of a CSV export (header excluded), each as its fields.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes)
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .collect()
}

/// Whether a field looks like a phone number as the exports write them: at least seven
/// digits and nothing but digits, spaces and `+()-.` (ids have letters, times `/` and `:`).
fn looks_like_a_number(text: &str) -> bool {
    text.chars().filter(char::is_ascii_digit).count() >= 7
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +()-.".contains(c))
}

/// An address as address rules key it (a plain reimplementation of the ingest's rule):
/// upper-case letters and digits, words joined by single spaces.
fn address_key(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The personal values of a world, by kind, as they appear in its exports (and in the forms
/// Engage normalises them to).
fn personal_values(files: &[Vec<u8>; 5]) -> HashMap<&'static str, BTreeSet<String>> {
    let mut values: HashMap<&'static str, BTreeSet<String>> = HashMap::new();
    let mut add = |kind: &'static str, value: &str| {
        let value = value.trim();
        if !value.is_empty() {
            values.entry(kind).or_default().insert(value.to_string());
        }
    };
    // Numbers: any field of any row that looks like one, wherever it may have shifted to.
    for bytes in files {
        for field in records(bytes).iter().flatten() {
            if looks_like_a_number(field) {
                add("number", field);
                if let Ok(cli) = engage_kernel::phone::classify_cli(field)
                    && let Some(e164) = cli.e164()
                {
                    add("number", e164);
                    add("number", &e164[1..]);
                }
            }
        }
    }
    let incidents_width = engage_synth::INCIDENTS_HEADER.len();
    for row in records(&files[2]) {
        if row.len() != incidents_width {
            continue;
        }
        add("name", &row[3]);
        // The location, its house number and street, and its normalised form.
        add("address", &row[4]);
        if let Some((street, _)) = row[4].split_once(',') {
            add("address", street);
        }
        if let Some(key) = address_key(&row[4]) {
            add("address", &key);
        }
        // The full postcode as typed (when it is one) and normalised.
        if let Some(postcode) = normalize_postcode(&row[5]) {
            add("postcode", &row[5]);
            add("postcode", &postcode);
            add("postcode", &postcode.replace(' ', ""));
        }
    }
    let referrals_width = engage_ingest::REFERRALS_COLUMNS.len();
    for row in records(&files[4]) {
        if row.len() == referrals_width {
            add("note", &row[10]);
        }
    }
    values
}

/// Every text the snapshot publishes: contacts' and referrals' text fields, rejects' raw
/// text and reasons, one per line.
fn published_text(out: &Ingested) -> String {
    let mut text = String::new();
    let mut push = |field: Option<&str>| {
        if let Some(field) = field {
            text.push_str(field);
            text.push('\n');
        }
    };
    for c in &out.contacts {
        for field in [
            Some(c.contact_id),
            Some(c.line),
            c.caller_key,
            c.recording_id,
            c.incident_id,
            c.category,
            c.closing_category,
            c.postcode,
            c.address_key,
            c.csu,
        ] {
            push(field);
        }
    }
    for r in out.referrals.iter().flatten() {
        for field in [
            Some(r.case_id.as_str()),
            Some(r.caller_key.as_str()),
            r.csu.as_deref(),
            r.plan.as_deref(),
            r.close_reason.as_deref(),
        ] {
            push(field);
        }
    }
    for r in &out.rejects {
        push(Some(r.raw));
        push(Some(r.reason));
    }
    text
}

/// The values of each kind found in `text`, counted (a value inside another counts too).
fn leaks(values: &HashMap<&'static str, BTreeSet<String>>, text: &str) -> HashMap<String, usize> {
    values
        .iter()
        .map(|(kind, values)| {
            let values: Vec<&String> = values.iter().collect();
            let search = aho_corasick::AhoCorasick::new(&values).unwrap();
            let found: BTreeSet<usize> = search
                .find_overlapping_iter(text)
                .map(|m| m.pattern().as_usize())
                .collect();
            (kind.to_string(), found.len())
        })
        .collect()
}

/// The episodes of address-keyed rules over `out`'s contacts, each keyed by its address key
/// mapped through `map`.
fn address_episodes(out: &Ingested, map: impl Fn(&str) -> String) -> BTreeSet<String> {
    let rules = RuleSet::new(vec![
        Rule::new(3, 30 * DAY).unwrap(),
        Rule::new(2, DAY).unwrap(),
    ])
    .unwrap();
    let contacts = out.contacts.to_vec();
    let codes = encode_keys(contacts.iter().map(|c| c.address_key.as_deref()));
    let times: Vec<i64> = contacts.iter().map(|c| c.received_at).collect();
    let detection = detect(&rules, &codes.codes, &times).unwrap();
    detection
        .episodes()
        .iter()
        .map(|e: &Episode| {
            let e = e.with_key(map(codes.keys[e.key as usize]));
            format!("{e:?}")
        })
        .collect()
}

#[test]
fn a_pseudonymised_world_holds_no_direct_identifier() {
    let files = world(5_000);
    let key = partner_key();
    let plain = ingest(&files, None);
    let hidden = ingest(&files, Some(&key));

    // Every figure as without a key, and every source balances.
    assert_eq!(hidden.report, plain.report);
    assert!(hidden.report.balances(), "{:?}", hidden.report);
    assert_eq!(hidden.contacts.len(), plain.contacts.len());
    assert_eq!(hidden.rejects.len(), plain.rejects.len());

    // The keyed columns are pseudonyms; the postcode is a district only.
    for c in &hidden.contacts {
        assert!(c.caller_key.is_none_or(is_pseudonym), "{c:?}");
        assert!(c.address_key.is_none_or(is_address_pseudonym), "{c:?}");
        if let Some(p) = &c.postcode {
            assert!(!p.contains(' ') && (2..=4).contains(&p.len()), "{c:?}");
        }
    }
    // Each contact is the same as without a key but for what the key hides.
    let plain_contacts = plain.contacts.to_vec();
    let by_id: HashMap<(&str, &str), _> = plain_contacts
        .iter()
        .map(|c| ((c.agency, c.contact_id.as_str()), c))
        .collect();
    for c in &hidden.contacts {
        let clear = by_id[&(c.agency, c.contact_id)];
        let mut expected = clear.clone();
        // Partners' pseudonyms are kept as given; every number is pseudonymised.
        expected.caller_key = clear.caller_key.as_deref().map(|k| {
            if is_pseudonym(k) {
                k.into()
            } else {
                key.pseudonymise(k).into()
            }
        });
        expected.address_key = clear
            .address_key
            .as_deref()
            .map(|a| key.pseudonymise_address(a).into());
        expected.postcode = clear
            .postcode
            .as_deref()
            .map(|p| postcode_district(p).unwrap().into());
        assert_eq!(c.to_contact(), expected);
    }

    // No personal value in clear anywhere; without a key they are there (so the search
    // would find a leak).
    let values = personal_values(&files);
    for kind in ["number", "name", "address", "postcode", "note"] {
        assert!(!values[kind].is_empty(), "the world has no {kind}");
    }
    let found = leaks(&values, &published_text(&hidden));
    assert!(found.values().all(|&n| n == 0), "in clear: {found:?}");
    let found_plain = leaks(&values, &published_text(&plain));
    for kind in ["number", "address", "postcode"] {
        assert!(found_plain[kind] > 0, "{kind}: {found_plain:?}");
    }
    // Names are never published, but the archive owner's rejects show them as read.
    assert!(
        plain
            .rejects
            .iter()
            .any(|r| values["name"].iter().any(|n| r.raw.contains(n.as_str()))),
        "no name in the clear rejects"
    );
    // Notes are never kept, with a key or without.
    assert_eq!(found_plain["note"], 0);

    // Address rules give the same episodes on the pseudonyms as on the clear addresses.
    let clear = address_episodes(&plain, |a| key.pseudonymise_address(a));
    let masked = address_episodes(&hidden, str::to_string);
    assert!(!clear.is_empty(), "no address episodes in the world");
    assert_eq!(masked, clear);
}
