//! HTML building blocks shared by both packs: text escaping, the page skeleton with its
//! inline print stylesheet, and the pack header.
//!
//! Every piece of text that comes from the data goes through [`Esc`] (or [`escape`]); the
//! renderers write nothing else but fixed markup, numbers and dates.

use std::fmt::{self, Write};

/// Text escaped for HTML element content and double- or single-quoted attribute values.
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// `text` escaped for HTML (see [`Esc`]).
pub fn escape(text: &str) -> String {
    Esc(text).to_string()
}

/// The inline stylesheet: screen and A4 print in one. Each CSU section starts a printed
/// page; cards, tables' rows and charts are kept whole on a page.
const STYLE: &str = r#"
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, Helvetica, sans-serif; font-size: 10.5pt;
  line-height: 1.35; color: #111; background: #fff; margin: 0 auto; max-width: 186mm; padding: 6mm 4mm; }
h1 { font-size: 17pt; margin: 0 0 1.5mm; }
h2 { font-size: 13.5pt; margin: 0 0 2mm; padding-bottom: 1mm; border-bottom: 2px solid #1f4e99; }
h3 { font-size: 11.5pt; margin: 5mm 0 1.5mm; }
h3 .count { font-weight: normal; color: #444; }
p { margin: 1mm 0 2mm; }
.meta { margin: 0 0 1mm; color: #222; }
.meta span { white-space: nowrap; margin-right: 4mm; }
.note { color: #444; font-size: 9pt; }
.explain { color: #444; font-size: 9pt; margin-top: 0; }
.none { font-style: italic; color: #444; padding: 1.5mm 2mm; background: #f3f4f6; border-radius: 1mm; }
header.pack { border-bottom: 1px solid #999; padding-bottom: 2mm; margin-bottom: 4mm; }
footer.pack { margin-top: 6mm; border-top: 1px solid #999; padding-top: 1mm; font-size: 8.5pt; color: #444; }
section.csu, section.impact { break-before: page; page-break-before: always; }
section.block { margin-top: 5mm; }
.key { font-family: "DejaVu Sans Mono", Consolas, monospace; font-weight: bold; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 9.5pt; }
th, td { text-align: left; padding: 1mm 1.5mm; border-bottom: 1px solid #ccc; vertical-align: top; }
th { background: #eef2f8; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.total td { font-weight: bold; border-top: 1.5px solid #555; }
.card { border: 1px solid #bbb; border-radius: 1.5mm; padding: 2mm 2.5mm; margin: 0 0 3mm;
  break-inside: avoid; page-break-inside: avoid; }
.card-head { display: flex; flex-wrap: wrap; gap: 2mm 4mm; align-items: baseline; margin-bottom: 1mm; }
.badge { display: inline-block; padding: 0 1.5mm; border-radius: 1mm; font-size: 9pt; border: 1px solid #777; }
.badge.repeat_victim { background: #fde8e8; border-color: #b42318; }
.badge.vulnerable_caller { background: #e8effd; border-color: #1f4e99; }
.badge.mixed { background: #f4ebfd; border-color: #6b3fa0; }
.calls24 { font-weight: bold; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3mm 3mm; margin: 0 0 1.5mm; font-size: 9.5pt; }
dl.facts dt { color: #444; }
dl.facts dd { margin: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 3mm; align-items: flex-start; }
.charts figure.spark { flex: 1 1 88mm; min-width: 80mm; }
.charts figure.heat { flex: 0 1 68mm; }
.charts figure.spark:only-child { flex: 0 1 110mm; }
.charts svg { width: 100%; }
figure { margin: 0 0 3mm; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 8.5pt; color: #444; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; fill: #333; }
.headline { font-size: 11.5pt; font-weight: bold; margin: 2mm 0; }
.naive { border-left: 3px solid #b26b00; background: #fff7e6; padding: 1.5mm 2.5mm; margin: 2mm 0; }
.naive .label { font-weight: bold; text-transform: uppercase; letter-spacing: 0.05em; color: #8a5300; }
.block { break-inside: avoid; page-break-inside: avoid; }
@media print {
  body { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
"#;

/// A whole document: `<!DOCTYPE html>`, the head with the inline stylesheet, and `body`.
pub fn document(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 256);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}</body>\n</html>",
        Esc(title),
        STYLE,
        body
    );
    out
}

/// The note every pack carries under its header.
pub const PSEUDONYM_NOTE: &str = "Pseudonymised keys are shown as held in the snapshot.";

/// The pack header: title, then one line of `(label, value)` facts, the data source line and
/// the pseudonym note.
pub fn header(out: &mut String, title: &str, facts: &[(&str, String)], source: &str) {
    let _ = write!(
        out,
        "<header class=\"pack\">\n<h1>{}</h1>\n<p class=\"meta\">",
        Esc(title)
    );
    for (label, value) in facts {
        let _ = write!(
            out,
            "<span><strong>{}:</strong> {}</span>",
            Esc(label),
            Esc(value)
        );
    }
    let _ = writeln!(
        out,
        "</p>\n<p class=\"meta\"><span><strong>Data source:</strong> snapshot {}</span></p>\n\
         <p class=\"note\">{}</p>\n</header>",
        Esc(source),
        PSEUDONYM_NOTE
    );
}

/// The pack footer: what produced it.
pub fn footer(out: &mut String, generated_by: &str) {
    let _ = writeln!(
        out,
        "<footer class=\"pack\">Generated by {}. Contains pseudonymised personal data: \
         handle, store and destroy under your force's policy.</footer>",
        Esc(generated_by)
    );
}

/// `<p class="none">none</p>`: what an empty section shows.
pub fn none(out: &mut String) {
    out.push_str("<p class=\"none\">none</p>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escape(r#"<b>Tom & "Jerry's"</b>"#),
            "&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;"
        );
        assert_eq!(escape("plain +447700900123"), "plain +447700900123");
        assert_eq!(escape("é<"), "é&lt;");
        assert_eq!(escape(""), "");
    }
}
