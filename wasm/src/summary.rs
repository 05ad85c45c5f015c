//! Caller and episode rows for the page, derived from the kernel's one description of those
//! columns ([`engage_kernel::summary`]): the same names, types and values as the SQL views
//! `repeat_callers` and `episodes`. The TypeScript declaration of those rows
//! (`summary.d.ts`) is generated from the same description by the tests here, which fail
//! when the committed file is stale.

use engage_kernel::summary::{
    CallerColumn, CallerSummary, ContactsNotRead, EpisodeColumn, EpisodeSummary, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::keys::KeyColumn;

/// A column of the kernel's caller or episode description, as a row needs it.
trait SummaryColumn: Copy + PartialEq + 'static {
    /// The column holding the key, named by the key column the rules count by.
    const KEY: Self;
    fn name(self) -> &'static str;
}

impl SummaryColumn for CallerColumn {
    const KEY: Self = CallerColumn::CallerKey;
    fn name(self) -> &'static str {
        CallerColumn::name(self)
    }
}

impl SummaryColumn for EpisodeColumn {
    const KEY: Self = EpisodeColumn::CallerKey;
    fn name(self) -> &'static str {
        EpisodeColumn::name(self)
    }
}

/// One row: every column's value, in the description's order.
struct Row<C: 'static> {
    key_column: KeyColumn,
    columns: &'static [C],
    values: Vec<Value>,
}

impl<C: SummaryColumn> Serialize for Row<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut row = serializer.serialize_struct("Row", self.values.len())?;
        for (&column, value) in self.columns.iter().zip(&self.values) {
            let name = if column == C::KEY {
                self.key_column.as_str()
            } else {
                column.name()
            };
            row.serialize_field(name, &ValueOut(value))?;
        }
        row.end()
    }
}

/// A kernel value as JS sees it: text or null, a number, a time in UTC microseconds or
/// null, an array of numbers.
struct ValueOut<'a>(&'a Value);

impl Serialize for ValueOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Text(text) => text.serialize(serializer),
            Value::Int(n) => n.serialize(serializer),
            Value::Float(x) => x.serialize(serializer),
            Value::Time(t) => t.serialize(serializer),
            Value::IntList(list) => list.serialize(serializer),
        }
    }
}

/// One flagged key as a row of `repeat_callers` (TypeScript `CallerSummary`).
pub(crate) struct CallerRow(Row<CallerColumn>);

impl CallerRow {
    /// Every [`CallerColumn`] of `caller`; its contacts must have been read.
    pub fn new(
        key_column: KeyColumn,
        caller: &CallerSummary<'_>,
    ) -> Result<CallerRow, ContactsNotRead> {
        let values = CallerColumn::ALL
            .iter()
            .map(|&c| caller.value(c))
            .collect::<Result<_, _>>()?;
        Ok(CallerRow(Row {
            key_column,
            columns: CallerColumn::ALL,
            values,
        }))
    }
}

impl Serialize for CallerRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// One episode as a row of `episodes` (TypeScript `EpisodeSummary`).
pub(crate) struct EpisodeRow(Row<EpisodeColumn>);

impl EpisodeRow {
    /// Every [`EpisodeColumn`] of `episode`; its contacts must have been read.
    pub fn new(
        key_column: KeyColumn,
        episode: &EpisodeSummary<'_>,
    ) -> Result<EpisodeRow, ContactsNotRead> {
        let values = EpisodeColumn::ALL
            .iter()
            .map(|&c| episode.value(c))
            .collect::<Result<_, _>>()?;
        Ok(EpisodeRow(Row {
            key_column,
            columns: EpisodeColumn::ALL,
            values,
        }))
    }
}

