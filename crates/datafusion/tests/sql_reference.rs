//! `docs/sql.md` holds the function reference generated from the functions' own documentation
//! (`engage_datafusion::reference`): this test fails when the file is stale. To bring it up to
//! date: `ENGAGE_BLESS=1 cargo test --workspace --test sql_reference`.

use std::path::Path;

use engage_datafusion::reference::{BEGIN, END, sql_reference};

#[test]
fn docs_sql_md_holds_the_generated_function_reference() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sql.md");
    let text = std::fs::read_to_string(&path).expect("docs/sql.md");
    let (before, rest) = text
        .split_once(BEGIN)
        .expect("docs/sql.md marks where the generated reference begins");
    let (current, after) = rest
        .split_once(END)
        .expect("docs/sql.md marks where the generated reference ends");
    let generated = format!("\n{}\n", sql_reference());
    if std::env::var_os("ENGAGE_BLESS").is_some() {
        std::fs::write(&path, format!("{before}{BEGIN}{generated}{END}{after}"))
            .expect("docs/sql.md is writable");
        return;
    }
    assert!(
        current == generated,
        "docs/sql.md's function reference is stale: run \
         `ENGAGE_BLESS=1 cargo test --workspace --test sql_reference` and commit the file"
    );
}

#[test]
fn the_reference_documents_every_registered_function() {
    let ctx = engage_datafusion::new_session(Default::default()).unwrap();
    let reference = sql_reference();
    let state = ctx.state();
    let mut names: Vec<String> = Vec::new();
    names.extend(
        state
            .scalar_functions()
            .iter()
            .filter(|(_, f)| f.documentation().is_some_and(is_engage))
            .map(|(n, _)| n.clone()),
    );
    names.extend(
        state
            .aggregate_functions()
            .iter()
            .filter(|(_, f)| f.documentation().is_some_and(is_engage))
            .map(|(n, _)| n.clone()),
    );
    names.extend(
        state
            .window_functions()
            .iter()
            .filter(|(_, f)| f.documentation().is_some_and(is_engage))
            .map(|(n, _)| n.clone()),
    );
    names.extend(["engage_episodes", "engage_repeat_callers", "engage_impact"].map(String::from));
    names.sort();
    assert_eq!(names.len(), 26, "{names:?}");
    for name in names {
        assert!(
            reference.contains(&format!("#### `{name}`")),
            "{name} is missing from the reference"
        );
    }
}

fn is_engage(doc: &datafusion::logical_expr::Documentation) -> bool {
    doc.doc_section.label == "Engage"
}
