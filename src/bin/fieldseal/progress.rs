//! The progress display of `reseal`: on standard error, and only when it is a terminal.

use std::io::IsTerminal as _;
use std::time::Duration;

use fieldseal::bulk::Summary;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over input bytes (a file) or a spinner (standard input).
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over the `total` bytes of an input file.
    pub(crate) fn bytes(total: u64) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), target());
        bar.set_style(style(
            "{spinner} re-sealing [{bar:30}] {bytes}/{total_bytes}, {msg} ({eta} left)",
        ));
        Self::started(bar)
    }

    /// A spinner, for input of unknown length.
    pub(crate) fn spinner() -> Self {
        let bar = ProgressBar::with_draw_target(None, target());
        bar.set_style(style(
            "{spinner} re-sealing: {bytes} read, {msg} ({elapsed})",
        ));
        Self::started(bar)
    }

    fn started(bar: ProgressBar) -> Self {
        bar.set_message("0 records");
        bar.enable_steady_tick(Duration::from_millis(120));
        Self { bar }
    }

    /// Shows where a run stands.
    pub(crate) fn update(&self, summary: &Summary) {
        self.bar.set_position(summary.bytes_read);
        self.bar
            .set_message(format!("{} records", summary.records + summary.resumed));
    }

    /// Removes the display.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
