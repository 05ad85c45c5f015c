//! The referrals export (`referrals.csv`) in, referrals and rejects out: every reject reason
//! with its line, the duplicate, both clock changes, pseudonyms given and made, the note never
//! kept, a source profile, and an archive without referrals.

use engage_ingest::{
    Ingest, IngestOptions, Ingested, Profiles, REFERRALS_HEADER, Referral, SourceKind,
};
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::PseudonymKey;

const ACD_HEADER: &str = "call_id,line,cli,arrived,answered,ended,queue,outcome\n";

/// A pseudonym as a partner or an earlier pseudonymised export would give it.
const GIVEN_PSEUDONYM: &str = "ps:0123456789abcdef0123456789abcdef";

/// Every note holds `zz`, which appears nowhere else, so a leak is easy to see.
fn referrals_csv() -> String {
    format!(
        "{REFERRALS_HEADER}\n\
C0000001,07700 900500,01/03/2025 10:00:00,reviewed,vulnerable_caller,,,,,,\"zz distressed, lives alone\"\n\
C0000001,+44 7700 900500,03/03/2025 09:30:00,referred,Vulnerable_Caller,maidstone csu,,,,,zz referred\n\
C0000001,07700 900500,10/03/2025 14:00:00,plan_agreed,vulnerable_caller,Maidstone CSU,response plan,10/04/2025,,,zz plan\n\
C0000001,07700 900500,10/03/2025 14:00:00,plan_agreed,vulnerable_caller,Maidstone CSU,response plan,10/04/2025,,,zz plan\n\
\n\
C0000002,{GIVEN_PSEUDONYM},26/10/2025 01:30:00,reviewed,nuisance,,,,,,zz pseudonym\n\
C0000002,{GIVEN_PSEUDONYM},26/10/2025 01:10:00,closed,nuisance,,,,,not a repeat caller,zz closing\n\
C0000003,01632 960001,30/03/2025 01:30:00,reviewed,,,,,,,zz spring\n\
,07700 900501,01/03/2025 10:00:00,reviewed,,,,,,,zz no case\n\
C0000004,,01/03/2025 10:00:00,reviewed,,,,,,,zz no caller\n\
C0000004,Withheld,01/03/2025 10:00:00,reviewed,,,,,,,zz withheld\n\
C0000004,n/k 0770,01/03/2025 10:00:00,reviewed,,,,,,,zz not a number\n\
C0000005,07700 900502,32/01/2025 10:00:00,reviewed,,,,,,,zz bad time\n\
C0000005,07700 900502,01/02/2025 10:00:00,escalated,,,,,,,zz bad decision\n\
C0000006,07700 900503,01/02/2025 10:00:00,reviewed,dangerous,,,,,,zz bad assessment\n\
C0000006,07700 900503,01/02/2025 11:00:00,referred,,Atlantis CSU,,,,,zz bad csu\n\
C0000007,07700 900504,01/02/2025 10:00:00,plan_agreed,,,response plan,31/02/2025,,,zz bad review date\n\
C0000007,07700 900504,01/02/2025 10:00:00,marker_set,,,,,2025-03-18,,zz bad marker date\n\
C0000001,07700 900500,28/02/2025 09:00:00,review,,,,,,,zz before opened\n\
C0000001,07700 900599,11/03/2025 10:00:00,review,,,,,,,zz other caller\n\
C0000008,07700 900505,01/02/2025 10:00:00,review\n\
C0000009,07700 900900,05/03/2025 12:00:00,reviewed,repeat_victim,,,,,,zz never called\n\
C0000001,07700 900500,24/04/2025 10:00:00,marker_set,vulnerable_caller,Maidstone CSU,response plan,10/04/2025,08/06/2025,,zz marker\n\
C0000001,07700 900500,09/06/2025 10:00:00,closed,vulnerable_caller,,,,,no longer coming to notice,\"zz with, comma and \"\"quotes\"\"\"\n\
C0000010,07700 900506,01/02/2025 10:00:00,reviewed,,,,,,,zz extra, zz unquoted, zz commas\n\
C0000009,07700 900900,05/03/2025 12:00:00,closed,not_a_repeat_caller,,,,,not a repeat caller,zz same time\n"
    )
}

