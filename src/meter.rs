//! Progress on stderr for long runs, and phase timings for profiling.
//!
//! One meter per process. The binary turns it on ([`enable`]); library code marks phases ([`phase`])
//! and progress within one ([`advance`]), which costs an atomic load while the meter is off (tests, the
//! library used on its own). The bar appears only once a run has taken a second, and only when stderr is
//! a terminal, so pipes, CI logs and the golden outputs never see it. With `GROWTHPLAN_TIMINGS=1`, each
//! phase's wall time (and, on Linux, the memory resident at its end) is printed to stderr when it ends
//! (also when piped): the profile of a run at a glance.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before the bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

struct Meter {
    start: Instant,
    bar: ProgressBar,
    /// Stderr is a terminal: the bar may be shown.
    tty: bool,
    shown: AtomicBool,
    /// The bar has been cleared for good: the command's output has begun.
    finished: AtomicBool,
    timings: bool,
    /// The phase running now and when it began.
    current: Mutex<Option<(String, Instant)>>,
}

static METER: OnceLock<Meter> = OnceLock::new();

/// Turns the meter on for this process (the binary does, once).
pub fn enable() {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>3} {msg:<32} {wide_bar} {percent:>3}%") {
        bar.set_style(style);
    }
    let timings = std::env::var_os("GROWTHPLAN_TIMINGS").is_some_and(|v| v == "1");
    let _ = METER.set(Meter {
        start: Instant::now(),
        bar,
        tty: std::io::stderr().is_terminal(),
        shown: AtomicBool::new(false),
        finished: AtomicBool::new(false),
        timings,
        current: Mutex::new(None),
    });
}

impl Meter {
    fn show_when_due(&self) {
        if self.tty
            && !self.shown.load(Ordering::Relaxed)
            && !self.finished.load(Ordering::Relaxed)
            && self.start.elapsed() >= SHOW_AFTER
        {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn end_phase(&self) {
        let ended = self.current.lock().ok().and_then(|mut c| c.take());
        if let (true, Some((name, began))) = (self.timings, ended) {
            let ms = began.elapsed().as_secs_f64() * 1e3;
            self.bar.suspend(|| eprintln!("timing: {name}: {ms:.1} ms{}", resident().unwrap_or_default()));
        }
    }
}

/// The memory the process holds now and the most it has held so far (Linux), for the timings:
/// ", 123 MB resident, 150 MB peak". The peak tells a phase's passing needs from what it keeps.
fn resident() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()
    };
    Some(format!(", {} MB resident, {} MB peak", kb("VmRSS:")? >> 10, kb("VmHWM:")? >> 10))
}

/// Starts a named phase of `total` units of work (0 when unknown), ending the one before.
pub fn phase(name: impl Into<String>, total: u64) {
    let Some(m) = METER.get() else { return };
    m.end_phase();
    let name = name.into();
    m.bar.set_length(total.max(1));
    m.bar.set_position(0);
    m.bar.set_message(name.clone());
    if let Ok(mut c) = m.current.lock() {
        *c = Some((name, Instant::now()));
    }
    m.show_when_due();
}

/// Marks `n` more units of the current phase done.
pub fn advance(n: u64) {
    let Some(m) = METER.get() else { return };
    m.bar.inc(n);
    m.show_when_due();
}

/// Ends the last phase and clears the bar for good, leaving the terminal as it was (before the command's
/// output, and at the end).
pub fn finish() {
    let Some(m) = METER.get() else { return };
    if m.finished.swap(true, Ordering::Relaxed) {
        return;
    }
    m.end_phase();
    m.bar.finish_and_clear();
    m.bar.set_draw_target(ProgressDrawTarget::hidden());
}

/// Runs `f`, printing its wall time under `name` when timings are asked for (parts of a phase).
pub fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let Some(m) = METER.get().filter(|m| m.timings) else { return f() };
    let began = Instant::now();
    let v = f();
    m.bar.suspend(|| eprintln!("timing:   {name}: {:.1} ms", began.elapsed().as_secs_f64() * 1e3));
    v
}

/// A writer (the command's stdout) that takes the bar off the terminal before the first output, so that
/// the two never share a line.
pub struct ClearsTheMeter<W: std::io::Write>(pub W);

impl<W: std::io::Write> std::io::Write for ClearsTheMeter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        finish();
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Whether the meter is on: callers skip bookkeeping that only feeds it.
pub fn enabled() -> bool {
    METER.get().is_some()
}
