//! Raw exports in, contacts and rejects out: each kind of dirt with its exact count, both
//! clock changes, and the linking rules with their ambiguous cases.

use engage_ingest::{Ingest, IngestOptions, Ingested, Profiles, SourceKind};
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::PseudonymKey;

const ACD_HEADER: &str = "call_id,line,cli,arrived,answered,ended,queue,outcome\n";
const REC_HEADER: &str = "recording_id,channel,direction,remote_number,started,ended\n";
const INC_HEADER: &str = "incident_id,call_time,caller_phone,caller_name,location,postcode,opening_category,closing_category,grade\n";

fn ingest(acd: &str, recordings: &str, incidents: &str, key: Option<&PseudonymKey>) -> Ingested {
    let profiles = Profiles::default();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key,
        csu: CsuTable::kent(),
    });
    for (kind, text) in [
        (SourceKind::Acd, acd),
        (SourceKind::Recordings, recordings),
        (SourceKind::Incidents, incidents),
    ] {
        ingest.read(kind, text.as_bytes(), &mut |_| {}).unwrap();
    }
    ingest.absent(SourceKind::Partners);
    let out = ingest.finish();
    assert!(out.report.balances(), "{:?}", out.report);
    out
}

fn utc(text: &str) -> i64 {
    text.parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .timestamp_micros()
}

