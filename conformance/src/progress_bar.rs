//! `verify`'s progress bar on a terminal (stderr, not in CI): per backend, the migration
//! walked, how many of how many, and an estimate of the time left. Nothing at all when
//! stderr is not a terminal or in CI, so logs keep only the table.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressDrawTarget, ProgressStyle};

use crate::progress::{Progress, ProgressObserver};

/// A bar drawn on stderr, fed by the suite's [`Progress`]. It is drawn from the first
/// step on, not while PostgreSQL starts (whose message would break its line).
pub(crate) struct ProgressBar(indicatif::ProgressBar, bool);

impl ProgressBar {
    /// A bar when stderr is a terminal and this is not CI; `None` otherwise.
    pub fn on_terminal(ci: bool) -> Option<Self> {
        if !std::io::stderr().is_terminal() || ci {
            return None;
        }
        Some(Self::drawn_to(true))
    }

    fn drawn_to(terminal: bool) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{prefix:>8} [{bar:30}] {pos}/{len} {msg} ({elapsed}, about {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Self(bar, terminal)
    }

    /// The observer that moves this bar.
    pub fn observer(&self) -> ProgressObserver {
        let bar = self.0.clone();
        let terminal = self.1;
        ProgressObserver::new(move |progress| {
            if terminal && bar.is_hidden() {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(250));
            }
            show(&bar, progress)
        })
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
        let bar = ProgressBar::drawn_to(false);
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