/// One ACD call from 07700 900500, the caller of case C0000001.
fn acd_csv() -> String {
    format!(
        "{ACD_HEADER}\
A1,999,07700 900500,01/03/2025 09:00:00,,01/03/2025 09:00:05,EMERGENCY,Abandoned\n"
    )
}

fn ingest(profiles: &Profiles, referrals: Option<&str>, key: Option<&PseudonymKey>) -> Ingested {
    let mut ingest = Ingest::new(IngestOptions {
        profiles,
        key,
        csu: CsuTable::kent(),
    });
    ingest
        .read(SourceKind::Acd, acd_csv().as_bytes(), &mut |_| {})
        .unwrap();
    for kind in [SourceKind::Recordings, SourceKind::Incidents] {
        let header = profiles
            .get(kind)
            .columns
            .keys()
            .cloned()
            .collect::<Vec<_>>();
        ingest
            .read(
                kind,
                format!("{}\n", header.join(",")).as_bytes(),
                &mut |_| {},
            )
            .unwrap();
    }
    ingest.absent(SourceKind::Partners);
    match referrals {
        Some(text) => ingest
            .read(SourceKind::Referrals, text.as_bytes(), &mut |_| {})
            .unwrap(),
        None => ingest.absent(SourceKind::Referrals),
    }
    let out = ingest.finish();
    assert!(out.report.balances(), "{:?}", out.report);
    out
}

fn utc(text: &str) -> i64 {
    text.parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .timestamp_micros()
}