#[test]
fn each_kind_of_dirt_is_counted_exactly() {
    let acd = format!(
        "{ACD_HEADER}\
A0001,999,07700 900123,01/03/2025 10:00:00,01/03/2025 10:00:05,01/03/2025 10:02:05,EMERGENCY,Answered\n\
\n\
A0002,101,\"\"\"+44 7700 900124\",01/03/2025 11:00:00,,01/03/2025 11:00:30,NON-EMERGENCY,Abandoned\n\
A0001,999,07700 900123,01/03/2025 10:00:00,01/03/2025 10:00:05,01/03/2025 10:02:05,EMERGENCY,Answered\n\
A0003,999,07700 900125,01/03/2025 12:00:00\n\
A0004,999,n/k 0770,01/03/2025 12:00:00,,01/03/2025 12:00:10,EMERGENCY,Abandoned\n\
A0005,999,Withheld,1/3/2025 25:00:00,,01/03/2025 12:00:10,EMERGENCY,Abandoned\n\
A0006,999,Withheld,01/03/2025 13:00:00,,01/03/2025 13:00:10,EMERGENCY,Maybe\n\
A0001,999,07700 900999,01/03/2025 10:00:00,01/03/2025 10:00:05,01/03/2025 10:02:05,EMERGENCY,Answered\n\
\n"
    );
    let out = ingest(&acd, REC_HEADER, INC_HEADER, None);
    let c = &out.report.sources["acd"];
    assert_eq!(
        (c.read, c.published, c.duplicates, c.rejected),
        (8, 2, 1, 5)
    );
    let reasons: Vec<(u64, &str)> = out.rejects.iter().map(|r| (r.line, r.reason)).collect();
    assert!(
        reasons[0].0 == 6 && reasons[0].1.contains("has 4 fields but the header has 8"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == 7 && reasons[1].1.contains("field `cli`"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].0 == 8 && reasons[2].1.contains("field `arrived`"),
        "{reasons:?}"
    );
    assert!(
        reasons[3].0 == 9 && reasons[3].1.contains("`Maybe` is not an outcome"),
        "{reasons:?}"
    );
    assert!(
        reasons[4].0 == 10 && reasons[4].1.contains("conflicts with line 2"),
        "{reasons:?}"
    );
    assert!(
        out.rejects
            .iter()
            .all(|r| r.file == "acd_calls.csv" && r.source == "acd")
    );
    assert!(out.rejects.get(0).raw.starts_with("A0003,999,07700 900125"));
    // The stray quote is cleaned from the number; the abandoned call has no wait or talk.
    let second = out
        .contacts
        .iter()
        .find(|c| c.contact_id == "A0002")
        .unwrap();
    assert_eq!(second.caller_key, Some("+447700900124"));
    assert_eq!(
        (second.wait_s, second.talk_s, second.outcome),
        (None, None, "abandoned")
    );
    let first = out
        .contacts
        .iter()
        .find(|c| c.contact_id == "A0001")
        .unwrap();
    assert_eq!((first.wait_s, first.talk_s), (Some(5), Some(120)));
}

#[test]
fn the_autumn_hour_follows_call_ids_and_the_spring_hour_is_rejected() {
    // 26 Oct 2025: 01:00-01:59 happens twice. A11 is in the first pass (BST), A12 at 01:10
    // comes after A11 at 01:50, so it must be the second pass (GMT).
    let acd = format!(
        "{ACD_HEADER}\
A12,101,07700 900200,26/10/2025 01:10:00,,26/10/2025 01:10:20,NON-EMERGENCY,Abandoned\n\
A11,101,07700 900201,26/10/2025 01:50:00,,26/10/2025 01:50:20,NON-EMERGENCY,Abandoned\n\
A10,101,07700 900202,26/10/2025 01:05:00,,26/10/2025 01:05:20,NON-EMERGENCY,Abandoned\n\
A20,101,07700 900203,30/03/2025 01:30:00,,30/03/2025 01:30:20,NON-EMERGENCY,Abandoned\n"
    );
    let out = ingest(&acd, REC_HEADER, INC_HEADER, None);
    let at = |id: &str| {
        out.contacts
            .iter()
            .find(|c| c.contact_id == id)
            .unwrap()
            .received_at
    };
    assert_eq!(at("A10"), utc("2025-10-26T00:05:00Z"));
    assert_eq!(at("A11"), utc("2025-10-26T00:50:00Z"));
    assert_eq!(at("A12"), utc("2025-10-26T01:10:00Z"));
    let c = &out.report.sources["acd"];
    assert_eq!(c.ambiguous_times, 6);
    assert_eq!(c.rejected, 1);
    assert!(
        out.rejects.get(0).reason.contains("skip"),
        "{:?}",
        out.rejects
    );
}

#[test]
fn recordings_and_incidents_link_to_one_contact() {
    let acd = format!(
        "{ACD_HEADER}\
A1,999,07700 900300,03/03/2025 09:00:00,03/03/2025 09:00:10,03/03/2025 09:05:00,EMERGENCY,Answered\n\
A2,999,07700900300,03/03/2025 09:00:02,03/03/2025 09:00:13,03/03/2025 09:04:00,EMERGENCY,Answered\n\
A3,101,Withheld,03/03/2025 10:00:00,03/03/2025 10:00:30,03/03/2025 10:03:00,NON-EMERGENCY,Answered\n"
    );
    let recordings = format!(
        "{REC_HEADER}\
R1,phone,inbound,+44 7700 900300,03/03/2025 09:00:12,03/03/2025 09:05:00\n\
R2,phone,inbound,447700900300,03/03/2025 09:00:11,03/03/2025 09:05:00\n\
R3,phone,inbound,07700 900300,03/03/2025 09:00:30,03/03/2025 09:05:00\n\
R4,phone,outbound,07700 900301,03/03/2025 09:30:00,03/03/2025 09:35:00\n\
R5,radio,inbound,,03/03/2025 09:30:00,03/03/2025 09:35:00\n\
R6,phone,inbound,Private,03/03/2025 10:00:31,03/03/2025 10:03:00\n"
    );
    let incidents = format!(
        "{INC_HEADER}\
I1,03/03/2025 09:03:00,07700 900300,Pat Example,\"12 High Street, Maidstone\",me14 1aa,Concern For Welfare,Concern For Welfare,2\n\
I2,03/03/2025 09:14:00,07700 900300,Pat Example,\"12 High Street, Maidstone\",ME141AA,Assault,Assault,1\n\
I3,03/03/2025 09:40:00,07700 900300,Pat Example,somewhere,XX,Assault,Assault,1\n\
I4,03/03/2025 10:02:00,,Anon,somewhere,,Silent Call,,3\n"
    );
    let out = ingest(&acd, &recordings, &incidents, None);
    let contact = |id: &str| out.contacts.iter().find(|c| c.contact_id == id).unwrap();
    // R2 (09:00:11) is nearest to A1's answer (09:00:10) and chooses first among starts; R1
    // (09:00:12) is nearest to A2 (09:00:13). R3 is 17 s off: unmatched.
    assert_eq!(contact("A1").recording_id, Some("R2"));
    assert_eq!(contact("A2").recording_id, Some("R1"));
    assert_eq!(contact("A3").recording_id, Some("R6"));
    let r = &out.report.sources["recordings"];
    assert_eq!(
        (r.read, r.merged, r.rejected, r.not_a_contact, r.unmatched),
        (6, 3, 3, 2, 1)
    );
    // I1 at 09:03 is during both calls: the latest answered (A2) wins. I2 at 09:14 is within
    // 10 minutes of A1's end (09:05) but A2 ended at 09:04, also within; A2 answered later.
    assert_eq!(contact("A2").incident_id, Some("I1"));
    assert_eq!(contact("A2").postcode, Some("ME14 1AA"));
    assert_eq!(contact("A2").csu, Some("Maidstone CSU"));
    assert_eq!(contact("A2").address_key, Some("12 HIGH STREET MAIDSTONE"));
    assert_eq!(contact("A2").category, Some("Concern For Welfare"));
    let i = &out.report.sources["incidents"];
    assert_eq!(
        (
            i.read,
            i.merged,
            i.rejected,
            i.unmatched,
            i.unreadable_postcodes
        ),
        (4, 3, 1, 1, 1)
    );
    // I4 has no number: it links to the one keyless call in progress at 10:02 (A3).
    assert_eq!(contact("A3").incident_id, Some("I4"));
    assert_eq!(contact("A3").category, Some("Silent Call"));
    assert_eq!(out.report.contacts, 3);
}

#[test]
fn pseudonymised_keys_and_the_sort_order() {
    let acd = format!(
        "{ACD_HEADER}\
A1,999,07700 900401,03/03/2025 09:00:00,,03/03/2025 09:00:05,EMERGENCY,Abandoned\n\
A2,999,Withheld,03/03/2025 08:00:00,,03/03/2025 08:00:05,EMERGENCY,Abandoned\n\
A3,999,07700 900400,03/03/2025 10:00:00,,03/03/2025 10:00:05,EMERGENCY,Abandoned\n\
A4,999,07700 900400,03/03/2025 07:00:00,,03/03/2025 07:00:05,EMERGENCY,Abandoned\n"
    );
    let plain = ingest(&acd, REC_HEADER, INC_HEADER, None);
    let order: Vec<String> = plain
        .contacts
        .iter()
        .map(|c| c.contact_id.to_string())
        .collect();
    assert_eq!(order, vec!["A4", "A3", "A1", "A2"]);
    let key = PseudonymKey::new(b"0123456789abcdef0123").unwrap();
    let hidden = ingest(&acd, REC_HEADER, INC_HEADER, Some(&key));
    assert!(
        hidden
            .contacts
            .iter()
            .filter_map(|c| c.caller_key)
            .all(|k| k.starts_with("ps:"))
    );
    assert_eq!(
        hidden
            .contacts
            .iter()
            .filter(|c| c.caller_key.is_none())
            .count(),
        1
    );
}

#[test]
fn a_missing_column_names_the_file_and_the_column() {
    let profiles = Profiles::default();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key: None,
        csu: CsuTable::kent(),
    });
    let err = ingest
        .read(
            SourceKind::Acd,
            "call_id,line\nA1,999\n".as_bytes(),
            &mut |_| {},
        )
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("acd_calls.csv") && message.contains("no column `cli`"),
        "{message}"
    );
}

