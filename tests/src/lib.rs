//! Helpers for the end-to-end tests: the `engage` binary, built once, and scratch folders.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The path of the `engage` binary, built (debug) on first use.
pub fn engage_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| built("engage"))
}

/// The paths of the `engage-scheduler` and `engage-executor` binaries, built (debug) on first
/// use.
pub fn cluster_binaries() -> &'static (PathBuf, PathBuf) {
    static BINARIES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BINARIES.get_or_init(|| (built("engage-scheduler"), built("engage-executor")))
}

/// The path of the workspace's binary `bin`, after building every target of the workspace
/// once. Every target, as `cargo test --workspace` builds them: building one package alone
/// would pick other features of DataFusion and build it all again (12 minutes on 2 cores).
fn built(bin: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--quiet", "--workspace", "--all-targets"])
            .current_dir(workspace_root());
        // The test's own CARGO_PKG_* and CARGO_MANIFEST_DIR would change the fingerprints of
        // build scripts that watch them (ring's), rebuilding half the tree each time.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name.starts_with("CARGO_")
                && !matches!(name.as_str(), "CARGO_HOME" | "CARGO_TARGET_DIR")
            {
                build.env_remove(name);
            }
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the workspace failed");
    });
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join(bin)
}

/// The repository's root folder.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Runs `engage` with arguments, returning its output.
pub fn engage(args: &[&str]) -> Output {
    Command::new(engage_binary())
        .args(args)
        .output()
        .expect("engage runs")
}

/// Runs `engage` and asserts success, returning stdout.
pub fn engage_ok(args: &[&str]) -> String {
    let out = engage(args);
    assert!(
        out.status.success(),
        "engage {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A fresh scratch folder under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace_root().join("target").join("e2e").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}
