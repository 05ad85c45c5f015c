//! Key spaces: what detection groups contacts by (the caller, or the incident address).

use engage_kernel::{KeyCodes, NO_KEY, encode_keys};

/// Which column of a snapshot's `contacts` the rules are keyed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyColumn {
    /// `caller_key`: who called (the default).
    Caller,
    /// `address_key`: the normalised incident address the contact was about.
    Address,
}

impl KeyColumn {
    /// The column named by the page; `None` is the caller key.
    pub fn parse(name: Option<&str>) -> Result<KeyColumn, String> {
        match name {
            None | Some("caller_key") => Ok(KeyColumn::Caller),
            Some("address_key") => Ok(KeyColumn::Address),
            Some(other) => Err(format!(
                "unknown key column `{other}`: expected `caller_key` or `address_key`"
            )),
        }
    }

    /// The column's name in a snapshot's `contacts` table.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyColumn::Caller => "caller_key",
            KeyColumn::Address => "address_key",
        }
    }
}

/// One key space: each contact's key as a dense code (`NO_KEY` for none), and the key behind
/// each code.
#[derive(Default)]
pub(crate) struct KeySpace {
    /// The key of each code.
    pub names: Vec<String>,
    /// Each contact's code, in the archive's row order.
    pub codes: Vec<u32>,
}

impl KeySpace {
    /// Appends the keys of new contacts, re-encoding old and new so codes stay dense.
    pub fn merge<K: AsRef<str>>(&mut self, new: &[Option<K>]) {
        let names = &self.names;
        let old = self
            .codes
            .iter()
            .map(|&k| (k != NO_KEY).then(|| names[k as usize].as_str()));
        let new = new.iter().map(|k| k.as_ref().map(AsRef::as_ref));
        let KeyCodes { codes, keys } = encode_keys(old.chain(new));
        let names = keys.into_iter().map(str::to_string).collect();
        self.names = names;
        self.codes = codes;
    }

    /// The code of `name`, if any contact has it.
    pub fn code(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|c| c as u32)
    }

    /// The key behind `code`.
    pub fn name(&self, code: u32) -> &str {
        &self.names[code as usize]
    }

    /// How many contacts have a key.
    pub fn keyed_contacts(&self) -> usize {
        self.codes.iter().filter(|&&k| k != NO_KEY).count()
    }
}

// Plain tests natively; in wasm32 under wasm-bindgen-test-runner (`scripts/test-web`).
#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn space(batches: &[&[Option<&str>]]) -> KeySpace {
        let mut s = KeySpace::default();
        for batch in batches {
            s.merge(batch);
        }
        s
    }

    fn keys_of(s: &KeySpace) -> Vec<Option<&str>> {
        s.codes
            .iter()
            .map(|&c| (c != NO_KEY).then(|| s.name(c)))
            .collect()
    }

    #[test]
    fn merging_keeps_every_contacts_key_and_codes_dense() {
        let s = space(&[&[Some("b"), None, Some("a")], &[Some("a"), Some("c"), None]]);
        assert_eq!(
            keys_of(&s),
            [Some("b"), None, Some("a"), Some("a"), Some("c"), None]
        );
        let mut names = s.names.clone();
        names.sort();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(s.codes.iter().all(|&c| c == NO_KEY || c < 3));
        assert_eq!(s.keyed_contacts(), 4);
        assert_eq!(s.code("c").map(|c| s.name(c)), Some("c"));
        assert_eq!(s.code("d"), None);
    }

    #[test]
    fn key_columns_by_name() {
        assert_eq!(KeyColumn::parse(None), Ok(KeyColumn::Caller));
        assert_eq!(KeyColumn::parse(Some("caller_key")), Ok(KeyColumn::Caller));
        assert_eq!(
            KeyColumn::parse(Some("address_key")),
            Ok(KeyColumn::Address)
        );
        assert_eq!(
            KeyColumn::parse(Some("address")),
            Err("unknown key column `address`: expected `caller_key` or `address_key`".into())
        );
        assert_eq!(KeyColumn::Address.as_str(), "address_key");
    }
}