/// The exports of `recordings_and_incidents_link_to_one_contact`, with a conflicting
/// incident row and a caller number that is not a number.
fn exports_with_personal_data() -> (String, String, String) {
    let acd = format!(
        "{ACD_HEADER}\
A1,999,07700 900300,03/03/2025 09:00:00,03/03/2025 09:00:10,03/03/2025 09:05:00,EMERGENCY,Answered\n\
A2,999,07700900300,03/03/2025 09:00:02,03/03/2025 09:00:13,03/03/2025 09:04:00,EMERGENCY,Answered\n\
A3,101,Withheld,03/03/2025 10:00:00,03/03/2025 10:00:30,03/03/2025 10:03:00,NON-EMERGENCY,Answered\n\
A4,999,07700 9003,03/03/2025 11:00:00,,03/03/2025 11:00:05,EMERGENCY,Abandoned\n\
A5,999,07700 900125,03/03/2025 12:00:00\n"
    );
    let recordings = format!(
        "{REC_HEADER}\
R1,phone,inbound,+44 7700 900300,03/03/2025 09:00:12,03/03/2025 09:05:00\n\
R3,phone,inbound,07700 900300,03/03/2025 09:00:30,03/03/2025 09:05:00\n\
R4,phone,outbound,07700 900301,03/03/2025 09:30:00,03/03/2025 09:35:00\n"
    );
    let incidents = format!(
        "{INC_HEADER}\
I1,03/03/2025 09:03:00,07700 900300,Pat Example,\"12 High Street, Maidstone\",me14 1aa,Concern For Welfare,Concern For Welfare,2\n\
I3,03/03/2025 09:40:00,07700 900300,Pat Example,\"7 Mill Lane, Maidstone\",XX,Assault,Assault,1\n\
I3,03/03/2025 09:40:00,07700 900300,Pat Example,\"7 Mill Lane, Maidstone\",XX,Assault,Assault,2\n"
    );
    (acd, recordings, incidents)
}