/// Days since 1970-01-01, counted by chrono from the calendar date.
fn day(text: &str) -> i32 {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

#[test]
fn every_row_is_published_dropped_or_rejected_with_its_reason() {
    let out = ingest(&Profiles::default(), Some(&referrals_csv()), None);
    let c = &out.report.sources["referrals"];
    assert_eq!(c.file, "referrals.csv");
    // 25 rows (the blank line is not one): 9 published, 1 duplicate, 15 rejected.
    assert_eq!(
        (c.read, c.published, c.merged, c.duplicates, c.rejected),
        (25, 9, 0, 1, 15)
    );
    // The two autumn-hour times; the spring-gap time is a reject, not a count.
    assert_eq!(c.ambiguous_times, 2);

    let rejects: Vec<(u64, &str)> = out
        .rejects
        .iter()
        .filter(|r| r.source == "referrals")
        .map(|r| (r.line, r.reason))
        .collect();
    let expected: [(u64, &str); 15] = [
        (
            9,
            "field `decided_at`: `30/03/2025 01:30:00` does not exist in Europe/London",
        ),
        (10, "field `case_id`: is empty"),
        (11, "field `caller`: is empty"),
        (
            12,
            "field `caller`: is withheld, not a number or a pseudonym",
        ),
        (13, "field `caller`: \"n/k 0770\" is not a phone number"),
        (
            14,
            "field `decided_at`: `32/01/2025 10:00:00` is not a time in the form",
        ),
        (15, "field `decision`: `escalated` is not a decision"),
        (16, "field `assessment`: `dangerous` is not an assessment"),
        (
            17,
            "field `csu`: `Atlantis CSU` is not a community safety unit",
        ),
        (
            18,
            "field `review_due`: `31/02/2025` is not a date in the form %d/%m/%Y",
        ),
        (19, "field `marker_expires`: `2025-03-18` is not a date"),
        (
            20,
            "field `decided_at`: dated before case `C0000001` opened (on line 2)",
        ),
        (
            21,
            "field `caller`: not the caller of case `C0000001` (opened on line 2)",
        ),
        (22, "the row has 4 fields but the header has 11"),
        (26, "the row has 13 fields but the header has 11"),
    ];
    assert_eq!(rejects.len(), expected.len(), "{rejects:?}");
    for ((line, reason), (want_line, want)) in rejects.iter().zip(expected) {
        assert_eq!(*line, want_line, "{reason}");
        assert!(reason.starts_with(want), "line {line}: {reason}");
    }
    assert!(
        out.rejects
            .iter()
            .filter(|r| r.source == "referrals")
            .all(|r| r.file == "referrals.csv")
    );
}

#[test]
fn the_published_decisions_in_case_then_time_then_line_order() {
    let out = ingest(&Profiles::default(), Some(&referrals_csv()), None);
    let referrals = out.referrals.as_deref().unwrap();
    let summary: Vec<(&str, &str, i64, &str)> = referrals
        .iter()
        .map(|r| {
            (
                r.case_id.as_str(),
                r.caller_key.as_str(),
                r.decided_at,
                r.decision,
            )
        })
        .collect();
    let number = "+447700900500";
    assert_eq!(
        summary,
        vec![
            ("C0000001", number, utc("2025-03-01T10:00:00Z"), "reviewed"),
            ("C0000001", number, utc("2025-03-03T09:30:00Z"), "referred"),
            (
                "C0000001",
                number,
                utc("2025-03-10T14:00:00Z"),
                "plan_agreed"
            ),
            // Summer time: 10:00 in London is 09:00 UTC.
            (
                "C0000001",
                number,
                utc("2025-04-24T09:00:00Z"),
                "marker_set"
            ),
            ("C0000001", number, utc("2025-06-09T09:00:00Z"), "closed"),
            // 26 Oct 2025 01:30 happens twice: the earlier instant (BST) opens the case.
            (
                "C0000002",
                GIVEN_PSEUDONYM,
                utc("2025-10-26T00:30:00Z"),
                "reviewed"
            ),
            // 01:10's earlier instant (00:10 UTC) would come before the case's last decision
            // (00:30 UTC), so the entered order says it is the later one (GMT).
            (
                "C0000002",
                GIVEN_PSEUDONYM,
                utc("2025-10-26T01:10:00Z"),
                "closed"
            ),
            // A caller never seen in contacts is still published; two decisions at the same
            // time keep their input order.
            (
                "C0000009",
                "+447700900900",
                utc("2025-03-05T12:00:00Z"),
                "reviewed"
            ),
            (
                "C0000009",
                "+447700900900",
                utc("2025-03-05T12:00:00Z"),
                "closed"
            ),
        ]
    );
    // The optional fields, as given; CSU and assessment spelt as the table and the format do.
    assert_eq!(
        referrals[1],
        Referral {
            case_id: "C0000001".into(),
            caller_key: number.into(),
            decided_at: utc("2025-03-03T09:30:00Z"),
            decision: "referred",
            assessment: Some("vulnerable_caller"),
            csu: Some("Maidstone CSU".into()),
            ..Referral::default()
        }
    );
    assert_eq!(referrals[2].plan.as_deref(), Some("response plan"));
    assert_eq!(referrals[2].review_due, Some(day("2025-04-10")));
    assert_eq!(referrals[3].marker_expires, Some(day("2025-06-08")));
    assert_eq!(
        referrals[4].close_reason.as_deref(),
        Some("no longer coming to notice")
    );
    assert_eq!(referrals[4].assessment, Some("vulnerable_caller"));
    assert_eq!(
        (referrals[4].csu.as_ref(), referrals[4].plan.as_ref()),
        (None, None)
    );
    // The contacts are as they would be without referrals.
    assert_eq!(out.report.contacts, 1);
    assert_eq!(out.contacts.get(0).caller_key, Some(number));
}

#[test]
fn the_note_is_never_kept() {
    let out = ingest(&Profiles::default(), Some(&referrals_csv()), None);
    let published = format!("{:?}", out.referrals);
    let rejected = format!("{:?}", out.rejects);
    assert!(!published.contains("zz"), "{published}");
    assert!(!rejected.contains("zz"), "{rejected}");
    let raw = |line: u64| {
        out.rejects
            .iter()
            .find(|r| r.source == "referrals" && r.line == line)
            .map(|r| r.raw)
            .unwrap()
    };
    assert_eq!(
        raw(15),
        "C0000005,07700 900502,01/02/2025 10:00:00,escalated,,,,,,,[note withheld]"
    );
    // Too many fields: the note spilled over the extra separators, all of it withheld.
    assert_eq!(
        raw(26),
        "C0000010,07700 900506,01/02/2025 10:00:00,reviewed,,,,,,,[note withheld]"
    );
    // Seven fields missing: the note could have moved up to seven places left, so the one
    // field in reach is withheld too.
    assert_eq!(
        raw(22),
        "C0000008,07700 900505,01/02/2025 10:00:00,[note withheld]"
    );
}

#[test]
fn pseudonymised_referrals_join_the_contacts_of_the_same_number() {
    let key = PseudonymKey::new(b"0123456789abcdef0123").unwrap();
    let out = ingest(&Profiles::default(), Some(&referrals_csv()), Some(&key));
    let referrals = out.referrals.as_deref().unwrap();
    let contact_key = out.contacts.get(0).caller_key.unwrap();
    assert_eq!(contact_key, key.pseudonymise("+447700900500"));
    assert!(
        referrals
            .iter()
            .filter(|r| r.case_id == "C0000001")
            .all(|r| r.caller_key == contact_key)
    );
    // A pseudonym given in the export is kept as it is; other numbers are pseudonymised too.
    assert!(
        referrals
            .iter()
            .filter(|r| r.case_id == "C0000002")
            .all(|r| r.caller_key == GIVEN_PSEUDONYM)
    );
    assert!(
        referrals
            .iter()
            .filter(|r| r.case_id == "C0000009")
            .all(|r| r.caller_key == key.pseudonymise("+447700900900"))
    );
    // The same rows are accepted: the case rules compare callers after pseudonymising.
    let c = &out.report.sources["referrals"];
    assert_eq!((c.published, c.duplicates, c.rejected), (9, 1, 15));
}

#[test]
fn an_archive_without_referrals_says_so() {
    let profiles = Profiles::default();
    let out = ingest(&profiles, None, None);
    assert!(out.referrals.is_none());
    let c = &out.report.sources["referrals"];
    assert_eq!(c.file, "referrals.csv (absent)");
    assert_eq!((c.read, c.published, c.rejected), (0, 0, 0));

    // A caller that never mentions referrals (as older callers of the library do) gets the
    // same report.
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key: None,
        csu: CsuTable::kent(),
    });
    ingest
        .read(SourceKind::Acd, acd_csv().as_bytes(), &mut |_| {})
        .unwrap();
    let quiet = ingest.finish();
    assert!(quiet.referrals.is_none());
    assert_eq!(
        quiet.report.sources["referrals"].file,
        "referrals.csv (absent)"
    );
}

