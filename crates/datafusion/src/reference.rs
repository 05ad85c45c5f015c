//! The SQL reference of Engage's functions, generated from their own documentation (the
//! `Documentation` each function carries, and the kernel's description of the detection
//! functions' columns), so that `docs/sql.md` cannot drift from the code: a test compares the
//! file with [`sql_reference`] and fails when it is stale.

use std::fmt::Write;

use datafusion::logical_expr::Documentation;
use engage_kernel::summary::{CallerColumn, ColumnSource, EpisodeColumn};

use crate::detection::Grain;
use crate::{aggregate, detection, impact, scalar, summary_columns, window};

/// The line before the generated part of `docs/sql.md`.
pub const BEGIN: &str =
    "<!-- BEGIN GENERATED: the function reference (engage_datafusion::reference) -->";
/// The line after it.
pub const END: &str = "<!-- END GENERATED -->";

/// Every function's reference, as Markdown: table, window, aggregate and scalar functions.
pub fn sql_reference() -> String {
    let mut out = String::from("## Function reference\n\n");
    out.push_str(
        "Generated from each function's own documentation (what DataFusion's tooling shows); \
         the columns of the detection functions are the kernel's description of a caller's \
         and an episode's summary.\n",
    );
    out.push_str("\n### Table functions\n");
    for grain in [Grain::Episode, Grain::Caller] {
        entry(
            &mut out,
            grain.function_name(),
            &detection::documentation(grain),
        );
        columns(&mut out, grain);
    }
    entry(&mut out, impact::NAME, &impact::documentation());
    out.push_str("\n### Window functions\n");
    for udwf in window::functions() {
        entry(
            &mut out,
            udwf.name(),
            udwf.documentation().expect("documented"),
        );
    }
    out.push_str("\n### Aggregate functions\n");
    for udaf in aggregate::functions() {
        entry(
            &mut out,
            udaf.name(),
            udaf.documentation().expect("documented"),
        );
    }
    out.push_str("\n### Scalar functions\n");
    for udf in scalar::functions() {
        entry(
            &mut out,
            udf.name(),
            udf.documentation().expect("documented"),
        );
    }
    out
}

fn entry(out: &mut String, name: &str, doc: &Documentation) {
    let _ = write!(
        out,
        "\n#### `{name}`\n\n{}\n\n```sql\n{}\n```\n",
        doc.description, doc.syntax_example
    );
    if let Some(arguments) = doc.arguments.as_ref().filter(|a| !a.is_empty()) {
        out.push_str("\n| argument | |\n| --- | --- |\n");
        for (argument, what) in arguments {
            let _ = writeln!(out, "| `{argument}` | {} |", cell(what));
        }
    }
    if let Some(example) = &doc.sql_example {
        let _ = write!(out, "\nExample:\n\n```sql\n{example}\n```\n");
    }
}

/// The output columns of a detection function, from the kernel's description.
fn columns(out: &mut String, grain: Grain) {
    let rows: Vec<(&str, String, ColumnSource, &str)> = match grain {
        Grain::Episode => EpisodeColumn::ALL
            .iter()
            .map(|c| {
                (
                    c.name(),
                    summary_columns::data_type(c.column_type()).to_string(),
                    c.source(),
                    c.meaning(),
                )
            })
            .collect(),
        Grain::Caller => CallerColumn::ALL
            .iter()
            .map(|c| {
                (
                    c.name(),
                    summary_columns::data_type(c.column_type()).to_string(),
                    c.source(),
                    c.meaning(),
                )
            })
            .collect(),
    };
    out.push_str("\n| column | type | meaning | read |\n| --- | --- | --- | --- |\n");
    for (name, column_type, source, meaning) in rows {
        let read = match source {
            ColumnSource::Detection => "detection",
            _ => "second read",
        };
        let _ = writeln!(
            out,
            "| `{name}` | {column_type} | {} | {read} |",
            cell(meaning)
        );
    }
}

/// Text for a Markdown table cell: a `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
