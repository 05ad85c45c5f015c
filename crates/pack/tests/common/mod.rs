//! Helpers for reading the rendered HTML in tests: tags by prefix, their attributes, and the
//! checks every pack must pass (self-contained, balanced SVG).

#![allow(dead_code)]

use std::collections::HashMap;

/// Every start tag that begins with `prefix` (e.g. `<rect class="day"`), as its attribute map.
pub fn tags(html: &str, prefix: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(prefix) {
        let tag = &rest[i..];
        let end = tag.find('>').expect("tag closed");
        out.push(attributes(&tag[..end]));
        rest = &tag[end..];
    }
    out
}

/// The `name="value"` pairs of one start tag.
pub fn attributes(tag: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq]
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap()
            .to_string();
        let after = &rest[eq + 2..];
        let close = after.find('"').expect("attribute closed");
        map.insert(name, after[..close].to_string());
        rest = &after[close + 1..];
    }
    map
}

/// An attribute as a number.
pub fn num(tag: &HashMap<String, String>, name: &str) -> f64 {
    tag.get(name)
        .unwrap_or_else(|| panic!("no {name} in {tag:?}"))
        .parse()
        .unwrap()
}

/// The `x,y` pairs of a `points` attribute.
pub fn points(tag: &HashMap<String, String>) -> Vec<(f64, f64)> {
    tag["points"]
        .split(' ')
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// How often `needle` occurs in `haystack`.
pub fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The checks every rendered pack passes: a whole document, no script, no external
/// address, every `<svg>` closed before the next opens, A4 print CSS.
pub fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "no script");
    assert!(!lower.contains("http://"), "no http address");
    assert!(!lower.contains("https://"), "no https address");
    assert!(!lower.contains("url("), "no CSS url()");
    assert!(!lower.contains("<link"), "no link element");
    assert!(!lower.contains("<img"), "no image");
    assert!(!lower.contains("@import"), "no CSS import");
    assert!(!lower.contains("javascript:"), "no javascript: address");
    for (i, _) in lower.match_indices(" on") {
        let word: String = lower[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        assert!(
            !lower[i + 1 + word.len()..].starts_with('='),
            "event handler attribute {word}"
        );
    }
    // SVGs balanced and not nested.
    let mut open = false;
    let mut rest = html;
    let mut svgs = 0;
    while let Some(i) = rest
        .find("<svg")
        .into_iter()
        .chain(rest.find("</svg>"))
        .min()
    {
        if rest[i..].starts_with("</svg>") {
            assert!(open, "</svg> without <svg");
            open = false;
            rest = &rest[i + 6..];
        } else {
            assert!(!open, "<svg inside <svg");
            open = true;
            svgs += 1;
            rest = &rest[i + 4..];
        }
    }
    assert!(!open, "last <svg not closed");
    assert_eq!(svgs, count(html, "</svg>"));
    assert!(html.contains("@page { size: A4; margin: 12mm; }"));
    assert!(html.contains("break-inside: avoid"));
    assert!(html.contains("Pseudonymised keys are shown as held in the snapshot."));
}