#[test]
fn a_profile_describes_another_export() {
    let profiles = Profiles::from_toml(
        r#"
        [referrals]
        file = "CaseDecisions.csv"
        delimiter = ";"
        time_format = "%Y-%m-%d %H:%M"
        date_format = "%Y-%m-%d"
        columns = { case_id = "CaseRef", caller = "Tel", decided_at = "Recorded", note = "Comments" }
        "#,
    )
    .unwrap();
    assert!(profiles.get(SourceKind::Referrals).optional);
    let text = "CaseRef;Tel;Recorded;decision;assessment;csu;plan;review_due;marker_expires;close_reason;Comments;Officer\n\
C1;07700 900500;2025-03-01 10:00;reviewed;nuisance;;;2025-03-15;;;zz note;zz officer\n\
C2;07700 900501;2025-03-01 10:00;maybe;;;;;;;zz note;zz officer\n";
    let out = ingest(&profiles, Some(text), None);
    let referrals = out.referrals.unwrap();
    assert_eq!(referrals.len(), 1);
    assert_eq!(referrals[0].decided_at, utc("2025-03-01T10:00:00Z"));
    assert_eq!(referrals[0].review_due, Some(day("2025-03-15")));
    let reject = out
        .rejects
        .iter()
        .find(|r| r.source == "referrals")
        .unwrap();
    assert_eq!(reject.file, "CaseDecisions.csv");
    assert_eq!(reject.line, 3);
    // The note and the column Engage does not read are both withheld.
    assert_eq!(
        reject.raw,
        "C2;07700 900501;2025-03-01 10:00;maybe;;;;;;;[note withheld];[withheld]"
    );
    assert!(reject.reason.starts_with("field `decision`: `maybe`"));
}

#[test]
fn profile_mistakes_about_referrals_are_named() {
    let err = Profiles::from_toml("[acd]\ndate_format = \"%Y\"").unwrap_err();
    assert!(err.to_string().contains("only [referrals]"), "{err}");
    let err = Profiles::from_toml("[referrals]\noutcomes = { A = \"answered\" }").unwrap_err();
    assert!(err.to_string().contains("no outcome words"), "{err}");
    let err = Profiles::from_toml("[referrals]\ncolumns = { notes = \"N\" }").unwrap_err();
    assert!(
        err.to_string()
            .contains("expected one of case_id, caller, decided_at"),
        "{err}"
    );
}

