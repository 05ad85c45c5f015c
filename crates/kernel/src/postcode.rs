//! UK postcodes, and the community safety unit (CSU) that covers a place.
//!
//! [`normalize_postcode`] turns a postcode as typed into command and control (`me14 1xx`,
//! `ME141XX`, ` Me14  1xx `) into its normal form, `ME14 1XX`: upper case, one space before
//! the three-character inward code. [`postcode_district`] takes the outward code
//! (the postcode district, `ME14`) of a normalised postcode.
//!
//! [`CsuTable`] maps postcode districts to local authority districts and their CSUs. It is
//! data that a force edits: `datasets/csu_districts.csv`, with the header
//! `postcode_district,district,csu`, shipped for Kent and Medway and returned by
//! [`CsuTable::kent`]. A force with other boundaries writes its own file in the same format and
//! reads it with [`CsuTable::parse_csv`].
//!
//! # The format checked
//!
//! An outward code is one of `A9`, `A99`, `AA9`, `AA99`, `A9A` or `AA9A` (`A` a letter, `9` a
//! digit) and an inward code is `9AA`. Only this shape is checked, not which letters Royal Mail
//! uses in each position, nor whether the postcode exists; the special postcode `GIR 0AA` is
//! not accepted.

use std::sync::OnceLock;

use crate::reference_csv;

/// The shipped Kent and Medway table, `datasets/csu_districts.csv`, as text.
pub const KENT_CSV: &str = include_str!("../../../datasets/csu_districts.csv");

/// The header line a CSU table must start with.
pub const CSU_HEADER: &str = "postcode_district,district,csu";

/// The column names of [`CSU_HEADER`], in order.
const COLUMNS: [&str; 3] = ["postcode_district", "district", "csu"];

/// Quote characters trimmed from the ends of a postcode or a CSV field.
const QUOTES: &[char] = &['"', '\'', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}'];

/// A postcode with its white space removed and letters upper-cased, on the stack.
struct Compact {
    buf: [u8; 7],
    len: usize,
}

impl Compact {
    /// Reads a postcode in any spacing and case; `None` unless it has the UK shape.
    fn parse(text: &str) -> Option<Self> {
        let mut compact = Compact {
            buf: [0; 7],
            len: 0,
        };
        let trimmed = text.trim_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c));
        for c in trimmed.chars() {
            if c.is_whitespace() {
                continue;
            }
            if !c.is_ascii_alphanumeric() || compact.len == compact.buf.len() {
                return None;
            }
            compact.buf[compact.len] = c.to_ascii_uppercase() as u8;
            compact.len += 1;
        }
        if compact.len < 5 {
            return None;
        }
        let (outward, inward) = compact.buf[..compact.len].split_at(compact.len - 3);
        (is_outward(outward) && is_inward(inward)).then_some(compact)
    }

    fn outward(&self) -> &str {
        ascii(&self.buf[..self.len - 3])
    }

    fn inward(&self) -> &str {
        ascii(&self.buf[self.len - 3..self.len])
    }
}

/// The text of bytes known to be ASCII.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Whether `b` (upper case) is an outward code: `A9`, `A99`, `AA9`, `AA99`, `A9A` or `AA9A`.
fn is_outward(b: &[u8]) -> bool {
    let letter = |i: usize| b[i].is_ascii_uppercase();
    let digit = |i: usize| b[i].is_ascii_digit();
    match b.len() {
        2 => letter(0) && digit(1),
        3 => letter(0) && ((digit(1) && (digit(2) || letter(2))) || (letter(1) && digit(2))),
        4 => letter(0) && letter(1) && digit(2) && (digit(3) || letter(3)),
        _ => false,
    }
}

/// Whether `b` (upper case) is an inward code: `9AA`.
fn is_inward(b: &[u8]) -> bool {
    b.len() == 3 && b[0].is_ascii_digit() && b[1].is_ascii_uppercase() && b[2].is_ascii_uppercase()
}

