//! A pseudonymised publish end to end, as a force would run it: `engage generate`, `engage
//! publish --pseudonymise-key-file`, `engage sql`, both packs, and an error. No caller number,
//! name, street address, full postcode or free-text note of the exports appears in any row of
//! the snapshot's tables, any pack, the manifest, or any output or error message; the key
//! appears nowhere; and publish refuses a key file others may read.

use std::path::Path;

use engage_tests::{engage, engage_ok, scratch};

mod common;
use common::generate;

/// What identifies a person in the exports: every value of their personal columns (numbers
/// also in E.164 form), lower-cased.
fn personal_values(raw: &Path) -> Vec<String> {
    let columns: [(&str, &[&str]); 5] = [
        ("acd_calls.csv", &["cli"]),
        ("recordings.csv", &["remote_number"]),
        (
            "incident_calls.csv",
            &["caller_phone", "caller_name", "location", "postcode"],
        ),
        ("partner_contacts.csv", &["caller_key"]),
        ("referrals.csv", &["caller", "note"]),
    ];
    let mut values = std::collections::BTreeSet::new();
    for (file, wanted) in columns {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(raw.join(file))
            .unwrap();
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let positions: Vec<usize> = wanted
            .iter()
            .map(|w| header.iter().position(|h| h == w).unwrap())
            .collect();
        for record in reader.records().filter_map(Result::ok) {
            for &p in &positions {
                let Some(value) = record.get(p).map(str::trim) else {
                    continue;
                };
                let digits: String = value.chars().filter(char::is_ascii_digit).collect();
                let number_column = [
                    "cli",
                    "remote_number",
                    "caller_phone",
                    "caller_key",
                    "caller",
                ]
                .contains(&header[p].as_str());
                // Partners send pseudonyms already, and a number column may say `withheld`:
                // those may be published.
                if value.len() < 6
                    || value.starts_with("ps:")
                    || (number_column && digits.len() < 7)
                {
                    continue;
                }
                values.insert(value.to_lowercase());
                if digits.len() >= 10
                    && value
                        .chars()
                        .all(|c| c.is_ascii_digit() || " +()-".contains(c))
                {
                    let national = digits.strip_prefix("44").unwrap_or(&digits);
                    let national = national.strip_prefix('0').unwrap_or(national);
                    values.insert(format!("+44{national}"));
                    values.insert(format!("0{national}"));
                }
            }
        }
    }
    values.into_iter().collect()
}

#[test]
fn a_pseudonymised_snapshot_and_its_products_hold_no_direct_identifier() {
    let dir = scratch("privacy");
    let raw = dir.join("raw");
    generate(&raw, "13", "5000");
    let key_file = raw.join("partner_key.txt");
    let key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    let snapshots = dir.join("snapshots");
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();

    // A key file others may read is refused, saying how to fix it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = engage(&[
            "publish",
            "--raw",
            raw.to_str().unwrap(),
            "--out",
            &out("refused"),
            "--pseudonymise-key-file",
            key_file.to_str().unwrap(),
        ]);
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success());
        assert!(message.contains("chmod 600"), "{message}");
        assert!(!message.contains(&key), "the refusal quotes the key");
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    let mut said = String::new();
    let mut run = |args: &[&str], ok: bool| {
        let output = engage(args);
        assert_eq!(output.status.success(), ok, "engage {args:?}: {output:?}");
        said.push_str(&String::from_utf8_lossy(&output.stdout));
        said.push_str(&String::from_utf8_lossy(&output.stderr));
    };
    run(
        &[
            "publish",
            "--raw",
            raw.to_str().unwrap(),
            "--out",
            snapshots.to_str().unwrap(),
            "--pseudonymise-key-file",
            key_file.to_str().unwrap(),
        ],
        true,
    );
    let data = snapshots.to_str().unwrap();
    run(
        &[
            "sql",
            "--data",
            data,
            "--format",
            "csv",
            "-c",
            "SELECT * FROM contacts; SELECT * FROM rejects; SELECT * FROM referrals",
        ],
        true,
    );
    run(
        &[
            "sql",
            "--data",
            data,
            "--format",
            "json",
            "-c",
            "SELECT * FROM repeat_callers; SELECT * FROM episodes; SELECT * FROM caseload; \
             SELECT * FROM multi_agency; SELECT * FROM morning_list",
        ],
        true,
    );
    run(
        &[
            "sql",
            "--data",
            data,
            "-c",
            "SELECT * FROM contacts WHERE caller_key = (SELECT caller_key FROM contacts LIMIT 1) + 1",
        ],
        false,
    );
    run(
        &[
            "pack",
            "morning",
            "--data",
            data,
            "--out",
            &out("morning.html"),
        ],
        true,
    );
    run(
        &[
            "pack",
            "monthly",
            "--data",
            data,
            "--month",
            "2025-10",
            "--bootstrap",
            "50",
            "--out",
            &out("monthly.html"),
        ],
        true,
    );
    let mut manifests = String::new();
    for entry in std::fs::read_dir(&snapshots).unwrap() {
        let path = entry.unwrap().path().join("manifest.json");
        manifests.push_str(&std::fs::read_to_string(path).unwrap());
    }
    let published = [
        ("the commands' output and errors", said),
        ("the manifest", manifests),
        (
            "the morning pack",
            std::fs::read_to_string(out("morning.html")).unwrap(),
        ),
        (
            "the monthly pack",
            std::fs::read_to_string(out("monthly.html")).unwrap(),
        ),
    ];

    let personal = personal_values(&raw);
    assert!(personal.len() > 1000, "{} personal values", personal.len());
    for (what, text) in &published {
        let text = text.to_lowercase();
        assert!(text.len() > 1000, "{what} is nearly empty");
        assert!(
            !text.contains(&key.to_lowercase()),
            "the key appears in {what}"
        );
        let found: Vec<&String> = personal
            .iter()
            .filter(|p| text.contains(p.as_str()))
            .collect();
        assert!(
            found.is_empty(),
            "{what} holds {} personal values, such as {:?}",
            found.len(),
            &found[..found.len().min(5)]
        );
    }

    // The same search finds them in a snapshot published without a key (it can fail).
    let clear = dir.join("clear");
    engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        clear.to_str().unwrap(),
    ]);
    let rows = engage_ok(&[
        "sql",
        "--data",
        clear.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        "SELECT * FROM contacts; SELECT * FROM rejects",
    ])
    .to_lowercase();
    let found = personal
        .iter()
        .filter(|p| rows.contains(p.as_str()))
        .count();
    assert!(
        found > 1000,
        "only {found} personal values found in a snapshot without a key"
    );
}