#[test]
fn a_missing_column_names_the_referrals_file() {
    let profiles = Profiles::default();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key: None,
        csu: CsuTable::kent(),
    });
    let err = ingest
        .read(
            SourceKind::Referrals,
            "case_id,caller,decided_at\nC1,07700 900500,01/03/2025 10:00:00\n".as_bytes(),
            &mut |_| {},
        )
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("referrals.csv") && message.contains("no column `decision`"),
        "{message}"
    );
}

#[test]
fn the_note_is_withheld_however_the_row_is_cut_split_or_short_of_fields() {
    // A good row whose decision is unknown, so it is rejected whatever its width.
    let fields = [
        "C0000001",
        "07700 900500",
        "01/03/2025 10:00:00",
        "escalated",
        "nuisance",
        "Maidstone CSU",
        "response plan",
        "10/04/2025",
        "08/06/2025",
        "moved away",
    ];
    let mut rows: Vec<String> = Vec::new();
    // The note with unquoted commas: 1 to 4 pieces.
    for pieces in 1..=4 {
        let note: Vec<String> = (0..pieces).map(|i| format!("zz piece {i}")).collect();
        rows.push(format!("{},{}", fields.join(","), note.join(",")));
    }
    // Cut short after 1 to 10 fields, and cut inside the note.
    for kept in 1..=10 {
        rows.push(fields[..kept].join(","));
    }
    rows.push(format!("{},zz cut", fields.join(",")));
    // 1 to 9 fields lost before the note (the note moves left by as many places).
    for lost in 1..=9 {
        for at in 0..=(10 - lost) {
            let mut kept: Vec<&str> = fields.to_vec();
            kept.drain(at..at + lost);
            rows.push(format!("{},zz lost {lost} at {at}", kept.join(",")));
        }
    }
    let text = format!("{REFERRALS_HEADER}\n{}\n", rows.join("\n"));
    let out = ingest(&Profiles::default(), Some(&text), None);
    let c = &out.report.sources["referrals"];
    assert_eq!((c.read, c.rejected), (rows.len() as u64, rows.len() as u64));
    for reject in out.rejects.iter().filter(|r| r.source == "referrals") {
        assert!(
            !reject.raw.contains("zz") && !reject.reason.contains("zz"),
            "line {}: {} ({})",
            reject.line,
            reject.raw,
            reject.reason
        );
    }
}

#[test]
fn a_pseudonymised_ingest_withholds_the_caller_from_rejects() {
    let key = PseudonymKey::new(b"0123456789abcdef0123").unwrap();
    let plain = ingest(&Profiles::default(), Some(&referrals_csv()), None);
    let hidden = ingest(&Profiles::default(), Some(&referrals_csv()), Some(&key));
    assert_eq!(plain.report, hidden.report);
    let reject = |out: &Ingested, line: u64| {
        out.rejects
            .iter()
            .find(|r| r.source == "referrals" && r.line == line)
            .unwrap()
            .to_reject()
    };
    // `n/k 0770`: not a number; the reason says so without quoting it.
    let clear = reject(&plain, 13);
    assert_eq!(
        clear.raw,
        "C0000004,n/k 0770,01/03/2025 10:00:00,reviewed,,,,,,,[note withheld]"
    );
    assert!(clear.reason.contains("\"n/k 0770\""), "{}", clear.reason);
    let masked = reject(&hidden, 13);
    assert_eq!(
        masked.raw,
        "C0000004,[withheld],01/03/2025 10:00:00,reviewed,,,,,,,[note withheld]"
    );
    assert_eq!(
        masked.reason,
        format!(
            "field `caller`: {}",
            engage_kernel::phone::classify_cli("n/k 0770")
                .unwrap_err()
                .problem()
        )
    );
    // A bad decision: the reason still quotes the (non-personal) word.
    let masked = reject(&hidden, 15);
    assert_eq!(
        masked.raw,
        "C0000005,[withheld],01/02/2025 10:00:00,escalated,,,,,,,[note withheld]"
    );
    assert_eq!(masked.reason, reject(&plain, 15).reason);
    assert!(masked.reason.starts_with("field `decision`: `escalated`"));
    for r in hidden.rejects.iter().filter(|r| r.source == "referrals") {
        assert!(
            !r.raw.contains("07700") && !r.reason.contains("07700"),
            "{r:?}"
        );
        assert!(!r.raw.contains("zz") && !r.reason.contains("zz"), "{r:?}");
    }
}
