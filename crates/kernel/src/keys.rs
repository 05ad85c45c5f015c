//! Caller keys as dense integer codes, so that detection sorts and groups integers, not text.

use foldhash::{HashMap, HashMapExt};

/// The code of a contact that has no key (withheld or unavailable number): it counts in demand,
/// never in per-caller detection.
pub const NO_KEY: u32 = u32::MAX;

/// Text keys encoded as dense codes `0..keys.len()`, in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyCodes<'a> {
    /// One code per input key; [`NO_KEY`] where the key was missing.
    pub codes: Vec<u32>,
    /// The text of each code: `keys[code]`.
    pub keys: Vec<&'a str>,
}

/// Encodes keys to codes. Consecutive equal keys (as in a snapshot sorted by caller) skip the
/// hash lookup. Missing keys (`None`) get [`NO_KEY`].
pub fn encode_keys<'a>(keys: impl IntoIterator<Item = Option<&'a str>>) -> KeyCodes<'a> {
    let keys = keys.into_iter();
    let mut out = KeyCodes {
        codes: Vec::with_capacity(keys.size_hint().0),
        keys: Vec::new(),
    };
    let mut index: HashMap<&'a str, u32> = HashMap::new();
    let mut previous: Option<(&'a str, u32)> = None;
    for key in keys {
        let code = match key {
            None => NO_KEY,
            Some(key) => match previous {
                Some((p, code)) if p == key => code,
                _ => {
                    let next = out.keys.len() as u32;
                    let code = *index.entry(key).or_insert(next);
                    if code == next {
                        out.keys.push(key);
                    }
                    previous = Some((key, code));
                    code
                }
            },
        };
        out.codes.push(code);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_first_appearance_and_skip_missing_keys() {
        let k = encode_keys([
            Some("b"),
            Some("a"),
            None,
            Some("b"),
            Some("b"),
            Some("c"),
            Some("a"),
        ]);
        assert_eq!(k.codes, vec![0, 1, NO_KEY, 0, 0, 2, 1]);
        assert_eq!(k.keys, vec!["b", "a", "c"]);
    }
}