#[test]
fn a_pseudonymised_ingest_keeps_no_personal_field_in_clear() {
    let (acd, recordings, incidents) = exports_with_personal_data();
    let key = PseudonymKey::new(b"0123456789abcdef0123").unwrap();
    let plain = ingest(&acd, &recordings, &incidents, None);
    let hidden = ingest(&acd, &recordings, &incidents, Some(&key));

    // The same figures either way.
    assert_eq!(plain.report, hidden.report);

    // The contact: address pseudonym (same key, address domain), postcode cut to the district
    // after the CSU was found with the whole postcode.
    let contact = |out: &Ingested, id: &str| {
        out.contacts
            .iter()
            .find(|c| c.contact_id == id)
            .unwrap()
            .to_contact()
    };
    let (clear, masked) = (contact(&plain, "A2"), contact(&hidden, "A2"));
    assert_eq!(clear.incident_id.as_deref(), Some("I1"));
    assert_eq!(
        clear.address_key.as_deref(),
        Some("12 HIGH STREET MAIDSTONE")
    );
    assert_eq!(clear.postcode.as_deref(), Some("ME14 1AA"));
    assert_eq!(
        masked.address_key,
        Some(key.pseudonymise_address("12 HIGH STREET MAIDSTONE").into())
    );
    assert!(masked.address_key.as_deref().unwrap().starts_with("pa:"));
    assert_eq!(masked.postcode.as_deref(), Some("ME14"));
    assert_eq!(masked.csu.as_deref(), Some("Maidstone CSU"));
    assert_eq!(
        masked.caller_key,
        Some(key.pseudonymise("+447700900300").into())
    );

    // Without a key the rejects are as read; with one, each personal field (and the unread
    // caller_name) is one `[withheld]` field, in its column.
    let rejects = |out: &Ingested| -> Vec<(&'static str, u64, String, String)> {
        out.rejects
            .iter()
            .map(|r| (r.source, r.line, r.raw.to_string(), r.reason.to_string()))
            .collect()
    };
    let not_a_number = engage_kernel::phone::classify_cli("07700 9003").unwrap_err();
    assert_eq!(
        rejects(&hidden),
        vec![
            (
                "acd",
                5,
                "A4,999,[withheld],03/03/2025 11:00:00,,03/03/2025 11:00:05,EMERGENCY,Abandoned"
                    .to_string(),
                format!("field `cli`: {}", not_a_number.problem()),
            ),
            (
                "acd",
                6,
                // Cut short by four fields: the number may have moved into any of the first
                // three places, so all three are withheld, as one marker.
                "[withheld],03/03/2025 12:00:00".to_string(),
                "the row has 4 fields but the header has 8; the row is cut short or has extra separators"
                    .to_string(),
            ),
            (
                "incidents",
                3,
                "I3,03/03/2025 09:40:00,[withheld],[withheld],[withheld],[withheld],Assault,Assault,1"
                    .to_string(),
                "unmatched: no ACD call from that number answered before the call time and ended within 10 minutes of it"
                    .to_string(),
            ),
            (
                "incidents",
                4,
                "I3,03/03/2025 09:40:00,[withheld],[withheld],[withheld],[withheld],Assault,Assault,2"
                    .to_string(),
                "conflicts with line 3: same id `I3\u{1f}03/03/2025 09:40:00\u{1f}[withheld]`, other values"
                    .to_string(),
            ),
            (
                "recordings",
                3,
                "R3,phone,inbound,[withheld],03/03/2025 09:00:30,03/03/2025 09:05:00".to_string(),
                "unmatched: no answered ACD call from that number within 5 s of the recording's start"
                    .to_string(),
            ),
            (
                "recordings",
                4,
                "R4,phone,outbound,[withheld],03/03/2025 09:30:00,03/03/2025 09:35:00".to_string(),
                "not a contact: a phone call, outbound, not an inbound phone call".to_string(),
            ),
        ]
    );
    // The archive owner's own snapshot shows the rows and the reasons as read.
    let plain_rejects = rejects(&plain);
    assert_eq!(
        plain_rejects[0].2,
        "A4,999,07700 9003,03/03/2025 11:00:00,,03/03/2025 11:00:05,EMERGENCY,Abandoned"
    );
    assert_eq!(plain_rejects[0].3, format!("field `cli`: {not_a_number}"));
    assert!(plain_rejects[0].3.contains("07700 9003"));
    assert_eq!(
        plain_rejects[2].2,
        "I3,03/03/2025 09:40:00,07700 900300,Pat Example,\"7 Mill Lane, Maidstone\",XX,Assault,Assault,1"
    );
    assert_eq!(
        plain_rejects[3].3,
        "conflicts with line 3: same id `I3\u{1f}03/03/2025 09:40:00\u{1f}07700 900300`, other values"
    );
}

