//! Keyed, one-way, stable pseudonyms of caller keys (and, with the same key, of incident
//! addresses).
//!
//! A pseudonymised snapshot replaces each caller's E.164 number with a pseudonym, so analysts
//! can count and link a caller's contacts without seeing the number. Partner agencies use the
//! same key (agreed between them) so that one caller has one pseudonym in every agency's data.
//!
//! # The format (a promise)
//!
//! A pseudonym is `ps:` followed by the first 16 bytes of HMAC-SHA-256(key, caller key) in
//! lowercase hexadecimal: 35 ASCII characters in all, for example
//! `ps:0187ce4e031acd84c9de7861acd1a19c`. The key is the raw bytes given to
//! [`PseudonymKey::new`] (or the UTF-8 bytes of the key file's text, without trailing white
//! space, for [`PseudonymKey::from_text`]); the message is the UTF-8 bytes of the caller key,
//! as given. The same key and caller key give the same pseudonym on every run, platform and
//! version: saved queries, partner data and earlier snapshots depend on it, so this format
//! changes only with a migration note.
//!
//! Without the key a pseudonym cannot be turned back into a number, nor can a number be
//! checked against it. With the key, anyone can pseudonymise a suspected number and compare,
//! so the key is a secret: it is never printed ([`PseudonymKey`]'s `Debug` says
//! `PseudonymKey(<redacted>)`, and it has no `Display` and no `Clone`), and its bytes are
//! overwritten when it is dropped.
//!
//! # Address pseudonyms (a second domain of the same key)
//!
//! A snapshot published pseudonymised also replaces each incident's `address_key` with a
//! pseudonym made with the same key, so address-keyed rules still find the same episodes
//! (equal addresses give equal pseudonyms) and agencies sharing the key still meet. An
//! address pseudonym is `pa:` followed by the first 16 bytes of
//! HMAC-SHA-256(key, `address:` + address key) in lowercase hexadecimal (35 ASCII characters,
//! for example `pa:1106d215dd2ba2ee5e1cbb326c931e8d` for `12 HIGH ST MAIDSTONE`). Its own
//! prefix means an address pseudonym never equals a caller pseudonym (and
//! [`is_pseudonym`] is false for it); its own message prefix means the two digests are of
//! different messages even for the same text. This format is a promise like the caller's.
//!
//! # Cost
//!
//! The key's HMAC state (its inner and outer pads, already hashed) is computed once, in
//! [`PseudonymKey::new`]; each pseudonym clones that state and hashes only the caller key, so
//! millions of rows cost two SHA-256 compressions each.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// Every pseudonym starts with this prefix.
pub const PSEUDONYM_PREFIX: &str = "ps:";

/// Every address pseudonym starts with this prefix.
pub const ADDRESS_PSEUDONYM_PREFIX: &str = "pa:";

/// What an address key is prefixed with before it is hashed, so that an address's digest is
/// never the digest of a caller key's text.
const ADDRESS_DOMAIN: &str = "address:";

/// The length in bytes of every pseudonym: the prefix and 32 hex digits.
pub const PSEUDONYM_LEN: usize = PSEUDONYM_PREFIX.len() + 2 * DIGEST_BYTES;

/// The shortest key accepted, in bytes.
pub const MIN_KEY_LEN: usize = 16;

/// How many bytes of the HMAC output a pseudonym keeps.
const DIGEST_BYTES: usize = 16;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Why a pseudonymisation key was refused. The messages never quote the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PseudonymError {
    /// The key is too short to be a secret.
    #[error(
        "the pseudonymisation key is {len} bytes long; expected at least {min} bytes (a key \
         file of 32 or more random characters, e.g. from `openssl rand -hex 32`); the key \
         itself is not shown"
    )]
    KeyTooShort {
        /// The length of the key given (after trimming, for a key file).
        len: usize,
        /// The least length accepted ([`MIN_KEY_LEN`]).
        min: usize,
    },
}

