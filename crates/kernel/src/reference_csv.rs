//! Reading the kernel's small reference tables (triage groups, CSU districts) from CSV text
//! with the `csv` crate: each record with the line it starts on and that line as written, so
//! the tables' errors can name the line and field at fault. No I/O: the text is in memory.

/// One record of a reference table.
pub(crate) struct Record<'t> {
    /// The line it starts on, counting from 1 as an editor does (blank lines included).
    pub line: usize,
    /// That line as written, without its line end.
    pub text: &'t str,
    /// The fields, unquoted and trimmed.
    pub fields: Vec<String>,
}

/// A record the `csv` crate could not read, on the line it names.
pub(crate) struct Unreadable {
    /// The line (counting from 1).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// The records of `text`, comma-separated, after an optional byte-order mark; blank lines
/// (empty or only white space) are skipped. A field is trimmed, and one pair of double quotes
/// around it is removed (also when white space stands outside the quotes, which the `csv`
/// crate keeps as text).
pub(crate) fn records(text: &str) -> impl Iterator<Item = Result<Record<'_>, Unreadable>> + '_ {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        loop {
            let mut record = csv::StringRecord::new();
            match reader.read_record(&mut record) {
                Ok(false) => return None,
                Ok(true) => {
                    let (byte, line) = record.position().map_or((0, 1), |p| (p.byte(), p.line()));
                    // The position is where the reader stood, before the empty lines it
                    // skipped: step over them to the record's own line.
                    let mut rest = text
                        .get(usize::try_from(byte).unwrap_or(text.len())..)
                        .unwrap_or("");
                    let mut line = usize::try_from(line).unwrap_or(usize::MAX);
                    while let Some(after) = rest
                        .strip_prefix("\r\n")
                        .or_else(|| rest.strip_prefix('\n'))
                    {
                        rest = after;
                        line = line.saturating_add(1);
                    }
                    let line_text = rest.lines().next().unwrap_or("");
                    if line_text.trim().is_empty() && record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    return Some(Ok(Record {
                        line,
                        text: line_text,
                        fields: record.iter().map(|f| unquote(f).to_string()).collect(),
                    }));
                }
                Err(e) => {
                    failed = true;
                    let line = e.position().map_or(0, |p| p.line());
                    return Some(Err(Unreadable {
                        line: usize::try_from(line).unwrap_or(usize::MAX),
                        reason: e.to_string(),
                    }));
                }
            }
        }
    })
}

/// A field trimmed, without one pair of surrounding double quotes (what is inside trimmed
/// too).
fn unquote(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or(f, str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(usize, String, Vec<String>)> {
        records(text)
            .map(|r| {
                let r = r.ok().expect("readable");
                (r.line, r.text.to_string(), r.fields)
            })
            .collect()
    }

    fn strings(fields: &[&str]) -> Vec<String> {
        fields.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn records_name_their_line_and_skip_blank_lines() {
        assert_eq!(
            read("\u{feff}a,b\r\n\r\n  \n\"c, d\" , \" e \"\nf\n"),
            vec![
                (1, "a,b".to_string(), strings(&["a", "b"])),
                (4, "\"c, d\" , \" e \"".to_string(), strings(&["c, d", "e"])),
                (5, "f".to_string(), strings(&["f"])),
            ]
        );
    }

    #[test]
    fn quotes_after_white_space_are_removed_too() {
        assert_eq!(
            read("  \"a\"  ,b\n"),
            vec![(1, "  \"a\"  ,b".to_string(), strings(&["a", "b"]))]
        );
    }

    #[test]
    fn a_quoted_field_over_two_lines_is_one_record_on_its_first_line() {
        assert_eq!(
            read("x\n\"a\nb\",c\nd\n"),
            vec![
                (1, "x".to_string(), strings(&["x"])),
                (2, "\"a".to_string(), strings(&["a\nb", "c"])),
                (4, "d".to_string(), strings(&["d"])),
            ]
        );
    }

    #[test]
    fn no_text_no_records() {
        assert!(read("").is_empty());
        assert!(read("\n \n\t\n").is_empty());
    }
}