/// A bare outward code in any case (`me14`, ` ME14 `), upper-cased on the stack.
fn bare_outward(text: &str) -> Option<([u8; 4], usize)> {
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c));
    let bytes = trimmed.as_bytes();
    if bytes.len() > 4 || !trimmed.is_ascii() {
        return None;
    }
    let mut buf = [0u8; 4];
    for (slot, b) in buf.iter_mut().zip(bytes) {
        *slot = b.to_ascii_uppercase();
    }
    is_outward(&buf[..bytes.len()]).then_some((buf, bytes.len()))
}

/// The normal form of a UK postcode: upper case, one space before the inward code
/// (`me14 1xx` and `ME141XX` give `ME14 1XX`). White space anywhere and quote characters at
/// the ends are ignored. `None` when the text is not a postcode of the UK shape.
///
/// ```
/// use engage_kernel::postcode::normalize_postcode;
/// assert_eq!(normalize_postcode("me14 1xx").as_deref(), Some("ME14 1XX"));
/// assert_eq!(normalize_postcode("ME141XX").as_deref(), Some("ME14 1XX"));
/// assert_eq!(normalize_postcode("ME14"), None);
/// ```
pub fn normalize_postcode(text: &str) -> Option<String> {
    let compact = Compact::parse(text)?;
    let mut out = String::with_capacity(compact.len + 1);
    out.push_str(compact.outward());
    out.push(' ');
    out.push_str(compact.inward());
    Some(out)
}

/// The outward code (postcode district) of a normalised postcode: `ME14` for `ME14 1XX`.
/// `None` unless `postcode` is exactly in the form [`normalize_postcode`] returns (upper case,
/// one space), so normalise first.
///
/// ```
/// use engage_kernel::postcode::postcode_district;
/// assert_eq!(postcode_district("ME14 1XX"), Some("ME14"));
/// assert_eq!(postcode_district("me14 1xx"), None);
/// ```
pub fn postcode_district(postcode: &str) -> Option<&str> {
    let (outward, inward) = postcode.split_once(' ')?;
    (is_outward(outward.as_bytes()) && is_inward(inward.as_bytes())).then_some(outward)
}

/// Where a postcode is: its local authority district and community safety unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place<'a> {
    /// The local authority district, e.g. `Maidstone` or `Medway`.
    pub district: &'a str,
    /// The community safety unit, e.g. `Maidstone CSU`.
    pub csu: &'a str,
}

/// One row of a CSU table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    postcode_district: String,
    district: String,
    csu: String,
}

/// Postcode districts mapped to districts and community safety units, read from a CSV file
/// with the header `postcode_district,district,csu`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsuTable {
    /// Sorted by `postcode_district`, each once.
    rows: Vec<Row>,
}