/// A secret key for pseudonymising caller keys.
///
/// Build it once and share it (it is `Send` and `Sync`); [`pseudonymise`](Self::pseudonymise)
/// takes `&self`.
pub struct PseudonymKey {
    /// The secret, overwritten on drop.
    bytes: Box<[u8]>,
    /// HMAC-SHA-256 keyed with `bytes` and not yet fed any message: cloned for each pseudonym.
    mac: HmacSha256,
}

impl PseudonymKey {
    /// A key from raw bytes.
    ///
    /// # Errors
    ///
    /// [`PseudonymError::KeyTooShort`] when `bytes` has fewer than [`MIN_KEY_LEN`] (16) bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, PseudonymError> {
        if bytes.len() < MIN_KEY_LEN {
            return Err(PseudonymError::KeyTooShort {
                len: bytes.len(),
                min: MIN_KEY_LEN,
            });
        }
        let mac = keyed(bytes);
        Ok(PseudonymKey {
            bytes: bytes.into(),
            mac,
        })
    }

    /// A key from the text of a key file: its UTF-8 bytes without trailing white space (so the
    /// final newline that editors add does not change the key). Leading white space is kept.
    ///
    /// # Errors
    ///
    /// [`PseudonymError::KeyTooShort`] when the trimmed text has fewer than [`MIN_KEY_LEN`]
    /// (16) bytes.
    pub fn from_text(text: &str) -> Result<Self, PseudonymError> {
        Self::new(text.trim_end().as_bytes())
    }

    /// The pseudonym of `caller_key`: `ps:` and 32 lowercase hex digits, as the
    /// [module documentation](self) promises.
    ///
    /// ```
    /// use engage_kernel::pseudonym::PseudonymKey;
    /// let key = PseudonymKey::new(b"engage-test-key-0123456789").unwrap();
    /// assert_eq!(key.pseudonymise("+447700900123"), "ps:0187ce4e031acd84c9de7861acd1a19c");
    /// ```
    pub fn pseudonymise(&self, caller_key: &str) -> String {
        let mut out = String::with_capacity(PSEUDONYM_LEN);
        self.pseudonymise_into(caller_key, &mut out);
        out
    }

    /// Appends the pseudonym of `caller_key` to `out`, for callers that reuse one buffer
    /// across rows.
    pub fn pseudonymise_into(&self, caller_key: &str, out: &mut String) {
        self.digest_into(PSEUDONYM_PREFIX, &[caller_key], out);
    }

    /// The pseudonym of a normalised incident address (`address_key`): `pa:` and 32
    /// lowercase hex digits, in the address domain the [module documentation](self) describes.
    ///
    /// ```
    /// use engage_kernel::pseudonym::PseudonymKey;
    /// let key = PseudonymKey::new(b"engage-test-key-0123456789").unwrap();
    /// assert_eq!(
    ///     key.pseudonymise_address("12 HIGH ST MAIDSTONE"),
    ///     "pa:1106d215dd2ba2ee5e1cbb326c931e8d"
    /// );
    /// ```
    pub fn pseudonymise_address(&self, address_key: &str) -> String {
        let mut out = String::with_capacity(PSEUDONYM_LEN);
        self.digest_into(
            ADDRESS_PSEUDONYM_PREFIX,
            &[ADDRESS_DOMAIN, address_key],
            &mut out,
        );
        out
    }

    /// Appends `prefix` and the hex of the first bytes of HMAC(key, the parts in order).
    fn digest_into(&self, prefix: &str, parts: &[&str], out: &mut String) {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part.as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        out.reserve(PSEUDONYM_LEN);
        out.push_str(prefix);
        for &byte in &digest[..DIGEST_BYTES] {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// Whether `text` has the shape of a pseudonym (`ps:` and 32 lowercase hex digits). This says
/// nothing about which key made it.
pub fn is_pseudonym(text: &str) -> bool {
    text.len() == PSEUDONYM_LEN
        && text.starts_with(PSEUDONYM_PREFIX)
        && text[PSEUDONYM_PREFIX.len()..]
            .bytes()
            .all(|b| HEX.contains(&b))
}

/// Whether `text` has the shape of an address pseudonym (`pa:` and 32 lowercase hex digits).
pub fn is_address_pseudonym(text: &str) -> bool {
    text.len() == PSEUDONYM_LEN
        && text.starts_with(ADDRESS_PSEUDONYM_PREFIX)
        && text[ADDRESS_PSEUDONYM_PREFIX.len()..]
            .bytes()
            .all(|b| HEX.contains(&b))
}

/// HMAC-SHA-256 keyed with `key`, before any message.
fn keyed(key: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length (long keys are hashed first), so this never happens.
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<redacted>)")
    }
}