mod withheld_rejects {
    use super::*;
    use proptest::prelude::*;

    /// The fields of a CSV line.
    fn fields(line: &str) -> Vec<String> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect()
    }

    /// An ACD row of the header's width: call id, a caller field that may be anything, a time
    /// that may be bad and an outcome that may be unknown.
    fn acd_row() -> impl Strategy<Value = Vec<String>> {
        (
            "[0-9 +()a-z/.-]{0,16}",
            prop_oneof![Just("01/03/2025 10:00:00"), Just("31/02/2025 10:00:00")],
            prop_oneof![Just("Answered"), Just("Abandoned"), Just("Maybe")],
        )
            .prop_map(|(cli, arrived, outcome)| {
                vec![
                    String::new(),
                    "999".into(),
                    cli,
                    arrived.into(),
                    String::new(),
                    "01/03/2025 10:00:30".into(),
                    "EMERGENCY".into(),
                    outcome.into(),
                ]
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// With a key, a reject's raw text is the row with its caller field (and only it)
        /// withheld, and its reason never quotes the caller field; without, the row is as
        /// read.
        #[test]
        fn the_caller_field_and_only_it_is_withheld(rows in proptest::collection::vec(acd_row(), 1..20)) {
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .enumerate()
                .map(|(i, mut row)| {
                    row[0] = format!("A{i:04}");
                    row
                })
                .collect();
            let mut text = ACD_HEADER.to_string();
            for row in &rows {
                let mut out = csv::Writer::from_writer(Vec::new());
                out.write_record(row).unwrap();
                text.push_str(&String::from_utf8(out.into_inner().unwrap()).unwrap());
            }
            let key = PseudonymKey::new(b"0123456789abcdef0123").unwrap();
            let plain = ingest(&text, REC_HEADER, INC_HEADER, None);
            let hidden = ingest(&text, REC_HEADER, INC_HEADER, Some(&key));
            prop_assert_eq!(&plain.report, &hidden.report);
            prop_assert_eq!(plain.rejects.len(), hidden.rejects.len());
            for (clear, masked) in plain.rejects.iter().zip(&hidden.rejects) {
                let row = &rows[(clear.line - 2) as usize];
                prop_assert_eq!(&fields(clear.raw), row);
                let mut expected = row.clone();
                expected[2] = "[withheld]".into();
                prop_assert_eq!(fields(masked.raw), expected);
                let cli = row[2].trim();
                let quotes_cli = cli.len() >= 3 && clear.reason.contains(cli);
                if cli.len() >= 3 {
                    prop_assert!(!masked.reason.contains(cli), "{:?}", masked);
                }
                // Reasons about other fields are as without a key (unless they happen to hold
                // the caller field's text, which is withheld there too).
                if !clear.reason.starts_with("field `cli`") && !quotes_cli {
                    prop_assert_eq!(&masked.reason, &clear.reason);
                }
            }
            for c in &hidden.contacts {
                prop_assert!(
                    c.caller_key.is_none_or(engage_kernel::pseudonym::is_pseudonym)
                );
            }
        }
    }
}

#[test]
fn the_reasons_built_from_the_rules_constants_read_as_written() {
    let acd = format!(
        "{ACD_HEADER}A1,999,07700 900123,01/03/2025 10:00:00,01/03/2025 10:00:05,01/03/2025 10:02:05,EMERGENCY,Answered\n"
    );
    let incidents = format!(
        "{INC_HEADER}\
I1,01/03/2025 12:00:00,,,1 High St,ME14 1XX,Assault,Assault,1\n\
I2,01/03/2025 10:01:00,07700 900123,,1 High St,ME14 1XX,Assault,Assault,10\n"
    );
    let out = ingest(&acd, REC_HEADER, &incidents, None);
    let reasons: Vec<(u64, &str)> = out.rejects.iter().map(|r| (r.line, r.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (
                2,
                "unmatched: the incident call has no caller number, and no keyless ACD call was in progress at its call time"
            ),
            (
                3,
                "field `grade`: `10` is not a response grade; expected a number from 1 to 9"
            ),
        ]
    );
}