/// Why a CSU table could not be read. Each message names the line (counting from 1) and,
/// for a bad value, the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The text has no lines (or only blank ones).
    #[error(
        "the CSU table is empty: expected the header `{CSU_HEADER}` and one line per postcode \
         district"
    )]
    Empty,
    /// The first non-blank line is not the expected header.
    #[error("line {line}: the header is {found:?}; expected `{CSU_HEADER}`")]
    BadHeader {
        /// The line number.
        line: usize,
        /// The line as found.
        found: String,
    },
    /// The header is there but no rows follow.
    #[error(
        "the CSU table has a header but no rows: expected one line per postcode district, such \
         as `ME14,Maidstone,Maidstone CSU`"
    )]
    NoRows,
    /// A row has the wrong number of fields.
    #[error(
        "line {line}: expected 3 fields ({CSU_HEADER}) separated by commas, found {found} in \
         {text:?}"
    )]
    FieldCount {
        /// The line number.
        line: usize,
        /// How many fields the line has.
        found: usize,
        /// The line as found.
        text: String,
    },
    /// The `postcode_district` field is not an outward code.
    #[error(
        "line {line}, field postcode_district: {value:?} is not a postcode district; expected \
         an outward code such as ME14, CT1 or BR8"
    )]
    BadPostcodeDistrict {
        /// The line number.
        line: usize,
        /// The field as found.
        value: String,
    },
    /// A `district` or `csu` field is empty.
    #[error(
        "line {line}, field {field}: the value is empty; expected a name such as `Maidstone` \
         (district) or `Maidstone CSU` (csu)"
    )]
    EmptyField {
        /// The line number.
        line: usize,
        /// The field's column name, `district` or `csu`.
        field: &'static str,
    },
    /// A postcode district appears twice.
    #[error(
        "line {line}, field postcode_district: {value:?} is already mapped on line \
         {first_line}; expected each postcode district once"
    )]
    Duplicate {
        /// The line number of the repeat.
        line: usize,
        /// The line number where the postcode district first appears.
        first_line: usize,
        /// The postcode district (upper case).
        value: String,
    },
    /// The text is not CSV the `csv` crate can read.
    #[error("line {line}: the row cannot be read as CSV: {reason}")]
    Unreadable {
        /// The line where reading failed.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

impl CsuTable {
    /// Reads a CSU table from CSV text: the header `postcode_district,district,csu` (any case,
    /// optionally after a byte order mark), then one line per postcode district. Blank lines
    /// are skipped; fields are trimmed and may be wrapped in double quotes (a quoted field may
    /// hold commas). Postcode districts may be in any case and are stored upper case.
    ///
    /// ```
    /// use engage_kernel::postcode::CsuTable;
    /// let table = CsuTable::parse_csv("postcode_district,district,csu\nME14,Maidstone,Maidstone CSU\n").unwrap();
    /// assert_eq!(table.lookup("me14 1xx").unwrap().csu, "Maidstone CSU");
    /// ```
    ///
    /// # Errors
    ///
    /// A [`TableError`] naming the line and field: a missing or wrong header, a row with other
    /// than 3 fields, a `postcode_district` that is not an outward code, an empty `district`
    /// or `csu`, a postcode district given twice, or no rows at all.
    pub fn parse_csv(text: &str) -> Result<Self, TableError> {
        let unreadable = |u: reference_csv::Unreadable| TableError::Unreadable {
            line: u.line,
            reason: u.reason,
        };
        let mut records = reference_csv::records(text);
        let header = records
            .next()
            .ok_or(TableError::Empty)?
            .map_err(unreadable)?;
        let header_ok = header.fields.len() == COLUMNS.len()
            && header
                .fields
                .iter()
                .zip(COLUMNS)
                .all(|(found, want)| found.eq_ignore_ascii_case(want));
        if !header_ok {
            return Err(TableError::BadHeader {
                line: header.line,
                found: header.text.to_owned(),
            });
        }

        let mut rows: Vec<(Row, usize)> = Vec::new();
        for record in records {
            let record = record.map_err(unreadable)?;
            let line = record.line;
            let [pd, district, csu] = record.fields.as_slice() else {
                return Err(TableError::FieldCount {
                    line,
                    found: record.fields.len(),
                    text: record.text.to_owned(),
                });
            };
            let Some((buf, len)) = bare_outward(pd) else {
                return Err(TableError::BadPostcodeDistrict {
                    line,
                    value: pd.to_owned(),
                });
            };
            for (name, value) in [("district", district), ("csu", csu)] {
                if value.is_empty() {
                    return Err(TableError::EmptyField { line, field: name });
                }
            }
            rows.push((
                Row {
                    postcode_district: ascii(&buf[..len]).to_owned(),
                    district: district.to_owned(),
                    csu: csu.to_owned(),
                },
                line,
            ));
        }
        if rows.is_empty() {
            return Err(TableError::NoRows);
        }

        // Stable by line, so of two equal keys the earlier line comes first.
        rows.sort_by(|(a, _), (b, _)| a.postcode_district.cmp(&b.postcode_district));
        if let Some(pair) = rows
            .windows(2)
            .find(|w| w[0].0.postcode_district == w[1].0.postcode_district)
        {
            return Err(TableError::Duplicate {
                line: pair[1].1,
                first_line: pair[0].1,
                value: pair[1].0.postcode_district.clone(),
            });
        }
        Ok(CsuTable {
            rows: rows.into_iter().map(|(row, _)| row).collect(),
        })
    }

    /// The shipped table for Kent and Medway (`datasets/csu_districts.csv`), parsed on first
    /// use.
    pub fn kent() -> &'static CsuTable {
        static KENT: OnceLock<CsuTable> = OnceLock::new();
        KENT.get_or_init(|| {
            CsuTable::parse_csv(KENT_CSV)
                .expect("datasets/csu_districts.csv is a valid CSU table (checked by the tests)")
        })
    }

    /// The district and CSU covering a postcode, given in any form that
    /// [`normalize_postcode`] accepts (`me14 1xx`, `ME141XX`) or as a bare postcode district
    /// (`ME14`, `me14`). `None` when the text is neither or its district is not in the table.
    pub fn lookup(&self, postcode: &str) -> Option<Place<'_>> {
        let row = if let Some(compact) = Compact::parse(postcode) {
            self.row(compact.outward())
        } else {
            let (buf, len) = bare_outward(postcode)?;
            self.row(ascii(&buf[..len]))
        }?;
        Some(Place {
            district: &row.district,
            csu: &row.csu,
        })
    }

    fn row(&self, district: &str) -> Option<&Row> {
        self.rows
            .binary_search_by(|row| row.postcode_district.as_str().cmp(district))
            .ok()
            .map(|i| &self.rows[i])
    }

    /// How many postcode districts the table maps.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table maps no postcode district (never true for a parsed table).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every postcode district with its place, in order of postcode district.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Place<'_>)> + '_ {
        self.rows.iter().map(|row| {
            (
                row.postcode_district.as_str(),
                Place {
                    district: &row.district,
                    csu: &row.csu,
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spacing() {
        for (text, want) in [
            ("me14 1xx", "ME14 1XX"),
            ("ME141XX", "ME14 1XX"),
            ("  Me14   1xX ", "ME14 1XX"),
            ("\"ME14 1XX\"", "ME14 1XX"),
            ("m1 1aa", "M1 1AA"),
            ("M601NW", "M60 1NW"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("w1a 1hq", "W1A 1HQ"),
            ("EC1A1BB", "EC1A 1BB"),
            ("BR8 7AA", "BR8 7AA"),
            ("ct9\t1aa", "CT9 1AA"),
        ] {
            assert_eq!(normalize_postcode(text).as_deref(), Some(want), "{text:?}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_postcode() {
        for text in [
            "",
            "   ",
            "ME14",
            "ME14 1X",
            "ME14 XXX",
            "ME14 11X",
            "ME14 1XXX",
            "1E14 1XX",
            "MEE14 1XX",
            "ME144 1XX",
            "M 1XX",
            "ME1A4 1XX",
            "ME14-1XX",
            "ME14 1XX.",
            "GIR 0AA",
            "Maidstone",
            "ME14 1ÄX",
            "ＭＥ14 1XX",
        ] {
            assert_eq!(normalize_postcode(text), None, "{text:?}");
            if text != "ME14" {
                // A bare district is not a postcode, but it is something to look up.
                assert_eq!(CsuTable::kent().lookup(text), None, "{text:?}");
            }
        }
    }

    #[test]
    fn district_of_a_normalised_postcode() {
        assert_eq!(postcode_district("ME14 1XX"), Some("ME14"));
        assert_eq!(postcode_district("M1 1AA"), Some("M1"));
        assert_eq!(postcode_district("EC1A 1BB"), Some("EC1A"));
        assert_eq!(postcode_district("BR8 7AA"), Some("BR8"));
        // Not normalised, or not a postcode: normalise first.
        assert_eq!(postcode_district("me14 1xx"), None);
        assert_eq!(postcode_district("ME141XX"), None);
        assert_eq!(postcode_district("ME14  1XX"), None);
        assert_eq!(postcode_district("ME14"), None);
        assert_eq!(postcode_district(""), None);
        let n = normalize_postcode("ct20 2aa").unwrap();
        assert_eq!(postcode_district(&n), Some("CT20"));
    }

    #[test]
    fn kent_lookups() {
        let kent = CsuTable::kent();
        let place = |p: &str| kent.lookup(p).map(|pl| (pl.district, pl.csu));
        assert_eq!(place("ME14 1XX"), Some(("Maidstone", "Maidstone CSU")));
        assert_eq!(place("me141xx"), Some(("Maidstone", "Maidstone CSU")));
        assert_eq!(place("ME14"), Some(("Maidstone", "Maidstone CSU")));
        assert_eq!(place(" me14 "), Some(("Maidstone", "Maidstone CSU")));
        assert_eq!(place("ME4 4AA"), Some(("Medway", "Medway CSU")));
        assert_eq!(place("ME10 3AA"), Some(("Swale", "Swale CSU")));
        assert_eq!(place("CT1 2AA"), Some(("Canterbury", "Canterbury CSU")));
        assert_eq!(place("CT9 1AA"), Some(("Thanet", "Thanet CSU")));
        assert_eq!(place("CT16 1AA"), Some(("Dover", "Dover CSU")));
        assert_eq!(
            place("CT20 2AA"),
            Some(("Folkestone and Hythe", "Folkestone and Hythe CSU"))
        );
        assert_eq!(place("TN23 1AA"), Some(("Ashford", "Ashford CSU")));
        assert_eq!(
            place("TN1 1AA"),
            Some(("Tunbridge Wells", "Tunbridge Wells CSU"))
        );
        assert_eq!(
            place("TN9 1AA"),
            Some(("Tonbridge and Malling", "Tonbridge and Malling CSU"))
        );
        assert_eq!(place("TN13 1AA"), Some(("Sevenoaks", "Sevenoaks CSU")));
        assert_eq!(place("BR8 7AA"), Some(("Sevenoaks", "Sevenoaks CSU")));
        assert_eq!(place("DA1 1AA"), Some(("Dartford", "Dartford CSU")));
        assert_eq!(place("DA12 1AA"), Some(("Gravesham", "Gravesham CSU")));
        // Outside Kent Police's area: East Sussex, London, Manchester.
        assert_eq!(place("TN6 1AA"), None);
        assert_eq!(place("DA5 1AA"), None);
        assert_eq!(place("BR6 1AA"), None);
        assert_eq!(place("M1 1AA"), None);
        // A district prefix is not a district: ME1 is not ME14.
        assert_eq!(place("ME1 1AA"), Some(("Medway", "Medway CSU")));
    }

    #[test]
    fn kent_table_covers_every_district_and_names_csus_consistently() {
        let kent = CsuTable::kent();
        assert!(kent.len() > 60, "{}", kent.len());
        assert!(!kent.is_empty());
        let mut districts: Vec<&str> = kent.iter().map(|(_, p)| p.district).collect();
        districts.sort_unstable();
        districts.dedup();
        assert_eq!(
            districts,
            [
                "Ashford",
                "Canterbury",
                "Dartford",
                "Dover",
                "Folkestone and Hythe",
                "Gravesham",
                "Maidstone",
                "Medway",
                "Sevenoaks",
                "Swale",
                "Thanet",
                "Tonbridge and Malling",
                "Tunbridge Wells",
            ]
        );
        for (pd, place) in kent.iter() {
            assert_eq!(place.csu, format!("{} CSU", place.district), "{pd}");
            assert!(
                ["CT", "ME", "TN", "DA", "BR"]
                    .iter()
                    .any(|a| pd.starts_with(a)),
                "{pd}"
            );
            assert_eq!(kent.lookup(pd), Some(place));
        }
        // Parsed once: the same table every time.
        assert!(std::ptr::eq(kent, CsuTable::kent()));
        assert!(KENT_CSV.starts_with(CSU_HEADER));
    }

    #[test]
    fn parses_a_small_table() {
        let text = "\u{feff}Postcode_District, District ,CSU\r\n\
                    \r\n\
                    me14,Maidstone,Maidstone CSU\r\n\
                    \"ME15\",\"Maidstone\",\"Maidstone CSU\"\r\n\
                    \n   \n\
                    CT1 , Canterbury , Canterbury CSU \n";
        let table = CsuTable::parse_csv(text).unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(
            table.lookup("ME15 6AA"),
            Some(Place {
                district: "Maidstone",
                csu: "Maidstone CSU"
            })
        );
        assert_eq!(table.lookup("ct1").unwrap().district, "Canterbury");
        assert_eq!(table.lookup("CT1 1AA").unwrap().csu, "Canterbury CSU");
        assert_eq!(table.lookup("CT2 1AA"), None);
        let keys: Vec<&str> = table.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["CT1", "ME14", "ME15"]);
    }

    const HEADER: &str = "postcode_district,district,csu\n";

    #[test]
    fn empty_and_header_errors() {
        assert_eq!(CsuTable::parse_csv(""), Err(TableError::Empty));
        assert_eq!(CsuTable::parse_csv("\n  \n"), Err(TableError::Empty));
        assert_eq!(CsuTable::parse_csv(HEADER), Err(TableError::NoRows));
        assert_eq!(
            CsuTable::parse_csv("\n\npostcode,district,csu\nME14,Maidstone,Maidstone CSU\n"),
            Err(TableError::BadHeader {
                line: 3,
                found: "postcode,district,csu".into()
            })
        );
        // A table without a header: its first row is reported as the header.
        assert_eq!(
            CsuTable::parse_csv("ME14,Maidstone,Maidstone CSU\n"),
            Err(TableError::BadHeader {
                line: 1,
                found: "ME14,Maidstone,Maidstone CSU".into()
            })
        );
        assert!(matches!(
            CsuTable::parse_csv("postcode_district,district,csu,notes\n"),
            Err(TableError::BadHeader { line: 1, .. })
        ));
        assert!(matches!(
            CsuTable::parse_csv("postcode_district,district\n"),
            Err(TableError::BadHeader { line: 1, .. })
        ));
    }

    #[test]
    fn row_errors_name_the_line_and_field() {
        let err = CsuTable::parse_csv(&format!(
            "{HEADER}ME14,Maidstone,Maidstone CSU\n\nME15,Maidstone\n"
        ))
        .unwrap_err();
        assert_eq!(
            err,
            TableError::FieldCount {
                line: 4,
                found: 2,
                text: "ME15,Maidstone".into()
            }
        );
        assert!(
            err.to_string().starts_with("line 4: expected 3 fields"),
            "{err}"
        );

        assert!(matches!(
            CsuTable::parse_csv(&format!("{HEADER}ME14,Maidstone,Maidstone CSU,extra\n")),
            Err(TableError::FieldCount {
                line: 2,
                found: 4,
                ..
            })
        ));

        let err = CsuTable::parse_csv(&format!("{HEADER}ME14 1XX,Maidstone,Maidstone CSU\n"))
            .unwrap_err();
        assert_eq!(
            err,
            TableError::BadPostcodeDistrict {
                line: 2,
                value: "ME14 1XX".into()
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("line 2, field postcode_district"), "{msg}");
        assert!(msg.contains("\"ME14 1XX\""), "{msg}");

        let err = CsuTable::parse_csv(&format!("{HEADER}ME14,Maidstone, \n")).unwrap_err();
        assert_eq!(
            err,
            TableError::EmptyField {
                line: 2,
                field: "csu"
            }
        );
        assert!(err.to_string().contains("line 2, field csu"), "{err}");
        assert_eq!(
            CsuTable::parse_csv(&format!("{HEADER}ME14,\"\",Maidstone CSU\n")),
            Err(TableError::EmptyField {
                line: 2,
                field: "district"
            })
        );
    }

    #[test]
    fn duplicate_districts_name_both_lines() {
        let text = format!(
            "{HEADER}ME14,Maidstone,Maidstone CSU\nCT1,Canterbury,Canterbury CSU\n\
             me14,Medway,Medway CSU\n"
        );
        let err = CsuTable::parse_csv(&text).unwrap_err();
        assert_eq!(
            err,
            TableError::Duplicate {
                line: 4,
                first_line: 2,
                value: "ME14".into()
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("line 4"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn shipped_file_has_no_duplicate_or_blank_lines() {
        // The file is also read by other tools as plain CSV: keep it tidy.
        let lines: Vec<&str> = KENT_CSV.lines().collect();
        assert_eq!(lines[0], CSU_HEADER);
        assert!(
            lines
                .iter()
                .all(|l| !l.trim().is_empty() && !l.contains('"'))
        );
        assert_eq!(lines.len() - 1, CsuTable::kent().len());
    }
}
