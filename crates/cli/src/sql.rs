//! `engage sql`: analysts' SQL over snapshots and Parquet files, with every Engage function
//! and view.

use std::io::Write;
use std::path::PathBuf;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{DFParser, Statement};

use crate::Error;
use crate::session::{self, Sources};

/// Options of `engage sql`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    sources: Sources,
    /// Run these statements (separated by ;) and exit.
    #[arg(short = 'c', long = "command", conflicts_with = "file")]
    command: Option<String>,
    /// Run the statements in this file and exit.
    #[arg(short = 'f', long)]
    file: Option<PathBuf>,
    /// How results are written.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write results to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Run on a Ballista cluster whose scheduler is at this address (df://HOST:PORT; start it
    /// with engage-scheduler and engage-executor, docs/cluster.md). The SQL is planned here;
    /// the executors read the --data and --table paths themselves, so those must be a shared
    /// folder or an object store they can reach.
    #[arg(long, value_name = "df://HOST:PORT")]
    cluster: Option<String>,
}

/// Output formats.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

/// Runs `engage sql`.
pub fn run(args: Args) -> Result<(), Error> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: Args) -> Result<(), Error> {
    let ctx = session::open_on(&args.sources, args.cluster.as_deref())
        .await?
        .0;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let script = match (&args.command, &args.file) {
        (Some(sql), _) => Some(sql.clone()),
        (None, Some(path)) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        ),
        (None, None) => None,
    };
    match script {
        Some(script) => {
            for statement in statements(&script)? {
                execute(&ctx, statement, args.format, &mut out).await?;
            }
            out.flush()?;
            Ok(())
        }
        None => shell(&ctx, args.format, &mut out).await,
    }
}

/// A script's statements, split by DataFusion's own SQL parser (semicolons inside quotes and
/// comments are not separators).
fn statements(script: &str) -> Result<Vec<Statement>, Error> {
    Ok(DFParser::parse_sql(script)?.into_iter().collect())
}

async fn execute(
    ctx: &SessionContext,
    statement: Statement,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let plan = ctx.state().statement_to_plan(statement).await?;
    let batches = ctx.execute_logical_plan(plan).await?.collect().await?;
    write_batches(&batches, format, out)
}

fn write_batches(
    batches: &[RecordBatch],
    format: Format,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match format {
        Format::Table => {
            if batches.iter().map(RecordBatch::num_columns).sum::<usize>() > 0 {
                writeln!(out, "{}", pretty_format_batches(batches)?)?;
            }
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" })?;
        }
        Format::Csv => {
            let mut writer = datafusion::arrow::csv::Writer::new(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
        }
        Format::Json => {
            let mut writer = datafusion::arrow::json::LineDelimitedWriter::new(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
        }
    }
    Ok(())
}

async fn shell(ctx: &SessionContext, format: Format, out: &mut dyn Write) -> Result<(), Error> {
    let mut editor = rustyline::DefaultEditor::new()?;
    let history = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".engage_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    eprintln!(
        "Engage SQL shell. End statements with ; and leave with \\q. `SHOW TABLES;` lists the tables and views."
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "engage> "
        } else {
            "     -> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() && matches!(line.trim(), "\\q" | "quit" | "exit") {
                    break;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if !line.trim_end().ends_with(';') {
                    continue;
                }
                let _ = editor.add_history_entry(buffer.trim());
                match statements(&buffer) {
                    Ok(statements) => {
                        for statement in statements {
                            if let Err(e) = execute(ctx, statement, format, out).await {
                                eprintln!("error: {e}");
                            }
                        }
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
                out.flush()?;
                buffer.clear();
            }
            Err(rustyline::error::ReadlineError::Interrupted) => buffer.clear(),
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn scripts_split_at_semicolons_outside_quotes_and_comments() {
        let s =
            statements("SELECT ';' AS a; -- a comment; with a semicolon\nSELECT 2;\n\n").unwrap();
        let s: Vec<String> = s.iter().map(ToString::to_string).collect();
        assert_eq!(s, vec!["SELECT ';' AS a", "SELECT 2"]);
        assert!(statements("SELECT 'unclosed").is_err());
    }
}
