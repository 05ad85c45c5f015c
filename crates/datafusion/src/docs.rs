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

/// `PartialEq`, `Eq` and `Hash` by the `name` field, for a function shape shared by several
/// functions (DataFusion compares functions to deduplicate them; two of one shape differ by
/// name, and their other fields, function pointers and documentation, cannot be compared).
macro_rules! equal_by_name {
    ($type:ty) => {
        impl PartialEq for $type {
            fn eq(&self, other: &Self) -> bool {
                self.name == other.name
            }
        }
        impl Eq for $type {}
        impl std::hash::Hash for $type {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.name.hash(state)
            }
        }
    };
}
pub(crate) use equal_by_name;
