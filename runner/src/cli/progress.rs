//! A progress bar for changing commands on a terminal: the migration being applied or
//! rolled back, how many of how many, and an estimate of the time left. Drawn on stderr,
//! only when stderr is a terminal and `CI` is not set; the printed lines stay as they are
//! (and are all there is when output goes to a file or a pipe).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::event::Event;

/// The bar of one run, if there is a terminal to draw it on.
pub(super) struct Bar(ProgressBar);

impl Bar {
    pub fn on_terminal() -> Option<Self> {
        let ci = std::env::var_os("CI").is_some_and(|v| v != "0" && v != "false");
        if !std::io::stderr().is_terminal() || ci {
            return None;
        }
        Some(Self::drawn_to(ProgressDrawTarget::stderr()))
    }

    fn drawn_to(target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(None, target);
        let style = ProgressStyle::with_template(
            "[{bar:30}] {pos}/{len} {msg} ({elapsed}, about {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Self(bar)
    }

    /// Moves the bar on `event`; prints `print`'s line above it.
    pub fn show(&self, event: &Event, print: impl FnOnce()) {
        if let Event::Starting {
            name,
            rolling_back,
            index,
            total,
        } = event
        {
            if *index == 0 {
                self.0.reset();
            }
            self.0.set_length(*total as u64);
            self.0.set_position(*index as u64);
            let verb = if *rolling_back {
                "rolling back"
            } else {
                "applying"
            };
            self.0.set_message(format!("{verb} {name}"));
        }
        self.0.suspend(print);
    }

    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_follows_the_run() {
        let bar = Bar::drawn_to(ProgressDrawTarget::hidden());
        let mut printed = 0;
        for index in 0..4 {
            let event = Event::Starting {
                name: format!("m{index}"),
                rolling_back: index == 3,
                index,
                total: 500,
            };
            bar.show(&event, || printed += 1);
        }
        assert_eq!(printed, 4);
        assert_eq!(bar.0.position(), 3);
        assert_eq!(bar.0.length(), Some(500));
        assert_eq!(bar.0.message(), "rolling back m3");
    }
}
