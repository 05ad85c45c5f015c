//! Documentation of the functions, shown by DataFusion's tooling.

use datafusion::logical_expr::{DocSection, Documentation};

const SECTION: DocSection = DocSection {
    include: true,
    label: "Engage",
    description: Some("Repeat-caller detection for control-room call archives"),
};

/// Documentation with a description, a syntax line, a SQL example and arguments.
pub(crate) fn doc(
    description: &str,
    syntax: &str,
    example: &str,
    args: &[(&str, &str)],
) -> Documentation {
    let mut builder =
        Documentation::builder(SECTION, description, syntax).with_sql_example(example);
    for (name, what) in args {
        builder = builder.with_argument(*name, *what);
    }
    builder.build()
}
