//! `verify`'s progress bar on a terminal (stderr, not in CI): per backend, the migration
//! walked, how many of how many, and an estimate of the time left. Nothing at all when
//! stderr is not a terminal or in CI, so logs keep only the table.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressDrawTarget, ProgressStyle};

use crate::progress::{Progress, ProgressObserver};

/// A bar drawn on stderr, fed by the suite's [`Progress`].
pub(crate) struct ProgressBar(indicatif::ProgressBar);

impl ProgressBar {
    /// A bar when stderr is a terminal and this is not CI; `None` otherwise.
    pub fn on_terminal() -> Option<Self> {
        if !std::io::stderr().is_terminal() || crate::settings::in_ci() {
            return None;
        }
        Some(Self::drawn_to(ProgressDrawTarget::stderr()))
    }

    fn drawn_to(target: ProgressDrawTarget) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(
            "{prefix:>8} [{bar:30}] {pos}/{len} {msg} ({elapsed}, about {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Self(bar)
    }

    /// The observer that moves this bar.
    pub fn observer(&self) -> ProgressObserver {
        let bar = self.0.clone();
        ProgressObserver::new(move |progress| show(&bar, progress))
    }

    /// Clears the bar before the table is printed.
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

fn show(bar: &indicatif::ProgressBar, progress: &Progress) {
    match progress {
        Progress::Step {
            backend,
            index,
            total,
            migration,
        } => {
            if *index == 0 {
                bar.reset();
            }
            bar.set_prefix(backend.to_string());
            bar.set_length(*total as u64);
            bar.set_position(*index as u64);
            bar.set_message(format!("walking {migration}"));
        }
        Progress::RoundTrip { backend } => {
            bar.set_prefix(backend.to_string());
            bar.set_message("round trip: down all, up all".to_owned());
        }
        Progress::Finished { backend } => {
            bar.println(format!("{backend}: done in {:.1?}", bar.elapsed()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::Backend;

    #[test]
    fn the_bar_follows_the_walk() {
        let bar = ProgressBar::drawn_to(ProgressDrawTarget::hidden());
        let observer = bar.observer();
        for index in 0..3 {
            observer.notify(&Progress::Step {
                backend: Backend::Sqlite,
                index,
                total: 1000,
                migration: format!("m{index}"),
            });
        }
        assert_eq!(bar.0.position(), 2);
        assert_eq!(bar.0.length(), Some(1000));
        assert_eq!(bar.0.message(), "walking m2");
        assert_eq!(bar.0.prefix(), "sqlite");
    }
}