impl Serialize for EpisodeRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// The TypeScript of the rows, generated from the kernel's description. It lives in the tests:
/// they write `summary.d.ts` (`ENGAGE_WRITE_TS=1`) and fail when the committed file differs,
/// natively (they read and write a file).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod typescript {
    use engage_kernel::summary::{CallerColumn, ColumnType, EpisodeColumn};

    /// A column as its declaration needs it: (name, type, meaning, holds the key).
    type Declared = (&'static str, ColumnType, &'static str, bool);

    pub fn typescript_type(t: ColumnType) -> &'static str {
        match t {
            ColumnType::Text => "string | null",
            ColumnType::Int | ColumnType::Float => "number",
            ColumnType::Time => "number | null",
            ColumnType::IntList => "number[]",
        }
    }

    fn row(out: &mut String, name: &str, doc: &str, columns: impl Iterator<Item = Declared>) {
        out.push_str(&format!(
            "/**\n * {doc}\n * The key column is named by the key column the rules count by: `caller_key` or\n * `address_key`. Times are UTC microseconds.\n */\n"
        ));
        out.push_str(&format!(
            "export type {name}<K extends KeyColumn = KeyColumn> = {{ [P in K]: string }} & {{\n"
        ));
        for (column, t, meaning, _) in columns.filter(|c| !c.3) {
            out.push_str(&format!(
                "  /** {meaning} */\n  {column}: {};\n",
                typescript_type(t)
            ));
        }
        out.push_str("};\n");
    }

    /// The declaration of `CallerSummary` and `EpisodeSummary`.
    pub fn declaration() -> String {
        let mut out = String::from(
            "// Generated from engage_kernel::summary by wasm/src/summary.rs: do not edit.\n\
             // `ENGAGE_WRITE_TS=1 cargo test -p engage-wasm --lib` rewrites it.\n\n",
        );
        row(
            &mut out,
            "CallerSummary",
            "One flagged key: a row of `repeat_callers` (`engage_repeat_callers`), column for column.",
            CallerColumn::ALL.iter().map(|&c| {
                (
                    c.name(),
                    c.column_type(),
                    c.meaning(),
                    c == CallerColumn::CallerKey,
                )
            }),
        );
        out.push('\n');
        row(
            &mut out,
            "EpisodeSummary",
            "One episode: a row of `episodes` (`engage_episodes`), column for column.",
            EpisodeColumn::ALL.iter().map(|&c| {
                (
                    c.name(),
                    c.column_type(),
                    c.meaning(),
                    c == EpisodeColumn::CallerKey,
                )
            }),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_kernel::Episode;
    use engage_kernel::PerRule;
    use engage_kernel::profile::ContactFacts;
    use engage_kernel::summary::ContactSummary;
    use engage_kernel::triage::TriageTable;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[cfg(not(target_arch = "wasm32"))]
    const COMMITTED: &str = include_str!("summary.d.ts");

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn the_committed_declaration_is_generated_from_the_kernel() {
        let generated = typescript::declaration();
        if std::env::var_os("ENGAGE_WRITE_TS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/summary.d.ts");
            std::fs::write(path, &generated).unwrap();
            return;
        }
        assert!(
            COMMITTED == generated,
            "wasm/src/summary.d.ts is stale: run `ENGAGE_WRITE_TS=1 cargo test -p engage-wasm --lib`"
        );
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn every_column_is_declared_once_under_its_name() {
        for &c in CallerColumn::ALL
            .iter()
            .filter(|&&c| c != CallerColumn::KEY)
        {
            let field = format!(
                "  {}: {};",
                c.name(),
                typescript::typescript_type(c.column_type())
            );
            assert!(COMMITTED.contains(&field), "{field}");
        }
        assert!(COMMITTED.contains("  peak_counts: number[];"));
        assert!(COMMITTED.contains("  csu: string | null;"));
    }

    /// 2025-03-03T00:00:00Z (GMT: UK local time is UTC) plus `hours`, in microseconds.
    fn march_3rd_plus(hours: f64) -> i64 {
        (1_740_960_000.0 + hours * 3600.0) as i64 * 1_000_000
    }

    #[test]
    fn rows_carry_every_column_under_its_name_with_the_key_column_renamed() {
        let table = TriageTable::default_table();
        let mut contacts = ContactSummary::default();
        for (hours, line) in [(23.5, "999"), (34.0, "101")] {
            let facts = ContactFacts {
                received_at: march_3rd_plus(hours),
                line,
                agency: "police",
                category: Some("Theft"),
            };
            contacts.add(table, facts, Some("Swale CSU"));
        }
        let mut peak_counts = PerRule::zeros(1);
        peak_counts.as_mut_slice()[0] = 2;
        let episodes = [Episode {
            key: 0u32,
            start: march_3rd_plus(23.5),
            end: march_3rd_plus(34.0),
            first_flagged_at: march_3rd_plus(34.0),
            contacts: 2,
            peak_counts,
        }];
        let caller = CallerSummary {
            caller_key: "ME14 1XX|1 HIGH ST",
            episodes: &episodes,
            contacts: Some(&contacts),
        };
        let row = CallerRow::new(KeyColumn::Address, &caller).unwrap();
        let json = serde_json::to_value(&row).unwrap();
        let mut names: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        let mut expected: Vec<&str> = CallerColumn::ALL
            .iter()
            .map(|c| match c {
                CallerColumn::CallerKey => "address_key",
                c => c.name(),
            })
            .collect();
        expected.sort_unstable();
        assert_eq!(names, expected);
        assert_eq!(json["address_key"], "ME14 1XX|1 HIGH ST");
        assert_eq!(json["episodes"], 1);
        assert_eq!(json["total_contacts"], 2);
        assert_eq!(json["calls_999"], 1);
        assert_eq!(json["agencies"], "police");
        assert_eq!(json["top_categories"], "Theft 2");
        assert_eq!(json["csu"], "Swale CSU");
        assert_eq!(json["night_share"], 0.5);
        assert_eq!(json["first_flagged_at"], march_3rd_plus(34.0));

        let episode = EpisodeSummary {
            caller_key: "+447700900123",
            episode_no: 1,
            episode: &episodes[0],
            contacts: Some(&contacts),
        };
        let json =
            serde_json::to_value(EpisodeRow::new(KeyColumn::Caller, &episode).unwrap()).unwrap();
        assert_eq!(json.as_object().unwrap().len(), EpisodeColumn::ALL.len());
        assert_eq!(json["caller_key"], "+447700900123");
        assert_eq!(json["episode_no"], 1);
        assert_eq!(json["peak_counts"], serde_json::json!([2]));
        assert_eq!(json["categories"], "Theft 2");
        assert_eq!(json["calls_101"], 1);
    }
}