impl Drop for PseudonymKey {
    /// Overwrites the key bytes with zeros, and the keyed HMAC state with one keyed by zeros,
    /// so the secret does not linger in freed memory. Best effort: copies the allocator or the
    /// compiler made earlier (such as the per-call clones of the HMAC state on the stack) are
    /// out of reach.
    fn drop(&mut self) {
        self.scrub();
    }
}

impl PseudonymKey {
    /// The work of [`Drop`], callable in tests.
    fn scrub(&mut self) {
        for byte in self.bytes.iter_mut() {
            // SAFETY: `byte` is a valid, aligned, exclusive reference to a `u8`.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
        let blank = keyed(&[0; MIN_KEY_LEN]);
        // SAFETY: `self.mac` is a valid, aligned, exclusive place of this type; the old value
        // owns no resources (it is plain arrays and counters), so not dropping it leaks
        // nothing.
        unsafe { std::ptr::write_volatile(&mut self.mac, blank) };
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"engage-test-key-0123456789";

    // Known answers computed independently with Python:
    // `"ps:" + hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]`.
    #[test]
    fn known_answers() {
        let key = PseudonymKey::new(KEY).unwrap();
        assert_eq!(
            key.pseudonymise("+447700900123"),
            "ps:0187ce4e031acd84c9de7861acd1a19c"
        );
        assert_eq!(key.pseudonymise(""), "ps:859826efd627321ee86444257fa9d683");
        let other = PseudonymKey::new(b"0123456789abcdef").unwrap();
        assert_eq!(
            other.pseudonymise("+441632960123"),
            "ps:09f07b4844c46b02a1458f8fb3bacabe"
        );
    }

    // Computed independently with Python:
    // `"pa:" + hmac.new(key, b"address:" + msg, hashlib.sha256).hexdigest()[:32]`.
    #[test]
    fn address_known_answers_and_domain() {
        let key = PseudonymKey::new(KEY).unwrap();
        assert_eq!(
            key.pseudonymise_address("12 HIGH ST MAIDSTONE"),
            "pa:1106d215dd2ba2ee5e1cbb326c931e8d"
        );
        assert_eq!(
            key.pseudonymise_address(""),
            "pa:43c580670f26b5a2893bb0284b0bbdd2"
        );
        // The same text as a caller key: another message, another prefix.
        assert_eq!(
            key.pseudonymise("12 HIGH ST MAIDSTONE"),
            "ps:aa0822c1b454d0d8d96d22459746b0de"
        );
        let address = key.pseudonymise_address("12 HIGH ST MAIDSTONE");
        assert!(is_address_pseudonym(&address));
        assert!(!is_pseudonym(&address));
        assert!(!is_address_pseudonym(&key.pseudonymise("+447700900123")));
    }

    #[test]
    fn rfc_4231_test_case_1_prefix() {
        // RFC 4231 test case 1 uses a 20-byte key of 0x0b and "Hi There"; its HMAC-SHA-256
        // begins b0344c61d8db38535ca8afceaf0bf12b.
        let key = PseudonymKey::new(&[0x0b; 20]).unwrap();
        assert_eq!(
            key.pseudonymise("Hi There"),
            "ps:b0344c61d8db38535ca8afceaf0bf12b"
        );
    }

    #[test]
    fn stable_across_calls_and_key_instances() {
        let a = PseudonymKey::new(KEY).unwrap();
        let b = PseudonymKey::new(KEY).unwrap();
        let first = a.pseudonymise("+447700900123");
        // The cached HMAC state is not disturbed by use.
        a.pseudonymise("+441632960123");
        assert_eq!(a.pseudonymise("+447700900123"), first);
        assert_eq!(b.pseudonymise("+447700900123"), first);
    }

    #[test]
    fn different_keys_or_callers_give_different_pseudonyms() {
        let a = PseudonymKey::new(KEY).unwrap();
        let b = PseudonymKey::new(b"another-test-key-abcdef").unwrap();
        assert_eq!(
            b.pseudonymise("+447700900123"),
            "ps:7381d808b470877332a00a900a99a4a6"
        );
        assert_ne!(
            a.pseudonymise("+447700900123"),
            b.pseudonymise("+447700900123")
        );
        assert_ne!(
            a.pseudonymise("+447700900123"),
            a.pseudonymise("+447700900124")
        );
    }

    #[test]
    fn format_is_prefix_and_32_lowercase_hex_digits() {
        let key = PseudonymKey::new(KEY).unwrap();
        for caller in ["+447700900123", "", "ps:already", "\u{1F4DE}"] {
            let p = key.pseudonymise(caller);
            assert_eq!(p.len(), PSEUDONYM_LEN);
            assert_eq!(p.len(), 35);
            assert!(is_pseudonym(&p), "{p}");
        }
        assert!(!is_pseudonym("+447700900123"));
        assert!(!is_pseudonym("ps:0187CE4E031ACD84C9DE7861ACD1A19C"));
        assert!(!is_pseudonym("ps:0187ce4e031acd84c9de7861acd1a19"));
    }

    #[test]
    fn pseudonymise_into_appends() {
        let key = PseudonymKey::new(KEY).unwrap();
        let mut buf = String::from("x=");
        key.pseudonymise_into("+447700900123", &mut buf);
        assert_eq!(buf, "x=ps:0187ce4e031acd84c9de7861acd1a19c");
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(
            PseudonymKey::new(b"fifteen-bytes!!").unwrap_err(),
            PseudonymError::KeyTooShort { len: 15, min: 16 }
        );
        assert!(PseudonymKey::new(b"sixteen-bytes!!!").is_ok());
        assert!(PseudonymKey::new(b"").is_err());
        // Trailing white space does not count towards a key file's length.
        assert_eq!(
            PseudonymKey::from_text("fifteen-bytes!!\n\n  \r\n").unwrap_err(),
            PseudonymError::KeyTooShort { len: 15, min: 16 }
        );
        let msg = PseudonymKey::new(b"secret-ish").unwrap_err().to_string();
        assert!(msg.contains("10 bytes"), "{msg}");
        assert!(msg.contains("at least 16"), "{msg}");
        assert!(!msg.contains("secret-ish"), "{msg}");
    }

    #[test]
    fn key_file_text_ignores_trailing_newline_only() {
        let from_bytes = PseudonymKey::new(KEY).unwrap();
        let from_file = PseudonymKey::from_text("engage-test-key-0123456789\r\n").unwrap();
        assert_eq!(
            from_file.pseudonymise("+447700900123"),
            from_bytes.pseudonymise("+447700900123")
        );
        let leading = PseudonymKey::from_text(" engage-test-key-0123456789\n").unwrap();
        assert_ne!(
            leading.pseudonymise("+447700900123"),
            from_bytes.pseudonymise("+447700900123")
        );
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let key = PseudonymKey::new(KEY).unwrap();
        let shown = format!("{key:?} {key:#?}");
        assert_eq!(format!("{key:?}"), "PseudonymKey(<redacted>)");
        assert!(!shown.contains("engage-test-key"));
        assert!(!shown.contains("0123456789"));
        let err = format!("{:?}", PseudonymKey::new(b"short"));
        assert!(!err.contains("short\""), "{err}");
    }

    #[test]
    fn key_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PseudonymKey>();
    }

    #[test]
    fn drop_overwrites_the_key_bytes() {
        let mut key = PseudonymKey::new(KEY).unwrap();
        let before = key.pseudonymise("+447700900123");
        // Run the scrubbing in place, then check what is left behind.
        key.scrub();
        assert!(key.bytes.iter().all(|&b| b == 0));
        assert_ne!(key.pseudonymise("+447700900123"), before);
    }
}
