//! Loading the pseudonymisation key from its file (`--pseudonymise-key-file`).
//!
//! The key is a secret: anyone holding it can pseudonymise a suspected number and compare. So,
//! as ssh does with private keys, a key file that its group or other users may read (on unix,
//! any of the mode bits `0o077`) is refused, with the fix (`chmod 600 FILE`). The key is read
//! as [`PseudonymKey::from_text`] reads it (trailing white space ignored). No error message
//! quotes the key or any of its bytes, and the text read is overwritten once the key is built.

use std::path::{Path, PathBuf};

use engage_kernel::pseudonym::{PseudonymError, PseudonymKey};

/// Why a key file was refused. The messages name the file, never its content.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file cannot be read.
    #[error("cannot read the key file {}: {source}", path.display())]
    Read {
        /// The key file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// Its group or other users may read the file.
    #[error(
        "the key file {} can be read by other users (its mode is {mode:04o}): a \
         pseudonymisation key must be readable by its owner only. Run `chmod 600 {}` and \
         publish again",
        path.display(),
        path.display()
    )]
    Exposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The text is not a usable key.
    #[error("the key in {}: {source}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong (never quoting the key).
        source: PseudonymError,
    },
}

/// The key in the file at `path`, refused when others may read the file.
///
/// # Errors
///
/// [`KeyFileError::Exposed`] when the file's group or others have any permission (unix);
/// [`KeyFileError::Read`] when it cannot be read (or is not UTF-8 text);
/// [`KeyFileError::Key`] when its text is too short to be a key.
pub fn load_key_file(path: &Path) -> Result<PseudonymKey, KeyFileError> {
    let read_error = |source| KeyFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    // The permissions are those of the file opened, so it cannot be swapped in between.
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    refuse_exposed(path, file.metadata().map_err(read_error)?)?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text).map_err(read_error)?;
    let key = PseudonymKey::from_text(&text);
    scrub(text);
    key.map_err(|source| KeyFileError::Key {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(unix)]
fn refuse_exposed(path: &Path, metadata: std::fs::Metadata) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Exposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_exposed(_path: &Path, _metadata: std::fs::Metadata) -> Result<(), KeyFileError> {
    // Other systems' permissions are not unix mode bits; their access lists are not checked.
    Ok(())
}

/// Overwrites the key file's text before freeing it (best effort, as the kernel's key does).
fn scrub(text: String) {
    let mut bytes = text.into_bytes();
    for byte in bytes.iter_mut() {
        // SAFETY: `byte` is a valid, aligned, exclusive reference to a `u8`.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const KEY: &str = "a-synthetic-test-key-0123456789";

    /// A fresh file in a folder of its own under the system's temporary folder.
    fn key_file(name: &str, text: &str, mode: u32) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("engage-key-file-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key.txt");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn an_owner_only_file_gives_the_key_of_its_text() {
        for mode in [0o600, 0o400, 0o700] {
            let path = key_file(&format!("ok-{mode:o}"), &format!("{KEY}\n"), mode);
            let key = load_key_file(&path).unwrap();
            assert_eq!(
                key.pseudonymise("+447700900123"),
                PseudonymKey::from_text(KEY)
                    .unwrap()
                    .pseudonymise("+447700900123")
            );
        }
    }

    #[test]
    fn a_file_others_may_read_is_refused_with_the_fix() {
        for mode in [0o644, 0o640, 0o604, 0o660, 0o601, 0o610, 0o666] {
            let path = key_file(&format!("open-{mode:o}"), KEY, mode);
            let err = load_key_file(&path).unwrap_err();
            assert!(
                matches!(err, KeyFileError::Exposed { mode: m, .. } if m == mode),
                "{err:?}"
            );
            let message = err.to_string();
            assert!(
                message.contains(&format!("chmod 600 {}", path.display())),
                "{message}"
            );
            assert!(message.contains(&format!("{mode:04o}")), "{message}");
            assert!(!message.contains(KEY), "{message}");
        }
    }

    #[test]
    fn errors_name_the_file_and_never_the_key() {
        let short = "short-secret";
        let path = key_file("short", short, 0o600);
        let err = load_key_file(&path).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, KeyFileError::Key { .. }), "{err:?}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("12 bytes"), "{message}");
        assert!(!message.contains(short), "{message}");
        assert!(!format!("{err:?}").contains(short));

        let missing = path.with_file_name("missing.txt");
        let err = load_key_file(&missing).unwrap_err();
        assert!(matches!(err, KeyFileError::Read { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with(&format!("cannot read the key file {}", missing.display())),
            "{err}"
        );

        let binary = key_file("binary", "", 0o600);
        std::fs::write(&binary, [0xff, 0xfe, b's', b'e', b'c', b'r', b'e', b't']).unwrap();
        let err = load_key_file(&binary).unwrap_err();
        assert!(matches!(err, KeyFileError::Read { .. }), "{err:?}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
