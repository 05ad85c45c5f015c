//! Progress on a terminal (nothing when stderr is not one).

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner counting rows, drawn only on a terminal.
pub fn rows(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows ({per_sec}) {elapsed}")
            .expect("valid template"),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
